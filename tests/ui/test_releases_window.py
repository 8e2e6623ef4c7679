"""The releases part of the main window, driven as a release manager would on the demo
workspace: run, promote with the confirmation sheet, approvals, rollback, cancel."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import DATA
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from release_manager.core.environments_file import (
    WEEKDAYS,
    load_environments,
    save_environments,
)
from release_manager.core.model import BusinessHours
from release_manager.engine.business_hours import window_text
from release_manager.engine.demo import create_demo
from release_manager.engine.promotion import Promoter, PromotionResult
from release_manager.engine.workspace import Workspace
from release_manager.ui.main_window import MainWindow
from release_manager.ui.releases.approvals_inbox import DecisionDialog
from release_manager.ui.releases.controller import ReleaseController
from release_manager.ui.releases.dashboard import ReleasesDashboard
from release_manager.ui.releases.promote_sheet import PromoteSheet
from release_manager.ui.releases.run_dialog import RunPipelineDialog
from release_manager.ui.releases.window_releases import ReleasesPanel

TIMEOUT = 60_000
SLOW_STEP = (
    "          - download: current\n            artifact: drop\n"
    "          - script: echo deploying slowly && sleep 600\n"
    "            displayName: 'Slow deployment'\n"
)


@pytest.fixture(autouse=True)
def acting_as_lead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE_MANAGER_USER", "lead")


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return create_demo(tmp_path / "space-game")


def discard_edits(window: MainWindow) -> None:
    """Undo a test's edits: closing a window with unsaved edits asks whether to save them,
    and waits for the answer."""
    stack = window.editor.undo_stack if window.editor is not None else None
    while stack is not None and window.editor.is_modified() and stack.canUndo():
        stack.undo()


@pytest.fixture
def open_window(qtbot, settings: QSettings):
    """A shown main window on a pipeline file, its releases dock open and ready."""
    windows: list[MainWindow] = []

    def make(path: Path) -> MainWindow:
        window = MainWindow(settings)
        qtbot.addWidget(window, before_close_func=discard_edits)
        windows.append(window)
        window.show()
        qtbot.waitExposed(window)
        assert window.load(path)
        return window

    yield make
    for window in windows:
        controller = window.release_controller
        if controller is not None:
            controller.dispose()
            controller.pool.waitForDone(60_000)


def ready(qtbot, window: MainWindow) -> tuple[ReleaseController, ReleasesPanel]:
    controller = window.release_controller
    qtbot.waitUntil(lambda: controller.status is not None, timeout=TIMEOUT)
    panel = window.releases_dock.widget()
    assert isinstance(panel, ReleasesPanel)
    return controller, panel


def modal(qtbot, kind: type[QWidget]) -> QWidget:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), kind),
                    timeout=TIMEOUT)
    return QApplication.activeModalWidget()


def finish(qtbot, controller: ReleaseController, click) -> PromotionResult:
    """Do `click`, wait for the operation it starts and for the status read after it."""
    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT) as finished:
        click()
    qtbot.waitUntil(lambda: controller.status_is_current, timeout=TIMEOUT)
    return finished.args[0]


def run_pipeline(qtbot, controller: ReleaseController, dashboard: ReleasesDashboard) -> None:
    qtbot.mouseClick(dashboard.run_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, RunPipelineDialog)
    assert dialog.branch() == "release"
    result = finish(qtbot, controller,
                    lambda: qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton))
    assert result.state == "succeeded", result.message


def promote(qtbot, controller: ReleaseController, dashboard: ReleasesDashboard,
            build: int, stage: str) -> tuple[str, PromotionResult]:
    """Promote with the sheet; returns what the sheet said (approvals, checks) and the
    result."""
    dashboard.matrix.select(build)
    assert dashboard.promote_button.text() == f"Promote #{build} to {stage}"
    qtbot.mouseClick(dashboard.promote_button, Qt.MouseButton.LeftButton)
    sheet = modal(qtbot, PromoteSheet)
    said = f"{sheet.approvals_label.text()}\n{sheet.checks_label.text()}"
    result = finish(qtbot, controller,
                    lambda: qtbot.mouseClick(sheet.confirm_button, Qt.MouseButton.LeftButton))
    return said, result


def act_as(qtbot, dashboard: ReleasesDashboard, name: str) -> None:
    """Open the demo's identity switch and pick `name` in its list with the arrow keys."""
    switch = dashboard.identity_bar.switch
    switch.showPopup()
    view = switch.view()
    qtbot.waitUntil(view.isVisible)
    steps = switch.findText(name) - switch.currentIndex()
    for _ in range(abs(steps)):
        qtbot.keyClick(view, Qt.Key.Key_Down if steps > 0 else Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible())
    assert switch.currentText() == name


