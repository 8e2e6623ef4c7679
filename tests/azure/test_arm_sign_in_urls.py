"""The Resource Manager endpoint a user gives `login --arm --endpoint`: normalised (the
saved sign-in's endpoint), refused with a sentence when it is not an https host, and the
scope its token is asked for: its cloud's, else the public cloud's as azure-mgmt-web
asks for any base URL."""

from __future__ import annotations

import pytest

from release_manager.engine.azure.arm_sign_in import BadArmEndpoint, arm_scope, parse_arm_endpoint


@pytest.mark.parametrize(("given", "endpoint"), [
    ("https://management.azure.com", "https://management.azure.com"),
    ("  https://Management.Azure.com/ ", "https://management.azure.com"),
    ("management.usgovcloudapi.net", "https://management.usgovcloudapi.net"),
    ("https://management.local.azurestack.external:443/",
     "https://management.local.azurestack.external"),
    ("https://localhost:8443", "https://localhost:8443"),
])
def test_an_endpoint_is_normalised(given: str, endpoint: str) -> None:
    assert parse_arm_endpoint(given) == endpoint


@pytest.mark.parametrize("given", [
    "http://management.azure.com", "https://", "https://management.azure.com/subscriptions",
    "https://management.azure.com/?api-version=1"])
def test_anything_else_is_refused_saying_what_to_give(given: str) -> None:
    with pytest.raises(BadArmEndpoint, match="e.g. https://management.azure.com"):
        parse_arm_endpoint(given)


@pytest.mark.parametrize(("endpoint", "scope"), [
    ("https://management.azure.com", "https://management.azure.com/.default"),
    ("https://management.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default"),
    ("https://management.usgovcloudapi.net",
     "https://management.core.usgovcloudapi.net/.default"),
    ("https://localhost:8443", "https://management.azure.com/.default"),
])
def test_the_token_is_asked_for_the_endpoints_cloud(endpoint: str, scope: str) -> None:
    assert arm_scope(endpoint) == scope
