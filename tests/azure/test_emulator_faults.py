"""Faults the emulator injects, as the real SDK and raw REST see them."""

from __future__ import annotations

import threading

import pytest
import requests
from azure.devops.exceptions import AzureDevOpsAuthenticationError, AzureDevOpsServiceError
from azure_emulator.sdk import connection, without_retries
from msrest.exceptions import ClientRequestError


@pytest.fixture
def core(azure_devops):
    azure_devops.add_pat("pat-1")
    client = connection(azure_devops.organization_url, "pat-1").clients_v7_1.get_core_client()
    client.get_projects()  # bootstrap done: the faults below hit the call itself
    return without_retries(client)


def test_429_carries_retry_after_then_the_service_answers(azure_devops, core):
    azure_devops.faults.fail("/_apis/projects", 429, retry_after=7)
    url = f"{azure_devops.organization_url}/_apis/projects"

    throttled = requests.get(url, params={"api-version": "7.1"}, auth=("", "pat-1"), timeout=10)
    again = core.get_projects()

    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "7"
    assert [p.name for p in again] == ["Fabrikam-Fiber"]


def test_429_reaches_the_sdk_as_its_service_error(azure_devops, core):
    azure_devops.faults.fail("/_apis/projects", 429, retry_after=1)

    with pytest.raises(AzureDevOpsServiceError):
        core.get_projects()


@pytest.mark.parametrize("status, error", [
    (401, AzureDevOpsAuthenticationError), (403, AzureDevOpsServiceError),
    (404, AzureDevOpsServiceError)])
def test_injected_refusals_arrive_as_sdk_exceptions(azure_devops, core, status, error):
    azure_devops.faults.fail("/_apis/projects", status)

    with pytest.raises(error):
        core.get_projects()
    assert [p.name for p in core.get_projects()] == ["Fabrikam-Fiber"]


def test_500_fails_the_call_once(azure_devops, core):
    azure_devops.faults.fail("/_apis/projects", 500)

    with pytest.raises(ClientRequestError):
        core.get_projects()
    assert [p.name for p in core.get_projects()] == ["Fabrikam-Fiber"]


def test_sdk_default_retry_rides_over_one_500(azure_devops, core):
    core.config.retry_policy.retries = 3
    azure_devops.faults.fail("/_apis/projects", 500)
    azure_devops.clear_log()

    assert [p.name for p in core.get_projects()] == ["Fabrikam-Fiber"]
    assert len(azure_devops.calls("/_apis/projects")) == 2


def test_dropped_connection_is_a_client_error(azure_devops, core):
    azure_devops.faults.drop("/_apis/projects")

    with pytest.raises(ClientRequestError):
        core.get_projects()
    assert [p.name for p in core.get_projects()] == ["Fabrikam-Fiber"]


def test_slow_response_waits_for_the_test(azure_devops, core):
    hold = azure_devops.faults.hold("/_apis/projects")
    answers = []
    caller = threading.Thread(target=lambda: answers.append(core.get_projects()))
    caller.start()

    assert hold.arrived.wait(10)
    assert answers == []  # still waiting on the server
    hold.release()
    caller.join(10)

    assert [p.name for p in answers[0]] == ["Fabrikam-Fiber"]


def test_faults_match_only_their_path_and_count(azure_devops, core):
    azure_devops.faults.fail("/_apis/connectionData", 500, times=2)

    assert [p.name for p in core.get_projects()] == ["Fabrikam-Fiber"]
