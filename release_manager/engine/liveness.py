"""Whether a process that wrote part of the record is still there: a row or a file left
`running` by a process that is gone was interrupted (killed, crashed, machine stopped)."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie waiting to be reaped counts as ended)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _state(pid) not in ("Z", "X")


def _state(pid: int) -> str:
    """The process's state letter from /proc ("" where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return ""
    return text.rpartition(")")[2].split()[0]
