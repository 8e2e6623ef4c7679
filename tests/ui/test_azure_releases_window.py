"""The releases of a workspace connected to Azure DevOps, in the window, as a release
manager uses them: run from the dashboard and see the environments' builds from the
service, watch a running stage's log grow, lose the sign-in or the network mid-session
and keep everything on screen. The HTTPS emulator is Azure DevOps; its agents move only
when a test ticks them (a QTimer or a click away, never a sleep); the sign-in is in the
real Secret Service of the test session (dbus-run-session with gnome-keyring)."""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from azure_emulator.state import StageSpec
from conftest import DATA
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from release_manager.credentials import CredentialKey, CredentialStore
from release_manager.engine.azure.binding import AzureBinding, save_binding
from release_manager.engine.store import Store
from release_manager.ui.main_window import MainWindow
from release_manager.ui.releases.controller import ReleaseController
from release_manager.ui.releases.run_dialog import RunPipelineDialog
from release_manager.ui.releases.window_releases import ReleasesPanel

TOKEN = "pat-3c1e5a7b9d2f4e6a8c0b1d3f5e7a9c2b"
NEW_TOKEN = "pat-7f0e2d4c6b8a1f3e5d7c9b0a2e4d6f8a"
PROJECT = "Fabrikam-Fiber"
TIMEOUT = 60_000
ENVIRONMENTS = ("dev", "test", "staging")
STAGES = [StageSpec("Build"), StageSpec("Dev", environment="dev"),
          StageSpec("Test", environment="test"), StageSpec("Staging", environment="staging")]


@pytest.fixture
def home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's folders, and who acts: jane."""
    monkeypatch.setenv("RELEASE_MANAGER_USER", "jane")
    return home


@pytest.fixture
def jane(azure_devops):
    """Who TOKEN signs in as."""
    return azure_devops.add_pat(TOKEN, "Jane Doe")


@pytest.fixture
def workspace(tmp_path: Path, home: Path, azure_devops, secret_service: CredentialStore,
              jane) -> Path:
    """A clone of the pipeline (git, branch main) connected to pipeline "web" of the
    emulator, signed in with TOKEN, its releases set up (the store exists)."""
    folder = tmp_path / "clone"
    folder.mkdir()
    shutil.copyfile(DATA / "pipelines" / "spacegame.yml", folder / "azure-pipelines.yml")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True)
    subprocess.run(["git", "add", "."], cwd=folder, check=True)
    subprocess.run(["git", "-c", "user.name=Jane", "-c", "user.email=jane@fabrikam.com",
                    "commit", "-q", "-m", "Pipeline"], cwd=folder, check=True)
    for name in ENVIRONMENTS:
        azure_devops.add_environment(name)
    pipeline = azure_devops.add_pipeline("web", STAGES)
    url = azure_devops.organization_url
    secret_service.set(CredentialKey("azure-devops-pat", url), TOKEN)
    save_binding(folder, AzureBinding(url, PROJECT, pipeline.id, "web"))
    Store(folder / ".release-manager" / "state.db").close()
    return folder


@pytest.fixture
def window(qtbot, settings: QSettings, workspace: Path):
    made: list[MainWindow] = []

    def make() -> MainWindow:
        shown = MainWindow(settings)
        qtbot.addWidget(shown)
        made.append(shown)
        shown.show()
        qtbot.waitExposed(shown)
        assert shown.load(workspace / "azure-pipelines.yml")
        return shown

    yield make
    for shown in made:
        shown.azure.status.unwatch()
        controller = shown.release_controller
        if controller is not None:
            controller.dispose()
            controller.pool.waitForDone(60_000)


class Agents:
    """Azure's agents, one tick every 10 ms on a QTimer of the GUI thread, from `start`
    until `stop` or until `until()` holds. They pick a run up once the app has looked
    at its stages (as real agents take a while to start): a run queued here is followed
    from its first stage's start."""

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self.until: Callable[[], bool] = lambda: False
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        if self.until():
            self.timer.stop()
            return
        for run_id in list(self.emulator.project().runs):
            if self.emulator.calls(f"/builds/{run_id}/timeline"):
                self.emulator.step(run_id)

    def start(self, until: Callable[[], bool] = lambda: False) -> None:
        self.until = until
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


