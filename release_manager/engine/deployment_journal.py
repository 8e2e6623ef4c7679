"""Deployments and rollbacks in progress, beside the store: one small file each under
`.release-manager/running/`, written before the environment changes and removed once its
deployment row is closed. It holds what the row does not: the process writing it and the
build the environment served before. A file left behind means its writer died; recovery
reads it to put the environment back."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from release_manager.core.atomic_file import write_text_atomic

JOURNAL_DIR = "running"


@dataclass(frozen=True)
class InProgress:
    deployment_id: int
    environment: str
    previous: int | None
    """The build in service when the change began (None: nothing was)."""
    pid: int
    """The process changing the environment."""


class DeploymentJournal:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def begin(self, deployment_id: int, environment: str, previous: int | None) -> None:
        entry = InProgress(deployment_id, environment, previous, os.getpid())
        write_text_atomic(self._path(deployment_id), json.dumps(asdict(entry)) + "\n")

    def end(self, deployment_id: int) -> None:
        self._path(deployment_id).unlink(missing_ok=True)

    def entry(self, deployment_id: int) -> InProgress | None:
        """The entry of a deployment (None: none, or one its writer did not finish)."""
        try:
            return InProgress(**json.loads(self._path(deployment_id).read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def deployment_ids(self) -> list[int]:
        return sorted(int(p.stem) for p in self.folder.glob("*.json") if p.stem.isdigit()) \
            if self.folder.is_dir() else []

    def _path(self, deployment_id: int) -> Path:
        return self.folder / f"{deployment_id}.json"
