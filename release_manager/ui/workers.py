"""The window's one way to run work off the GUI thread.

`start_worker(function, on_done, on_failed)` runs `function` on a thread pool (Qt's global
one, or the one given); its return value reaches `on_done` on the GUI thread, an exception
reaches `on_failed` as the exception object itself (its type and attributes intact, e.g.
`Forbidden.permission`). An unexpected exception (a bug: `error_messages.is_expected` says
no) also goes to the crash dialog's path (`sys.excepthook`), so it is reported, never
shown as "TypeError: …". `start_cancellable` hands the function the worker's `CancelToken`.

The `Worker` returned is the GUI's handle: `cancel()` takes effect at once, on the GUI
thread: neither `on_done` nor `on_failed` runs after it (`on_cancelled` runs instead) and
the token is set, so cooperative work stops. `worker.token.cancel()` alone asks the work
to stop and still hears how it ended (an operation that records its cancellation).
`on_ended` runs once the function has returned, cancelled or not: its thread is free.

Call these from the GUI thread; every callback runs there. A callback that is a method
of a Qt object deleted meanwhile is not called (as Qt drops a signal to a deleted
receiver); results that arrive after the application has quit are dropped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThreadPool, Signal, Slot
from shiboken6 import Shiboken, isValid

from release_manager.engine.backend import CancelToken
from release_manager.error_messages import is_expected

T = TypeVar("T")


@dataclass(frozen=True)
class _Outcome:
    worker: Worker[Any]
    value: Any = None
    error: BaseException | None = None


class _Relay(QObject):
    """Brings outcomes from pool threads to the GUI thread: one object for every worker,
    living as long as the application, so no thread ever deletes a Qt object of
    another's."""

    arrived = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver(self, outcome: _Outcome) -> None:
        outcome.worker._ended(outcome)


_relay: _Relay | None = None
_under_way: set[Worker[Any]] = set()
"""Workers whose function has not returned: their handles live until it has."""


def _the_relay() -> _Relay:
    global _relay
    if _relay is None or not isValid(_relay):
        _relay = _Relay()
        application = QCoreApplication.instance()
        if application is not None and _relay.thread() is not application.thread():
            _relay.moveToThread(application.thread())
    return _relay


def _call(callback: Callable[..., None] | None, *args: Any) -> None:
    """Call `callback` unless it is a method of a Qt object deleted meanwhile."""
    if callback is None:
        return
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, Shiboken.Object) and not isValid(owner):
        return
    callback(*args)


def _report_unexpected(error: BaseException) -> None:
    """Hand a bug to the crash dialog's path (the window installs it as `sys.excepthook`)."""
    sys.excepthook(type(error), error, error.__traceback__)


class Worker(Generic[T]):
    """One function run on a pool thread, seen from the GUI thread."""

    def __init__(self, on_done: Callable[[T], None] | None,
                 on_failed: Callable[[BaseException], None] | None,
                 on_cancelled: Callable[[], None] | None,
                 on_ended: Callable[[], None] | None) -> None:
        self.token = CancelToken()
        """Set by `cancel()`; cooperative functions (given it by `start_cancellable`) stop."""
        self._on_done, self._on_failed = on_done, on_failed
        self._on_cancelled, self._on_ended = on_cancelled, on_ended
        self._cancelled = False
        self._running = True

    @property
    def running(self) -> bool:
        """The function has not returned yet (it may have been cancelled)."""
        return self._running

    def cancel(self) -> bool:
        """Stop waiting for the result and set the token, now. False when there was
        nothing to cancel (already ended or cancelled)."""
        if self._cancelled or not self._running:
            return False
        self._cancelled = True
        self.token.cancel()
        _call(self._on_cancelled)
        return True

    def _run(self, function: Callable[[CancelToken], T]) -> None:
        """On the pool thread."""
        try:
            outcome = _Outcome(self, value=function(self.token))
        except BaseException as error:  # to the GUI thread, which decides what to show
            outcome = _Outcome(self, error=error)
        relay = _relay
        try:
            if relay is not None:
                relay.arrived.emit(outcome)
        except RuntimeError:  # the application is shutting down: nobody is listening
            pass

    def _ended(self, outcome: _Outcome) -> None:
        """On the GUI thread, once the function has returned or raised."""
        self._running = False
        _under_way.discard(self)
        try:
            error = outcome.error
            if error is not None and not is_expected(error):
                _report_unexpected(error)
            if self._cancelled:
                return
            if error is None:
                _call(self._on_done, outcome.value)
            else:
                _call(self._on_failed, error)
        finally:
            _call(self._on_ended)


def start_cancellable(
    function: Callable[[CancelToken], T],
    on_done: Callable[[T], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    *,
    on_cancelled: Callable[[], None] | None = None,
    on_ended: Callable[[], None] | None = None,
    pool: QThreadPool | None = None,
) -> Worker[T]:
    """Run `function(token)` on `pool` (Qt's global pool by default); see the module."""
    worker = Worker(on_done, on_failed, on_cancelled, on_ended)
    _the_relay()
    _under_way.add(worker)
    (pool or QThreadPool.globalInstance()).start(lambda: worker._run(function))
    return worker


def start_worker(
    function: Callable[[], T],
    on_done: Callable[[T], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    *,
    on_cancelled: Callable[[], None] | None = None,
    on_ended: Callable[[], None] | None = None,
    pool: QThreadPool | None = None,
) -> Worker[T]:
    """Run `function()` on `pool` (Qt's global pool by default); see the module."""
    return start_cancellable(lambda _token: function(), on_done, on_failed,
                             on_cancelled=on_cancelled, on_ended=on_ended, pool=pool)
