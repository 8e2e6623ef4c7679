"""ArmTargets: an environment's App Service slots on Azure, through azure-mgmt-web (the
AppTargets of engine/app_targets.py that LocalTargets is on this machine).

What a slot is comes from three reads: its resource group's listing with slots (state,
host name: one call for every app and slot of the group), its app settings (the build
the deployment wrote, BUILD_SETTING: one call per slot) and its deployments (the last
one's line: read again only when the slot's build changed). A dashboard refresh asks
the slots of every environment one after the other: the listing and the settings read
serve every environment asking within REFRESH_WINDOW seconds, so a slot two
environments share (production, swapped into) is read once. What this object changes
(swap, restart, stop, start) drops what it had read of that app.

The health check is an HTTPS GET of the slot's host (requests, so REQUESTS_CA_BUNDLE
applies), at the target's path, else the app's own health check path (its site config
as the listing gives it: no call of its own), else /.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from azure.mgmt.web.models import CsmSlotEntity

from release_manager.core.model import PRODUCTION_SLOT, AppServiceTarget
from release_manager.engine.app_targets import (
    BUILD_SETTING,
    Health,
    SlotStatus,
    SwapCancelled,
    SwapOutcome,
)
from release_manager.engine.azure.arm import ArmClient
from release_manager.engine.azure.failures import Lookup, from_exception
from release_manager.engine.backend import CancelToken, LogWriter
from release_manager.engine.backend_errors import BackendError, NotFound, Unavailable

REFRESH_WINDOW = 2.0
"""Seconds a listing or a settings read serves later environments (one refresh)."""
HEALTH_TIMEOUT = 10.0
SWAP_TIMEOUT = 30 * 60.0
"""How long a swap is followed before it is reported as not finished (Azure's own limit
for a swap is about 30 minutes)."""
POLL_INTERVAL = 5.0
"""Seconds between two asks of a running swap when Azure names no wait."""
PROGRESS_EVERY = 10.0
"""Seconds between two lines in the log while a swap runs."""
DEPLOYMENT_STATUS = {0: "pending", 1: "building", 2: "deploying", 3: "failed",
                     4: "succeeded"}
"""Kudu's deployment statuses (ARM's Deployment.status)."""


@dataclass(frozen=True)
class _Slot:
    """What a resource group's listing says of one slot."""

    state: str
    host: str
    health_path: str


