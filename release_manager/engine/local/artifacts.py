"""A run's pipeline artifacts: `.release-manager/artifacts/<run>/<name>/`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


class ArtifactError(Exception):
    """An artifact that cannot be published or downloaded; the message says why."""


def copy_into(source: Path, target: Path) -> None:
    """Copy a file or a folder's contents into the folder `target`."""
    target.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True)
    else:
        shutil.copy2(source, target / source.name)


class ArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, run_id: int, name: str) -> Path:
        return self.root / str(run_id) / name

    def names(self, run_id: int) -> list[str]:
        folder = self.root / str(run_id)
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))

    def publish(self, run_id: int, name: str, source: Path) -> Path:
        """Store `source` (a file or a folder) as artifact `name`: written beside, then put
        in place, so a half-copied artifact is never seen. Publishing a name again in the
        same run replaces it (a stage run again)."""
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ArtifactError(f"'{name}' is not a valid artifact name")
        if not source.exists():
            raise ArtifactError(f"Path to publish not found: {source}")
        final = self.path(run_id, name)
        final.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=final.parent))
        try:
            copy_into(source, partial)
            if final.exists():
                shutil.rmtree(final)
            partial.replace(final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return final

    def download(
        self, run_id: int, name: str | None, target: Path, *, subfolder: bool
    ) -> list[str]:
        """Copy artifact `name` (None: all of the run's) into `target`, each in a folder
        of its name when `subfolder` (or when downloading all). Returns the names."""
        names = [name] if name else self.names(run_id)
        if name and not self.path(run_id, name).is_dir():
            known = ", ".join(self.names(run_id)) or "none"
            raise ArtifactError(
                f"Artifact '{name}' was not published by run {run_id} (published: {known})"
            )
        for each in names:
            destination = target / each if (subfolder or not name) else target
            copy_into(self.path(run_id, each), destination)
        return names
