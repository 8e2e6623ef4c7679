"""What a crash report keeps out: every secret the process knows or recognises."""

from __future__ import annotations

import base64
import urllib.parse

import pytest

from release_manager.crash_report import remember_secret, scrub, write_report


def test_a_remembered_secret_is_masked_in_its_plain_base64_and_url_encoded_forms() -> None:
    secret = "s3cr3t/value+with=signs"
    remember_secret(secret)
    text = (f"plain {secret} b64 {base64.b64encode(secret.encode()).decode()} "
            f"url {urllib.parse.quote(secret, safe='')}")

    assert scrub(text) == "plain *** b64 *** url ***"


def test_secret_environment_variables_are_masked_and_others_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "client-secret-value")
    monkeypatch.setenv("SYSTEM_ACCESSTOKEN", "access-token-value")
    monkeypatch.setenv("HOME", "/home/ada")

    assert scrub("client-secret-value access-token-value /home/ada/pipeline.yml") == \
        "*** *** /home/ada/pipeline.yml"


def test_tokens_are_recognised_by_their_shape() -> None:
    pat = "a" * 26 + "b2" * 13
    text = (f"Authorization: Bearer abcdefgh12345678 pat {pat} "
            "https://x.blob.core.windows.net/c?sv=2024&sig=AbC%2Fdef= password=hunter22")

    assert scrub(text) == ("Authorization: Bearer *** pat *** "
                           "https://x.blob.core.windows.net/c?sv=2024&sig=*** password=***")


def test_each_error_gets_its_own_report_file(tmp_path) -> None:
    first = write_report(ValueError("one"), "test", tmp_path)
    second = write_report(ValueError("two"), "test", tmp_path)

    assert first.report != second.report
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [first.report.name, second.report.name])
    assert "ValueError: two" in second.report.read_text(encoding="utf-8")
