"""An environment's deployment records, read through the SDK from the emulator, as the
dashboard and `rollback` use them: the build the environment runs, its last deployment's
state, and the earlier good build a rollback redeploys by retrying that run's stage."""

from __future__ import annotations

import pytest
from azure_emulator import StageSpec
from azure_model_service import PROJECT, Service

from release_manager.engine.azure.deployments import environment_history
from release_manager.engine.azure.environments import find_environment, remote_environments
from release_manager.engine.azure.timeline import find_stage, stage_states
from release_manager.engine.backend_errors import NotFound


@pytest.fixture
def service(azure_devops) -> Service:
    service = Service(azure_devops)
    service.web_app(min_required=1)
    return service


def deploy(service: Service, run_id: int | None = None, outcome: str = "succeeded") -> int:
    """Queue a run (or take `run_id`), let Bob approve Prod, finish it."""
    run_id = run_id or service.queue()
    service.emulator.set_outcome(run_id, "Prod", outcome)
    service.emulator.finish(run_id)
    approval = find_stage(stage_states(service.timeline(run_id)), "Prod").approval_id
    service.decide("pat-bob", [approval], "approved")
    service.emulator.finish(run_id)
    return run_id


def history(service: Service):
    return environment_history("Prod", service.deployment_records(service.prod.id),
                               service.pipeline.id)


def test_after_approve_and_deploy_the_environment_runs_that_build(service):
    assert history(service).current_build is None
    assert history(service).rollback_reason == "nothing was deployed to Prod yet"

    run_id = deploy(service)
    after = history(service)

    assert (after.current_build, after.last_state) == (run_id, "succeeded")
    assert after.current is not None and after.current.stage == "Prod"
    assert after.rollback is None
    assert "no older build was deployed there successfully" in after.rollback_reason


def test_a_failed_deployment_leaves_the_last_good_build_current(service):
    first, second = deploy(service), deploy(service)
    third = deploy(service, outcome="failed")

    prod = history(service)

    assert (prod.current_build, prod.last_state) == (second, "failed")
    assert prod.deployments[0].run_id == third
    assert [d.run_id for d in prod.earlier_successful] == [first]
    assert prod.rollback is not None
    assert (prod.rollback.run_id, prod.rollback.stage) == (first, "Prod")


def test_rolling_back_by_retrying_the_older_run_s_stage_goes_back_then_back_again(service):
    first, second, third = deploy(service), deploy(service), deploy(service)
    target = history(service).rollback
    assert target is not None and target.run_id == second

    service.retry(target.run_id, target.stage)
    deploy(service, target.run_id)
    once = history(service)
    service.retry(once.rollback.run_id, once.rollback.stage)
    deploy(service, once.rollback.run_id)
    twice = history(service)

    assert (once.current_build, once.rollback.run_id) == (second, first)
    assert twice.current_build == first
    assert twice.rollback is None
    assert third in {d.run_id for d in twice.deployments}


def test_a_deployment_in_progress_shows_running_and_keeps_the_current_build(service):
    first = deploy(service)
    run_id = service.queue()
    service.emulator.finish(run_id)
    approval = find_stage(stage_states(service.timeline(run_id)), "Prod").approval_id
    service.decide("pat-bob", [approval], "approved")

    prod = history(service)

    assert (prod.current_build, prod.last_state) == (first, "running")


def test_another_pipeline_deploying_to_the_environment_is_not_this_one_s_history(service):
    mine = deploy(service)
    other = service.emulator.add_pipeline("api", [StageSpec("Prod", environment="prod")])
    theirs = service.emulator.queue(other, service.bob)
    service.emulator.finish(theirs.id)
    approval = find_stage(stage_states(service.timeline(theirs.id)), "Prod").approval_id
    service.decide("pat-ada", [approval], "approved")
    service.emulator.finish(theirs.id)
    records = service.deployment_records(service.prod.id)

    assert environment_history("Prod", records).current_build == theirs.id
    assert history(service).current_build == mine


def test_an_environment_is_found_in_any_case_and_an_unknown_one_lists_the_known(service):
    service.emulator.add_environment("QA")
    run_id = deploy(service)
    listed = [e.as_dict() for e in service.clients().get_task_agent_client()
              .get_environments(PROJECT)]
    environments = remote_environments(listed)

    prod = find_environment(environments, "PROD")
    records = service.deployment_records(prod.id)

    assert (prod.id, prod.name) == (service.prod.id, "Prod")
    assert prod.resource() == {"type": "environment", "id": str(prod.id), "name": "Prod"}
    assert environment_history(prod.name, records).current_build == run_id
    with pytest.raises(NotFound) as unknown:
        find_environment(environments, "Staging")
    assert str(unknown.value) == ("no environment 'Staging' in the project "
                                  "(environments: Prod, QA)")
    with pytest.raises(NotFound):
        find_environment(environments, "q\u200ba")  # looks like QA, is not


def test_a_deployment_with_warnings_counts_as_succeeded(service):
    first = deploy(service)
    second = deploy(service, outcome="succeededWithIssues")

    prod = find_stage(stage_states(service.timeline(second)), "Prod")
    history_now = history(service)

    assert (prod.state, prod.result, prod.message) == (
        "succeeded", "succeededWithIssues", "succeeded with warnings")
    assert (history_now.current_build, history_now.last_state) == (second, "succeeded")
    assert history_now.rollback is not None and history_now.rollback.run_id == first
