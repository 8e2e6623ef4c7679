"""Unsaved edits kept aside while they are made, so that a crash or a kill loses none.

One recovery copy per pipeline file, in the user's data folder (never beside the pipeline,
where git would see it): what a save would write to each of the pipeline's files, and
what those files held on disk when the edits were made, so that restoring can tell
whether the disk has changed since. Written atomically; removed once the edits are saved
or the user chose to drop them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_dir

from release_manager.core.atomic_file import write_text_atomic
from release_manager.core.disk_changes import read_bytes, unified_diff

FORMAT = 1


def recovery_dir() -> Path:
    """Where the copies live: `<user data>/release-manager/recovery`."""
    return Path(user_data_dir("release-manager", appauthor=False)) / "recovery"


@dataclass(frozen=True)
class RecoveryCopy:
    pipeline: Path
    saved_at: datetime
    files: dict[Path, bytes | None]
    """What a save writes to each of the pipeline's files (None: nothing)."""
    base: dict[Path, bytes | None]
    """What each file held on disk, as the window last read or wrote it."""
    owner: int = field(default_factory=os.getpid)
    """The process that kept the copy."""

    def is_live_elsewhere(self) -> bool:
        """Whether another process still running keeps this copy: an instance of the app
        editing the same file now, whose edits are not for this one to recover."""
        if self.owner == os.getpid() or os.name != "posix":
            return False
        try:
            os.kill(self.owner, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # a process of another user: not one of ours
            return False
        return True

    def diff_from_disk(self) -> str:
        """From what is on disk now to what was recovered, file by file."""
        parts = []
        for path, data in self.files.items():
            now = read_bytes(path)
            if now != data:
                parts.append(unified_diff(now, data, path.name, "on disk", "recovered"))
        return "\n".join(parts)

    def local_time(self) -> str:
        """When the copy was made, in the user's time: "Mon 7 Dec 00:31"."""
        moment = self.saved_at.astimezone()
        return f"{moment:%a} {moment.day} {moment:%b %H:%M}"


def copy_path(pipeline: Path, folder: Path | None = None) -> Path:
    """The copy's file: named by a digest of the pipeline's full path."""
    digest = hashlib.sha256(str(Path(pipeline).resolve()).encode("utf-8")).hexdigest()
    return (folder or recovery_dir()) / f"{digest[:24]}.json"


def _encode(files: dict[Path, bytes | None]) -> dict[str, str | None]:
    return {str(path): None if data is None else base64.b64encode(data).decode("ascii")
            for path, data in files.items()}


def _decode(files: dict[str, str | None]) -> dict[Path, bytes | None]:
    return {Path(path): None if data is None else base64.b64decode(data)
            for path, data in files.items()}


def write_copy(copy: RecoveryCopy, folder: Path | None = None) -> Path:
    """Write (or replace) the copy of `copy.pipeline` atomically."""
    path = copy_path(copy.pipeline, folder)
    write_text_atomic(path, json.dumps({
        "format": FORMAT,
        "pipeline": str(Path(copy.pipeline).resolve()),
        "savedAt": copy.saved_at.astimezone(UTC).isoformat(),
        "owner": copy.owner,
        "files": _encode(copy.files),
        "base": _encode(copy.base),
    }, indent=1))
    return path


def read_copy(pipeline: Path, folder: Path | None = None) -> RecoveryCopy | None:
    """The copy kept for `pipeline`; None when there is none (or it cannot be read: a
    copy from a newer release, or damaged, is left where it is)."""
    return _read(copy_path(pipeline, folder))


def _read(path: Path) -> RecoveryCopy | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        return RecoveryCopy(Path(data["pipeline"]), datetime.fromisoformat(data["savedAt"]),
                            _decode(data["files"]), _decode(data["base"]), int(data["owner"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def discard_copy(pipeline: Path, folder: Path | None = None) -> None:
    copy_path(pipeline, folder).unlink(missing_ok=True)


def all_copies(folder: Path | None = None) -> list[RecoveryCopy]:
    """Every readable copy, the newest first."""
    folder = folder or recovery_dir()
    found = (_read(path) for path in sorted(folder.glob("*.json")))
    return sorted((copy for copy in found if copy is not None),
                  key=lambda copy: copy.saved_at, reverse=True)
