"""A pipeline on the Azure DevOps emulator driven as the app will drive it, each answer
kept as the JSON the real SDK (`as_dict()`) or raw REST (camelCase) hands back: what the
engine's Azure translation functions are fed in tests/azure/test_azure_*.py."""

from __future__ import annotations

from typing import Any

from azure.devops.v7_1.build.models import Build, UpdateStageParameters
from azure.devops.v7_1.pipelines.models import RunPipelineParameters
from azure_emulator import StageSpec
from azure_emulator.sdk import connection, raw

from release_manager.engine.azure.approvals import decision_body

PROJECT = "Fabrikam-Fiber"
APPROVALS = f"/{PROJECT}/_apis/pipelines/approvals"
CHECKS = f"/{PROJECT}/_apis/pipelines/checks/configurations"


class Service:
    """Ada queues runs; Ada and Bob approve Prod; Cy is neither."""

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.ada = emulator.add_pat("pat-ada", "Ada Lovelace")
        self.bob = emulator.add_pat("pat-bob", "Bob Builder")
        self.cy = emulator.add_pat("pat-cy", "Cy Young")

    def clients(self, token: str = "pat-ada"):
        return connection(self.emulator.organization_url, token).clients_v7_1

    def web_app(self, *, prod_outcome: str = "succeeded", **check: Any):
        """Build → Test → Prod; Prod deploys to environment "Prod", which has an
        Approval check by Ada and Bob (keywords as add_approval_check)."""
        self.prod = self.emulator.add_environment("Prod")
        self.check = self.emulator.add_approval_check(
            self.prod, check.pop("approvers", [self.ada, self.bob]), **check)
        self.pipeline = self.emulator.add_pipeline("web-app", [
            StageSpec("Build"), StageSpec("Test", display_name="Integration tests"),
            StageSpec("Prod", environment="Prod", display_name="Production",
                      outcome=prod_outcome)])
        return self.pipeline

    # --- acting, as the app will -------------------------------------------------------
    def queue(self, token: str = "pat-ada", **parameters: Any) -> int:
        run = self.clients(token).get_pipelines_client().run_pipeline(
            RunPipelineParameters(**parameters), PROJECT, self.pipeline.id)
        return run.id

    def decide(self, token: str, approval_ids: list[str], decision: str,
               comment: str = "") -> dict:
        return raw(self.clients(token).get_pipelines_client(), "PATCH", APPROVALS, "7.1",
                   None, decision_body(approval_ids, decision, comment)).json()

    def retry(self, run_id: int, stage: str) -> None:
        self.clients().get_build_client().update_stage(
            UpdateStageParameters(state="retry"), run_id, stage, PROJECT)

    def cancel(self, run_id: int) -> None:
        self.clients().get_build_client().update_build(
            Build(status="cancelling"), PROJECT, run_id)

    # --- reading: the JSON the SDK / REST returns --------------------------------------
    def timeline(self, run_id: int, change_id: int | None = None) -> dict:
        return self.clients().get_build_client().get_build_timeline(
            PROJECT, run_id, change_id=change_id).as_dict()

    def build(self, run_id: int) -> dict:
        return self.clients().get_build_client().get_build(PROJECT, run_id).as_dict()

    def run(self, run_id: int) -> dict:
        return raw(self.clients().get_pipelines_client(), "GET",
                   f"/{PROJECT}/_apis/pipelines/{self.pipeline.id}/runs/{run_id}",
                   "7.1").json()

    def approvals(self) -> dict:
        return raw(self.clients().get_pipelines_client(), "GET", APPROVALS, "7.1",
                   {"state": "pending", "$expand": "steps"}).json()

    def deployment_records(self, environment_id: int) -> list[dict]:
        records = self.clients().get_task_agent_client() \
            .get_environment_deployment_execution_records(PROJECT, environment_id)
        return [record.as_dict() for record in records]

    def checks(self, environment_id: int) -> list[dict]:
        return raw(self.clients().get_pipelines_checks_client(), "GET", CHECKS, "7.1-preview.1",
                   {"resourceType": "environment", "resourceId": str(environment_id),
                    "$expand": "settings"}).json()["value"]
