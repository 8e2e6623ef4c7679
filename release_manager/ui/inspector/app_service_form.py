"""The environment's App Service target: the app and slot its deployments go to, the slot
a healthy deployment is swapped into, the health check path; proposed from the
pipeline's deployment steps on request.

Each finished field is one undoable edit of the environment (through the editor, by the
environment form). A value Azure would refuse is said under its field, which keeps the
text to be corrected; nothing is changed until every field is acceptable (the rules are
core/app_service_rules.py's, the file reader's own).

Subscription, App and Slot are pickers: editable combo boxes (typing works as in a line)
offering, once signed in to Azure Resource Manager, the subscriptions (name and id), the
chosen subscription's web apps (with their resource groups) and the chosen app's slots,
listed in workers by the window's ArmListings (ui/arm_listings.py). Picking an app fills
its resource group too; a pick is one undoable edit, as typing is. Not signed in, a
"Sign in to list…" link asks the window to sign in; a listing that failed is said under
the fields, which keep what they hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from release_manager.core.app_service_proposal import Proposal
from release_manager.core.app_service_rules import target_refusals
from release_manager.core.model import PRODUCTION_SLOT, AppServiceTarget
from release_manager.engine.backend_errors import SignedOut
from release_manager.error_messages import user_message
from release_manager.ui.inspector.widgets import (
    ERROR_STYLE,
    NOTE_STYLE,
    compact,
    form_layout,
    note,
    set_checked,
    set_line,
    show_note,
)

if TYPE_CHECKING:
    from release_manager.engine.azure.arm import Subscription, WebApp
    from release_manager.ui.arm_listings import ArmListings

FIELDS = ("subscription", "resource_group", "app", "slot", "swap_with", "health_path")


class AppServiceForm(QWidget):
    """A check box and, while it is checked, the fields of the target the environment is
    mapped to (as the form's other checks show their details). `edited(target or None)`
    when the user changed it and every field is acceptable; `proposeRequested()` for the
    "Propose from pipeline" button."""

    edited = Signal(object)
    proposeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appServiceForm")
        self.mapped = QCheckBox("Deploy to an App Service app's slot", self)
        self.mapped.setToolTip(
            "Map the environment to an Azure App Service app's slot (locally: a slot folder "
            "of the environment): deployments go to the slot, and a healthy one can be "
            "swapped into production or another slot.")
        self.subscription_picker = self._picker(
            "subscription id (Azure only)", "The Azure subscription (id) the app belongs "
            "to: type it, or pick one of those you are signed in to.")
        self.subscription = self.subscription_picker.lineEdit()
        self.resource_group = self._line("Azure only", "The app's resource group.")
        self.app_picker = self._picker(
            "app name (Azure only)", "The App Service app (its name): type it, or pick "
            "one of the subscription's web apps (which fills its resource group).")
        self.app = self.app_picker.lineEdit()
        self.slot_picker = self._picker(PRODUCTION_SLOT, "The slot deployments go to; "
                                        "empty: production, the app itself.")
        self.slot = self.slot_picker.lineEdit()
        self.swap_with_picker = self._picker("none", "After a healthy deployment, swap the "
                                             "slot with this one (usually production); "
                                             "empty: no swap.")
        self.swap_with = self.swap_with_picker.lineEdit()
        self.health_path = self._line("the app's own, else /",
                                      "The path the health check asks, e.g. /health.")
        self.problems = {name: note(error=True) for name in FIELDS}
        for name, problem in self.problems.items():
            problem.setObjectName(f"{name}Problem")
        self.propose = QPushButton("Propose from pipeline", self)
        self.propose.setToolTip(
            "Fill the fields from the pipeline's App Service deployment steps to this "
            "environment (AzureWebApp@1, AzureRmWebAppDeployment@4).")
        self.proposal_note = note()
        self.proposal_note.setObjectName("proposalNote")
        self.listing = note()
        self.listing.setObjectName("listingNote")
        self.sign_in_link = QLabel('<a href="sign-in">Sign in to list…</a>', self)
        self.sign_in_link.setObjectName("armSignInLink")
        self.sign_in_link.setToolTip("Sign in to Azure Resource Manager to pick the "
                                     "subscription, app and slot from those Azure lists")
        self.sign_in_link.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.sign_in_link.hide()
        self.listings: ArmListings | None = None
        self._listed = False  # the subscriptions were asked for (this sign-in)
        self._apps_for = ""  # the subscription whose web apps are asked for or shown
        self._apps: list[WebApp] = []
        self._subscriptions: dict[str, str] = {}  # listed: id (lower case) → name

        self.fields = QWidget(self)  # shown while the box is checked
        form = form_layout()
        form.setContentsMargins(0, 0, 0, 0)
        for label, name, field in (
                ("Subscription", "subscription", self.subscription_picker),
                ("Resource group", "resource_group", self.resource_group),
                ("App", "app", self.app_picker), ("Slot", "slot", self.slot_picker),
                ("Swap with", "swap_with", self.swap_with_picker),
                ("Health path", "health_path", self.health_path)):
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(field)
            column.addWidget(self.problems[name])
            if name == "subscription":
                column.addWidget(self.sign_in_link)
                column.addWidget(self.listing)
            form.addRow(label, column)
        buttons = QHBoxLayout()
        buttons.addWidget(self.propose)
        buttons.addStretch(1)
        inner = QVBoxLayout(self.fields)
        inner.setContentsMargins(16, 0, 0, 0)
        inner.addLayout(form)
        inner.addLayout(buttons)
        inner.addWidget(self.proposal_note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mapped)
        layout.addWidget(self.fields)

        self.mapped.toggled.connect(self._toggled)
        self.propose.clicked.connect(self.proposeRequested)
        for name in FIELDS:
            getattr(self, name).editingFinished.connect(self._finished)
        self.subscription_picker.activated.connect(self._subscription_picked)
        self.app_picker.activated.connect(self._app_picked)
        self.slot_picker.activated.connect(self._finished)
        self.swap_with_picker.activated.connect(self._finished)
        self.sign_in_link.linkActivated.connect(self._ask_to_sign_in)

    def _line(self, placeholder: str, tip: str) -> QLineEdit:
        line = QLineEdit(self)
        line.setPlaceholderText(placeholder)
        line.setToolTip(tip)
        return line

    def _picker(self, placeholder: str, tip: str) -> QComboBox:
        """An editable combo box: a line to type in, and what Azure lists to pick from."""
        picker = compact(QComboBox(self), 16)
        picker.setEditable(True)
        picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        picker.lineEdit().setPlaceholderText(placeholder)
        picker.setToolTip(tip)
        return picker

    # ----------------------------------------------------------------- model → view

    def show_target(self, target: AppServiceTarget | None) -> None:
        """Show the environment's target (None: not mapped). A field whose refusal is
        shown keeps the user's text while the model has not changed under it."""
        set_checked(self.mapped, target is not None)
        self._show_fields(target is not None)
        shown = target or AppServiceTarget()
        for name in FIELDS:
            if not self.problems[name].isVisibleTo(self):
                set_line(getattr(self, name), _field_text(shown, name))
        for line in (self.subscription, self.app):
            if not line.hasFocus():
                line.home(False)  # a long id shows its start in a narrow dock
        self._follow()

    def show_proposal(self, proposal: Proposal) -> None:
        show_note(self.proposal_note, proposal.summary())

    def offer(self, target: AppServiceTarget) -> None:
        """Fill every field with `target`, then take it as if the user had typed it."""
        self.clear_problems()
        for name in FIELDS:
            set_line(getattr(self, name), _field_text(target, name))
        self._finished()

    def clear_problems(self) -> None:
        for problem in self.problems.values():
            show_note(problem, "")

    # ----------------------------------------------------------------- pickers

    def use_listings(self, listings: ArmListings | None) -> None:
        """List from `listings` (the window's; None: the fields are lines only)."""
        if listings is self.listings:
            return
        self.listings = listings
        if listings is not None:
            listings.changed.connect(self._sign_in_changed)
        self._sign_in_changed()

    def _sign_in_changed(self) -> None:
        self._listed, self._apps_for = False, ""
        self._follow()

    def _follow(self) -> None:
        """While the fields show: list the subscriptions (once), the chosen
        subscription's web apps (when it changed), and offer the chosen app's slots."""
        if self.listings is None:
            self.sign_in_link.hide()
            return
        if not self.mapped.isChecked():
            return  # (the link, the lists and what was said wait in the hidden fields)
        if not self._listed:
            self._listed = True
            self._say("Listing the subscriptions…")
            self.listings.subscriptions(self._show_subscriptions, self._listing_failed)
            return
        subscription = self.subscription.text().strip()
        if not subscription and self._apps_for:  # no subscription: no apps to offer
            self._apps_for, self._apps = "", []
            _fill(self.app_picker, [])
        elif subscription and subscription.lower() != self._apps_for.lower():
            self._apps_for = subscription
            self._say(f"Listing the web apps of {subscription}…")
            self.listings.web_apps(subscription, self._show_apps, self._listing_failed)
        self._offer_slots()

    def _show_subscriptions(self, subscriptions: list[Subscription]) -> None:
        _fill(self.subscription_picker,
              [(f"{sub.name} ({sub.id})", sub.id) for sub in subscriptions])
        self.sign_in_link.hide()
        self._subscriptions = {sub.id.lower(): sub.name for sub in subscriptions}
        self._say(self._subscription_name() if subscriptions
                  else "This sign-in sees no subscription.")
        self._follow()

    def _show_apps(self, listed: tuple[str, list[WebApp]]) -> None:
        subscription, apps = listed
        if subscription != self._apps_for:
            return  # another subscription was chosen meanwhile
        self._apps = apps
        _fill(self.app_picker, [(f"{app.name} ({app.resource_group})", app)
                                for app in apps])
        name = self._subscription_name()
        self._say(name if apps else f"{name or 'Subscription ' + subscription} has no web "
                  "app.")
        self._offer_slots()

    def _offer_slots(self) -> None:
        """The chosen app's slots and production, to pick from (for both slots)."""
        name, group = self.app.text().strip().lower(), self.resource_group.text().strip()
        app = next((app for app in self._apps if app.name.lower() == name
                    and (not group or app.resource_group.lower() == group.lower())), None)
        slots = [PRODUCTION_SLOT, *app.slots] if app is not None else []
        for picker in (self.slot_picker, self.swap_with_picker):
            _fill(picker, [(slot, slot) for slot in slots])

    def _listing_failed(self, error: BaseException) -> None:
        """Not signed in: the link to sign in. Else what failed, under the fields (asked
        again when the form is shown again, or once signed in)."""
        if isinstance(error, SignedOut):  # (signed out meanwhile: nothing left to pick)
            self._apps, self._subscriptions = [], {}
            for picker in (self.subscription_picker, self.app_picker, self.slot_picker,
                           self.swap_with_picker):
                _fill(picker, [])
            self._say("")
            self.sign_in_link.show()
        else:
            self._say(user_message(error), error=True)

    def _subscription_name(self) -> str:
        """The chosen subscription's name, when it is a listed one."""
        return self._subscriptions.get(self.subscription.text().strip().lower(), "")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.listing.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)
        show_note(self.listing, text)

    def _ask_to_sign_in(self) -> None:
        if self.listings is not None:
            self.listings.request_sign_in()

    def _subscription_picked(self, index: int) -> None:
        set_line(self.subscription, self.subscription_picker.itemData(index))
        self._finished()

    def _app_picked(self, index: int) -> None:
        app: WebApp = self.app_picker.itemData(index)
        set_line(self.app, app.name)
        set_line(self.resource_group, app.resource_group)
        self._finished()

    def _take_listed_texts(self) -> None:
        """A listed item's text typed whole (or completed) stands for the item: the
        subscription's id; the app's name and resource group."""
        index = self.subscription_picker.findText(self.subscription.text(),
                                                  Qt.MatchFlag.MatchExactly)
        if index >= 0:
            set_line(self.subscription, self.subscription_picker.itemData(index))
        index = self.app_picker.findText(self.app.text(), Qt.MatchFlag.MatchExactly)
        if index >= 0:
            app: WebApp = self.app_picker.itemData(index)
            set_line(self.app, app.name)
            set_line(self.resource_group, app.resource_group)

    # ----------------------------------------------------------------- view → model

    def target_from_view(self) -> AppServiceTarget:
        values = {name: getattr(self, name).text().strip() for name in FIELDS}
        values["slot"] = values["slot"] or PRODUCTION_SLOT
        return AppServiceTarget(**values)

    def _refused(self, target: AppServiceTarget) -> bool:
        """Show each field's refusal (clearing the others); True when there is one."""
        refusals = target_refusals(target)
        for name, problem in self.problems.items():
            why = refusals.get(name, "")
            show_note(problem, why[:1].upper() + why[1:])
        return bool(refusals)

    def _finished(self) -> None:
        self._take_listed_texts()
        target = self.target_from_view()
        if self.mapped.isChecked() and not self._refused(target):
            self.edited.emit(target)
        self._follow()

    def _show_fields(self, on: bool) -> None:
        self.fields.setVisible(on)
        self.updateGeometry()  # also while not shown yet: the form is sized without them

    def _toggled(self, on: bool) -> None:
        self._show_fields(on)
        if not on:
            self.clear_problems()
            self.edited.emit(None)
        elif not self._refused(self.target_from_view()):
            self.edited.emit(self.target_from_view())
        self._follow()


def _field_text(target: AppServiceTarget, name: str) -> str:
    """A field's text: the production slot shows as the slot field's placeholder."""
    value = getattr(target, name)
    return "" if name == "slot" and value == PRODUCTION_SLOT else value


def _fill(picker: QComboBox, items: list[tuple[str, Any]]) -> None:
    """Offer `items` (text, value) in `picker`, keeping the text typed in it."""
    if [picker.itemText(i) for i in range(picker.count())] == [text for text, _ in items]:
        return
    text = picker.lineEdit().text()
    picker.blockSignals(True)
    picker.clear()
    for label, value in items:
        picker.addItem(label, value)
    picker.setCurrentIndex(-1)
    picker.lineEdit().setText(text)
    picker.blockSignals(False)
    view = picker.view()  # the list may be wider than the field in a narrow dock
    view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth() + 24
                         if items else 0)
