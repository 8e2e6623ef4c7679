"""Reading the JSON Azure DevOps returns, in either spelling: the REST API's camelCase
(raw REST, `Model.serialize()`) or the snake_case of the SDK models' `as_dict()`."""

from __future__ import annotations

import re
from typing import Any

_UPPER = re.compile(r"(?<!^)([A-Z])")


def get(data: dict[str, Any] | None, name: str, default: Any = None) -> Any:
    """`data[name]` (camelCase, as the REST API spells it), or its snake_case twin."""
    if not data:
        return default
    if name in data:
        value = data[name]
    else:
        value = data.get(_UPPER.sub(r"_\1", name).lower(), default)
    return default if value is None else value


def branch_name(ref: str) -> str:
    """`refs/heads/main` → `main`; other refs (tags, pull requests) as they are."""
    return ref.removeprefix("refs/heads/")


def display_name(identity: dict[str, Any] | None) -> str:
    """An identity reference's name as people read it."""
    return str(get(identity, "displayName", "") or get(identity, "uniqueName", ""))


def values(answer: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of a `{count, value}` collection (or of a plain list, as the SDK gives)."""
    return list(answer) if isinstance(answer, list) else list(get(answer, "value", []))
