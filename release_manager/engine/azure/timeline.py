"""A build's timeline → each stage's state in the engine's words (the ones `status`, the
matrix and the graph show: queued, waiting, running, succeeded, failed, canceled, skipped,
rejected, interrupted), and the incremental update (`changeId`) merged into the last one.

The timeline is a flat list of records linked by `parentId`: Stage → Phase → Job → Task,
and Stage → Checkpoint → Checkpoint.Approval while a stage waits on its environment's
checks. The Checkpoint.Approval record's id is the approval's id."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from release_manager.engine.azure.wire import get
from release_manager.engine.backend_errors import NotFound

NOT_REACHED = "pending"
"""A stage the run has not reached yet (its dependencies or conditions still ahead)."""

_RESULTS = {"succeeded": "succeeded", "succeededWithIssues": "succeeded", "failed": "failed",
            "canceled": "canceled", "skipped": "skipped", "abandoned": "interrupted"}


@dataclass(frozen=True)
class StageState:
    identifier: str
    """The stage's name in the YAML (`stage: Prod`): what the REST API takes to retry it."""
    name: str
    """Its display name (`displayName:`), the identifier when it has none."""
    state: str
    """The engine's word, or NOT_REACHED."""
    result: str | None
    """Azure's result as the timeline says it (succeededWithIssues, abandoned, …)."""
    message: str
    attempt: int
    record_id: str
    approval_id: str = ""
    """The pending or last approval of this attempt (the Checkpoint.Approval record)."""

    @property
    def reached(self) -> bool:
        return self.state != NOT_REACHED


def records_of(timeline: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list(get(timeline, "records", []))


def change_id(timeline: dict[str, Any] | None) -> int:
    """What to send as `changeId` next time: only records changed after it come back."""
    return int(get(timeline, "changeId", 0))


def merge_timeline(previous: dict[str, Any] | None, update: dict[str, Any]) -> dict[str, Any]:
    """The whole timeline after `update`, the answer to `timeline?changeId=N` (the records
    changed since N): each changed record replaces the one with its id, new ones are added."""
    if previous is None:
        return update
    merged = {get(record, "id"): record for record in records_of(previous)}
    for record in records_of(update):
        merged[get(record, "id")] = record
    return {**previous, **update, "records": list(merged.values())}


def stage_states(timeline: dict[str, Any] | None) -> list[StageState]:
    """Every stage of the run in pipeline order, with its state in the engine's words."""
    records = records_of(timeline)
    children: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        children[get(record, "parentId", "")].append(record)
    stages = sorted((r for r in records if get(r, "type") == "Stage"),
                    key=lambda r: get(r, "order", 0))
    return [_stage_state(stage, children) for stage in stages]


def _stage_state(stage: dict[str, Any], children: dict[str, list[dict[str, Any]]]) -> StageState:
    below = list(_descendants(get(stage, "id"), children))
    approval = _latest(below, "Checkpoint.Approval")
    checkpoint = _latest(below, "Checkpoint")
    state, message = _state(stage, below, approval, checkpoint)
    identifier = get(stage, "identifier", "") or get(stage, "name", "")
    return StageState(
        identifier=identifier, name=get(stage, "name", "") or identifier, state=state,
        result=get(stage, "result"), message=message, attempt=int(get(stage, "attempt", 1)),
        record_id=get(stage, "id", ""),
        approval_id=get(approval, "id", "") if approval is not None else "")


def _latest(records: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    """The record of `kind` of the stage's current attempt: the one in progress, else the
    last one (a retried stage passes its checks again)."""
    found = [r for r in records if get(r, "type") == kind]
    return next((r for r in found if get(r, "state") == "inProgress"), found[-1] if found else None)


def _descendants(record_id: str, children: dict[str, list[dict[str, Any]]]):
    pending = list(children.get(record_id, []))
    while pending:
        record = pending.pop(0)
        yield record
        pending.extend(children.get(get(record, "id"), []))


def _state(stage: dict[str, Any], below: list[dict[str, Any]], approval: dict[str, Any] | None,
           checkpoint: dict[str, Any] | None) -> tuple[str, str]:
    status, result = get(stage, "state"), get(stage, "result")
    if status == "completed":
        if result == "failed" and approval is not None and get(approval, "result") == "failed":
            return "rejected", "the approval was rejected or timed out"
        if result == "succeededWithIssues":
            return "succeeded", "succeeded with warnings"
        state = _RESULTS.get(result or "", "failed")
        return state, _first_error(below) if state == "failed" else ""
    if approval is not None and get(approval, "state") == "inProgress":
        return "waiting", "waiting for approval"
    if checkpoint is not None and get(checkpoint, "state") == "inProgress":
        return "queued", "waiting for the environment's checks"
    checks_passed = checkpoint is not None and get(checkpoint, "result") == "succeeded"
    if status == "inProgress" or checks_passed:  # started, or about to
        working = any(get(r, "state") == "inProgress" for r in below
                      if get(r, "type") in ("Job", "Task"))
        return ("running", "") if working else ("queued", "waiting for an agent")
    return NOT_REACHED, ""


def _first_error(records: list[dict[str, Any]]) -> str:
    for record in records:
        for issue in get(record, "issues", []):
            if get(issue, "type") == "error" and get(issue, "message"):
                return str(get(issue, "message"))
    return ""


def find_stage(states: list[StageState], name: str) -> StageState:
    """The stage named `name` by its identifier or display name, in any case (as Azure
    matches them); NotFound naming the known stages otherwise."""
    wanted = name.strip().casefold()
    for state in states:
        if wanted in (state.identifier.casefold(), state.name.casefold()):
            return state
    known = ", ".join(state.identifier for state in states) or "none"
    raise NotFound(f"no stage {name!r} in this run (stages: {known})", "stage", name)
