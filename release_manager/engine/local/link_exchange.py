"""Exchange two directory entries in one system call: the swap of two slots' `current`
links. `rename(2)` can only replace a name, so exchanging two links with it takes two
steps, and a crash between them leaves both slots on one release. Linux's
`renameat2(RENAME_EXCHANGE)` and macOS's `renamex_np(RENAME_SWAP)` exchange both names
at once: after a crash the two links are either as they were or exchanged, never mixed.
Windows has neither; its slots' pointers live in one `current.json` replaced whole
(see `deploy.EnvironmentFolders.exchange`)."""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_RENAME_SWAP = 2


def exchange(first: Path, second: Path) -> None:
    """Swap what the names `first` and `second` hold, atomically (OSError when the
    system or its file system cannot)."""
    libc = ctypes.CDLL(None, use_errno=True)
    a, b = os.fsencode(first), os.fsencode(second)
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        result = libc.renameat2(_AT_FDCWD, a, _AT_FDCWD, b, _RENAME_EXCHANGE)
    elif sys.platform == "darwin":
        result = libc.renamex_np(a, b, _RENAME_SWAP)
    else:
        raise OSError(f"this system ({sys.platform}) cannot exchange two names atomically")
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"could not exchange {first} and {second}: {os.strerror(error)}")
