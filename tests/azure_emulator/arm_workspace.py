"""A workspace's staging environment on the App Service emulator, as the Azure tests of
the CLI and the window set it up: the staging slot of spacegame-web (build 7), swapped
with production (build 6), and the workspace's targets signed in as the emulator's
service principal (handed to it directly: the keyring is another test's subject)."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_manager.core.environments_file import save_environments
from release_manager.core.model import AppServiceTarget, Environment
from release_manager.engine.azure.app_service import ArmTargets
from release_manager.engine.azure.arm import ArmClient
from release_manager.engine.azure.arm_sign_in import ArmSignIn
from release_manager.engine.azure.sign_in import EntraMethod, EntraSignIn

from .arm.emulator import DEFAULT_SUBSCRIPTION, AppServiceEmulator

APP, GROUP = "spacegame-web", "rg-spacegame"


def staging_on_azure(emulator: AppServiceEmulator, root: Path,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.add_app(APP, resource_group=GROUP, slots=("staging",))
    emulator.deploy(APP, "production", 6, author="Mona")
    emulator.deploy(APP, "staging", 7, author="Mona")
    save_environments(root, {"staging": Environment("staging", app_service=AppServiceTarget(
        DEFAULT_SUBSCRIPTION, GROUP, APP, "staging", "production"))})
    principal = emulator.principal
    assert principal is not None, "no service principal added"
    sign_in = ArmSignIn(emulator.endpoint, EntraSignIn(
        EntraMethod.SERVICE_PRINCIPAL, emulator.tenant, principal.client_id,
        principal.secret))
    monkeypatch.setattr("release_manager.engine.azure.app_service.arm_targets",
                        lambda _root: ArmTargets(ArmClient(sign_in)))
