"""An environment's App Service slots in the window, used as a release manager would on
the demo workspace whose staging is the `staging` slot of the app, swapped into
production: the slots on the staging card (state, build, address, health, last
deployment), Swap… with the plan to confirm, a swap refused while the slot's health
check fails (its reason shown, no button to start it), swap back through Roll back,
stop / start / restart, a swap cancelled while it waits for the environment, the promote
sheet's swap step checked and unchecked, and a target that cannot be read shown on its
card alone. The builds are real pipeline runs of the demo."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import test_releases_window as window_tests
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox
from test_releases_window import TIMEOUT, finish, modal, ready

from release_manager.core.environments_file import save_environments
from release_manager.core.model import AppServiceTarget
from release_manager.engine.demo import create_demo, demo_environments
from release_manager.engine.locks import EnvironmentLock
from release_manager.engine.promotion import Promoter
from release_manager.engine.workspace import Workspace
from release_manager.ui.main_window import MainWindow
from release_manager.ui.releases.controller import ReleaseController
from release_manager.ui.releases.dashboard import ReleasesDashboard
from release_manager.ui.releases.environment_strip import EnvironmentCard
from release_manager.ui.releases.promote_sheet import PromoteSheet
from release_manager.ui.releases.swap_dialog import SwapDialog, SwapFacts

open_window, acting_as_lead = window_tests.open_window, window_tests.acting_as_lead


def slotted_demo(folder: Path, *, approval: bool = False, swap_with: str = "production",
                 through: tuple[str, ...] = ("Dev", "Test"), builds: int = 2) -> Path:
    """The demo (staging: slot staging of its app, swapped with `swap_with`; without its
    approval unless `approval`), `builds` real runs each promoted through `through`."""
    pipeline = create_demo(folder / "space-game")
    environments = demo_environments()
    staging = environments["staging"]
    environments["staging"] = replace(
        staging, approval=staging.approval if approval else None,
        app_service=AppServiceTarget(slot="staging", swap_with=swap_with))
    save_environments(pipeline.parent, environments)
    workspace = Workspace(pipeline.parent)
    promoter = Promoter(workspace)
    try:
        for _ in range(builds):
            run, results = promoter.run_pipeline("lead")
            assert [r.state for r in results] == ["succeeded"]
            for stage in through:
                done = promoter.promote(run.id, stage, "lead")
                assert done.state == "succeeded", done.message
    finally:
        workspace.backend.close()
    return pipeline


def card(dashboard: ReleasesDashboard, name: str = "staging") -> EnvironmentCard:
    return dashboard.strip.cards[name]


def slots_shown(dashboard: ReleasesDashboard) -> list[tuple[str, str, str, str]]:
    """Each slot row of the staging card as read: name, state, build, health."""
    view = card(dashboard).slots_view
    return [(row.name.text(), row.state.text(), row.build.text(), row.health.text())
            for row in view.rows if row.name.isVisibleTo(view)]


def choose(qtbot, target: EnvironmentCard, text: str) -> None:
    """Right-click the card and click the menu item that starts with `text`."""
    target.customContextMenuRequested.emit(QPoint(10, 10))
    menu = target.menu
    qtbot.waitUntil(menu.isVisible, timeout=TIMEOUT)
    action = next(a for a in menu.actions() if a.text().startswith(text))
    assert action.isEnabled(), action.toolTip()
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton,
                     pos=menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: not menu.isVisible(), timeout=TIMEOUT)


def menu_items(qtbot, target: EnvironmentCard) -> dict[str, bool]:
    """The card's menu as shown: each item and whether it can be clicked."""
    target.customContextMenuRequested.emit(QPoint(10, 10))
    qtbot.waitUntil(target.menu.isVisible, timeout=TIMEOUT)
    items = {a.text(): a.isEnabled() for a in target.menu.actions() if a.text()}
    target.menu.hide()
    return items


def confirm(qtbot, controller: ReleaseController, label: str):
    """Answer the confirmation that is open with its `label` button; the result."""
    box = modal(qtbot, QMessageBox)
    button = next(b for b in box.buttons() if b.text() == label)
    return box.text(), box.informativeText(), finish(
        qtbot, controller, lambda: qtbot.mouseClick(button, Qt.MouseButton.LeftButton))


def swap_dialog(qtbot, dashboard: ReleasesDashboard) -> SwapDialog:
    choose(qtbot, card(dashboard), "Swap slot staging into production")
    return modal(qtbot, SwapDialog)


def promote_sheet(qtbot, dashboard: ReleasesDashboard, build: int) -> PromoteSheet:
    dashboard.matrix.select(build)
    assert dashboard.promote_button.text() == f"Promote #{build} to Staging"
    qtbot.mouseClick(dashboard.promote_button, Qt.MouseButton.LeftButton)
    return modal(qtbot, PromoteSheet)


def log_text(window: MainWindow) -> str:
    return "\n".join(window.log_panel.view.lines())


