"""Reports of unexpected errors: one file per error in the user's log folder, written
atomically, with every secret the process knows scrubbed out and no environment.

The window (ui/crash_dialog.py) and the CLI (cli/__init__.py) both write them; neither
shows a traceback to the user, only what failed, where, and the report's path.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import threading
import traceback
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_log_dir

from release_manager.about import APP_ID, versions
from release_manager.core.atomic_file import write_text_atomic
from release_manager.core.secret_forms import secret_forms

MASK = "***"
CLI_CRASH_EXIT = 70
"""EX_SOFTWARE (sysexits.h): an internal error, told apart from a refusal (1), bad
input (2) and waiting for approval (3)."""
MIN_SECRET_LENGTH = 4
"""Shorter values (an env var set to "1") would mask every such character of a report."""
SECRET_NAME = re.compile(
    r"(^|_)(PAT|SAS)($|_)|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|ACCESS_?KEY"
    r"|PRIVATE_?KEY|CONNECTION_?STRING",
    re.IGNORECASE,
)
"""Environment variables whose values are scrubbed from reports."""
SECRET_SHAPES = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + MASK),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+"), MASK),  # JWT
    (re.compile(r"(?i)\b((?:password|passwd|pwd|secret|token|sig)\s*[=:]\s*)"
                r"[^\s&;,'\"()]+"), r"\1" + MASK),
    (re.compile(r"\b[a-z2-7]{52}\b"), MASK),  # an Azure DevOps personal access token
)
"""Secrets recognised by their shape, whoever holds them."""

_known: set[str] = set()
_known_lock = threading.Lock()


def remember_secret(value: str) -> None:
    """A secret this process holds (a keyring value, a secret variable): reports never
    show it, nor its base64 or URL-encoded forms."""
    if len(value) < MIN_SECRET_LENGTH:
        return
    with _known_lock:
        _known.add(value)


def report_dir() -> Path:
    return Path(user_log_dir(APP_ID, appauthor=False))


def _secret_values() -> list[str]:
    with _known_lock:
        values = set(_known)
    values.update(value for name, value in os.environ.items()
                  if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH)
    forms = set(values)
    for value in values:
        forms.update(secret_forms(value))
        forms.add(urllib.parse.quote_plus(value))
    return sorted(forms, key=len, reverse=True)


def scrub(text: str) -> str:
    """`text` without any secret the process recognises or knows. Shapes go first: a
    known value inside a token would otherwise cut the token so that its shape no longer
    matches, and leave the rest of it behind."""
    for shape, replacement in SECRET_SHAPES:
        text = shape.sub(replacement, text)
    for value in _secret_values():
        text = text.replace(value, MASK)
    return text


@dataclass(frozen=True)
class Crash:
    """What the user is told: what failed and where (both scrubbed), and the report."""

    summary: str
    where: str
    report: Path | None
    """None when the report could not be written (the reason is in `summary`'s stead)."""
    write_error: str = ""


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if f"{os.sep}release_manager{os.sep}" in frame.filename]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "unknown place"
    module = Path(frame.filename).name
    return f"{frame.name} ({module}, line {frame.lineno})"


def signature(error: BaseException) -> str:
    """The same error from the same place has the same signature."""
    return f"{type(error).__qualname__} in {_where(error)}"


def describe(error: BaseException) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    name = type(error).__name__
    return scrub(f"{name}: {message}" if message else name)


def report_text(error: BaseException, context: str, now: datetime) -> str:
    found = versions()
    lines = [
        f"Release Manager crash report — {now.isoformat(timespec='seconds')}",
        f"Versions: {found.line()}",
        f"Platform: {platform.platform()}",
        f"Context: {context}",
        "",
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    ]
    return scrub("\n".join(lines))


def write_report(error: BaseException, context: str,
                 folder: Path | None = None) -> Crash:
    """Write one report for `error` (a new file each time) and say what the user needs
    to know; never raises (a crash handler that crashes hides the first error)."""
    now = datetime.now(UTC)
    folder = folder or report_dir()
    name = f"crash-{now:%Y%m%d-%H%M%S-%f}-{os.getpid()}.txt"
    summary, where = describe(error), _where(error)
    try:
        write_text_atomic(folder / name, report_text(error, context, now))
    except OSError as failure:
        return Crash(summary, where, None, f"{folder}: {failure.strerror or failure}")
    return Crash(summary, where, folder / name)


def print_cli_crash(error: BaseException, verb: str) -> int:
    """The CLI's answer to an unexpected error: one line and the report's path; exit
    code 70 (EX_SOFTWARE), so scripts can tell it from a refusal (1) or bad input (2).
    `verb` is all the report says of the command line (arguments may hold secrets)."""
    crash = write_report(error, f"command line: {APP_ID} {verb}")
    if crash.report is not None:
        tail = f"a report was written to {crash.report}"
    else:
        tail = f"the report could not be written ({crash.write_error})"
    print(f"{APP_ID}: internal error in {crash.where}: {crash.summary}; {tail}",
          file=sys.stderr)
    return CLI_CRASH_EXIT
