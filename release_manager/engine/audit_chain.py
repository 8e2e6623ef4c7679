"""The audit trail as a hash chain, and its verification.

Each audit row's `hash` is SHA-256 over its content and the previous row's hash, so an
edit, a deletion or an insertion between rows breaks the chain from that row on; rows
must also be in time order, so a row inserted later with an earlier date shows. Every
approval decision has an audit row whose detail holds the decision, so an edited
decision no longer matches its audited content. Triggers refuse UPDATE and DELETE on
the trail and on decisions; their absence is reported too.

The chain has no secret: it shows tampering done by hand (sqlite3, a script), not one
that recomputes every hash after the point it changed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

GENESIS = ""
"""The "previous hash" of the first row."""

APPEND_ONLY = (
    ("audit_no_update", "UPDATE", "audit", "the audit trail is append-only"),
    ("audit_no_delete", "DELETE", "audit", "the audit trail is append-only"),
    ("decisions_no_update", "UPDATE", "approval_decisions", "approval decisions are final"),
    ("decisions_no_delete", "DELETE", "approval_decisions", "approval decisions are final"),
)
"""The triggers that keep the trail and the decisions append-only: name, event, table,
message."""

DECISION_ACTIONS = ("approve", "reject", "decision on record")
"""Audit actions whose detail records one approval decision."""


def trigger_sql(name: str, event: str, table: str, message: str) -> str:
    return (f"CREATE TRIGGER {name} BEFORE {event} ON {table}\n"
            f"    BEGIN SELECT RAISE(ABORT, '{message}'); END;")


def row_hash(previous: str, row: sqlite3.Row | dict[str, Any]) -> str:
    """The hash of an audit row: its id, date, actor, action, subject, detail (the stored
    JSON text) and OS user, after the previous row's hash."""
    content = json.dumps([row["id"], row["at"], row["actor"], row["action"], row["subject"],
                          row["detail"], row["os_user"]], ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(f"{previous}\n{content}".encode()).hexdigest()


def append(db: sqlite3.Connection, at: str, actor: str, action: str, subject: str,
           detail: dict[str, Any], os_user: str) -> int:
    """Insert one audit row chained to the last one; `db` is inside a write transaction
    (BEGIN IMMEDIATE), so no other writer comes between reading the last hash and
    writing the new row."""
    last = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    row = {"id": (last[0] + 1) if last else 1, "at": at, "actor": actor, "action": action,
           "subject": subject, "detail": json.dumps(detail, sort_keys=True),
           "os_user": os_user}
    db.execute(
        "INSERT INTO audit (id, at, actor, action, subject, detail, os_user, hash) "
        "VALUES (:id, :at, :actor, :action, :subject, :detail, :os_user, :hash)",
        {**row, "hash": row_hash(last[1] if last else GENESIS, row)},
    )
    return int(row["id"])


def chain_existing(db: sqlite3.Connection) -> None:
    """Chain the rows written before the trail had hashes, as they are (the UPDATE
    trigger is lifted for this and put back)."""
    db.execute("DROP TRIGGER audit_no_update")
    previous = GENESIS
    for row in db.execute("SELECT * FROM audit ORDER BY id").fetchall():
        previous = row_hash(previous, row)
        db.execute("UPDATE audit SET hash = ? WHERE id = ?", (previous, row["id"]))
    db.execute(trigger_sql(*APPEND_ONLY[0]))


def decision_detail(decision: sqlite3.Row, approval: sqlite3.Row) -> dict[str, Any]:
    """What the audit row of a decision holds of it."""
    return {"decision_id": decision["id"], "approval_id": decision["approval_id"],
            "environment": approval["environment"], "decision": decision["decision"],
            "comment": decision["comment"], "decided_at": decision["decided_at"]}


@dataclass(frozen=True)
class AuditVerdict:
    """What verifying the trail found: `problems` in the order found, the first naming
    the first bad row; none when the trail is intact."""

    rows: int
    decisions: int
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.intact:
            return (f"the audit trail is intact: {_count(self.rows, 'row')} chained, "
                    f"{_count(self.decisions, 'approval decision')} matching "
                    "their audit rows, its triggers in place")
        more = len(self.problems) - 1
        return ("the audit trail has been tampered with: " + self.problems[0]
                + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def verify(db: sqlite3.Connection) -> AuditVerdict:
    """Check the chain, every decision against its audit row and the triggers (in that
    order: the first problem names the first bad row)."""
    problems: list[str] = []
    rows = db.execute("SELECT * FROM audit ORDER BY id").fetchall()
    previous, last_at = GENESIS, ""
    for row in rows:
        if row["hash"] != row_hash(previous, row):
            problems.append(f"audit row {row['id']} ({row['action']} {row['subject']}, "
                            f"by {row['actor']}) does not match its hash: it was changed, "
                            "inserted or a row before it removed after it was written")
            break
        if row["at"] < last_at:
            problems.append(f"audit row {row['id']} ({row['action']} {row['subject']}, by "
                            f"{row['actor']}) is dated {row['at']}, before the row above "
                            f"it ({last_at}): it was inserted back-dated")
            break
        previous, last_at = row["hash"], row["at"]
    decisions = db.execute("SELECT * FROM approval_decisions ORDER BY id").fetchall()
    problems += _decision_problems(db, rows, decisions)
    problems += _definition_problems(db, rows)
    problems += _missing_triggers(db)
    return AuditVerdict(len(rows), len(decisions), problems)


def digest(text: str) -> str:
    """The SHA-256 a kept pipeline definition is known by."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _definition_problems(db: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[str]:
    """Each kept definition must hash to its digest, and each run name the digest its
    "queue run" audit row recorded."""
    problems = [f"the pipeline definition {row['digest'][:12]}… kept for builds was changed"
                for row in db.execute("SELECT * FROM definitions")
                if digest(row["text"]) != row["digest"]]
    queued = {row["subject"]: json.loads(row["detail"]).get("definition")
              for row in rows if row["action"] == "queue run"}
    for run in db.execute("SELECT id, definition FROM runs WHERE definition IS NOT NULL"):
        recorded = queued.get(f"build {run['id']}")
        if recorded != run["definition"]:
            problems.append(f"build {run['id']} names another pipeline definition than "
                            "the one its audit row recorded when it was queued")
    return problems


def _missing_triggers(db: sqlite3.Connection) -> list[str]:
    present = {row[0]: _normal(row[1]) for row in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    return [f"the trigger {name} that refuses {event} on {table} is missing or changed"
            for name, event, table, message in APPEND_ONLY
            if present.get(name) != _normal(trigger_sql(name, event, table, message))]


def _normal(sql: str) -> str:
    return " ".join(sql.split()).rstrip(";")


def _decision_problems(db: sqlite3.Connection, rows: list[sqlite3.Row],
                       decisions: list[sqlite3.Row]) -> list[str]:
    audited: dict[int, sqlite3.Row] = {}
    for row in rows:
        if row["action"] in DECISION_ACTIONS:
            detail = json.loads(row["detail"])
            if "decision_id" in detail:
                audited[int(detail["decision_id"])] = row
    approvals = {row["id"]: row for row in db.execute("SELECT * FROM approvals")}
    problems = []
    for decision in decisions:
        row = audited.pop(decision["id"], None)
        who = f"approval decision {decision['id']} ({decision['decision']} by " \
              f"{decision['approver']})"
        approval = approvals.get(decision["approval_id"])
        if row is None or approval is None:
            problems.append(f"{who} has no audit row")
            continue
        expected = decision_detail(decision, approval)
        recorded = json.loads(row["detail"])
        differs = [f"{key} {expected[key]!r} (audited: {recorded.get(key)!r})"
                   for key in expected if recorded.get(key) != expected[key]]
        if row["actor"] != decision["approver"]:
            differs.insert(0, f"approver {decision['approver']!r} "
                              f"(audited: {row['actor']!r})")
        if differs:
            problems.append(f"{who} differs from audit row {row['id']}: "
                            + "; ".join(differs))
    problems += [f"audit row {row['id']} records approval decision {number}, which is "
                 "no longer in the store" for number, row in audited.items()]
    return problems
