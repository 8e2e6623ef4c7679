"""Builds (rows, newest first) × stages (columns): what each build did in each stage, and
which build each environment runs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from release_manager.engine.release_status import (
    BuildStatus,
    EnvironmentStatus,
    StageCell,
    WorkspaceStatus,
)
from release_manager.ui.releases.look import BEHIND, ago, colour, symbol, tint

BUILD_COLUMN = 0


class ReleaseMatrix(QTableWidget):
    def __init__(self) -> None:
        super().__init__(0, 1)
        self.setObjectName("releaseMatrix")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(90)
        self.status: WorkspaceStatus | None = None
        self.builds: list[BuildStatus] = []
        self.stages: list[str] = []

    # ----------------------------------------------------------------- filling

    def set_status(self, status: WorkspaceStatus) -> None:
        """Show `status`, keeping the selected build and stage."""
        build, stage = self.selected_build(), self.selected_stage()
        self.status = status
        self.builds, self.stages = status.builds, status.stages
        environments = {e.stage: e for e in status.environments}
        self.setColumnCount(1 + len(self.stages))
        self.setRowCount(len(self.builds))
        self.setHorizontalHeaderItem(BUILD_COLUMN, QTableWidgetItem("Run"))
        for column, name in enumerate(self.stages, start=1):
            self.setHorizontalHeaderItem(column, _header(name, environments.get(name)))
        for row, build_status in enumerate(self.builds):
            self.setItem(row, BUILD_COLUMN, _build_item(build_status))
            for column, name in enumerate(self.stages, start=1):
                self.setItem(row, column, _cell_item(
                    build_status, build_status.stages.get(name), environments.get(name)))
        self.horizontalHeader().setSectionResizeMode(
            BUILD_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.resizeRowsToContents()
        if build is not None:
            self.select(build, stage)

    def select(self, build: int, stage: str | None = None) -> bool:
        """Select `build`'s row (at `stage`'s column when given)."""
        row = next((r for r, b in enumerate(self.builds) if b.id == build), None)
        if row is None:
            return False
        column = self.stages.index(stage) + 1 if stage in self.stages else BUILD_COLUMN
        self.setCurrentCell(row, column)
        return True

    # ----------------------------------------------------------------- reading

    def selected_build(self) -> BuildStatus | None:
        row = self.currentRow()
        return self.builds[row] if 0 <= row < len(self.builds) else None

    def selected_stage(self) -> str | None:
        column = self.currentColumn()
        return self.stages[column - 1] if 1 <= column <= len(self.stages) else None

    def selected_cell(self) -> StageCell | None:
        build, stage = self.selected_build(), self.selected_stage()
        return build.stages.get(stage) if build and stage else None

    def cell_text(self, build: int, stage: str) -> str:
        """What the cell of `build` at `stage` shows."""
        row = next(r for r, b in enumerate(self.builds) if b.id == build)
        return self.item(row, self.stages.index(stage) + 1).text()


def _header(stage: str, environment: EnvironmentStatus | None) -> QTableWidgetItem:
    if environment is None:
        return QTableWidgetItem(stage)
    item = QTableWidgetItem(f"{stage}\n→ {environment.name}")
    if environment.behind:
        item.setText(f"{item.text()}\n⚠ behind")
        item.setForeground(QBrush(QColor(BEHIND)))
        item.setToolTip(f"{environment.name} runs an older build than its upstream "
                        f"environment ({', '.join(environment.upstream)})")
    return item


def _build_item(build: BuildStatus) -> QTableWidgetItem:
    branch = build.branch.removeprefix("refs/heads/")
    item = QTableWidgetItem(f"#{build.id}  {branch}\n{build.commit[:7]} · {build.requested_by}"
                            f" · {ago(build.created_at)}")
    font = item.font()
    font.setWeight(QFont.Weight.DemiBold)
    item.setFont(font)
    item.setToolTip(f"Build {build.id}: {build.reason} run of {build.branch} at "
                    f"{build.commit}, queued by {build.requested_by} at {build.created_at}")
    return item


def _cell_item(build: BuildStatus, cell: StageCell | None,
               environment: EnvironmentStatus | None) -> QTableWidgetItem:
    if cell is None:
        item = QTableWidgetItem("")
        item.setToolTip(f"Build {build.id} has not been to this stage")
        return item
    lines = [f"{symbol(cell.state)} {cell.state}"]
    live = environment is not None and environment.current_build == build.id
    if live:
        lines.append(f"● live in {environment.name}")
    item = QTableWidgetItem("\n".join(lines))
    item.setForeground(QBrush(colour(cell.state)))
    item.setBackground(QBrush(tint(cell.state, 70 if live else 30)))
    if live:
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    item.setToolTip(cell.message or cell.state)
    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    if environment is not None and environment.behind and live:
        item.setToolTip(f"{item.toolTip()}\n{environment.name} is behind its upstream")
    return item
