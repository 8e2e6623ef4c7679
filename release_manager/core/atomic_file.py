"""Every write of a user file is atomic: a temporary file in the same folder, fsync'ed,
then renamed over the target, so a crash leaves the old file or the new one, never half."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A binary stream that replaces `path` once the block ends without an error (and
    leaves it untouched otherwise), keeping the permissions of the file it replaces: for
    data written piece by piece (a log of a million lines)."""
    target = Path(path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o7777 if target.exists() else None
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data`, keeping the permissions of the file it replaces."""
    with atomic_writer(path) as stream:
        stream.write(data)


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Replace `path` with `text` as written (no newline translation)."""
    write_bytes_atomic(path, text.encode(encoding))
