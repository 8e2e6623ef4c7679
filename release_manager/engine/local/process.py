"""One step's process: its own process group, output streamed line by line, killed as a
group on timeout or cancel (SIGTERM, then SIGKILL after a grace period)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from release_manager.engine.backend import CancelToken
from release_manager.engine.local.process_groups import ProcessGroups

MAX_LINE = 64 * 1024
"""Longer lines are cut here and marked, so one endless line cannot fill memory."""
TRUNCATED = " … (truncated)"


@dataclass
class ProcessResult:
    exit_code: int | None
    """None when the process was killed by us (timeout or cancel)."""
    timed_out: bool = False
    canceled: bool = False
    error: str = ""
    """Why the process could not start at all (no such program, bad directory)."""


def _read_lines(stream, on_line: Callable[[str], None], progress: list[int]) -> None:
    """Hand each line to `on_line` as it arrives; memory stays at one line. `progress`
    counts the chunks read, so a waiter can tell a slow reader from a stuck pipe."""
    cutting = False
    while True:
        chunk = stream.readline(MAX_LINE)
        if not chunk:
            break
        progress[0] += 1
        complete = chunk.endswith(b"\n")
        if cutting:
            cutting = not complete
            continue
        text = chunk.decode("utf-8", errors="replace").rstrip("\r\n")
        if not complete and len(chunk) >= MAX_LINE:
            on_line(text + TRUNCATED)
            cutting = True
        else:
            on_line(text)


def _feed(descriptor: int, data: bytes) -> None:
    """Write the script into its pipe (a thread: a long script fills the pipe's buffer
    before the shell starts reading); a shell that stopped early just ends the write."""
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
    except OSError:
        pass


def _signal_group(process: subprocess.Popen, sig: int) -> bool:
    """Send `sig` to the process's group; False when no process of it is left."""
    if os.name == "nt":
        if sig == signal.SIGTERM:
            process.send_signal(signal.CTRL_BREAK_EVENT)
        else:
            subprocess.run(["taskkill", "/T", "/F", "/PID", str(process.pid)],
                           capture_output=True, check=False)
        return process.poll() is None
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _group_alive(process: subprocess.Popen) -> bool:
    if os.name == "nt":
        return process.poll() is None
    try:
        os.killpg(process.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _stop_group(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM the whole group, then SIGKILL what is still there after `grace` seconds."""
    if not _signal_group(process, signal.SIGTERM):
        return
    if _wait_group(process, grace):
        return
    _signal_group(process, getattr(signal, "SIGKILL", signal.SIGTERM))
    # Killing is not instant; give the kernel a moment so that the step ends with its
    # processes gone (a zombie whose new parent never reaps it keeps the group "alive").
    _wait_group(process, 1.0)


def _wait_group(process: subprocess.Popen, seconds: float) -> bool:
    """Wait up to `seconds` for every process of the group to end; True if they did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None and not _group_alive(process):
            return True
        time.sleep(0.05)
    return False


def _drain(reader: threading.Thread, progress: list[int]) -> bool:
    """Wait for the reader to reach the end of the output while it keeps reading; False
    when the pipe stays open with nothing coming (held by a process that escaped the
    group with setsid)."""
    seen = -1
    while reader.is_alive() and seen != progress[0]:
        seen = progress[0]
        reader.join(1.0)
    return not reader.is_alive()


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    on_line: Callable[[str], None],
    cancel: CancelToken,
    timeout: float | None = None,
    grace: float = 5.0,
    script: bytes | None = None,
    groups: ProcessGroups | None = None,
) -> ProcessResult:
    """Run `argv`, streaming stdout and stderr (merged, as the agent shows them) to
    `on_line` from a reader thread. Blocks until the process ends, `timeout` seconds pass
    or `cancel` is set; orphans the step left behind in its group are stopped too.

    With `script` (POSIX), the program gets one more argument, `/dev/fd/N`, a pipe the
    script is written into: script text holding expanded secrets never touches a disk.
    `groups` records the step's process group while it runs (POSIX), so that recovery can
    end it if this process is killed."""
    options: dict[str, object] = {}
    if os.name == "nt":
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        options["start_new_session"] = True
    argv = list(argv)
    pipe: tuple[int, int] | None = None
    if script is not None:
        pipe = os.pipe()
        options["pass_fds"] = (pipe[0],)
        argv.append(f"/dev/fd/{pipe[0]}")
    try:
        process = subprocess.Popen(
            argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **options,
        )
    except OSError as error:
        return ProcessResult(None, error=f"{argv[0]}: {error.strerror or error}")
    finally:
        if pipe is not None:
            os.close(pipe[0])
    recorded = groups is not None and os.name != "nt"
    if recorded:
        groups.started(process.pid)
    try:
        return _follow(process, pipe, script, on_line, cancel, timeout, grace)
    finally:
        if recorded:
            groups.ended(process.pid)


def _follow(process: subprocess.Popen, pipe: tuple[int, int] | None, script: bytes | None,
            on_line: Callable[[str], None], cancel: CancelToken, timeout: float | None,
            grace: float) -> ProcessResult:
    """Feed, read and wait for a started step's process (see `run_process`)."""
    if pipe is not None:
        threading.Thread(target=_feed, args=(pipe[1], script), daemon=True).start()
    progress = [0]
    reader = threading.Thread(target=_read_lines, args=(process.stdout, on_line, progress),
                              daemon=True)
    reader.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    result = ProcessResult(None)
    while process.poll() is None:
        wait = 0.1 if deadline is None else max(0.0, min(0.1, deadline - time.monotonic()))
        if cancel.wait(wait):
            result.canceled = True
            break
        if deadline is not None and time.monotonic() >= deadline:
            result.timed_out = True
            break
    # Whether it ended or not, nothing of its group may outlive the step.
    _stop_group(process, grace)
    process.wait()
    if _drain(reader, progress):
        process.stdout.close()
    else:
        on_line("##[warning]A process started by this step left its process group and keeps "
                "the output open; the step ends without waiting for it")
    if not (result.canceled or result.timed_out):
        result.exit_code = process.returncode
    return result
