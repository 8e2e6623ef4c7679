"""What the SDK asks before anything else, and what sign-in reads: the location table
(OPTIONS {org}/_apis), resource areas, connection data and projects."""

from __future__ import annotations

import json
from pathlib import Path

from ..auth import VIEW_PROJECT
from ..errors import project_not_found
from ..router import Call, Route, route
from ..state import Organization
from ..transport import Response

LOCATIONS_FILE = Path(__file__).parent.parent / "locations.json"


def locations() -> list[dict]:
    table = json.loads(LOCATIONS_FILE.read_text(encoding="utf-8"))
    return table["contract"] + table["emulatorOnly"]


def routes(org: Organization) -> list[Route]:
    table = locations()

    def options(call: Call) -> Response:
        return Response.json({"count": len(table), "value": table})

    def resource_areas(call: Call) -> Response:
        # Empty: every client then uses the organization URL (see the contracts' README).
        return Response.json({"count": 0, "value": []})

    def connection_data(call: Call) -> Response:
        identity = call.grant.identity
        user = {
            "id": identity.id, "descriptor": f"aad.{identity.id}",
            "subjectDescriptor": f"aad.{identity.id}",
            "providerDisplayName": identity.display_name, "isActive": True,
            "properties": {"Account": {"$type": "System.String", "$value": identity.unique_name}},
            "resourceVersion": 2, "metaTypeId": 0,
        }
        return Response.json({"authenticatedUser": user, "authorizedUser": user,
                              "instanceId": org.id, "deploymentType": "hosted",
                              "locationServiceData": {"serviceOwner": org.id}})

    def list_projects(call: Call) -> Response:
        with org.lock:
            value = [p.to_json(call.base_url) for p in org.projects.values()]
        return Response.json({"count": len(value), "value": value})

    def get_project(call: Call) -> Response:
        project = org.find_project(call.params["projectId"])
        if project is None:
            raise project_not_found(call.params["projectId"])
        return Response.json(project.to_json(call.base_url))

    return [
        route("OPTIONS", "_apis", options),
        route("GET", "_apis/ResourceAreas", resource_areas),
        route("GET", "_apis/connectionData", connection_data),
        route("GET", "_apis/projects", list_projects, VIEW_PROJECT),
        route("GET", "_apis/projects/{projectId}", get_project, VIEW_PROJECT),
    ]
