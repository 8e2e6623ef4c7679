"""One deployment per environment at a time, across threads and processes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from release_manager.core.environment_names import EnvironmentNameError
from release_manager.engine.backend import CancelToken
from release_manager.engine.locks import EnvironmentBusy, EnvironmentLock, LocksUnusable


def test_a_second_holder_is_refused_when_it_will_not_wait(tmp_path: Path) -> None:
    first = EnvironmentLock(tmp_path, "dev")
    assert first.acquire(wait=False)
    with pytest.raises(EnvironmentBusy, match="deployment to dev is in progress"):
        EnvironmentLock(tmp_path, "dev").acquire(wait=False)
    assert EnvironmentLock(tmp_path, "test").acquire(wait=False)  # other environments free
    first.release()
    assert EnvironmentLock(tmp_path, "dev").acquire(wait=False)


def test_a_waiting_holder_gets_the_lock_when_it_is_released(tmp_path: Path) -> None:
    first = EnvironmentLock(tmp_path, "dev")
    first.acquire(wait=False)
    waiting = threading.Event()
    acquired = threading.Event()

    def second() -> None:
        lock = EnvironmentLock(tmp_path, "dev")
        lock.acquire(wait=True, on_wait=waiting.set)
        acquired.set()
        lock.release()

    thread = threading.Thread(target=second)
    thread.start()
    assert waiting.wait(10)
    assert not acquired.is_set()
    first.release()
    thread.join(10)
    assert acquired.is_set()


def test_waiting_stops_when_cancelled(tmp_path: Path) -> None:
    EnvironmentLock(tmp_path, "dev").acquire(wait=False)
    token = CancelToken()
    result: list[bool] = []
    thread = threading.Thread(
        target=lambda: result.append(
            EnvironmentLock(tmp_path, "dev").acquire(wait=True, cancel=token,
                                                     on_wait=token.cancel)))
    thread.start()
    thread.join(10)
    assert result == [False]


def test_another_process_holding_the_lock_is_seen(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path;"
         "from release_manager.engine.locks import EnvironmentLock;"
         f"EnvironmentLock(Path({str(tmp_path)!r}), 'dev').acquire(wait=False);"
         "print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(EnvironmentBusy):
        EnvironmentLock(tmp_path, "dev").acquire(wait=False)
    holder.communicate("")
    assert EnvironmentLock(tmp_path, "dev").acquire(wait=False)


def test_a_file_in_the_place_of_the_locks_folder_is_named(tmp_path: Path) -> None:
    locks = tmp_path / "locks"
    locks.write_text("not a folder\n")

    with pytest.raises(LocksUnusable) as caught:
        EnvironmentLock(locks, "dev").acquire(wait=False)

    message = str(caught.value)
    assert message.startswith(f"the lock of environment dev cannot be taken: {locks}")
    assert f"in {locks}, a folder; move what is in its place aside" in message
    assert locks.read_text() == "not a folder\n"


def test_an_environment_name_that_is_a_path_takes_no_lock(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentNameError, match="an environment name is not a path"):
        EnvironmentLock(tmp_path / "locks", "../../etc")
    assert list(tmp_path.iterdir()) == []
