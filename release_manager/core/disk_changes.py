"""What is on disk against what the window last read or wrote.

An open pipeline stands on files (the pipeline, its environments' file) that another
editor or a `git pull` may change while it is open. `DiskBaseline` keeps the bytes of each
file as the window last read or wrote them, so that a change made by someone else is told
apart from the window's own saves, and a save never writes over it unseen.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from release_manager.core.environments_file import environments_path
from release_manager.core.regular_file import read_regular


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes; None when there is no such file (or it cannot be read, or it is
    not a regular file: a named pipe would never answer)."""
    try:
        return read_regular(Path(path))
    except OSError:
        return None


def document_files(pipeline: Path) -> list[Path]:
    """The files an open pipeline stands on: itself and its environments' file."""
    return [Path(pipeline), environments_path(Path(pipeline).parent)]


def read_files(pipeline: Path) -> dict[Path, bytes | None]:
    """The bytes of the pipeline's files now (read before loading them)."""
    return {path: read_bytes(path) for path in document_files(pipeline)}


@dataclass(frozen=True)
class DiskChange:
    """A file whose bytes on disk are not the ones last read or written."""

    path: Path
    known: bytes | None
    """As last read or written (None: there was no file)."""
    now: bytes | None
    """On disk now (None: there is no file)."""

    @property
    def kind(self) -> str:
        """"changed", "deleted" or "created"."""
        if self.now is None:
            return "deleted"
        return "created" if self.known is None else "changed"


@dataclass
class DiskBaseline:
    """The bytes of each watched file as the window last read or wrote them."""

    _known: dict[Path, bytes | None] = field(default_factory=dict)

    def remember(self, path: Path, data: bytes | None) -> None:
        """`data` is what is on disk at `path` now, as far as the window knows."""
        self._known[Path(path)] = data

    def known(self, path: Path) -> bytes | None:
        return self._known.get(Path(path))

    def paths(self) -> list[Path]:
        return list(self._known)

    def changes(self) -> list[DiskChange]:
        """The files whose bytes on disk are not the known ones, in the order remembered."""
        found = []
        for path, known in self._known.items():
            now = read_bytes(path)
            if now != known:
                found.append(DiskChange(path, known, now))
        return found


def decoded(data: bytes | None) -> str:
    """Text for a diff: UTF-8 (a BOM dropped), undecodable bytes shown as escapes."""
    if data is None:
        return ""
    return data.decode("utf-8-sig", errors="backslashreplace")


def unified_diff(theirs: bytes | None, mine: bytes | None, name: str,
                 theirs_label: str = "on disk", mine_label: str = "yours") -> str:
    """The lines that differ from `theirs` to `mine`, as `diff -u` shows them; "" when
    the two texts are the same."""
    lines = difflib.unified_diff(
        decoded(theirs).splitlines(keepends=True), decoded(mine).splitlines(keepends=True),
        f"{name} ({theirs_label})", f"{name} ({mine_label})",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def changes_diff(changes: list[DiskChange], ours: dict[Path, bytes | None]) -> str:
    """A unified diff per changed file, from what is on disk to what the window holds."""
    parts = []
    for change in changes:
        mine = ours.get(change.path, change.known)
        parts.append(unified_diff(change.now, mine, change.path.name)
                     or f"{change.path.name}: the same on disk as here\n")
    return "\n".join(parts)