@pytest.fixture
def agents(azure_devops):
    made = Agents(azure_devops)
    yield made
    made.stop()


def ready(qtbot, shown: MainWindow) -> tuple[ReleaseController, ReleasesPanel]:
    controller = shown.release_controller
    qtbot.waitUntil(lambda: controller.status is not None, timeout=TIMEOUT)
    panel = shown.releases_dock.widget()
    assert isinstance(panel, ReleasesPanel)
    return controller, panel


def modal(qtbot, kind: type[QWidget]) -> QWidget:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), kind),
                    timeout=TIMEOUT)
    return QApplication.activeModalWidget()


def click_run(qtbot, panel: ReleasesPanel) -> None:
    """Run the pipeline on main from the dashboard (the operation starts)."""
    qtbot.mouseClick(panel.dashboard.run_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, RunPipelineDialog)
    assert dialog.branch() == "main"
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)


def run_and_wait(qtbot, controller: ReleaseController, panel: ReleasesPanel) -> str:
    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT) as finished:
        click_run(qtbot, panel)
    result = finished.args[0]
    assert result.state == "succeeded", result.message
    return result.message


def cards(panel: ReleasesPanel) -> dict[str, str]:
    """Each environment card's build line, as shown."""
    strip = panel.dashboard.strip
    return {card.name_label.text().split("</b>")[0].removeprefix("<b>").lower():
            card.build_label.text() for card in strip.findChildren(QWidget, "environmentCard")}


def shows_build(panel: ReleasesPanel, environment: str, build: int) -> bool:
    return f"#{build}" in cards(panel).get(environment, "")


def stage_state(emulator, run_id: int, stage: str) -> str:
    runs = emulator.project().runs
    return runs[run_id].stage(stage).stage.state if run_id in runs else ""


def signed_in(shown: MainWindow) -> bool:
    return shown.azure.indicator.text().startswith("Azure DevOps: signed in as Jane Doe")


# ------------------------------------------------------------------ the dashboard


def test_the_dashboard_shows_the_run_and_the_environments_builds_from_azure(
        qtbot, window, azure_devops, agents) -> None:
    shown = window()
    controller, panel = ready(qtbot, shown)
    assert panel.dashboard.matrix.rowCount() == 0
    agents.start()

    message = run_and_wait(qtbot, controller, panel)

    assert message == "build 1: Build: Succeeded"
    qtbot.waitUntil(lambda: all(shows_build(panel, name, 1) for name in ENVIRONMENTS),
                    timeout=TIMEOUT)
    assert panel.dashboard.matrix.cell_text(1, "Build").lower().count("succeeded") == 1
    assert azure_devops.run(1).status == "completed"
    qtbot.waitUntil(lambda: signed_in(shown), timeout=TIMEOUT)
    assert "refreshed" in shown.azure.indicator.text()


def test_an_idle_dashboard_asks_once_per_tick_not_per_environment(
        qtbot, window, azure_devops, agents) -> None:
    shown = window()
    controller, panel = ready(qtbot, shown)
    agents.start()
    run_and_wait(qtbot, controller, panel)
    qtbot.waitUntil(lambda: all(shows_build(panel, name, 1) for name in ENVIRONMENTS),
                    timeout=TIMEOUT)
    agents.stop()
    with qtbot.waitSignal(controller.answered, timeout=TIMEOUT):
        pass  # one tick that read what the finished run left
    azure_devops.clear_log()

    for _ in range(3):
        with qtbot.waitSignal(controller.answered, timeout=TIMEOUT):
            pass

    environments = azure_devops.calls("/distributedtask/environments")
    assert environments == []
    builds = azure_devops.calls("/_apis/build/builds", "GET")
    assert len(builds) == 3  # one per tick: this pipeline's runs not completed
    assert all(call.query.get("statusFilter") for call in builds)


