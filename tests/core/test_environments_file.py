"""Environments' approvals file: round trip, reviewable text, clear errors; App Service
targets as Azure would accept them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from release_manager.core.environments_file import (
    EnvironmentsFileError,
    environments_path,
    load_environments,
    merge_environments,
    save_environments,
)
from release_manager.core.identity_names import INVISIBLE_CATEGORIES
from release_manager.core.model import (
    ApprovalPolicy,
    AppServiceTarget,
    BusinessHours,
    Environment,
)


def sample() -> dict[str, Environment]:
    return {
        "production": Environment(
            "production",
            approval=ApprovalPolicy(
                approvers=["alice@contoso.com", "[Contoso]\\Release Managers"],
                minimum_approvers=2,
                requester_cannot_approve=True,
                order="sequential",
                timeout_minutes=2 * 24 * 60,
                instructions="Check the dashboard first.\nThen: approve.",
            ),
            business_hours=BusinessHours(["Monday", "Friday"], "08:30", "18:00", "Europe/Paris"),
            exclusive_lock=True,
            health_check=True,
            health_check_url="https://contoso.example/health",
            app_service=AppServiceTarget(
                "00000000-0000-0000-0000-000000000000", "rg-spacegame", "spacegame-web",
                slot="staging", swap_with="production", health_path="/health"),
        ),
        "dev": Environment("dev", exclusive_lock=True),
        "test": Environment("test", app_service=AppServiceTarget()),
    }


def test_round_trip(tmp_path: Path) -> None:
    save_environments(tmp_path, sample())
    assert environments_path(tmp_path) == tmp_path / ".release-manager" / "environments.yml"
    assert load_environments(tmp_path) == sample()


def test_file_is_reviewable_yaml_with_header(tmp_path: Path) -> None:
    save_environments(tmp_path, sample())
    text = environments_path(tmp_path).read_text()
    assert text.startswith("# ")
    assert "not in azure-pipelines.yml" in text.splitlines()[1]
    lines = text.splitlines()
    # Sorted by name, each setting on a line of its own; times quoted for YAML 1.1 readers.
    assert lines.index("  dev:") < lines.index("  production:")
    assert "        - alice@contoso.com" in lines
    assert "      minimumApprovers: 2" in lines
    assert '      start: "08:30"' in lines
    assert "      instructions: |-" in lines
    assert "        Then: approve." in lines
    # The target's keys in a fixed order; a target of defaults still says its slot.
    at = lines.index("    appService:")
    assert lines[at + 1:at + 8] == [
        "      subscription: 00000000-0000-0000-0000-000000000000",
        "      resourceGroup: rg-spacegame", "      app: spacegame-web",
        "      slot: staging", "      swapWith: production", "      healthCheckPath: /health",
        "  test:"]
    assert lines[-2:] == ["    appService:", "      slot: production"]


def test_saving_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    save_environments(tmp_path, sample())
    first = environments_path(tmp_path).read_bytes()
    save_environments(tmp_path, load_environments(tmp_path))
    assert environments_path(tmp_path).read_bytes() == first
    assert [p.name for p in environments_path(tmp_path).parent.iterdir()] == ["environments.yml"]


def test_environments_without_settings_are_not_written(tmp_path: Path) -> None:
    save_environments(tmp_path, {"qa": Environment("qa")})
    assert not environments_path(tmp_path).exists()
    save_environments(tmp_path, sample() | {"qa": Environment("qa")})
    assert set(load_environments(tmp_path)) == {"dev", "production", "test"}
    save_environments(tmp_path, {})  # an existing file is emptied, not left stale
    assert load_environments(tmp_path) == {}


def test_a_save_into_a_hand_kept_file_changes_only_what_changed(tmp_path: Path) -> None:
    kept = ("# ours\r\nversion: 1\r\nenvironments:\r\n  qa:   # the QA team's\r\n"
            "    exclusiveLock: true\r\n  dev:\r\n    healthCheck: true\r\n")
    write(tmp_path, "")
    environments_path(tmp_path).write_bytes(b"\xef\xbb\xbf" + kept.encode())
    environments = load_environments(tmp_path)
    environments["dev"].app_service = AppServiceTarget(app="web")

    save_environments(tmp_path, environments)

    assert environments_path(tmp_path).read_bytes() == b"\xef\xbb\xbf" + (
        kept + "    appService:\r\n      app: web\r\n      slot: production\r\n").encode()
    assert load_environments(tmp_path) == environments


def test_absent_file_is_empty(tmp_path: Path) -> None:
    assert load_environments(tmp_path) == {}


def write(tmp_path: Path, text: str) -> None:
    path = environments_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("environments:\n  prod:\n    approval: [a\n", 4, 1, "expected ',' or ']'"),
        ("environments:\n  prod:\n    approvel: {}\n", 3, 5, "unknown key 'approvel'"),
        (
            "environments:\n  prod:\n    approval:\n      minimumApprovers: two\n",
            4, 25, "minimumApprovers must be a whole number",
        ),
        (
            "environments:\n  prod:\n    approval:\n      order: random\n",
            4, 14, "order must be 'any' or 'sequential'",
        ),
        (
            "environments:\n  prod:\n    approval:\n      approvers:\n        - bob\n        - 3\n",
            6, 11, "holds 3, which is not text",
        ),
        (
            "environments:\n  prod:\n    approval:\n      approvers:\n        - bob\n"
            "        - \"qa\\u200b\"\n",
            6, 11, "'qa\\u200b' holds an invisible character, U+200B ZERO WIDTH SPACE",
        ),
        (
            "environments:\n  prod:\n    businessHours:\n      days: [Monday, Funday]\n",
            4, 22, "'Funday' is not a day",
        ),
        (
            "environments:\n  prod:\n    businessHours:\n      start: '25:00'\n",
            4, 14, 'must be a time like "09:00"',
        ),
        ("environments:\n  prod:\n    exclusiveLock: yes please\n", 3, 20, "true or false"),
        ("environments: [prod]\n", 1, 15, "must be a mapping"),
        ("version: 7\n", 1, 10, "unsupported version 7"),
        ("environments:\n  prod:\n    appService:\n      slots: staging\n", 4, 7,
         "unknown key 'slots' in prod.appService"),
        ("environments:\n  prod:\n    appService:\n      app: [web]\n", 4, 12,
         "prod.appService.app must be text"),
        ("environments:\n  prod:\n    appService: spacegame\n", 3, 17, "must be a mapping"),
        ("environments:\n  prod:\n    appService:\n      slot: blue_green\n", 4, 13,
         "slot: 'blue_green' is not a slot name Azure accepts"),
        ("environments:\n  prod:\n    appService:\n      slot: staging-\n", 4, 13,
         "not starting or ending with a hyphen"),
        ("environments:\n  prod:\n    appService:\n      slot: " + "s" * 60 + "\n", 4, 13,
         "2 to 59 letters"),
        ("environments:\n  prod:\n    appService:\n      slot: Staging\n"
         "      swapWith: staging\n", 5, 17, "swapWith: a slot cannot swap with itself"),
        ("environments:\n  prod:\n    appService:\n      healthCheckPath: health\n", 4, 24,
         'healthCheckPath: the health check path must start with "/"'),
    ],
)
def test_bad_file_names_line_and_column(
    tmp_path: Path, text: str, line: int, column: int, words: str
) -> None:
    write(tmp_path, text)
    with pytest.raises(EnvironmentsFileError) as caught:
        load_environments(tmp_path)
    error = caught.value
    assert words in error.message
    assert (error.line, error.column) == (line, column)
    assert str(error) == f"{environments_path(tmp_path)}:{line}:{column}: {error.message}"


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                max_size=30)
names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=list(
    INVISIBLE_CATEGORIES)), max_size=30)
"""What an approver's name may hold: no invisible character (those are refused)."""


