"""The releases dashboard: environments on top, builds × stages below, and the buttons a
release manager uses: run, promote, redeploy, roll back, cancel."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from release_manager.engine.app_targets import RUNNING, STOPPED
from release_manager.engine.audit_chain import AuditVerdict
from release_manager.engine.promotion import PromotionPlan, PromotionResult
from release_manager.engine.release_status import (
    BuildStatus,
    EnvironmentStatus,
    WorkspaceStatus,
)
from release_manager.engine.stage_order import GRAPH_STATES, next_stage
from release_manager.engine.swap import SwapPlan
from release_manager.ui.releases.controller import ReleaseController
from release_manager.ui.releases.environment_strip import EnvironmentStrip
from release_manager.ui.releases.identity_bar import IdentityBar
from release_manager.ui.releases.promote_sheet import PromoteSheet
from release_manager.ui.releases.release_matrix import ReleaseMatrix
from release_manager.ui.releases.result_banner import ResultBanner
from release_manager.ui.releases.run_dialog import RunPipelineDialog
from release_manager.ui.releases.swap_dialog import SwapDialog, build_text
from release_manager.ui.releases.unsaved import BUILD_READS, act


class ReleasesDashboard(QWidget):
    """Enter on the builds presses the default button; it promotes only a build that went
    well."""

    def __init__(self, controller: ReleaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._wanted_plan: tuple[int, str, str] | None = None
        self._wanted_swap: str | None = None
        self.swap_dialog: SwapDialog | None = None
        self.sheet: PromoteSheet | None = None

        self.run_button = QPushButton("Run pipeline…")
        self.promote_button = QPushButton("Promote")
        self.redeploy_button = QPushButton("Redeploy")
        self.rollback_button = QPushButton("Roll back…")
        self.cancel_button = QPushButton("Cancel")
        self.log_button = QPushButton("Show log")
        self.identity_bar = IdentityBar(controller)

        tools = QHBoxLayout()
        for button in (self.run_button, self.promote_button, self.redeploy_button,
                       self.rollback_button, self.cancel_button, self.log_button):
            tools.addWidget(button)
        tools.addStretch(1)

        self.strip = EnvironmentStrip(fill_menu=self.fill_environment_menu)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progressLabel")
        self.progress_label.setWordWrap(True)
        self.approvals_label = QLabel()
        self.approvals_label.setStyleSheet("color: #e65100; font-weight: bold;")
        self.banner = ResultBanner()
        self.matrix = ReleaseMatrix()
        self.audit_warning = QLabel()
        self.audit_warning.setObjectName("auditWarning")
        self.audit_warning.setWordWrap(True)
        self.audit_warning.setTextFormat(Qt.TextFormat.PlainText)
        self.audit_warning.setStyleSheet(
            "background: #fdecea; color: #b71c1c; font-weight: bold; padding: 6px;")
        self.audit_warning.hide()

        board = QWidget()
        column = QVBoxLayout(board)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.audit_warning)
        status_row = QHBoxLayout()
        status_row.addWidget(self.progress_label, 1)
        status_row.addWidget(self.approvals_label)
        status_row.addSpacing(12)
        status_row.addWidget(self.identity_bar)
        column.addLayout(status_row)
        column.addLayout(tools)
        column.addWidget(self.strip)
        column.addWidget(self.banner)
        column.addWidget(self.matrix, 1)

        self.unavailable_label = QLabel()
        self.unavailable_label.setWordWrap(True)
        self.set_up_button = QPushButton("Set up releases here")
        away = QWidget()
        away_layout = QVBoxLayout(away)
        away_layout.addStretch(1)
        away_layout.addWidget(self.unavailable_label)
        away_layout.addWidget(self.set_up_button)
        away_layout.addStretch(2)
        self.pages = QStackedWidget()
        self.pages.addWidget(away)
        self.pages.addWidget(board)
        self.board = board
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.pages)

        self.run_button.clicked.connect(self.ask_run)
        self.promote_button.clicked.connect(self.ask_promote)
        self.redeploy_button.clicked.connect(self.ask_redeploy)
        self.rollback_button.clicked.connect(lambda: self.ask_rollback())
        self.cancel_button.clicked.connect(self.cancel_operation)
        self.log_button.clicked.connect(self.show_selected_log)
        self.matrix.installEventFilter(self)
        self.matrix.currentCellChanged.connect(lambda *_: self._update_buttons())
        self.matrix.cellDoubleClicked.connect(lambda *_: self.show_selected_log())
        self.set_up_button.clicked.connect(lambda: controller.open(create=True))
        controller.availabilityChanged.connect(self._show_availability)
        controller.statusChanged.connect(self.show_status)
        controller.operationStarted.connect(self._started)
        controller.operationFinished.connect(self._finished)
        controller.progress.connect(self._progress)
        controller.planReady.connect(self._plan_ready)
        controller.swapPlanReady.connect(self._swap_plan_ready)
        controller.problem.connect(lambda text: self.banner.show_text(text, "failed"))
        controller.auditChecked.connect(self._show_audit)
        self._show_availability(controller.unavailable)
        self._update_buttons()

    # ----------------------------------------------------------------- state shown

    def _show_availability(self, reason: str) -> None:
        self.unavailable_label.setText(reason)
        self.set_up_button.setVisible(bool(reason) and self.controller.can_set_up)
        self.pages.setCurrentWidget(self.board if not reason else self.pages.widget(0))

    def _show_audit(self, verdict: AuditVerdict) -> None:
        """A trail found tampered with stays in sight above the releases, never hidden."""
        summary = verdict.summary()
        self.audit_warning.setText(
            f"⚠ {summary[:1].upper()}{summary[1:]}.\n"
            "What this workspace's audit trail says cannot be trusted past that point; "
            "`release-manager audit --verify` lists every problem."
            if not verdict.intact else "")
        self.audit_warning.setToolTip("\n".join(verdict.problems))
        self.audit_warning.setVisible(not verdict.intact)

    def show_status(self, status: WorkspaceStatus) -> None:
        self.strip.set_status(status)
        self.matrix.set_status(status)
        if self.matrix.selected_build() is None and status.builds:
            self.matrix.select(status.builds[0].id)
        count = len(status.approvals)
        self.approvals_label.setText(
            f"◷ {count} approval{'s' if count != 1 else ''} pending" if count else "")
        self._update_buttons()

    def _started(self, title: str) -> None:
        self.progress_label.setText(f"▶ {title}…")
        self.banner.hide()
        self._update_buttons()

    def _progress(self, text: str) -> None:
        if not self.controller.cancelling:  # "Cancelling…" stays until it has ended
            self.progress_label.setText(text)

    def cancel_operation(self) -> None:
        """Stop the running operation: said at once; its end comes as its result."""
        if self.controller.cancel():
            self.progress_label.setText(f"■ Cancelling: {self.controller.operation}…")
            self._update_buttons()

    def _finished(self, result: PromotionResult) -> None:
        self.progress_label.setText("")
        self.banner.show_result(result)
        self._update_buttons()

    def next_stage(self) -> str | None:
        """Where the selected build goes next (None when nowhere)."""
        build = self.matrix.selected_build()
        if build is None:
            return None
        return next_stage(build, self.matrix.stages, self.controller.dependencies)

    def _selected_environment(self) -> str | None:
        selected = self._selected_environment_status()
        return selected.name if selected else None

    def _selected_environment_status(self) -> EnvironmentStatus | None:
        stage = self.matrix.selected_stage()
        status = self.controller.status
        if stage is None or status is None:
            return None
        return next((e for e in status.environments if e.stage == stage), None)

    def _unfinished_reason(self, build: BuildStatus, target: str) -> str:
        """Why `build` is not promoted to `target` by default: a stage it depends on did
        not go well ("" when all went well)."""
        for stage in self.controller.dependencies.get(target, []):
            cell = build.stages.get(stage)
            if cell is not None and GRAPH_STATES.get(cell.state) == "failed":
                return (f"Build {build.id} {cell.state} in {stage}: Enter does not promote it. "
                        f"Read its log; promoting it anyway runs {target} only if {target}'s "
                        "condition allows (the sheet shows it).")
        return ""

    def _live_build(self, environment: str | None) -> int | None:
        status = self.controller.status
        if environment is None or status is None:
            return None
        return next((e.current_build for e in status.environments if e.name == environment),
                    None)

    def _update_buttons(self) -> None:
        ready = self.controller.is_open and not self.controller.busy
        build = self.matrix.selected_build()
        target = self.next_stage()
        self.run_button.setEnabled(ready)
        self.promote_button.setEnabled(ready and target is not None)
        self.promote_button.setText(
            f"Promote #{build.id} to {target}" if build and target else "Promote")
        unfinished = self._unfinished_reason(build, target) if build and target else ""
        self.promote_button.setDefault(target is not None and not unfinished)
        self.promote_button.setStyleSheet(
            "font-weight: bold;" if self.promote_button.isDefault() else "")
        self.promote_button.setToolTip(
            unfinished if target or build is None else
            f"Build {build.id} has no next stage: it has been everywhere it can go")
        cell = self.matrix.selected_cell()
        environment = self._selected_environment()
        live = self._live_build(environment)
        redeploy_blocker = "" if cell is None or build is None else (
            f"{cell.stage} is still busy with build {build.id}"
            if cell.state in ("queued", "running", "waiting") else
            f"build {build.id} is what {environment} runs now" if live == build.id else "")
        self.redeploy_button.setEnabled(ready and cell is not None and not redeploy_blocker)
        self.redeploy_button.setToolTip(
            redeploy_blocker or "Deploy the selected build to the selected stage again")
        selected = self._selected_environment_status()
        self.rollback_button.setEnabled(ready and selected is not None
                                        and selected.rollback_to is not None)
        self.rollback_button.setToolTip(
            "Select a stage that deploys to an environment" if selected is None else
            f"Roll back to build {selected.rollback_to}: {selected.rollback_reason}"
            if selected.rollback_to is not None else
            f"Nothing to roll back to: {selected.rollback_reason}")
        self.rollback_button.setText(
            "Roll back…" if selected is None else
            f"Swap {selected.name} back…" if len(selected.slots) > 1 else  # a swap back
            f"Roll back {selected.name}…")
        self.cancel_button.setEnabled(self.controller.busy and not self.controller.cancelling)
        self.cancel_button.setToolTip(self.controller.cancel_reach)
        self.log_button.setEnabled(self.controller.is_open and cell is not None)

    def default_button(self) -> QPushButton | None:
        """The button Enter presses (None: Enter does nothing now)."""
        return self.promote_button if self.promote_button.isDefault() else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter on the builds presses the default button; from another widget (the
        identity field, a focused button) it does not."""
        if watched is self.matrix and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            button = self.default_button()
            if button is not None and button.isEnabled():
                button.click()
            return True
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- actions

    def ask_run(self) -> None:
        edits = self.controller.edits
        dialog = RunPipelineDialog(self.controller.branches, self,
                                   edits.unsaved_for_run() if edits is not None else None)
        dialog.accepted.connect(lambda: act(edits, dialog.save_first, lambda: (
            self.controller.run_pipeline(dialog.branch(), dialog.variable_values(),
                                         dialog.secret_values()))))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def ask_promote(self) -> None:
        build, stage = self.matrix.selected_build(), self.next_stage()
        if build is not None and stage is not None:
            self._ask_plan(build.id, stage, "Promote")

    def ask_redeploy(self) -> None:
        build, stage = self.matrix.selected_build(), self.matrix.selected_stage()
        if build is not None and stage is not None:
            self._ask_plan(build.id, stage, "Redeploy")

    def _ask_plan(self, build: int, stage: str, verb: str) -> None:
        self._wanted_plan = (build, stage, verb)
        self.progress_label.setText(f"Preparing: {verb.lower()} build {build} to {stage}…")
        self.controller.request_plan(build, stage)

    def _plan_ready(self, plan: PromotionPlan | str) -> None:
        wanted, self._wanted_plan = self._wanted_plan, None
        self.progress_label.setText("")
        if isinstance(plan, str):
            self.banner.show_text(f"The promotion cannot be prepared: {plan}", "refused")
            return
        if wanted is None or (plan.run.id, plan.stage) != wanted[:2]:
            return
        edits = self.controller.edits
        sheet = self.sheet = PromoteSheet(
            plan, wanted[2], self,
            edits.unsaved([plan.stage], BUILD_READS) if edits is not None else None)
        sheet.accepted.connect(lambda: act(
            edits, sheet.save_first, lambda: self.controller.promote(
                plan.run.id, plan.stage, swap=sheet.swap_wanted())))
        self.sheet.finished.connect(self.sheet.deleteLater)
        self.sheet.open()

    def ask_rollback(self, selected: EnvironmentStatus | None = None) -> None:
        """Confirm rolling back `selected` (default: the selected stage's environment);
        an environment whose slot swaps with another is swapped back."""
        selected = selected or self._selected_environment_status()
        if selected is None or selected.rollback_to is None:
            return
        environment = selected.name
        if len(selected.slots) > 1:  # the target's slot, then its swap partner
            slot, partner = selected.slots
            box = QMessageBox(
                QMessageBox.Icon.Question, "Swap back",
                f"Swap {environment} back: {partner.slot} goes back to "
                f"{build_text(selected.rollback_to)} (in slot {slot.slot} now), and "
                f"{build_text(partner.build)} goes to slot {slot.slot}?", parent=self)
            label = f"Swap back {environment}"
        else:
            box = QMessageBox(QMessageBox.Icon.Question, "Roll back",
                              f"Roll {environment} back from build #{selected.current_build} "
                              f"to build #{selected.rollback_to}?", parent=self)
            label = f"Roll back {environment}"
        box.setInformativeText(f"{selected.rollback_reason}.")
        box.setObjectName("rollbackConfirmation")
        confirm = box.addButton(label, QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # Enter keeps what runs now
        box.setEscapeButton(cancel)
        box.finished.connect(lambda _: box.clickedButton() is confirm
                             and self.controller.rollback(environment))
        box.finished.connect(box.deleteLater)
        box.open()

    # ----------------------------------------------------------------- App Service

    def fill_environment_menu(self, env: EnvironmentStatus, menu: QMenu) -> None:
        """The actions on `env` (its card's menu): swap, restart, stop, start its App
        Service slot, and roll back; each disabled, saying why, when it cannot be done."""
        ready = self.controller.is_open and not self.controller.busy
        busy = f"wait for {self.controller.operation} to end" if self.controller.busy else ""

        def add(text: str, slot: object, enabled: bool, tip: str) -> None:
            action = menu.addAction(text, slot)
            action.setEnabled(enabled)
            action.setToolTip(tip)

        if env.slots:
            mine = env.slots[0]
            partner = env.slots[1].slot if len(env.slots) > 1 else ""
            add(f"Swap slot {mine.slot} into {partner}…" if partner else "Swap…",
                lambda: self.ask_swap(env.name), ready and bool(partner),
                busy or ("Check the slot's health, then swap it with " + partner if partner
                         else f"{env.name}'s target has no slot to swap with (swapWith)"))
            for action, blocked in (("restart", mine.state == STOPPED and "it is stopped"),
                                    ("stop", mine.state == STOPPED and "it is stopped"),
                                    ("start", mine.state == RUNNING and "it is running")):
                add(f"{action.capitalize()} slot {mine.slot}…",
                    lambda action=action: self.ask_target_action(action, env.name),
                    ready and not blocked,
                    busy or (f"Nothing to {action}: {blocked}" if blocked else
                             f"{action.capitalize()} slot {mine.slot} of {mine.app}"))
            menu.addSeparator()
        elif env.slots_error:
            add("Slots cannot be read", lambda: None, False, env.slots_error)
            menu.addSeparator()
        swap_back = len(env.slots) > 1
        add(f"Swap {env.name} back…" if swap_back else f"Roll back {env.name}…",
            lambda: self.ask_rollback(env), ready and env.rollback_to is not None,
            busy or env.rollback_reason)

    def _environment(self, name: str) -> EnvironmentStatus | None:
        status = self.controller.status
        return next((e for e in status.environments if e.name == name), None) \
            if status is not None else None

    def ask_swap(self, environment: str) -> None:
        """Plan the swap (the slot's health checked) in a worker, then confirm it."""
        self._wanted_swap = environment
        self.progress_label.setText(f"Preparing: swap {environment} (checking the slot's "
                                    "health)…")
        self.controller.request_swap_plan(environment)

    def _swap_plan_ready(self, plan: SwapPlan | str) -> None:
        wanted, self._wanted_swap = self._wanted_swap, None
        self.progress_label.setText("")
        if isinstance(plan, str):
            self.banner.show_text(f"The swap cannot be prepared: {plan}", "refused")
            return
        if wanted != plan.environment:
            return
        dialog = self.swap_dialog = SwapDialog(plan, self)
        dialog.accepted.connect(lambda: self.controller.swap(plan))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def ask_target_action(self, action: str, environment: str) -> None:
        """Confirm restarting, stopping or starting `environment`'s slot."""
        env = self._environment(environment)
        if env is None or not env.slots:
            return
        slot = env.slots[0]
        verb = action.capitalize()
        box = QMessageBox(QMessageBox.Icon.Question, f"{verb} {environment}",
                          f"{verb} slot {slot.slot} of {slot.app} ({environment})?",
                          parent=self)
        box.setInformativeText(
            f"It is {slot.state.lower() or 'in an unknown state'} and serves "
            f"{build_text(slot.build)} at {slot.url}."
            + (" Stopped, it answers no requests until started." if action == "stop"
               else ""))
        box.setObjectName("targetActionConfirmation")
        confirm = box.addButton(f"{verb} {slot.slot}", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.finished.connect(lambda _: box.clickedButton() is confirm
                             and self.controller.act_on_target(action, environment))
        box.finished.connect(box.deleteLater)
        box.open()

    def show_selected_log(self) -> None:
        cell, build = self.matrix.selected_cell(), self.matrix.selected_build()
        if cell is not None and build is not None:
            self.controller.open_log(cell.stage_run_id, build.id, cell.stage)
