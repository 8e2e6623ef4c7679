"""The connection the Azure backend uses, against the HTTPS emulator through the real
SDK: every failure arrives as a typed error that never carries the token, throttling
and server errors are retried (writes only when the service did nothing), and raw-REST
lists follow the continuation tokens the SDK drops."""

from __future__ import annotations

import base64
import socket

import pytest
from azure_emulator.auth import VIEW_PROJECT

from release_manager.engine.azure.connection import AzureConnection
from release_manager.engine.azure.failures import Lookup
from release_manager.engine.azure.organization import parse_organization
from release_manager.engine.azure.sign_in import PatSignIn
from release_manager.engine.backend_errors import (
    BackendError,
    Forbidden,
    NotFound,
    SignedOut,
    TlsUntrusted,
    Unavailable,
)

TOKEN = "pat-3b1d5f7a9c2e4a6b8d0f1e3c5a7b9d2f"
PROJECT = "Fabrikam-Fiber"


@pytest.fixture
def connection(azure_devops) -> AzureConnection:
    azure_devops.add_pat(TOKEN, "Jane Doe", denied={VIEW_PROJECT})
    return AzureConnection(parse_organization(azure_devops.organization_url),
                           PatSignIn(TOKEN))


def environments(connection: AzureConnection):
    return connection.client(lambda factory: factory.get_task_agent_client())


def assert_no_token(error: BaseException) -> None:
    basic = base64.b64encode(f":{TOKEN}".encode()).decode()
    text = f"{error} {error!r} {vars(error)}"
    assert TOKEN not in text and basic not in text


def test_raw_rest_lists_follow_the_continuation_tokens(azure_devops, connection) -> None:
    names = [f"env-{number}" for number in range(5)]
    for name in names:
        azure_devops.add_environment(name)

    found = list(connection.pages(f"/{PROJECT}/_apis/distributedtask/environments", "7.1",
                                  query={"$top": "2"}))

    assert sorted(item["name"] for item in found) == names
    requests = azure_devops.calls("/_apis/distributedtask/environments", "GET")
    assert [("continuationToken" in r.query) for r in requests] == [False, True, True]


def test_sdk_calls_are_typed_and_retried_on_server_errors(azure_devops, connection) -> None:
    azure_devops.add_environment("staging")
    client = environments(connection)
    azure_devops.faults.fail("/_apis/distributedtask/environments", 500, times=2)

    listed = connection.call(lambda: client.get_environments(PROJECT))

    assert [environment.name for environment in listed] == ["staging"]
    assert len(azure_devops.calls("/_apis/distributedtask/environments")) == 3


def test_a_write_is_not_sent_again_after_a_server_error(azure_devops, connection) -> None:
    client = environments(connection)
    azure_devops.faults.fail("/_apis/distributedtask/environments", 500, method="POST")

    with pytest.raises(Unavailable) as failure:
        connection.call(lambda: client.add_environment({"name": "prod"}, PROJECT),
                        retry_server_errors=False)

    assert failure.value.retryable
    assert "HTTP 500" in str(failure.value)
    assert len(azure_devops.calls("/_apis/distributedtask/environments", "POST")) == 1
    assert_no_token(failure.value)


def test_a_throttled_write_waits_and_is_sent_again(azure_devops, connection) -> None:
    client = environments(connection)
    azure_devops.faults.fail("/_apis/distributedtask/environments", 429, retry_after=1,
                             method="POST")

    made = connection.call(lambda: client.add_environment({"name": "prod"}, PROJECT),
                           retry_server_errors=False)

    assert made.name == "prod"
    assert len(azure_devops.calls("/_apis/distributedtask/environments", "POST")) == 2


def test_throttling_that_does_not_end_is_unavailable_with_the_wait(azure_devops,
                                                                   connection) -> None:
    azure_devops.faults.fail("/_apis/connectionData", 429, times=10, retry_after=0)

    with pytest.raises(Unavailable) as failure:
        connection.rest("GET", "/_apis/connectionData", "7.1-preview.1")

    assert (failure.value.retryable, failure.value.retry_after) == (True, 0)
    assert "HTTP 429" in str(failure.value)
    assert len(azure_devops.calls("/_apis/connectionData")) == 4
    assert_no_token(failure.value)


def test_a_missing_thing_is_not_found_with_its_kind(azure_devops, connection) -> None:
    client = environments(connection)

    with pytest.raises(NotFound) as failure:
        connection.call(lambda: client.get_environment_by_id(PROJECT, 404),
                        lookup=Lookup("environment", "404"))

    assert (failure.value.kind, failure.value.name) == ("environment", "404")
    assert_no_token(failure.value)


