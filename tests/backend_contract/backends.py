"""The backends the contract suite runs on, each with what the suite needs of it: stages
that succeed, fail or hold until cancelled, deployments, and a history of commits on two
branches. A backend joins the suite with one line in BACKENDS."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fake_backend import Behaviour, Commit, FakeBackend

from release_manager.core.model import Job, Pipeline, Stage, Step, Strategy
from release_manager.engine.backend import Backend, Capabilities, RunContext

LINES = ("first line", "second line", "third line")
"""What a succeeding stage writes (among whatever else its backend writes)."""
FAILURE = "the release notes are missing"
"""What a failing stage says on its error line."""
SUBJECTS = ("Initial commit", "Second change", "Third change")
"""The commits on branch `release`, oldest first; `main` has the first only."""


@dataclass
class Harness:
    backend: Backend
    enforces: Capabilities
    """What the backend is expected to enforce itself."""
    branches: list[str]
    """Its branches, the default one first."""
    commits: list[str]
    """The ids of SUBJECTS' commits on branch `release`, oldest first."""
    author: str
    stage: Callable[[str], tuple[Pipeline, Stage]]
    """A stage that "succeeds" (writing LINES), "fails" (with FAILURE) or "holds"."""
    deployment: Callable[[int, str, bool], tuple[Pipeline, Stage]]
    """(run id, environment, holds): a stage deploying that run there, ready to start."""
    approval: Callable[[int], tuple[Pipeline, Stage]] | None = None
    """(run id): a stage deploying that run to an environment whose approval the backend
    holds, the signed-in user its approver; None for a backend that holds no approvals."""

    def context(self, run_id: int) -> RunContext:
        return RunContext(run_id=run_id, branch="refs/heads/release",
                          commit=self.commits[-1], reason="Manual", requested_by="lead")


def _pipeline(stage: Stage) -> tuple[Pipeline, Stage]:
    return Pipeline(name="contract", stages=[stage]), stage


def git_workspace(root: Path) -> list[str]:
    """A git repository at `root`: SUBJECTS on branch `release` (checked out), the first
    one on `main`; the commits' ids, oldest first."""
    root.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=lead", "-c", "user.email=lead@example.com", *args],
            cwd=root, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q", "-b", "main")
    commits = []
    for number, subject in enumerate(SUBJECTS):
        (root / "notes.txt").write_text(f"{number}\n", encoding="utf-8")
        git("add", "notes.txt")
        git("commit", "-q", "-m", subject)
        commits.append(git("rev-parse", "HEAD"))
        if number == 0:
            git("checkout", "-q", "-b", "release")
    return commits


@contextmanager
def local(tmp_path: Path) -> Iterator[Harness]:
    """The embedded backend on a real workspace (a git repository), running real
    processes."""
    from release_manager.engine.local.backend import LocalBackend

    root = tmp_path / "workspace"
    commits = git_workspace(root)
    backend = LocalBackend(root, minute=60.0, kill_grace=0.5)

    def script(text: str) -> Step:
        return Step("script", text)

    def stage(behaviour: str) -> tuple[Pipeline, Stage]:
        steps = {
            "succeeds": [script("; ".join(f"echo '{line}'" for line in LINES))],
            "fails": [script(f"echo '##vso[task.logissue type=error]{FAILURE}'; exit 3")],
            "holds": [script("echo holding; sleep 600")],
        }[behaviour]
        return _pipeline(Stage(behaviour.title(), jobs=[Job("Job", steps=steps)]))

    def deployment(run_id: int, environment: str, holds: bool) -> tuple[Pipeline, Stage]:
        pipeline, build = _pipeline(Stage("Build", jobs=[Job("Job", steps=[
            script(f"mkdir -p site && echo '<h1>{run_id}</h1>' > site/index.html"),
            Step("task", "ArchiveFiles@2", inputs={
                "rootFolderOrFile": "site", "includeRootFolder": False,
                "archiveFile": "$(Build.ArtifactStagingDirectory)/site.zip"}),
            Step("publish", "$(Build.ArtifactStagingDirectory)", inputs={"artifact": "drop"}),
        ])]))
        built = backend.start_stage(pipeline, build, harness.context(run_id))
        assert backend.wait(built, 120).result == "Succeeded", backend.read_log(built)
        hooks = {"deploy": [
            Step("download", "current", inputs={"artifact": "drop"}),
            *([script("echo holding; sleep 600")] if holds else []),
            Step("task", "AzureWebApp@1", inputs={"package": "$(Pipeline.Workspace)/drop/*.zip",
                                                   "appName": environment}),
        ]}
        job = Job("Deploy", kind="deployment", environment=environment,
                  strategy=Strategy("runOnce", hooks=hooks))  # type: ignore[arg-type]
        return _pipeline(Stage("Deploy", jobs=[job]))

    harness = Harness(backend, Capabilities(), ["release", "main"], commits, "lead",
                      stage, deployment)
    try:
        yield harness
    finally:
        backend.close()


@contextmanager
def fake(tmp_path: Path) -> Iterator[Harness]:
    """The in-memory backend, told how each stage behaves."""
    history = [Commit(f"{n}" * 40, subject, "lead") for n, subject in enumerate(SUBJECTS, 1)]
    backend = FakeBackend(branches={"release": history, "main": history[:1]})
    backend.behave("Succeeds", Behaviour(LINES))
    backend.behave("Fails", Behaviour((f"##[error]{FAILURE}",), "Failed", FAILURE))
    backend.behave("Holds", Behaviour(("holding",), holds=True))

    def stage(behaviour: str) -> tuple[Pipeline, Stage]:
        return _pipeline(Stage(behaviour.title(), jobs=[Job("Job")]))

    def deployment(run_id: int, environment: str, holds: bool) -> tuple[Pipeline, Stage]:
        backend.behave("Deploy", Behaviour(("deploying",), holds=holds))
        job = Job("Deploy", kind="deployment", environment=environment)
        return _pipeline(Stage("Deploy", jobs=[job]))

    yield Harness(backend, Capabilities(), ["release", "main"], [c.id for c in history],
                  "lead", stage, deployment)


