"""The backends the contract suite runs on, each with what the suite needs of it: stages
that succeed, fail or hold until cancelled, deployments, and a history of commits on two
branches. A backend joins the suite with one line in BACKENDS."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
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

    def context(self, run_id: int) -> RunContext:
        return RunContext(run_id=run_id, branch="refs/heads/release",
                          commit=self.commits[-1], reason="Manual", requested_by="lead")


def _pipeline(stage: Stage) -> tuple[Pipeline, Stage]:
    return Pipeline(name="contract", stages=[stage]), stage


@contextmanager
def local(tmp_path: Path) -> Iterator[Harness]:
    """The embedded backend on a real workspace (a git repository), running real
    processes."""
    from release_manager.engine.local.backend import LocalBackend

    root = tmp_path / "workspace"
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


BACKENDS: dict[str, Callable[[Path], AbstractContextManager[Harness]]] = {
    "local": local,
    "fake": fake,
}
