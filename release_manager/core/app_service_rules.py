"""What an environment's App Service target may hold: the one place the environments file
and the inspector's form ask, so the form refuses what the file would refuse.

Slot names follow Azure's rule for `Microsoft.Web/sites/slots`: 2 to 59 letters, digits
and hyphens, neither first nor last a hyphen (a slot is also a host name's label).
"""

from __future__ import annotations

import re

from release_manager.core.model import AppServiceTarget

SLOT_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,57}[A-Za-z0-9])")
"""2–59 characters (ASCII letters, digits, hyphens), a letter or digit at each end."""


def slot_refusal(slot: str) -> str:
    """Why Azure would refuse `slot` as a slot name ("" when it would not)."""
    if not slot:
        return "a slot name is needed (production: the app itself)"
    if SLOT_NAME.fullmatch(slot) is None:
        return (f"{slot!r} is not a slot name Azure accepts: 2 to 59 letters, digits and "
                "hyphens, not starting or ending with a hyphen")
    return ""


def swap_refusal(slot: str, swap_with: str) -> str:
    """Why `swap_with` cannot be the slot `slot` swaps into ("" when it can; "" is no swap)."""
    if not swap_with:
        return ""
    refusal = slot_refusal(swap_with)
    if refusal:
        return refusal
    if swap_with.casefold() == slot.casefold():
        return f"a slot cannot swap with itself ({slot!r})"
    return ""


def health_path_refusal(path: str) -> str:
    """Why `path` cannot be a health check path ("" when it can; "" is the default)."""
    if path and not path.startswith("/"):
        return f"the health check path must start with \"/\", as in /{path}"
    if any(char.isspace() for char in path):
        return "the health check path cannot hold spaces"
    return ""


def target_refusals(target: AppServiceTarget) -> dict[str, str]:
    """Each refused field of `target` (its model field name) → why; {} when all are fine."""
    refusals = {
        "slot": slot_refusal(target.slot),
        "swap_with": swap_refusal(target.slot, target.swap_with),
        "health_path": health_path_refusal(target.health_path),
    }
    return {field: why for field, why in refusals.items() if why}

