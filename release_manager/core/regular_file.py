"""Reading a file of the user's folder only when it is a regular file.

Opening a named pipe (FIFO) for reading waits for a writer, for ever; a device can be
endless; a folder is not a file. The file is opened without blocking and checked on the
open descriptor, so what is read is what was checked: nothing else is ever read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) \
    | getattr(os, "O_CLOEXEC", 0)


class NotARegularFile(OSError):
    """The path is a folder, a named pipe, a device or a socket: there is no text to read."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a regular file")
        self.path = Path(path)
        self.kind = kind


class FileTooBig(OSError):
    """The file holds more than the reader accepts; `size` says how much."""

    def __init__(self, path: Path, size: int) -> None:
        super().__init__(f"{path} holds {size} bytes, more than may be read")
        self.path = Path(path)
        self.size = size


def kind_of(mode: int) -> str:
    """What a file of this `st_mode` is, in words ("a folder", "a named pipe (FIFO)", …)."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def describe(path: Path) -> str:
    """What `path` is, in words ("a regular file", "a folder", …; "missing")."""
    try:
        return kind_of(os.stat(path).st_mode)
    except OSError:
        return "missing"


def check_regular(path: Path) -> None:
    """Raise NotARegularFile unless `path` is a regular file or absent (for files another
    library opens, such as SQLite's)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise NotARegularFile(Path(path), kind_of(mode))


def read_regular(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of `path`; NotARegularFile when it is not a regular file, FileTooBig when
    it holds more than `max_bytes` (checked before it is read, and bounded while it is)."""
    descriptor = os.open(path, _FLAGS)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotARegularFile(Path(path), kind_of(status.st_mode))
        if max_bytes is not None and status.st_size > max_bytes:
            raise FileTooBig(Path(path), status.st_size)
        chunks, total = [], 0
        while max_bytes is None or total <= max_bytes:
            chunk = os.read(descriptor, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if max_bytes is not None and total > max_bytes:  # it grew while being read
            raise FileTooBig(Path(path), total)
        return b"".join(chunks)
    finally:
        os.close(descriptor)
