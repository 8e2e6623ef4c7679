"""`swap`, `restart`, `stop` and `start` on a workspace connected to Azure, as a user runs
them (the CLI's main): the same verbs and output as locally, acting on App Service
through azure-mgmt-web against the emulator. The sign-in is handed to the workspace's
targets directly (the keyring is another test's subject)."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure_emulator.arm_workspace import APP, staging_on_azure

from release_manager.cli import main
from release_manager.engine.azure.binding import AzureBinding, save_binding
from release_manager.engine.demo import create_demo


@pytest.fixture
def connected(app_service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo connected to Azure, its staging the staging slot of spacegame-web
    (build 7) swapped with production (build 6)."""
    root = create_demo(tmp_path / "space-game").parent
    save_binding(root, AzureBinding("https://dev.azure.com/fabrikam", "Fabrikam", 1, "web"))
    staging_on_azure(app_service, root, monkeypatch)
    return root


def test_a_swap_on_azure_is_planned_checked_and_read_back(
        connected: Path, app_service, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["swap", "staging", "--yes", "--workspace", str(connected)]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [f"Swap slot staging with production of {APP} (staging)",
                       "  live now in production: build 6",
                       f"  will be live: build 7 (HTTP 200 from "
                       f"{app_service.site_url(APP, 'staging')})"]
    assert out[-1] == ("succeeded: staging swapped: production serves build 7 (was build "
                       "6); slot staging holds build 6")
    assert main(["swap", "staging", "--yes", "--workspace", str(connected)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "succeeded: staging swapped: production serves build 6 (was build 7); slot "
        "staging holds build 7")


def test_a_stopped_slot_on_azure_is_not_swapped(
        connected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stop", "staging", "--yes", "--workspace", str(connected)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"succeeded: staging: slot staging of {APP} stopped")

    assert main(["swap", "staging", "--yes", "--workspace", str(connected)]) == 1
    refusal = capsys.readouterr().out.splitlines()[-1]
    assert refusal.startswith("refused: staging cannot be swapped: the health check of "
                              "slot staging failed: ")

    for verb, done in (("start", "started"), ("restart", "restarted")):
        assert main([verb, "staging", "--yes", "--workspace", str(connected)]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == (
            f"succeeded: staging: slot staging of {APP} {done}")
    assert main(["swap", "staging", "--yes", "--workspace", str(connected)]) == 0


def test_rollback_of_a_swapped_environment_on_azure_swaps_back_once(
        connected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No store is kept on a connected workspace: the slots say it, the build in the
    other slot being older than the live one."""
    assert main(["rollback", "staging", "--workspace", str(connected)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        "refused: staging cannot be rolled back: slot staging holds build 7, not a build "
        "older than build 6 live in production: there is nothing to swap back to")
    assert main(["swap", "staging", "--yes", "--workspace", str(connected)]) == 0
    capsys.readouterr()

    assert main(["rollback", "staging", "--workspace", str(connected)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "succeeded: staging swapped back: production serves build 6 (was build 7); slot "
        "staging holds build 7")
    assert main(["rollback", "staging", "--workspace", str(connected)]) == 1
