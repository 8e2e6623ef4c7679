"""Settings spliced into a hand-kept environments.yml: approvals pulled from Azure, and any
environment's keys saved from the window (its App Service target among them), replaced,
removed or added, every other byte as it was (comments, flow lists, quoting, CR LF); a
layout that cannot be spliced is written whole and still reads back as asked."""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path

from release_manager.core.environments_file import (
    dumps,
    loads,
    with_approvals,
    with_environments,
)
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


HAND_KEPT = """\
# Release environments, kept by hand.

version: 1   # the file's format
environments:
  # Dev: anyone may deploy
  Dev:
    exclusiveLock: false
    appService:            # the dev app
      app: spacegame-dev
      slot: production

  # Staging: deploy to the slot, then swap
  Staging:
    approval:
      approvers: [ada@contoso.com, "[Contoso]\\\\Release"]   # flow list, kept as written
      minimumApprovers: 1
    appService:
      subscription: 00000000-0000-0000-0000-000000000000   # Azure only
      resourceGroup: rg-spacegame                          # Azure only
      app: spacegame-web
      slot: staging          # where deployments go
      swapWith: production
    healthCheck: true        # after each deployment
# end of file
""".replace("\n", "\r\n")


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_changing_one_target_rewrites_only_its_changed_keys():
    environments = loads(HAND_KEPT, PATH)
    target = environments["Staging"].app_service
    environments["Staging"].app_service = replace(target, slot="blue", health_path="/health")

    out = with_environments(HAND_KEPT, PATH, environments)

    assert changed_lines(HAND_KEPT, out) == [  # its comments and other keys stay
        "-      slot: staging          # where deployments go\r\n",
        "+      slot: blue\r\n",
        "+      healthCheckPath: /health\r\n",
    ]
    assert loads(out, PATH) == environments


def test_a_key_added_goes_where_the_writer_puts_it_and_a_key_removed_takes_only_its_lines():
    environments = loads(HAND_KEPT, PATH)
    environments["Dev"].exclusive_lock = True
    environments["Dev"].approval = TWO
    environments["Staging"].app_service = None
    environments["Staging"].health_check = False

    out = with_environments(HAND_KEPT, PATH, environments)

    diff = changed_lines(HAND_KEPT, out)
    assert diff[:3] == ["-    exclusiveLock: false\r\n", "+    approval:\r\n",
                        "+      approvers:\r\n"]  # before the keys it comes before
    assert diff[12:] == [
        "+    exclusiveLock: true\r\n",
        "-    appService:\r\n",
        "-      subscription: 00000000-0000-0000-0000-000000000000   # Azure only\r\n",
        "-      resourceGroup: rg-spacegame                          # Azure only\r\n",
        "-      app: spacegame-web\r\n",
        "-      slot: staging          # where deployments go\r\n",
        "-      swapWith: production\r\n",
        "-    healthCheck: true        # after each deployment\r\n",
    ]
    assert "  # Staging: deploy to the slot, then swap\r\n" in out
    assert out.endswith("      minimumApprovers: 1\r\n# end of file\r\n")
    assert loads(out, PATH) == environments


def test_an_environment_whose_settings_all_go_leaves_with_its_lines_only():
    environments = loads(HAND_KEPT, PATH)
    del environments["Dev"]

    out = with_environments(HAND_KEPT, PATH, environments)

    assert out == HAND_KEPT.replace(
        "  Dev:\r\n    exclusiveLock: false\r\n    appService:            # the dev app\r\n"
        "      app: spacegame-dev\r\n      slot: production\r\n", "")
