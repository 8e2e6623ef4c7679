"""A pipeline run as the service keeps it: stages with their timeline records (Stage,
Phase, Job, Task, Checkpoint, Checkpoint.Approval), logs, and the moves a test drives with
step(): a reached stage starts (or waits for its environment's approval), a running stage
finishes one task per step, then ends with its scripted outcome."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from .approval_rules import Approval
from .auth import Identity
from .errors import bad_request
from .state import Environment, Pipeline, Project, StageSpec, new_id, now

_DONE = "completed"
_PASSED = ("succeeded", "succeededWithIssues")
_CMD_LINE_TASK = "d9bafed4-0b18-4f58-968d-86655b4d2ce9"  # every step runs as a script


@dataclass
class Log:
    id: int
    lines: list[str] = field(default_factory=list)
    created_on: str = field(default_factory=now)
    last_changed_on: str = field(default_factory=now)

    def write(self, text: str) -> None:
        """A line as the agent writes it: a timestamp, a space, the text."""
        stamp = now()
        self.lines.append(f"{stamp} {text}")
        self.last_changed_on = stamp


@dataclass
class Record:
    """A timeline record. `change_id` is the run's change counter when it last changed."""

    type: str
    name: str
    identifier: str | None
    order: int
    parent_id: str | None = None
    id: str = field(default_factory=new_id)
    state: str = "pending"
    result: str | None = None
    start_time: str | None = None
    finish_time: str | None = None
    change_id: int = 0
    attempt: int = 1
    previous_attempts: list[dict] = field(default_factory=list)
    log: Log | None = None
    last_modified: str = field(default_factory=now)

    def to_json(self, logs_url: str) -> dict:
        return {
            "id": self.id, "parentId": self.parent_id, "type": self.type, "name": self.name,
            "identifier": self.identifier, "order": self.order, "state": self.state,
            "result": self.result, "resultCode": None, "startTime": self.start_time,
            "finishTime": self.finish_time, "changeId": self.change_id,
            "lastModified": self.last_modified, "attempt": self.attempt,
            "previousAttempts": self.previous_attempts, "percentComplete": 0,
            "currentOperation": None, "errorCount": int(self.result == "failed"),
            "warningCount": 0, "issues": [], "details": None, "url": None,
            "workerName": "Azure Pipelines 1" if self.type == "Job" and self.start_time else None,
            "log": None if self.log is None else {
                "id": self.log.id, "type": "Container", "url": f"{logs_url}/{self.log.id}"},
            "task": {"id": _CMD_LINE_TASK, "name": "CmdLine", "version": "2.250.1"}
            if self.type == "Task" else None,
        }


@dataclass
class StageRun:
    spec: StageSpec
    stage: Record
    phase: Record
    job: Record
    tasks: list[Record]
    outcome: str
    environment: Environment | None = None
    checkpoint: Record | None = None
    approval: Approval | None = None
    approval_record: Record | None = None
    skipped_at_queue: bool = False
    current: int = -1  # the running task
    deployment: dict | None = None

    @property
    def records(self) -> list[Record]:
        extra = [self.checkpoint] if self.checkpoint else []
        if self.approval is not None:
            extra.append(self.approval_record)
        return [self.stage, *extra, self.phase, self.job, *self.tasks]

    @property
    def waiting(self) -> bool:
        return self.approval is not None and self.approval.status == "pending"


