"""Environment and approvals in the inspector, saved to .release-manager/environments.yml."""

from __future__ import annotations

from pathlib import Path

from inspector_helpers import open_panel, select
from PySide6.QtCore import QPoint, Qt, QTime

from release_manager.core.environments_file import environments_path, load_environments
from release_manager.core.model import ApprovalPolicy, BusinessHours, Environment
from release_manager.ui.inspector.environment_form import duration_text
from release_manager.ui.inspector.panel import InspectorPanel


def add_approver(qtbot, panel: InspectorPanel, who: str) -> None:
    approvers = panel.environment.approvers
    qtbot.keyClicks(approvers.entry, who)
    qtbot.mouseClick(approvers.add_button, Qt.MouseButton.LeftButton)


def test_an_approver_with_an_invisible_character_is_refused_naming_it(
        qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    form = panel.environment
    qtbot.mouseClick(form.require_approval, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(form.approvers.entry, "qa")
    form.approvers.entry.insert("\u200b")  # pasted: no key types it
    qtbot.mouseClick(form.approvers.add_button, Qt.MouseButton.LeftButton)
    assert form.approvers.values() == []
    assert form.approvers.entry.text() == "qa\u200b"  # kept, to be corrected
    assert "U+200B ZERO WIDTH SPACE" in form.approvers.problem.text()
    assert form.approvers.problem.isVisibleTo(form)
    form.approvers.entry.clear()
    add_approver(qtbot, panel, "qa")
    assert form.approvers.values() == ["qa"]
    assert not form.approvers.problem.isVisibleTo(form)


def test_approvers_are_saved_beside_the_pipeline(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Test")
    form = panel.environment
    assert form.environment_combo.currentText() == "test"
    assert not form.approval_details.isVisible()
    qtbot.mouseClick(form.require_approval, Qt.MouseButton.LeftButton)
    assert form.approval_details.isVisible()
    add_approver(qtbot, panel, "alice@contoso.com")
    add_approver(qtbot, panel, "[Space Game]\\Release Managers")
    form.minimum.setValue(2)
    qtbot.mouseClick(form.requester_cannot, Qt.MouseButton.LeftButton)
    form.order.setCurrentIndex(form.order.findData("sequential"))
    form.timeout.setValue(2 * 24 * 60 + 90)
    assert form.timeout_text.text() == "= 2 days 1 hour 30 minutes"
    qtbot.mouseClick(form.business, Qt.MouseButton.LeftButton)
    friday = form.days["Friday"]  # clicked on its box, left of its text
    qtbot.mouseClick(friday, Qt.MouseButton.LeftButton, pos=QPoint(8, friday.height() // 2))
    qtbot.mouseClick(form.exclusive, Qt.MouseButton.LeftButton)

    expected = Environment(
        "test",
        approval=ApprovalPolicy(
            approvers=["alice@contoso.com", "[Space Game]\\Release Managers"],
            minimum_approvers=2,
            requester_cannot_approve=True,
            order="sequential",
            timeout_minutes=2 * 24 * 60 + 90,
        ),
        business_hours=BusinessHours(days=["Monday", "Tuesday", "Wednesday", "Thursday"]),
        exclusive_lock=True,
    )
    assert panel.editor.pipeline.environments["test"] == expected
    assert panel.editor.undo_stack.count() == 10  # one per change

    panel.editor.save()
    path = environments_path(tmp_path)
    assert path == tmp_path / ".release-manager" / "environments.yml"
    assert "  test:" in path.read_text()
    assert load_environments(tmp_path)["test"] == expected
    assert panel.editor.undo_stack.isClean()


def test_undo_takes_back_an_approver(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Dev")
    qtbot.mouseClick(panel.environment.require_approval, Qt.MouseButton.LeftButton)
    add_approver(qtbot, panel, "alice@contoso.com")
    add_approver(qtbot, panel, "bob@contoso.com")
    assert panel.environment.approvers.values() == ["alice@contoso.com", "bob@contoso.com"]
    panel.editor.undo_stack.undo()
    assert panel.environment.approvers.values() == ["alice@contoso.com"]
    approvers = panel.environment.approvers
    approvers.list.setCurrentRow(0)
    qtbot.mouseClick(approvers.remove_button, Qt.MouseButton.LeftButton)
    assert panel.editor.pipeline.environments["dev"].approval.approvers == []


def test_business_hours_times_and_zone(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Staging")
    form = panel.environment
    qtbot.mouseClick(form.business, Qt.MouseButton.LeftButton)
    form.start.setTime(QTime(7, 30))
    form.start.editingFinished.emit()
    form.time_zone.setCurrentText("Europe/Paris")
    form.time_zone.lineEdit().editingFinished.emit()
    hours = panel.editor.pipeline.environments["staging"].business_hours
    assert (hours.start, hours.end, hours.time_zone) == ("07:30", "17:00", "Europe/Paris")


def test_environment_shared_by_stages_is_said(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Dev")
    combo = panel.environment.environment_combo
    combo.setFocus()
    combo.lineEdit().selectAll()
    qtbot.keyClicks(combo.lineEdit(), "test")
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    assert panel.editor.pipeline.stage("Dev").environments == ["test"]
    assert "environment: test" in panel.editor.document.dumps().split("- stage: 'Test'")[0]
    assert panel.environment.shared_note.text() == (
        "Also deployed to by Test: these settings apply there too."
    )


def test_make_a_deployment_stage(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Build")
    form = panel.environment
    assert form.no_deployment.isVisible() and form.make_deployment.isVisible()
    asked: list[list[str]] = []
    form.ask_environment = lambda known: asked.append(known) or "qa"
    qtbot.mouseClick(form.make_deployment, Qt.MouseButton.LeftButton)
    assert asked == [["dev", "staging", "test"]]
    assert panel.editor.pipeline.stage("Build").environments == ["qa"]
    form = panel.environment
    assert not form.make_deployment.isVisible()
    assert form.environment_combo.currentText() == "qa"
    panel.editor.undo_stack.undo()
    assert panel.editor.pipeline.stage("Build").environments == []
    assert panel.environment.make_deployment.isVisible()


def test_duration_text() -> None:
    assert duration_text(43200) == "30 days"
    assert duration_text(90) == "1 hour 30 minutes"
    assert duration_text(1) == "1 minute"


def test_health_check_switch_and_address(qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Staging")
    form = panel.environment
    assert not form.health_url.isVisible()
    qtbot.mouseClick(form.health, Qt.MouseButton.LeftButton)
    assert form.health_url.isVisible()
    qtbot.keyClicks(form.health_url, "https://staging.example/health")
    qtbot.keyClick(form.health_url, Qt.Key.Key_Return)
    staging = panel.editor.pipeline.environments["staging"]
    assert staging.health_check
    assert staging.health_check_url == "https://staging.example/health"
    panel.editor.save()
    assert load_environments(tmp_path)["staging"] == staging
