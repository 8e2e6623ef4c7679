"""The organization URL a user pastes: each form Azure DevOps uses signs in to one
normalised organization (the keyring scope of its token); anything else is refused with
a sentence that says what an organization URL looks like."""

from __future__ import annotations

import pytest

from release_manager.engine.azure.organization import (
    BadOrganizationUrl,
    Organization,
    parse_organization,
)


@pytest.mark.parametrize(("pasted", "url", "name"), [
    ("https://dev.azure.com/contoso", "https://dev.azure.com/contoso", "contoso"),
    ("https://dev.azure.com/contoso/", "https://dev.azure.com/contoso", "contoso"),
    ("  https://Dev.Azure.COM/Contoso//  ", "https://dev.azure.com/contoso", "contoso"),
    ("dev.azure.com/contoso", "https://dev.azure.com/contoso", "contoso"),
    ("https://contoso.visualstudio.com", "https://dev.azure.com/contoso", "contoso"),
    ("https://Contoso.VisualStudio.com/", "https://dev.azure.com/contoso", "contoso"),
    ("https://contoso.visualstudio.com/DefaultCollection",
     "https://dev.azure.com/contoso", "contoso"),
    ("https://tfs.example.com/tfs/DefaultCollection",
     "https://tfs.example.com/tfs/defaultcollection", "defaultcollection"),
    ("https://TFS.example.com:8443/tfs/Fabrikam/",
     "https://tfs.example.com:8443/tfs/fabrikam", "fabrikam"),
    ("https://tfs.example.com:443/Fabrikam", "https://tfs.example.com/fabrikam", "fabrikam"),
    ("https://ado.example.com/Fabrikam", "https://ado.example.com/fabrikam", "fabrikam"),
    ("https://localhost:9443/contoso", "https://localhost:9443/contoso", "contoso"),
    ("https://tfs/tfs/DefaultCollection", "https://tfs/tfs/defaultcollection",
     "defaultcollection"),
    ("https://dev.azure.com/contoso?view=home#top", "https://dev.azure.com/contoso", "contoso"),
])
def test_each_form_of_an_organization_url_is_one_organization(
        pasted: str, url: str, name: str) -> None:
    assert parse_organization(pasted) == Organization(url, name)


@pytest.mark.parametrize(("pasted", "url", "project"), [
    ("https://dev.azure.com/contoso/Space%20Game", "https://dev.azure.com/contoso",
     "Space Game"),
    ("https://dev.azure.com/contoso/SpaceGame/_build?definitionId=3",
     "https://dev.azure.com/contoso", "SpaceGame"),
    ("https://contoso.visualstudio.com/DefaultCollection/SpaceGame",
     "https://dev.azure.com/contoso", "SpaceGame"),
    ("https://contoso.visualstudio.com/SpaceGame", "https://dev.azure.com/contoso",
     "SpaceGame"),
    ("https://tfs.example.com/tfs/Fabrikam/SpaceGame/_git/site",
     "https://tfs.example.com/tfs/fabrikam", "SpaceGame"),
])
def test_a_project_pasted_with_the_organization_is_kept_apart(
        pasted: str, url: str, project: str) -> None:
    organization = parse_organization(pasted)
    assert (organization.url, organization.project) == (url, project)


def test_a_page_of_the_organization_is_not_a_project() -> None:
    organization = parse_organization("https://dev.azure.com/contoso/_settings/users")
    assert organization == Organization("https://dev.azure.com/contoso", "contoso")


def test_servers_and_services_are_told_apart() -> None:
    assert not parse_organization("https://contoso.visualstudio.com").is_server
    assert parse_organization("https://tfs.example.com/tfs/Fabrikam").is_server


@pytest.mark.parametrize(("pasted", "said"), [
    ("", "no organization URL given"),
    ("   ", "no organization URL given"),
    ("https://dev.azure.com", "names no organization: use https://dev.azure.com/ORGANIZATION"),
    ("https://dev.azure.com/_apis", "names no organization"),
    ("https://.visualstudio.com", "names no organization"),
    ("http://dev.azure.com/contoso", "is not an https URL"),
    ("ftp://dev.azure.com/contoso", "is not an https URL"),
    ("https://tfs.example.com", "names no collection"),
    ("https://tfs.example.com/tfs/", "e.g. https://tfs.example.com/tfs/DefaultCollection"),
    ("https://tfs.example.com:99999/tfs/x", "has a bad port"),
    ("https:///x", "names no server"),
    ("contoso", "'contoso' is a name, not a URL: for an Azure DevOps organization give "
                "https://dev.azure.com/contoso"),
    ("https://[::1/x", "is not a URL"),
])
def test_a_malformed_url_is_refused_saying_what_one_looks_like(pasted: str,
                                                               said: str) -> None:
    with pytest.raises(BadOrganizationUrl) as refusal:
        parse_organization(pasted)
    assert said in str(refusal.value)


def test_a_url_carrying_a_password_is_refused_without_showing_it() -> None:
    with pytest.raises(BadOrganizationUrl) as refusal:
        parse_organization("https://me:s3cr3t-token@dev.azure.com:bad/contoso")
    assert "carries a user name or password" in str(refusal.value)
    assert "s3cr3t-token" not in str(refusal.value)
