"""The record of releases: SQLite (WAL) in the workspace's `.release-manager/state.db`.

Runs (each with the pipeline definition it was queued with), the result of every stage
of every run, deployments per environment, approvals with each decision, and an
append-only audit trail of every human action, chained by hashes (`audit_chain`) and
verified on open. Each transition is committed before the next begins, so a crash leaves
a true record. The schema carries its version (`PRAGMA user_version`) and is brought up
to date by `MIGRATIONS` on open.
"""

from __future__ import annotations

import getpass
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from release_manager.core.regular_file import NotARegularFile, check_regular
from release_manager.engine import audit_chain
from release_manager.engine.audit_chain import APPEND_ONLY, AuditVerdict, trigger_sql


def _definitions_and_chain(db: sqlite3.Connection) -> None:
    """3: the pipeline definition each run was queued with (kept once per text, by its
    SHA-256); the audit trail chained by hashes, existing rows as they are; decisions
    append-only, each one recorded in the trail (those already made as "decision on
    record")."""
    for statement in (
        "CREATE TABLE definitions (digest TEXT PRIMARY KEY, text TEXT NOT NULL)",
        "ALTER TABLE runs ADD COLUMN definition TEXT REFERENCES definitions(digest)",
        "ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT ''",
        trigger_sql(*APPEND_ONLY[2]),
        trigger_sql(*APPEND_ONLY[3]),
    ):
        db.execute(statement)
    at = now()
    for decision in db.execute("SELECT * FROM approval_decisions ORDER BY id").fetchall():
        approval = db.execute("SELECT * FROM approvals WHERE id = ?",
                              (decision["approval_id"],)).fetchone()
        db.execute(
            "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (at, decision["approver"], "decision on record",
             f"build {approval['run_id']} → {approval['stage']}",
             json.dumps(audit_chain.decision_detail(decision, approval), sort_keys=True)))
    audit_chain.chain_existing(db)


Migration = str | Callable[[sqlite3.Connection], None]

