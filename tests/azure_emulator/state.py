"""The organization's state: projects, and in each its pipelines, runs, environments,
checks and approvals. One lock guards it all (the server runs a thread per connection)."""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime


def now() -> str:
    """A timestamp as the service writes it (ISO 8601, UTC)."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def new_id() -> str:
    return str(uuid.uuid4())


APPROVAL_CHECK = {"id": "8c6f20a7-a545-4486-9777-f762fafe0d4d", "name": "Approval"}


@dataclass(frozen=True)
class StageSpec:
    """A stage of a pipeline as the test defines it. A stage with an environment runs a
    deployment job there (and waits on that environment's Approval check); `depends_on`
    None means the previous stage, () none. `outcome` is how its job ends: succeeded or
    failed (a test may change it per run, before or after a retry), or holds (its last
    task runs until the stage is cancelled)."""

    name: str
    environment: str | None = None
    depends_on: tuple[str, ...] | None = None
    tasks: tuple[str, ...] = ("Checkout", "Script")
    outcome: str = "succeeded"
    display_name: str | None = None


@dataclass
class Pipeline:
    id: int
    name: str
    stages: list[StageSpec]
    folder: str = "\\"
    path: str = "azure-pipelines.yml"
    revision: int = 1
    heads: dict[str, str] = field(default_factory=dict)
    """The commit each branch (`refs/heads/…`) is at: what a run queued on it builds."""

    def dependencies(self, stage: str) -> tuple[str, ...]:
        names = [spec.name for spec in self.stages]
        spec = self.stages[names.index(stage)]
        if spec.depends_on is not None:
            return spec.depends_on
        index = names.index(stage)
        return (names[index - 1],) if index else ()


@dataclass
class Environment:
    id: int
    name: str
    description: str = ""
    created_by: dict | None = None
    created_on: str = field(default_factory=now)
    last_modified_on: str = field(default_factory=now)


@dataclass
class CheckConfiguration:
    id: int
    type: dict
    resource: dict  # {"type": "environment", "id": "3", "name": "QA"}
    timeout: int
    settings: dict | None
    created_by: dict
    created_on: str = field(default_factory=now)
    modified_by: dict | None = None
    modified_on: str = field(default_factory=now)


@dataclass
class Project:
    name: str
    id: str = field(default_factory=new_id)
    description: str = ""
    pipelines: dict[int, Pipeline] = field(default_factory=dict)
    runs: dict[int, object] = field(default_factory=dict)  # runs.Run by id
    environments: dict[int, Environment] = field(default_factory=dict)
    checks: dict[int, CheckConfiguration] = field(default_factory=dict)
    approvals: dict[str, object] = field(default_factory=dict)  # approval_rules.Approval
    deployment_records: list[dict] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _run_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> int:
        """Ids for pipelines, environments, checks and records: unique, rising."""
        return next(self._ids)

    def next_run_id(self) -> int:
        """Runs (builds) are numbered on their own, from 1, as on the service."""
        return next(self._run_ids)

    def to_json(self, base_url: str) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description,
                "url": f"{base_url}/_apis/projects/{self.id}", "state": "wellFormed",
                "revision": 1, "visibility": "private", "lastUpdateTime": "2026-01-01T00:00:00Z"}

    def ref(self) -> dict:
        return {"id": self.id, "name": self.name, "state": "wellFormed",
                "visibility": "private"}

    def environment_named(self, name: str) -> Environment | None:
        for environment in self.environments.values():
            if environment.name.lower() == name.lower():
                return environment
        return None

    def approval_check(self, environment: Environment) -> CheckConfiguration | None:
        for check in self.checks.values():
            if (check.type["id"] == APPROVAL_CHECK["id"]
                    and check.resource.get("type") == "environment"
                    and str(check.resource.get("id")) == str(environment.id)):
                return check
        return None


@dataclass
class Organization:
    """Everything the emulator remembers; `lock` guards it."""

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
