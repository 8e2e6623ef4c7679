"""The embedded backend: a stage's jobs run on this machine, in the workspace's
`.release-manager/` folder (work folders, artifacts, environment folders)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from release_manager.core.environments_file import load_environments
from release_manager.core.model import PRODUCTION_SLOT, Job, Pipeline, Stage
from release_manager.engine.backend import (
    ApprovalRequest,
    CancelToken,
    Capabilities,
    LogWriter,
    QueuedRun,
    Release,
    RunContext,
    StageOutcome,
    StageRef,
    StageStatus,
    StepOutcome,
)
from release_manager.engine.backend_errors import BackendError
from release_manager.engine.local import git_history
from release_manager.engine.local import variables as predefined_variables
from release_manager.engine.local.artifacts import ArtifactStore
from release_manager.engine.local.conditions import job_condition
from release_manager.engine.local.context import (
    CANCELED,
    FAILED,
    SKIPPED,
    SUCCEEDED,
    JobContext,
    worst,
)
from release_manager.engine.local.deploy import DeploymentError, EnvironmentFolders
from release_manager.engine.local.jobs import JobRun
from release_manager.engine.local.masking import MaskedLog, Masker
from release_manager.engine.local.process_groups import GROUPS_DIR, ProcessGroups
from release_manager.engine.local.runtime_values import RuntimeValues
from release_manager.engine.local.site_server import SiteServer, health_check, url_answers
from release_manager.engine.local.stage_threads import StageThreads
from release_manager.engine.local.variables import Variables
from release_manager.engine.local.workdir import (
    STATE_DIR,
    RunFolders,
    prepare_run_folders,
    source_info,
)


def job_order(jobs: list[Job]) -> list[Job]:
    """Jobs in an order that respects `dependsOn` (file order otherwise); a job whose
    dependencies never resolve keeps its place at the end (it will be skipped)."""
    ordered: list[Job] = []
    placed: set[str] = set()
    pending = list(jobs)
    while pending:
        ready = [j for j in pending
                 if all(d.lower() in placed for d in (j.depends_on or []))]
        if not ready:
            ordered += pending
            break
        for job in ready:
            ordered.append(job)
            placed.add(job.name.lower())
            pending.remove(job)
    return ordered


def _needs(job: Job, by_name: dict[str, Job]) -> list[str]:
    """The jobs `job` depends on, each by its declared name (Azure matches any case);
    `by_name` holds the stage's jobs by lower-cased name."""
    return [by_name[name.lower()].name if name.lower() in by_name else name
            for name in job.depends_on or []]


def _ancestors(job: Job, by_name: dict[str, Job]) -> list[str]:
    seen: list[str] = []
    frontier = _needs(job, by_name)
    while frontier:
        name = frontier.pop(0)
        if name in seen or name.lower() not in by_name:
            continue
        seen.append(name)
        frontier += _needs(by_name[name.lower()], by_name)
    return seen


def _where(environment: str, slot: str) -> str:
    return environment if slot == PRODUCTION_SLOT else f"{environment} (slot {slot})"


def _checks_out(job: Job) -> bool:
    return any(step.kind == "checkout" and step.value == "self" for step in job.all_steps())