# ------------------------------------------------------------------ approvals


@pytest.fixture
def approval_on_test(azure_devops, jane) -> None:
    """The test environment's Approval check: Jane Doe approves."""
    test = next(e for e in azure_devops.project().environments.values() if e.name == "test")
    azure_devops.add_approval_check(test, [jane], instructions="Check the smoke tests")


def waiting_in_the_inbox(qtbot, shown: MainWindow, panel: ReleasesPanel, agents) -> None:
    """Run the pipeline; the run goes on to Test, which waits for its approval."""
    controller = shown.release_controller
    agents.start()
    run_and_wait(qtbot, controller, panel)
    qtbot.waitUntil(lambda: panel.inbox.table.rowCount() == 1, timeout=TIMEOUT)
    assert panel.tabText(1) == "Approvals (1)"


def inbox_row(panel: ReleasesPanel) -> list[str]:
    table = panel.inbox.table
    return [table.item(0, column).text() for column in range(4)]


def decide(qtbot, panel: ReleasesPanel, button, comment: str) -> None:
    from release_manager.ui.releases.approvals_inbox import DecisionDialog

    panel.setCurrentWidget(panel.inbox)
    panel.inbox.table.selectRow(0)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, DecisionDialog)
    assert dialog.confirm_button.isEnabled()  # the service applies the check's rules
    dialog.comment.setText(comment)
    controller = panel.controller
    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)


def test_the_inbox_lists_a_waiting_stage_and_approve_deploys_it(
        qtbot, window, azure_devops, agents, approval_on_test) -> None:
    shown = window()
    _, panel = ready(qtbot, shown)
    waiting_in_the_inbox(qtbot, shown, panel, agents)
    assert inbox_row(panel) == ["#1", "Test", "test", "Jane Doe"]
    assert "Check the smoke tests" in panel.inbox.table.item(0, 6).text()
    assert shows_build(panel, "dev", 1) and not shows_build(panel, "test", 1)

    decide(qtbot, panel, panel.inbox.approve_button, "smoke tests green")

    assert panel.inbox.results.item(0).text().startswith("✔ build 1 → Test: succeeded")
    approval = azure_devops.calls("/pipelines/approvals", "PATCH")
    assert len(approval) == 1
    qtbot.waitUntil(lambda: shows_build(panel, "test", 1) and shows_build(panel, "staging", 1),
                    timeout=TIMEOUT)  # the service stepped the run on: it deployed
    assert panel.inbox.table.rowCount() == 0 and panel.tabText(1) == "Approvals"


def test_reject_stops_the_run_there(
        qtbot, window, azure_devops, agents, approval_on_test) -> None:
    shown = window()
    _, panel = ready(qtbot, shown)
    waiting_in_the_inbox(qtbot, shown, panel, agents)

    decide(qtbot, panel, panel.inbox.reject_button, "not this week")

    assert "rejected" in panel.inbox.results.item(0).text()
    qtbot.waitUntil(lambda: azure_devops.run(1).status == "completed", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: panel.inbox.table.rowCount() == 0, timeout=TIMEOUT)
    assert not shows_build(panel, "test", 1) and not shows_build(panel, "staging", 1)
    assert shows_build(panel, "dev", 1)


# ------------------------------------------------------------------ the log


def test_a_running_stage_s_log_streams_into_the_log_view(
        qtbot, window, azure_devops, agents) -> None:
    shown = window()
    controller, panel = ready(qtbot, shown)
    view = shown.log_panel.view

    with qtbot.waitSignal(controller.operationStarted, timeout=TIMEOUT):
        click_run(qtbot, panel)
    agents.start(until=lambda: stage_state(azure_devops, 1, "Build") == "inProgress")
    qtbot.waitUntil(lambda: not agents.timer.isActive(), timeout=TIMEOUT)

    azure_devops.write_log(1, "Build", "compiling the web site: 1 of 2")
    qtbot.waitUntil(lambda: "compiling the web site: 1 of 2" in view.lines(),
                    timeout=TIMEOUT)
    assert "compiling the web site: 2 of 2" not in view.lines()
    azure_devops.write_log(1, "Build", "compiling the web site: 2 of 2")
    qtbot.waitUntil(lambda: "compiling the web site: 2 of 2" in view.lines(),
                    timeout=TIMEOUT)
    assert controller.busy

    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT) as finished:
        QTimer.singleShot(0, lambda: azure_devops.finish(1))
    assert finished.args[0].state == "succeeded"
    lines = view.lines()
    assert lines.index("compiling the web site: 1 of 2") < \
        lines.index("compiling the web site: 2 of 2")