@dataclass
class Run:
    """A run (a build): the pipelines API's run and the build API's build are one."""

    id: int
    project: Project
    pipeline: Pipeline
    number: str
    branch: str
    version: str
    requested_by: Identity
    template_parameters: dict
    variables: dict
    stages: dict[str, StageRun] = field(default_factory=dict)
    status: str = "notStarted"  # notStarted | inProgress | cancelling | completed
    result: str | None = None
    change_id: int = 0
    queue_time: str = field(default_factory=now)
    start_time: str | None = None
    finish_time: str | None = None
    last_changed: str = field(default_factory=now)
    plan_id: str = field(default_factory=new_id)
    logs: list[Log] = field(default_factory=list)
    _log_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def queue(cls, project: Project, pipeline: Pipeline, requested_by: Identity, *,
              branch: str = "refs/heads/main", version: str = "",
              template_parameters: dict | None = None, variables: dict | None = None,
              stages_to_skip: list[str] = ()) -> Run:
        run_id = project.next_run_id()
        known = {spec.name.lower(): spec.name for spec in pipeline.stages}
        unknown = [name for name in stages_to_skip if name.lower() not in known]
        if unknown:
            raise bad_request(f"Stage(s) {', '.join(unknown)} not found in the pipeline. "
                              f"Known stages: {', '.join(known.values())}.")
        run = cls(run_id, project, pipeline, f"{now()[:10].replace('-', '')}.{run_id}",
                  branch, version or pipeline.heads.get(branch) or f"{run_id:040x}",
                  requested_by,
                  dict(template_parameters or {}), dict(variables or {}))
        skipped = {known[name.lower()] for name in stages_to_skip}
        for order, spec in enumerate(pipeline.stages, start=1):
            run.stages[spec.name] = run._stage(spec, order, spec.name in skipped)
        project.runs[run_id] = run
        return run

    # --- what a test drives ---------------------------------------------------------
    def step(self) -> None:
        """One tick of the agents: see the module docstring."""
        if self.status == _DONE:
            return
        if self.status == "cancelling":
            self._finish_cancel()
            return
        if self.status == "notStarted":
            self.status, self.start_time = "inProgress", now()
            self._changed()
        before = {name: (s.stage.state, s.stage.result, s.skipped_at_queue)
                  for name, s in self.stages.items()}
        for name, stage in self.stages.items():
            state = before[name][0]
            if state == "inProgress" and not stage.waiting:
                self._advance(stage)
            elif state == "pending" and not stage.waiting:
                deps = [before[d] for d in self.pipeline.dependencies(name)]
                if all(d[0] == _DONE for d in deps):
                    if all(d[1] in _PASSED or d[2] for d in deps):
                        self._reach(stage)
                    else:
                        self._end_stage(stage, "skipped")
        self._maybe_complete()

    def write_log(self, stage_name: str, text: str) -> None:
        """A line the running task of a stage prints (and its job's log with it)."""
        stage = self.stage(stage_name)
        if stage.current < 0 or stage.stage.state != "inProgress":
            raise ValueError(f"stage {stage_name} is not running")
        for log in (stage.tasks[stage.current].log, stage.job.log):
            log.write(text)

    def set_outcome(self, stage_name: str, outcome: str) -> None:
        """How the stage's job ends from now on (e.g. failed, then succeeded on retry)."""
        self.stage(stage_name).outcome = outcome

    # --- what the API does ----------------------------------------------------------
    def cancel(self) -> None:
        """PATCH build {status: cancelling}: the agents stop at the next step."""
        if self.status != _DONE:
            self.status = "cancelling"
            for stage in self.stages.values():
                if stage.approval is not None:
                    stage.approval.cancel()
            self._changed()

    def retry_stage(self, stage_name: str, force_all_jobs: bool = False) -> None:
        stage = self.stage(stage_name)
        if stage.stage.state != _DONE or self.status == "cancelling":
            raise bad_request(f"Stage {stage.spec.name} cannot be retried: it has not finished.")
        for name in [stage.spec.name, *self._skipped_dependents(stage.spec.name)]:
            self._reset(self.stages[name])
        if self.status == _DONE:
            self.status, self.result, self.finish_time = "inProgress", None, None
        self._changed()

    def cancel_stage(self, stage_name: str) -> None:
        stage = self.stage(stage_name)
        if stage.stage.state == _DONE:
            raise bad_request(f"Stage {stage.spec.name} has already finished.")
        if stage.approval is not None:
            stage.approval.cancel()
            self._end_checkpoint(stage, "canceled")
        self._end_stage(stage, "canceled")
        self._maybe_complete()

    def approval_decided(self, approval: Approval) -> None:
        """An approval ended: approved starts the stage, rejected fails it."""
        stage = next(s for s in self.stages.values() if s.approval is approval)
        if approval.status == "approved":
            self._end_checkpoint(stage, "succeeded")
            self._start(stage)
        elif approval.status == "rejected":
            self._end_checkpoint(stage, "failed")
            self._end_stage(stage, "failed")
            self._maybe_complete()

    def stage(self, name: str) -> StageRun:
        for stage in self.stages.values():
            if stage.spec.name.lower() == name.lower():
                return stage
        raise bad_request(f"Stage {name} was not found in run {self.id}. Known stages: "
                          f"{', '.join(self.stages)}.")

    def records(self) -> list[Record]:
        return [record for stage in self.stages.values() for record in stage.records]

    # --- moves ----------------------------------------------------------------------
    def _stage(self, spec: StageSpec, order: int, skipped: bool) -> StageRun:
        stage = Record("Stage", spec.display_name or spec.name, spec.name, order)
        job_name = "Deploy" if spec.environment else "Job"
        phase = Record("Phase", job_name, f"{spec.name}.{job_name}", 1, stage.id)
        job = Record("Job", job_name, f"{spec.name}.{job_name}.__default", 1, phase.id)
        tasks = [Record("Task", task, None, index, job.id)
                 for index, task in enumerate(spec.tasks, start=1)]
        run_stage = StageRun(spec, stage, phase, job, tasks, spec.outcome,
                             skipped_at_queue=skipped)
        for record in run_stage.records:
            self._touch(record)
        if skipped:
            self._end_stage(run_stage, "skipped")
        return run_stage

    def _reach(self, stage: StageRun) -> None:
        if stage.spec.environment:
            stage.environment = self._environment(stage.spec.environment)
            check = self.project.approval_check(stage.environment)
            if check is not None and (check.settings or {}).get("approvers"):
                self._wait_for_approval(stage, check.settings)
                return
        self._start(stage)

    def _wait_for_approval(self, stage: StageRun, settings: dict) -> None:
        checkpoint = Record("Checkpoint", "Checkpoint", f"Checkpoint.{stage.spec.name}",
                            1, stage.stage.id)
        record = Record("Checkpoint.Approval", "Checkpoint.Approval", None, 1, checkpoint.id)
        stage.checkpoint, stage.approval_record = checkpoint, record
        stage.approval = Approval.from_settings(
            record.id, self.id, stage.spec.name, self.requested_by, settings)
        self.project.approvals[record.id] = stage.approval
        for item in (checkpoint, record):
            self._touch(item, state="inProgress", start_time=now())

    def _start(self, stage: StageRun) -> None:
        started = now()
        for record in (stage.stage, stage.phase, stage.job):
            self._touch(record, state="inProgress", start_time=started)
        stage.job.log = self._new_log()
        if stage.environment is not None:
            stage.deployment = self._deployment_record(stage)
        stage.current = -1
        self._next_task(stage)

    def _advance(self, stage: StageRun) -> None:
        task = stage.tasks[stage.current]
        last = stage.current == len(stage.tasks) - 1
        if last and stage.outcome == "holds":
            return  # its last task runs until the stage is cancelled
        failed = last and stage.outcome == "failed"
        if failed:
            self._write(stage, task, "##[error]Script failed with exit code: 1")
        self._write(stage, task, f"##[section]Finishing: {task.name}")
        self._touch(task, state=_DONE, result="failed" if failed else "succeeded",
                    finish_time=now())
        if last:
            self._end_stage(stage, stage.outcome)
        else:
            self._next_task(stage)

    def _next_task(self, stage: StageRun) -> None:
        stage.current += 1
        task = stage.tasks[stage.current]
        task.log = self._new_log()
        self._touch(task, state="inProgress", start_time=now())
        self._write(stage, task, f"##[section]Starting: {task.name}")

    def _end_stage(self, stage: StageRun, result: str) -> None:
        """The stage and what ran in it end with `result`; what never started is skipped."""
        finished = now()
        for record in (*stage.tasks, stage.job, stage.phase, stage.stage):
            if record.state != _DONE:
                ran = record.state == "inProgress" or record is stage.stage
                self._touch(record, state=_DONE, finish_time=finished,
                            result=result if ran else "skipped")
        if stage.deployment is not None:
            stage.deployment |= {"result": result, "finishTime": finished}
        stage.current = -1

    def _end_checkpoint(self, stage: StageRun, result: str) -> None:
        for record in (stage.approval_record, stage.checkpoint):
            self._touch(record, state=_DONE, result=result, finish_time=now())

    def _reset(self, stage: StageRun) -> None:
        for record in stage.records:
            record.previous_attempts.append(
                {"attempt": record.attempt, "timelineId": self.plan_id, "recordId": record.id})
            self._touch(record, attempt=record.attempt + 1, state="pending", result=None,
                        start_time=None, finish_time=None, log=None)
        stage.checkpoint = stage.approval_record = stage.approval = None
        stage.skipped_at_queue = False
        stage.deployment = None
        stage.current = -1

    def _finish_cancel(self) -> None:
        for stage in self.stages.values():
            if stage.stage.state != _DONE:
                if stage.checkpoint is not None and stage.checkpoint.state != _DONE:
                    self._end_checkpoint(stage, "canceled")
                reached = stage.stage.state == "inProgress" or stage.approval is not None
                self._end_stage(stage, "canceled" if reached else "skipped")
        self._complete("canceled")

    def _maybe_complete(self) -> None:
        if self.status != _DONE and all(
                s.stage.state == _DONE for s in self.stages.values()):
            results = {s.stage.result for s in self.stages.values()}
            self._complete("canceled" if "canceled" in results
                           else "failed" if "failed" in results else "succeeded")

    def _complete(self, result: str) -> None:
        self.status, self.result, self.finish_time = _DONE, result, now()
        self._changed()

    def _skipped_dependents(self, name: str) -> list[str]:
        found: list[str] = []
        for spec in self.pipeline.stages:
            deps = self.pipeline.dependencies(spec.name)
            if (any(d == name or d in found for d in deps)
                    and self.stages[spec.name].stage.result == "skipped"
                    and not self.stages[spec.name].skipped_at_queue):
                found.append(spec.name)
        return found

    # --- bookkeeping ----------------------------------------------------------------
    def _touch(self, record: Record, **changes) -> None:
        for name, value in changes.items():
            setattr(record, name, value)
        self._changed()
        record.change_id, record.last_modified = self.change_id, now()

    def _changed(self) -> None:
        self.change_id += 1
        self.last_changed = now()

    def _new_log(self) -> Log:
        log = Log(next(self._log_ids))
        self.logs.append(log)
        return log

    def _write(self, stage: StageRun, task: Record, text: str) -> None:
        task.log.write(text)
        stage.job.log.write(text)

    def _environment(self, name: str) -> Environment:
        """The stage's environment; a deployment to a new name creates it, as on the service."""
        environment = self.project.environment_named(name)
        if environment is None:
            environment = Environment(self.project.next_id(), name,
                                      created_by=self.requested_by.ref())
            self.project.environments[environment.id] = environment
        return environment

    def _deployment_record(self, stage: StageRun) -> dict:
        record = {
            "id": self.project.next_id(), "environmentId": stage.environment.id,
            "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
            "requestIdentifier": new_id(), "planId": self.plan_id, "planType": "Build",
            "scopeId": self.project.id, "stageName": stage.spec.name,
            "jobName": stage.job.name, "stageAttempt": stage.stage.attempt,
            "jobAttempt": stage.job.attempt,
            "definition": {"id": self.pipeline.id, "name": self.pipeline.name},
            "owner": {"id": self.id, "name": self.number},
            "queueTime": self.queue_time, "startTime": now(), "finishTime": None,
            "result": None,
        }
        self.project.deployment_records.append(record)
        return record
