"""Pipeline approvals (no SDK client: raw REST): query, get, and PATCH a list of decisions.
A decision follows the Approval check's rules; deciding moves the run on."""

from __future__ import annotations

from ..approval_rules import Approval
from ..auth import APPROVE, VIEW_BUILDS
from ..errors import bad_request, not_found
from ..router import Call, Route, route
from ..transport import Response


def routes(lock) -> list[Route]:
    def find(call: Call, approval_id: str) -> Approval:
        approval = call.project.approvals.get(approval_id.lower())
        if approval is None:
            raise not_found("Approval", approval_id)
        return approval

    def expand_steps(call: Call) -> bool:
        return "steps" in (call.query("$expand") or "").lower()

    def query(call: Call) -> Response:
        ids = {i.lower() for i in (call.query("approvalIds") or "").split(",") if i}
        state = call.query("state")
        users = {u for u in (call.query("userIds") or "").split(",") if u}
        top = int(call.query("top") or 0)
        with lock:
            found = [a for a in call.project.approvals.values()
                     if (not ids or a.id in ids)
                     and (not state or state == "all" or a.status in state.split(","))
                     and (not users or any(s.approver.get("id") in users for s in a.steps))]
            found.sort(key=lambda a: a.created_on, reverse=True)
            if top:
                found = found[:top]
            values = [a.to_json(call.project_url, expand_steps(call)) for a in found]
        return Response.json({"count": len(values), "value": values})

    def get(call: Call) -> Response:
        with lock:
            approval = find(call, call.params["approvalId"])
            return Response.json(approval.to_json(call.project_url, expand_steps(call)))

    def update(call: Call) -> Response:
        updates = call.json()
        if not isinstance(updates, list):
            raise bad_request("The request body must be a list of approval updates.")
        with lock:
            decided = []
            for item in updates:
                if item.get("reassignTo"):
                    raise bad_request("The emulator does not reassign approvals.")
                approval = find(call, str(item.get("approvalId", "")))
                approval.decide(call.grant.identity, item.get("status", ""),
                                item.get("comment") or "")
                if approval.status != "pending":
                    call.project.runs[approval.run_id].approval_decided(approval)
                decided.append(approval.to_json(call.project_url, True))
        return Response.json({"count": len(decided), "value": decided})

    base = "{project}/_apis/pipelines/approvals"
    return [
        route("GET", base, query, VIEW_BUILDS),
        route("GET", base + "/{approvalId}", get, VIEW_BUILDS),
        route("PATCH", base, update, APPROVE),
    ]
