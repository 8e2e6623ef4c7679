"""The approvals inbox: deployments waiting for a decision; approve or reject several at
once after a preview of which ones the current identity may decide."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from release_manager.engine.approval_policy import ApprovalRefused, check_decision
from release_manager.engine.promotion import PendingApproval, PromotionResult
from release_manager.engine.release_status import WorkspaceStatus
from release_manager.ui.releases.controller import ReleaseController
from release_manager.ui.releases.look import colour, duration, symbol
from release_manager.ui.releases.unsaved import (
    BUILD_READS,
    WARNING_STYLE,
    SaveFirst,
    UnsavedEdits,
    act,
    warning_label,
)

COLUMNS = ("Build", "Stage", "Environment", "Requested by", "Approvers", "Needed",
           "Instructions", "Time left", "Runs")


@dataclass
class Preflight:
    pending: PendingApproval
    reason: str
    """Why the identity may not decide it ("" when it may)."""

    @property
    def allowed(self) -> bool:
        return not self.reason

    @property
    def label(self) -> str:
        approval = self.pending.approval
        return f"build {approval.run_id} → {approval.stage} ({approval.environment})"


def preflight(pending: PendingApproval, identity: str, decision: str = "approve",
              enforced: bool = False) -> Preflight:
    """What the approval policy says about `identity` deciding `pending`, and, for an
    approval that would start the deployment, the environment's business hours (the
    engine checks again when the decision is made). With `enforced`, the backend applies
    the policy itself (Azure DevOps, as the signed-in user): it is not guessed here."""
    if enforced:
        return Preflight(pending, "")
    approval = pending.approval
    earlier = [(d.approver, d.decision) for d in pending.decisions]
    try:
        check_decision(approval.policy, approval.environment, approval.requested_by,
                       earlier, identity)
    except ApprovalRefused as refusal:
        return Preflight(pending, str(refusal))
    approved = sum(1 for d in pending.decisions if d.decision == "approved")
    if decision == "approve" and approved + 1 >= pending.required and pending.closed:
        return Preflight(pending, pending.closed)
    return Preflight(pending, "")


class DecisionDialog(QDialog):
    """The pre-flight list: for each selected approval, whether `identity` may decide it;
    what each deployment would run (the build's own definition, and how the file on disk
    differs from it); a comment; the button decides those it may. An approval that
    completes a policy deploys: with `unsaved` edits in the window, a warning, and when
    they change the environments' approvals or checks, the choice to save first."""

    def __init__(self, checks: list[Preflight], decision: str, identity: str,
                 parent: QWidget | None = None, unsaved: UnsavedEdits | None = None,
                 demo: bool = False) -> None:
        super().__init__(parent)
        self.checks = checks
        self.decision = decision
        verb = "Approve" if decision == "approve" else "Reject"
        self.setWindowTitle(f"{verb} deployments")
        self.setObjectName("decisionDialog")
        self.setMinimumWidth(520)
        self.list = QListWidget()
        for check in checks:
            state = "succeeded" if check.allowed else "refused"
            text = f"{symbol(state)} {check.label}: " + (
                f"{identity} may {verb.lower()}" if check.allowed else check.reason)
            item = QListWidgetItem(text)
            item.setForeground(QBrush(colour(state)))
            item.setToolTip(text)
            self.list.addItem(item)
        self.list.setWordWrap(True)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment (kept in the audit trail)")
        allowed = len(self.allowed())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = buttons.addButton(
            f"{verb} {allowed}" if allowed else verb, QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_button.setEnabled(allowed > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(f"Acting as {identity}{' (demo)' if demo else ''}." + (
            "" if allowed else f" {identity} may not decide any of these."))
        note.setWordWrap(True)
        self.definitions = QLabel("\n".join(
            f"{check.label} runs: {check.pending.definition}" for check in checks
            if check.pending.definition is not None))
        self.definitions.setObjectName("definitionNotes")
        self.definitions.setWordWrap(True)
        self.definitions.setTextFormat(Qt.TextFormat.PlainText)
        if any(c.pending.definition is not None and c.pending.definition.differs
               for c in checks):
            self.definitions.setStyleSheet(WARNING_STYLE)
        layout = QVBoxLayout(self)
        if unsaved is not None:
            layout.addWidget(warning_label(unsaved, "Deploying after an approval", (
                "A waiting approval keeps the policy it was requested under: saving does not "
                "change who may decide it.") if "approval" in unsaved.aspects else "",
                runs="the build's own definition"))
        layout.addWidget(note)
        layout.addWidget(self.list)
        layout.addWidget(self.definitions)
        layout.addWidget(self.comment)
        layout.addWidget(buttons)
        self.save_first = None
        if unsaved is not None and unsaved.changes:
            self.save_first = SaveFirst(self, buttons, self.confirm_button,
                                        self.confirm_button.text().lower(), self.accept)
            self.save_first.button.setEnabled(allowed > 0)
            self.confirm_button.setText(f"{self.confirm_button.text()} with the saved version")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter (after typing a comment, say) does not press the default button: a
        decision is irreversible and is taken by its button."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def allowed(self) -> list[Preflight]:
        return [check for check in self.checks if check.allowed]

    def reasons(self) -> list[str]:
        """The text of every row of the preview."""
        return [self.list.item(row).text() for row in range(self.list.count())]


class ApprovalsInbox(QWidget):
    countChanged = Signal(int)

    def __init__(self, controller: ReleaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.pending: list[PendingApproval] = []
        self.dialog: DecisionDialog | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("approvalsTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Instructions"),
                                    QHeaderView.ResizeMode.Stretch)
        self.empty_label = QLabel("No deployment is waiting for approval.")
        self.approve_button = QPushButton("Approve…")
        self.reject_button = QPushButton("Reject…")
        self.results = QListWidget()
        self.results.setObjectName("decisionResults")
        self.results.setMaximumHeight(100)
        self.results.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        buttons.addStretch(1)
        buttons.addWidget(self.empty_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.results)
        self.approve_button.clicked.connect(lambda: self.ask("approve"))
        self.reject_button.clicked.connect(lambda: self.ask("reject"))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        controller.statusChanged.connect(self.show_status)
        controller.decisionsFinished.connect(self._show_results)
        controller.operationStarted.connect(lambda _: self._update_buttons())
        controller.operationFinished.connect(lambda _: self._update_buttons())
        self._update_buttons()

    def show_status(self, status: WorkspaceStatus) -> None:
        chosen = {p.approval.id for p in self.selected()}
        self.pending = list(status.approvals)
        self.table.setRowCount(len(self.pending))
        for row, pending in enumerate(self.pending):
            approval = pending.approval
            given = len([d for d in pending.decisions if d.decision == "approved"])
            values = (f"#{approval.run_id}", approval.stage, approval.environment,
                      approval.requested_by, ", ".join(pending.approvers),
                      f"{given} of {pending.required}", pending.instructions,
                      duration(pending.time_left()),
                      pending.definition.short if pending.definition else "")
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
            if pending.definition is not None:
                runs = self.table.item(row, COLUMNS.index("Runs"))
                runs.setToolTip(pending.definition.text)
                if pending.definition.differs:
                    runs.setForeground(QBrush(colour("refused")))
            if approval.id in chosen:
                self.table.selectRow(row)
        self.empty_label.setVisible(not self.pending)
        self.countChanged.emit(len(self.pending))
        self._update_buttons()

    def selected(self) -> list[PendingApproval]:
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        return [self.pending[row] for row in rows if row < len(self.pending)]

    def _update_buttons(self) -> None:
        ready = bool(self.selected()) and not self.controller.busy
        self.approve_button.setEnabled(ready)
        self.reject_button.setEnabled(ready)

    def ask(self, decision: str) -> None:
        chosen = self.selected()
        if not chosen:
            return
        controller = self.controller
        identity, edits = controller.identity, controller.edits
        stages = list(dict.fromkeys(p.approval.stage for p in chosen))
        unsaved = edits.unsaved(stages, BUILD_READS) \
            if decision == "approve" and edits is not None else None
        enforced = controller.backend_enforces_approvals
        self.dialog = DecisionDialog([preflight(p, identity, decision, enforced)
                                      for p in chosen],
                                     decision, identity, self, unsaved,
                                     identity != controller.person)
        dialog = self.dialog
        dialog.accepted.connect(lambda: act(edits, dialog.save_first, lambda: controller.decide(
            [(c.pending.approval.run_id, c.pending.approval.stage) for c in dialog.allowed()],
            decision, dialog.comment.text())))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _show_results(self, results: list[tuple[str, PromotionResult]]) -> None:
        self.results.clear()
        for label, result in results:
            item = QListWidgetItem(f"{symbol(result.state)} {label}: {result.state} — "
                                   f"{result.message}")
            item.setForeground(QBrush(colour(result.state)))
            self.results.addItem(item)
        self.results.setVisible(bool(results))
