"""What the Azure Resource Manager sign-in sees, for the App Service form's pickers: its
subscriptions, and each subscription's web apps with their resource groups and slots
(engine/azure/arm.py ArmClient, listed in workers).

One per window. A listing is kept until the sign-in changes (`sign_in_changed`: signed
in or out in the window), so selecting another stage does not ask Azure again. Without a
sign-in a listing fails with SignedOut, which the form shows as "Sign in to list…"
(`request_sign_in` opens File → Sign in to Azure Resource Manager…)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from release_manager.ui.workers import start_worker

if TYPE_CHECKING:
    from release_manager.engine.azure.arm import ArmClient, Subscription, WebApp
    from release_manager.engine.azure.saved_sign_ins import SavedSignIns

T = TypeVar("T")


class ArmListings(QObject):
    changed = Signal()
    """Signed in or out: what was listed is forgotten; the pickers list again."""
    signInRequested = Signal()

    def __init__(self, sign_ins: Callable[[], SavedSignIns],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sign_ins = sign_ins
        self._lock = threading.Lock()
        self._generation = 0
        self._client: ArmClient | None = None
        self._kept: dict[str, Any] = {}

    def subscriptions(self, on_done: Callable[[list[Subscription]], None],
                      on_failed: Callable[[BaseException], None]) -> None:
        """The subscriptions (by name) reach `on_done`; a failure, typed, `on_failed`."""
        self._list("", lambda client: client.subscriptions(), on_done, on_failed)

    def web_apps(self, subscription: str,
                 on_done: Callable[[tuple[str, list[WebApp]]], None],
                 on_failed: Callable[[BaseException], None]) -> None:
        """`subscription` and its web apps (by resource group and name, with their
        slots)."""
        self._list(f"apps/{subscription.lower()}",
                   lambda client: (subscription, client.web_apps(subscription)),
                   on_done, on_failed)

    def sign_in_changed(self) -> None:
        with self._lock:
            self._generation += 1
            self._client = None
            self._kept.clear()
        self.changed.emit()

    def request_sign_in(self) -> None:
        self.signInRequested.emit()

    def _list(self, key: str, read: Callable[[ArmClient], T], on_done: Callable[[T], None],
              on_failed: Callable[[BaseException], None]) -> None:
        with self._lock:
            kept, generation = self._kept.get(key), self._generation
        if kept is not None:
            on_done(kept)
            return
        saved = self._sign_ins()

        def work() -> T:
            found = read(self._client_of(saved, generation))
            with self._lock:
                if generation == self._generation:
                    self._kept[key] = found
            return found

        start_worker(work, on_done, on_failed)

    def _client_of(self, saved: SavedSignIns, generation: int) -> ArmClient:
        """On a worker: the sign-in's client (SignedOut when there is no sign-in), made
        once per sign-in so its tokens are asked once."""
        from release_manager.engine.azure.arm import ArmClient

        with self._lock:
            if self._client is not None and generation == self._generation:
                return self._client
        client = ArmClient(saved.load_arm())
        with self._lock:
            if generation == self._generation:
                self._client = client
        return client
