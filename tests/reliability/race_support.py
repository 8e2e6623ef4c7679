"""A small real workspace for the race tests, and real `release-manager` processes racing
on it. The deploy step of each stage passes through a gate the test holds shut (a file
lock), so a deployment stays in progress exactly as long as the test wants: no sleeps."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path

from release_manager.core.environments_file import save_environments
from release_manager.core.model import ApprovalPolicy, Environment
from release_manager.engine.demo import create_demo
from release_manager.engine.workspace import Workspace

ROUNDS = 20
FIRST_DONE_SECONDS = 60
"""How long the first of two racers may take: the loser of a race is told at once, so
only a race that deployed twice (the loser waiting behind the winner's gate) reaches it."""

GATE = '''\
import fcntl, sys
from pathlib import Path

gates = Path(sys.argv[1])
stage, build = sys.argv[2], sys.argv[3]
with open(gates / "deploys.txt", "a", encoding="utf-8") as record:
    record.write(f"{stage} {build}\\n")
try:  # the test may open the gate (remove it) between a look and an open: never look first
    held = (gates / stage).open()
except FileNotFoundError:
    pass
else:
    print("gate: waiting", flush=True)
    with held:
        fcntl.flock(held, fcntl.LOCK_SH)
print(f"gate: open, deploying build {build} to {stage}", flush=True)
'''

BUILD = """\
- stage: Build
  jobs:
  - job: Build
    steps:
    - script: echo "build $(Build.BuildId)" > "$(Build.ArtifactStagingDirectory)/index.html"
    - publish: '$(Build.ArtifactStagingDirectory)'
      artifact: drop
"""

DEPLOY = """\
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
          - script: python3 "{gate}" "{gates}" {stage} $(Build.BuildId)
          - task: AzureWebApp@1
            inputs:
              package: '$(Pipeline.Workspace)/drop'
"""


class RaceWorkspace:
    """Build → Dev (no approval, no exclusive lock) → Staging (qa or ops approves; an
    exclusive lock) → Prod; each environment health-checked."""

    def __init__(self, folder: Path) -> None:
        self.root = create_demo(folder / "races").parent
        self.gates = folder / "gates"
        self.gates.mkdir()
        script = self.gates / "gate.py"
        script.write_text(GATE, encoding="utf-8")
        stages = [("Dev", "dev", "Build"), ("Staging", "staging", "Dev"),
                  ("Prod", "prod", "Staging")]
        text = "stages:\n" + BUILD + "".join(
            DEPLOY.format(stage=stage, environment=environment, after=after, gate=script,
                          gates=self.gates)
            for stage, environment, after in stages)
        (self.root / "azure-pipelines.yml").write_text(text, encoding="utf-8")
        save_environments(self.root, {
            "dev": Environment("dev", health_check=True),
            "staging": Environment("staging", health_check=True, exclusive_lock=True,
                                   approval=ApprovalPolicy(approvers=["qa", "ops"],
                                                           minimum_approvers=1,
                                                           requester_cannot_approve=True)),
            "prod": Environment("prod", health_check=True),
        })
        self.workspace = Workspace(self.root)

    def deploys(self, stage: str, build: int) -> int:
        """How many times the deploy step of `stage` ran for `build` (counted on disk)."""
        record = self.gates / "deploys.txt"
        lines = record.read_text("utf-8").splitlines() if record.exists() else []
        return lines.count(f"{stage} {build}")

    def current(self, environment: str) -> int | None:
        return next((r.run_id for r in self.workspace.backend.releases(environment)
                     if r.current), None)

    @contextmanager
    def gate(self, stage: str) -> Iterator[None]:
        """Hold `stage`'s deploy step shut until the block ends."""
        path = self.gates / stage
        with path.open("w") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            try:
                yield
            finally:
                path.unlink()
                fcntl.flock(held, fcntl.LOCK_UN)

    def start(self, *args: str) -> subprocess.Popen[str]:
        env = dict(os.environ)
        env.pop("RELEASE_MANAGER_USER", None)
        return subprocess.Popen(
            [sys.executable, "-m", "release_manager", *args, "--workspace", str(self.root)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )


class Racers:
    """Processes started together; each one's output is collected by its own thread."""

    def __init__(self, processes: list[subprocess.Popen[str]]) -> None:
        self.processes = processes
        self._pool = ThreadPoolExecutor(len(processes))
        self._outputs: list[Future[tuple[str, str]]] = [
            self._pool.submit(p.communicate) for p in processes]

    def first_done(self) -> bool:
        done, _ = wait(self._outputs, FIRST_DONE_SECONDS, FIRST_COMPLETED)
        return bool(done)

    def results(self) -> list[tuple[int, str]]:
        """(exit code, output) of each, in start order, once all have ended."""
        outputs = [future.result(timeout=300)[0] for future in self._outputs]
        self._pool.shutdown()
        return [(p.returncode, out) for p, out in zip(self.processes, outputs, strict=True)]


def read_until(process: subprocess.Popen[str], text: str) -> list[str]:
    """Lines of `process`'s output up to the one holding `text` (all of them if it ends
    first)."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if text in line:
            break
    return lines
