"""A workspace: a folder with an azure-pipelines.yml, its sources and `.release-manager/`
(the store, artifacts, environments, logs, locks)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from release_manager.core.environments_file import load_environments
from release_manager.core.model import Pipeline
from release_manager.core.pipeline_yaml import load, loads
from release_manager.engine.backend import Backend
from release_manager.engine.store import Store

PIPELINE_NAMES = ("azure-pipelines.yml", "azure-pipelines.yaml", ".azure-pipelines.yml")
STATE_DIR = ".release-manager"
STORE_NAME = "state.db"


def has_release_state(folder: Path) -> bool:
    """Whether releases were set up in `folder`: its store exists. `.release-manager/`
    alone does not say so: it also holds settings shared with the team
    (environments.yml, team.yml), which saving a pipeline's approvals writes."""
    return (Path(folder) / STATE_DIR / STORE_NAME).is_file()


class WorkspaceError(Exception):
    """The folder is not a usable workspace; the message says what is missing."""


class Workspace:
    def __init__(self, root: Path, backend: Backend | None = None,
                 pipeline_path: Path | None = None) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise WorkspaceError(f"{self.root} is not a folder")
        self.pipeline_path = Path(pipeline_path).resolve() if pipeline_path else \
            self._find_pipeline()
        self._backend = backend

    @classmethod
    def of_pipeline(cls, pipeline_path: Path) -> Workspace:
        """The workspace a pipeline file belongs to: its folder, whatever the file's name."""
        path = Path(pipeline_path).resolve()
        return cls(path.parent, pipeline_path=path)

    def _find_pipeline(self) -> Path:
        for name in PIPELINE_NAMES:
            if (self.root / name).is_file():
                return self.root / name
        raise WorkspaceError(
            f"{self.root} has no azure-pipelines.yml; run this in a workspace folder or give "
            "--workspace (`release-manager demo PATH` creates one)"
        )

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def locks_dir(self) -> Path:
        return self.state_dir / "locks"

    @cached_property
    def store(self) -> Store:
        return Store(self.state_dir / STORE_NAME)

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            from release_manager.engine.local.backend import LocalBackend

            self._backend = LocalBackend(self.root)
        return self._backend

    def load_pipeline(self) -> Pipeline:
        """The pipeline as it is on disk now, with its environments' policies."""
        return self.read_definition()[1]

    def read_definition(self) -> tuple[str, Pipeline]:
        """The pipeline file's text as it is on disk now, and the pipeline it holds."""
        document = load(self.pipeline_path)
        return document.text, self._with_environments(document.pipeline)

    def load_definition(self, text: str) -> Pipeline:
        """The pipeline a kept definition holds (templates resolve beside the file), with
        the environments' policies as they are now (Azure keeps them outside the YAML
        and applies them when a stage runs)."""
        return self._with_environments(loads(text, self.pipeline_path).pipeline)

    def _with_environments(self, pipeline: Pipeline) -> Pipeline:
        pipeline.environments = load_environments(self.root)
        return pipeline
