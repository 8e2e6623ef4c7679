"""The environment's App Service target in the inspector, as a user fills it: typed field by
field (each one undoable edit), refused inline where Azure would refuse it, proposed from
the pipeline, saved into a hand-kept environments.yml changing only its lines."""

from __future__ import annotations

import difflib
from pathlib import Path

from inspector_helpers import SPACEGAME, open_panel, select
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit

from release_manager.core.environments_file import environments_path, load_environments
from release_manager.core.model import AppServiceTarget
from release_manager.core.pipeline_yaml import load
from release_manager.ui.editor import PipelineEditor
from release_manager.ui.inspector.app_service_form import AppServiceForm
from release_manager.ui.inspector.panel import InspectorPanel

STEP = """\
          - task: AzureWebApp@1
            displayName: 'Deploy to the staging slot'
            inputs:
              azureSubscription: 'Space Game'
              appName: '$(webAppName)'
              deployToSlotOrASE: true
              resourceGroupName: rg-spacegame
              slotName: staging
"""
UPLOAD = """\
          - script: ./scripts/upload.sh '$(Pipeline.Workspace)/site' staging
            displayName: 'Upload the site'
"""
HAND_KEPT = """\
# Kept by the release team: keep these comments.
version: 1
environments:
  # dev: anyone deploys
  dev:
    exclusiveLock: true   # one at a time
  staging:
    appService:
      subscription: 00000000-0000-0000-0000-000000000000   # Space Game
      resourceGroup: rg-spacegame
      app: spacegame-web
      slot: staging        # deployments land here
      swapWith: production
# end
""".replace("\n", "\r\n")


def app_service_pipeline(tmp_path: Path, steps: str = STEP) -> Path:
    """Space Game whose Staging deploys with AzureWebApp@1, its app named by a variable."""
    text = SPACEGAME.read_text().replace(UPLOAD, steps).replace(
        "  nodeVersion: '20.x'\n", "  nodeVersion: '20.x'\n  webAppName: 'spacegame-web'\n")
    path = tmp_path / "source" / "azure-pipelines.yml"
    path.parent.mkdir()
    path.write_text(text)
    (tmp_path / "ws").mkdir()
    return path