class LocalBackend:
    """Runs stages here and keeps each environment's releases in its folder. It enforces
    nothing itself (approvals, locks, conditions, business hours): the engine does."""

    name = "local"
    capabilities = Capabilities()

    def __init__(self, workspace: Path, *, minute: float = 60.0, kill_grace: float = 5.0) -> None:
        """`minute` is the number of seconds in a minute of `timeoutInMinutes` and
        `kill_grace` how long a stopped process has between SIGTERM and SIGKILL."""
        self.workspace = Path(workspace).resolve()
        self.state_dir = self.workspace / STATE_DIR
        self.artifacts = ArtifactStore(self.state_dir / "artifacts")
        self.environments = EnvironmentFolders(self.state_dir / "environments")
        self.sites = SiteServer(self.state_dir, self.environments)
        self.process_groups = ProcessGroups(self.state_dir / GROUPS_DIR)
        self.minute = minute
        self.kill_grace = kill_grace
        self.stages = StageThreads()

    # ----------------------------------------------------------------- runs

    def queue_run(self, branch: str | None, variables: dict[str, str], *,
                  secrets: frozenset[str] = frozenset(),
                  parameters: dict[str, str] | None = None,
                  skip: tuple[str, ...] = ()) -> QueuedRun:
        """The commit `branch` is at; the stages run when they are started. Template
        parameters and stages to skip are refused: every stage here runs when promoted,
        and templates take their defaults."""
        if parameters or skip:
            raise BackendError("template parameters and stages to skip apply to a workspace "
                               "connected to Azure DevOps; here every stage runs when "
                               "promoted and templates take their defaults")
        return QueuedRun(*source_info(self.workspace, branch))

    def start_stage(self, pipeline: Pipeline, stage: Stage, run: RunContext) -> StageRef:
        return self.stages.start(
            run.run_id, stage.name,
            lambda log, cancel: self.run_stage(pipeline, stage, run, log, cancel))

    def observe(self, ref: StageRef) -> StageStatus:
        return self.stages.get(ref).status()

    def wait(self, ref: StageRef, timeout: float, after_line: int | None = None) -> StageStatus:
        return self.stages.get(ref).wait(timeout, after_line)

    def outcome(self, ref: StageRef) -> StageOutcome:
        return self.stages.get(ref).outcome()

    def read_log(self, ref: StageRef, start: int = 0) -> list[str]:
        return self.stages.get(ref).lines(start)

    def cancel(self, ref: StageRef) -> None:
        """Stop the stage's processes (their process groups); it ends Canceled."""
        self.stages.get(ref).cancel_token.cancel()

    def retry(self, ref: StageRef) -> StageRef:
        return self.stages.retry(ref)

    def run_stage(
        self,
        pipeline: Pipeline,
        stage: Stage,
        run: RunContext,
        log: LogWriter,
        cancel: CancelToken,
    ) -> StageOutcome:
        """Run every job of `stage` for `run` in this thread, blocking until done or
        cancelled (`start_stage` runs it in a thread of its own)."""
        masker = Masker([run.variables[n] for n in run.secrets if n in run.variables]
                        + [run.output_variables[n] for n in run.secret_outputs
                           if n in run.output_variables])
        out = MaskedLog(log, masker)
        if stage.kind != "stage":
            message = f"Stage '{stage.name}' is a {stage.kind} that only Azure can expand; skipped"
            out.write(f"##[warning]{message}")
            return StageOutcome(SKIPPED, message)
        out.write(f"##[section]Stage {stage.label} of run {run.run_id} on this machine")
        try:
            folders, how = prepare_run_folders(
                self.workspace, run.run_id, stage.name, run.commit,
                with_sources=any(job.kind != "deployment" or _checks_out(job)
                                 for job in stage.jobs),
            )
        except OSError as error:
            out.write(f"##[error]Could not prepare the run's work folder: {error}")
            return StageOutcome(FAILED, f"could not prepare the work folder: {error}")
        out.write(how)
        results: dict[str, str] = {}
        outputs: dict[str, str] = {}
        secret_outputs: set[str] = set()
        step_outcomes: list[StepOutcome] = []
        failure = ""
        message = ""
        release = ""
        by_name: dict[str, Job] = {}
        for job in stage.jobs:
            by_name.setdefault(job.name.lower(), job)
        for job in job_order(stage.jobs):
            variables = self._variables(pipeline, stage, job, run, folders, out, masker)
            dependencies = {
                name: {"result": results.get(name, SKIPPED),
                       "outputs": {k.split(".", 1)[1]: v for k, v in outputs.items()
                                   if k.split(".", 1)[0] == name}}
                for name in _needs(job, by_name)
            }
            ancestors = {name: results.get(name, SKIPPED) for name in _ancestors(job, by_name)}
            runs, why = job_condition(job.condition, variables.as_dict(), dependencies,
                                      ancestors, cancel.cancelled)
            label = job.display_name or job.name
            if job.kind in ("template", "expression"):
                runs, why = False, f"a job {job.kind} only Azure can expand"
            if not runs:
                reason = why or f"condition not met: {job.condition or 'succeeded()'}"
                out.write(f"##[section]Skipping job {label}: {reason}")
                results[job.name] = SKIPPED
                continue
            ctx = JobContext(
                pipeline=pipeline, stage=stage, job=job, run=run,
                folders=folders, variables=variables, log=out, cancel=cancel,
                artifacts=self.artifacts, environments=self.environments,
                environment=job.environment if job.kind == "deployment" else None,
                minute=self.minute, kill_grace=self.kill_grace,
                process_groups=self.process_groups,
            )
            out.write(f"##[section]Starting job: {label}")
            if ctx.environment:
                out.write(f"Environment: {ctx.environment}")
            job_run = JobRun(ctx)
            results[job.name] = job_run.run()
            out.write(f"##[section]Finishing job: {label} ({results[job.name]})")
            step_outcomes += job_run.outcomes
            outputs.update(ctx.outputs)
            secret_outputs.update(ctx.secret_outputs)
            if job_run.failure and not failure:
                failure = job_run.failure
            message = message or job_run.message
            if ctx.deployed:
                release = str(ctx.deployed[-1].path)
        result = self._stage_result(list(results.values()), cancel.cancelled)
        message = failure or message or ("canceled" if result == CANCELED else "")
        out.write(f"##[section]Stage {stage.label}: {result}")
        return StageOutcome(result, message, step_outcomes, outputs, release,
                            frozenset(secret_outputs))

    @staticmethod
    def _stage_result(results: list[str], cancelled: bool) -> str:
        if cancelled:
            return CANCELED
        ran = [r for r in results if r != SKIPPED]
        if not ran:
            return SKIPPED
        return worst(*ran) if any(r != SUCCEEDED for r in ran) else SUCCEEDED

    def _variables(
        self, pipeline: Pipeline, stage: Stage, job: Job, run: RunContext,
        folders: RunFolders, out: MaskedLog, masker: Masker,
    ) -> Variables:
        variables = Variables()
        for name, value in predefined_variables.predefined(
            run_id=run.run_id, branch=run.branch, commit=run.commit, reason=run.reason,
            requested_by=run.requested_by, definition=pipeline.name or self.workspace.name,
            pipeline_workspace=str(folders.root), sources=str(folders.sources),
            staging=str(folders.staging), binaries=str(folders.binaries),
            temp=str(folders.temp), stage=stage.name, stage_display=stage.display_name,
            job=job.name, job_display=job.display_name,
            environment=job.environment if job.kind == "deployment" else None,
        ).items():
            variables.set(name, value)
        def note(message: str) -> None:
            out.write(f"##[warning]{message}")

        runtime = RuntimeValues(run.output_variables, run.secret_outputs, variables, note)
        for entries in (pipeline.variables, stage.variables, job.variables):
            variables.add_entries(entries, run.variables, note, runtime)
        for name, value in run.variables.items():
            variables.set(name, value, secret=name in run.secrets)
        for value in variables.secret_values():
            masker.add(value)
        return variables

    # ----------------------------------------------------------------- releases

    def slot(self, environment: str) -> str:
        """The slot `environment`'s deployments go to: its App Service target's in
        environments.yml, else production (the environment's folder itself)."""
        settings = load_environments(self.workspace).get(environment)
        target = settings.app_service if settings is not None else None
        return target.slot if target is not None else PRODUCTION_SLOT

    def releases(self, environment: str) -> list[Release]:
        return self.environments.releases(environment, self.slot(environment))

    def activate(self, environment: str, run_id: int, log: LogWriter) -> Release:
        """Switch `environment` (its target slot) back (or forward) to installed release
        `run_id`; raises DeploymentError with a clear message when that release is gone."""
        slot = self.slot(environment)
        previous = self.environments.current_run(environment, slot)
        release = self.environments.switch(environment, run_id, slot)
        before = f"release {previous}" if previous is not None else "no release"
        log.write(f"Release {run_id} is now current in {_where(environment, slot)} "
                  f"(was {before}).")
        return release

    def deactivate(self, environment: str, log: LogWriter) -> None:
        """Take `environment`'s release out of service (no earlier release to go back to)."""
        slot = self.slot(environment)
        previous = self.environments.current_run(environment, slot)
        self.environments.clear_current(environment, slot)
        if previous is not None:
            log.write(f"Release {previous} is out of service in {_where(environment, slot)}; "
                      "no release is current.")

    def end_orphans(self) -> list[int]:
        """End the process groups of steps whose deployment process was killed."""
        return self.process_groups.end_orphans()

    def health_check(self, environment: str, url: str = "",
                     run_id: int | None = None) -> tuple[bool, str]:
        slot = self.slot(environment)
        where = _where(environment, slot)
        current = self.environments.current_run(environment, slot)
        if current is None:
            return False, f"{where} has no release in service"
        if run_id is not None and current != run_id:
            return False, (f"{where} has release {current} in service, not release "
                           f"{run_id} that was deployed")
        if url:
            return url_answers(url)
        return health_check(self.sites.serve(environment, slot), current)

    # ----------------------------------------------------------------- sources

    def branches(self) -> list[str]:
        return git_history.branches(self.workspace)

    def commits_between(self, old: str, new: str) -> list[str]:
        return git_history.commits_between(self.workspace, old, new)

    def changes(self) -> str:
        """"": every release switched here is recorded in the store as it happens."""
        return ""

    def pending_approvals(self) -> list[ApprovalRequest]:
        """None: the engine asks for and keeps this backend's approvals (in its store)."""
        return []

    def decide(self, stages: Sequence[tuple[int, str]], decision: str,
               comment: str = "") -> None:
        raise BackendError(f"the {self.name} backend holds no approvals: the engine "
                           "decides them (Promoter.approve / reject)")

    def close(self) -> None:
        """Stop the site servers this backend started."""
        self.sites.stop()


__all__ = ["DeploymentError", "LocalBackend"]
