"""Routes: a method and a path pattern below the organization, the permission the caller
needs, and the handler that answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .auth import Grant
from .state import Project
from .transport import Request, Response


@dataclass
class Call:
    """What a handler gets: the request, who made it, the path's named parts and the
    project it addresses (resolved by name or id)."""

    request: Request
    grant: Grant
    params: dict[str, str]
    project: Project | None  # None for organization-level routes
    base_url: str  # https://localhost:PORT/ORG

    @property
    def project_url(self) -> str:
        return f"{self.base_url}/{self.project.id}"

    def json(self):
        return self.request.json()

    def int_param(self, name: str) -> int:
        return int(self.params[name])

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query.get(name, default)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[Call], Response]
    permission: str | None


def route(method: str, path: str, handler: Callable[[Call], Response],
          permission: str | None = None) -> Route:
    """`path` is below the organization, e.g. "{project}/_apis/pipelines/{pipelineId:int}";
    each {name} matches one path segment, {name:int} a number (case-insensitive, as the
    service matches)."""
    regex = re.sub(r"\{(\w+)(:int)?\}",
                   lambda m: f"(?P<{m[1]}>{'[0-9]+' if m[2] else '[^/]+'})", path)
    return Route(method, re.compile(regex + "/?", re.IGNORECASE), handler, permission)


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in routes:
        if candidate.method == method:
            found = candidate.pattern.fullmatch(path)
            if found:
                return candidate, found.groupdict()
    return None