class Opened(QObject):
    """Stands in for the desktop's browser: the addresses it was asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def browser():
    opened = Opened()
    QDesktopServices.setUrlHandler("http", opened, "open")
    yield opened
    QDesktopServices.unsetUrlHandler("http")


def test_deploy_to_the_slot_see_it_swap_it_promote_and_swap_then_swap_back(
        qtbot, open_window, tmp_path: Path, browser: Opened) -> None:
    window = open_window(slotted_demo(tmp_path))
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    dev = card(dashboard, "dev")
    qtbot.waitUntil(lambda: dev.isVisibleTo(dashboard), timeout=TIMEOUT)
    assert not dev.slots_view.isVisibleTo(dashboard)  # no target: no slots
    assert card(dashboard).slots_view.isVisibleTo(dashboard)

    sheet = promote_sheet(qtbot, dashboard, 1)
    [box] = sheet.swap_boxes
    assert box.text() == "then swap staging into production" and box.isEnabled()
    assert not box.isChecked()  # its own consent: unchecked, deploy only
    facts = sheet.findChild(SwapFacts)
    assert facts.live_label.text() == "no build in production"
    assert facts.next_label.text() == "build #1 (once deployed to slot staging and healthy)"
    deployed = finish(qtbot, controller, lambda: qtbot.mouseClick(
        sheet.confirm_button, Qt.MouseButton.LeftButton))
    assert deployed.state == "succeeded", deployed.message
    assert "the swap step of staging needs its own consent" in deployed.message
    assert slots_shown(dashboard) == [
        ("<b>staging</b>", "● running", "<b>#1</b>", "✔ healthy"),
        ("⇄ <b>production</b>", "● running", "—", "✘ unhealthy")]  # serves nothing yet
    [staging_row, production_row] = card(dashboard).slots_view.rows
    assert staging_row.health.toolTip().startswith("HTTP 200 from http://127.0.0.1:")
    assert staging_row.deployment.text().startswith("build 1 deployed ")
    staging_url = card(dashboard).slots_view.slots[0].url
    qtbot.mouseClick(staging_row.link, Qt.MouseButton.LeftButton,
                     pos=QPoint(6, staging_row.link.height() // 2))
    qtbot.waitUntil(lambda: bool(browser.urls), timeout=TIMEOUT)
    assert browser.urls == [staging_url]

    dialog = swap_dialog(qtbot, dashboard)
    assert dialog.facts.live_label.text() == "no build in production"
    assert dialog.facts.next_label.text() == "build #1 (now in slot staging)"
    assert dialog.facts.health_label.text().startswith("HTTP 200 from ")
    assert dialog.facts.rollback_label.text() == "none: production serves no build now"
    assert not dialog.refused_label.isVisibleTo(dialog)
    swapped = finish(qtbot, controller, lambda: qtbot.mouseClick(
        dialog.confirm_button, Qt.MouseButton.LeftButton))
    assert swapped.state == "succeeded", swapped.message
    assert "Done: staging swapped: production serves build 1 (was no build)" in \
        dashboard.banner.message_label.text()
    assert "Swapping slot staging with production" in log_text(window)
    assert [row[2] for row in slots_shown(dashboard)] == ["—", "<b>#1</b>"]

    sheet = promote_sheet(qtbot, dashboard, 2)
    [box] = sheet.swap_boxes
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked(), (box.isEnabled(), box.toolTip())
    promoted = finish(qtbot, controller, lambda: qtbot.mouseClick(
        sheet.confirm_button, Qt.MouseButton.LeftButton))
    assert promoted.state == "succeeded", promoted.message
    assert promoted.message.endswith("staging swapped: production serves build 2 (was "
                                     "build 1); slot staging holds build 1")
    assert [row[2] for row in slots_shown(dashboard)] == ["<b>#1</b>", "<b>#2</b>"]

    dashboard.matrix.select(2, "Staging")
    assert dashboard.rollback_button.text() == "Swap staging back…"
    qtbot.mouseClick(dashboard.rollback_button, Qt.MouseButton.LeftButton)
    text, why, back = confirm(qtbot, controller, "Swap back staging")
    assert text == ("Swap staging back: production goes back to build #1 (in slot staging "
                    "now), and build #2 goes to slot staging?")
    assert "a rollback swaps them back" in why
    assert back.state == "succeeded", back.message
    assert "staging swapped back: production serves build 1" in back.message
    assert [row[2] for row in slots_shown(dashboard)] == ["<b>#2</b>", "<b>#1</b>"]
    assert menu_items(qtbot, card(dashboard))["Swap staging back…"] is False  # once only
    trail = Workspace(window.path.parent).store.audit_trail()
    assert [row.action for row in trail if row.action.startswith("swap")] == [
        "swap", "swap", "swap back"]


def test_a_swap_is_refused_while_the_slot_is_unhealthy_then_stop_start_restart(
        qtbot, open_window, tmp_path: Path) -> None:
    window = open_window(slotted_demo(tmp_path, through=("Dev", "Test", "Staging"),
                                      builds=1))
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    assert menu_items(qtbot, card(dashboard))["Start slot staging…"] is False  # running

    choose(qtbot, card(dashboard), "Stop slot staging")
    text, said, stopped = confirm(qtbot, controller, "Stop staging")
    assert text == "Stop slot staging of staging (staging)?"
    assert said.startswith("It is running and serves build #1 at http://127.0.0.1:")
    assert stopped.state == "succeeded", stopped.message
    assert slots_shown(dashboard)[0] == ("<b>staging</b>", "■ stopped", "<b>#1</b>",
                                         "✘ unhealthy")
    assert "403" in card(dashboard).slots_view.rows[0].health.toolTip()
    items = menu_items(qtbot, card(dashboard))
    assert (items["Stop slot staging…"], items["Start slot staging…"]) == (False, True)

    dialog = swap_dialog(qtbot, dashboard)
    assert dialog.refused_label.isVisibleTo(dialog)
    assert dialog.refused_label.text().startswith(
        "Cannot swap now: the health check of slot staging failed: ")
    assert dialog.confirm_button is None  # no button starts a refused swap
    assert [b.text() for b in dialog.buttons.buttons()] == ["Close"]
    refused_plan = dialog.plan
    dialog.reject()
    # the engine refuses it too, whoever asks (it plans again under the lock)
    refused = finish(qtbot, controller, lambda: controller.swap(refused_plan))
    assert refused.state == "refused"
    assert "health check of slot staging failed" in dashboard.banner.message_label.text()
    assert [row[2] for row in slots_shown(dashboard)] == ["<b>#1</b>", "—"]

    choose(qtbot, card(dashboard), "Start slot staging")
    _, _, started = confirm(qtbot, controller, "Start staging")
    assert started.state == "succeeded", started.message
    assert slots_shown(dashboard)[0][1::2] == ("● running", "✔ healthy")

    choose(qtbot, card(dashboard), "Restart slot staging")
    _, _, restarted = confirm(qtbot, controller, "Restart staging")
    assert restarted.state == "succeeded", restarted.message
    assert "Restarting the site of staging (slot staging)" in log_text(window)
    assert dashboard.banner.message_label.text() == \
        "✔ Done: staging: slot staging of staging restarted"
    assert [row.action for row in Workspace(window.path.parent).store.audit_trail()
            if row.action in ("stop", "start", "restart", "swap refused")] == [
        "stop", "swap refused", "start", "restart"]


def test_a_swap_waiting_for_the_environment_is_cancelled_and_nothing_changes(
        qtbot, open_window, tmp_path: Path) -> None:
    window = open_window(slotted_demo(tmp_path, through=("Dev", "Test", "Staging"),
                                      builds=1))
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    dialog = swap_dialog(qtbot, dashboard)
    held = EnvironmentLock(Workspace(window.path.parent).locks_dir, "staging")
    assert held.acquire(wait=False)  # another change of staging is under way
    try:
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Waiting for the change of staging in progress" in
                        log_text(window), timeout=TIMEOUT)
        assert dashboard.cancel_button.isEnabled()
        assert "a swap only until it is sent" in dashboard.cancel_button.toolTip()
        result = finish(qtbot, controller, lambda: qtbot.mouseClick(
            dashboard.cancel_button, Qt.MouseButton.LeftButton))
    finally:
        held.release()
    assert result.state == "canceled"
    assert "nothing changed" in dashboard.banner.message_label.text()
    assert [row[2] for row in slots_shown(dashboard)] == ["<b>#1</b>", "—"]


def test_the_swap_step_cannot_be_consented_to_when_an_approval_comes_first(
        qtbot, open_window, tmp_path: Path) -> None:
    window = open_window(slotted_demo(tmp_path, approval=True, builds=1))
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    sheet = promote_sheet(qtbot, dashboard, 1)
    [box] = sheet.swap_boxes
    assert not box.isEnabled() and not sheet.swap_wanted()
    assert "the deployment waits for approval first" in box.toolTip()
    waiting = finish(qtbot, controller, lambda: qtbot.mouseClick(
        sheet.confirm_button, Qt.MouseButton.LeftButton))
    assert waiting.state == "waiting"
    assert [row[2] for row in slots_shown(dashboard)] == ["—", "—"]  # nothing deployed


def test_a_target_that_cannot_be_read_is_said_on_its_card_alone(
        qtbot, open_window, tmp_path: Path) -> None:
    window = open_window(slotted_demo(tmp_path, swap_with="blue", builds=1,
                                      through=("Dev", "Test", "Staging")))
    controller, panel = ready(qtbot, window)
    dashboard = panel.dashboard
    error = card(dashboard).slots_view.error_label
    qtbot.waitUntil(lambda: error.isVisibleTo(dashboard), timeout=TIMEOUT)  # a new card
    assert error.text() == "its slots cannot be read: staging has no slot blue (its " \
        "slots: production, staging); deploy to it first"
    assert "#1" in card(dashboard, "dev").build_label.text()
    assert "#1" in card(dashboard).build_label.text()
    items = menu_items(qtbot, card(dashboard))
    assert items["Slots cannot be read"] is False