def environment(controller: ReleaseController, name: str):
    return next(e for e in controller.status.environments if e.name == name)


def test_run_promote_and_approve_through_the_window(qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard, inbox = panel.dashboard, panel.inbox
    assert window.releases_dock.isVisible()
    switch = dashboard.identity_bar.switch
    assert switch.currentText() == "lead"
    assert {"lead", "qa", "ops", "dev"} <= {switch.itemText(i) for i in range(switch.count())}

    run_pipeline(qtbot, controller, dashboard)
    assert [b.id for b in dashboard.matrix.builds] == [1]
    assert dashboard.matrix.cell_text(1, "Build").endswith("succeeded")
    assert "Run unit tests" in "\n".join(window.log_panel.view.lines())

    qtbot.mouseClick(dashboard.promote_button, Qt.MouseButton.LeftButton)
    sheet = modal(qtbot, PromoteSheet)
    assert sheet.plan.stage == "Dev"
    assert "dev: now runs nothing (none)" in sheet.environments_label.text()
    assert sheet.condition_label.text().endswith("— met")
    assert sheet.confirm_button.isEnabled()
    result = finish(qtbot, controller,
                    lambda: qtbot.mouseClick(sheet.confirm_button, Qt.MouseButton.LeftButton))
    assert result.state == "succeeded", result.message
    assert environment(controller, "dev").current_build == 1
    assert "live in dev" in dashboard.matrix.cell_text(1, "Dev")
    assert "#1" in dashboard.strip.cards["dev"].build_label.text()
    dev_card = window.graph.scene().stage_item("Dev")
    assert (dev_card.release_text, dev_card.release_state) == ("#1", "succeeded")
    log = "\n".join(window.log_panel.view.lines())
    assert "Promote build 1 to Dev" in log and "Starting job:" in log
    assert dashboard.banner.isVisible() and "Done" in dashboard.banner.message_label.text()

    _, tested = promote(qtbot, controller, dashboard, 1, "Test")
    assert tested.state == "succeeded", tested.message
    assert "live in test" in dashboard.matrix.cell_text(1, "Test")

    said, waiting = promote(qtbot, controller, dashboard, 1, "Staging")
    assert "staging: approval by qa, ops (1 needed, not by the requester)" in said
    assert waiting.state == "waiting"
    assert "qa, ops" in dashboard.banner.message_label.text()
    assert dashboard.matrix.cell_text(1, "Staging").endswith("waiting")
    staging_card = window.graph.scene().stage_item("Staging")
    assert (staging_card.release_text, staging_card.release_state) == ("#1", "waiting")
    assert dashboard.strip.cards["staging"].active_label.text() == "◷ #1 waits for approval"
    assert panel.tabText(1) == "Approvals (1)"
    assert "1 approval pending" in dashboard.approvals_label.text()
    assert [inbox.table.item(0, c).text() for c in range(4)] == [
        "#1", "Staging", "staging", "lead"]

    panel.setCurrentWidget(inbox)
    inbox.table.selectRow(0)
    qtbot.mouseClick(inbox.approve_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, DecisionDialog)
    [reason] = dialog.reasons()
    assert "lead requested this deployment" in reason
    assert "requester cannot approve" in reason
    assert not dialog.confirm_button.isEnabled()
    dialog.reject()

    act_as(qtbot, dashboard, "qa")
    assert controller.identity == "qa"
    inbox.table.selectRow(0)
    qtbot.mouseClick(inbox.approve_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, DecisionDialog)
    assert dialog.reasons() == ["✔ build 1 → Staging (staging): qa may approve"]
    dialog.comment.setText("smoke run green")
    approved = finish(qtbot, controller,
                      lambda: qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton))
    assert approved.state == "succeeded", approved.message
    assert inbox.results.item(0).text().startswith("✔ build 1 → Staging: succeeded")
    assert environment(controller, "staging").current_build == 1
    assert inbox.table.rowCount() == 0 and panel.tabText(1) == "Approvals"
    assert "live in staging" in dashboard.matrix.cell_text(1, "Staging")


