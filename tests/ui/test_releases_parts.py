"""The releases view's small parts: progress from log sections, the next stage of a build,
the graph's reading of a stage, following a log file, the team file, the pre-flight of a
decision and the run dialog's checks."""

from __future__ import annotations

import threading
from pathlib import Path

from release_manager.engine.backend import CancelToken
from release_manager.engine.identity import identities, is_demo, team_members
from release_manager.engine.log_follow import follow_file
from release_manager.engine.progress import ProgressTracker
from release_manager.engine.promotion import PendingApproval
from release_manager.engine.release_status import (
    BuildStatus,
    EnvironmentStatus,
    StageCell,
    WorkspaceStatus,
)
from release_manager.engine.stage_order import next_stage, stage_release
from release_manager.engine.store import ApprovalRecord, DecisionRecord
from release_manager.ui.releases.approvals_inbox import preflight
from release_manager.ui.releases.look import ago, duration
from release_manager.ui.releases.run_dialog import RunPipelineDialog

STAGES = ["Build", "Dev", "Test", "Staging"]
DEPENDENCIES = {"Build": [], "Dev": ["Build"], "Test": ["Dev"], "Staging": ["Test"]}


def build(number: int, **states: str) -> BuildStatus:
    status = BuildStatus(number, "refs/heads/release", "abc1234def", "Manual", "lead",
                         "2026-01-01T00:00:00+00:00")
    for index, (stage, state) in enumerate(states.items()):
        status.stages[stage] = StageCell(stage, state, None, f"{stage} {state}", index)
    return status


def test_progress_follows_stage_job_and_step() -> None:
    tracker = ProgressTracker()
    assert tracker.update("plain output") is None
    assert tracker.update("##[section]Stage Deploy to dev of run 3 on this machine") == \
        "Deploy to dev"
    assert tracker.update("##[section]Starting job: Deploy") == "Deploy to dev › Deploy"
    assert tracker.update("##[section]Starting: Slow deployment") == \
        "Deploy to dev › Deploy › Slow deployment"
    assert tracker.update("##[section]Finishing: Slow deployment") is None
    assert tracker.update("##[section]Starting job: Smoke") == "Deploy to dev › Smoke"


def test_the_next_stage_is_the_first_whose_dependencies_have_finished() -> None:
    assert next_stage(build(1, Build="succeeded"), STAGES, DEPENDENCIES) == "Dev"
    assert next_stage(build(1, Build="succeeded", Dev="succeeded"), STAGES,
                      DEPENDENCIES) == "Test"
    assert next_stage(build(1, Build="succeeded", Dev="running"), STAGES,
                      DEPENDENCIES) is None
    assert next_stage(build(1, Build="failed"), STAGES, DEPENDENCIES) == "Dev"
    done = build(1, Build="succeeded", Dev="succeeded", Test="succeeded",
                 Staging="waiting")
    assert next_stage(done, STAGES, DEPENDENCIES) is None
    fan_out = {"Build": [], "Dev": ["Build"], "QA": ["Build"]}
    assert next_stage(build(1, Build="succeeded", Dev="succeeded"), ["Build", "Dev", "QA"],
                      fan_out) == "QA"


def test_a_stage_card_shows_the_running_build_else_what_its_environment_runs() -> None:
    dev = EnvironmentStatus("dev", "Dev", [], current_build=1, last_state="failed")
    status = WorkspaceStatus(
        STAGES, [dev, EnvironmentStatus("test", "Test", ["dev"])],
        [build(2, Build="succeeded", Dev="failed"), build(1, Build="succeeded",
                                                          Dev="succeeded")], [])
    assert stage_release(status, "Dev") == ("#1", "failed")  # #2 failed; #1 still runs
    assert stage_release(status, "Build") == ("#2", "succeeded")
    assert stage_release(status, "Test") == ("", "")
    status.builds.insert(0, build(3, Build="succeeded", Dev="running"))
    assert stage_release(status, "Dev") == ("#3", "running")
    status.builds[0].stages["Dev"] = StageCell("Dev", "canceled", None, "", 9)
    assert stage_release(status, "Build") == ("#3", "succeeded")
    assert stage_release(status, "Dev") == ("#1", "failed")


