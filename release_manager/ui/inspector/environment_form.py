"""The stage's environment and that environment's approvals, checks and App Service target.

Azure keeps approvals outside the YAML; here they are part of the pipeline model (so every
change is undoable) and saved to `.release-manager/environments.yml` with the pipeline.
"""

from __future__ import annotations

import copy
import zoneinfo
from collections.abc import Callable
from functools import cache

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from release_manager.core.app_service_proposal import propose
from release_manager.core.environments_file import WEEKDAYS
from release_manager.core.identity_names import invisible_character
from release_manager.core.model import (
    ApprovalPolicy,
    AppServiceTarget,
    BusinessHours,
    Environment,
    Pipeline,
)
from release_manager.error_messages import user_message
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.inspector.app_service_form import AppServiceForm
from release_manager.ui.inspector.widgets import (
    StringListEditor,
    compact,
    form_layout,
    note,
    set_checked,
    set_combo_data,
    set_line,
    set_value,
    show_note,
)

EDITED_FIELDS = ("approval", "business_hours", "exclusive_lock", "health_check",
                 "health_check_url")
COMMON_TIME_ZONES = ["UTC", "Europe/London", "Europe/Paris", "America/New_York",
                     "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"]


@cache
def time_zones() -> list[str]:
    """The common zones first, then every IANA zone (read from disk once)."""
    return COMMON_TIME_ZONES + sorted(set(zoneinfo.available_timezones()) - set(COMMON_TIME_ZONES))


def known_environments(pipeline: Pipeline) -> list[str]:
    names = set(pipeline.environments)
    for stage in pipeline.stages:
        names.update(stage.environments)
    return sorted(names, key=str.lower)


def duration_text(minutes: int) -> str:
    """43200 → "30 days"; 90 → "1 hour 30 minutes"."""
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return " ".join(words) or "0 minutes"


class InstructionsEdit(QPlainTextEdit):
    """Multi-line text that reports `editingFinished` when the user leaves it."""

    editingFinished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()


