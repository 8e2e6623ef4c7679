"""An in-memory `AppTargets` that keeps state as the service does: each slot serves a
build, runs or is stopped, answers its health check or not; a swap exchanges what the
two slots serve and is read back; restart, stop and start change the state."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from release_manager.core.model import AppServiceTarget
from release_manager.engine.app_targets import (
    RUNNING,
    STOPPED,
    Health,
    SlotStatus,
    SwapCancelled,
    SwapOutcome,
)
from release_manager.engine.backend import CancelToken, LogWriter
from release_manager.engine.backend_errors import NotFound


@dataclass
class FakeSlot:
    build: int | None = None
    state: str = RUNNING
    healthy: bool = True
    restarts: int = 0


@dataclass
class FakeTargets:
    apps: dict[str, dict[str, FakeSlot]] = field(default_factory=dict)
    """Each app's slots by name."""
    swaps: list[tuple[str, str, str]] = field(default_factory=list)
    """(app, slot, with slot) of each swap sent."""
    exchange_wrongly: bool = False
    """A service whose swap reports done but leaves both slots as they were."""
    fail: Exception | None = None
    """Raised by the next swap."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def slot(self, app: str, slot: str) -> FakeSlot:
        return self.apps.setdefault(app, {}).setdefault(slot, FakeSlot())

    def deploy(self, app: str, slot: str, build: int) -> None:
        self.slot(app, slot).build = build

    def _known(self, target: AppServiceTarget, slot: str) -> FakeSlot:
        found = self.apps.get(target.app, {}).get(slot)
        if found is None:
            raise NotFound(f"{target.app} has no slot {slot}", "slot", slot)
        return found

    def _status(self, environment: str, target: AppServiceTarget, slot: str,
                health: bool) -> SlotStatus:
        kept = self._known(target, slot)
        url = f"https://{target.app}-{slot}.example/"
        answer = None
        if health:
            path = target.health_path or "/"
            answer = Health(True, f"HTTP 200 from {url.rstrip('/')}{path}") \
                if kept.healthy and kept.state == RUNNING else \
                Health(False, f"HTTP 503 from {url.rstrip('/')}{path}")
        return SlotStatus(environment, target.app, slot, kept.state, url, kept.build,
                          f"build {kept.build}" if kept.build else "", answer)

    def slots(self, environment: str, target: AppServiceTarget, *,
              health: bool = True) -> list[SlotStatus]:
        with self._lock:
            names = [target.slot] + ([target.swap_with] if target.swap_with else [])
            return [self._status(environment, target, name, health) for name in names]

    def swap(self, environment: str, target: AppServiceTarget, with_slot: str,
             log: LogWriter, cancel: CancelToken) -> SwapOutcome:
        if cancel.cancelled:
            raise SwapCancelled(f"the swap of {environment} was cancelled before it was sent")
        if self.fail is not None:
            error, self.fail = self.fail, None
            raise error
        with self._lock:
            mine, theirs = self._known(target, target.slot), self._known(target, with_slot)
            self.swaps.append((target.app, target.slot, with_slot))
            if not self.exchange_wrongly:
                mine.build, theirs.build = theirs.build, mine.build
            log.write(f"Swapped {target.slot} with {with_slot} of {target.app}")
            return SwapOutcome(environment, target.slot, with_slot, mine.build, theirs.build)

    def restart(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        with self._lock:
            kept = self._known(target, target.slot)
            kept.restarts += 1
            kept.state = RUNNING
        log.write(f"Restarted {target.slot} of {target.app}")

    def stop(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        with self._lock:
            self._known(target, target.slot).state = STOPPED
        log.write(f"Stopped {target.slot} of {target.app}")

    def start(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        with self._lock:
            self._known(target, target.slot).state = RUNNING
        log.write(f"Started {target.slot} of {target.app}")