def test_a_missing_permission_is_forbidden_naming_it(connection) -> None:
    with pytest.raises(Forbidden) as failure:
        connection.rest("GET", f"/_apis/projects/{PROJECT}", "7.1")

    assert failure.value.permission == VIEW_PROJECT
    assert_no_token(failure.value)


def test_a_revoked_token_signs_out(azure_devops, connection) -> None:
    connection.rest("GET", "/_apis/connectionData", "7.1-preview.1")
    azure_devops.revoke(TOKEN)

    with pytest.raises(SignedOut) as failure:
        connection.call(lambda: environments(connection).get_environments(PROJECT))

    assert failure.value.organization == azure_devops.organization_url
    assert_no_token(failure.value)


def test_a_dropped_connection_is_retried(azure_devops, connection) -> None:
    azure_devops.faults.drop("/_apis/connectionData")

    data = connection.rest("GET", "/_apis/connectionData", "7.1-preview.1")

    assert data["authenticatedUser"]["providerDisplayName"] == "Jane Doe"
    assert len(azure_devops.calls("/_apis/connectionData")) == 2


def test_tls_and_refused_connections_are_typed_without_the_token(
        azure_devops, connection, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    nowhere = AzureConnection(parse_organization(f"https://localhost:{closed}/fabrikam"),
                              PatSignIn(TOKEN))
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    untrusted = AzureConnection(parse_organization(azure_devops.organization_url),
                                PatSignIn(TOKEN))

    failures: list[BackendError] = []
    for attempt in (nowhere, untrusted):
        with pytest.raises(Unavailable) as failure:
            attempt.rest("GET", "/_apis/connectionData", "7.1-preview.1")
        failures.append(failure.value)

    assert failures[0].retryable and not isinstance(failures[0], TlsUntrusted)
    assert isinstance(failures[1], TlsUntrusted) and not failures[1].retryable
    assert "REQUESTS_CA_BUNDLE" in str(failures[1])
    for failure in failures:
        assert_no_token(failure)


def test_a_request_that_times_out_is_tried_again(azure_devops) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    quick = AzureConnection(parse_organization(azure_devops.organization_url),
                            PatSignIn(TOKEN), timeout=0.5)
    hold = azure_devops.faults.hold("/_apis/connectionData")

    data = quick.rest("GET", "/_apis/connectionData", "7.1-preview.1")
    hold.release()

    assert hold.arrived.is_set()
    assert data["authenticatedUser"]["providerDisplayName"] == "Jane Doe"
    assert len(azure_devops.calls("/_apis/connectionData")) == 2


def test_a_request_that_never_answers_is_unavailable(azure_devops) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    quick = AzureConnection(parse_organization(azure_devops.organization_url),
                            PatSignIn(TOKEN), timeout=0.5)
    hold = azure_devops.faults.hold("/_apis/connectionData", times=4)

    with pytest.raises(Unavailable) as failure:
        quick.rest("GET", "/_apis/connectionData", "7.1-preview.1")
    hold.release()

    assert str(failure.value) == "localhost did not answer in time."
    assert failure.value.retryable
    assert len(azure_devops.calls("/_apis/connectionData")) == 4


def test_a_host_name_that_does_not_resolve_is_said_to() -> None:
    nowhere = AzureConnection(parse_organization("https://dev-azure.invalid/fabrikam"),
                              PatSignIn(TOKEN))

    with pytest.raises(Unavailable) as failure:
        nowhere.rest("GET", "/_apis/connectionData", "7.1-preview.1")

    assert str(failure.value) == ("Cannot reach dev-azure.invalid: its name does not "
                                  "resolve (DNS).")
    assert failure.value.retryable


def test_an_unknown_organization_is_named_when_the_sdk_starts(azure_devops) -> None:
    azure_devops.add_pat(TOKEN, "Jane Doe")
    wrong = AzureConnection(parse_organization(f"{azure_devops.base_url}/contoso"),
                            PatSignIn(TOKEN))

    with pytest.raises(NotFound) as failure:
        wrong.call(lambda: wrong.client(lambda f: f.get_core_client()).get_projects())

    assert (failure.value.kind, failure.value.name) == ("organization", "contoso")
    assert str(failure.value) == (f"There is no organization at {azure_devops.base_url}/"
                                  "contoso (HTTP 404): check the URL.")
