"""Azure App Service: what showing the environments' slots costs Azure Resource Manager,
against the HTTPS emulator of the tests (tests/azure_emulator/arm) through the real
azure-mgmt-web and azure-identity (a service principal signed in at the emulator's Entra
ID), for APPS apps of one resource group × 3 slots (production, staging, qa), each slot
serving a build. Each app has three environments, as the seed's story maps them: QA
(slot qa), Staging (slot staging, swapped with production) and Production, so one
refresh asks ArmTargets.slots of 3 × APPS environments, 4 × APPS slot reads for
3 × APPS slots. The emulator's lists answer pages of LIST_PAGE items (its default of 2
is a trap for clients that ignore nextLink, not a size Azure uses).

- `app_service_dashboard.first_s` / `first_calls_per_slot`: the first refresh (nothing
  read yet), health checks included (HTTPS GETs of each slot's site, no ARM calls).
- `app_service_dashboard.refresh_s` / `refresh_calls_per_slot`: each later refresh
  (REFRESH_WINDOW after the one before; no slot's build changed).
- Baseline, measured in the same run: each slot read on its own the plain SDK way
  (`get` / `get_slot`, its app settings, its deployments: three calls), health checks
  included, through the same client.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from figure import Figure

REPO = Path(__file__).resolve().parent.parent
APPS = 20
SLOTS = ("production", "staging", "qa")
LIST_PAGE = 100
GROUP = "rg-spacegame"
SECRET = "benchmark-secret-0123456789abcdef"


def _emulator(folder: Path):
    if str(REPO / "tests") not in sys.path:
        sys.path.insert(0, str(REPO / "tests"))
    from azure_emulator import AppServiceEmulator

    emulator = AppServiceEmulator(folder).start()
    os.environ["REQUESTS_CA_BUNDLE"] = str(emulator.ca_bundle)
    os.environ["AZURE_AUTHORITY_HOST"] = emulator.authority
    emulator.options.page_size = LIST_PAGE
    emulator.add_subscription()
    emulator.add_service_principal(str(uuid.uuid4()), SECRET)
    for number in range(APPS):
        app = f"spacegame-{number:02}"
        emulator.add_app(app, resource_group=GROUP, slots=SLOTS[1:])
        for offset, slot in enumerate(SLOTS):
            emulator.deploy(app, slot, 100 + 3 * number + offset)
    return emulator


def _environments(subscription: str) -> dict:
    from release_manager.core.model import AppServiceTarget

    environments = {}
    for number in range(APPS):
        app = f"spacegame-{number:02}"
        environments[f"{app} QA"] = AppServiceTarget(subscription, GROUP, app, "qa")
        environments[f"{app} Staging"] = AppServiceTarget(subscription, GROUP, app,
                                                          "staging", "production")
        environments[f"{app} Production"] = AppServiceTarget(subscription, GROUP, app)
    return environments


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _refresh(targets, environments: dict) -> tuple[float, int, list]:
    calls = targets.calls
    started = time.perf_counter()
    shown = [targets.slots(name, target) for name, target in environments.items()]
    return time.perf_counter() - started, targets.calls - calls, shown


def _one_by_one(client, environments: dict) -> tuple[float, int]:
    """Each slot of each environment read on its own, the plain SDK way."""
    from release_manager.core.model import PRODUCTION_SLOT

    calls = client.calls.count
    started = time.perf_counter()
    for target in environments.values():
        web = client.web(target.subscription).web_apps
        for slot in filter(None, (target.slot, target.swap_with)):
            group, app = target.resource_group, target.app
            if slot == PRODUCTION_SLOT:
                site = web.get(group, app)
                web.list_application_settings(group, app)
                next(iter(web.list_deployments(group, app)), None)
            else:
                site = web.get_slot(group, app, slot)
                web.list_application_settings_slot(group, app, slot)
                next(iter(web.list_deployments_slot(group, app, slot)), None)
            requests.get(f"https://{site.default_host_name}/", timeout=10)
    return time.perf_counter() - started, client.calls.count - calls


def run() -> list[Figure]:
    from release_manager.engine.azure.app_service import REFRESH_WINDOW, ArmTargets
    from release_manager.engine.azure.arm import ArmClient
    from release_manager.engine.azure.arm_sign_in import ArmSignIn
    from release_manager.engine.azure.sign_in import EntraMethod, EntraSignIn

    folder = Path(tempfile.mkdtemp(prefix="app-service-dashboard-"))
    emulator = None
    try:
        emulator = _emulator(folder)
        principal = emulator.principal
        client = ArmClient(ArmSignIn(emulator.endpoint, EntraSignIn(
            EntraMethod.SERVICE_PRINCIPAL, emulator.tenant, principal.client_id, SECRET)))
        subscription = client.subscriptions()[0].id  # signs in (the token kept)
        environments = _environments(subscription)
        slots = APPS * len(SLOTS)

        baseline_s, baseline_calls = _one_by_one(client, environments)
        clock = _Clock()
        targets = ArmTargets(client, clock=clock)
        first_s, first_calls, shown = _refresh(targets, environments)
        clock.now += REFRESH_WINDOW + 1
        refresh_s, refresh_calls, again = _refresh(targets, environments)
        assert again == shown and all(s.build and s.health and s.health.ok
                                      for statuses in shown for s in statuses)
        return [
            Figure("app_service_dashboard.first_s", first_s, "s", baseline_s,
                   "s (each slot read on its own)"),
            Figure("app_service_dashboard.first_calls_per_slot", first_calls / slots,
                   "ARM requests", baseline_calls / slots,
                   "ARM requests (each slot read on its own)"),
            Figure("app_service_dashboard.refresh_s", refresh_s, "s", baseline_s,
                   "s (each slot read on its own)"),
            Figure("app_service_dashboard.refresh_calls_per_slot", refresh_calls / slots,
                   "ARM requests", baseline_calls / slots,
                   "ARM requests (each slot read on its own)"),
        ]
    finally:
        if emulator is not None:
            emulator.stop()
        shutil.rmtree(folder, ignore_errors=True)
