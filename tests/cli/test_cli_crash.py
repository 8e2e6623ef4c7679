"""`release-manager --version`, and an unexpected error in a verb: one line with the
report's path and exit code 70, never a traceback on the terminal."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from release_manager import __version__


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "release_manager", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_version_names_the_app_pyside_and_python() -> None:
    done = cli("--version")

    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"release-manager {__version__} (PySide6 "
                           f"{metadata.version('PySide6-Essentials')}, Python "
                           f"{platform.python_version()})\n")


def test_version_loads_neither_qt_nor_the_verbs() -> None:
    probe = ("import sys; from release_manager.cli import main; main(['--version']); "
             "print(sorted(m for m in ('PySide6', 'ruamel.yaml', 'release_manager.cli."
             "release_commands', 'release_manager.engine.promotion') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


FAULT = """\
def workspace_status(workspace, promoter):
    raise LookupError("an unexpected fault")
"""
"""A bug put in the `status` verb's way (a damaged store is no longer one: it exits 2)."""


def test_an_unexpected_error_is_an_internal_error_with_a_report_not_a_traceback(
    tmp_path: Path,
) -> None:
    workspace = tmp_path / "space-game"
    assert cli("demo", str(workspace)).returncode == 0
    (tmp_path / "fault.py").write_text(FAULT, encoding="utf-8")
    probe = ("import sys; import fault; from release_manager.engine import release_status; "
             "release_status.workspace_status = fault.workspace_status; "
             "from release_manager.cli import main; sys.exit(main(sys.argv[1:]))")
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"), PYTHONPATH=str(tmp_path),
               RELEASE_MANAGER_PROBE_VALUE="environment-must-not-be-written")

    done = subprocess.run([sys.executable, "-c", probe, "status", "--workspace",
                           str(workspace)], capture_output=True, text=True, env=env,
                          timeout=120)

    assert done.returncode == 70
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    [report] = (tmp_path / "state").rglob("crash-*.txt")
    where = _line_of("status = workspace_status(workspace, promoter)")
    assert line == (f"release-manager: internal error in cmd_status (release_commands.py, "
                    f"line {where}): LookupError: an unexpected fault; a report was written "
                    f"to {report}")  # the app's own frame nearest to the fault
    text = report.read_text(encoding="utf-8")
    assert "Context: command line: release-manager status" in text
    assert "Traceback (most recent call last)" in text
    assert "LookupError: an unexpected fault" in text
    assert "environment-must-not-be-written" not in text
    assert str(workspace) not in text  # the arguments are not written either


def _line_of(code: str) -> int:
    from release_manager.cli import release_commands

    lines = Path(release_commands.__file__).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if code in line)
