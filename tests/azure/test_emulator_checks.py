"""Check configurations and environments on the emulator through the SDK: the Approval
check's settings round trip through the client's raw sender (the SDK's add/update methods
drop them), environments and their deployment records."""

from __future__ import annotations

import pytest
from azure.devops.v7_1.pipelines.models import RunPipelineParameters
from azure.devops.v7_1.pipelines_checks.models import CheckConfiguration, CheckType, Resource
from azure_emulator import StageSpec
from azure_emulator.sdk import connection

PROJECT = "Fabrikam-Fiber"
CONFIGURATIONS = "86c8381e-5aee-4cde-8ae4-25c0c7f5eaea"


@pytest.fixture
def clients(azure_devops):
    azure_devops.add_pat("pat-1", "Ada Lovelace")
    return connection(azure_devops.organization_url, "pat-1").clients_v7_1


def approval_check(environment_id: int, approver_id: str, minimum: int) -> dict:
    return {"type": {"id": "8c6f20a7-a545-4486-9777-f762fafe0d4d", "name": "Approval"},
            "resource": {"type": "environment", "id": str(environment_id)},
            "timeout": 1440,
            "settings": {"approvers": [{"id": approver_id, "displayName": "Bob Builder"}],
                         "blockedApprovers": [], "executionOrder": "anyOrder",
                         "minRequiredApprovers": minimum, "instructions": "Check the notes",
                         "requesterCannotBeApprover": True}}


def test_approval_settings_round_trip(azure_devops, clients):
    checks = clients.get_pipelines_checks_client()
    prod = azure_devops.add_environment("Prod")
    bob = azure_devops.add_pat("pat-bob", "Bob Builder")

    added = checks._send(http_method="POST", location_id=CONFIGURATIONS,
                         version="7.1-preview.1", route_values={"project": PROJECT},
                         content=approval_check(prod.id, bob.id, 1)).json()
    changed = approval_check(prod.id, bob.id, 0)["settings"] | {"executionOrder": "inSequence"}
    checks._send(http_method="PATCH", location_id=CONFIGURATIONS, version="7.1-preview.1",
                 route_values={"project": PROJECT, "id": added["id"]},
                 content={"settings": changed, "timeout": 60})
    listed = checks.get_check_configurations_on_resource(
        PROJECT, "environment", str(prod.id), expand="settings")
    bare = checks.get_check_configuration(PROJECT, added["id"])

    settings = listed[0].additional_properties["settings"]
    assert [c.id for c in listed] == [added["id"]]
    assert listed[0].timeout == 60
    assert settings["executionOrder"] == "inSequence"
    assert settings["minRequiredApprovers"] == 0
    assert settings["requesterCannotBeApprover"] is True
    assert settings["approvers"] == [{"id": bob.id, "displayName": "Bob Builder"}]
    assert "settings" not in bare.additional_properties  # only with $expand=settings


def test_sdk_add_drops_settings_as_the_contracts_say(azure_devops, clients):
    checks = clients.get_pipelines_checks_client()
    prod = azure_devops.add_environment("Prod")

    added = checks.add_check_configuration(CheckConfiguration(
        type=CheckType(id="8c6f20a7-a545-4486-9777-f762fafe0d4d", name="Approval"),
        resource=Resource(type="environment", id=str(prod.id)), timeout=60), PROJECT)
    read = checks.get_check_configuration(PROJECT, added.id, expand="settings")

    assert "settings" not in read.additional_properties


def test_delete_check_and_query_on_resources(azure_devops, clients):
    checks = clients.get_pipelines_checks_client()
    qa, prod = azure_devops.add_environment("QA"), azure_devops.add_environment("Prod")
    bob = azure_devops.add_pat("pat-bob", "Bob Builder")
    keep = azure_devops.add_approval_check(prod, [bob])
    gone = azure_devops.add_approval_check(qa, [bob])

    checks.delete_check_configuration(PROJECT, gone.id)
    found = checks.query_check_configurations_on_resources(
        [{"type": "environment", "id": str(qa.id)}, {"type": "environment", "id": str(prod.id)}],
        PROJECT)

    assert [c.id for c in found] == [keep.id]


def test_environments_and_their_deployment_records(azure_devops, clients):
    pipeline = azure_devops.add_pipeline("web-app", [StageSpec("Build"),
                                                     StageSpec("QA", environment="QA")])
    agent = clients.get_task_agent_client()
    runs = [clients.get_pipelines_client().run_pipeline(RunPipelineParameters(), PROJECT,
                                                        pipeline.id) for _ in range(2)]
    for run in runs:
        azure_devops.finish(run.id)

    environments = agent.get_environments(PROJECT)
    qa = agent.get_environment_by_id(PROJECT, environments[0].id)
    records = agent.get_environment_deployment_execution_records(PROJECT, qa.id)
    first_page = agent.get_environment_deployment_execution_records(PROJECT, qa.id, top=1)

    assert [e.name for e in environments] == ["QA"]  # created by the first deployment
    assert qa.project.name == PROJECT
    assert [(r.owner.id, r.stage_name, r.result) for r in records] == [
        (runs[1].id, "QA", "succeeded"), (runs[0].id, "QA", "succeeded")]
    assert records[0].definition.name == "web-app"
    assert [r.owner.id for r in first_page] == [runs[1].id]