def test_a_target_reads_with_its_defaults(tmp_path: Path) -> None:
    write(tmp_path, "environments:\n  prod:\n    appService:\n      app: web\n")
    assert load_environments(tmp_path)["prod"].app_service == AppServiceTarget(app="web")


@settings(max_examples=60, deadline=None)
@example(name="prod", approvers=["a"], instructions="\x1f\n0", zone="UTC", lock=False)
@example(name="qa", approvers=[], instructions="  indented\n\ttab\r\nend \n", zone="\x85",
         lock=True)
@given(
    name=texts.filter(bool),
    approvers=st.lists(names.filter(bool), max_size=4),
    instructions=texts,
    zone=texts,
    lock=st.booleans(),
)
def test_round_trip_of_any_text(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    approvers: list[str],
    instructions: str,
    zone: str,
    lock: bool,
) -> None:
    """Whatever people type (control characters, line separators, quotes) loads back;
    approvers, which are names, hold no invisible character."""
    folder = tmp_path_factory.mktemp("env")
    environments = {
        name: Environment(
            name,
            approval=ApprovalPolicy(approvers, instructions=instructions),
            business_hours=BusinessHours(time_zone=zone),
            exclusive_lock=lock,
            app_service=AppServiceTarget(zone, instructions, name, "staging", "production"),
        )
    }
    save_environments(folder, environments)
    assert load_environments(folder) == environments


def test_a_merge_takes_our_changed_environments_and_the_disk_for_the_rest() -> None:
    def approved(name: str, *who: str) -> Environment:
        return Environment(name, approval=ApprovalPolicy(approvers=list(who)))

    base = {"api": approved("api", "ops"), "web": approved("web", "ann")}
    mine = {"api": approved("api", "ops", "lee"), "web": approved("web", "ann"),
            "dev": Environment("dev")}  # a pipeline's environment without settings
    disk = {"api": approved("api", "ops"), "web": approved("web", "ann", "bob"),
            "db": approved("db", "dba")}
    assert merge_environments(base, mine, disk) == {
        "api": approved("api", "ops", "lee"), "web": approved("web", "ann", "bob"),
        "db": approved("db", "dba"), "dev": Environment("dev")}

    removed_here = {"web": approved("web", "ann")}  # api's approval taken away here
    assert merge_environments(base, removed_here, base) == {"web": approved("web", "ann")}
    both = {"api": approved("api", "ops"), "web": approved("web", "cat")}
    assert merge_environments(base, both, disk) is None  # web changed on both sides
    same = {"api": approved("api", "ops"), "web": approved("web", "ann", "bob")}
    assert merge_environments(base, same, disk) == disk  # the same change: no conflict

    targeted = {"api": approved("api", "ops"), "web": approved("web", "ann"),
                "stage": Environment("stage", app_service=AppServiceTarget(app="web"))}
    assert merge_environments(base, targeted, disk) == disk | {  # a target alone is kept
        "stage": Environment("stage", app_service=AppServiceTarget(app="web"))}