def test_following_a_log_replays_the_file_then_its_new_lines(tmp_path: Path) -> None:
    path = tmp_path / "Dev.1.log"
    path.write_text("first\nsecond\n")
    seen: list[str] = []
    appended = threading.Event()
    polls = iter([True, True, False])

    class Sink:
        def write(self, line: str) -> None:
            seen.append(line)
            if line == "second":  # the writer goes on while the reader follows
                with open(path, "a") as file:
                    file.write("third\nno newline yet")
                appended.set()

    written = follow_file(path, Sink(), CancelToken(), lambda: next(polls), poll=0.01)
    assert appended.is_set()
    assert seen == ["first", "second", "third", "no newline yet"]
    assert written == 4


def test_following_stops_when_asked(tmp_path: Path) -> None:
    stop = CancelToken()
    stop.cancel()
    seen: list[str] = []

    class Sink:
        def write(self, line: str) -> None:
            seen.append(line)

    assert follow_file(tmp_path / "absent.log", Sink(), stop, lambda: True) == 0
    assert seen == []


def test_identities_come_from_the_team_file_and_the_os_user(tmp_path: Path,
                                                           monkeypatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "alex")
    assert team_members(tmp_path) == []
    assert identities(tmp_path, "alex") == ["alex"]
    team = tmp_path / ".release-manager" / "team.yml"
    team.parent.mkdir()
    team.write_text("team:\n  - name: lead\n    role: release manager\n  - qa\n  - name: 3\n")
    assert identities(tmp_path, "robot") == ["lead", "qa", "alex", "robot"]
    assert not is_demo(tmp_path)  # a real team: nobody acts as anybody else
    team.write_text("demo: yes please\nteam: [lead]\n")
    assert not is_demo(tmp_path)
    team.write_text("demo: true\nteam: [lead]\n")
    assert is_demo(tmp_path)
    team.write_text("team: [unclosed\n")
    assert team_members(tmp_path) == []
    assert not is_demo(tmp_path)


def pending(requested_by: str, *decided: str) -> PendingApproval:
    policy = {"approvers": ["qa", "ops"], "minimum_approvers": 2, "order": "any",
              "requester_cannot_approve": True, "instructions": "", "timeout_minutes": 60}
    approval = ApprovalRecord(1, 5, 1, "Staging", "staging", requested_by, "", "", "pending",
                              policy)
    decisions = [DecisionRecord(i, 1, name, "approved", "", "") for i, name in
                 enumerate(decided)]
    return PendingApproval(approval, decisions, 2)


def test_the_preflight_says_who_may_decide_and_why_not() -> None:
    assert preflight(pending("lead"), "qa").allowed
    refused = preflight(pending("qa"), "qa")
    assert "qa requested this deployment" in refused.reason
    assert "not an approver" in preflight(pending("lead"), "dev").reason
    assert "already decided" in preflight(pending("lead", "ops"), "ops").reason
    assert preflight(pending("lead"), "qa").label == "build 1 → Staging (staging)"


def test_the_run_dialog_refuses_a_value_without_a_name_and_a_name_twice(qtbot) -> None:
    dialog = RunPipelineDialog(["release", "main"])
    qtbot.addWidget(dialog)
    assert dialog.branch() == "release"
    dialog.add_variable("deployTarget", "blue")
    assert dialog.variable_values() == {"deployTarget": "blue"}
    dialog.add_variable("", "orphan")
    assert dialog.problem() == "Row 2 has a value but no variable name."
    dialog.variables.item(1, 0).setText("deployTarget")
    assert dialog.problem() == "Variable deployTarget is given twice."
    dialog.branch_combo.setEditText("feature/login")
    assert dialog.branch() == "feature/login"


def test_times_read_plainly() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    assert ago("2026-01-02T11:59:30+00:00", moment) == "just now"
    assert ago("2026-01-02T11:55:00+00:00", moment) == "5 min ago"
    assert ago("2026-01-01T12:00:00+00:00", moment) == "1 d ago"
    assert ago("") == ""
    assert duration(0) == "expired"
    assert duration(90) == "1 min"
    assert duration(3 * 3600 + 600) == "3 h 10 min"
    assert duration(2 * 86400 + 3600) == "2 d 1 h"
