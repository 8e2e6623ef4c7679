"""The JSON of each resource, in the shape of the contract's examples (GetWebApp,
GetWebAppSlot, ListAppSettings) and ARM's Subscriptions - List."""

from __future__ import annotations

from .state import PRODUCTION, Deployment, Slot, Subscription, WebApp

API_VERSION = "2025-05-01"
SUBSCRIPTIONS_API_VERSION = "2022-12-01"


def app_id(app: WebApp) -> str:
    return (f"/subscriptions/{app.subscription}/resourceGroups/{app.resource_group}"
            f"/providers/Microsoft.Web/sites/{app.name}")


def slot_id(app: WebApp, slot: Slot) -> str:
    return app_id(app) + ("" if slot.name == PRODUCTION else f"/slots/{slot.name}")


def site_json(app: WebApp, slot: Slot, host: str) -> dict:
    """A Site: the production slot as the app itself, any other as `app/slot`. `host` is
    the slot's defaultHostName (on the emulator: `127.0.0.1:PORT/sites/app/slot`)."""
    production = slot.name == PRODUCTION
    config: dict[str, object] = {"numberOfWorkers": 1, "alwaysOn": False,
                                 "http20Enabled": False, "minTlsVersion": "1.2",
                                 "ftpsState": "AllAllowed"}
    if app.health_check_path:
        config["healthCheckPath"] = app.health_check_path
    swap = app.last_swap
    return {
        "id": slot_id(app, slot),
        "name": app.name if production else f"{app.name}/{slot.name}",
        "type": "Microsoft.Web/sites" if production else "Microsoft.Web/sites/slots",
        "kind": "app",
        "location": app.location,
        "properties": {
            "state": slot.state,
            "hostNames": [host],
            "repositorySiteName": app.name,
            "usageState": "Normal",
            "enabled": True,
            "enabledHostNames": [host],
            "availabilityState": "Normal",
            "hostNameSslStates": [{"name": host, "sslState": "Disabled", "hostType": "Standard"}],
            "serverFarmId": (f"/subscriptions/{app.subscription}/resourceGroups/"
                             f"{app.resource_group}/providers/Microsoft.Web/serverfarms/"
                             f"{app.name}-plan"),
            "reserved": False,
            "lastModifiedTimeUtc": "2026-01-01T00:00:00Z",
            "siteConfig": config,
            "scmSiteAlsoStopped": False,
            "clientAffinityEnabled": True,
            "resourceGroup": app.resource_group,
            "defaultHostName": host,
            "httpsOnly": True,
            "slotSwapStatus": None if swap is None else {
                "timestampUtc": swap.timestamp, "sourceSlotName": swap.source,
                "destinationSlotName": swap.destination},
            "sku": "Standard",
        },
    }


def settings_json(app: WebApp, slot: Slot) -> dict:
    return {"id": slot_id(app, slot) + "/config/appsettings", "name": "appsettings",
            "type": "Microsoft.Web/sites/config", "properties": dict(slot.settings)}


def deployment_json(app: WebApp, slot: Slot, deployment: Deployment) -> dict:
    """Deployment properties are snake_case on the wire (author_email, start_time, …)."""
    production = slot.name == PRODUCTION
    return {
        "id": f"{slot_id(app, slot)}/deployments/{deployment.id}",
        "name": deployment.id,
        "type": ("Microsoft.Web/sites/deployments" if production
                 else "Microsoft.Web/sites/slots/deployments"),
        "properties": {
            "status": deployment.status, "message": deployment.message,
            "author": deployment.author, "deployer": deployment.deployer,
            "author_email": deployment.author_email, "start_time": deployment.start_time,
            "end_time": deployment.end_time, "active": deployment.active,
            "details": deployment.details,
        },
    }


def subscription_json(subscription: Subscription) -> dict:
    return {"id": f"/subscriptions/{subscription.id}", "authorizationSource": "RoleBased",
            "managedByTenants": [], "subscriptionId": subscription.id,
            "tenantId": subscription.tenant, "displayName": subscription.display_name,
            "state": "Enabled",
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                     "quotaId": "PayAsYouGo_2014-09-01",
                                     "spendingLimit": "Off"}}
