"""A deployment whose health check fails does not leave its release live: the
environment goes back to the release it served before (recorded as a switch back, by
"system", in the deployments and the audit trail), or out of service when it served none;
the build can be deployed again once the environment is healthy."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from crash_support import CrashWorkspace


@pytest.fixture()
def crash(tmp_path: Path) -> CrashWorkspace:
    return CrashWorkspace(tmp_path)


@pytest.fixture()
def refused() -> Iterator[str]:
    """An address on this machine that refuses connections while the test runs."""
    with socket.socket() as bound:  # bound, never listening: a connection is refused
        bound.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{bound.getsockname()[1]}/health"


def test_a_failed_health_check_switches_back_to_the_previous_release(
        crash: CrashWorkspace, refused: str) -> None:
    previous = crash.deployed()
    number = crash.build()
    crash.health_check(refused)
    failed = crash.cli("promote", str(number), "--to", "Dev")

    assert failed.returncode == 1
    said = failed.stdout.splitlines()[-1]
    assert said.startswith(f"failed: the health check of dev failed: {refused} did not "
                           "answer")
    assert said.endswith(f"; dev serves build {previous}")
    assert f"dev is back on build {previous}: build {number} was not verified" in \
        failed.stdout
    assert crash.current() == previous
    switch_back, deployment = crash.store.deployments("dev")[:2]
    assert (deployment.kind, deployment.run_id, deployment.state) == \
        ("deploy", number, "failed")
    assert (switch_back.kind, switch_back.run_id, switch_back.state, switch_back.by) == \
        ("rollback", previous, "succeeded", "system")
    audit = crash.store.audit_trail()[-2]  # before the promotion's "finished"
    assert (audit.actor, audit.action, audit.detail["to_build"]) == \
        ("system", "switch back", previous)

    crash.health_check("")
    again = crash.cli("promote", str(number), "--to", "Dev")
    assert again.returncode == 0, again.stdout
    assert crash.current() == number


def test_a_first_deployment_failing_its_health_check_is_taken_out_of_service(
        crash: CrashWorkspace, refused: str) -> None:
    number = crash.build()
    crash.health_check(refused)
    failed = crash.cli("promote", str(number), "--to", "Dev")

    assert failed.returncode == 1
    assert failed.stdout.splitlines()[-1].endswith("; dev has no release in service")
    assert "dev is out of service: build 1 was not verified and no earlier release was " \
           "in service" in failed.stdout
    assert crash.current() is None
    assert "dev          nothing deployed" in crash.cli("status").stdout
    audit = crash.store.audit_trail()[-2]
    assert (audit.actor, audit.action, audit.detail["build"]) == \
        ("system", "out of service", number)
