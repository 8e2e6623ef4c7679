"""Continuation-token paging as the service does it: the next page's token comes back in
the X-MS-ContinuationToken response header (the SDK's list methods drop it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .errors import bad_request
from .transport import Response

HEADER = "X-MS-ContinuationToken"


def page(items: Sequence, top: str | None, token: str | None,
         key: Callable[[object], str], default_top: int = 1000) -> tuple[list, str | None]:
    """The page of `items` (already in answer order) from the item whose key is `token`,
    at most `top` long, and the token of the page after it (None on the last page)."""
    try:
        size = int(top) if top else default_top
    except ValueError:
        raise bad_request(f"Invalid value for $top: {top}.") from None
    start = 0
    if token:
        keys = [key(item) for item in items]
        if token not in keys:
            return [], None
        start = keys.index(token)
    chunk = list(items[start:start + size])
    rest = items[start + size:]
    return chunk, (key(rest[0]) if rest else None)


def collection(values: list, next_token: str | None) -> Response:
    headers = {HEADER: next_token} if next_token else {}
    return Response.json({"count": len(values), "value": values}, headers=headers)