def test_a_refused_decision_shows_the_engine_reason(qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    run_pipeline(qtbot, controller, panel.dashboard)
    for stage in ("Dev", "Test", "Staging"):
        promote(qtbot, controller, panel.dashboard, 1, stage)
    controller.set_identity("dev")
    result = finish(qtbot, controller, lambda: controller.decide([(1, "Staging")], "approve"))
    assert result.state == "refused"
    assert "dev is not an approver of staging" in panel.inbox.results.item(0).text()
    assert environment(controller, "staging").current_build is None


def test_rollback_of_dev_after_a_second_build(qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    run_pipeline(qtbot, controller, dashboard)
    promote(qtbot, controller, dashboard, 1, "Dev")
    run_pipeline(qtbot, controller, dashboard)
    assert [b.id for b in dashboard.matrix.builds] == [2, 1]
    assert environment(controller, "test").behind  # dev runs #1, test nothing
    header = dashboard.matrix.horizontalHeaderItem(dashboard.matrix.stages.index("Test") + 1)
    assert header.text() == "Test\n→ test\n⚠ behind"
    assert dashboard.strip.cards["test"].behind_label.isVisibleTo(dashboard)
    assert not dashboard.strip.cards["dev"].behind_label.isVisibleTo(dashboard)
    _, second = promote(qtbot, controller, dashboard, 2, "Dev")
    assert second.state == "succeeded"
    assert environment(controller, "dev").current_build == 2

    dashboard.matrix.select(2, "Dev")
    assert dashboard.rollback_button.text() == "Roll back dev…"
    qtbot.mouseClick(dashboard.rollback_button, Qt.MouseButton.LeftButton)
    box = modal(qtbot, QMessageBox)
    assert "Roll dev back from build #2" in box.text()
    confirm = next(b for b in box.buttons() if b.text() == "Roll back dev")
    result = finish(qtbot, controller,
                    lambda: qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton))
    assert result.state == "succeeded", result.message
    assert "rolled back from build 2 to build 1" in dashboard.banner.message_label.text()
    assert environment(controller, "dev").current_build == 1
    assert "live in dev" in dashboard.matrix.cell_text(1, "Dev")
    assert window.graph.scene().stage_item("Dev").release_text == "#1"


def test_cancel_keeps_the_previous_release(qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    run_pipeline(qtbot, controller, dashboard)
    promote(qtbot, controller, dashboard, 1, "Dev")
    demo.write_text(demo.read_text().replace(
        "          - download: current\n            artifact: drop\n", SLOW_STEP, 1))
    run_pipeline(qtbot, controller, dashboard)

    dashboard.matrix.select(2)
    qtbot.mouseClick(dashboard.promote_button, Qt.MouseButton.LeftButton)
    sheet = modal(qtbot, PromoteSheet)
    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT) as finished:
        qtbot.mouseClick(sheet.confirm_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: "deploying slowly" in "\n".join(window.log_panel.view.lines()),
            timeout=TIMEOUT)
        qtbot.waitUntil(lambda: "Slow deployment" in dashboard.progress_label.text(),
                        timeout=TIMEOUT)
        assert dashboard.cancel_button.isEnabled()
        qtbot.mouseClick(dashboard.cancel_button, Qt.MouseButton.LeftButton)
        # At once, before any worker ran: the steps are told to stop, the window says so
        assert controller.cancelling
        assert dashboard.progress_label.text().startswith("■ Cancelling: Promote build 2")
        assert not dashboard.cancel_button.isEnabled()
    assert finished.args[0].state == "canceled"
    assert not controller.cancelling and not dashboard.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dashboard.matrix.cell_text(2, "Dev").endswith("canceled"),
                    timeout=TIMEOUT)
    assert environment(controller, "dev").current_build == 1
    assert "Canceled" in dashboard.banner.message_label.text()


