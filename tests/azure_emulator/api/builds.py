"""The build area: builds list (paged) / get / cancel, the timeline with changeId, logs
(content negotiated on Accept) and stage retry/cancel."""

from __future__ import annotations

from ..auth import QUEUE_BUILDS, STOP_BUILDS, VIEW_BUILDS, require
from ..errors import bad_request, not_found
from ..paging import collection, page
from ..router import Call, Route, route
from ..runs import Run
from ..transport import Response
from .pipelines import find_run

_ORDERS = {
    "finishTimeAscending": (lambda r: (r.finish_time or "", r.id), False),
    "finishTimeDescending": (lambda r: (r.finish_time or "", r.id), True),
    "queueTimeAscending": (lambda r: r.id, False),
    "queueTimeDescending": (lambda r: r.id, True),
    "startTimeAscending": (lambda r: (r.start_time or "", r.id), False),
    "startTimeDescending": (lambda r: (r.start_time or "", r.id), True),
}


def build_json(run: Run, project_url: str) -> dict:
    url = f"{project_url}/_apis/build/Builds/{run.id}"
    value = {
        "_links": {"self": {"href": url},
                   "web": {"href": f"{project_url}/_build/results?buildId={run.id}"},
                   "timeline": {"href": f"{project_url}/_apis/build/builds/{run.id}/Timeline"}},
        "id": run.id, "buildNumber": run.number, "status": run.status,
        "queueTime": run.queue_time, "url": url, "uri": f"vstfs:///Build/Build/{run.id}",
        "definition": {"id": run.pipeline.id, "name": run.pipeline.name,
                       "path": run.pipeline.folder, "type": "build", "queueStatus": "enabled",
                       "revision": run.pipeline.revision,
                       "url": f"{project_url}/_apis/build/Definitions/{run.pipeline.id}",
                       "project": run.project.ref()},
        "project": run.project.ref(), "sourceBranch": run.branch,
        "sourceVersion": run.version, "priority": "normal", "reason": "manual",
        "requestedBy": run.requested_by.ref(), "requestedFor": run.requested_by.ref(),
        "lastChangedDate": run.last_changed, "lastChangedBy": run.requested_by.ref(),
        "templateParameters": run.template_parameters,
        "orchestrationPlan": {"planId": run.plan_id},
        "plans": [{"planId": run.plan_id}],
        "logs": {"id": 0, "type": "Container",
                 "url": f"{project_url}/_apis/build/builds/{run.id}/logs"},
        "repository": {"id": run.pipeline.name, "type": "TfsGit"},
        "retainedByRelease": False, "tags": [], "properties": {},
    }
    if run.start_time:
        value["startTime"] = run.start_time
    if run.status == "completed":
        value |= {"result": run.result, "finishTime": run.finish_time}
    return value


def _ids(text: str | None) -> set[int] | None:
    return {int(part) for part in text.split(",") if part} if text else None


