"""The process groups of the steps running now, one small file each under
`.release-manager/processes/` (named by the group, holding the process that started it),
removed when the step ends. A file whose starter is gone belongs to a deployment that was
killed: recovery ends what is left of that group, so it cannot keep running into the next
deployment."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from release_manager.core.atomic_file import write_text_atomic
from release_manager.engine.liveness import process_alive

GROUPS_DIR = "processes"
END_WAIT_SECONDS = 5.0
"""How long recovery waits for a killed group's processes to be gone."""


class ProcessGroups:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def started(self, group: int) -> None:
        """Record group `group` (its leader's pid), started by this process."""
        record = {"group": group, "owner": os.getpid(), "leader_start": _start_time(group)}
        try:
            write_text_atomic(self.folder / f"{group}.json", json.dumps(record) + "\n")
        except OSError:  # the step runs all the same; only a kill would leave it unseen
            pass

    def ended(self, group: int) -> None:
        (self.folder / f"{group}.json").unlink(missing_ok=True)

    def end_orphans(self) -> list[int]:
        """Kill the groups whose starter is gone (and wait until they are); returns them.
        A group whose leader's pid now belongs to another process is not touched."""
        if not self.folder.is_dir():
            return []
        ended = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                record = json.loads(path.read_text("utf-8"))
                group, owner = int(record["group"]), int(record["owner"])
            except (OSError, ValueError, KeyError, TypeError):
                path.unlink(missing_ok=True)  # half a file: its writer died writing it
                continue
            if process_alive(owner):
                continue
            if _ours(group, record.get("leader_start")) and _kill_group(group):
                ended.append(group)
            path.unlink(missing_ok=True)
        return ended


def _start_time(pid: int) -> int | None:
    """When process `pid` started, in clock ticks since boot (Linux; None elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return int(stat.read().rpartition(")")[2].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _ours(group: int, leader_start: int | None) -> bool:
    """Whether `group` is still the one recorded: its leader is gone (a pid stays taken
    while its group has members) or is the very process that was recorded."""
    now = _start_time(group)
    return now is None or leader_start is None or now == leader_start


def _members(group: int) -> bool:
    """Whether a live (not zombie) process is left in `group`."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text("ascii", "replace").rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == str(group) and fields[0] not in ("Z", "X"):
            return True
    return False


def _kill_group(group: int) -> bool:
    """SIGKILL every process of `group` and wait for them to end; False when none was
    left."""
    if os.name == "nt":
        return False  # no start time there to tell the group from a reused pid: left alone
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    deadline = time.monotonic() + END_WAIT_SECONDS
    while _members(group) and time.monotonic() < deadline:
        time.sleep(0.02)
    return True
