"""The project's environments (`distributedtask/environments`), found by name in any case
as Azure matches them: the id their checks and deployment records are read by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from release_manager.engine.azure.wire import get, values
from release_manager.engine.backend_errors import NotFound


@dataclass(frozen=True)
class RemoteEnvironment:
    id: int
    name: str

    def resource(self) -> dict[str, Any]:
        """The environment as a check configuration's `resource`."""
        return {"type": "environment", "id": str(self.id), "name": self.name}


def remote_environments(answer: dict[str, Any] | list[dict[str, Any]]) -> list[RemoteEnvironment]:
    return [RemoteEnvironment(int(get(e, "id")), str(get(e, "name", "")))
            for e in values(answer)]


def find_environment(environments: list[RemoteEnvironment], name: str) -> RemoteEnvironment:
    """The environment named `name` in any case (`prod` is `Prod`, as in Azure); NotFound
    naming the project's environments otherwise."""
    wanted = name.strip().casefold()
    for environment in environments:
        if environment.name.casefold() == wanted:
            return environment
    known = ", ".join(sorted((e.name for e in environments), key=str.casefold)) or "none"
    raise NotFound(f"no environment {name!r} in the project (environments: {known})",
                   "environment", name)
