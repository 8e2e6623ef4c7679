"""The forms a secret takes in output besides itself, as Azure's agent masks them
(GitHub.DistributedTask.Logging.ValueEncoders): base64 at each of the three byte
alignments (standard and URL-safe alphabets), URL-encoded and JSON-escaped."""

from __future__ import annotations

import base64
import json
import urllib.parse

MIN_FORM_LENGTH = 4
"""A derived form shorter than this (the base64 of a secret's last byte or two) would
mask unrelated text wherever those few characters occur."""


def base64_forms(value: str) -> list[str]:
    """The base64 digits that stand for `value` wherever it sits in a longer encoded
    text. Three bytes make four digits, so a secret preceded by 3x, 3x+1 or 3x+2 bytes
    is encoded three different ways: encoding it without its first 0, 1 or 2 bytes gives
    each. At the end of the text the encoding ends as the secret's own does (with or
    without padding); inside it, the last digit of an incomplete group also holds bits of
    whatever follows, so only the digits made of the secret's bits alone can match."""
    raw = value.encode("utf-8")
    forms: list[str] = []
    for skip in range(3):
        pruned = raw[skip:]
        padded = base64.b64encode(pruned).decode("ascii")
        for digits in (padded, padded.rstrip("="), padded[:len(pruned) * 8 // 6]):
            forms += [digits, digits.replace("+", "-").replace("/", "_")]
    return forms


def url_form(value: str) -> str:
    """`Uri.EscapeDataString`: everything but RFC 3986's unreserved characters escaped."""
    return urllib.parse.quote(value, safe="")


def json_form(value: str) -> str:
    """The value inside a JSON string."""
    return json.dumps(value)[1:-1]


def secret_forms(value: str) -> list[str]:
    """`value` and every encoding of it worth masking, without repeats, longest first
    (so a longer form is masked whole before a shorter one cuts into it)."""
    forms = {value} if value else set()
    derived = [*base64_forms(value), url_form(value), json_form(value)]
    forms.update(form for form in derived if len(form) >= MIN_FORM_LENGTH)
    return sorted(forms, key=len, reverse=True)
