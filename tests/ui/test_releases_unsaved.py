"""A run reads the pipeline file as saved; promoting, redeploying and approving a build run
its own definition (kept when it was queued) with its environments' approvals and checks
as saved. With unsaved edits in the window, each says which, names what the edits change
in what it reads, and offers to save first where saving changes what runs; and who acts:
the person at the machine, or in the demo a clearly marked stand-in."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
import test_releases_window as window_tests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel
from test_releases_window import act_as, finish, modal, promote, ready, run_pipeline

from release_manager.engine.demo import create_demo
from release_manager.ui.main_window import MainWindow
from release_manager.ui.releases.approvals_inbox import DecisionDialog
from release_manager.ui.releases.promote_sheet import PromoteSheet
from release_manager.ui.releases.run_dialog import RunPipelineDialog

# The releases window's fixtures, shared.
demo, open_window = window_tests.demo, window_tests.open_window
acting_as_lead = window_tests.acting_as_lead

DEV_CONDITION = ("and ( succeeded(), eq(variables['Build.SourceBranchName'], "
                 "variables['releaseBranchName']) )")


def type_condition(qtbot, window: MainWindow, stage: str, text: str) -> None:
    """Select `stage` and type its condition in the inspector, as a person does; the
    field commits when the focus leaves it (the next click elsewhere)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.editor.select([stage])
    field = window.inspector.condition.field
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)
    if field.completer.popup().isVisible():
        qtbot.keyClick(field.completer.popup(), Qt.Key.Key_Escape)


def ask_promote(qtbot, window: MainWindow, build: int) -> PromoteSheet:
    dashboard = window.releases_dock.widget().dashboard
    dashboard.matrix.select(build)
    qtbot.mouseClick(dashboard.promote_button, Qt.MouseButton.LeftButton)
    return modal(qtbot, PromoteSheet)


def default_button(dialog) -> str:
    box = dialog.findChild(QDialogButtonBox)
    return next(b.text() for b in box.buttons() if b.isDefault())