def check_group(qtbot, group: AppServiceForm) -> None:
    qtbot.mouseClick(group.mapped, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, group.mapped.height() // 2))  # on its box


def type_into(qtbot, line: QLineEdit, text: str) -> None:
    """Replace the field's text as a user does (select all, type) and press Return."""
    line.setFocus()
    line.selectAll()
    if text:
        qtbot.keyClicks(line, text)
    else:
        qtbot.keyClick(line, Qt.Key.Key_Delete)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def target(panel: InspectorPanel, environment: str = "staging") -> AppServiceTarget | None:
    found = panel.editor.pipeline.environments.get(environment)
    return found.app_service if found else None


def test_a_target_typed_field_by_field_is_undone_redone_saved_and_reopened(
        qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Staging")
    group = panel.environment.app_service
    assert not group.mapped.isChecked() and not group.fields.isVisible()
    stack = panel.editor.undo_stack

    check_group(qtbot, group)
    assert group.fields.isVisible()
    assert target(panel) == AppServiceTarget()  # mapped: the production slot
    type_into(qtbot, group.subscription, "00000000-0000-0000-0000-000000000000")
    type_into(qtbot, group.resource_group, "rg-spacegame")
    type_into(qtbot, group.app, "spacegame-web")
    type_into(qtbot, group.slot, "staging")
    type_into(qtbot, group.swap_with, "production")
    type_into(qtbot, group.health_path, "/health")

    expected = AppServiceTarget("00000000-0000-0000-0000-000000000000", "rg-spacegame",
                                "spacegame-web", "staging", "production", "/health")
    assert target(panel) == expected
    assert stack.count() == 7  # the check box and one per field
    stack.undo()
    assert target(panel).health_path == "" and group.health_path.text() == ""
    stack.redo()
    assert group.health_path.text() == "/health"
    check_group(qtbot, group)  # unmapped: one edit, undone like any other
    assert target(panel) is None and not group.fields.isVisible()
    stack.undo()
    assert target(panel) == expected and group.app.text() == "spacegame-web"

    panel.editor.save()
    assert load_environments(tmp_path)["staging"].app_service == expected
    assert "    appService:\n      subscription: 00000000-0000-0000-0000-000000000000\n" \
        in environments_path(tmp_path).read_text()

    reopened = InspectorPanel(PipelineEditor(load(tmp_path / "azure-pipelines.yml")))
    qtbot.addWidget(reopened, before_close_func=lambda _: reopened.editor.undo_stack.clear())
    select(reopened, "Staging")
    shown = reopened.environment.app_service
    assert shown.mapped.isChecked()
    assert [shown.app.text(), shown.slot.text(), shown.swap_with.text()] == [
        "spacegame-web", "staging", "production"]


def test_values_azure_would_refuse_are_said_under_their_field_and_kept(
        qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Staging")
    group = panel.environment.app_service
    check_group(qtbot, group)
    commands = panel.editor.undo_stack.count()

    type_into(qtbot, group.slot, "blue_green")
    assert group.problems["slot"].isVisible()
    assert "'blue_green' is not a slot name Azure accepts" in group.problems["slot"].text()
    assert group.slot.text() == "blue_green"  # kept, to be corrected
    assert target(panel).slot == "production" and panel.editor.undo_stack.count() == commands

    type_into(qtbot, group.slot, "blue")
    type_into(qtbot, group.swap_with, "Blue")
    assert "cannot swap with itself" in group.problems["swap_with"].text()
    assert not group.problems["slot"].isVisible()
    type_into(qtbot, group.health_path, "health")
    assert group.problems["health_path"].text().startswith(
        'The health check path must start with "/"')

    type_into(qtbot, group.swap_with, "")
    type_into(qtbot, group.health_path, "/health")
    assert not any(problem.isVisible() for problem in group.problems.values())
    assert target(panel) == AppServiceTarget(slot="blue", health_path="/health")


def test_propose_from_pipeline_fills_what_the_deployment_step_says_in_one_edit(
        qtbot, tmp_path: Path) -> None:
    panel = open_panel(qtbot, tmp_path / "ws", source=app_service_pipeline(tmp_path))
    select(panel, "Staging")
    group = panel.environment.app_service
    check_group(qtbot, group)
    type_into(qtbot, group.health_path, "/health")
    commands = panel.editor.undo_stack.count()

    qtbot.mouseClick(group.propose, Qt.MouseButton.LeftButton)

    assert target(panel) == AppServiceTarget(resource_group="rg-spacegame",
                                             app="spacegame-web", slot="staging",
                                             health_path="/health")
    assert [group.resource_group.text(), group.app.text(), group.slot.text()] == [
        "rg-spacegame", "spacegame-web", "staging"]
    assert panel.editor.undo_stack.count() == commands + 1
    note = group.proposal_note.text()
    assert "Proposed from Staging ▸ Deploy ▸ AzureWebApp@1." in note
    assert "service connection 'Space Game'" in note and group.proposal_note.isVisible()

    panel.editor.undo_stack.undo()
    assert target(panel) == AppServiceTarget(health_path="/health")
    assert group.app.text() == ""


def test_propose_with_two_apps_for_the_environment_changes_nothing_and_says_why(
        qtbot, tmp_path: Path) -> None:
    two = STEP + STEP.replace("$(webAppName)", "spacegame-other")
    panel = open_panel(qtbot, tmp_path / "ws", source=app_service_pipeline(tmp_path, two))
    select(panel, "Staging")
    group = panel.environment.app_service
    check_group(qtbot, group)
    commands = panel.editor.undo_stack.count()

    qtbot.mouseClick(group.propose, Qt.MouseButton.LeftButton)

    assert "name different apps or slots, so none is proposed" in group.proposal_note.text()
    assert "spacegame-other" in group.proposal_note.text()
    assert panel.editor.undo_stack.count() == commands and target(panel) == AppServiceTarget()


def test_saving_a_changed_target_rewrites_only_its_lines_of_a_hand_kept_file(
        qtbot, tmp_path: Path) -> None:
    path = environments_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(HAND_KEPT.encode())
    panel = open_panel(qtbot, tmp_path)
    select(panel, "Staging")
    group = panel.environment.app_service
    assert group.app.text() == "spacegame-web"

    type_into(qtbot, group.slot, "blue")
    type_into(qtbot, group.health_path, "/health")
    panel.editor.save()

    after = path.read_bytes().decode()
    diff = [line for line in difflib.unified_diff(HAND_KEPT.splitlines(keepends=True),
                                                  after.splitlines(keepends=True), n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert diff == ["-      slot: staging        # deployments land here\r\n",
                    "+      slot: blue\r\n",
                    "+      healthCheckPath: /health\r\n"]


def test_a_proposed_slot_azure_would_refuse_is_shown_refused_and_not_taken(
        qtbot, tmp_path: Path) -> None:
    bad = STEP.replace("slotName: staging", "slotName: blue_green")
    panel = open_panel(qtbot, tmp_path / "ws", source=app_service_pipeline(tmp_path, bad))
    select(panel, "Staging")
    group = panel.environment.app_service
    check_group(qtbot, group)
    commands = panel.editor.undo_stack.count()

    qtbot.mouseClick(group.propose, Qt.MouseButton.LeftButton)

    assert group.slot.text() == "blue_green" and group.app.text() == "spacegame-web"
    assert "'blue_green' is not a slot name Azure accepts" in group.problems["slot"].text()
    assert panel.editor.undo_stack.count() == commands and target(panel) == AppServiceTarget()
    type_into(qtbot, group.slot, "blue")
    assert target(panel) == AppServiceTarget(resource_group="rg-spacegame",
                                             app="spacegame-web", slot="blue")
