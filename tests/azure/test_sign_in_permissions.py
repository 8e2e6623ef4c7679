"""The permission a 403 names, read from the service's own wording (the TF codes Azure
DevOps answers with), so Forbidden can say what to ask an administrator for."""

from __future__ import annotations

import pytest

from release_manager.engine.azure.failures import permission_named


@pytest.mark.parametrize(("said", "permission"), [
    ("TF215106: Access denied. Jane Doe needs Queue builds permissions for build pipeline 7 "
     "in team project Fabrikam-Fiber to perform the action. For more information, contact "
     "the Azure DevOps Server administrator.", "Queue builds"),
    ("TF401027: You need the Git 'GenericContribute' permission to perform this action. "
     "Details: identity 'Jane Doe', scope 'repository'.", "Git 'GenericContribute'"),
    ("Access denied. Jane Doe needs the following permission(s) on the resource "
     "Environments/3 to perform this action: Manage", "Manage"),
    ("Access denied.", ""),
    ("", ""),
])
def test_the_permission_is_taken_from_the_service_message(said: str, permission: str) -> None:
    assert permission_named(said) == permission