def test_a_run_queued_elsewhere_shows_and_its_running_stage_s_log_streams(
        qtbot, window, azure_devops, agents, jane) -> None:
    shown = window()
    controller, panel = ready(qtbot, shown)
    view = shown.log_panel.view
    pipeline = azure_devops.project().pipelines[max(azure_devops.project().pipelines)]
    azure_devops.queue(pipeline, jane)  # queued in Azure DevOps' own pages

    qtbot.waitUntil(lambda: panel.dashboard.matrix.rowCount() == 1, timeout=TIMEOUT)
    agents.start(until=lambda: stage_state(azure_devops, 1, "Build") == "inProgress")
    qtbot.waitUntil(lambda: "running" in panel.dashboard.matrix.cell_text(1, "Build").lower(),
                    timeout=TIMEOUT)
    panel.dashboard.matrix.select(1, "Build")
    with qtbot.waitSignal(controller.logShown, timeout=TIMEOUT) as shown_log:
        qtbot.mouseClick(panel.dashboard.log_button, Qt.MouseButton.LeftButton)
    assert shown_log.args[0] == "Build 1 · Build (attempt 1)"

    azure_devops.write_log(1, "Build", "restoring packages")
    qtbot.waitUntil(lambda: "restoring packages" in view.lines(), timeout=TIMEOUT)
    azure_devops.write_log(1, "Build", "packages restored")
    qtbot.waitUntil(lambda: "packages restored" in view.lines(), timeout=TIMEOUT)
    lines = view.lines()
    assert lines.index("restoring packages") < lines.index("packages restored")


# ------------------------------------------------------------------ the connection


