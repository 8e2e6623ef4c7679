"""`LocalTargets`: the `AppTargets` of the embedded backend. An environment's folder is its
app; production is the folder's own `current`, another slot `slots/<slot>/` beside it
(`deploy.EnvironmentFolders`); each slot is served on its own loopback port
(`site_server.SiteServer`). A swap exchanges the two slots' `current` in one step, so a
crash leaves either the old assignment or the new one."""

from __future__ import annotations

from pathlib import Path

from release_manager.core.model import PRODUCTION_SLOT, AppServiceTarget
from release_manager.engine.app_targets import (
    BUILD_SETTING,
    RUNNING,
    STOPPED,
    Health,
    SlotStatus,
    SwapCancelled,
    SwapOutcome,
)
from release_manager.engine.backend import CancelToken, LogWriter
from release_manager.engine.backend_errors import BackendError, NotFound
from release_manager.engine.local.deploy import DeploymentError, EnvironmentFolders
from release_manager.engine.local.site_server import SiteServer, url_answers
from release_manager.engine.local.workdir import STATE_DIR


class LocalTargets:
    """Slots on this machine. `sites` is the backend's site server when there is one (a
    restart then restarts the server the window or CLI runs); else this one starts its own."""

    def __init__(self, workspace_root: Path, sites: SiteServer | None = None) -> None:
        state_dir = Path(workspace_root).resolve() / STATE_DIR
        self.folders = sites.folders if sites else EnvironmentFolders(state_dir / "environments")
        self.sites = sites or SiteServer(state_dir, self.folders)

    def slots(self, environment: str, target: AppServiceTarget, *,
              health: bool = True) -> list[SlotStatus]:
        names = [target.slot]
        if target.swap_with and target.swap_with != target.slot:
            names.append(target.swap_with)
        return [self._status(environment, name, target, health) for name in names]

    def swap(self, environment: str, target: AppServiceTarget, with_slot: str,
             log: LogWriter, cancel: CancelToken) -> SwapOutcome:
        slot = target.slot
        before = {name: self._build(environment, name) for name in (slot, with_slot)}
        if cancel.cancelled:
            raise SwapCancelled(f"the swap of {slot} with {with_slot} in {environment} was "
                                "cancelled before it started; nothing changed")
        log.write(f"Swapping slot {slot} (build {_build_text(before[slot])}) with "
                  f"{with_slot} (build {_build_text(before[with_slot])}) in {environment}")
        try:
            self.folders.exchange(environment, slot, with_slot)
        except (DeploymentError, OSError) as error:
            raise BackendError(f"could not swap {slot} with {with_slot} in {environment}: "
                               f"{error}") from error
        outcome = SwapOutcome(environment, slot, with_slot, self._build(environment, slot),
                              self._build(environment, with_slot))
        log.write(f"Swapped: {with_slot} serves build {_build_text(outcome.with_build)}, "
                  f"{slot} serves build {_build_text(outcome.slot_build)}")
        return outcome

    def restart(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        self._check(environment, target.slot)
        log.write(f"Restarting the site of {_where(environment, target.slot)}")
        url = self.sites.restart(environment, target.slot)
        log.write(f"Restarted: {_where(environment, target.slot)} answers at {url}")

    def stop(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        self._set_state(environment, target.slot, stopped=True, log=log)

    def start(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        self._set_state(environment, target.slot, stopped=False, log=log)

    # ----------------------------------------------------------------- reading

    def _check(self, environment: str, slot: str) -> None:
        """NotFound unless the environment has that slot (production always, another
        once something was deployed to it)."""
        try:
            known = self.folders.slots(environment)
        except DeploymentError as error:
            raise NotFound(str(error), "environment", environment) from error
        if slot not in known:
            raise NotFound(f"{environment} has no slot {slot} (its slots: "
                           f"{', '.join(known)}); deploy to it first", "slot", slot)

    def _build(self, environment: str, slot: str) -> int | None:
        self._check(environment, slot)
        record = self.folders.release_record(environment, slot)
        if record is None:
            return None
        settings = record.get("app_settings")
        value = settings.get(BUILD_SETTING) if isinstance(settings, dict) else None
        value = value if value is not None else record.get("run_id")
        return int(value) if str(value).isdigit() else None

    def _status(self, environment: str, slot: str, target: AppServiceTarget,
                health: bool) -> SlotStatus:
        build = self._build(environment, slot)
        record = self.folders.release_record(environment, slot) or {}
        stopped = self.folders.stopped(environment, slot)
        url = self.sites.serve(environment, slot)
        checked = None
        if health:
            ok, detail = url_answers(url + (target.health_path or "/").lstrip("/"))
            checked = Health(ok, detail)
        deployment = ""
        if record:
            deployment = (f"build {record.get('run_id')} deployed {record.get('deployed_at')} "
                          f"by {record.get('requested_by') or 'unknown'}"
                          + (f" (stage {record['stage']})" if record.get("stage") else ""))
        return SlotStatus(environment, environment, slot, STOPPED if stopped else RUNNING,
                          url, build, deployment, checked)

    def _set_state(self, environment: str, slot: str, *, stopped: bool,
                   log: LogWriter) -> None:
        self._check(environment, slot)
        self.folders.set_stopped(environment, slot, stopped)
        log.write(f"{'Stopped' if stopped else 'Started'} the site of "
                  f"{_where(environment, slot)}"
                  + ("; it answers 403 until started" if stopped else ""))


def _where(environment: str, slot: str) -> str:
    return f"{environment} (production)" if slot == PRODUCTION_SLOT \
        else f"{environment} (slot {slot})"


def _build_text(build: int | None) -> str:
    return "none" if build is None else str(build)
