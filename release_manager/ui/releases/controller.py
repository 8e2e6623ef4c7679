"""One workspace's releases, for the window: every engine call runs on a worker thread and
comes back as a signal, so the GUI thread never waits on a process or the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, QTimer, Signal
from shiboken6 import isValid

from release_manager.core.identity_names import IdentityError
from release_manager.engine.audit_chain import AuditVerdict
from release_manager.engine.backend import CancelToken, LogWriter, StageRef
from release_manager.engine.backend_errors import SignedOut, TlsUntrusted, Unavailable
from release_manager.engine.identity import current_identity
from release_manager.engine.log_buffer import LogSink
from release_manager.engine.log_follow import follow_file, follow_stage, still_writing
from release_manager.engine.progress import ProgressWriter
from release_manager.engine.promotion import PromotionResult
from release_manager.engine.release_session import (
    NotAWorkspace,
    Opened,
    Releases,
    StatusRead,
    open_workspace,
    summary,
    target_actions,
)
from release_manager.engine.release_status import WorkspaceStatus
from release_manager.engine.status_refresh import StatusRefresher
from release_manager.engine.swap import ActionResult, SwapPlan
from release_manager.engine.workspace import Workspace
from release_manager.error_messages import user_message
from release_manager.ui.log_view import LogPanel
from release_manager.ui.releases.unsaved import PipelineEdits
from release_manager.ui.workers import Worker, start_cancellable

REFRESH_MS = 2000
WORKER_THREADS = 4
RETRY_MS = (2_000, 5_000, 15_000, 30_000, 60_000)
"""Waits before each refresh while the backend cannot be reached; the last one repeats."""


@dataclass
class Operated:
    """What an operation's worker returns; the GUI thread keeps what it needs of it."""

    result: PromotionResult
    decisions: list[tuple[str, PromotionResult]] | None = None
    """Each decision's result (approve, reject), when the operation decided."""
    branches: list[str] | None = None
    """The workspace's branches read again (a run may have made one)."""


