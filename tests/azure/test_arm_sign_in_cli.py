"""`release-manager login --arm` / `logout --arm` as a user runs them: a real subprocess,
a service principal's secret on standard input, the App Service emulator as Azure
Resource Manager (with its Entra ID) and the real Secret Service as the keyring (the
test command runs gnome-keyring in a private D-Bus session: dev.py test).

Each test gives the command a HOME and XDG folders of its own, so what it wrote can be
read back, and the secret looked for in every file of them."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_manager.core.model import AppServiceTarget
from release_manager.credentials import CredentialKey
from release_manager.engine.azure.app_service import ArmTargets
from release_manager.engine.azure.binding import AzureBinding, save_binding
from release_manager.engine.azure.entra import MEMORY_ONLY_NOTE
from release_manager.engine.backend_errors import SignedOut
from release_manager.engine.workspace import Workspace

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


@dataclass
class User:
    home: Path
    env: dict[str, str]

    @property
    def records(self) -> Path:
        return self.home / ".config" / "release-manager" / "azure-sign-ins.json"

    def files(self) -> list[Path]:
        return [path for path in self.home.rglob("*") if path.is_file()]


@pytest.fixture
def user(app_service, tmp_path: Path) -> User:
    """A user of the machine, in the environment the emulator set (its certificate
    authority trusted, its Entra ID as the authority)."""
    home = tmp_path / "home"
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHON_KEYRING_BACKEND", "CURL_CA_BUNDLE")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"),
               XDG_STATE_HOME=str(home / ".local" / "state"),
               XDG_CACHE_HOME=str(home / ".cache"))
    home.mkdir()
    return User(home, env)


def release_manager(user: User, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "release_manager", *args], input=stdin,
                          capture_output=True, text=True, env=user.env, timeout=120)


def login(app_service, user: User, secret: str) -> subprocess.CompletedProcess:
    principal = app_service.principal
    return release_manager(user, "login", "--arm", "--endpoint", app_service.endpoint,
                           "--entra", "service-principal", "--tenant", app_service.tenant,
                           "--client-id", principal.client_id, stdin=secret + "\n")


def secret_key(app_service) -> CredentialKey:
    return CredentialKey("azure-client-secret",
                         f"{app_service.tenant}/{app_service.principal.client_id}")


def assert_secret_nowhere(secret: str, user: User, *outputs: str) -> None:
    for path in user.files():
        assert secret.encode() not in path.read_bytes(), path
    for output in outputs:
        assert secret not in output


def test_login_checks_the_sign_in_keeps_its_secret_in_the_keyring_and_logout_forgets_it(
        app_service, user, secret_service) -> None:
    app_service.add_subscription("11111111-1111-1111-1111-111111111111", "Contoso Test")
    secret = app_service.principal.secret

    signed_in = login(app_service, user, secret)

    assert signed_in.returncode == 0, signed_in.stderr
    assert signed_in.stdout == (
        f"Signed in to Azure Resource Manager at {app_service.endpoint}; it sees 2 "
        f"subscriptions: Contoso Test (11111111-1111-1111-1111-111111111111), Space Game "
        f"({SUBSCRIPTION})\n")
    assert app_service.calls("/subscriptions", "GET")[0].query == {
        "api-version": "2022-12-01"}
    assert secret_service.get(secret_key(app_service)) == secret
    assert json.loads(user.records.read_text()) == {"arm": {
        "endpoint": app_service.endpoint, "method": "service-principal",
        "tenant": app_service.tenant, "client_id": app_service.principal.client_id}}
    if importlib.util.find_spec("gi") is None:  # msal-extensions reaches libsecret by it
        assert signed_in.stderr == f"release-manager: {MEMORY_ONLY_NOTE}\n"

    logout = release_manager(user, "logout", "--arm")
    again = release_manager(user, "logout", "--arm")

    assert (logout.returncode, logout.stdout) == (0, "Signed out of Azure Resource Manager\n")
    assert secret_service.get(secret_key(app_service)) is None
    assert json.loads(user.records.read_text()) == {}
    assert (again.returncode, again.stdout) == (
        0, "Not signed in to Azure Resource Manager: nothing to forget\n")
    assert_secret_nowhere(secret, user, signed_in.stdout, signed_in.stderr, logout.stdout)


def test_a_wrong_secret_is_refused_and_nothing_is_kept(app_service, user,
                                                      secret_service) -> None:
    refused = login(app_service, user, "not-the-secret-4711")

    assert refused.returncode == 1
    assert refused.stderr.startswith(
        f"release-manager: Microsoft Entra ID sign-in for {app_service.endpoint} failed: ")
    assert "AADSTS7000215" in refused.stderr
    assert secret_service.get(secret_key(app_service)) is None
    assert not user.records.exists()
    assert_secret_nowhere("not-the-secret-4711", user, refused.stdout, refused.stderr)


def connected_workspace(folder: Path) -> Workspace:
    """A clone connected to an Azure DevOps pipeline (its azure.yml), as `connect` leaves it."""
    folder.mkdir()
    (folder / "azure-pipelines.yml").write_text("stages:\n- stage: Build\n  jobs:\n"
                                                "  - job: B\n    steps:\n"
                                                "    - script: echo\n", encoding="utf-8")
    save_binding(folder, AzureBinding("https://dev.azure.com/fabrikam", "Fabrikam-Fiber", 1,
                                      "spacegame"))
    return Workspace(folder)


def test_a_connected_workspaces_targets_are_its_app_service_slots_with_the_sign_in(
        app_service, user, secret_service, tmp_path, monkeypatch) -> None:
    app_service.add_app("spacegame-web", resource_group="rg-spacegame")
    app_service.deploy("spacegame-web", "production", 6)
    assert login(app_service, user, app_service.principal.secret).returncode == 0
    monkeypatch.setenv("XDG_CONFIG_HOME", user.env["XDG_CONFIG_HOME"])

    targets = connected_workspace(tmp_path / "clone").targets
    [production] = targets.slots("Production", AppServiceTarget(
        SUBSCRIPTION, "rg-spacegame", "spacegame-web"), health=False)

    assert isinstance(targets, ArmTargets)
    assert production.build == 6


def test_a_connected_workspace_without_an_arm_sign_in_is_told_to_sign_in(
        tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))

    with pytest.raises(SignedOut) as signed_out:
        connected_workspace(tmp_path / "clone").targets  # noqa: B018 (the property reads)

    assert str(signed_out.value) == ("Not signed in to Azure Resource Manager: run "
                                     "`release-manager login --arm --entra METHOD`.")


@pytest.mark.parametrize(("args", "said"), [
    (["--entra", "azure-cli", "--endpoint", "http://management.azure.com"],
     "'http://management.azure.com' is not an Azure Resource Manager endpoint: give its "
     "https URL, e.g. https://management.azure.com"),
    ([], "--arm signs in with Microsoft Entra ID: give --entra METHOD"),
    (["--entra", "azure-cli", "--organization", "https://dev.azure.com/x"],
     "--arm signs in to Azure Resource Manager: --organization and --project go without it"),
    (["--entra", "service-principal"],
     "--entra service-principal needs --tenant and --client-id"),
])
def test_bad_input_says_what_to_give(app_service, user, args, said) -> None:
    refused = release_manager(user, "login", "--arm", *args)

    assert (refused.returncode, refused.stderr) == (2, f"release-manager: {said}\n")
    assert app_service.arm_calls() == []


ENTRA_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.arm-test-access-token"


def test_the_azure_cli_is_asked_for_a_resource_manager_token_and_only_the_method_kept(
        app_service, user, secret_service, tmp_path: Path) -> None:
    app_service.add_bearer(ENTRA_TOKEN, "Jane Entra")
    folder = tmp_path / "bin"
    folder.mkdir()
    az = folder / "az"  # the Azure CLI azure-identity runs: az account get-access-token
    az.write_text(
        '#!/bin/sh\ncase "$*" in *"--resource https://management.azure.com"*) ;; '
        '*) echo "unexpected resource: $*" >&2; exit 1;; esac\n'
        f'echo \'{{"accessToken": "{ENTRA_TOKEN}", "expires_on": 4102444800, '
        '"tokenType": "Bearer"}\'\n')
    az.chmod(0o755)
    user.env["PATH"] = f"{folder}{os.pathsep}{user.env['PATH']}"

    signed_in = release_manager(user, "login", "--arm", "--endpoint", app_service.endpoint,
                                "--entra", "azure-cli")

    assert signed_in.returncode == 0, signed_in.stderr
    assert signed_in.stdout == (
        f"Signed in to Azure Resource Manager at {app_service.endpoint}; it sees 1 "
        f"subscription: Space Game ({SUBSCRIPTION})\n")
    assert signed_in.stderr == ""  # the Azure CLI keeps its own tokens: no note
    assert json.loads(user.records.read_text()) == {"arm": {
        "endpoint": app_service.endpoint, "method": "azure-cli", "tenant": "",
        "client_id": ""}}
    assert_secret_nowhere(ENTRA_TOKEN, user, signed_in.stdout, signed_in.stderr)
