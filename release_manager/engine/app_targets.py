"""The contract an environment's App Service target implements, locally and on Azure.

An environment mapped to an App Service slot (`Environment.app_service`) is served by
one of these: `LocalTargets` (the embedded backend's slot folders, each served on its own
loopback port) or the Azure Resource Manager one (azure-mgmt-web). `engine.swap` and the
dashboard drive an `AppTargets`; they never know which. Like a `Backend`, it submits and
observes: it reads what the service says, it never guesses, and it raises the typed
errors of `engine.backend_errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from release_manager.core.model import AppServiceTarget
from release_manager.engine.backend import CancelToken, LogWriter

BUILD_SETTING = "RELEASE_MANAGER_BUILD"
"""The app setting a deployment writes: the build a slot serves."""

RUNNING, STOPPED = "Running", "Stopped"
"""An app's states as Azure says them (others, e.g. "Unknown", are shown as given)."""


@dataclass(frozen=True)
class Health:
    """The answer of a slot's health check path."""

    ok: bool
    detail: str
    """One line: what answered (`HTTP 200 from https://…/health`) or what did not."""


@dataclass(frozen=True)
class SlotStatus:
    """What one slot of an environment's app is, as read from the service."""

    environment: str
    app: str
    slot: str
    """`production` or the slot's name."""
    state: str
    """RUNNING, STOPPED, or the service's own word; "" when it cannot be told."""
    url: str
    """The slot's address (https://host/ on Azure, http://127.0.0.1:port/ locally)."""
    build: int | None
    """The build it serves (BUILD_SETTING), None when none was deployed there."""
    deployment: str = ""
    """Its last deployment in one line (who, when, status); "" when none is known."""
    health: Health | None = None
    """None when not asked."""


@dataclass(frozen=True)
class SwapOutcome:
    """Which build each slot serves after a swap, read back from the service."""

    environment: str
    slot: str
    with_slot: str
    slot_build: int | None
    with_build: int | None


class SwapCancelled(RuntimeError):
    """Cancelled before the swap was sent: nothing changed."""


class AppTargets(Protocol):
    """An environment's App Service slots: read them, swap two, restart, stop, start.

    `target` is the environment's mapping; a method that changes something writes what
    it does to `log`, one line at a time, and returns once the service says it is done.
    """

    def slots(self, environment: str, target: AppServiceTarget, *,
              health: bool = True) -> list[SlotStatus]:
        """The target's slot first, then the slot it swaps with (when it has one)."""
        ...

    def swap(self, environment: str, target: AppServiceTarget, with_slot: str,
             log: LogWriter, cancel: CancelToken) -> SwapOutcome:
        """Swap the target's slot with `with_slot` and read back what each serves. A
        cancel before the swap is sent raises SwapCancelled; once sent, Azure allows no
        cancel: it is logged as such and the swap is followed to its end."""
        ...

    def restart(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        ...

    def stop(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        ...

    def start(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        ...
