"""Environment folders: `.release-manager/environments/<env>/releases/<run>/` holds each
installed release (with its `release.json`), and `current` points at the one in service.

An environment's folder is its app: `current` is the production slot's pointer, and a
slot `<slot>` is `slots/<slot>/` beside it with its own `current` and a `releases` link
to the app's releases, so that both `current` links read `releases/<run>` and stay
right when they are exchanged (a swap). Whether a slot is stopped is in `stopped.json`.

A release folder is written completely beside its final name and renamed into place
before `current` moves, and `current` moves in one `os.replace` (a symlink made under a
temporary name on POSIX; a `current.json` pointer on Windows). A crash at any moment
therefore leaves `current` on a complete release, and a rollback is one switch back.
A swap is one exchange too (see `EnvironmentFolders.exchange`).
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
from release_manager.core.model import PRODUCTION_SLOT
from release_manager.core.regular_file import read_regular
from release_manager.engine.backend import Release
from release_manager.engine.local.link_exchange import exchange

RELEASE_FILE = "release.json"
POINTER_FILE = "current.json"
STOPPED_FILE = "stopped.json"
SLOTS_DIR = "slots"
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

    def slot_folder(self, environment: str, slot: str = PRODUCTION_SLOT) -> Path:
        """The folder holding `slot`'s `current` (the environment's own for production)."""
        folder = self.folder(environment)
        if slot == PRODUCTION_SLOT:
            return folder
        problem = environment_name_problem(slot)
        if problem:
            raise DeploymentError(problem.replace("an environment name", "a slot name"))
        return folder / SLOTS_DIR / slot

    def slots(self, environment: str) -> list[str]:
        """Production, then the environment's other slots by name."""
        base = self.folder(environment) / SLOTS_DIR
        others = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        return [PRODUCTION_SLOT, *others]

    def current_run(self, environment: str, slot: str = PRODUCTION_SLOT) -> int | None:
        """The run whose release is in service in `slot`, or None."""
        if USE_SYMLINK:
            try:
                target = os.readlink(self.slot_folder(environment, slot) / "current")
            except OSError:
                return None
            name = Path(target).name
        else:
            pointers = self._pointers(environment)
            value = pointers.get("run_id") if slot == PRODUCTION_SLOT else \
                (pointers.get("slots") or {}).get(slot)
            name = str(value) if isinstance(value, int) else ""
        return int(name) if name.isdigit() else None

    def current_path(self, environment: str, slot: str = PRODUCTION_SLOT) -> Path | None:
        """The folder of the release in service now (resolved at each call)."""
        run_id = self.current_run(environment, slot)
        if run_id is None:
            return None
        path = self.release_folder(environment, run_id)
        return path if path.is_dir() else None

    def release_record(self, environment: str, slot: str = PRODUCTION_SLOT) -> dict | None:
        """The `release.json` of the release `slot` serves (None: none, or unreadable)."""
        path = self.current_path(environment, slot)
        try:
            record = json.loads(read_regular(path / RELEASE_FILE, 1 << 20)) if path else None
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def releases(self, environment: str, slot: str = PRODUCTION_SLOT) -> list[Release]:
        """Installed releases, newest run first, `current` the one `slot` serves; a
        missing folder has none."""
        base = self.folder(environment) / "releases"
        if not base.is_dir():
            return []
        current = self.current_run(environment, slot)
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
                serving = [slot for slot in self.slots(environment)
                           if self.current_run(environment, slot) == run_id]
                if serving:
                    where = "" if serving == [PRODUCTION_SLOT] else f" (slot {serving[0]})"
                    raise DeploymentError(
                        f"release {run_id} is in service in {environment}{where}; "
                        "it cannot be replaced while current"
                    )
                shutil.rmtree(final)  # an earlier install of this same build
            partial.replace(final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return final

    def clear_current(self, environment: str, slot: str = PRODUCTION_SLOT) -> None:
        """Take the release in service out of service (a first deployment that failed)."""
        if USE_SYMLINK:
            (self.slot_folder(environment, slot) / "current").unlink(missing_ok=True)
        else:
            self._set_pointer(environment, slot, None)

    def switch(self, environment: str, run_id: int, slot: str = PRODUCTION_SLOT) -> Release:
        """Make release `run_id` the one in service in `slot`, in one atomic step."""
        target = self.release_folder(environment, run_id)
        if not (target / RELEASE_FILE).is_file():
            raise DeploymentError(
                f"release {run_id} of {environment} is no longer installed "
                f"({target} is missing); deploy run {run_id} again instead"
            )
        if USE_SYMLINK:
            folder = self.create_slot(environment, slot)
            temp = folder / f".current-{os.getpid()}-{run_id}"
            temp.unlink(missing_ok=True)
            os.symlink(Path("releases") / str(run_id), temp, target_is_directory=True)
            os.replace(temp, folder / "current")
        else:
            self._set_pointer(environment, slot, run_id)
        return Release(environment, run_id, str(target), True)

    def exchange(self, environment: str, slot: str, other: str) -> None:
        """Swap the releases `slot` and `other` serve, in one step a crash cannot split:
        on POSIX the two `current` links are exchanged by one system call
        (`link_exchange`), or, when one slot serves nothing (a first swap into an empty
        production), the other's link is renamed over to it; on Windows, which has no
        exchange, every slot's pointer is in the one `current.json`, replaced whole by
        `os.replace`."""
        runs = {name: self.current_run(environment, name) for name in (slot, other)}
        if runs[slot] is None and runs[other] is None:
            raise DeploymentError(f"neither {slot} nor {other} of {environment} serves a "
                                  "release; there is nothing to swap")
        if USE_SYMLINK:
            first = self.create_slot(environment, slot) / "current"
            second = self.create_slot(environment, other) / "current"
            if runs[slot] is None:
                os.rename(second, first)
            elif runs[other] is None:
                os.rename(first, second)
            else:
                exchange(first, second)
            return
        pointers = self._pointers(environment)
        _put_pointer(pointers, slot, runs[other])
        _put_pointer(pointers, other, runs[slot])
        self._write_pointers(environment, pointers)

    def stopped(self, environment: str, slot: str = PRODUCTION_SLOT) -> bool:
        return slot in self._stopped(environment)

    def set_stopped(self, environment: str, slot: str, stopped: bool) -> None:
        """Record `slot` as stopped (it answers 403) or running, for every process."""
        self.slot_folder(environment, slot)  # refuses names that are not names
        names = self._stopped(environment) - {slot} | ({slot} if stopped else set())
        path = self.folder(environment) / STOPPED_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(sorted(names)) + "\n")

    def _stopped(self, environment: str) -> set[str]:
        try:
            names = json.loads((self.folder(environment) / STOPPED_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return set()
        return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()

    def create_slot(self, environment: str, slot: str) -> Path:
        """The slot's folder, made with its `releases` link on first use (a deployment
        to the slot, or a slot made before any, as one is created on Azure)."""
        folder = self.slot_folder(environment, slot)
        folder.mkdir(parents=True, exist_ok=True)
        if slot != PRODUCTION_SLOT and not os.path.lexists(folder / "releases"):
            os.symlink(Path("..") / ".." / "releases", folder / "releases",
                       target_is_directory=True)
        return folder

    def _pointers(self, environment: str) -> dict:
        """Windows: `current.json`, {"run_id": production's, "slots": {slot: run}}."""
        try:
            pointers = json.loads((self.folder(environment) / POINTER_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return pointers if isinstance(pointers, dict) else {}

    def _set_pointer(self, environment: str, slot: str, run_id: int | None) -> None:
        self.slot_folder(environment, slot)  # refuses names that are not names
        pointers = self._pointers(environment)
        _put_pointer(pointers, slot, run_id)
        self._write_pointers(environment, pointers)

    def _write_pointers(self, environment: str, pointers: dict) -> None:
        path = self.folder(environment) / POINTER_FILE
        if not pointers:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(pointers, sort_keys=True) + "\n")


def _put_pointer(pointers: dict, slot: str, run_id: int | None) -> None:
    if slot == PRODUCTION_SLOT:
        pointers.pop("run_id", None)
        if run_id is not None:
            pointers["run_id"] = run_id
        return
    slots = pointers.setdefault("slots", {})
    slots.pop(slot, None)
    if run_id is not None:
        slots[slot] = run_id
    if not slots:
        pointers.pop("slots")


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