def routes(lock) -> list[Route]:
    def list_builds(call: Call) -> Response:
        q = call.request.query
        definitions, build_ids = _ids(q.get("definitions")), _ids(q.get("buildIds"))
        status, result = q.get("statusFilter"), q.get("resultFilter")
        branch = q.get("branchName")
        order = q.get("queryOrder") or "queueTimeDescending"
        if order not in _ORDERS:
            raise bad_request(f"Invalid queryOrder: {order}.")
        key, reverse = _ORDERS[order]
        with lock:
            runs = [r for r in call.project.runs.values()
                    if (definitions is None or r.pipeline.id in definitions)
                    and (build_ids is None or r.id in build_ids)
                    and (not status or status == "all" or r.status in status.split(","))
                    and (not result or r.result in result.split(","))
                    and (not branch or r.branch.lower() == branch.lower())]
            runs.sort(key=key, reverse=reverse)
            chunk, token = page(runs, q.get("$top"), q.get("continuationToken"),
                                key=lambda r: str(r.id))
            return collection([build_json(r, call.project_url) for r in chunk], token)

    def get_build(call: Call) -> Response:
        with lock:
            run = find_run(call.project, call.int_param("buildId"))
            return Response.json(build_json(run, call.project_url))

    def update_build(call: Call) -> Response:
        body = call.json() or {}
        with lock:
            run = find_run(call.project, call.int_param("buildId"))
            if body.get("status") == "cancelling":
                run.cancel()
            elif body.get("status"):
                raise bad_request(f"Cannot set a build's status to {body['status']}.")
            return Response.json(build_json(run, call.project_url))

    def timeline(call: Call) -> Response:
        since = int(call.query("changeId") or 0)
        with lock:
            run = find_run(call.project, call.int_param("buildId"))
            timeline_id = call.params.get("timelineId")
            if timeline_id and timeline_id.lower() != run.plan_id:
                raise not_found("Timeline", timeline_id)
            logs_url = f"{call.project_url}/_apis/build/builds/{run.id}/logs"
            records = [r.to_json(logs_url) for r in run.records() if r.change_id > since]
            return Response.json({
                "records": records, "lastChangedBy": run.requested_by.id,
                "lastChangedOn": run.last_changed, "id": run.plan_id,
                "changeId": run.change_id,
                "url": f"{call.project_url}/_apis/build/builds/{run.id}/Timeline/{run.plan_id}"})

    def list_logs(call: Call) -> Response:
        with lock:
            run = find_run(call.project, call.int_param("buildId"))
            base = f"{call.project_url}/_apis/build/builds/{run.id}/logs"
            return collection([{"lineCount": len(log.lines), "createdOn": log.created_on,
                                "lastChangedOn": log.last_changed_on, "id": log.id,
                                "type": "Container", "url": f"{base}/{log.id}"}
                               for log in run.logs], None)

    def get_log(call: Call) -> Response:
        with lock:
            run = find_run(call.project, call.int_param("buildId"))
            log = next((log for log in run.logs if log.id == call.int_param("logId")), None)
            if log is None:
                raise not_found("Log", call.params["logId"])
            lines = list(log.lines)
        # Lines are numbered from 1; startLine/endLine are inclusive.
        start = int(call.query("startLine") or 1)
        end = int(call.query("endLine") or len(lines))
        chosen = lines[max(start, 1) - 1:end]
        if "application/json" in call.request.accept:
            return Response.json({"count": len(chosen), "value": chosen})
        if "application/zip" in call.request.accept:
            raise bad_request("The emulator does not serve zipped logs.")
        return Response.text("".join(line + "\r\n" for line in chosen))

    def update_stage(call: Call) -> Response:
        body = call.json() or {}
        require(call.grant, QUEUE_BUILDS if body.get("state") == "retry" else STOP_BUILDS,
                call.project.name)
        with lock:
            run = find_run(call.project, call.int_param("buildId"))
            if body.get("state") == "retry":
                run.retry_stage(call.params["stageRefName"], bool(body.get("forceRetryAllJobs")))
            elif body.get("state") == "cancel":
                run.cancel_stage(call.params["stageRefName"])
            else:
                raise bad_request(f"Invalid stage update state: {body.get('state')}.")
        return Response(204, b"")

    base = "{project}/_apis/build/builds"
    build = base + "/{buildId:int}"
    return [
        route("GET", base, list_builds, VIEW_BUILDS),
        route("GET", build, get_build, VIEW_BUILDS),
        route("PATCH", build, update_build, STOP_BUILDS),
        route("GET", f"{build}/timeline", timeline, VIEW_BUILDS),
        route("GET", f"{build}/timeline/{{timelineId}}", timeline, VIEW_BUILDS),
        route("GET", f"{build}/logs", list_logs, VIEW_BUILDS),
        route("GET", f"{build}/logs/{{logId:int}}", get_log, VIEW_BUILDS),
        route("PATCH", f"{build}/stages/{{stageRefName}}", update_stage),
    ]