def test_a_revoked_token_asks_to_sign_in_again_keeps_the_screen_and_resumes(
        qtbot, window, azure_devops, agents, workspace, home, settings, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    shown = window()
    controller, panel = ready(qtbot, shown)
    agents.start()
    run_and_wait(qtbot, controller, panel)
    qtbot.waitUntil(lambda: all(shows_build(panel, name, 1) for name in ENVIRONMENTS),
                    timeout=TIMEOUT)
    editor, graph, shown_cards = shown.editor, shown.graph, cards(panel)
    rows = panel.dashboard.matrix.rowCount()

    azure_devops.revoke(TOKEN)  # expired or revoked mid-session: the next refresh says so

    notice = shown.azure.notice
    qtbot.waitUntil(notice.isVisible, timeout=TIMEOUT)
    assert shown.azure.indicator.text() == "Azure DevOps: not signed in"
    assert "Everything on screen stays as it is." in notice.label.text()
    assert QApplication.activeModalWidget() is None
    assert shown.editor is editor and shown.graph is graph
    assert cards(panel) == shown_cards and panel.dashboard.matrix.rowCount() == rows
    assert "401" not in panel.dashboard.banner.message_label.text()  # said in the bar
    assert controller.signed_out

    azure_devops.add_pat(NEW_TOKEN, "Jane Doe")
    qtbot.mouseClick(notice.buttons["Sign in again…"], Qt.MouseButton.LeftButton)
    dialog = shown.azure.sign_in_dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClicks(dialog.token, NEW_TOKEN)
    with qtbot.waitSignal(controller.answered, timeout=TIMEOUT):  # refreshing again
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert not notice.isVisible() and not controller.signed_out

    message = run_and_wait(qtbot, controller, panel)  # with the new sign-in

    assert message == "build 2: Build: Succeeded"
    qtbot.waitUntil(lambda: shows_build(panel, "staging", 2), timeout=TIMEOUT)
    assert signed_in(shown)
    assert_tokens_nowhere((TOKEN, NEW_TOKEN), workspace, home, settings=settings,
                          logs=caplog.text)


def test_a_dropped_connection_is_offline_retrying_then_recovers_by_itself(
        qtbot, window, azure_devops, agents, monkeypatch) -> None:
    shown = window()
    controller, panel = ready(qtbot, shown)
    agents.start(until=lambda: stage_state(azure_devops, 1, "Build") == "completed")
    run_and_wait(qtbot, controller, panel)
    qtbot.waitUntil(lambda: controller.status_is_current, timeout=TIMEOUT)
    before = cards(panel)
    assert not shows_build(panel, "staging", 1)  # the run has not reached it

    azure_devops.faults.drop("/_apis/build/builds", times=8, method="GET")
    azure_devops.faults.drop("/_apis/connectionData", times=8)
    indicator = shown.azure.indicator
    qtbot.waitUntil(lambda: indicator.text() == "Azure DevOps: offline, retrying",
                    timeout=TIMEOUT)
    assert cards(panel) == before and panel.dashboard.matrix.rowCount() == 1
    assert QApplication.activeModalWidget() is None

    azure_devops.finish(1)  # meanwhile the run deploys everywhere

    qtbot.waitUntil(lambda: shows_build(panel, "staging", 1), timeout=60_000)
    qtbot.waitUntil(lambda: signed_in(shown), timeout=TIMEOUT)
    assert "offline" not in panel.dashboard.banner.message_label.text()


def test_the_window_stays_responsive_while_a_refresh_is_held(
        qtbot, window, azure_devops) -> None:
    shown = window()
    controller, _ = ready(qtbot, shown)
    hold = azure_devops.faults.hold("/_apis/build/builds", method="GET")
    qtbot.waitUntil(hold.arrived.is_set, timeout=TIMEOUT)
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        qtbot.waitUntil(lambda: len(ticks) >= 30, timeout=TIMEOUT)  # ≥ 300 ms, held
        assert not hold.released.is_set()
        qtbot.mouseClick(shown.releases_dock.widget().dashboard.run_button,
                         Qt.MouseButton.LeftButton)
        dialog = modal(qtbot, RunPipelineDialog)  # it opens and answers meanwhile
        dialog.reject()
    finally:
        timer.stop()
        hold.release()
    with qtbot.waitSignal(controller.answered, timeout=TIMEOUT):
        pass


def assert_tokens_nowhere(tokens: tuple[str, ...], *folders: Path, settings: QSettings,
                          logs: str) -> None:
    """No file the app wrote, no setting, no captured log line holds a token (as is or
    as the Basic header carries it)."""
    import base64

    forms = [form for token in tokens
             for form in (token.encode(), base64.b64encode(f":{token}".encode()))]
    files = [path for folder in folders for path in folder.rglob("*") if path.is_file()]
    assert any(path.name == "state.db" for path in files)
    for path in files:
        content = path.read_bytes()
        assert not any(form in content for form in forms), path
    assert not any(form.decode() in logs for form in forms)
    settings.sync()
    for key in settings.allKeys():
        assert not any(token in str(settings.value(key)) for token in tokens), key


# ------------------------------------------------------------------ acting on Azure


def test_the_window_acts_as_the_signed_in_azure_user(qtbot, window) -> None:
    shown = window()
    controller, panel = ready(qtbot, shown)

    acting = panel.dashboard.identity_bar.name_label
    assert acting.text() == "Acting as: Jane Doe"  # not the OS user (jane)
    assert "signed in to Azure DevOps" in acting.toolTip()
    assert controller.identity == "Jane Doe"


def cell(panel: ReleasesPanel, build: int, stage: str) -> str:
    """What the matrix shows of `build` at `stage` ("" before the build shows)."""
    matrix = panel.dashboard.matrix
    shown = any(b.id == build for b in matrix.builds)
    return matrix.cell_text(build, stage).lower() if shown else ""


def dev_failed_once(qtbot, azure_devops, agents, controller, panel) -> None:
    """Run build 1; its Dev stage fails (the agents stop there)."""
    agents.start(until=lambda: stage_state(azure_devops, 1, "Build") == "completed")
    run_and_wait(qtbot, controller, panel)
    azure_devops.set_outcome(1, "Dev", "failed")
    agents.start(until=lambda: stage_state(azure_devops, 1, "Dev") == "completed")
    qtbot.waitUntil(lambda: "failed" in cell(panel, 1, "Dev"), timeout=TIMEOUT)


def test_a_failed_stage_s_sheet_says_it_runs_again_and_confirming_retries_it(
        qtbot, window, azure_devops, agents) -> None:
    from release_manager.ui.releases.promote_sheet import PromoteSheet

    shown = window()
    controller, panel = ready(qtbot, shown)
    dashboard = panel.dashboard
    dev_failed_once(qtbot, azure_devops, agents, controller, panel)
    azure_devops.set_outcome(1, "Dev", "succeeded")

    dashboard.matrix.select(1, "Dev")
    qtbot.mouseClick(dashboard.redeploy_button, Qt.MouseButton.LeftButton)
    sheet = modal(qtbot, PromoteSheet)
    assert sheet.approvals_label.text() == \
        "Azure DevOps: Dev failed: it will run again (attempt 2)"
    assert sheet.confirm_button.isEnabled()
    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT) as finished:
        qtbot.mouseClick(sheet.confirm_button, Qt.MouseButton.LeftButton)

    assert finished.args[0].state == "succeeded", finished.args[0].message
    assert azure_devops.run(1).stage("Dev").stage.attempt == 2
    agents.start()
    qtbot.waitUntil(lambda: shows_build(panel, "dev", 1), timeout=TIMEOUT)


