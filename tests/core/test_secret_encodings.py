"""The forms of a secret that are masked with it: each is found wherever the secret sits
inside a longer encoded text."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from release_manager.core.secret_forms import secret_forms

SECRET = 'Zq8+s3cr3t/Valu€:&="9?'


def masked(text: str) -> str:
    for form in secret_forms(SECRET):
        text = text.replace(form, "***")
    return text


@pytest.mark.parametrize("head", [b"", b"a", b"ab", b"abc", b"user:"])
@pytest.mark.parametrize("tail", [b"", b"x", b"xy", b"@host"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode],
                         ids=["standard", "url-safe"])
def test_base64_inside_a_longer_text_is_masked_at_every_alignment(head, tail, encode) -> None:
    raw = SECRET.encode()
    text = encode(head + raw + tail).decode()
    start = -(-len(head) * 8 // 6)  # the first digit with none of the head's bits
    end = (len(head) + len(raw)) * 8 // 6  # the last digit with none of the tail's
    assert text[start:end] in text
    assert text[start:end] not in masked(text)  # a reader of the output cannot find it
    assert masked(text).count("***") == 1


def test_url_and_json_forms_are_masked() -> None:
    assert masked(f"https://h/?k={urllib.parse.quote(SECRET, safe='')}&x=1") == \
        "https://h/?k=***&x=1"
    assert masked(json.dumps({"key": SECRET})) == '{"key": "***"}'


def test_a_short_secret_does_not_mask_text_by_its_tiny_encodings() -> None:
    assert all(len(form) >= 4 for form in secret_forms("ab") if form != "ab")
