"""The SQLite record: schema versioned, transitions committed, the audit trail
append-only, and the file shared by two connections (the window and the CLI)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from release_manager.engine.store import (
    MIGRATIONS,
    StageTaken,
    Store,
    StoreUnusable,
    _statements,
    os_user,
)


def test_a_new_store_is_at_the_latest_schema_and_uses_wal(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    assert store.schema_version == len(MIGRATIONS)
    mode = sqlite3.connect(tmp_path / "state.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_reopening_keeps_the_data_and_does_not_migrate_twice(tmp_path: Path) -> None:
    Store(tmp_path / "state.db").add_run("refs/heads/main", "abc", "Manual", "lead", {})
    again = Store(tmp_path / "state.db")
    assert [run.requested_by for run in again.runs()] == ["lead"]
    assert again.schema_version == len(MIGRATIONS)


def test_a_store_from_a_newer_app_is_refused_with_a_reason(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(StoreUnusable, match="newer Release Manager"):
        Store(tmp_path / "state.db")


def test_stage_runs_count_attempts_and_keep_outputs(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    run = store.add_run("refs/heads/release", "abc", "Manual", "lead", {"x": "1"})
    first = store.add_stage_run(run.id, "Dev", "deploy", "dev", "lead")
    store.update_stage_run(first.id, state="failed", result="Failed")
    second = store.add_stage_run(run.id, "Dev", "deploy", "dev", "lead")
    assert (first.attempt, second.attempt) == (1, 2)
    assert [r.id for r in store.active_stage_runs()] == [second.id]
    store.update_stage_run(second.id, state="succeeded", result="Succeeded",
                           outputs={"Deploy.step.url": "http://x"})
    latest = store.latest_stage_run(run.id, "Dev")
    assert latest is not None and latest.id == second.id
    assert latest.outputs == {"Deploy.step.url": "http://x"}
    assert latest.finished
    assert store.active_stage_runs() == []
    with pytest.raises(ValueError, match="not stage-run fields"):
        store.update_stage_run(first.id, run_id=99)


def test_the_audit_trail_cannot_be_changed_or_deleted(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    store.audit("qa", "approve", "build 1 → Staging", comment="looks good")
    db = sqlite3.connect(tmp_path / "state.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET actor = 'mallory'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit")
    [entry] = store.audit_trail()
    assert (entry.actor, entry.action, entry.detail) == ("qa", "approve",
                                                         {"comment": "looks good"})


def test_approvals_and_decisions_are_recorded(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    run = store.add_run("refs/heads/release", "abc", "Manual", "lead", {})
    stage_run = store.add_stage_run(run.id, "Staging", "deploy", "staging", "lead", "waiting")
    approval = store.add_approval(stage_run, "staging", "2030-01-01T00:00:00+00:00",
                                  {"approvers": ["qa", "ops"]})
    store.add_decision(approval.id, "qa", "approved", "ok", seen=0, status="approved")
    assert store.approval(approval.id).status == "approved"
    assert [(d.approver, d.decision) for d in store.decisions(approval.id)] == [
        ("qa", "approved")]
    assert store.approvals("pending") == []


def test_deployments_are_listed_newest_first_per_environment(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    run = store.add_run("refs/heads/release", "abc", "Manual", "lead", {})
    first = store.add_deployment("dev", run.id, None, "deploy", "lead")
    store.finish_deployment(first.id, "succeeded")
    second = store.add_deployment("dev", run.id, None, "rollback", "ops")
    store.add_deployment("test", run.id, None, "deploy", "lead")
    assert [d.id for d in store.deployments("dev")] == [second.id, first.id]
    assert store.deployment(first.id).state == "succeeded"


def test_a_stage_run_in_progress_cannot_be_claimed_again(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    run = store.add_run("refs/heads/release", "abc", "Manual", "lead", {})
    first = store.add_stage_run(run.id, "Dev", "deploy", "dev", "lead", pid=4242)
    assert (first.pid, first.started_by) == (4242, "lead")
    other = Store(tmp_path / "state.db")  # another process's connection
    with pytest.raises(StageTaken) as taken:
        other.add_stage_run(run.id, "Dev", "deploy", "dev", "dev")
    assert taken.value.record.id == first.id
    assert [r.id for r in store.stage_runs(run.id)] == [first.id]


def test_of_two_approvals_one_takes_a_waiting_stage_run(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    run = store.add_run("refs/heads/release", "abc", "Manual", "lead", {})
    waiting = store.add_stage_run(run.id, "Staging", "deploy", "staging", "lead",
                                  state="waiting")
    other = Store(tmp_path / "state.db")
    assert store.move_stage_run(waiting.id, "waiting", state="queued", started_by="qa",
                                pid=111)
    assert not other.move_stage_run(waiting.id, "waiting", state="rejected")
    assert not other.move_stage_run(waiting.id, "waiting", state="queued", started_by="ops",
                                    pid=222)
    record = other.stage_run(waiting.id)
    assert (record.state, record.started_by, record.pid) == ("queued", "qa", 111)


def test_an_older_store_is_migrated_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    for statement in _statements(MIGRATIONS[0]):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO runs (branch, commit_id, reason, requested_by, created_at) "
               "VALUES ('refs/heads/release', 'abc', 'Manual', 'lead', '2026-01-01')")
    db.execute("INSERT INTO stage_runs (run_id, stage, attempt, kind, state, requested_by, "
               "requested_at) VALUES (1, 'Dev', 1, 'deploy', 'succeeded', 'lead', "
               "'2026-01-01')")
    db.execute("INSERT INTO audit (at, actor, action, subject) "
               "VALUES ('2026-01-01', 'qa', 'approve', 'build 1 → Staging')")
    db.commit()
    db.close()

    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    [old] = store.audit_trail()
    assert (old.actor, old.action, old.os_user) == ("qa", "approve", "")
    assert store.stage_runs(1)[0].started_by is None
    store.audit("ops", "approve", "build 1 → Staging")
    assert store.audit_trail()[-1].os_user == os_user() != ""


def test_a_schema_2_store_is_chained_as_found_with_its_decisions_on_record(
        tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    for migration in MIGRATIONS[:2]:
        for statement in _statements(migration):
            db.execute(statement)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO runs (branch, commit_id, reason, requested_by, created_at) "
               "VALUES ('refs/heads/release', 'abc', 'Manual', 'lead', '2026-01-01')")
    db.execute("INSERT INTO stage_runs (run_id, stage, attempt, kind, state, requested_by, "
               "requested_at) VALUES (1, 'Staging', 1, 'deploy', 'succeeded', 'lead', "
               "'2026-01-01')")
    db.execute("INSERT INTO approvals (stage_run_id, run_id, stage, environment, "
               "requested_by, requested_at, timeout_at, status, policy) VALUES (1, 1, "
               "'Staging', 'staging', 'lead', '2026-01-01', '2026-02-01', 'approved', '{}')")
    db.execute("INSERT INTO approval_decisions (approval_id, approver, decision, comment, "
               "decided_at) VALUES (1, 'qa', 'approved', 'fine', '2026-01-02')")
    db.execute("INSERT INTO audit (at, actor, action, subject, os_user) "
               "VALUES ('2026-01-02', 'qa', 'approve', 'build 1 → Staging', 'qa')")
    db.commit()
    db.close()

    store = Store(path)
    assert store.audit_verdict.intact, store.audit_verdict.problems
    assert (store.audit_verdict.rows, store.audit_verdict.decisions) == (2, 1)
    kept = store.audit_trail()[-1]
    assert (kept.actor, kept.action, kept.detail["decision"], kept.detail["comment"]) == (
        "qa", "decision on record", "approved", "fine")
    run = store.run(1)
    assert run.definition is None and store.definition(run) is None
    with pytest.raises(sqlite3.IntegrityError, match="approval decisions are final"):
        store._connection().execute("UPDATE approval_decisions SET decision = 'rejected'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store._connection().execute("UPDATE audit SET actor = 'ops'")


def test_a_schema_3_store_gains_each_run_s_backend_and_remote_ids(tmp_path: Path) -> None:
    """Runs queued before backends were recorded ran on this machine: they read as the
    local backend's, with no remote id; new runs keep the backend and id they are given."""
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    for migration in MIGRATIONS[:3]:
        if callable(migration):
            migration(db)
        else:
            for statement in _statements(migration):
                db.execute(statement)
    db.execute("PRAGMA user_version = 3")
    db.execute("INSERT INTO runs (branch, commit_id, reason, requested_by, created_at) "
               "VALUES ('refs/heads/release', 'abc', 'Manual', 'lead', '2026-01-01')")
    db.execute("INSERT INTO stage_runs (run_id, stage, attempt, kind, state, requested_by, "
               "requested_at) VALUES (1, 'Dev', 1, 'deploy', 'succeeded', 'lead', "
               "'2026-01-01')")
    db.commit()
    db.close()

    store = Store(path)
    assert store.schema_version == len(MIGRATIONS) == 4
    old = store.run(1)
    assert (old.branch, old.backend, old.remote_id) == ("refs/heads/release", "local", "")
    assert store.stage_runs(1)[0].remote_ref == ""

    queued = store.add_run("refs/heads/main", "def", "Manual", "lead", {}, "stages: []\n",
                           backend="azure", remote_id="4711")
    assert (store.run(queued.id).backend, store.run(queued.id).remote_id) == ("azure", "4711")
    stage_run = store.add_stage_run(queued.id, "Dev", "deploy", "dev", "lead")
    assert store.update_stage_run(stage_run.id, remote_ref="f1c2").remote_ref == "f1c2"
    assert store.audit_verdict.intact, store.audit_verdict.problems