def test_the_sheet_of_a_skipped_stage_explains_its_condition_and_does_nothing(
        qtbot, window, azure_devops, agents) -> None:
    from release_manager.ui.releases.promote_sheet import PromoteSheet

    shown = window()
    controller, panel = ready(qtbot, shown)
    dashboard = panel.dashboard
    dev_failed_once(qtbot, azure_devops, agents, controller, panel)
    agents.start(until=lambda: stage_state(azure_devops, 1, "Test") == "completed")
    qtbot.waitUntil(lambda: "skipped" in cell(panel, 1, "Test"), timeout=TIMEOUT)

    dashboard.matrix.select(1, "Test")
    qtbot.mouseClick(dashboard.redeploy_button, Qt.MouseButton.LeftButton)
    sheet = modal(qtbot, PromoteSheet)

    assert sheet.approvals_label.text() == \
        "Azure DevOps: Test was skipped: its condition was false"
    explanation = sheet.findChild(QWidget, "conditionExplanation").toPlainText()
    assert explanation.startswith("eq(variables['Build.Reason'], 'Schedule') → False")
    assert sheet.condition_label.text().startswith("eq(variables['Build.Reason']")
    assert not sheet.confirm_button.isEnabled()
    sheet.reject()


def roll_back_dev_confirmation(qtbot, azure_devops, agents, controller, panel):
    """Builds 1 and 2 deployed to dev; Roll back dev… clicked: the confirmation."""
    from PySide6.QtWidgets import QMessageBox

    dashboard = panel.dashboard
    agents.start()
    run_and_wait(qtbot, controller, panel)
    qtbot.waitUntil(lambda: shows_build(panel, "staging", 1), timeout=TIMEOUT)
    run_and_wait(qtbot, controller, panel)
    qtbot.waitUntil(lambda: shows_build(panel, "staging", 2), timeout=TIMEOUT)
    dashboard.matrix.select(2, "Dev")
    qtbot.waitUntil(dashboard.rollback_button.isEnabled, timeout=TIMEOUT)
    assert dashboard.rollback_button.text() == "Roll back dev…"
    qtbot.mouseClick(dashboard.rollback_button, Qt.MouseButton.LeftButton)
    box = modal(qtbot, QMessageBox)
    assert box.text() == "Roll dev back from build #2 to build #1?"
    assert box.defaultButton().text() == "Cancel"
    return box, next(b for b in box.buttons() if b.text() == "Roll back dev")


