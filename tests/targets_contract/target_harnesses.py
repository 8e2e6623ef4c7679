"""The App Service targets the contract suite runs on, each with what the suite needs of
it: an environment whose target is the `staging` slot, swapped with production, and a
way to deploy a build to one of its slots. A target joins the suite with one line in
TARGETS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from release_manager.core.model import (
    PRODUCTION_SLOT,
    AppServiceTarget,
    Environment,
    Job,
    Pipeline,
    Stage,
    Step,
    Strategy,
)
from release_manager.engine.app_targets import AppTargets
from release_manager.engine.backend import CancelToken, RunContext

ENVIRONMENT = "web"
TARGET = AppServiceTarget(app=ENVIRONMENT, slot="staging", swap_with=PRODUCTION_SLOT)


@dataclass
class TargetsHarness:
    targets: AppTargets
    environment: str
    target: AppServiceTarget
    deploy: Callable[[int, str], None]
    """Deploy build N to a slot of the environment (it then serves build N)."""


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)


@contextmanager
def local(tmp_path: Path) -> Iterator[TargetsHarness]:
    """Slots of the embedded backend, deployed to by real pipeline runs (an AzureWebApp@1
    step in a deployment job): the environment's target slot from its mapping, another
    slot through the task's deployToSlotOrASE and slotName."""
    from release_manager.engine.local.backend import LocalBackend
    from release_manager.engine.local.targets import LocalTargets

    root = tmp_path / "workspace"
    root.mkdir()
    backend = LocalBackend(root)
    targets = LocalTargets(root, backend.sites)

    def deploy(build: int, slot: str) -> None:
        site = tmp_path / "builds" / str(build)
        site.mkdir(parents=True)
        (site / "index.html").write_text(f"<h1>Build {build}</h1>\n", encoding="utf-8")
        inputs: dict[str, object] = {
            "azureSubscription": "spacegame", "appName": ENVIRONMENT, "package": str(site),
            "appSettings": f"-RELEASE_MANAGER_BUILD $(Build.BuildId) -GREETING \"hello {slot}\""}
        if slot != TARGET.slot:
            inputs.update(deployToSlotOrASE=True, slotName=slot)
        job = Job("Deploy", kind="deployment", environment=ENVIRONMENT,
                  strategy=Strategy("runOnce", hooks={  # type: ignore[arg-type]
                      "deploy": [Step("task", "AzureWebApp@1", inputs=inputs)]}))
        stage = Stage("Deploy", jobs=[job])
        pipeline = Pipeline(name="web", stages=[stage])
        pipeline.environments = {ENVIRONMENT: Environment(ENVIRONMENT, app_service=TARGET)}
        log = Lines()
        outcome = backend.run_stage(pipeline, stage, RunContext(
            run_id=build, branch="refs/heads/release", commit="", reason="Manual",
            requested_by="lead"), log, CancelToken())
        assert outcome.result == "Succeeded", "\n".join(log.lines)

    try:
        yield TargetsHarness(targets, ENVIRONMENT, TARGET, deploy)
    finally:
        backend.close()


@contextmanager
def azure(tmp_path: Path) -> Iterator[TargetsHarness]:
    """A web app's slots on the App Service emulator (HTTPS, its own Entra ID), through
    ArmTargets (azure-mgmt-web, a service principal); a deployment is what a pipeline's
    AzureWebApp@1 leaves in a slot (the emulator's deploy)."""
    import os
    import uuid

    from azure_emulator import AppServiceEmulator
    from azure_emulator.arm.emulator import DEFAULT_SUBSCRIPTION

    from release_manager.engine.azure.app_service import ArmTargets
    from release_manager.engine.azure.arm import ArmClient
    from release_manager.engine.azure.arm_sign_in import ArmSignIn
    from release_manager.engine.azure.sign_in import EntraMethod, EntraSignIn

    (tmp_path / "app-service").mkdir()
    emulator = AppServiceEmulator(tmp_path / "app-service")
    emulator.options.swap_retry_after = 0
    emulator.add_subscription()
    principal = emulator.add_service_principal(str(uuid.uuid4()), "contract-secret")
    emulator.add_app(ENVIRONMENT, resource_group="rg-web", slots=(TARGET.slot,))
    target = AppServiceTarget(DEFAULT_SUBSCRIPTION, "rg-web", ENVIRONMENT, TARGET.slot,
                              TARGET.swap_with)
    earlier = {name: os.environ.get(name)
               for name in ("REQUESTS_CA_BUNDLE", "AZURE_AUTHORITY_HOST")}
    os.environ.update(REQUESTS_CA_BUNDLE=str(emulator.ca_bundle),
                      AZURE_AUTHORITY_HOST=emulator.authority)
    try:
        with emulator:
            targets = ArmTargets(ArmClient(ArmSignIn(emulator.endpoint, EntraSignIn(
                EntraMethod.SERVICE_PRINCIPAL, emulator.tenant, principal.client_id,
                principal.secret))), poll_interval=0, progress_every=0.05)
            yield TargetsHarness(targets, ENVIRONMENT, target,
                                 lambda build, slot: emulator.deploy(ENVIRONMENT, slot, build))
    finally:
        for name, value in earlier.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


TARGETS: dict[str, Callable[[Path], AbstractContextManager[TargetsHarness]]] = {
    "local": local,
    "azure": azure,
}
