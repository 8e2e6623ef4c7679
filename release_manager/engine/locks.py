"""One deployment per environment at a time, across threads and processes: an exclusive
lock on `.release-manager/locks/<environment>.lock`, as Azure's Exclusive Lock check."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from release_manager.core.environment_names import check_environment_name
from release_manager.engine.backend import CancelToken
from release_manager.engine.workspace import WorkspaceError

if os.name == "nt":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class LocksUnusable(WorkspaceError):
    """The lock file cannot be opened: its folder is a file, or it is not writable."""


class EnvironmentBusy(Exception):
    """The environment is being deployed by someone else and the caller would not wait."""


class EnvironmentLock:
    """Each instance opens the lock file anew: the lock belongs to that open file, so two
    threads of one process exclude each other as two processes do."""

    POLL_SECONDS = 0.2

    def __init__(self, locks_dir: Path, environment: str) -> None:
        self.path = locks_dir / f"{check_environment_name(environment)}.lock"
        self._fd: int | None = None

    def acquire(self, *, wait: bool, cancel: CancelToken | None = None,
                on_wait: Callable[[], None] | None = None,
                give_up: Callable[[], bool] | None = None) -> bool:
        """Take the lock. With `wait`, block until it is free (polling `cancel` and
        `give_up`; False if cancelled or given up); without, raise EnvironmentBusy when it
        is held. `on_wait` is called once (no arguments) if the caller has to wait."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise LocksUnusable(
                f"the lock of environment {self.path.stem} cannot be taken: {self.path}: "
                f"{error.strerror or error}. Release Manager keeps the environments' locks "
                f"in {self.path.parent}, a folder; move what is in its place aside and try "
                "again.") from None
        told = False
        while not _try_lock(fd):
            if not wait:
                os.close(fd)
                raise EnvironmentBusy(
                    f"a deployment to {self.path.stem} is in progress; try again when it ends"
                )
            if not told and on_wait is not None:
                on_wait()
                told = True
            token = cancel or CancelToken()
            if token.wait(self.POLL_SECONDS) or (give_up is not None and give_up()):
                os.close(fd)
                return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = None