def test_rollback_on_azure_runs_the_previous_build_s_deploying_stage_again(
        qtbot, window, azure_devops, agents) -> None:
    shown = window()
    controller, panel = ready(qtbot, shown)
    _, confirm = roll_back_dev_confirmation(qtbot, azure_devops, agents, controller, panel)

    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT) as finished:
        qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)

    assert finished.args[0].state == "succeeded", finished.args[0].message
    assert azure_devops.run(1).stage("Dev").stage.attempt == 2
    qtbot.waitUntil(lambda: shows_build(panel, "dev", 1), timeout=TIMEOUT)


def test_cancelling_a_rollback_from_the_window_cancels_the_stage_on_azure(
        qtbot, window, azure_devops, agents) -> None:
    shown = window()
    controller, panel = ready(qtbot, shown)
    _, confirm = roll_back_dev_confirmation(qtbot, azure_devops, agents, controller, panel)
    azure_devops.set_outcome(1, "Dev", "holds")  # the redeploy runs until cancelled

    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT) as finished:
        qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: azure_devops.run(1).stage("Dev").stage.attempt == 2
                        and stage_state(azure_devops, 1, "Dev") == "inProgress",
                        timeout=TIMEOUT)
        qtbot.waitUntil(panel.dashboard.cancel_button.isEnabled, timeout=TIMEOUT)
        qtbot.mouseClick(panel.dashboard.cancel_button, Qt.MouseButton.LeftButton)

    assert finished.args[0].state == "canceled", finished.args[0].message
    dev = azure_devops.run(1).stage("Dev").stage
    assert (dev.state, dev.result) == ("completed", "canceled")
    qtbot.waitUntil(lambda: shows_build(panel, "dev", 2), timeout=TIMEOUT)


def test_the_inbox_counts_the_approvals_given_so_far(
        qtbot, window, azure_devops, agents, jane) -> None:
    raj = azure_devops.add_pat("pat-raj-0123456789", "Raj Patel")
    test = next(e for e in azure_devops.project().environments.values() if e.name == "test")
    azure_devops.add_approval_check(test, [jane, raj], min_required=2)
    shown = window()
    _, panel = ready(qtbot, shown)
    waiting_in_the_inbox(qtbot, shown, panel, agents)
    assert panel.inbox.table.item(0, 5).text() == "0 of 2"

    decide(qtbot, panel, panel.inbox.approve_button, "dev looks fine")

    assert "waits for more approvals" in panel.inbox.results.item(0).text()
    qtbot.waitUntil(lambda: panel.inbox.table.rowCount() == 1
                    and panel.inbox.table.item(0, 5).text() == "1 of 2", timeout=TIMEOUT)


def test_the_plans_of_a_waiting_and_an_unreached_stage_say_what_azure_will_do(
        qtbot, window, azure_devops, agents, approval_on_test) -> None:
    """The plans the sheet shows (no dashboard button leads to these two stages on
    Azure: the inbox decides a waiting one, the service reaches the others)."""
    shown = window()
    controller, panel = ready(qtbot, shown)
    waiting_in_the_inbox(qtbot, shown, panel, agents)

    with qtbot.waitSignal(controller.planReady, timeout=TIMEOUT) as test:
        controller.request_plan(1, "Test")
    with qtbot.waitSignal(controller.planReady, timeout=TIMEOUT) as staging:
        controller.request_plan(1, "Staging")

    assert test.args[0].approvals == [
        "Azure DevOps: Test waits for its environment's approval: it will be approved as "
        "Jane Doe (the Approval check decides whether that is enough)"]
    assert test.args[0].blockers == []
    assert staging.args[0].blockers == ["Staging has not been reached: it waits for Test"]
