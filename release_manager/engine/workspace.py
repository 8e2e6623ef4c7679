"""A workspace: a folder with an azure-pipelines.yml, its sources and `.release-manager/`
(the store, artifacts, environments, logs, locks)."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from release_manager.core.environments_file import load_environments
from release_manager.core.model import Pipeline
from release_manager.core.pipeline_yaml import load, loads
from release_manager.core.regular_file import describe

if TYPE_CHECKING:  # imported where used: the window asks `has_release_state` at its start
    from release_manager.engine.app_targets import AppTargets
    from release_manager.engine.backend import Backend
    from release_manager.engine.store import Store

PIPELINE_NAMES = ("azure-pipelines.yml", "azure-pipelines.yaml", ".azure-pipelines.yml")
STATE_DIR = ".release-manager"
STORE_NAME = "state.db"
ENVIRONMENTS_DIR = "environments"


def has_release_state(folder: Path) -> bool:
    """Whether releases were set up in `folder`: its store exists (whatever it is now), or
    releases are installed there. `.release-manager/` alone does not say so: it also
    holds settings shared with the team (environments.yml, team.yml), which saving a
    pipeline's approvals writes."""
    state = Path(folder) / STATE_DIR
    return os.path.lexists(state / STORE_NAME) or bool(release_folders(state))


def release_folders(state_dir: Path) -> list[Path]:
    """The release folders installed under `<state_dir>/environments/<env>/releases/`."""
    return sorted((Path(state_dir) / ENVIRONMENTS_DIR).glob("*/releases/[0-9]*"))


class WorkspaceError(Exception):
    """The folder is not a usable workspace; the message says what is missing."""


class StoreLost(WorkspaceError):
    """The store is missing or empty while releases it recorded are installed: a new one
    would number builds from 1 again, over them. It is never created then."""


class Workspace:
    def __init__(self, root: Path, backend: Backend | None = None,
                 pipeline_path: Path | None = None) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise WorkspaceError(f"{self.root} is not a folder")
        self.pipeline_path = Path(pipeline_path).resolve() if pipeline_path else \
            self._find_pipeline()
        self._backend = backend
        self._targets: AppTargets | None = None

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
        """The store, opened (StoreUnusable when it is damaged); StoreLost rather than a
        new store when it is missing or holds no build while releases are installed."""
        from release_manager.engine.store import Store

        path = self.state_dir / STORE_NAME
        releases = release_folders(self.state_dir)
        if releases and (not os.path.lexists(path) or _empty_file(path)):
            raise StoreLost(self._lost(path, releases, "is missing" if not
                                       os.path.lexists(path) else "is empty (0 bytes)"))
        store = Store(path)
        if releases and not store.runs(limit=1):
            store.close()
            raise StoreLost(self._lost(path, releases, "holds no build"))
        return store

    def _lost(self, path: Path, releases: list[Path], what: str) -> str:
        by_environment: dict[str, list[str]] = {}
        for folder in releases:
            by_environment.setdefault(folder.parent.parent.name, []).append(folder.name)
        installed = "; ".join(f"{name}: {', '.join(sorted(numbers, key=int))}"
                              for name, numbers in sorted(by_environment.items()))
        environments = self.state_dir / ENVIRONMENTS_DIR
        return (f"{path} {what}, but releases it recorded are installed in {environments} "
                f"({installed}). A new store would number builds from 1 again, over them, "
                "so nothing was done. Restore state.db from a backup; or, to start a new "
                f"history, move {environments} aside first.")

    def check_folders(self) -> None:
        """The folders the engine writes in, where they exist, are folders: a file in the
        place of one is named, before any work starts."""
        for path, holds in ((self.state_dir, "the release state"),
                            (self.locks_dir, "the environments' locks"),
                            (self.logs_dir, "the stages' logs"),
                            (self.state_dir / ENVIRONMENTS_DIR, "the installed releases")):
            if os.path.lexists(path) and not path.is_dir():
                raise WorkspaceError(
                    f"{path} is {describe(path)}, not a folder; Release Manager keeps "
                    f"{holds} in it. Move it aside and try again.")

    @property
    def connected(self) -> bool:
        """Whether the workspace is connected to an Azure pipeline (has azure.yml)."""
        from release_manager.engine.azure.binding import binding_path

        path = binding_path(self.root)
        return path.exists() or path.is_symlink()

    @property
    def backend(self) -> Backend:
        """Azure DevOps (with the saved sign-in for its organization: SignedOut saying to
        run `release-manager login` when there is none) on a connected workspace, the
        local backend otherwise. A bad azure.yml raises BindingFileError."""
        if self._backend is None:
            if self.connected:
                self._backend = self._azure_backend()
            else:
                from release_manager.engine.local.backend import LocalBackend

                self._backend = LocalBackend(self.root)
        return self._backend

    @property
    def targets(self) -> AppTargets:
        """The environments' App Service slots: through Azure Resource Manager on a
        workspace connected to Azure, the local slots otherwise (sharing the local
        backend's site servers, so a restart restarts the site this process serves)."""
        if self._targets is None:
            if self.connected:
                self._targets = self._arm_targets()
            else:
                from release_manager.engine.local.backend import LocalBackend
                from release_manager.engine.local.targets import LocalTargets

                backend = self.backend
                self._targets = LocalTargets(
                    self.root, backend.sites if isinstance(backend, LocalBackend) else None)
        return self._targets

    def _arm_targets(self) -> AppTargets:
        from release_manager.engine.azure.app_service import arm_targets  # the SDK

        return arm_targets(self.root)

    def _azure_backend(self) -> Backend:
        from release_manager.engine.azure.backend import AzureBackend
        from release_manager.engine.azure.binding import load_binding
        from release_manager.engine.azure.connection import AzureConnection
        from release_manager.engine.azure.organization import parse_organization
        from release_manager.engine.azure.saved_sign_ins import SavedSignIns

        binding = load_binding(self.root)
        if binding is None:
            raise WorkspaceError(f"{self.root} is no longer connected to Azure DevOps")
        organization = parse_organization(binding.organization_url)
        connection = AzureConnection(organization, SavedSignIns().load(organization))
        return AzureBackend(connection, binding, self.root)

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


def _empty_file(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size == 0
    except OSError:
        return False
