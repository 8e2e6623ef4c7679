"""What changes an app without a swap: replace a slot's app settings, restart, stop and
start it. Each is refused with 409 while a swap runs on the app."""

from __future__ import annotations

from ..router import Route, route
from ..transport import Response
from .call import SITE, SLOT, ArmCall
from .errors import bad_request, conflict
from .resources import settings_json
from .state import RUNNING, STOPPED, Slot, WebApp


def changing(call: ArmCall) -> tuple[WebApp, Slot]:
    """The app and slot the path names, once no swap runs on the app."""
    app, slot = call.slot()
    running = app.running_swap()
    if running is not None:
        raise conflict(app.name, "SwapSiteSlots", running.started)
    return app, slot


def replace_settings(call: ArmCall) -> Response:
    """PUT replaces every setting (those left out are deleted)."""
    body = call.json() or {}
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise bad_request("The parameter properties has an invalid value.")
    with call.cloud.lock:
        app, slot = changing(call)
        slot.settings = {str(k): str(v) for k, v in properties.items()}
        return Response.json(settings_json(app, slot))


def restart(call: ArmCall) -> Response:
    with call.cloud.lock:
        _, slot = changing(call)
        slot.restarts += 1
        return Response(200)


def stop(call: ArmCall) -> Response:
    with call.cloud.lock:
        changing(call)[1].state = STOPPED
        return Response(200)


def start(call: ArmCall) -> Response:
    with call.cloud.lock:
        changing(call)[1].state = RUNNING
        return Response(200)


def routes() -> list[Route]:
    found: list[Route] = [
        route("PUT", SITE + "/config/appsettings", replace_settings,
              "Microsoft.Web/sites/config/write"),
        route("PUT", SLOT + "/config/appsettings", replace_settings,
              "Microsoft.Web/sites/slots/config/write"),
    ]
    for verb, handler in (("restart", restart), ("stop", stop), ("start", start)):
        found.append(route("POST", f"{SITE}/{verb}", handler,
                           f"Microsoft.Web/sites/{verb}/action"))
        found.append(route("POST", f"{SLOT}/{verb}", handler,
                           f"Microsoft.Web/sites/slots/{verb}/action"))
    return found
