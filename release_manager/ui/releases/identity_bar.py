"""Who acts, in the dashboard's status row. On this machine that is the person at it (the
OS user, or RELEASE_MANAGER_USER): shown, not chosen. Only the demo workspace, whose team
is made up, offers a switch, labelled as the demo feature it is, and while acting as
someone else a badge says so."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from release_manager.ui.releases.controller import ReleaseController

BADGE_STYLE = ("background: #e65100; color: white; font-weight: bold; "
               "border-radius: 3px; padding: 1px 6px;")


class IdentityBar(QWidget):
    def __init__(self, controller: ReleaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.name_label = QLabel()
        self.name_label.setObjectName("actingAs")
        self.switch_label = QLabel("Demo: act as")
        self.switch = QComboBox()
        self.switch.setObjectName("demoIdentitySwitch")
        self.switch.setToolTip("The demo workspace's team is made up: act as one of its "
                               "members to try approvals on your own")
        self.badge = QLabel()
        self.badge.setObjectName("actingAsBadge")
        self.badge.setStyleSheet(BADGE_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.name_label, self.switch_label, self.switch, self.badge):
            layout.addWidget(widget)
        self.switch.activated.connect(
            lambda _: controller.set_identity(self.switch.currentText()))
        controller.identityChanged.connect(self.show_identity)
        self.show_identity(controller.identity)

    def show_identity(self, name: str) -> None:
        controller = self.controller
        demo = controller.demo
        names = controller.identities
        if demo and [self.switch.itemText(i) for i in range(self.switch.count())] != names:
            self.switch.clear()
            self.switch.addItems(names)
        self.switch.setCurrentText(name)
        self.name_label.setText(f"Acting as: {name}")
        workspace = controller.workspace
        self.name_label.setToolTip(
            "Who you act as: the user signed in to Azure DevOps, as whom the service "
            "decides approvals." if workspace is not None and workspace.connected else
            "Who you act as: your user on this machine (or RELEASE_MANAGER_USER). "
            "Approvals and the audit trail record it.")
        self.name_label.setVisible(not demo)
        self.switch_label.setVisible(demo)
        self.switch.setVisible(demo)
        self.badge.setText(f"Acting as {name} (demo)")
        self.badge.setVisible(demo and name != controller.person)