class ReleaseController(QObject):
    """Owns a workspace's `Workspace` and its releases (`Releases`) and the acting identity; one
    operation (run, promote, decide, rollback) at a time."""

    statusChanged = Signal(object)  # WorkspaceStatus
    operationStarted = Signal(str)
    operationFinished = Signal(object)  # PromotionResult
    progress = Signal(str)
    identityChanged = Signal(str)
    availabilityChanged = Signal(str)
    """"" once the workspace is open; else why it cannot be used."""
    planReady = Signal(object)  # PromotionPlan, or the reason (str) it could not be made
    swapPlanReady = Signal(object)  # SwapPlan, or the reason (str) it could not be made
    decisionsFinished = Signal(list)  # [(label, PromotionResult)]
    logShown = Signal(str)  # the title of the log now in the log panel
    problem = Signal(str)  # a status refresh failed (e.g. the pipeline on disk is broken)
    auditChecked = Signal(object)  # AuditVerdict: the audit trail verified on opening
    answered = Signal()
    """A status refresh succeeded: the backend answered."""

    def __init__(self, pipeline_path: Path, identity: str | None = None,
                 parent: QObject | None = None, refresh_ms: int = REFRESH_MS,
                 retry_ms: tuple[int, ...] = RETRY_MS) -> None:
        super().__init__(parent)
        self.pipeline_path = Path(pipeline_path)
        self._explicit_identity = identity
        try:
            self.identity = self.person = current_identity(identity)
        except IdentityError:  # open() says why, and nothing can be done until it is fixed
            self.identity = self.person = ""
        """Who acts, and who is at the machine (they differ only in the demo)."""
        self.identities = [self.identity]
        self.demo = False
        """The workspace is the demo: acting as a member of its made-up team is allowed."""
        self.edits: PipelineEdits | None = None
        """The window's edits of the pipeline; actions use the saved file."""
        self.branches: list[str] = []
        self.audit: AuditVerdict | None = None
        """The audit trail as verified when the workspace opened."""
        self.workspace: Workspace | None = None
        self.promoter: Releases | None = None
        self.refresher: StatusRefresher | None = None
        self.report_connection: Callable[[BaseException], bool] = lambda _error: False
        """Shows a SignedOut or Unavailable where the window shows the connection; True
        when it did (the dashboard then does not say it again). Signed out, refreshing
        waits for `resume`; unreachable, it retries by itself with growing waits. What
        is on screen stays as it is."""
        self.status: WorkspaceStatus | None = None
        self.dependencies: dict[str, list[str]] = {}
        self.unavailable = "Opening the workspace…"
        self.can_set_up = False
        """The folder could hold releases once set up (it has no release state yet)."""
        self.operation = ""
        """The title of the running operation ("" when idle)."""
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(WORKER_THREADS)
        self._workers: set[Worker[Any]] = set()
        """Workers whose function has not returned: the pool (and so this controller)
        is deleted only once there are none."""
        self._operation: Worker[Operated] | None = None
        self._stage_runs = False
        """The running operation deploys (a cancel is audited on its stage runs)."""
        self._writer: ProgressWriter | None = None
        self._following: Worker[int] | None = None
        self._log_panel: LogPanel | None = None
        self._refreshing = False
        self._refresh_again = False
        self._force_again = False
        self._operations_done = 0
        self._status_after = -1  # operations done when the shown status was read
        self._disposed = False
        self._settled = False
        self._first_log = False
        """The log shown on opening is still being read."""
        self._first_sink: LogSink | None = None
        """Where it was read to: the log panel takes its lines from there."""
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)
        self.retry_ms = retry_ms
        self._retries = 0
        self.signed_out = False
        """The backend refused the credentials: no refresh until `resume`."""
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.refresh)
        application = QCoreApplication.instance()
        if application is not None:  # quitting cancels the running operation
            application.aboutToQuit.connect(self.dispose)

    # ----------------------------------------------------------------- plumbing

    def _start(self, function: Callable[[], Any], on_done: Callable[[Any], None],
               on_failed: Callable[[BaseException], None]) -> Worker[Any]:
        """Run `function` on this controller's pool (see `ui.workers`)."""
        return self._start_cancellable(lambda _token: function(), on_done, on_failed)

    def _start_cancellable(self, function: Callable[[CancelToken], Any],
                           on_done: Callable[[Any], None],
                           on_failed: Callable[[BaseException], None],
                           on_cancelled: Callable[[], None] | None = None) -> Worker[Any]:
        """Run `function(token)` on this controller's pool; `dispose` cancels it."""
        worker = start_cancellable(function, on_done, on_failed, on_cancelled=on_cancelled,
                                   on_ended=lambda: self._ended(worker), pool=self.pool)
        self._workers.add(worker)
        return worker

    def _ended(self, worker: Worker[Any]) -> None:
        self._workers.discard(worker)
        if self._disposed and not self._workers and isValid(self):
            self.deleteLater()

    @property
    def busy(self) -> bool:
        return bool(self.operation)

    @property
    def cancelling(self) -> bool:
        """The running operation was asked to stop (its token is set) and has not ended."""
        return self._operation is not None and self._operation.token.cancelled

    @property
    def cancel_reach(self) -> str:
        """How far Cancel reaches into the running operation, in a sentence."""
        if not self.busy:
            return ""
        if self._stage_runs:
            return "Stop the running operation: its steps stop, what it did is recorded"
        return ("Cancel: a swap only until it is sent (once sent it is followed to its "
                "end); a restart, stop or start only while it waits for another change")

    @property
    def backend_enforces_approvals(self) -> bool:
        """The backend applies the approvals' rules itself (Capabilities.approvals)."""
        return self.workspace is not None and self.workspace.backend.capabilities.approvals

    @property
    def is_open(self) -> bool:
        return self.promoter is not None

    @property
    def settled(self) -> bool:
        """The workspace's first status was read, or there is a reason it cannot be."""
        unshown = self._first_sink is not None and self._first_sink.pending
        return self._settled and not self._first_log and not unshown

    @property
    def status_is_current(self) -> bool:
        """The status shown was read after the last operation ended."""
        return self.status is not None and self._status_after == self._operations_done

    # ----------------------------------------------------------------- opening

    def open(self, create: bool = False) -> None:
        """Open the workspace in a worker (with `create`, make its release state)."""
        path, identity, explicit = self.pipeline_path, self.identity, self._explicit_identity
        self._start(lambda: open_workspace(path, identity or current_identity(explicit), create),
                    self._opened, self._not_opened)

    def _opened(self, opened: Opened) -> None:
        if self.workspace is not None:  # opened again (signed in again): let the old go
            backend = self.workspace.backend
            self._start(backend.close, lambda _: None, lambda _: None)
        self.workspace, self.promoter = opened.workspace, opened.promoter
        self.refresher = StatusRefresher(opened.workspace, opened.promoter)
        self.identities, self.branches = opened.identities, opened.branches
        self.demo = opened.demo
        if not opened.demo:  # the one who acts: on Azure DevOps, the signed-in user
            self.identity = self.person = opened.identities[0]
        self.audit = opened.audit
        self.unavailable = ""
        self.availabilityChanged.emit("")
        self.identityChanged.emit(self.identity)
        self.auditChecked.emit(opened.audit)
        self.refresh()
        self._timer.start()

    def _not_opened(self, error: BaseException) -> None:
        if self.workspace is not None and isinstance(error, (SignedOut, Unavailable)):
            self.signed_out = True  # opened again after a sign-in: what is shown stays
            self._report(error)
            return
        self.can_set_up = isinstance(error, NotAWorkspace)
        self.unavailable = user_message(error)
        self._settled = True
        self.availabilityChanged.emit(self.unavailable)

    def dispose(self) -> None:
        """Stop refreshing and following, cancel the running operation (every worker:
        none of their results is taken); the controller deletes itself once their
        functions have returned (the GUI thread never waits for them)."""
        if self._disposed:
            return
        self._disposed = True
        self._timer.stop()
        self._retry.stop()
        for worker in list(self._workers):
            worker.cancel()
        if self._log_panel is not None:
            self._log_panel.view.attach_sink(None)
        if not self._workers:
            self.deleteLater()

    # ----------------------------------------------------------------- identity

    def set_identity(self, name: str) -> None:
        """Act as `name`: only in the demo workspace, whose team is made up."""
        name = name.strip()
        if not self.demo or not name or name == self.identity:
            return
        self.identity = name
        if name not in self.identities:
            self.identities.append(name)
        self.identityChanged.emit(name)

    # ----------------------------------------------------------------- status

    def refresh(self, force: bool = False) -> None:
        """Read the status again in a worker if anything it shows moved (with `force`,
        in any case: after an operation, whose change the markers may not show, e.g. a
        slot swapped on Azure); `statusChanged` brings it."""
        if self.refresher is None or self.signed_out or self._disposed:
            return
        if self._refreshing:
            self._refresh_again = True
            self._force_again = self._force_again or force
            return
        self._refreshing = True
        refresher, done = self.refresher, self._operations_done
        self._start(lambda: (done, refresher.read(force)), self._status_read,
                    self._status_failed)

    def resume(self) -> None:
        """Signed in again, or the backend answers again: refresh now and every tick.
        After a refused sign-in the workspace is opened again, so its backend takes the
        new one (what is shown stays until the new status replaces it)."""
        if self.refresher is None or self._disposed:
            return
        self._retries = 0
        self._retry.stop()
        if self.signed_out:
            self.signed_out = False
            self.open()
            return
        if not self._timer.isActive():
            self._timer.start()
        self.refresh()

    def _status_read(self, read_after: tuple[int, StatusRead | None]) -> None:
        self._refreshed()
        if self._retries:  # reachable again: back to the regular ticks
            self._retries = 0
            self._timer.start()
        self.answered.emit()
        self._status_after, read = read_after
        if read is None:  # nothing moved: what is shown is current
            return
        self.status, self.dependencies = read.status, read.dependencies
        if not self._settled and self._log_panel is not None and not self.operation:
            self._show_latest_log(read.status)
        self._settled = True
        self.statusChanged.emit(read.status)

    def _status_failed(self, error: BaseException) -> None:
        self._refreshed()
        self._settled = True
        if isinstance(error, Unavailable) and error.retryable \
                and not isinstance(error, TlsUntrusted):
            self._timer.stop()
            wait = self.retry_ms[min(self._retries, len(self.retry_ms) - 1)]
            if error.retry_after is not None:
                wait = max(wait, int(error.retry_after * 1000))
            self._retries += 1
            self._retry.start(wait)
        elif isinstance(error, SignedOut):
            self.signed_out = True
            self._timer.stop()
            self._retry.stop()
        self._report(error)

    def _report(self, error: BaseException) -> None:
        """Say `error`: a lost connection where the window shows the connection (the
        dashboard, graph and log keep what they show), anything else in the dashboard."""
        if isinstance(error, (SignedOut, Unavailable)) and self.report_connection(error):
            return
        self.problem.emit(user_message(error))

    def _refreshed(self) -> None:
        self._refreshing = False
        if self._refresh_again:
            force, self._refresh_again, self._force_again = self._force_again, False, False
            self.refresh(force)

    # ----------------------------------------------------------------- log

    def attach_log(self, panel: LogPanel) -> None:
        """Show the operations' logs in `panel`."""
        self._log_panel = panel

    def _new_log(self, title: str, path: Path | None = None) -> LogSink:
        """A fresh sink shown in the log panel in place of the previous log."""
        self._stop_following()
        if self._writer is not None:
            self._writer.sink = None
        sink = LogSink()
        if self._log_panel is not None:
            view = self._log_panel.view
            view.attach_sink(None)
            view.clear()
            view.set_full_log_path(path)
            view.attach_sink(sink)
        self.logShown.emit(title)
        return sink

    def _stop_following(self) -> None:
        if self._following is not None:
            self._following.cancel()
            self._following = None

    def _show_latest_log(self, status: WorkspaceStatus) -> None:
        """On opening, the log of the latest finished stage run: what happened last."""
        finished = [cell.stage_run_id for build in status.builds
                    for cell in build.stages.values()
                    if cell.result is not None and cell.stage_run_id]
        if finished:
            self._first_log = True
            self.open_log(max(finished))

    def _log_read(self, sink: LogSink | None = None) -> None:
        if self._first_log:
            self._first_log, self._first_sink = False, sink

    def _log_failed(self, error: BaseException) -> None:
        self._log_read()
        self._report(error)

    def open_log(self, stage_run_id: int, build: int = 0, stage: str = "") -> None:
        """Show a stage run's log: what its file holds, then, while it runs, each new line.
        A stage the store has no row of (`stage_run_id` 0: Azure DevOps keeps it) is read
        from the backend as the latest attempt of `stage` in `build`."""
        if self.workspace is None or self.promoter is None:
            return
        if not stage_run_id:
            promoter = self.promoter
            self._start(lambda: promoter.stage_ref(build, stage),  # type: ignore[attr-defined]
                        lambda ref: self._follow_ref(
                            ref, f"Build {build} · {stage} (attempt {ref.id.rsplit(':', 1)[-1]})"),
                        self._log_failed)
            return
        store = self.workspace.store
        self._start(lambda: store.stage_run(stage_run_id), self._follow, self._log_failed)

    def _follow(self, record: Any) -> None:
        title = f"Build {record.run_id} · {record.stage} (attempt {record.attempt})"
        if not record.log_path and record.remote_ref and self.workspace is not None:
            self._follow_backend(record, title)
            return
        if not record.log_path:
            sink = self._new_log(title)
            sink.write(f"{record.stage} of build {record.run_id} has no log yet "
                       f"({record.state}).")
            self._log_read()
            return
        path = Path(record.log_path)
        sink = self._new_log(title, path)
        store = self.workspace.store if self.workspace is not None else None

        def running() -> bool:
            return store is not None and still_writing(store, record.id)

        self._following = self._start_cancellable(
            lambda token: follow_file(path, sink, token, running),
            lambda _: self._log_read(sink), self._log_failed, on_cancelled=self._log_read)
        if not record.finished:
            self._log_read()  # what it holds so far is shown; nothing waits for the rest

    def _follow_backend(self, record: Any, title: str) -> None:
        """A stage run whose log the backend keeps (a remote one)."""
        self._follow_ref(StageRef(record.remote_ref, record.run_id, record.stage), title)

    def _follow_ref(self, ref: StageRef, title: str) -> None:
        """Read the stage's log from its backend, each time from the last line read on,
        until it ends."""
        if self.workspace is None:
            return
        backend = self.workspace.backend
        sink = self._new_log(title)
        self._following = self._start_cancellable(
            lambda token: follow_stage(backend, ref, sink, token),
            lambda _: self._log_read(sink), self._log_failed, on_cancelled=self._log_read)
        self._log_read()  # what it holds so far is shown; nothing waits for the rest

    # ----------------------------------------------------------------- operations

    def _operate(self, title: str,
                 work: Callable[[Releases, str, LogWriter, CancelToken], Operated],
                 stage_runs: bool = True) -> bool:
        """Run `work` in a worker with a log writer and the worker's cancel token; False
        when another operation runs or the workspace is not open. `stage_runs`: it runs
        stages (a cancel is audited on the stage runs it left active)."""
        if self.promoter is None or self.busy:
            return False
        self._stage_runs = stage_runs
        promoter, actor = self.promoter, self.identity
        writer = self._writer = ProgressWriter(self._new_log(title), self.progress.emit)
        writer.write(f"##[section]{title} (as {actor})")
        self.operation = title
        self.operationStarted.emit(title)
        self._operation = self._start_cancellable(
            lambda token: work(promoter, actor, writer, token), self._operated,
            self._operation_failed)
        return True

    def _operation_failed(self, error: BaseException) -> None:
        if isinstance(error, (SignedOut, Unavailable)):
            self.report_connection(error)  # the result banner says it too
        if isinstance(error, SignedOut):  # nothing refreshes until signed in again
            self.signed_out = True
            self._timer.stop()
        self._operated(Operated(PromotionResult("failed", user_message(error))))

    def _operated(self, outcome: Operated) -> None:
        self.operation = ""
        self._operations_done += 1
        self._operation = None
        if outcome.branches is not None:
            self.branches = outcome.branches
        result = outcome.result
        if outcome.decisions is not None:
            self.decisionsFinished.emit(outcome.decisions)
        record = result.stage_run
        if record is not None and record.log_path and self._log_panel is not None \
                and self._writer is not None and self._writer.sink is not None:
            self._log_panel.view.set_full_log_path(Path(record.log_path))
        self.operationFinished.emit(result)
        self.refresh(force=True)

    def run_pipeline(self, branch: str | None = None,
                     variables: dict[str, str] | None = None,
                     secrets: dict[str, str] | None = None) -> bool:
        """`secrets`: secret variables, which the engine never writes to the store."""
        def work(promoter: Releases, actor: str, log: LogWriter,
                 token: CancelToken) -> Operated:
            run, results = promoter.run_pipeline(actor, branch, variables, log=log,
                                                 cancel=token, secrets=secrets)
            branches = promoter.workspace.backend.branches()
            if not results:
                return Operated(PromotionResult("succeeded", f"build {run.id} queued"),
                                branches=branches)
            failed = next((r for r in results if r.state != "succeeded"), None)
            result = failed or results[-1]
            return Operated(PromotionResult(result.state, f"build {run.id}: {result.message}",
                                            result.stage_run, result.explanation),
                            branches=branches)

        return self._operate(f"Run the pipeline on {branch or 'the current branch'}", work)

    def promote(self, build: int, stage: str, swap: bool = False) -> bool:
        """`swap`: the stage's swap step too, after a healthy deployment (its consent on
        the promote sheet, as `promote --swap`)."""
        return self._operate(
            f"Promote build {build} to {stage}" + (" and swap" if swap else ""),
            lambda p, actor, log, token: Operated(p.promote(build, stage, actor, log=log,
                                                            cancel=token, swap=swap)))

    def rollback(self, environment: str) -> bool:
        return self._operate(
            f"Roll back {environment}",
            lambda p, actor, log, token: Operated(p.rollback(environment, actor, log=log,
                                                             cancel=token)))

    def decide(self, items: list[tuple[int, str]], decision: str, comment: str = "") -> bool:
        """Approve (decision "approve") or reject each (build, stage), one after the other."""
        verb = "Approve" if decision == "approve" else "Reject"

        def work(promoter: Releases, actor: str, log: LogWriter,
                 token: CancelToken) -> Operated:
            results = []
            for build, stage in items:
                if token.cancelled:
                    break
                log.write(f"##[section]{verb} build {build} → {stage}")
                if decision == "approve":
                    result = promoter.approve(build, stage, actor, comment, log=log,
                                              cancel=token)
                else:
                    result = promoter.reject(build, stage, actor, comment)
                log.write(f"{result.state}: {result.message}")
                results.append((f"build {build} → {stage}", result))
            return Operated(summary(results), decisions=results)

        count = len(items)
        return self._operate(f"{verb} {count} deployment{'s' if count != 1 else ''}", work)

    def cancel(self) -> bool:
        """Stop the running operation: its token is set now, so its steps stop; what it
        recorded of its end (canceled, the release switched back) still comes as
        `operationFinished`. Who cancelled is written to the audit trail by a worker."""
        operation, promoter, actor = self._operation, self.promoter, self.identity
        if operation is None or promoter is None or operation.token.cancelled:
            return False
        operation.token.cancel()
        if not self._stage_runs:  # a swap, restart, stop or start: the engine says how
            return True           # far the cancel reached (a sent swap is not undone)

        def audit() -> None:
            for record in promoter.store.active_stage_runs():
                promoter.cancel(record.id, actor)

        self._start(audit, lambda _: None,
                    lambda error: self.problem.emit(user_message(error)))
        return True

    # ----------------------------------------------------------------- targets

    def swap(self, plan: SwapPlan) -> bool:
        """Swap as `plan` says (the engine plans it again under the environment's lock,
        the slot's health checked, and refuses it if anything changed)."""
        def work(promoter: Releases, actor: str, log: LogWriter,
                 token: CancelToken) -> Operated:
            actions = target_actions(promoter)
            return Operated(_result(actions.swap(plan, actor, log, token)))

        return self._operate(f"Swap slot {plan.slot} of {plan.environment} with "
                             f"{plan.with_slot}", work, stage_runs=False)

    def act_on_target(self, action: str, environment: str) -> bool:
        """Restart, stop or start `environment`'s slot (`engine.swap.ACTIONS`)."""
        def work(promoter: Releases, actor: str, log: LogWriter,
                 token: CancelToken) -> Operated:
            actions = target_actions(promoter)
            return Operated(_result(actions.act(action, environment, actor, log, token)))

        return self._operate(f"{action.capitalize()} {environment}", work, stage_runs=False)

    def request_swap_plan(self, environment: str) -> None:
        """Plan swapping `environment`'s slot with its partner, its health checked;
        `swapPlanReady` brings it."""
        if self.promoter is None:
            return
        promoter = self.promoter
        self._start(lambda: target_actions(promoter).swap_plan(environment),
                    self.swapPlanReady.emit,
                    lambda error: self.swapPlanReady.emit(user_message(error)))

    # ----------------------------------------------------------------- reading

    def request_plan(self, build: int, stage: str) -> None:
        """Make the plan of promoting `build` to `stage`; `planReady` brings it."""
        if self.promoter is None:
            return
        promoter = self.promoter
        self._start(lambda: promoter.plan(build, stage), self.planReady.emit,
                    lambda error: self.planReady.emit(user_message(error)))


def _result(done: ActionResult) -> PromotionResult:
    return PromotionResult(done.state, done.message)