def test_a_decision_judged_by_decisions_that_changed_since_is_not_recorded(
        tmp_path: Path) -> None:
    """qa and ops both read the approval with no decision; qa's lands first: ops's, judged
    by what was no longer true, is not recorded (it reads again), and neither is a
    decision on an approval that is closed."""
    store = Store(tmp_path / "state.db")
    run = store.add_run("refs/heads/main", "abc", "Manual", "lead", {}, "stages: []\n")
    stage_run = store.add_stage_run(run.id, "Staging", "deploy", "staging", "lead",
                                    state="waiting")
    approval = store.add_approval(stage_run, "staging", "2099-01-01",
                                  {"approvers": ["qa", "ops"], "minimum_approvers": 2})
    assert store.add_decision(approval.id, "qa", "approved", "", seen=0,
                              status="pending") is not None
    assert store.add_decision(approval.id, "ops", "rejected", "", seen=0,
                              status="rejected") is None
    assert store.add_decision(approval.id, "ops", "approved", "", seen=1,
                              status="approved") is not None
    assert store.add_decision(approval.id, "lead", "rejected", "", seen=2,
                              status="rejected") is None
    assert [(d.approver, d.decision) for d in store.decisions(approval.id)] == [
        ("qa", "approved"), ("ops", "approved")]
    assert store.approval(approval.id).status == "approved"
    assert [row.action for row in store.audit_trail()] == ["queue run", "approve", "approve"]
    assert store.verify_audit().intact


def test_a_decision_and_its_audit_row_are_written_together(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    run = store.add_run("refs/heads/main", "abc", "Manual", "lead", {}, "stages: []\n")
    stage_run = store.add_stage_run(run.id, "Staging", "deploy", "staging", "lead",
                                    state="waiting")
    approval = store.add_approval(stage_run, "staging", "2099-01-01", {"approvers": ["qa"]})
    decision = store.add_decision(approval.id, "qa", "rejected", "not today", seen=0,
                                  status="rejected")
    queued, row = store.audit_trail()
    assert (queued.actor, queued.action, queued.detail["definition"]) == (
        "lead", "queue run", run.definition)
    assert (row.actor, row.action, row.subject) == ("qa", "reject", "build 1 → Staging")
    assert row.detail == {"decision_id": decision.id, "approval_id": approval.id,
                          "environment": "staging", "decision": "rejected",
                          "comment": "not today", "decided_at": decision.decided_at}
    assert store.verify_audit().intact
    assert store.definition(run) == "stages: []\n"
