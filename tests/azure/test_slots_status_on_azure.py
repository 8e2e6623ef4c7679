"""`release-manager status` on a workspace connected to Azure DevOps and signed in to
Azure Resource Manager, as a user runs it (real processes, a real Secret Service, both
emulators): each environment mapped to an App Service slot shows its slots as Azure says
them; one whose app Azure does not have says so for itself alone."""

from __future__ import annotations

import json

import test_azure_cli_verbs
import test_sign_in_cli
from azure_emulator.arm.emulator import DEFAULT_SUBSCRIPTION
from test_arm_sign_in_cli import login
from test_azure_cli_verbs import rm

from release_manager.core.environments_file import save_environments
from release_manager.core.model import AppServiceTarget, Environment

user = test_sign_in_cli.user
connected = test_azure_cli_verbs.connected
APP, GROUP = "spacegame-web", "rg-spacegame"


def test_status_shows_the_slots_azure_serves_and_a_missing_app_alone(
        app_service, connected, user) -> None:
    folder, _ = connected
    app_service.add_app(APP, resource_group=GROUP, slots=("staging",))
    app_service.deploy(APP, "production", 6, author="Mona")
    app_service.deploy(APP, "staging", 7, author="Mona")
    save_environments(folder, {
        "qa": Environment("qa", app_service=AppServiceTarget(
            DEFAULT_SUBSCRIPTION, GROUP, APP, "staging", "production")),
        "production": Environment("production", app_service=AppServiceTarget(
            DEFAULT_SUBSCRIPTION, GROUP, "no-such-app"))})
    signed_in = login(app_service, user, app_service.principal.secret)
    assert signed_in.returncode == 0, signed_in.stderr

    status = rm(user, folder, "status", "--json")
    assert status.returncode == 0, status.stderr
    environments = {e["name"]: e for e in json.loads(status.stdout)["environments"]}
    qa = environments["qa"]
    assert qa["slots_error"] == ""
    assert [(s["slot"], s["state"], s["build"], s["health"]["ok"]) for s in qa["slots"]] == [
        ("staging", "Running", 7, True), ("production", "Running", 6, True)]
    assert environments["production"]["slots"] == []
    assert "no-such-app" in environments["production"]["slots_error"]

    text = rm(user, folder, "status")
    assert text.returncode == 0, text.stderr
    assert f"slot staging of {APP}: Running, build 7, " in text.stdout