MIGRATIONS: tuple[Migration, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        branch TEXT NOT NULL,
        commit_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        variables TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    );
    CREATE TABLE stage_runs (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        stage TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        kind TEXT NOT NULL,
        environment TEXT,
        state TEXT NOT NULL,
        result TEXT,
        message TEXT NOT NULL DEFAULT '',
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        outputs TEXT NOT NULL DEFAULT '{}',
        log_path TEXT,
        pid INTEGER,
        UNIQUE (run_id, stage, attempt)
    );
    CREATE TABLE deployments (
        id INTEGER PRIMARY KEY,
        environment TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        stage_run_id INTEGER REFERENCES stage_runs(id),
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        by TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        message TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE approvals (
        id INTEGER PRIMARY KEY,
        stage_run_id INTEGER NOT NULL REFERENCES stage_runs(id),
        run_id INTEGER NOT NULL,
        stage TEXT NOT NULL,
        environment TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        timeout_at TEXT NOT NULL,
        status TEXT NOT NULL,
        policy TEXT NOT NULL
    );
    CREATE TABLE approval_decisions (
        id INTEGER PRIMARY KEY,
        approval_id INTEGER NOT NULL REFERENCES approvals(id),
        approver TEXT NOT NULL,
        decision TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        decided_at TEXT NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE INDEX stage_runs_by_run ON stage_runs(run_id, stage);
    CREATE INDEX deployments_by_environment ON deployments(environment, id);
    """,
    # 2: who started a stage run's work (the promoter, or the approver whose approval
    # completed the request), and the operating-system user beside each audited identity.
    """
    ALTER TABLE stage_runs ADD COLUMN started_by TEXT;
    ALTER TABLE audit ADD COLUMN os_user TEXT NOT NULL DEFAULT '';
    """,
    _definitions_and_chain,
    # 4: which backend a run was queued on and its id there (Azure's run id; "" for the
    # local backend, whose runs are these rows), and each stage run's reference there
    # (a timeline record id on Azure).
    """
    ALTER TABLE runs ADD COLUMN backend TEXT NOT NULL DEFAULT 'local';
    ALTER TABLE runs ADD COLUMN remote_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE stage_runs ADD COLUMN remote_ref TEXT NOT NULL DEFAULT '';
    """,
)

FINISHED_STATES = ("succeeded", "failed", "canceled", "skipped", "rejected", "interrupted")
ACTIVE_STATES = ("queued", "waiting", "running")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def os_user() -> str:
    """The operating-system account running this process ("" when it has no name)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


@dataclass(frozen=True)
class RunRecord:
    id: int
    branch: str
    commit_id: str
    reason: str
    requested_by: str
    variables: dict[str, str]
    """The queue-time variables that are not secret."""
    created_at: str
    definition: str | None = None
    """The SHA-256 of the pipeline definition the run was queued with (None for runs
    queued before definitions were kept)."""
    secret_variables: tuple[str, ...] = ()
    """Names of the secret queue-time variables: their values are never in the store
    (engine/run_secrets.py keeps them)."""
    backend: str = "local"
    """The backend the run was queued on (`Backend.name`)."""
    remote_id: str = ""
    """The run's id on that backend ("" for the local backend)."""


@dataclass(frozen=True)
class StageRunRecord:
    """One attempt at one stage of one run. `state` is the app's view (queued, waiting,
    running, succeeded, failed, canceled, skipped, rejected, interrupted); `result` is
    Azure's (Succeeded, SucceededWithIssues, Failed, Canceled, Skipped) once finished."""

    id: int
    run_id: int
    stage: str
    attempt: int
    kind: str
    environment: str | None
    state: str
    result: str | None
    message: str
    requested_by: str
    requested_at: str
    started_at: str | None
    finished_at: str | None
    outputs: dict[str, str]
    """Output variables by `Job.step.var`; a secret one shows as ***."""
    log_path: str | None
    pid: int | None
    started_by: str | None = None
    """Who started the work: the promoter, or, for a request that waited for approval,
    the approver whose approval completed it."""
    secret_outputs: tuple[str, ...] = ()
    """Names of the outputs that are secret: their values are never in the store."""
    remote_ref: str = ""
    """The backend's reference to this stage run (`StageRef.id`), once started."""

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES


@dataclass(frozen=True)
class DeploymentRecord:
    id: int
    environment: str
    run_id: int
    stage_run_id: int | None
    kind: str
    state: str
    by: str
    started_at: str
    finished_at: str | None
    message: str


@dataclass(frozen=True)
class ApprovalRecord:
    id: int
    stage_run_id: int
    run_id: int
    stage: str
    environment: str
    requested_by: str
    requested_at: str
    timeout_at: str
    status: str
    policy: dict[str, Any]


@dataclass(frozen=True)
class DecisionRecord:
    id: int
    approval_id: int
    approver: str
    decision: str
    comment: str
    decided_at: str


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: str
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]
    os_user: str = ""
    """The operating-system account that acted as `actor` ("" in rows older than it)."""


class DefinitionAltered(Exception):
    """The definition a build was queued with is not in the store as it was kept."""


class StageTaken(Exception):
    """Another request holds the stage run: it is queued, waiting or running already."""

    def __init__(self, record: StageRunRecord) -> None:
        super().__init__(f"build {record.run_id} is already {record.state} in {record.stage}")
        self.record = record


class StoreUnusable(Exception):
    """The store cannot be opened as it is (not a file, damaged, not ours); the message
    names the file and says what to do. Nothing was written to it."""


DAMAGE_CODES = frozenset({
    sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FORMAT,
})
"""SQLite's answers for a file that is not a usable database (not "busy" or "locked")."""


class Store:
    """One connection per thread (SQLite's rule); every write is its own transaction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._writes = 0
        """Transactions this process committed (any thread)."""
        try:
            check_regular(self.path)  # SQLite would wait on a named pipe for ever
        except NotARegularFile as error:
            raise StoreUnusable(
                f"{self.path} is {error.kind}, not the release store; move it aside and "
                "restore state.db from a backup") from None
        try:
            self._migrate()
            self._check()
        except sqlite3.DatabaseError as error:
            self.close()
            code = getattr(error, "sqlite_errorcode", None)  # None: from `_check`
            if code is not None and code & 0xFF not in DAMAGE_CODES:
                raise
            raise StoreUnusable(
                f"{self.path} is damaged or is not a Release Manager store ({error}); "
                "nothing was changed. Restore it from a backup; or, to start a new history, "
                "move it and the environments folder beside it aside.") from None
        self.audit_verdict = self.verify_audit()
        """The audit trail as verified when the store was opened."""

    def _check(self) -> None:
        """A quick integrity check: a store cut short or overwritten fails it here, when
        it opens, rather than at some later read."""
        problem = self._connection().execute("PRAGMA quick_check(1)").fetchone()[0]
        if problem != "ok":
            raise sqlite3.DatabaseError(f"integrity check: {problem}")

    # ----------------------------------------------------------------- plumbing

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=30000")
            self._local.connection = connection
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        self._writes += 1

    def _migrate(self) -> None:
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StoreUnusable(
                    f"{self.path} was written by a newer Release Manager (schema {version}); "
                    "nothing was changed: update the app to open this workspace"
                )
            for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
                if callable(migration):
                    migration(db)
                else:
                    for statement in _statements(migration):
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return int(self._connection().execute("PRAGMA user_version").fetchone()[0])

    def change_marker(self) -> tuple[int, ...]:
        """Differs after any write to the store, by this process (its count of commits)
        or another one (the database and its write-ahead log change size or time); read
        without a query."""
        marker = [self._writes]
        for path in (self.path, self.path.with_name(self.path.name + "-wal")):
            try:
                stat = path.stat()
                marker += [stat.st_mtime_ns, stat.st_size]
            except FileNotFoundError:
                marker += [0, 0]
        return tuple(marker)

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # ----------------------------------------------------------------- runs

    def add_run(
        self, branch: str, commit_id: str, reason: str, requested_by: str,
        variables: dict[str, str], definition: str | None = None,
        secret_names: Iterable[str] = (), backend: str = "local", remote_id: str = "",
    ) -> RunRecord:
        """A new run; `definition`, the text of its pipeline file as queued, is kept with
        it (once per distinct text), and its "queue run" audit row (naming the
        definition's digest) written, in the same transaction: a crash leaves all three
        or none. `secret_names`: queue-time secrets, recorded by name only. `backend`
        and `remote_id`: where the run was queued, and its id there."""
        stored = with_secret_names(variables, secret_names)
        digest = None
        with self._transaction() as db:
            at = now()
            if definition is not None:
                digest = audit_chain.digest(definition)
                db.execute("INSERT OR IGNORE INTO definitions (digest, text) VALUES (?, ?)",
                           (digest, definition))
            cursor = db.execute(
                "INSERT INTO runs (branch, commit_id, reason, requested_by, variables, "
                "created_at, definition, backend, remote_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (branch, commit_id, reason, requested_by, json.dumps(stored), at, digest,
                 backend, remote_id),
            )
            audit_chain.append(db, at, requested_by, "queue run", f"build {cursor.lastrowid}",
                               {"branch": branch, "reason": reason,
                                "variables": sorted(stored), "definition": digest},
                               os_user())
        return self.run(int(cursor.lastrowid or 0))

    def definition(self, run: RunRecord) -> str | None:
        """The pipeline text `run` was queued with; None when it was queued before
        definitions were kept. Raises DefinitionAltered when the text kept is not the
        one queued (missing, or changed by hand)."""
        if run.definition is None:
            return None
        row = self._connection().execute(
            "SELECT text FROM definitions WHERE digest = ?", (run.definition,)).fetchone()
        if row is None or audit_chain.digest(row[0]) != run.definition:
            raise DefinitionAltered(
                f"the pipeline definition build {run.id} was queued with is "
                f"{'missing from' if row is None else 'changed in'} {self.path}: it does "
                "not run (queue a new run)")
        return str(row[0])

    def run(self, run_id: int) -> RunRecord:
        row = self._connection().execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"there is no build {run_id}")
        return _run(row)

    def runs(self, limit: int = 50) -> list[RunRecord]:
        rows = self._connection().execute(
            "SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [_run(row) for row in rows]

    # ----------------------------------------------------------------- stage runs

    def add_stage_run(
        self, run_id: int, stage: str, kind: str, environment: str | None,
        requested_by: str, state: str = "queued", pid: int | None = None,
    ) -> StageRunRecord:
        """Claim the next attempt of `stage` for `run_id`, checked and written in one
        transaction: raises StageTaken when the latest attempt is still queued, waiting
        or running, so two requests at once make one attempt, never two. `pid` is the
        process that will run it (so no other process takes it for interrupted)."""
        with self._transaction() as db:
            latest = db.execute(
                "SELECT * FROM stage_runs WHERE run_id = ? AND stage = ? ORDER BY attempt "
                "DESC LIMIT 1", (run_id, stage),
            ).fetchone()
            if latest is not None and latest["state"] in ACTIVE_STATES:
                raise StageTaken(_stage_run(latest))
            attempt = latest["attempt"] + 1 if latest is not None else 1
            cursor = db.execute(
                "INSERT INTO stage_runs (run_id, stage, attempt, kind, environment, state, "
                "requested_by, requested_at, pid, started_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, stage, attempt, kind, environment, state, requested_by, now(), pid,
                 requested_by),
            )
        return self.stage_run(int(cursor.lastrowid or 0))

    def update_stage_run(self, stage_run_id: int, **fields: Any) -> StageRunRecord:
        """Set columns of a stage run (state, result, message, started_at, finished_at,
        outputs, log_path, pid, started_by, remote_ref) in one transaction."""
        self._set_stage_run(stage_run_id, None, fields)
        return self.stage_run(stage_run_id)

    def move_stage_run(self, stage_run_id: int, from_state: str, **fields: Any) -> bool:
        """Set columns of a stage run only if it is still in `from_state`: a transition
        checked by its row count, so of two requests moving it at once (two approvals,
        an approval and a rejection) exactly one does; False for the other."""
        return self._set_stage_run(stage_run_id, from_state, fields) == 1

    def _set_stage_run(self, stage_run_id: int, from_state: str | None,
                       fields: dict[str, Any]) -> int:
        allowed = {"state", "result", "message", "started_at", "finished_at", "outputs",
                   "log_path", "pid", "started_by", "remote_ref"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not stage-run fields: {sorted(unknown)}")
        if "outputs" in fields:
            fields["outputs"] = json.dumps(fields["outputs"])
        assignments = ", ".join(f"{name} = ?" for name in fields)
        where, values = ("id = ?", [stage_run_id]) if from_state is None else \
            ("id = ? AND state = ?", [stage_run_id, from_state])
        with self._transaction() as db:
            cursor = db.execute(f"UPDATE stage_runs SET {assignments} WHERE {where}",
                                (*fields.values(), *values))
        return cursor.rowcount

    def stage_run(self, stage_run_id: int) -> StageRunRecord:
        row = self._connection().execute(
            "SELECT * FROM stage_runs WHERE id = ?", (stage_run_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"there is no stage run {stage_run_id}")
        return _stage_run(row)

    def stage_runs(self, run_id: int | None = None) -> list[StageRunRecord]:
        if run_id is None:
            rows = self._connection().execute("SELECT * FROM stage_runs ORDER BY id").fetchall()
        else:
            rows = self._connection().execute(
                "SELECT * FROM stage_runs WHERE run_id = ? ORDER BY id", (run_id,)
            ).fetchall()
        return [_stage_run(row) for row in rows]

    def latest_stage_run(self, run_id: int, stage: str) -> StageRunRecord | None:
        row = self._connection().execute(
            "SELECT * FROM stage_runs WHERE run_id = ? AND stage = ? ORDER BY attempt DESC "
            "LIMIT 1", (run_id, stage),
        ).fetchone()
        return _stage_run(row) if row else None

    def active_stage_runs(self) -> list[StageRunRecord]:
        marks = ", ".join("?" for _ in ACTIVE_STATES)
        rows = self._connection().execute(
            f"SELECT * FROM stage_runs WHERE state IN ({marks}) ORDER BY id", ACTIVE_STATES
        ).fetchall()
        return [_stage_run(row) for row in rows]

    # ----------------------------------------------------------------- deployments

    def add_deployment(
        self, environment: str, run_id: int, stage_run_id: int | None, kind: str, by: str,
    ) -> DeploymentRecord:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO deployments (environment, run_id, stage_run_id, kind, state, by, "
                "started_at) VALUES (?, ?, ?, ?, 'running', ?, ?)",
                (environment, run_id, stage_run_id, kind, by, now()),
            )
        return self.deployment(int(cursor.lastrowid or 0))

    def finish_deployment(self, deployment_id: int, state: str, message: str = "") -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE deployments SET state = ?, message = ?, finished_at = ? WHERE id = ?",
                (state, message, now(), deployment_id),
            )

    def deployment(self, deployment_id: int) -> DeploymentRecord:
        row = self._connection().execute(
            "SELECT * FROM deployments WHERE id = ?", (deployment_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"there is no deployment {deployment_id}")
        return DeploymentRecord(**dict(row))

    def deployments(self, environment: str | None = None) -> list[DeploymentRecord]:
        """Newest first."""
        if environment is None:
            rows = self._connection().execute(
                "SELECT * FROM deployments ORDER BY id DESC"
            ).fetchall()
        else:
            rows = self._connection().execute(
                "SELECT * FROM deployments WHERE environment = ? ORDER BY id DESC",
                (environment,),
            ).fetchall()
        return [DeploymentRecord(**dict(row)) for row in rows]

    def running_deployments(self) -> list[DeploymentRecord]:
        """Deployments and rollbacks not closed yet, oldest first."""
        rows = self._connection().execute(
            "SELECT * FROM deployments WHERE state = 'running' ORDER BY id"
        ).fetchall()
        return [DeploymentRecord(**dict(row)) for row in rows]

    # ----------------------------------------------------------------- approvals

    def add_approval(
        self, stage_run: StageRunRecord, environment: str, timeout_at: str,
        policy: dict[str, Any],
    ) -> ApprovalRecord:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO approvals (stage_run_id, run_id, stage, environment, requested_by,"
                " requested_at, timeout_at, status, policy) VALUES (?, ?, ?, ?, ?, ?, ?, "
                "'pending', ?)",
                (stage_run.id, stage_run.run_id, stage_run.stage, environment,
                 stage_run.requested_by, now(), timeout_at, json.dumps(policy)),
            )
        return self.approval(int(cursor.lastrowid or 0))

    def approval(self, approval_id: int) -> ApprovalRecord:
        row = self._connection().execute(
            "SELECT * FROM approvals WHERE id = ?", (approval_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"there is no approval {approval_id}")
        return _approval(row)

    def approvals(self, status: str | None = None) -> list[ApprovalRecord]:
        if status is None:
            rows = self._connection().execute("SELECT * FROM approvals ORDER BY id").fetchall()
        else:
            rows = self._connection().execute(
                "SELECT * FROM approvals WHERE status = ? ORDER BY id", (status,)
            ).fetchall()
        return [_approval(row) for row in rows]

    def approvals_for(self, stage_run_id: int) -> list[ApprovalRecord]:
        rows = self._connection().execute(
            "SELECT * FROM approvals WHERE stage_run_id = ? ORDER BY id", (stage_run_id,)
        ).fetchall()
        return [_approval(row) for row in rows]

    def set_approval_status(self, approval_id: int, status: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE approvals SET status = ? WHERE id = ?", (status, approval_id))

    def add_decision(
        self, approval_id: int, approver: str, decision: str, comment: str, *,
        seen: int, status: str,
    ) -> DecisionRecord | None:
        """Record a decision, the approval's `status` with it, and its audit row ("approve"
        or "reject", whose detail holds the decision so an edit of either shows), in one
        transaction; but only while the approval is still pending with the `seen`
        decisions the caller judged it by. None when another decision came in between:
        two deciders at once never both count (the caller reads again)."""
        with self._transaction() as db:
            approval = db.execute("SELECT * FROM approvals WHERE id = ?",
                                  (approval_id,)).fetchone()
            count = db.execute("SELECT COUNT(*) FROM approval_decisions WHERE approval_id = ?",
                               (approval_id,)).fetchone()[0]
            if approval["status"] != "pending" or count != seen:
                return None
            at = now()
            cursor = db.execute(
                "INSERT INTO approval_decisions (approval_id, approver, decision, comment, "
                "decided_at) VALUES (?, ?, ?, ?, ?)",
                (approval_id, approver, decision, comment, at),
            )
            row = db.execute(
                "SELECT * FROM approval_decisions WHERE id = ?", (cursor.lastrowid,)
            ).fetchone()
            audit_chain.append(
                db, at, approver, "approve" if decision == "approved" else "reject",
                f"build {approval['run_id']} → {approval['stage']}",
                audit_chain.decision_detail(row, approval), os_user())
            if status != "pending":
                db.execute("UPDATE approvals SET status = ? WHERE id = ?", (status, approval_id))
        return DecisionRecord(**dict(row))

    def decisions(self, approval_id: int) -> list[DecisionRecord]:
        rows = self._connection().execute(
            "SELECT * FROM approval_decisions WHERE approval_id = ? ORDER BY id", (approval_id,)
        ).fetchall()
        return [DecisionRecord(**dict(row)) for row in rows]

    # ----------------------------------------------------------------- audit

    def audit(self, actor: str, action: str, subject: str, **detail: Any) -> None:
        """Append to the trail: `actor` is the identity acted as; the operating-system
        user of this process is recorded beside it."""
        with self._transaction() as db:
            audit_chain.append(db, now(), actor, action, subject, detail, os_user())

    def verify_audit(self) -> AuditVerdict:
        """The chain, the append-only triggers, and each decision against its audit row
        (read in one transaction, so no writer comes between them)."""
        connection = self._connection()
        connection.execute("BEGIN")
        try:
            return audit_chain.verify(connection)
        finally:
            connection.execute("COMMIT")

    def audit_trail(self, subject: str | None = None,
                    actions: Sequence[str] = ()) -> list[AuditRecord]:
        """Oldest first; only `subject`'s rows and those `actions` when given."""
        where, values = [], []
        if subject is not None:
            where.append("subject = ?")
            values.append(subject)
        if actions:
            where.append(f"action IN ({', '.join('?' for _ in actions)})")
            values += list(actions)
        rows = self._connection().execute(
            "SELECT * FROM audit" + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY id", values).fetchall()
        return [
            AuditRecord(row["id"], row["at"], row["actor"], row["action"], row["subject"],
                        json.loads(row["detail"]), row["os_user"])
            for row in rows
        ]


def _statements(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    current = ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements


SECRET_ENTRY = {"secret": True}
"""What the store holds for a secret variable or output: its name, never its value."""
MASK = "***"


def with_secret_names(values: dict[str, str], secret_names: Iterable[str]) -> dict:
    """`values` as stored: each name in `secret_names` marked secret, without its value."""
    secret = set(secret_names)
    stored: dict[str, object] = {k: v for k, v in values.items() if k not in secret}
    stored.update((name, SECRET_ENTRY) for name in secret)
    return stored


def _secret_names(stored: dict[str, object]) -> tuple[str, ...]:
    return tuple(sorted(name for name, value in stored.items() if value == SECRET_ENTRY))


def _run(row: sqlite3.Row) -> RunRecord:
    values = dict(row)
    stored = json.loads(values["variables"])
    values["secret_variables"] = _secret_names(stored)
    values["variables"] = {k: v for k, v in stored.items() if isinstance(v, str)}
    return RunRecord(**values)


def _stage_run(row: sqlite3.Row) -> StageRunRecord:
    values = dict(row)
    stored = json.loads(values["outputs"])
    values["secret_outputs"] = _secret_names(stored)
    values["outputs"] = {k: v if isinstance(v, str) else MASK for k, v in stored.items()}
    return StageRunRecord(**values)


def _approval(row: sqlite3.Row) -> ApprovalRecord:
    values = dict(row)
    values["policy"] = json.loads(values["policy"])
    return ApprovalRecord(**values)