class EnvironmentForm(QWidget):
    def __init__(self, editor: PipelineEditor, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.name = name
        self.ask_environment: Callable[[list[str]], str | None] = self._ask_environment
        stage = editor.pipeline.stage(name)
        self.read_only = stage.kind != "stage"

        self.no_deployment = note(
            "This stage has no deployment job, so it deploys to no environment and cannot "
            "ask for approvals."
        )
        self.make_deployment = QPushButton("Make this a deployment stage…", self)
        self.make_deployment.setToolTip(
            "Adds a deployment job 'Deploy' (runOnce) targeting an environment: Azure then "
            "records deployments to it and applies its approvals and checks."
        )
        self.make_deployment.clicked.connect(self._make_deployment)
        self.environment_combo = compact(QComboBox(self))
        self.environment_combo.setEditable(True)
        self.environment_combo.setToolTip(
            "environment: where the stage's deployment jobs deploy. Approvals and checks "
            "belong to the environment, so every stage deploying to it shares them."
        )
        self.environment_combo.lineEdit().editingFinished.connect(self._set_environment)
        self.environment_combo.activated.connect(self._set_environment)
        self.shared_note = note()

        self.require_approval = QCheckBox("Require approval before deploying", self)
        self.require_approval.setToolTip(
            "Azure's Approvals check: the stage waits until enough approvers approve."
        )
        self.approvers = StringListEditor("person@example.com or [Project]\\Group", self,
                                          refusal=_approver_refusal)
        self.approvers.setToolTip("Users or groups who may approve.")
        self.minimum = QSpinBox(self)
        self.minimum.setRange(1, 50)
        self.minimum.setKeyboardTracking(False)
        self.minimum.setToolTip("How many approvers must approve.")
        self.requester_cannot = QCheckBox("The person who started the run cannot approve", self)
        self.order = compact(QComboBox(self))
        self.order.addItem("Any order", "any")
        self.order.addItem("In sequence, as listed", "sequential")
        self.order.setToolTip("sequential: each approver is asked after the previous approved.")
        self.timeout = QSpinBox(self)
        self.timeout.setRange(1, 30 * 24 * 60)
        self.timeout.setSuffix(" minutes")
        self.timeout.setSingleStep(60)
        self.timeout.setKeyboardTracking(False)
        self.timeout.setToolTip("After this long without enough approvals the stage fails. "
                                "Azure allows up to 30 days.")
        self.timeout_text = QLabel(self)
        self.instructions = InstructionsEdit(self)
        self.instructions.setMaximumHeight(60)
        self.instructions.setPlaceholderText("What approvers should check")

        self.business = QCheckBox("Deploy only during business hours", self)
        self.business.setToolTip(
            "Azure's Business hours check (Azure waits for the window): here a promotion, or "
            "the approval that would start it, is refused outside the hours, naming when the "
            "next window opens.")
        self.days = {day: QCheckBox(day[:3], self) for day in WEEKDAYS}
        self.start = QTimeEdit(self)
        self.end = QTimeEdit(self)
        for edit in (self.start, self.end):
            edit.setDisplayFormat("HH:mm")
        self.time_zone = compact(QComboBox(self), 10)
        self.time_zone.setEditable(True)
        self.time_zone.addItems(time_zones())
        self.health = QCheckBox("Health check after each deployment", self)
        self.health.setToolTip(
            "A deployment is only done when the environment's site answers; a failed check "
            "fails the stage, ready to roll back."
        )
        self.health_url = QLineEdit(self)
        self.health_url.setPlaceholderText("https://… (remote); locally its own site")
        self.health_url.setToolTip(
            "Where the environment must answer HTTP 200 after each deployment; empty: its "
            "own local site, which must serve the new build.")
        self.exclusive = QCheckBox("Exclusive lock: one deployment at a time", self)
        self.exclusive.setToolTip(
            "Azure's Exclusive lock check: a promotion waits while another deployment to the "
            "environment runs. Without it, a promotion to a busy environment is refused at "
            "once: deployments to one environment never overlap here."
        )

        days_grid = QGridLayout()
        days_grid.setSpacing(2)
        for index, box in enumerate(self.days.values()):
            days_grid.addWidget(box, index // 4, index % 4)
        hours_row = QHBoxLayout()
        hours_row.addWidget(self.start)
        hours_row.addWidget(QLabel("to", self))
        hours_row.addWidget(self.end)
        hours_row.addStretch(1)
        timeout_row = QHBoxLayout()
        timeout_row.addWidget(self.timeout)
        timeout_row.addWidget(self.timeout_text, 1)

        # The details of a check show only while the check is on.
        self.approval_details = QWidget(self)
        approval_form = form_layout(self.approval_details)
        approval_form.setContentsMargins(16, 0, 0, 0)
        approval_form.addRow("Approvers", self.approvers)
        approval_form.addRow("Minimum", self.minimum)
        approval_form.addRow("", self.requester_cannot)
        approval_form.addRow("Order", self.order)
        approval_form.addRow("Timeout", timeout_row)
        approval_form.addRow("Instructions", self.instructions)
        self.hours_details = QWidget(self)
        hours_form = form_layout(self.hours_details)
        hours_form.setContentsMargins(16, 0, 0, 0)
        hours_form.addRow("Days", days_grid)
        hours_form.addRow("Hours", hours_row)
        hours_form.addRow("Time zone", self.time_zone)

        self.policy = QWidget(self)
        form = QVBoxLayout(self.policy)
        form.setContentsMargins(0, 0, 0, 0)
        form.addWidget(self.require_approval)
        form.addWidget(self.approval_details)
        form.addWidget(self.business)
        form.addWidget(self.hours_details)
        form.addWidget(self.exclusive)
        form.addWidget(self.health)
        form.addWidget(self.health_url)
        self.app_service = AppServiceForm(self)
        form.addWidget(self.app_service)

        # On a workspace connected to Azure DevOps: the environment's checks there.
        self.azure_title = QLabel("<b>In Azure DevOps</b>", self)
        self.azure_checks = QLabel(self)
        self.azure_checks.setObjectName("azureChecks")
        self.azure_checks.setWordWrap(True)
        self.azure_checks.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.azure_checks.setToolTip(
            "The environment's checks in Azure DevOps. The Approval check is edited above "
            "and sent with Environments ▸ Push to Azure DevOps…; the other checks are "
            "read-only here (change them in Azure DevOps).")
        self._azure_for: str | None = None
        form.addWidget(self.azure_title)
        form.addWidget(self.azure_checks)

        top = form_layout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addRow("Environment", self.environment_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.no_deployment)
        layout.addWidget(self.make_deployment)
        layout.addLayout(top)
        layout.addWidget(self.shared_note)
        layout.addWidget(self.policy)
        self._top_rows = top
        self.refresh()

        self.require_approval.toggled.connect(self._commit)
        self.approvers.edited.connect(self._commit_approvers)
        self.minimum.valueChanged.connect(self._commit)
        self.requester_cannot.toggled.connect(self._commit)
        self.order.currentIndexChanged.connect(self._commit)
        self.timeout.valueChanged.connect(self._commit)
        self.instructions.editingFinished.connect(self._commit)
        self.business.toggled.connect(self._commit)
        for box in self.days.values():
            box.toggled.connect(self._commit)
        self.start.editingFinished.connect(self._commit)
        self.end.editingFinished.connect(self._commit)
        self.time_zone.activated.connect(self._commit)
        self.time_zone.lineEdit().editingFinished.connect(self._commit)
        self.exclusive.toggled.connect(self._commit)
        self.health.toggled.connect(self._commit)
        self.health_url.editingFinished.connect(self._commit)
        self.app_service.edited.connect(self._commit_target)
        self.app_service.proposeRequested.connect(self._propose)

    # ----------------------------------------------------------------- model → view

    def environment_name(self) -> str | None:
        pipeline = self.editor.pipeline
        if not pipeline.has_stage(self.name):
            return None
        names = pipeline.stage(self.name).environments
        return names[0] if names else None

    def refresh(self) -> None:
        pipeline = self.editor.pipeline
        if not pipeline.has_stage(self.name):
            return
        name = self.environment_name()
        self.no_deployment.setVisible(name is None)
        self.make_deployment.setVisible(name is None and not self.read_only)
        self.environment_combo.setVisible(name is not None)
        self._top_rows.labelForField(self.environment_combo).setVisible(name is not None)
        self.policy.setVisible(name is not None)
        if name is None:
            show_note(self.shared_note, "")
            return
        known = known_environments(pipeline)
        if [self.environment_combo.itemText(i)
                for i in range(self.environment_combo.count())] != known:
            self.environment_combo.blockSignals(True)
            self.environment_combo.clear()
            self.environment_combo.addItems(known)
            self.environment_combo.blockSignals(False)
        if self.environment_combo.currentText() != name:
            self.environment_combo.blockSignals(True)
            self.environment_combo.setCurrentText(name)
            self.environment_combo.blockSignals(False)
        self.environment_combo.setEnabled(not self.read_only)
        sharing = [
            s.name for s in pipeline.stages if name in s.environments and s.name != self.name
        ]
        show_note(self.shared_note, (
            f"Also deployed to by {', '.join(sharing)}: these settings apply there too."
            if sharing else ""
        ))
        self.app_service.use_listings(self.editor.arm_listings)
        self._show_policy(pipeline.environments.get(name) or Environment(name))
        self.show_azure_checks()

    def show_azure_checks(self, *, force: bool = False) -> None:
        """Ask for the environment's checks in Azure DevOps (when connected), once per
        environment shown, or again with `force`."""
        name = self.environment_name()
        remote = self.editor.remote_checks
        for widget in (self.azure_title, self.azure_checks):
            widget.setVisible(remote is not None and name is not None)
        if remote is None or name is None or (name == self._azure_for and not force):
            return
        self._azure_for = name
        self.azure_checks.setText("Reading the checks in Azure DevOps…")
        remote(name, self._show_azure_lines, self._show_azure_failure)

    def _show_azure_lines(self, lines: list[str]) -> None:
        self.azure_checks.setText("\n".join(f"• {line}" for line in lines) or "No checks")

    def _show_azure_failure(self, error: BaseException) -> None:
        self.azure_checks.setText(f"Could not read them: {user_message(error)}")
        self._azure_for = None  # asked again when shown again

    def _show_policy(self, environment: Environment) -> None:
        policy = environment.approval
        set_checked(self.require_approval, policy is not None)
        self.approval_details.setVisible(policy is not None)
        shown = policy or ApprovalPolicy()
        self.approvers.set_values(shown.approvers)
        set_value(self.minimum, shown.minimum_approvers)
        set_checked(self.requester_cannot, shown.requester_cannot_approve)
        set_combo_data(self.order, shown.order)
        set_value(self.timeout, shown.timeout_minutes)
        self.timeout_text.setText(f"= {duration_text(shown.timeout_minutes)}")
        if self.instructions.toPlainText() != shown.instructions:
            self.instructions.setPlainText(shown.instructions)
        hours = environment.business_hours
        set_checked(self.business, hours is not None)
        self.hours_details.setVisible(hours is not None)
        shown_hours = hours or BusinessHours()
        for day, box in self.days.items():
            set_checked(box, day in shown_hours.days)
        for edit, text in ((self.start, shown_hours.start), (self.end, shown_hours.end)):
            time = QTime.fromString(text, "HH:mm")
            if edit.time() != time:
                edit.setTime(time)
        if self.time_zone.currentText() != shown_hours.time_zone:
            self.time_zone.setCurrentText(shown_hours.time_zone)
        for widget in (self.approval_details, self.hours_details):
            widget.setEnabled(not self.read_only)
        set_checked(self.exclusive, environment.exclusive_lock)
        set_checked(self.health, environment.health_check)
        set_line(self.health_url, environment.health_check_url)
        self.health_url.setVisible(environment.health_check)
        self.app_service.show_target(environment.app_service)
        for widget in (self.require_approval, self.business, self.exclusive, self.health,
                       self.health_url, self.app_service):
            widget.setEnabled(not self.read_only)

    # ----------------------------------------------------------------- view → model

    def _settings_from_view(self, name: str, approvers: list[str]) -> Environment:
        policy = None
        if self.require_approval.isChecked():
            policy = ApprovalPolicy(
                approvers=approvers,
                minimum_approvers=self.minimum.value(),
                requester_cannot_approve=self.requester_cannot.isChecked(),
                order=self.order.currentData(),
                timeout_minutes=self.timeout.value(),
                instructions=self.instructions.toPlainText(),
            )
        hours = None
        if self.business.isChecked():
            hours = BusinessHours(
                days=[day for day, box in self.days.items() if box.isChecked()],
                start=self.start.time().toString("HH:mm"),
                end=self.end.time().toString("HH:mm"),
                time_zone=self.time_zone.currentText().strip() or "UTC",
            )
        return Environment(
            name, policy, hours,
            exclusive_lock=self.exclusive.isChecked(),
            health_check=self.health.isChecked(),
            health_check_url=self.health_url.text().strip() if self.health.isChecked() else "",
        )

    def _commit_approvers(self, approvers: list[str]) -> None:
        self._commit(approvers=approvers)

    def _commit(self, *_: object, approvers: list[str] | None = None) -> None:
        name = self.environment_name()
        if name is None or self.read_only:
            return
        settings = self._settings_from_view(
            name, self.approvers.values() if approvers is None else approvers
        )

        def mutate(p: Pipeline) -> None:
            environment = p.environment(name)  # fields this form does not show stay
            for field in EDITED_FIELDS:
                setattr(environment, field, copy.deepcopy(getattr(settings, field)))

        self.editor.apply(f"Change approvals and checks of {name}", mutate)
        self.refresh()

    def _commit_target(self, target: AppServiceTarget | None) -> None:
        name = self.environment_name()
        if name is None or self.read_only:
            return

        def mutate(p: Pipeline) -> None:
            p.environment(name).app_service = target

        self.editor.apply(f"Change App Service target of {name}", mutate)
        self.refresh()

    def _propose(self) -> None:
        """Fill the target from the pipeline's deployment steps: one undoable edit of the
        fields it knows (a value Azure would refuse is shown refused, as if typed); what it
        cannot know (or a choice between apps) is said below."""
        name = self.environment_name()
        if name is None or self.read_only:
            return
        proposal = propose(self.editor.pipeline, name)
        self.app_service.show_proposal(proposal)
        if proposal.refusal:
            return
        current = self.editor.pipeline.environments.get(name)
        self.app_service.offer(proposal.target(current.app_service if current else None))

    def _set_environment(self) -> None:
        text, current, stage = (self.environment_combo.currentText().strip(),
                                self.environment_name(), self.name)
        if text and text != current:
            self.editor.apply(f"Deploy {stage} to {text}",
                              lambda p: p.set_environment(stage, text))

    def _make_deployment(self) -> None:
        environment = self.ask_environment(known_environments(self.editor.pipeline))
        stage = self.name
        if environment:
            self.editor.apply(f"Make {stage} a deployment stage to {environment}",
                              lambda p: p.set_environment(stage, environment.strip()))

    def _ask_environment(self, known: list[str]) -> str | None:
        name, ok = QInputDialog.getItem(
            self, "Deployment stage", "Environment to deploy to:", known or ["production"],
            0, True,
        )
        return name if ok else None


def _approver_refusal(name: str) -> str:
    """Why `name` cannot be an approver: a name holding an invisible character would look
    like someone else's (the engine compares names without them)."""
    hidden = invisible_character(name)
    return f"{name!r} holds an invisible character, {hidden}; type the name without it" \
        if hidden else ""
