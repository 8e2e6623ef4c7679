"""An environment's App Service target proposed from the pipeline's deployment steps:
inputs in any case and under their aliases, macros resolved from the variables the
pipeline, stage and job declare, what cannot be known said, several apps refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, corpus

from release_manager.core.app_service_proposal import propose
from release_manager.core.model import AppServiceTarget
from release_manager.core.pipeline_yaml import loads

CORPUS_STAGING = "spacegame-release-multistage-3-staging.yml"


def pipeline(stages: str, variables: str = "") -> object:
    return loads("trigger: none\n" + variables + "stages:\n" + stages).pipeline


def deploy_stage(name: str, environment: str, task: str, inputs: str,
                 variables: str = "") -> str:
    return (f"- stage: {name}\n  jobs:\n  - deployment: Deploy\n    environment: {environment}\n"
            f"{variables}"
            "    strategy:\n      runOnce:\n        deploy:\n          steps:\n"
            f"          - task: {task}\n            inputs:\n"
            + "".join(f"              {line}\n" for line in inputs.strip().splitlines()))


def test_azure_web_app_names_the_app_resource_group_and_slot():
    steps = deploy_stage("Staging", "staging", "AzureWebApp@1", """
azureSubscription: my-connection
appName: spacegame-web
deployToSlotOrASE: true
resourceGroupName: rg-spacegame
slotName: staging
""")
    proposal = propose(pipeline(steps), "Staging")  # environment names in any case

    assert proposal.refusal == ""
    assert proposal.unresolved == {"subscription": "the step names the service connection "
                                   "'my-connection', not the subscription it uses"}
    assert proposal.target() == AppServiceTarget(resource_group="rg-spacegame",
                                                 app="spacegame-web", slot="staging")
    assert proposal.sources == ["Staging ▸ Deploy ▸ AzureWebApp@1"]


def test_input_names_in_any_case_and_aliases_with_macros_from_each_scope():
    steps = deploy_stage("Prod", "prod", "AzureRmWebAppDeployment@4", """
webappname: $(app)-$(suffix)
DeployToSlotOrASEFlag: $(useSlot)
RESOURCEGROUPNAME: $(rg)
slotname: blue
""", variables="    variables:\n      suffix: web\n      rg: rg-job\n")
    top = "variables:\n- name: app\n  value: spacegame\n- name: USESLOT\n  value: 'True'\n" \
          "- name: rg\n  value: rg-top\n"

    proposal = propose(pipeline(steps, top), "prod")

    assert proposal.values == {"app": "spacegame-web", "resource_group": "rg-job",
                               "slot": "blue"}
    base = AppServiceTarget("sub-id", health_path="/health")
    assert proposal.target(base) == AppServiceTarget(
        "sub-id", "rg-job", "spacegame-web", "blue", health_path="/health")


def test_no_slot_flag_means_production():
    steps = deploy_stage("Dev", "dev", "AzureWebApp@1", "appName: web-dev\nslotName: staging")

    assert propose(pipeline(steps), "dev").values == {"app": "web-dev", "slot": "production"}


def test_what_the_pipeline_cannot_tell_is_named_and_the_rest_proposed():
    steps = deploy_stage("Test", "test", "AzureWebApp@1", """
appName: $(WebAppNameTest)
resourceGroupName: ${{ parameters.rg }}
deployToSlotOrASE: true
slotName: $[ variables.slot ]
""", variables="    variables:\n    - group: Release\n")

    proposal = propose(pipeline(steps), "test")

    assert proposal.values == {}
    assert set(proposal.unresolved) == {"app", "resource_group", "slot"}
    assert "$(WebAppNameTest) is not among the pipeline's variables (it may come from " \
           "variable group 'Release')" in proposal.unresolved["app"]
    assert "template expression" in proposal.unresolved["resource_group"]
    assert "runtime expression" in proposal.unresolved["slot"]
    assert "The app is not known: $(WebAppNameTest)" in proposal.summary()


def test_several_apps_for_one_environment_propose_none_and_say_which():
    stages = (deploy_stage("Blue", "prod", "AzureWebApp@1", "appName: web-blue")
              + deploy_stage("Green", "prod", "AzureRmWebAppDeployment@4",
                             "WebAppName: web-green"))

    proposal = propose(pipeline(stages), "prod")

    assert proposal.values == {} and "different apps or slots" in proposal.refusal
    assert "Blue ▸ Deploy ▸ AzureWebApp@1: web-blue, slot production" in proposal.refusal
    assert "web-green" in proposal.refusal


def test_the_same_app_from_two_stages_is_one_proposal():
    stages = (deploy_stage("A", "prod", "AzureWebApp@1", "appName: web")
              + deploy_stage("B", "prod", "AzureWebApp@1", "appName: WEB"))

    assert propose(pipeline(stages), "prod").values["app"] == "web"


def test_no_app_service_step_says_so():
    stages = "- stage: Dev\n  jobs:\n  - deployment: D\n    environment: dev\n" \
             "    strategy:\n      runOnce:\n        deploy:\n          steps:\n" \
             "          - script: echo hi\n"

    assert "No deployment job to dev has an AzureWebApp@1" in propose(
        pipeline(stages), "dev").refusal


@pytest.mark.parametrize("path", corpus([CORPUS / "pipelines" / CORPUS_STAGING]))
def test_space_game_staging_names_its_app_from_the_release_group(path: Path):
    document = loads(path.read_text())

    proposal = propose(document.pipeline, "staging")

    assert "$(WebAppNameStaging)" in proposal.unresolved["app"]
    assert proposal.values == {"slot": "production"}


def test_a_swap_step_of_the_deployed_slot_names_the_slot_it_swaps_with():
    deploy = deploy_stage("Staging", "staging", "AzureWebApp@1", """
appName: web
deployToSlotOrASE: true
slotName: staging
""")
    swap = ("          - task: AzureAppServiceManage@0\n            inputs:\n"
            "              action: Swap Slots\n              webAppName: web\n"
            "              sourceSlot: $(slot)\n")
    top = "variables:\n  slot: staging\n"

    proposal = propose(pipeline(deploy + swap, top), "staging")

    assert proposal.values == {"app": "web", "slot": "staging", "swap_with": "production"}
    to_blue = swap + "              SwapWithProduction: false\n              TargetSlot: blue\n"
    assert propose(pipeline(deploy + to_blue, top), "staging").values["swap_with"] == "blue"
    restart = swap.replace("Swap Slots", "Restart Azure App Service")
    assert "swap_with" not in propose(pipeline(deploy + restart, top), "staging").values
