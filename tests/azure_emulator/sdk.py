"""Building a real azure-devops SDK connection to an emulator, as the app would."""

from __future__ import annotations

from azure.devops.connection import Connection
from msrest.authentication import BasicAuthentication, BasicTokenAuthentication
from msrest.universal_http import ClientRequest


def connection(organization_url: str, token: str, *, bearer: bool = False) -> Connection:
    """A Connection with a personal access token (Basic) or an Entra ID token (Bearer)."""
    creds = (BasicTokenAuthentication({"access_token": token}) if bearer
             else BasicAuthentication("", token))
    return Connection(base_url=organization_url, creds=creds)


def without_retries(client):
    """The client gives up at the first failure (msrest retries 5xx three times with
    back-off by default), so a test sees exactly the fault it injected."""
    client.config.retry_policy.retries = 0
    return client


def raw(client, method: str, rel_url: str, api_version: str, query: dict | None = None,
        body=None):
    """A REST call the SDK has no method for (approvals, paging headers), through the
    client's own authenticated sender: the recipe in the contracts' README. Returns the
    requests response."""
    req = ClientRequest(method=method, url=client._client.format_url(rel_url))
    if query:
        req.format_parameters(query)
    headers = {"Content-Type": "application/json; charset=utf-8",
               "Accept": "application/json;api-version=" + api_version}
    return client._send_request(req, headers=headers, content=body)
