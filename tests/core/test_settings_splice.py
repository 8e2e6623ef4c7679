"""Approvals spliced into a hand-kept environments.yml: each named environment's `approval:`
replaced, removed or added, every other byte as it was (comments, flow lists, quoting,
CR LF); a layout that cannot be spliced is written whole and still reads back as asked."""

from __future__ import annotations

from pathlib import Path

from release_manager.core.environments_file import dumps, loads, with_approvals
from release_manager.core.model import ApprovalPolicy, Environment

PATH = Path("environments.yml")
TEXT = """\
# kept by hand
version: 1
environments:
  # production
  prod:
    approval:
      approvers: [Ada]   # the lead
      minimumApprovers: 1
    exclusiveLock: true   # one at a time
  qa:
    approval:
      approvers:
        - Bob
  test:
    healthCheck: true
# the end
"""
TWO = ApprovalPolicy(approvers=["Ada", "Bob"], minimum_approvers=2, order="sequential",
                     instructions="Line one\nLine two\n")


def test_an_approval_already_as_asked_keeps_its_text():
    assert with_approvals(TEXT, PATH, {}) == TEXT
    assert with_approvals(TEXT, PATH, {"prod": loads(TEXT, PATH)["prod"].approval,
                                       "qa": loads(TEXT, PATH)["qa"].approval}) == TEXT


def test_replace_remove_add_and_append_touch_only_those_blocks():
    out = with_approvals(TEXT, PATH, {"prod": TWO, "qa": None, "test": TWO, "new": TWO})

    assert out.startswith("# kept by hand\nversion: 1\nenvironments:\n  # production\n"
                          "  prod:\n    approval:\n      approvers:\n        - Ada\n")
    assert "    exclusiveLock: true   # one at a time\n" in out
    assert "  qa:" not in out  # its approval was all it held
    assert "  test:\n    approval:\n" in out and "    healthCheck: true\n" in out
    assert "  new:\n    approval:\n" in out
    assert out.endswith("# the end\n")
    environments = loads(out, PATH)
    assert {name: e.approval for name, e in environments.items()} == {
        "prod": TWO, "test": TWO, "new": TWO}
    assert environments["prod"].exclusive_lock and environments["test"].health_check


def test_line_breaks_stay_cr_lf():
    crlf = TEXT.replace("\n", "\r\n")

    out = with_approvals(crlf, PATH, {"prod": TWO})

    assert "\n" not in out.replace("\r\n", "")
    assert loads(out, PATH)["prod"].approval == TWO
    assert out.endswith("  test:\r\n    healthCheck: true\r\n# the end\r\n")


def test_a_flow_style_file_is_written_whole_and_reads_back_as_asked():
    flow = "version: 1\nenvironments: {prod: {approval: {approvers: [Ada]}}}\n"

    out = with_approvals(flow, PATH, {"prod": TWO})

    assert out == dumps({"prod": Environment("prod", TWO)})


def test_no_file_yet_is_written_as_dumps_writes_it():
    assert with_approvals("", PATH, {"Prod": TWO, "Dev": None}) == dumps(
        {"Prod": Environment("Prod", TWO)})
