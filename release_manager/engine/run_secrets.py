"""The values of a run's secrets (secret queue-time variables, secret outputs), which the
store never holds: kept in this process's memory and in the OS keyring, so a later stage
promoted from another process (another command, the window) can read them.

Keyring entries are keyed by workspace, build, stage and name (the stage of a queue-time
variable is `(queue)`). Without a secure keyring the values live only as long as the
process that learnt them; a later stage that needs one is then told why it cannot have it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from release_manager.crash_report import remember_secret
from release_manager.credentials import CredentialKey, CredentialStore, NoSecureStore
from release_manager.engine.store import RunRecord, StageRunRecord

QUEUE_TIME = "(queue)"
"""The stage name under which a run's secret queue-time variables are kept."""
KIND = "run-secret"


@dataclass(frozen=True)
class Unavailable:
    """A secret a stage needs but cannot have, and why (for its log)."""

    name: str
    reason: str


class RunSecrets:
    """Secrets of the runs of one workspace. Thread-safe."""

    def __init__(self, workspace: Path, keyring: CredentialStore | None = None) -> None:
        self._workspace = str(Path(workspace).resolve())
        self._keyring = keyring
        self._known: dict[tuple[int, str, str], str] = {}
        self._lock = threading.Lock()

    def _key(self, run_id: int, stage: str, name: str) -> CredentialKey:
        return CredentialKey(KIND, f"{self._workspace}|build {run_id}|{stage}|{name}")

    def _store(self) -> CredentialStore:
        if self._keyring is None:
            self._keyring = CredentialStore()
        return self._keyring

    def keep(self, run_id: int, stage: str, name: str, value: str) -> str:
        """Remember a secret of build `run_id`; "" once it is in the keyring, else why
        later stages in other processes will not be able to read it."""
        remember_secret(value)  # a crash report never shows it
        with self._lock:
            self._known[(run_id, stage, name)] = value
        try:
            self._store().set(self._key(run_id, stage, name), value)
        except NoSecureStore as error:
            return str(error)
        except Exception as error:  # a keyring's D-Bus may fail in any way; the value stays out
            return f"the keyring failed: {type(error).__name__}"
        return ""

    def read(self, run_id: int, stage: str, name: str) -> str | Unavailable:
        with self._lock:
            known = self._known.get((run_id, stage, name))
        if known is not None:
            return known
        try:
            value = self._store().get(self._key(run_id, stage, name))
        except NoSecureStore as error:
            return Unavailable(name, str(error))
        except Exception as error:  # as in keep()
            return Unavailable(name, f"the keyring could not be read ({type(error).__name__})")
        if value is None:
            return Unavailable(name, "it is not in the keyring (it was kept by a process on a "
                                     "machine or session without a secure keyring)")
        with self._lock:
            self._known[(run_id, stage, name)] = value
        return value


@dataclass
class StageSecrets:
    """The secrets a stage of a run is given: queue-time variables and earlier stages'
    outputs (`Stage.Job.step.var`), and those it cannot have."""

    variables: dict[str, str]
    outputs: dict[str, str]
    unavailable: list[Unavailable]

    def warnings(self, run_id: int) -> list[str]:
        return [f"Secret {item.name} of build {run_id} is not available to this stage, "
                f"which runs without it: {item.reason}" for item in self.unavailable]


def stage_secrets(secrets: RunSecrets, run: RunRecord,
                  earlier: list[StageRunRecord]) -> StageSecrets:
    found = StageSecrets({}, {}, [])
    wanted = [(QUEUE_TIME, name, name, found.variables) for name in run.secret_variables]
    wanted += [(record.stage, name, f"{record.stage}.{name}", found.outputs)
               for record in earlier for name in record.secret_outputs]
    for stage, name, shown, into in wanted:
        value = secrets.read(run.id, stage, name)
        if isinstance(value, Unavailable):
            found.unavailable.append(Unavailable(shown, value.reason))
        else:
            into[shown] = value
    return found