def test_promoting_runs_the_build_s_own_definition_whatever_the_edits_and_says_so(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    run_pipeline(qtbot, controller, panel.dashboard)
    saved_text = demo.read_text()

    type_condition(qtbot, window, "Dev", "false")
    sheet = ask_promote(qtbot, window, 1)
    assert window.editor.pipeline.stage("Dev").condition == "false"  # the click committed it
    assert window.editor.is_modified() and demo.read_text() == saved_text

    warning = sheet.findChild(QLabel, "unsavedWarning")
    assert warning is not None and warning.isVisibleTo(sheet)
    assert warning.text().splitlines() == [
        "⚠ The pipeline has unsaved changes. Promoting runs build 1's own definition, kept "
        "when it was queued: neither the saved azure-pipelines.yml nor what the window "
        "shows changes its stages (a new run builds the saved file). The approvals and "
        "checks of its environments are read from the saved environments.yml.",
        "None of them changes the approvals or checks of Dev.",
    ]
    assert sheet.condition_label.text().endswith("— met")  # what build 1 was queued with
    assert sheet.save_first is None  # saving would change nothing this promotion runs
    assert sheet.confirm_button.text() == "Promote to Dev"
    assert sheet.definition_label.text() == (
        "build 1 runs its own definition (kept when it was queued); azure-pipelines.yml on "
        "disk runs the same in Dev")

    result = finish(qtbot, controller, lambda: qtbot.mouseClick(
        sheet.confirm_button, Qt.MouseButton.LeftButton))
    assert result.state == "succeeded", result.message
    assert window.editor.is_modified() and demo.read_text() == saved_text
    assert panel.dashboard.matrix.cell_text(1, "Dev").startswith("✔ succeeded")


def test_promote_the_saved_version_leaves_the_edits_unsaved(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    run_pipeline(qtbot, controller, panel.dashboard)
    saved_text = demo.read_text()
    type_condition(qtbot, window, "Dev", "false")
    sheet = ask_promote(qtbot, window, 1)
    result = finish(qtbot, controller, lambda: qtbot.mouseClick(
        sheet.confirm_button, Qt.MouseButton.LeftButton))
    assert result.state == "succeeded", result.message  # the saved condition holds
    assert demo.read_text() == saved_text
    assert window.editor.is_modified()
    assert window.editor.pipeline.stage("Dev").condition == "false"


def test_a_condition_still_being_typed_counts_when_the_releases_dock_floats(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    run_pipeline(qtbot, controller, panel.dashboard)
    type_condition(qtbot, window, "Dev", "false")
    window.releases_dock.setFloating(True)
    window.releases_dock.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window.releases_dock)
    assert window.editor.pipeline.stage("Dev").condition != "false"  # still being typed
    sheet = ask_promote(qtbot, window, 1)
    assert window.editor.pipeline.stage("Dev").condition == "false"  # committed: shown
    assert sheet.findChild(QLabel, "unsavedWarning") is not None
    sheet.reject()


def test_cancel_does_neither(qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    run_pipeline(qtbot, controller, panel.dashboard)
    saved_text = demo.read_text()
    type_condition(qtbot, window, "Dev", "false")
    sheet = ask_promote(qtbot, window, 1)
    cancel = sheet.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    assert not controller.busy and demo.read_text() == saved_text
    assert panel.dashboard.matrix.cell_text(1, "Dev") == ""


def test_an_edit_elsewhere_is_still_told_and_the_stage_is_said_untouched(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    run_pipeline(qtbot, controller, panel.dashboard)
    type_condition(qtbot, window, "Staging", "always()")
    sheet = ask_promote(qtbot, window, 1)
    warning = sheet.findChild(QLabel, "unsavedWarning")
    assert warning.text().splitlines()[1:] == [
        "None of them changes the approvals or checks of Dev."]
    sheet.reject()


def test_saved_edits_show_as_the_file_on_disk_changing_the_stage_since_the_build(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    run_pipeline(qtbot, controller, panel.dashboard)
    type_condition(qtbot, window, "Dev", "false")
    sheet = ask_promote(qtbot, window, 1)
    sheet.reject()
    assert window.save()
    sheet = ask_promote(qtbot, window, 1)
    assert sheet.findChild(QLabel, "unsavedWarning") is None
    assert sheet.save_first is None
    assert sheet.confirm_button.text() == "Promote to Dev"
    assert sheet.condition_label.text().endswith("— met")  # build 1's own condition
    assert sheet.definition_label.text() == (
        "build 1 runs its own definition (kept when it was queued); azure-pipelines.yml on "
        f"disk changed Dev since: condition false (build 1: {DEV_CONDITION})")
    sheet.reject()


def test_save_and_run_saves_before_the_build(qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    type_condition(qtbot, window, "Dev", "false")
    qtbot.mouseClick(panel.dashboard.run_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, RunPipelineDialog)
    warning = dialog.findChild(QLabel, "unsavedWarning")
    assert warning.text().splitlines() == [
        "⚠ The pipeline has unsaved changes. The run uses the saved azure-pipelines.yml, "
        "not what the window shows.",
        "None of them changes what it reads of Build.",
    ]
    assert dialog.run_button.text() == "Run the saved version"
    assert default_button(dialog) == "Cancel"
    result = finish(qtbot, controller, lambda: qtbot.mouseClick(
        dialog.save_first.button, Qt.MouseButton.LeftButton))
    assert result.state == "succeeded", result.message
    assert "condition: false" in demo.read_text() and not window.editor.is_modified()


def test_approving_with_unsaved_edits_names_them(qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard, inbox = panel.dashboard, panel.inbox
    run_pipeline(qtbot, controller, dashboard)
    for stage in ("Dev", "Test", "Staging"):
        promote(qtbot, controller, dashboard, 1, stage)
    approvers = window.editor.pipeline.environments["staging"].approval.approvers
    window.editor.apply("Approvers of staging", lambda pipeline: setattr(
        pipeline.environments["staging"].approval, "approvers", [*approvers, "dev"]))
    act_as(qtbot, dashboard, "qa")
    panel.setCurrentWidget(inbox)
    inbox.table.selectRow(0)
    qtbot.mouseClick(inbox.approve_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, DecisionDialog)
    warning = dialog.findChild(QLabel, "unsavedWarning")
    assert warning.text().splitlines()[1:] == [
        "Unsaved changes to the environments of Staging:",
        "• Staging: staging needs approval by qa, ops, dev (1 needed, not by the "
        "requester) (saved: approval by qa, ops (1 needed, not by the requester))",
        "A waiting approval keeps the policy it was requested under: saving does not "
        "change who may decide it.",
    ]
    assert dialog.confirm_button.text() == "Approve 1 with the saved version"
    assert dialog.save_first.button.text() == "Save and approve 1"
    assert "Acting as qa (demo)." in [label.text() for label in dialog.findChildren(QLabel)]
    result = finish(qtbot, controller, lambda: qtbot.mouseClick(
        dialog.confirm_button, Qt.MouseButton.LeftButton))
    assert result.state == "succeeded", result.message
    assert window.editor.is_modified()


def test_after_save_as_the_releases_are_those_of_the_new_file(
        qtbot, open_window, demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    run_pipeline(qtbot, controller, panel.dashboard)
    copy = tmp_path / "copy" / "azure-pipelines.yml"
    copy.parent.mkdir()
    monkeypatch.setattr("release_manager.ui.main_window.QFileDialog.getSaveFileName",
                        lambda *args, **kwargs: (str(copy), ""))
    window.save_as_action.trigger()
    controller = window.release_controller
    assert controller.pipeline_path == copy
    qtbot.waitUntil(lambda: controller.settled, timeout=60_000)
    # The copy's folder holds no releases yet (no store): the dock offers to set them up
    # there, and the demo's builds stay the demo's.
    assert controller.workspace is None and controller.can_set_up
    assert f"{copy.parent.resolve()} holds no releases yet" in controller.unavailable


# ----------------------------------------------------------------- who acts


@pytest.fixture
def plain_workspace(tmp_path: Path) -> Path:
    """A workspace set up for releases with a real team file: not the demo."""
    pipeline = create_demo(tmp_path / "plain")
    (pipeline.parent / ".release-manager" / "team.yml").write_text("team:\n  - lead\n  - qa\n")
    return pipeline


def test_outside_the_demo_the_person_at_the_machine_acts_and_cannot_switch(
        qtbot, open_window, plain_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELEASE_MANAGER_USER")
    window = open_window(plain_workspace)
    controller, panel = ready(qtbot, window)
    bar = panel.dashboard.identity_bar
    assert bar.name_label.isVisibleTo(panel) and \
        bar.name_label.text() == f"Acting as: {getpass.getuser()}"
    assert not bar.switch.isVisibleTo(panel) and not bar.switch_label.isVisibleTo(panel)
    assert not bar.badge.isVisibleTo(panel)
    controller.set_identity("qa")
    assert controller.identity == getpass.getuser()


def test_the_demo_offers_a_labelled_switch_and_a_badge_while_standing_in(
        qtbot, open_window, demo: Path) -> None:
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    bar = panel.dashboard.identity_bar
    assert bar.switch_label.isVisibleTo(panel) and bar.switch_label.text() == "Demo: act as"
    assert bar.switch.isVisibleTo(panel) and not bar.switch.isEditable()
    assert not bar.name_label.isVisibleTo(panel)
    assert not bar.badge.isVisibleTo(panel)  # lead is who RELEASE_MANAGER_USER says
    act_as(qtbot, panel.dashboard, "qa")
    assert controller.identity == "qa"
    assert bar.badge.isVisibleTo(panel) and bar.badge.text() == "Acting as qa (demo)"
    act_as(qtbot, panel.dashboard, "lead")
    assert not bar.badge.isVisibleTo(panel)
