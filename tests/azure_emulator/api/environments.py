"""distributedtask environments (list/get/create/update/delete) and their deployment
records (newest first, paged)."""

from __future__ import annotations

from ..auth import MANAGE_ENVIRONMENT, VIEW_BUILDS
from ..errors import bad_request, not_found
from ..paging import collection, page
from ..router import Call, Route, route
from ..state import Environment, Project, now
from ..transport import Response


def environment_json(environment: Environment, project: Project) -> dict:
    return {"id": environment.id, "name": environment.name,
            "description": environment.description,
            "createdBy": environment.created_by, "createdOn": environment.created_on,
            "lastModifiedBy": environment.created_by,
            "lastModifiedOn": environment.last_modified_on,
            "project": {"id": project.id, "name": project.name}, "resources": []}


def routes(lock) -> list[Route]:
    def find(call: Call) -> Environment:
        environment = call.project.environments.get(call.int_param("environmentId"))
        if environment is None:
            raise not_found("Environment", call.params["environmentId"])
        return environment

    def list_environments(call: Call) -> Response:
        name = (call.query("name") or "").lower()
        with lock:
            found = sorted((e for e in call.project.environments.values()
                            if not name or e.name.lower() == name), key=lambda e: e.id)
            chunk, token = page(found, call.query("$top"), call.query("continuationToken"),
                                key=lambda e: str(e.id))
            return collection([environment_json(e, call.project) for e in chunk], token)

    def get(call: Call) -> Response:
        with lock:
            return Response.json(environment_json(find(call), call.project))

    def create(call: Call) -> Response:
        body = call.json() or {}
        name = (body.get("name") or "").strip()
        with lock:
            if not name or call.project.environment_named(name) is not None:
                raise bad_request(f"Environment name '{name}' is empty or already in use.")
            environment = Environment(call.project.next_id(), name,
                                      body.get("description") or "",
                                      created_by=call.grant.identity.ref())
            call.project.environments[environment.id] = environment
            return Response.json(environment_json(environment, call.project))

    def update(call: Call) -> Response:
        body = call.json() or {}
        with lock:
            environment = find(call)
            environment.name = body.get("name") or environment.name
            if body.get("description") is not None:
                environment.description = body["description"]
            environment.last_modified_on = now()
            return Response.json(environment_json(environment, call.project))

    def delete(call: Call) -> Response:
        with lock:
            find(call)
            del call.project.environments[call.int_param("environmentId")]
        return Response(204, b"")

    def deployment_records(call: Call) -> Response:
        with lock:
            environment = find(call)
            records = sorted((r for r in call.project.deployment_records
                              if r["environmentId"] == environment.id),
                             key=lambda r: r["id"], reverse=True)
            chunk, token = page(records, call.query("top"), call.query("continuationToken"),
                                key=lambda r: str(r["id"]))
            return collection([dict(r) for r in chunk], token)

    base = "{project}/_apis/distributedtask/environments"
    one = base + "/{environmentId:int}"
    return [
        route("GET", base, list_environments, VIEW_BUILDS),
        route("POST", base, create, MANAGE_ENVIRONMENT),
        route("GET", one, get, VIEW_BUILDS),
        route("PATCH", one, update, MANAGE_ENVIRONMENT),
        route("DELETE", one, delete, MANAGE_ENVIRONMENT),
        route("GET", one + "/environmentdeploymentrecords", deployment_records, VIEW_BUILDS),
    ]
