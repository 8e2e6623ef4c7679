"""What an ARM handler gets, and how it finds the resource a path names: subscription,
resource group, app, slot (each missing one answers ARM's own 404)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from ..auth import Grant
from ..transport import Request, Response
from .errors import (
    bad_request,
    resource_group_not_found,
    resource_not_found,
    subscription_not_found,
)
from .state import PRODUCTION, Cloud, Slot, Subscription, WebApp

SITE = "subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Web/sites/{name}"
SLOT = SITE + "/slots/{slot}"


@dataclass
class ArmCall:
    request: Request
    grant: Grant
    params: dict[str, str]
    cloud: Cloud
    base_url: str  # https://localhost:PORT (the endpoint)
    sites_host: str  # 127.0.0.1:PORT/sites: each slot's site is below it

    def json(self):
        return self.request.json()

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query.get(name, default)

    def subscription(self) -> Subscription:
        wanted = self.params["subscription"]
        found = self.cloud.subscriptions.get(wanted.lower())
        if found is None:
            raise subscription_not_found(wanted)
        return found

    def resource_group(self) -> str:
        subscription = self.subscription()
        group = self.params["group"]
        if group.lower() not in subscription.resource_groups:
            raise resource_group_not_found(group)
        return group

    def app(self) -> WebApp:
        group = self.resource_group()
        name = self.params["name"]
        app = self.subscription().apps.get((group.lower(), name.lower()))
        if app is None:
            raise resource_not_found("Microsoft.Web/sites", name, group)
        return app

    def slot(self) -> tuple[WebApp, Slot]:
        """The app and the slot the path names: {site}/slots/{slot}, else production."""
        app = self.app()
        name = self.params.get("slot")
        if name is None:
            return app, app.slots[PRODUCTION]
        slot = app.slot(name) if name.lower() != PRODUCTION else None
        if slot is None:
            raise resource_not_found("Microsoft.Web/sites", f"{app.name}/slots/{name}",
                                     app.resource_group)
        return app, slot

    def host(self, app: WebApp, slot: Slot) -> str:
        return f"{self.sites_host}/{app.name}/{slot.name}"

    def page(self, items: list[dict]) -> Response:
        """One page of `items` ({"value", "nextLink"}); the next page's link keeps the
        query and adds $skipToken (the SDK follows it, with its own api-version)."""
        try:
            start = int(self.query("$skipToken") or 0)
        except ValueError:
            raise bad_request("The $skipToken is invalid.") from None
        end = start + self.cloud.options.page_size
        body: dict[str, object] = {"value": items[start:end]}
        if end < len(items):
            query = dict(self.request.query) | {"$skipToken": str(end)}
            body["nextLink"] = f"{self.base_url}{self.request.path}?{urlencode(query)}"
        return Response.json(body)


def scope(params: dict[str, str]) -> str:
    """The resource a route addresses, as an AuthorizationFailed message names it."""
    parts = [f"/subscriptions/{params['subscription']}"] if "subscription" in params else []
    if "group" in params:
        parts.append(f"/resourceGroups/{params['group']}")
    if "name" in params:
        parts.append(f"/providers/Microsoft.Web/sites/{params['name']}")
    if "slot" in params:
        parts.append(f"/slots/{params['slot']}")
    return "".join(parts) or "/"
