"""Environment folders: `.release-manager/environments/<env>/releases/<run>/` holds each
installed release (with its `release.json`), and `current` points at the one in service.

A release folder is written completely beside its final name and renamed into place
before `current` moves, and `current` moves in one `os.replace` (a symlink made under a
temporary name on POSIX; a `current.json` pointer on Windows). A crash at any moment
therefore leaves `current` on a complete release, and a rollback is one switch back.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from release_manager.core.atomic_file import write_text_atomic
from release_manager.core.environment_names import environment_name_problem
from release_manager.core.regular_file import read_regular
from release_manager.engine.backend import Release

RELEASE_FILE = "release.json"
POINTER_FILE = "current.json"
USE_SYMLINK = os.name != "nt"


class DeploymentError(RuntimeError):
    """A deployment or activation that cannot be done; the message says why."""


def unpack(package: Path, target: Path) -> None:
    """Put a package's contents into `target`: a zip or tar is extracted, a folder copied."""
    if package.is_dir():
        shutil.copytree(package, target, dirs_exist_ok=True, symlinks=True)
    elif zipfile.is_zipfile(package):
        with zipfile.ZipFile(package) as archive:
            archive.extractall(target)
    elif tarfile.is_tarfile(package):
        with tarfile.open(package) as archive:
            archive.extractall(target, filter="data")
    else:
        raise DeploymentError(
            f"{package.name} is neither a folder nor a zip or tar archive; nothing to deploy"
        )


class EnvironmentFolders:
    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, environment: str) -> Path:
        problem = environment_name_problem(environment)
        if problem:
            raise DeploymentError(problem)
        return self.root / environment

    def release_folder(self, environment: str, run_id: int) -> Path:
        return self.folder(environment) / "releases" / str(run_id)

    def current_run(self, environment: str) -> int | None:
        """The run whose release is in service, or None."""
        folder = self.folder(environment)
        if USE_SYMLINK:
            try:
                target = os.readlink(folder / "current")
            except OSError:
                return None
            name = Path(target).name
        else:
            try:
                name = str(json.loads((folder / POINTER_FILE).read_text("utf-8"))["run_id"])
            except (OSError, ValueError, KeyError, TypeError):
                return None
        return int(name) if name.isdigit() else None

    def current_path(self, environment: str) -> Path | None:
        """The folder of the release in service now (resolved at each call)."""
        run_id = self.current_run(environment)
        if run_id is None:
            return None
        path = self.release_folder(environment, run_id)
        return path if path.is_dir() else None

    def releases(self, environment: str) -> list[Release]:
        """Installed releases, newest run first; a missing folder has none."""
        base = self.folder(environment) / "releases"
        if not base.is_dir():
            return []
        current = self.current_run(environment)
        found = [
            Release(environment, int(p.name), str(p), int(p.name) == current)
            for p in base.iterdir()
            if p.name.isdigit() and (p / RELEASE_FILE).is_file()
        ]
        return sorted(found, key=lambda release: release.run_id, reverse=True)

    def install(self, environment: str, run_id: int, package: Path, info: dict) -> Path:
        """Unpack `package` as release `run_id` of `environment` and write its
        `release.json`, without touching `current` (see `switch`). A folder of that number
        is replaced only by the same build again (a redeploy), never by another."""
        final = self.release_folder(environment, run_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        for leftover in final.parent.glob(".partial-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        partial = Path(tempfile.mkdtemp(prefix=f".partial-{run_id}-", dir=final.parent))
        try:
            unpack(package, partial)
            record = {
                "run_id": run_id,
                "environment": environment,
                "deployed_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **info,
            }
            write_text_atomic(partial / RELEASE_FILE, json.dumps(record, indent=2) + "\n")
            if final.exists():
                _refuse_another_build(final, run_id, info)
                if self.current_run(environment) == run_id:
                    raise DeploymentError(
                        f"release {run_id} is in service in {environment}; "
                        "it cannot be replaced while current"
                    )
                shutil.rmtree(final)  # an earlier install of this same build
            partial.replace(final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return final

    def clear_current(self, environment: str) -> None:
        """Take the release in service out of service (a first deployment that failed)."""
        folder = self.folder(environment)
        (folder / ("current" if USE_SYMLINK else POINTER_FILE)).unlink(missing_ok=True)

    def switch(self, environment: str, run_id: int) -> Release:
        """Make release `run_id` the one in service, in one atomic step."""
        target = self.release_folder(environment, run_id)
        if not (target / RELEASE_FILE).is_file():
            raise DeploymentError(
                f"release {run_id} of {environment} is no longer installed "
                f"({target} is missing); deploy run {run_id} again instead"
            )
        folder = self.folder(environment)
        if USE_SYMLINK:
            temp = folder / f".current-{os.getpid()}-{run_id}"
            temp.unlink(missing_ok=True)
            os.symlink(Path("releases") / str(run_id), temp, target_is_directory=True)
            os.replace(temp, folder / "current")
        else:
            write_text_atomic(folder / POINTER_FILE, json.dumps({"run_id": run_id}) + "\n")
        return Release(environment, run_id, str(target), True)


def same_build(installed: dict, run_id: int, info: dict) -> bool:
    """Whether the release described by `installed` (its release.json) is the build
    `run_id` described by `info`: the same number and commit, and the same queue time
    (a release recorded before it, by an older version, must have been deployed after
    the build was queued)."""
    if installed.get("run_id") != run_id or installed.get("commit") != info.get("commit"):
        return False
    created = str(info.get("build_created") or "")
    if not created:
        return True
    if "build_created" in installed:
        return installed["build_created"] == created
    return str(installed.get("deployed_at", "")) >= created


def _refuse_another_build(folder: Path, run_id: int, info: dict) -> None:
    try:
        installed = json.loads(read_regular(folder / RELEASE_FILE, 1 << 20))
    except (OSError, ValueError):
        installed = {}
    if isinstance(installed, dict) and same_build(installed, run_id, info):
        return
    held = (f"build {installed.get('run_id')} of commit {installed.get('commit')}, "
            f"deployed {installed.get('deployed_at')}") if isinstance(installed, dict) \
        and installed else "a release that cannot be read"
    raise DeploymentError(
        f"{folder} already holds {held}, not this build {run_id} (commit "
        f"{info.get('commit')}, queued {info.get('build_created') or 'now'}); a release is "
        "never overwritten. The store's build numbers no longer match the releases "
        "installed: restore state.db from a backup, or move that folder aside.")