def test_a_log_opened_while_running_replays_then_follows(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    run_pipeline(qtbot, controller, dashboard)
    demo.write_text(demo.read_text().replace(
        "          - download: current\n            artifact: drop\n", SLOW_STEP, 1))
    run_pipeline(qtbot, controller, dashboard)
    dashboard.matrix.select(2)
    qtbot.mouseClick(dashboard.promote_button, Qt.MouseButton.LeftButton)
    sheet = modal(qtbot, PromoteSheet)
    with qtbot.waitSignal(controller.operationFinished, timeout=TIMEOUT):
        qtbot.mouseClick(sheet.confirm_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dashboard.matrix.cell_text(2, "Dev").endswith("running"),
                        timeout=TIMEOUT)
        dashboard.matrix.select(2, "Dev")
        with qtbot.waitSignal(controller.logShown, timeout=TIMEOUT):
            qtbot.mouseClick(dashboard.log_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: "deploying slowly" in "\n".join(window.log_panel.view.lines()),
            timeout=TIMEOUT)
        replayed = window.log_panel.view.lines()
        assert replayed[0].startswith("##[section]Stage")  # from the file's first line
        qtbot.mouseClick(dashboard.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("Canceled" in line or "cancel" in line.lower()
                                for line in window.log_panel.view.lines()[len(replayed):]),
                    timeout=TIMEOUT)


def test_a_folder_without_release_state_says_why_and_can_be_set_up(
        qtbot, open_window, tmp_path: Path, demo: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    pipeline = folder / "azure-pipelines.yml"
    pipeline.write_text(demo.read_text())
    window = open_window(pipeline)
    controller = window.release_controller
    dashboard = window.releases_dock.widget().dashboard
    qtbot.waitUntil(lambda: "holds no releases yet" in dashboard.unavailable_label.text(),
                    timeout=TIMEOUT)
    assert not (folder / ".release-manager").exists()
    assert dashboard.set_up_button.isVisibleTo(dashboard)
    qtbot.mouseClick(dashboard.set_up_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.status is not None, timeout=TIMEOUT)
    assert (folder / ".release-manager").is_dir()
    assert dashboard.pages.currentWidget() is dashboard.board
    assert [e.name for e in controller.status.environments] == ["dev", "test", "staging"]


def test_a_user_name_with_an_invisible_character_says_so_and_acts_as_no_one(
        qtbot, open_window, demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE_MANAGER_USER", "qa\u200b")
    window = open_window(demo)
    controller = window.release_controller
    dashboard = window.releases_dock.widget().dashboard
    qtbot.waitUntil(lambda: "U+200B ZERO WIDTH SPACE" in dashboard.unavailable_label.text(),
                    timeout=TIMEOUT)
    assert "RELEASE_MANAGER_USER" in dashboard.unavailable_label.text()
    assert controller.promoter is None
    assert not dashboard.set_up_button.isVisibleTo(dashboard)


def test_a_skipped_stage_shows_its_reason_and_explanation(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    qtbot.mouseClick(dashboard.run_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, RunPipelineDialog)
    dialog.branch_combo.setEditText("feature/login")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.variables.item(0, 0).setText("greeting")
    dialog.variables.item(0, 1).setText("hello")
    finish(qtbot, controller,
           lambda: qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton))
    assert dashboard.matrix.builds[0].branch == "refs/heads/feature/login"
    assert controller.workspace.store.run(1).variables == {"greeting": "hello"}

    qtbot.mouseClick(dashboard.promote_button, Qt.MouseButton.LeftButton)
    sheet = modal(qtbot, PromoteSheet)
    assert "NOT met: the stage will be skipped" in sheet.condition_label.text()
    result = finish(qtbot, controller,
                    lambda: qtbot.mouseClick(sheet.confirm_button, Qt.MouseButton.LeftButton))
    assert result.state == "skipped"
    banner = dashboard.banner
    assert banner.message_label.text().startswith("↷ Skipped: Dev was skipped: its condition")
    assert banner.details_button.isVisibleTo(banner)
    qtbot.mouseClick(banner.details_button, Qt.MouseButton.LeftButton)
    assert banner.details.isVisibleTo(banner)
    assert "login" in banner.details.toPlainText()
    assert dashboard.matrix.cell_text(1, "Dev").endswith("skipped")
    assert environment(controller, "dev").current_build is None


def test_redeploy_puts_an_earlier_build_back(qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    run_pipeline(qtbot, controller, dashboard)
    promote(qtbot, controller, dashboard, 1, "Dev")
    dashboard.matrix.select(1, "Dev")
    assert not dashboard.redeploy_button.isEnabled()
    assert dashboard.redeploy_button.toolTip() == "build 1 is what dev runs now"
    run_pipeline(qtbot, controller, dashboard)
    promote(qtbot, controller, dashboard, 2, "Dev")

    dashboard.matrix.select(1, "Dev")
    assert dashboard.redeploy_button.isEnabled()
    qtbot.mouseClick(dashboard.redeploy_button, Qt.MouseButton.LeftButton)
    sheet = modal(qtbot, PromoteSheet)
    assert sheet.confirm_button.text() == "Redeploy to Dev"
    assert "dev: now runs build #2" in sheet.environments_label.text()
    result = finish(qtbot, controller,
                    lambda: qtbot.mouseClick(sheet.confirm_button, Qt.MouseButton.LeftButton))
    assert result.state == "succeeded", result.message
    attempts = [r.attempt for r in controller.workspace.store.stage_runs(1) if r.stage == "Dev"]
    assert attempts == [1, 2]
    assert environment(controller, "dev").current_build == 1
    assert "live in dev" in dashboard.matrix.cell_text(1, "Dev")


def test_the_promote_sheet_lists_exactly_the_checks_the_inspector_turned_on(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    run_pipeline(qtbot, controller, dashboard)
    qtbot.mouseClick(dashboard.promote_button, Qt.MouseButton.LeftButton)
    sheet = modal(qtbot, PromoteSheet)
    assert sheet.checks_label.text() == \
        "dev: health check after deployment, its site must serve the new build"
    sheet.reject()

    window.editor.select(["Dev"])
    form = window.inspector.environment
    assert form.environment_combo.currentText() == "dev"
    qtbot.mouseClick(form.exclusive, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(form.business, Qt.MouseButton.LeftButton)
    today = datetime.now(UTC).weekday()
    closed = {WEEKDAYS[today], WEEKDAYS[(today + 1) % 7]}  # closed even past midnight
    for day, box in form.days.items():
        if box.isChecked() == (day in closed):  # clicked on its box, left of its text
            qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert window.save()

    qtbot.mouseClick(dashboard.promote_button, Qt.MouseButton.LeftButton)
    sheet = modal(qtbot, PromoteSheet)
    days = window_text(controller.workspace.load_pipeline().environments["dev"].business_hours)
    assert sheet.checks_label.text().splitlines() == [
        f"dev: business hours, deploys only {days}",
        "dev: exclusive lock, one deployment at a time; a promotion waits for the one in "
        "progress (runLatest: an older build waiting gives way to a newer one)",
        "dev: health check after deployment, its site must serve the new build",
    ]
    assert not sheet.confirm_button.isEnabled()
    assert sheet.blockers_label.text().startswith(
        "Cannot promote: dev deploys only during business hours, ")
    assert "the next window opens" in sheet.blockers_label.text()
    sheet.reject()


def test_rollback_names_its_target_and_enter_keeps_what_runs(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    run_pipeline(qtbot, controller, dashboard)
    dashboard.matrix.select(1, "Dev")
    assert not dashboard.rollback_button.isEnabled()
    assert dashboard.rollback_button.toolTip() == \
        "Nothing to roll back to: nothing was deployed to dev yet"
    promote(qtbot, controller, dashboard, 1, "Dev")
    run_pipeline(qtbot, controller, dashboard)
    promote(qtbot, controller, dashboard, 2, "Dev")

    dashboard.matrix.select(2, "Dev")
    assert dashboard.rollback_button.isEnabled()
    qtbot.mouseClick(dashboard.rollback_button, Qt.MouseButton.LeftButton)
    box = modal(qtbot, QMessageBox)
    assert box.text() == "Roll dev back from build #2 to build #1?"
    assert box.informativeText() == \
        "dev runs build 2; build 1 is the newest good release older than it."
    assert box.defaultButton().text() == "Cancel"
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=TIMEOUT)
    assert not controller.busy
    assert environment(controller, "dev").current_build == 2

    qtbot.mouseClick(dashboard.rollback_button, Qt.MouseButton.LeftButton)
    box = modal(qtbot, QMessageBox)
    confirm = next(b for b in box.buttons() if b.text() == "Roll back dev")
    result = finish(qtbot, controller,
                    lambda: qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton))
    assert result.state == "succeeded", result.message
    dashboard.matrix.select(1, "Dev")
    assert not dashboard.rollback_button.isEnabled()
    assert dashboard.rollback_button.toolTip() == (
        "Nothing to roll back to: dev runs build 1, and no older build was deployed "
        "there successfully")


def test_enter_never_promotes_a_failed_build_and_promotes_a_good_one(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    good = demo.read_text()
    demo.write_text(good.replace(
        "    - script: python3 -m unittest",
        "    - script: exit 1\n      displayName: 'Failing check'\n"
        "    - script: python3 -m unittest", 1))
    qtbot.mouseClick(dashboard.run_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, RunPipelineDialog)
    failed = finish(qtbot, controller,
                    lambda: qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton))
    assert failed.state == "failed"

    dashboard.matrix.select(1)
    assert dashboard.promote_button.text() == "Promote #1 to Dev"
    assert not dashboard.promote_button.isDefault()
    assert dashboard.promote_button.toolTip().startswith(
        "Build 1 failed in Build: Enter does not promote it.")
    assert dashboard.default_button() is None
    qtbot.keyClick(dashboard.matrix, Qt.Key.Key_Return)
    assert QApplication.activeModalWidget() is None
    assert not dashboard.progress_label.text().startswith("Preparing")
    assert not controller.busy

    demo.write_text(good)
    run_pipeline(qtbot, controller, dashboard)
    dashboard.matrix.select(2)
    assert dashboard.default_button() is dashboard.promote_button
    qtbot.keyClick(dashboard.identity_bar.switch, Qt.Key.Key_Return)
    assert not dashboard.progress_label.text().startswith("Preparing")  # who acts, not Go
    qtbot.keyClick(dashboard.matrix, Qt.Key.Key_Return)
    sheet = modal(qtbot, PromoteSheet)
    assert (sheet.plan.run.id, sheet.plan.stage) == (2, "Dev")
    sheet.reject()


def test_the_inbox_says_an_approval_outside_business_hours_would_be_refused(
        qtbot, open_window, demo: Path) -> None:
    environments = load_environments(demo.parent)
    today = datetime.now(UTC).weekday()
    closed = {WEEKDAYS[today], WEEKDAYS[(today + 1) % 7]}  # closed even past midnight
    environments["staging"].business_hours = BusinessHours(
        [day for day in WEEKDAYS if day not in closed], "00:00", "23:59")
    save_environments(demo.parent, environments)
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    run_pipeline(qtbot, controller, panel.dashboard)
    for stage in ("Dev", "Test", "Staging"):
        promote(qtbot, controller, panel.dashboard, 1, stage)

    controller.set_identity("qa")
    panel.setCurrentWidget(panel.inbox)
    panel.inbox.table.selectRow(0)
    qtbot.mouseClick(panel.inbox.approve_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, DecisionDialog)
    [reason] = dialog.reasons()
    assert reason.startswith("✘ build 1 → Staging (staging): staging deploys only during "
                             "business hours, ")
    assert "This approval would start the deployment, so give it while the window is open" \
        in reason
    assert not dialog.confirm_button.isEnabled()
    dialog.reject()
    assert environment(controller, "staging").current_build is None


def deploying_pipeline(environment: str) -> str:
    return ("stages:\n- stage: Build\n  jobs:\n  - job: Build\n    steps:\n"
            "    - script: echo build\n"
            "- stage: Deploy\n  dependsOn: Build\n  jobs:\n  - deployment: Deploy\n"
            f"    environment: {environment}\n    strategy:\n      runOnce:\n        deploy:\n"
            "          steps:\n          - script: echo deploy\n")


def require_approver(qtbot, window: MainWindow, stage: str, who: str) -> None:
    """Through the inspector: approval required on `stage`'s environment, by `who` (typed,
    then Enter)."""
    window.editor.select([stage])
    qtbot.mouseClick(window.inspector.environment.require_approval, Qt.MouseButton.LeftButton)
    entry = window.inspector.environment.approvers.entry
    qtbot.keyClicks(entry, who)
    qtbot.keyClick(entry, Qt.Key.Key_Return)


def test_saving_approvals_leaves_the_other_pipelines_of_the_folder_as_they_were(
        qtbot, open_window, tmp_path: Path) -> None:
    folder = tmp_path / "pipelines"
    folder.mkdir()
    (folder / "api.yml").write_text(deploying_pipeline("api-prod"))
    (folder / "web.yml").write_text(deploying_pipeline("web-prod"))

    api = open_window(folder / "api.yml")
    require_approver(qtbot, api, "Deploy", "ops@contoso.com")
    assert api.save()
    web = open_window(folder / "web.yml")
    require_approver(qtbot, web, "Deploy", "alice@contoso.com")
    assert web.save()

    again = open_window(folder / "api.yml")
    assert not again.releases_dock.isVisible()  # approvals saved is not releases set up
    assert not (folder / ".release-manager" / "state.db").exists()
    policy = again.editor.pipeline.environments["api-prod"].approval
    assert policy is not None and policy.approvers == ["ops@contoso.com"]
    assert web.editor.pipeline.environments["web-prod"].approval.approvers == [
        "alice@contoso.com"]


def test_a_secret_variable_of_the_run_dialog_is_masked_and_never_stored(
        qtbot, open_window, demo: Path) -> None:
    secret = "k3y/va+lue:9"
    encoded = base64.b64encode(secret.encode()).decode()
    pipeline = demo.read_text()
    demo.write_text(pipeline.replace(
        "    - script: python3 -m unittest discover",
        "    - script: |\n"
        "        echo \"key: $(DEPLOY_KEY)\"\n"
        "        printf '%s' \"$(DEPLOY_KEY)\" | base64\n"
        "      displayName: 'Show the key'\n"
        "    - script: python3 -m unittest discover", 1))
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    qtbot.mouseClick(panel.dashboard.run_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, RunPipelineDialog)
    dialog.add_variable("DEPLOY_KEY", secret)
    dialog.variables.setCurrentCell(0, 2)
    qtbot.keyClick(dialog.variables, Qt.Key.Key_Space)  # tick "Secret"
    result = finish(qtbot, controller,
                    lambda: qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton))
    assert result.state == "succeeded", result.message

    log = "\n".join(window.log_panel.view.lines())
    assert "key: ***" in log
    assert secret not in log and encoded not in log
    run = controller.workspace.store.run(1)
    assert (run.variables, run.secret_variables) == ({}, ("DEPLOY_KEY",))
    state = demo.parent / ".release-manager"
    for path in state.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret.encode() not in data and encoded.encode() not in data, path


def test_a_status_that_cannot_be_read_is_said_with_the_file_and_line(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    demo.write_text("stages:\n- stage: Build\n  jobs: [\n")  # broken on disk, under the window

    with qtbot.waitSignal(controller.problem, timeout=TIMEOUT) as problem:
        controller.refresh()

    said = dashboard.banner.message_label.text()
    assert said == problem.args[0]
    assert said.startswith(f"{demo}:4:")
    assert "PipelineLoadError" not in said


def test_opening_another_pipeline_mid_deployment_cancels_it_and_hears_nothing_more(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    run_pipeline(qtbot, controller, dashboard)
    demo.write_text(demo.read_text().replace(
        "          - download: current\n            artifact: drop\n", SLOW_STEP, 1))
    run_pipeline(qtbot, controller, dashboard)
    dashboard.matrix.select(2)
    qtbot.mouseClick(dashboard.promote_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(modal(qtbot, PromoteSheet).confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "deploying slowly" in "\n".join(window.log_panel.view.lines()),
                    timeout=TIMEOUT)
    heard: list[object] = []
    controller.operationFinished.connect(heard.append)
    controller.statusChanged.connect(heard.append)

    with qtbot.waitSignal(controller.destroyed, timeout=TIMEOUT):
        assert window.load(DATA / "pipelines" / "spacegame.yml")
        assert controller.cancelling  # told to stop at once, before any worker ran

    assert heard == []  # nothing reached the controller after it was let go
    record = Promoter(Workspace.of_pipeline(demo)).store.latest_stage_run(2, "Dev")
    assert record.state == "canceled"
