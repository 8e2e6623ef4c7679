"""The emulator's bootstrap, sign-in reads and authentication, through the real SDK."""

from __future__ import annotations

import json

import pytest
import requests
from azure.devops.exceptions import (
    AzureDevOpsAuthenticationError,
    AzureDevOpsClientRequestError,
    AzureDevOpsServiceError,
)
from azure_emulator import auth
from azure_emulator.api import bootstrap
from azure_emulator.sdk import connection
from conftest import CONTRACTS


@pytest.mark.corpus
def test_location_table_is_the_contracts():
    contract = json.loads(
        (CONTRACTS / "azure-devops" / "sdk-locations.json").read_text(encoding="utf-8"))
    ours = json.loads(bootstrap.LOCATIONS_FILE.read_text(encoding="utf-8"))
    assert ours["contract"] == contract["locations"]


def test_sign_in_reads_the_user_and_the_project(azure_devops):
    azure_devops.add_pat("pat-1", "Ada Lovelace")
    conn = connection(azure_devops.organization_url, "pat-1")

    data = conn.clients_v7_1.get_location_client().get_connection_data()
    project = conn.clients_v7_1.get_core_client().get_project("fabrikam-fiber")

    assert data.authenticated_user.provider_display_name == "Ada Lovelace"
    assert project.name == "Fabrikam-Fiber"
    # A fresh cache: the SDK asked for the location table first, and for the resource areas.
    assert (azure_devops.requests[0].method, azure_devops.requests[0].path) == (
        "OPTIONS", "/fabrikam/_apis")
    assert len(azure_devops.calls("/_apis/ResourceAreas", "GET")) == 1


def test_bearer_token_is_accepted(azure_devops):
    azure_devops.add_bearer("entra-token", "Grace Hopper")
    conn = connection(azure_devops.organization_url, "entra-token", bearer=True)

    data = conn.clients_v7_1.get_location_client().get_connection_data()

    assert data.authenticated_user.provider_display_name == "Grace Hopper"


def test_unknown_token_is_refused_with_401(azure_devops):
    azure_devops.add_pat("pat-1")
    conn = connection(azure_devops.organization_url, "not-registered")

    with pytest.raises(AzureDevOpsAuthenticationError):
        conn.clients_v7_1.get_core_client().get_projects()


def test_revoked_token_is_refused_with_401(azure_devops):
    azure_devops.add_pat("pat-1")
    core = connection(azure_devops.organization_url, "pat-1").clients_v7_1.get_core_client()
    core.get_projects()

    azure_devops.revoke("pat-1")

    with pytest.raises(AzureDevOpsAuthenticationError):
        core.get_projects()


def test_missing_permission_is_named_in_the_403(azure_devops):
    azure_devops.add_pat("pat-1", "Ada Lovelace", denied={auth.VIEW_PROJECT})
    core = connection(azure_devops.organization_url, "pat-1").clients_v7_1.get_core_client()

    with pytest.raises(AzureDevOpsServiceError) as error:
        core.get_project("Fabrikam-Fiber")

    assert "TF215106" in str(error.value)
    assert "Ada Lovelace needs View project-level information permissions" in str(error.value)


def test_unknown_project_and_unknown_organization_differ(azure_devops):
    azure_devops.add_pat("pat-1")
    core = connection(azure_devops.organization_url, "pat-1").clients_v7_1.get_core_client()

    with pytest.raises(AzureDevOpsServiceError) as unknown_project:
        core.get_project("Nope")
    wrong_org = requests.get(f"{azure_devops.base_url}/contoso/_apis/projects",
                             params={"api-version": "7.1"}, auth=("", "pat-1"), timeout=10)

    assert "TF200016" in str(unknown_project.value)
    assert wrong_org.status_code == 404


def test_raw_rest_without_api_version_is_refused(azure_devops):
    azure_devops.add_pat("pat-1")

    answer = requests.get(f"{azure_devops.organization_url}/_apis/projects",
                          auth=("", "pat-1"), timeout=10)

    assert answer.status_code == 400
    assert "No api-version was supplied" in answer.json()["message"]


def test_unknown_organization_fails_the_sdk_bootstrap(azure_devops):
    azure_devops.add_pat("pat-1")
    wrong = connection(f"{azure_devops.base_url}/contoso", "pat-1")

    with pytest.raises(AzureDevOpsClientRequestError) as error:
        wrong.clients_v7_1.get_core_client().get_projects()

    assert "404" in str(error.value)
