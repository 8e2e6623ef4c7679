"""How a person's name compares: trimmed, NFKC (so fullwidth `ｑａ` is `qa`) and casefolded.
An identity given to act as may not hold invisible characters (a zero-width space, a
direction mark, a control character): `qa` + U+200B would look like `qa` on every screen
yet be someone else, so it is refused, naming the character."""

from __future__ import annotations

import unicodedata

INVISIBLE_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
"""Control, format (zero-width, direction marks), private-use, surrogate, unassigned and
line/paragraph separators."""


class IdentityError(ValueError):
    """A name that cannot be an identity; the message says which character and why."""


def _folded(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).strip()
    return unicodedata.normalize("NFKC", text.casefold())


def invisible_character(name: str) -> str:
    """The first invisible character of `name`, described (`U+200B ZERO WIDTH SPACE`);
    "" when there is none."""
    for char in unicodedata.normalize("NFKC", name).strip():
        if unicodedata.category(char) in INVISIBLE_CATEGORIES:
            label = unicodedata.name(char, "(a control or unassigned character)")
            return f"U+{ord(char):04X} {label}"
    return ""


def normal_identity(name: str) -> str:
    """`name` as an identity (trimmed, NFKC, casefolded); IdentityError when it is empty
    or holds an invisible character."""
    hidden = invisible_character(name)
    if hidden:
        raise IdentityError(f"the name {name!r} holds an invisible character, {hidden}; "
                            "type the name without it")
    folded = _folded(name)
    if not folded:
        raise IdentityError("a name to act as cannot be empty")
    return folded


def identity_key(name: str) -> str:
    """What two names are compared by: the normal form, with any invisible character
    dropped (names recorded before they were refused still compare as they look)."""
    visible = "".join(c for c in unicodedata.normalize("NFKC", name)
                      if unicodedata.category(c) not in INVISIBLE_CATEGORIES)
    return _folded(visible)
