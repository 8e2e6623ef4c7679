"""A card per environment, in pipeline order: the build it runs, its commit, when and by
whom, the last deployment's state, a badge when it is behind its upstream, its App
Service slots (slots_view.py) and its actions (a menu on the card and its ⋯ button,
filled when it opens by whoever set `fill_menu`: the dashboard)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from release_manager.engine.release_status import EnvironmentStatus, WorkspaceStatus
from release_manager.ui.releases.look import BEHIND, ago, colour, symbol
from release_manager.ui.releases.slots_view import SlotsView

MenuFiller = Callable[[EnvironmentStatus, QMenu], None]

ACTIVE_WORDS = {"waiting": "waits for approval", "running": "deploying now",
                "queued": "queued"}


class EnvironmentCard(QFrame):
    def __init__(self, parent: QWidget | None = None,
                 fill_menu: MenuFiller | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("environmentCard")
        self.environment: EnvironmentStatus | None = None
        self.menu = QMenu(self)
        self.menu.setToolTipsVisible(True)
        self.menu.aboutToShow.connect(self._fill_menu)
        self._fill = fill_menu
        self.actions_button = QToolButton()
        self.actions_button.setText("⋯")
        self.actions_button.setAutoRaise(True)
        self.actions_button.setToolTip("Actions on this environment")
        self.actions_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.actions_button.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        self.actions_button.setMenu(self.menu)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(
            lambda at: self.menu.popup(self.mapToGlobal(QPoint(at))))
        self.name_label = QLabel()
        self.build_label = QLabel()
        self.detail_label = QLabel()
        self.state_label = QLabel()
        self.behind_label = QLabel()
        self.behind_label.setStyleSheet(
            f"color: white; background: {BEHIND}; border-radius: 3px; padding: 0 4px;")
        top = QHBoxLayout()
        top.addWidget(self.name_label)
        top.addStretch(1)
        top.addWidget(self.behind_label)
        top.addWidget(self.actions_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addLayout(top)
        self.active_label = QLabel()
        self.slots_view = SlotsView()
        for label in (self.build_label, self.detail_label, self.state_label,
                      self.active_label, self.slots_view):
            layout.addWidget(label)
        layout.addStretch(1)

    def _fill_menu(self) -> None:
        self.menu.clear()
        if self._fill is not None and self.environment is not None:
            self._fill(self.environment, self.menu)

    def show_environment(self, env: EnvironmentStatus,
                         active: tuple[int, str] | None = None) -> None:
        """`active`: a build on its way into this environment and its state (running,
        queued or waiting)."""
        self.environment = env
        stage = "" if env.stage.casefold() == env.name.casefold() else \
            f" <small>({env.stage})</small>"
        self.name_label.setText(f"<b>{env.name.upper()}</b>{stage}")
        if env.current_build is None:
            self.build_label.setText("<span style='font-size:15pt'>—</span> nothing deployed")
            self.detail_label.setText("")
        else:
            self.build_label.setText(f"<span style='font-size:15pt'><b>#{env.current_build}"
                                     f"</b></span>")
            self.detail_label.setText(f"{env.commit[:7]} · {ago(env.deployed_at)} · "
                                      f"by {env.deployed_by}")
        state = env.last_state
        shown = colour(state)
        self.state_label.setText(f"{symbol(state)} last deployment {state}" if state else "")
        self.state_label.setStyleSheet(f"color: {shown.name()};" if shown.isValid() else "")
        self.state_label.setToolTip(env.last_message)
        if active is None:
            self.active_label.setText("")
        else:
            build, active_state = active
            self.active_label.setText(
                f"{symbol(active_state)} #{build} {ACTIVE_WORDS[active_state]}")
            self.active_label.setStyleSheet(f"color: {colour(active_state).name()};"
                                            " font-weight: bold;")
        self.active_label.setVisible(active is not None)
        self.slots_view.show_slots(env.slots, env.slots_error)
        self.behind_label.setVisible(env.behind)
        self.behind_label.setText("behind")
        tip = (f"{env.name} runs an older build than its upstream "
               f"({', '.join(env.upstream)}): promote the newer build") if env.behind else ""
        self.behind_label.setToolTip(tip)
        self.setToolTip(tip)
        accent = BEHIND if env.behind else (shown.name() if shown.isValid() else "palette(mid)")
        self.setStyleSheet(f"#environmentCard {{ border: 1px solid palette(mid); "
                           f"border-left: 4px solid {accent}; border-radius: 4px; }}")


class EnvironmentStrip(QWidget):
    def __init__(self, parent: QWidget | None = None,
                 fill_menu: MenuFiller | None = None) -> None:
        super().__init__(parent)
        self.fill_menu = fill_menu
        self.cards: dict[str, EnvironmentCard] = {}
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_status(self, status: WorkspaceStatus) -> None:
        environments = status.environments
        names = [env.name for env in environments]
        if names != list(self.cards):
            for card in self.cards.values():
                card.setParent(None)
                card.deleteLater()
            self.cards = {name: EnvironmentCard(self, self.fill_menu) for name in names}
            for card in self.cards.values():
                self._layout.addWidget(card, 1)
        for env in environments:
            active = next(((build.id, cell.state) for build in status.builds
                           if (cell := build.stages.get(env.stage)) is not None
                           and cell.state in ACTIVE_WORDS), None)
            self.cards[env.name].show_environment(env, active)