class ArmTargets:
    """App Service slots on Azure; safe to use from several worker threads."""

    def __init__(self, client: ArmClient, *, clock: Callable[[], float] = time.monotonic,
                 swap_timeout: float = SWAP_TIMEOUT, poll_interval: float = POLL_INTERVAL,
                 progress_every: float = PROGRESS_EVERY) -> None:
        self._client = client
        self._clock = clock
        self._swap_timeout = swap_timeout
        self._poll_interval = poll_interval
        self._progress_every = progress_every
        self._lock = threading.Lock()
        self._listings: dict[tuple[str, str], tuple[float, dict[tuple[str, str], _Slot]]] = {}
        self._builds: dict[tuple[str, ...], tuple[float, int | None]] = {}
        self._deployments: dict[tuple[str, ...], tuple[int | None, str]] = {}
        self._http = threading.local()

    @property
    def calls(self) -> int:
        """ARM requests sent so far (each retry counted)."""
        return self._client.calls.count

    # --- reading ---------------------------------------------------------------------
    def slots(self, environment: str, target: AppServiceTarget, *,
              health: bool = True) -> list[SlotStatus]:
        _require_app(environment, target)
        names = [target.slot]
        if target.swap_with and target.swap_with.lower() != target.slot.lower():
            names.append(target.swap_with)
        return [self._status(environment, target, name, health) for name in names]

    def _status(self, environment: str, target: AppServiceTarget, slot: str,
                health: bool) -> SlotStatus:
        found = self._slot(target, slot)
        build = self._build(target, slot)
        return SlotStatus(
            environment=environment, app=target.app, slot=slot, state=found.state,
            url=f"https://{found.host}/" if found.host else "", build=build,
            deployment=self._deployment(target, slot, build),
            health=self._health(target, slot, found) if health else None)

    def _slot(self, target: AppServiceTarget, slot: str) -> _Slot:
        group_key = (target.subscription.lower(), target.resource_group.lower())
        now = self._clock()
        with self._lock:
            cached = self._listings.get(group_key)
        if cached is None or now - cached[0] > REFRESH_WINDOW:
            sites = self._client.resource_group_sites(target.subscription,
                                                      target.resource_group)
            listing = {_site_key(site.name or ""): _Slot(
                site.state or "", site.default_host_name or "",
                getattr(site.site_config, "health_check_path", None) or "")
                for site in sites}
            cached = (now, listing)
            with self._lock:
                self._listings[group_key] = cached
        listing = cached[1]
        found = listing.get((target.app.lower(), slot.lower()))
        if found is not None:
            return found
        if (target.app.lower(), PRODUCTION_SLOT) not in listing:
            raise NotFound(f"The web app {target.app!r} does not exist in resource group "
                           f"{target.resource_group!r}, or this sign-in cannot see it.",
                           "web app", target.app)
        raise NotFound(f"The web app {target.app!r} has no slot {slot!r}.", "slot", slot)

    def _build(self, target: AppServiceTarget, slot: str) -> int | None:
        key = _key(target, slot)
        now = self._clock()
        with self._lock:
            cached = self._builds.get(key)
        if cached is not None and now - cached[0] <= REFRESH_WINDOW:
            return cached[1]
        web = self._client.web(target.subscription).web_apps
        group, app = target.resource_group, target.app
        settings = self._client.call(
            (lambda: web.list_application_settings(group, app)) if _is_production(slot)
            else (lambda: web.list_application_settings_slot(group, app, slot)),
            f"read the app settings of {_named(target, slot)}", _lookup(target, slot))
        build = _build_number((settings.properties or {}).get(BUILD_SETTING))
        with self._lock:
            self._builds[key] = (now, build)
        return build

    def _deployment(self, target: AppServiceTarget, slot: str, build: int | None) -> str:
        key = _key(target, slot)
        with self._lock:
            cached = self._deployments.get(key)
        if cached is not None and cached[0] == build:
            return cached[1]
        web = self._client.web(target.subscription).web_apps
        group, app = target.resource_group, target.app
        pages = (web.list_deployments(group, app) if _is_production(slot)
                 else web.list_deployments_slot(group, app, slot))
        last = self._client.call(lambda: next(iter(pages), None),
                                 f"read the deployments of {_named(target, slot)}",
                                 _lookup(target, slot))
        line = _deployment_line(last) if last is not None else ""
        with self._lock:
            self._deployments[key] = (build, line)
        return line

    def _health(self, target: AppServiceTarget, slot: str, found: _Slot) -> Health:
        if not found.host:
            return Health(False, f"{_named(target, slot)} has no host name")
        path = target.health_path or found.health_path or "/"
        url = f"https://{found.host}/{path.lstrip('/')}"
        try:
            response = self._http_session().get(url, timeout=HEALTH_TIMEOUT)
        except requests.RequestException as error:
            failure = from_exception(error, url)
            return Health(False, str(failure) if failure else f"No answer from {url}")
        return Health(200 <= response.status_code < 300,
                      f"HTTP {response.status_code} from {url}")

    def _http_session(self) -> requests.Session:
        """This thread's session for health checks: its connections are kept open from
        one refresh to the next (a new TLS handshake per check costs more than the
        check)."""
        session = getattr(self._http, "session", None)
        if session is None:
            session = self._http.session = requests.Session()
        return session

    # --- changing --------------------------------------------------------------------
    def swap(self, environment: str, target: AppServiceTarget, with_slot: str,
             log: LogWriter, cancel: CancelToken) -> SwapOutcome:
        _require_app(environment, target)
        slot = target.slot
        if slot.lower() == with_slot.lower():
            raise BackendError(f"Cannot swap slot {slot!r} of web app {target.app!r} with "
                               f"itself.")
        if cancel.cancelled:
            raise SwapCancelled(f"The swap of {_named(target, slot)} with {with_slot} was "
                                f"cancelled before it was sent: nothing changed.")
        web = self._client.web(target.subscription).web_apps
        group, app = target.resource_group, target.app
        options = {"polling_interval": self._poll_interval}
        if _is_production(slot) or _is_production(with_slot):
            other = with_slot if _is_production(slot) else slot
            entity = CsmSlotEntity(target_slot=other, preserve_vnet=True)

            def send() -> Any:
                return web.begin_swap_slot_with_production(group, app, entity, **options)
        else:
            entity = CsmSlotEntity(target_slot=with_slot, preserve_vnet=True)

            def send() -> Any:
                return web.begin_swap_slot(group, app, slot, entity, **options)

        doing = f"swap {_named(target, slot)} with {with_slot}"
        log.write(f"Swapping {_named(target, slot)} with {with_slot}…")
        self._forget(target)
        try:
            poller = self._client.call(send, doing, _lookup(target, slot))
            log.write("Azure accepted the swap; following it until it ends.")
            told = threading.Event()

            def no_cancel() -> None:
                if not told.is_set():
                    told.set()
                    log.write("Azure allows no cancel of a swap once it is sent: following "
                              "it to its end.")

            unregister = cancel.on_cancel(no_cancel)
            try:
                self._follow(poller, doing, log)
            finally:
                unregister()
        finally:
            self._forget(target)
        log.write("Swap finished.")
        outcome = SwapOutcome(environment, slot, with_slot, self._build(target, slot),
                              self._build(target, with_slot))
        log.write(f"Now {slot} serves {_build_text(outcome.slot_build)} and {with_slot} "
                  f"serves {_build_text(outcome.with_build)}.")
        return outcome

    def _follow(self, poller: Any, doing: str, log: LogWriter) -> None:
        """Wait for a sent swap to end, a line in the log now and then; its failure
        typed, Unavailable when it has not ended within the swap timeout."""
        started = self._clock()
        while not poller.done():
            poller.wait(self._progress_every)
            elapsed = self._clock() - started
            if poller.done():
                break
            if elapsed >= self._swap_timeout:
                raise Unavailable(
                    f"Could not {doing}: it has not ended after {elapsed:.0f} s. Azure may "
                    f"still finish it: refresh to see which build each slot serves.",
                    retryable=False)
            log.write(f"Still swapping ({elapsed:.0f} s, Azure says "
                      f"{poller.status() or 'in progress'})…")
        self._client.call(poller.result, doing)

    def restart(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        self._change(environment, target, log, "restart", "Restarting", "Restarted")

    def stop(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        self._change(environment, target, log, "stop", "Stopping", "Stopped")

    def start(self, environment: str, target: AppServiceTarget, log: LogWriter) -> None:
        self._change(environment, target, log, "start", "Starting", "Started")

    def _change(self, environment: str, target: AppServiceTarget, log: LogWriter, verb: str,
                doing: str, done: str) -> None:
        _require_app(environment, target)
        web = self._client.web(target.subscription).web_apps
        group, app, slot = target.resource_group, target.app, target.slot
        named = _named(target, slot)
        log.write(f"{doing} {named}…")
        operation = getattr(web, verb if _is_production(slot) else f"{verb}_slot")
        arguments = (group, app) if _is_production(slot) else (group, app, slot)
        self._forget(target)
        try:
            self._client.call(lambda: operation(*arguments), f"{verb} {named}",
                              _lookup(target, slot))
        finally:
            self._forget(target)
        log.write(f"{done} {named}.")

    def _forget(self, target: AppServiceTarget) -> None:
        """Drop what was read of `target`'s app: it is being changed."""
        app = (target.subscription.lower(), target.resource_group.lower(), target.app.lower())
        with self._lock:
            self._listings.pop(app[:2], None)
            for cache in (self._builds, self._deployments):
                for key in [key for key in cache if key[:3] == app]:
                    del cache[key]


def arm_targets(workspace_root: Path) -> ArmTargets:
    """The ArmTargets of a workspace connected to Azure: the saved Azure Resource Manager
    sign-in (SignedOut saying to run `release-manager login --arm` when there is none).
    The sign-in is the user's, not the workspace's: every workspace of the user gets the
    same one (the root is taken for the day a workspace names its own)."""
    from release_manager.engine.azure.saved_sign_ins import SavedSignIns

    return ArmTargets(ArmClient(SavedSignIns().load_arm()))


def _require_app(environment: str, target: AppServiceTarget) -> None:
    """BackendError naming what the environment's target lacks to name an app on Azure
    (a target written for the local slots only)."""
    missing = [key for key, value in (("subscription", target.subscription),
                                      ("resourceGroup", target.resource_group),
                                      ("app", target.app)) if not value.strip()]
    if missing:
        raise BackendError(f"The App Service target of environment {environment!r} names no "
                           f"{' and no '.join(missing)}: set {', '.join(missing)} under its "
                           f"appService in .release-manager/environments.yml.")


def _site_key(site_name: str) -> tuple[str, str]:
    """A listing's site name ("app", or "app/slot" for a slot) → (app, slot), lowered."""
    app, _, slot = site_name.partition("/")
    return app.lower(), (slot or PRODUCTION_SLOT).lower()


def _key(target: AppServiceTarget, slot: str) -> tuple[str, ...]:
    return (target.subscription.lower(), target.resource_group.lower(), target.app.lower(),
            slot.lower())


def _is_production(slot: str) -> bool:
    return slot.lower() == PRODUCTION_SLOT


def _named(target: AppServiceTarget, slot: str) -> str:
    return (f"web app {target.app}" if _is_production(slot)
            else f"slot {slot} of web app {target.app}")


def _lookup(target: AppServiceTarget, slot: str) -> Lookup:
    return Lookup("web app", target.app) if _is_production(slot) else Lookup("slot", slot)


def _build_number(value: object) -> int | None:
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None


def _build_text(build: int | None) -> str:
    return f"build {build}" if build is not None else "no build of ours"


def _deployment_line(deployment: Any) -> str:
    """A deployment in one line: status, who, when, its message."""
    status = deployment.status
    said = DEPLOYMENT_STATUS.get(status, str(status)) if status is not None else "unknown"
    who = deployment.author or deployment.deployer or ""
    when = deployment.end_time or deployment.start_time
    parts = [f"Deployment {said}"]
    if who:
        parts.append(f"by {who}")
    if isinstance(when, datetime):
        utc = when.astimezone(UTC) if when.tzinfo else when
        parts.append(f"at {utc:%Y-%m-%d %H:%M} UTC")
    message = (deployment.message or "").strip().splitlines()
    line = " ".join(parts)
    return f"{line}: {message[0][:120]}" if message else line
