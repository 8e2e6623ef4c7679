"""What Enter does in the releases' dialogs: it never takes an irreversible decision the
user has not clicked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from release_manager.engine.promotion import PendingApproval
from release_manager.engine.store import ApprovalRecord
from release_manager.ui.releases.approvals_inbox import DecisionDialog, preflight


def waiting() -> PendingApproval:
    policy = {"approvers": ["qa", "ops"], "minimum_approvers": 1, "order": "any",
              "requester_cannot_approve": True, "instructions": "", "timeout_minutes": 60}
    approval = ApprovalRecord(1, 7, 1, "Staging", "staging", "lead", "", "", "pending",
                              policy)
    return PendingApproval(approval, [], 1)


def test_enter_after_a_rejection_comment_does_not_reject(qtbot) -> None:
    dialog = DecisionDialog([preflight(waiting(), "qa")], "reject", "qa")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.comment.setFocus()
    qtbot.keyClicks(dialog.comment, "the smoke run is red")
    qtbot.keyClick(dialog.comment, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.result() == 0
    assert dialog.comment.text() == "the smoke run is red"
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert [check.label for check in dialog.allowed()] == ["build 1 → Staging (staging)"]
