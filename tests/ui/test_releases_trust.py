"""What the window tells an approver it can trust: which definition a deployment runs
(the build's own, and how the file on disk differs), and an audit trail tampered with
outside the app, shown above the releases when the workspace opens."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import test_releases_window as window_tests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from test_releases_window import modal, ready

from release_manager.engine.promotion import Promoter
from release_manager.engine.workspace import Workspace
from release_manager.ui.releases.approvals_inbox import COLUMNS, DecisionDialog

demo, open_window = window_tests.demo, window_tests.open_window
acting_as_lead = window_tests.acting_as_lead


def waiting_for_staging(pipeline: Path) -> Path:
    """Build 1 waits for approval to Staging (made through the engine); the store."""
    promoter = Promoter(Workspace.of_pipeline(pipeline))
    promoter.run_pipeline("lead")
    for stage in ("Dev", "Test"):
        assert promoter.promote(1, stage, "lead").state == "succeeded"
    assert promoter.promote(1, "Staging", "lead").state == "waiting"
    return pipeline.parent / ".release-manager" / "state.db"


def test_the_inbox_and_the_approval_say_the_file_on_disk_changed_the_stage(
        qtbot, open_window, demo: Path) -> None:
    waiting_for_staging(demo)
    text = demo.read_text()
    anchor = "    environment: staging\n    strategy:\n      runOnce:\n        deploy:\n" \
             "          steps:\n"
    demo.write_text(text.replace(anchor, anchor + "          - script: echo slipped in\n"))
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    inbox = panel.inbox
    panel.setCurrentWidget(inbox)
    qtbot.waitUntil(lambda: inbox.table.rowCount() == 1)
    runs = inbox.table.item(0, COLUMNS.index("Runs"))
    assert runs.text() == "its own definition (azure-pipelines.yml changed since)"
    said = ("build 1 runs its own definition (kept when it was queued); azure-pipelines.yml "
            "on disk changed Staging since: a step was added")
    assert runs.toolTip() == said

    window_tests.act_as(qtbot, panel.dashboard, "qa")
    inbox.table.selectRow(0)
    qtbot.mouseClick(inbox.approve_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot, DecisionDialog)
    notes = dialog.findChild(QLabel, "definitionNotes")
    assert notes.isVisibleTo(dialog)
    assert notes.text() == f"build 1 → Staging (staging) runs: {said}"
    dialog.reject()


def tamper_by_hand(store: Path, *statements: str) -> None:
    with sqlite3.connect(store) as db:
        for statement in statements:
            db.execute(statement)


@pytest.mark.parametrize(("statements", "named"), [
    (("DROP TRIGGER audit_no_update",
      "UPDATE audit SET actor = 'ops' WHERE action = 'promote' AND subject LIKE '%Staging'"),
     "audit row 8 (promote build 1 → Staging, by ops) does not match its hash"),
    (("INSERT INTO audit (at, actor, action, subject) VALUES "
      "('2020-01-01T00:00:00+00:00', 'qa', 'approve', 'build 1 → Staging')",),
     "audit row 9 (approve build 1 → Staging, by qa) does not match its hash"),
], ids=["drop-trigger-and-update", "back-dated-insert"])
def test_an_audit_trail_tampered_with_is_shown_above_the_releases(
        qtbot, open_window, demo: Path, statements: tuple[str, ...], named: str) -> None:
    tamper_by_hand(waiting_for_staging(demo), *statements)
    window = open_window(demo)
    _, panel = ready(qtbot, window)
    warning = panel.dashboard.audit_warning
    qtbot.waitUntil(lambda: warning.isVisibleTo(panel))
    assert warning.text().startswith(f"⚠ The audit trail has been tampered with: {named}")


def test_an_edited_approval_decision_is_shown_and_an_intact_trail_is_not(
        qtbot, open_window, demo: Path) -> None:
    store = waiting_for_staging(demo)
    promoter = Promoter(Workspace.of_pipeline(demo))
    assert promoter.reject(1, "Staging", "qa", "not today").state == "rejected"
    window = open_window(demo)
    _, panel = ready(qtbot, window)
    assert not panel.dashboard.audit_warning.isVisibleTo(panel)
    window.close()

    tamper_by_hand(store, "DROP TRIGGER decisions_no_update",
                   "UPDATE approval_decisions SET decision = 'approved', comment = 'ok'")
    window = open_window(demo)
    _, panel = ready(qtbot, window)
    warning = panel.dashboard.audit_warning
    qtbot.waitUntil(lambda: warning.isVisibleTo(panel))
    assert warning.text().startswith(
        "⚠ The audit trail has been tampered with: approval decision 1 (approved by qa) "
        "differs from audit row 9: decision 'approved' (audited: 'rejected'); comment 'ok' "
        "(audited: 'not today')")
    assert "the trigger decisions_no_update" in warning.toolTip()


def test_a_promotion_that_cannot_be_prepared_says_why_in_a_sentence(
        qtbot, open_window, demo: Path) -> None:
    store = waiting_for_staging(demo)
    window = open_window(demo)
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    tamper_by_hand(store, "UPDATE definitions SET text = text || '# slipped in'")

    assert dashboard.matrix.select(1, "Build")
    qtbot.mouseClick(dashboard.redeploy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cannot be prepared" in dashboard.banner.message_label.text(),
                    timeout=window_tests.TIMEOUT)

    said = dashboard.banner.message_label.text()
    assert (f"The promotion cannot be prepared: the pipeline definition build 1 was queued "
            f"with is changed in {store}: it does not run (queue a new run)") in said
    assert "DefinitionAltered" not in said