@dataclass
class AzureHarness(Harness):
    """Runs are queued on the emulator the first time a test names them (so the suite's
    run N is Azure's run N); every stage of the contract pipeline runs in each."""

    queue: Callable[[int], int] = field(default=lambda run_id: run_id)
    """Azure's run for the suite's run id (queued the first time)."""

    def context(self, run_id: int) -> RunContext:
        made = super().context(run_id)
        made.remote_id = str(self.queue(run_id))
        return made


@contextmanager
def azure(tmp_path: Path) -> Iterator[Harness]:
    """Azure DevOps on its emulator over HTTPS, through the real SDK session; a thread
    plays the agents (one emulator tick every few milliseconds) and writes what the
    stages print while they run. The workspace's git clone gives branches and commits."""
    from azure_emulator import AzureDevOpsEmulator, StageSpec

    from release_manager.engine.azure.backend import AzureBackend
    from release_manager.engine.azure.binding import AzureBinding
    from release_manager.engine.azure.connection import AzureConnection
    from release_manager.engine.azure.organization import parse_organization
    from release_manager.engine.azure.sign_in import PatSignIn

    root = tmp_path / "workspace"
    commits = git_workspace(root)
    saved = {name: os.environ.get(name) for name in ("REQUESTS_CA_BUNDLE",
                                                     "AZURE_DEVOPS_CACHE_DIR")}
    (tmp_path / "azure-devops").mkdir()
    emulator = AzureDevOpsEmulator(tmp_path / "azure-devops").start()
    os.environ["REQUESTS_CA_BUNDLE"] = str(emulator.ca_bundle)
    os.environ["AZURE_DEVOPS_CACHE_DIR"] = str(tmp_path / "sdk-cache")
    project = emulator.add_project("Contract")
    lead = emulator.add_pat("contract-token", "lead")
    pipeline = emulator.add_pipeline("contract", [
        StageSpec("Succeeds", depends_on=()),
        StageSpec("Fails", depends_on=(), outcome="failed"),
        StageSpec("Holds", depends_on=(), outcome="holds"),
        StageSpec("Deploy", environment="dev", depends_on=()),
        StageSpec("HoldingDeploy", environment="dev", depends_on=(), outcome="holds"),
        StageSpec("Gated", environment="prod", depends_on=()),
    ])
    emulator.add_approval_check(emulator.add_environment("prod"), [lead])
    pipeline.heads.update({"refs/heads/release": commits[-1], "refs/heads/main": commits[0]})
    organization = parse_organization(emulator.organization_url)
    backend = AzureBackend(
        AzureConnection(organization, PatSignIn("contract-token")),
        AzureBinding(organization.url, project.name, pipeline.id, pipeline.name), root,
        poll=0.02, max_poll=0.1)
    runs: dict[int, int] = {}
    printed: set[tuple[int, str]] = set()
    deploying: set[str] = set()  # the deployment stages asked for since the last run
    stop = threading.Event()

    def queue(run_id: int) -> int:
        """Azure's run for the suite's `run_id`: queued the first time, skipping the
        deployment stages the test did not ask for (each would deploy to dev)."""
        if run_id not in runs:
            skip = [name for name in ("Deploy", "HoldingDeploy", "Gated")
                    if name not in deploying]
            runs[run_id] = emulator.queue(pipeline, lead, branch="refs/heads/release",
                                          version=commits[-1], stages_to_skip=skip).id
            deploying.clear()
        return runs[run_id]

    def agents() -> None:
        prints = {"Succeeds": LINES, "Fails": (f"##[error]{FAILURE}",)}
        while not stop.wait(0.005):
            emulator.step()
            for remote in list(runs.values()):
                for stage, lines in prints.items():
                    run = emulator.run(remote)
                    record = run.stage(stage).stage
                    key = (remote, f"{stage}:{record.attempt}")
                    if record.state == "inProgress" and key not in printed:
                        printed.add(key)
                        for line in lines:
                            emulator.write_log(remote, stage, line)

    ticking = threading.Thread(target=agents, name="azure agents", daemon=True)
    ticking.start()

    def stage(behaviour: str) -> tuple[Pipeline, Stage]:
        return _pipeline(Stage(behaviour.title(), jobs=[Job("Job")]))

    def deployment(run_id: int, environment: str, holds: bool) -> tuple[Pipeline, Stage]:
        job = Job("Deploy", kind="deployment", environment=environment)
        name = "HoldingDeploy" if holds else "Deploy"
        deploying.add(name)
        return _pipeline(Stage(name, jobs=[job]))

    def approval(run_id: int) -> tuple[Pipeline, Stage]:
        deploying.add("Gated")
        job = Job("Deploy", kind="deployment", environment="prod")
        return _pipeline(Stage("Gated", jobs=[job]))

    try:
        yield AzureHarness(backend, AzureBackend.capabilities, ["release", "main"], commits,
                           "lead", stage, deployment, approval, queue)
    finally:
        stop.set()
        ticking.join()
        backend.close()
        emulator.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


BACKENDS: dict[str, Callable[[Path], AbstractContextManager[Harness]]] = {
    "local": local,
    "fake": fake,
    "azure": azure,
}
