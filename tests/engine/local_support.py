"""Helpers for the local backend's tests: a log that tells when a line arrives, runs and
pipelines built in code."""

from __future__ import annotations

import threading
from pathlib import Path

from release_manager.core.model import Job, Pipeline, Stage, Step, Strategy
from release_manager.engine.backend import CancelToken, RunContext, StageOutcome
from release_manager.engine.local.backend import LocalBackend


class Log:
    """A LogWriter keeping every line; `when(text)` is an event set once a line
    containing `text` has been written."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._waiting: list[tuple[str, threading.Event]] = []

    def write(self, line: str) -> None:
        with self._lock:
            self.lines.append(line)
            for text, event in self._waiting:
                if text in line:
                    event.set()

    def when(self, text: str) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._waiting.append((text, event))
            if any(text in line for line in self.lines):
                event.set()
        return event

    @property
    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)


def run_context(run_id: int = 1, **changes: object) -> RunContext:
    values: dict[str, object] = dict(
        run_id=run_id, branch="refs/heads/release", commit="", reason="Manual",
        requested_by="lead",
    )
    values.update(changes)
    return RunContext(**values)  # type: ignore[arg-type]


def job_stage(*steps: Step, name: str = "Build", **job: object) -> tuple[Pipeline, Stage]:
    stage = Stage(name, jobs=[Job(str(job.pop("job_name", "Job")), steps=list(steps), **job)])
    return Pipeline(name="demo", stages=[stage]), stage


def deploy_stage(environment: str, hooks: dict[str, list[Step]], name: str = "Dev",
                 kind: str = "runOnce") -> tuple[Pipeline, Stage]:
    job = Job("Deploy", kind="deployment", environment=environment,
              strategy=Strategy(kind, hooks=hooks))  # type: ignore[arg-type]
    stage = Stage(name, jobs=[job])
    return Pipeline(name="demo", stages=[stage]), stage


def run(backend: LocalBackend, pipeline: Pipeline, stage: Stage, context: RunContext | None = None,
        log: Log | None = None, cancel: CancelToken | None = None) -> tuple[StageOutcome, Log]:
    log = log or Log()
    outcome = backend.run_stage(pipeline, stage, context or run_context(), log,
                                cancel or CancelToken())
    return outcome, log


def site_package(folder: Path, version: str) -> Path:
    """A folder holding a tiny site, as a build would publish it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(f"<h1>Space Game {version}</h1>\n", encoding="utf-8")
    return folder
