"""Each slot's own web site, served on the emulator below /sites/{app}/{slot}/ (its
defaultHostName is `127.0.0.1:PORT/sites/{app}/{slot}`): what its content says, the
status a seeded failure gives, or App Service's page for a stopped app."""

from __future__ import annotations

from ..transport import Request, Response
from .state import STOPPED, Cloud

PREFIX = "/sites/"

STOPPED_PAGE = ("<!DOCTYPE html><html><head><title>Error 403 - This web app is stopped."
                "</title></head><body><h1>Error 403 - This web app is stopped.</h1><p>The "
                "web app you have attempted to reach is currently stopped and does not "
                "accept any requests.</p></body></html>")


def answer(cloud: Cloud, request: Request) -> Response | None:
    """The site's answer to a request below PREFIX, None for any other path."""
    if not request.path.startswith(PREFIX):
        return None
    app_name, _, rest = request.path[len(PREFIX):].partition("/")
    slot_name = rest.partition("/")[0]
    with cloud.lock:
        app = cloud.find_app_by_name(app_name)
        slot = app.slot(slot_name) if app is not None else None
        if slot is None:
            return Response.text("404 Web Site not found.", 404)
        if slot.state == STOPPED:
            return Response(403, STOPPED_PAGE.encode(), "text/html; charset=utf-8")
        return Response.text(slot.content.body, slot.content.status)
