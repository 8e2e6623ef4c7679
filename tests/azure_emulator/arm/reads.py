"""What a reader asks: subscriptions, web apps, an app and its slots, a slot's app
settings (read with POST, as the service wants) and deployments."""

from __future__ import annotations

from ..router import Route, route
from ..transport import Response
from .call import SITE, SLOT, ArmCall
from .resources import deployment_json, settings_json, site_json, subscription_json
from .state import PRODUCTION, WebApp

READ_SITE = "Microsoft.Web/sites/read"
READ_SLOT = "Microsoft.Web/sites/slots/read"


def _sites(call: ArmCall, apps: list[WebApp], include_slots: bool) -> Response:
    with call.cloud.lock:
        items = []
        for app in sorted(apps, key=lambda a: (a.resource_group.lower(), a.name.lower())):
            slots = app.slots.values() if include_slots else [app.slots[PRODUCTION]]
            items.extend(site_json(app, slot, call.host(app, slot)) for slot in slots)
        return call.page(items)


def list_subscriptions(call: ArmCall) -> Response:
    with call.cloud.lock:
        return call.page([subscription_json(s) for s in call.cloud.subscriptions.values()])


def list_apps(call: ArmCall) -> Response:
    with call.cloud.lock:
        apps = list(call.subscription().apps.values())
    return _sites(call, apps, include_slots=False)


def list_apps_of_group(call: ArmCall) -> Response:
    with call.cloud.lock:
        group = call.resource_group().lower()
        apps = [app for (rg, _), app in call.subscription().apps.items() if rg == group]
    return _sites(call, apps, (call.query("includeSlots") or "").lower() == "true")


def get_site(call: ArmCall) -> Response:
    with call.cloud.lock:
        app, slot = call.slot()
        return Response.json(site_json(app, slot, call.host(app, slot)))


def list_slots(call: ArmCall) -> Response:
    """The app's slots but production (which is the app itself)."""
    with call.cloud.lock:
        app = call.app()
        return call.page([site_json(app, slot, call.host(app, slot))
                          for slot in app.slots.values() if slot.name != PRODUCTION])


def list_settings(call: ArmCall) -> Response:
    with call.cloud.lock:
        app, slot = call.slot()
        return Response.json(settings_json(app, slot))


def list_deployments(call: ArmCall) -> Response:
    """Newest first."""
    with call.cloud.lock:
        app, slot = call.slot()
        return call.page([deployment_json(app, slot, d) for d in reversed(slot.deployments)])


def routes() -> list[Route]:
    return [
        route("GET", "subscriptions", list_subscriptions),
        route("GET", "subscriptions/{subscription}/providers/Microsoft.Web/sites", list_apps,
              READ_SITE),
        route("GET", "subscriptions/{subscription}/resourceGroups/{group}/providers/"
                     "Microsoft.Web/sites", list_apps_of_group, READ_SITE),
        route("GET", SITE, get_site, READ_SITE),
        route("GET", SITE + "/slots", list_slots, READ_SLOT),
        route("GET", SLOT, get_site, READ_SLOT),
        route("POST", SITE + "/config/appsettings/list", list_settings,
              "Microsoft.Web/sites/config/list/action"),
        route("POST", SLOT + "/config/appsettings/list", list_settings,
              "Microsoft.Web/sites/slots/config/list/action"),
        route("GET", SITE + "/deployments", list_deployments,
              "Microsoft.Web/sites/deployments/read"),
        route("GET", SLOT + "/deployments", list_deployments,
              "Microsoft.Web/sites/slots/deployments/read"),
    ]
