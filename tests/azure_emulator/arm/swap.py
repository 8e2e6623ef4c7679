"""Swap: production with a slot, or two slots. The service answers 202 with a Location
the client polls until it answers 200; the slots exchange what they serve when the swap
completes (at the poll Options.swap_polls names), never before."""

from __future__ import annotations

import uuid

from ..router import Route, route
from ..transport import Response
from .call import SITE, SLOT, ArmCall
from .changes import changing
from .errors import ArmError, bad_request, resource_not_found
from .resources import API_VERSION, app_id
from .state import Swap, WebApp


def _location(call: ArmCall, app: WebApp, swap: Swap) -> dict[str, str]:
    headers = {"Location": (f"{call.base_url}{app_id(app)}/operationresults/{swap.id}"
                            f"?api-version={API_VERSION}")}
    retry_after = call.cloud.options.swap_retry_after
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return headers


def swap(call: ArmCall) -> Response:
    body = call.json() or {}
    target = body.get("targetSlot")
    if not isinstance(target, str) or not target:
        raise bad_request("The parameter targetSlot has an invalid value.")
    with call.cloud.lock:
        app, slot = changing(call)
        other = app.slot(target)
        if other is None:
            raise resource_not_found("Microsoft.Web/sites", f"{app.name}/slots/{target}",
                                     app.resource_group)
        if other is slot:
            raise bad_request(f"Cannot swap slot '{slot.name}' with itself.")
        polls = call.cloud.options.swap_polls
        operation = Swap(str(uuid.uuid4()), slot.name, other.name, polls)
        app.swaps[operation.id] = operation
        if polls == 0:
            _complete(app, operation)
            return Response(200)
        return Response(202, headers=_location(call, app, operation))


def poll(call: ArmCall) -> Response:
    with call.cloud.lock:
        app = call.app()
        operation = app.swaps.get(call.params["operation"])
        if operation is None:
            raise ArmError(404, "NotFound", "The operation was not found.")
        if not operation.done and operation.polls_left is not None:
            operation.polls_left -= 1
            if operation.polls_left <= 0:
                _complete(app, operation)
        if operation.done:
            return Response(200)
        return Response(202, headers=_location(call, app, operation))


def _complete(app: WebApp, operation: Swap) -> None:
    app.exchange(operation.first, operation.second)
    operation.done = True


def finish(app: WebApp) -> None:
    """Complete the swap running on `app` now (one that never completes on its own)."""
    operation = app.running_swap()
    if operation is not None:
        _complete(app, operation)


def routes() -> list[Route]:
    return [
        route("POST", SITE + "/slotsswap", swap, "Microsoft.Web/sites/slotsswap/action"),
        route("POST", SLOT + "/slotsswap", swap, "Microsoft.Web/sites/slots/slotsswap/action"),
        route("GET", SITE + "/operationresults/{operation}", poll,
              "Microsoft.Web/sites/operationresults/read"),
    ]

