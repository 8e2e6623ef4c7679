"""The releases dashboard: environments on top, builds × stages below, and the buttons a
release manager uses: run, promote, redeploy, roll back, cancel."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from release_manager.engine.promotion import PromotionPlan, PromotionResult
from release_manager.engine.release_status import WorkspaceStatus
from release_manager.ui.releases.controller import ReleaseController
from release_manager.ui.releases.environment_strip import EnvironmentStrip
from release_manager.ui.releases.identity_bar import IdentityBar
from release_manager.ui.releases.promote_sheet import PromoteSheet
from release_manager.ui.releases.release_matrix import ReleaseMatrix
from release_manager.ui.releases.result_banner import ResultBanner
from release_manager.ui.releases.run_dialog import RunPipelineDialog
from release_manager.ui.releases.stage_order import next_stage
from release_manager.ui.releases.unsaved import act


class ReleasesDashboard(QWidget):
    def __init__(self, controller: ReleaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._wanted_plan: tuple[int, str, str] | None = None
        self.sheet: PromoteSheet | None = None

        self.run_button = QPushButton("Run pipeline…")
        self.promote_button = QPushButton("Promote")
        self.redeploy_button = QPushButton("Redeploy")
        self.rollback_button = QPushButton("Roll back…")
        self.cancel_button = QPushButton("Cancel")
        self.log_button = QPushButton("Show log")
        self.identity_bar = IdentityBar(controller)
        self.promote_button.setDefault(True)
        self.promote_button.setStyleSheet("font-weight: bold;")

        tools = QHBoxLayout()
        for button in (self.run_button, self.promote_button, self.redeploy_button,
                       self.rollback_button, self.cancel_button, self.log_button):
            tools.addWidget(button)
        tools.addStretch(1)

        self.strip = EnvironmentStrip()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progressLabel")
        self.progress_label.setWordWrap(True)
        self.approvals_label = QLabel()
        self.approvals_label.setStyleSheet("color: #e65100; font-weight: bold;")
        self.banner = ResultBanner()
        self.matrix = ReleaseMatrix()

        board = QWidget()
        column = QVBoxLayout(board)
        column.setContentsMargins(0, 0, 0, 0)
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
        self.rollback_button.clicked.connect(self.ask_rollback)
        self.cancel_button.clicked.connect(controller.cancel)
        self.log_button.clicked.connect(self.show_selected_log)
        self.matrix.currentCellChanged.connect(lambda *_: self._update_buttons())
        self.matrix.cellDoubleClicked.connect(lambda *_: self.show_selected_log())
        self.set_up_button.clicked.connect(lambda: controller.open(create=True))
        controller.availabilityChanged.connect(self._show_availability)
        controller.statusChanged.connect(self.show_status)
        controller.operationStarted.connect(self._started)
        controller.operationFinished.connect(self._finished)
        controller.progress.connect(self.progress_label.setText)
        controller.planReady.connect(self._plan_ready)
        controller.problem.connect(lambda text: self.banner.show_text(text, "failed"))
        self._show_availability(controller.unavailable)
        self._update_buttons()

    # ----------------------------------------------------------------- state shown

    def _show_availability(self, reason: str) -> None:
        self.unavailable_label.setText(reason)
        self.set_up_button.setVisible(bool(reason) and self.controller.can_set_up)
        self.pages.setCurrentWidget(self.board if not reason else self.pages.widget(0))

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
        stage = self.matrix.selected_stage()
        status = self.controller.status
        if stage is None or status is None:
            return None
        return next((e.name for e in status.environments if e.stage == stage), None)

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
        self.promote_button.setToolTip(
            "" if target or build is None else
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
        self.rollback_button.setEnabled(ready and environment is not None)
        self.rollback_button.setText(f"Roll back {environment}…" if environment
                                     else "Roll back…")
        self.cancel_button.setEnabled(self.controller.busy)
        self.log_button.setEnabled(self.controller.is_open and cell is not None)

    # ----------------------------------------------------------------- actions

    def ask_run(self) -> None:
        edits = self.controller.edits
        dialog = RunPipelineDialog(self.controller.branches, self,
                                   edits.unsaved_for_run() if edits is not None else None)
        dialog.accepted.connect(lambda: act(edits, dialog.save_first, lambda: (
            self.controller.run_pipeline(dialog.branch(), dialog.variable_values()))))
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
            plan, wanted[2], self, edits.unsaved([plan.stage]) if edits is not None else None)
        sheet.accepted.connect(lambda: act(
            edits, sheet.save_first, lambda: self.controller.promote(plan.run.id, plan.stage)))
        self.sheet.finished.connect(self.sheet.deleteLater)
        self.sheet.open()

    def ask_rollback(self) -> None:
        environment = self._selected_environment()
        if environment is None:
            return
        current = self._live_build(environment)
        box = QMessageBox(QMessageBox.Icon.Question, "Roll back",
                          f"Roll {environment} back from "
                          f"{f'build #{current}' if current else 'its current release'} "
                          "to its previous good release?", parent=self)
        box.setObjectName("rollbackConfirmation")
        confirm = box.addButton(f"Roll back {environment}", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _: box.clickedButton() is confirm
                             and self.controller.rollback(environment))
        box.finished.connect(box.deleteLater)
        box.open()

    def show_selected_log(self) -> None:
        cell = self.matrix.selected_cell()
        if cell is not None:
            self.controller.open_log(cell.stage_run_id)
