"""A minimal Microsoft Entra ID for service-principal sign-in (azure-identity's
ClientSecretCredential through MSAL, authority = the emulator, instance discovery off):
the tenant's OpenID configuration and its token endpoint for client credentials. Each
token it issues is registered with the emulator as a bearer token for the principal."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from .auth import Identity
from .transport import Request, Response

_PATH = re.compile(r"/(?P<tenant>[^/]+)/(?P<rest>v2\.0/\.well-known/openid-configuration"
                   r"|oauth2/v2\.0/token)")


@dataclass(frozen=True)
class ServicePrincipal:
    tenant: str
    client_id: str
    secret: str
    identity: Identity
    denied: frozenset[str]


def _error(status: int, error: str, code: int, description: str) -> Response:
    return Response.json({"error": error, "error_description": f"AADSTS{code}: {description}",
                          "error_codes": [code]}, status)


class Entra:
    def __init__(self, base_url: Callable[[], str],
                 issue: Callable[[str, ServicePrincipal, str], None]) -> None:
        self._base_url = base_url
        self._issue = issue  # registers an issued token (and the scope asked) with the emulator
        self._principals: dict[tuple[str, str], ServicePrincipal] = {}
        self._lock = threading.Lock()

    def add(self, principal: ServicePrincipal) -> None:
        with self._lock:
            self._principals[(principal.tenant.lower(), principal.client_id)] = principal

    def answer(self, request: Request) -> Response | None:
        """The answer to an Entra request, None for any other path."""
        found = _PATH.fullmatch(request.path)
        if found is None:
            return None
        tenant = found["tenant"]
        with self._lock:
            known = any(key[0] == tenant.lower() for key in self._principals)
        if not known:
            return _error(400, "invalid_request", 90002,
                          f"Tenant '{tenant}' not found. Check to make sure you have the "
                          "correct tenant ID and are signing into the correct cloud.")
        if found["rest"].startswith("v2.0"):
            return self._openid_configuration(tenant)
        return self._token(tenant, dict(parse_qsl(request.body.decode())))

    def _openid_configuration(self, tenant: str) -> Response:
        base = f"{self._base_url()}/{tenant}"
        return Response.json({
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "issuer": f"{base}/v2.0", "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                      "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token",
                                         "id_token token"],
            "tenant_region_scope": None, "cloud_instance_name": "microsoftonline.com",
        })

    def _token(self, tenant: str, form: dict[str, str]) -> Response:
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", 70003,
                          "The app requested an unsupported grant type.")
        client_id = form.get("client_id", "")
        with self._lock:
            principal = self._principals.get((tenant.lower(), client_id))
        if principal is None:
            return _error(400, "unauthorized_client", 700016,
                          f"Application with identifier '{client_id}' was not found in the "
                          f"directory '{tenant}'.")
        if form.get("client_secret") != principal.secret:
            return _error(401, "invalid_client", 7000215,
                          "Invalid client secret provided. Ensure the secret being sent in the "
                          "request is the client secret value, not the client secret ID, for a "
                          f"secret added to app '{client_id}'.")
        token = f"entra-{uuid.uuid4()}"
        self._issue(token, principal, form.get("scope", ""))
        return Response.json({"token_type": "Bearer", "expires_in": 3599,
                              "ext_expires_in": 3599, "access_token": token})
