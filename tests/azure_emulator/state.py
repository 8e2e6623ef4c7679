"""The organization's state: projects, and (per project) what the API areas keep."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime


def now() -> str:
    """A timestamp as the service writes it (ISO 8601, UTC)."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Project:
    name: str
    id: str = field(default_factory=new_id)
    description: str = ""

    def to_json(self, base_url: str) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description,
                "url": f"{base_url}/_apis/projects/{self.id}", "state": "wellFormed",
                "revision": 1, "visibility": "private", "lastUpdateTime": "2026-01-01T00:00:00Z"}


@dataclass
class Organization:
    """Everything the emulator remembers; `lock` guards it (one thread per connection)."""

    name: str
    id: str = field(default_factory=new_id)
    projects: dict[str, Project] = field(default_factory=dict)  # by lower-cased name
    lock: threading.RLock = field(default_factory=threading.RLock)

    def add_project(self, name: str) -> Project:
        with self.lock:
            project = Project(name)
            self.projects[name.lower()] = project
            return project

    def find_project(self, name_or_id: str) -> Project | None:
        with self.lock:
            wanted = name_or_id.lower()
            for project in self.projects.values():
                if wanted in (project.name.lower(), project.id):
                    return project
        return None
