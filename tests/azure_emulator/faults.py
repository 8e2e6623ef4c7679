"""Faults a test injects: the next N requests whose path contains a fragment fail with a
status, are held until the test releases them, or lose their connection."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .transport import Request


@dataclass
class Hold:
    """A slow response: the request waits until the test calls release().
    `arrived` is set when a request is waiting."""

    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


@dataclass
class Fault:
    fragment: str
    times: int
    method: str | None = None
    status: int | None = None  # answer with this status …
    retry_after: int | None = None
    drop: bool = False  # … or close the connection …
    hold: Hold | None = None  # … or wait for the test, then answer normally

    def matches(self, request: Request) -> bool:
        return (self.times > 0 and self.fragment in request.path
                and (self.method is None or self.method == request.method))


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def fail(self, fragment: str, status: int, times: int = 1, *,
             retry_after: int | None = None, method: str | None = None) -> None:
        """The next `times` requests whose path contains `fragment` get `status`
        (401, 403, 404, 429, 500, 503, …), with Retry-After when given."""
        self._add(Fault(fragment, times, method, status=status, retry_after=retry_after))

    def drop(self, fragment: str, times: int = 1, *, method: str | None = None) -> None:
        """The next `times` matching requests see their connection closed, unanswered."""
        self._add(Fault(fragment, times, method, drop=True))

    def hold(self, fragment: str, times: int = 1, *, method: str | None = None) -> Hold:
        """The next `times` matching requests wait until the returned Hold is released."""
        hold = Hold()
        self._add(Fault(fragment, times, method, hold=hold))
        return hold

    def clear(self) -> None:
        """Forget every fault and release every held request (the emulator stops)."""
        with self._lock:
            for fault in self._faults:
                if fault.hold is not None:
                    fault.hold.release()
            self._faults.clear()

    def take(self, request: Request) -> Fault | None:
        """The first fault that applies to `request`, counted as used."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    fault.times -= 1
                    return fault
        return None

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)
