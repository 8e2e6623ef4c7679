"""A workspace whose deployments a test can hold at a chosen point, to kill (-9) or signal
a real `release-manager` process there: a gate step in the build, one before the
`current` switch and one after it (each a real step process, held by a file lock the test
holds: no sleeps), and the step's own pid in its output so the test can tell whether it
outlived the deployment."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from release_manager.core.environments_file import save_environments
from release_manager.core.model import ApprovalPolicy, Environment
from release_manager.engine.demo import create_demo
from release_manager.engine.store import Store
from release_manager.engine.workspace import Workspace

SECONDS = 120
"""How long any one command of a test may take before the test fails."""

GATE = '''\
import fcntl, os, sys
from pathlib import Path

gate = Path(sys.argv[1]) / sys.argv[2]
if gate.exists():
    print(f"gate: waiting at {sys.argv[2]} pid {os.getpid()}", flush=True)
    with gate.open() as held:
        fcntl.flock(held, fcntl.LOCK_SH)
print(f"gate: {sys.argv[2]} passed", flush=True)
'''

PIPELINE = """\
stages:
- stage: Build
  jobs:
  - job: Build
    steps:
    - script: python3 "{gate}" "{gates}" build
    - script: echo "build $(Build.BuildId)" > "$(Build.ArtifactStagingDirectory)/index.html"
    - publish: '$(Build.ArtifactStagingDirectory)'
      artifact: drop
""" + "".join(f"""\
- stage: {stage}
  dependsOn: {after}
  jobs:
  - deployment: Deploy
    environment: {environment}
    strategy:
      runOnce:
        deploy:
          steps:
          - download: current
            artifact: drop
          - script: python3 "{{gate}}" "{{gates}}" {environment}-before-switch
          - task: AzureWebApp@1
            inputs:
              package: '$(Pipeline.Workspace)/drop'
          - script: python3 "{{gate}}" "{{gates}}" {environment}-after-switch
"""
    for stage, environment, after in (("Dev", "dev", "Build"), ("Staging", "staging", "Dev")))


class CrashWorkspace:
    """Build → Dev (health-checked) → Staging (qa approves; health-checked)."""

    def __init__(self, folder: Path) -> None:
        self.root = create_demo(folder / "crash").parent
        self.gates = folder / "gates"
        self.gates.mkdir()
        script = self.gates / "gate.py"
        script.write_text(GATE, encoding="utf-8")
        (self.root / "azure-pipelines.yml").write_text(
            PIPELINE.format(gate=script, gates=self.gates), encoding="utf-8")
        self.health_check("")
        self.workspace = Workspace(self.root)

    def health_check(self, url: str) -> None:
        """Check dev at `url` ("": its own site, which must serve the new build)."""
        save_environments(self.root, {
            "dev": Environment("dev", health_check=True, health_check_url=url),
            "staging": Environment("staging", health_check=True,
                                   approval=ApprovalPolicy(approvers=["qa"])),
        })

    @property
    def store(self) -> Store:
        return self.workspace.store

    def current(self, environment: str = "dev") -> int | None:
        return next((r.run_id for r in self.workspace.backend.releases(environment)
                     if r.current), None)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one command to its end (the next command after a crash runs recovery)."""
        return subprocess.run(self._argv(args), capture_output=True, text=True,
                              env=_environment(), timeout=SECONDS)

    def start(self, *args: str, stdout: int = subprocess.PIPE) -> subprocess.Popen[str]:
        return subprocess.Popen(self._argv(args), stdout=stdout, stderr=subprocess.PIPE,
                                text=True, env=_environment())

    def _argv(self, args: tuple[str, ...]) -> list[str]:
        return [sys.executable, "-m", "release_manager", *args, "--workspace",
                str(self.root), *([] if "--as" in args else ["--as", "lead"])]

    def build(self) -> int:
        done = self.cli("run")
        assert done.returncode == 0, done.stdout + done.stderr
        return self.store.runs(1)[0].id

    def deployed(self, stage: str = "Dev") -> int:
        """A new build, deployed to `stage` (and the stages before it)."""
        number = self.build()
        for name in ("Dev", "Staging")[: ("Dev", "Staging").index(stage) + 1]:
            done = self.cli("promote", str(number), "--to", name)
            if done.returncode == 3:
                done = self.cli("approve", str(number), "--stage", name, "--as", "qa")
            assert done.returncode == 0, done.stdout + done.stderr
        return number

    @contextmanager
    def gate(self, point: str) -> Iterator[None]:
        """Hold the step at `point` (build, dev-before-switch, dev-after-switch, …)
        until the block ends."""
        path = self.gates / point
        with path.open("w") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            try:
                yield
            finally:
                path.unlink()
                fcntl.flock(held, fcntl.LOCK_UN)


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("RELEASE_MANAGER_USER", None)
    return env


def held_at(process: subprocess.Popen[str], point: str) -> int:
    """Read `process`'s output until its step waits at `point`; the step's pid."""
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith(f"gate: waiting at {point} pid "):
            return int(line.rsplit(" ", 1)[1])
    raise AssertionError(f"the process ended before reaching {point}:\n" + "".join(seen)
                         + (process.stderr.read() if process.stderr else ""))


def kill_9(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=SECONDS)
    assert process.returncode == -signal.SIGKILL


def running(pid: int) -> bool:
    """Whether process `pid` still runs (an ended one nobody reaped yet does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
