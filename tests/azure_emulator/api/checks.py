"""Check configurations (list/add/get/update/delete, query on resources). `settings` are
kept whole and returned only with $expand=settings (and in add/update answers, as in the
spec's examples)."""

from __future__ import annotations

from ..auth import MANAGE_ENVIRONMENT, VIEW_BUILDS
from ..errors import bad_request, not_found
from ..router import Call, Route, route
from ..state import CheckConfiguration, now
from ..transport import Response


def check_json(check: CheckConfiguration, project_url: str, with_settings: bool) -> dict:
    url = f"{project_url}/_apis/pipelines/checks/configurations/{check.id}"
    value = {"createdBy": check.created_by, "createdOn": check.created_on,
             "modifiedBy": check.modified_by or check.created_by,
             "modifiedOn": check.modified_on, "timeout": check.timeout,
             "_links": {"self": {"href": url}}, "id": check.id, "type": check.type,
             "url": url, "resource": check.resource}
    if with_settings and check.settings is not None:
        value["settings"] = check.settings
    return value


def routes(lock) -> list[Route]:
    def expanded(call: Call) -> bool:
        return (call.query("$expand") or "").lower() in ("settings", "all")

    def find(call: Call) -> CheckConfiguration:
        check = call.project.checks.get(call.int_param("id"))
        if check is None:
            raise not_found("Check configuration", call.params["id"])
        return check

    def list_checks(call: Call) -> Response:
        kind, resource_id = call.query("resourceType"), call.query("resourceId")
        if resource_id and not kind:
            raise bad_request("resourceType is required with resourceId.")
        with lock:
            found = [c for c in call.project.checks.values()
                     if (not kind or c.resource.get("type", "").lower() == kind.lower())
                     and (not resource_id or str(c.resource.get("id")) == resource_id)]
            values = [check_json(c, call.project_url, expanded(call)) for c in found]
        return Response.json({"count": len(values), "value": values})

    def query_on_resources(call: Call) -> Response:
        wanted = {(str(r.get("type", "")).lower(), str(r.get("id"))) for r in call.json() or []}
        with lock:
            values = [check_json(c, call.project_url, expanded(call))
                      for c in call.project.checks.values()
                      if (c.resource.get("type", "").lower(), str(c.resource.get("id")))
                      in wanted]
        return Response.json({"count": len(values), "value": values})

    def add(call: Call) -> Response:
        body = call.json() or {}
        if not body.get("type", {}).get("id") or not body.get("resource"):
            raise bad_request("A check configuration needs a type and a resource.")
        with lock:
            check = CheckConfiguration(
                call.project.next_id(), body["type"], body["resource"],
                int(body.get("timeout") or 43200), body.get("settings"),
                call.grant.identity.ref())
            call.project.checks[check.id] = check
            return Response.json(check_json(check, call.project_url, True))

    def get(call: Call) -> Response:
        with lock:
            return Response.json(check_json(find(call), call.project_url, expanded(call)))

    def update(call: Call) -> Response:
        body = call.json() or {}
        with lock:
            check = find(call)
            if "settings" in body:
                check.settings = body["settings"]
            if body.get("timeout") is not None:
                check.timeout = int(body["timeout"])
            check.modified_by, check.modified_on = call.grant.identity.ref(), now()
            return Response.json(check_json(check, call.project_url, True))

    def delete(call: Call) -> Response:
        with lock:
            find(call)
            del call.project.checks[call.int_param("id")]
        return Response(204, b"")

    base = "{project}/_apis/pipelines/checks/configurations"
    return [
        route("GET", base, list_checks, VIEW_BUILDS),
        route("POST", base, add, MANAGE_ENVIRONMENT),
        route("GET", base + "/{id:int}", get, VIEW_BUILDS),
        route("PATCH", base + "/{id:int}", update, MANAGE_ENVIRONMENT),
        route("DELETE", base + "/{id:int}", delete, MANAGE_ENVIRONMENT),
        route("POST", "{project}/_apis/pipelines/checks/queryconfigurations",
              query_on_resources, VIEW_BUILDS),
    ]
