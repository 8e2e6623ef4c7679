"""Errors as Azure Resource Manager words them: {"error": {"code", "message"}} (the
contract's DefaultErrorResponse), which azure-core turns into its typed exceptions."""

from __future__ import annotations

from ..transport import Response

NOT_FOUND_FIX = "For more details please go to https://aka.ms/ARMResourceNotFoundFix"


class ArmError(Exception):
    """Raised by a handler; becomes ARM's JSON error answer."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return Response.json({"error": {"code": self.code, "message": self.message}},
                             self.status, self.headers)


def invalid_token(authority: str, tenant: str, code: str = "InvalidAuthenticationToken",
                  message: str = "The access token is invalid.") -> ArmError:
    """401, with the challenge ARM sends (no claims: azure-core does not retry it)."""
    challenge = (f'Bearer authorization_uri="{authority}/{tenant}", error="invalid_token", '
                 f'error_description="{message}"')
    return ArmError(401, code, message, {"WWW-Authenticate": challenge})


def expired_token(authority: str, tenant: str, expired_at: str, now: str) -> ArmError:
    return invalid_token(authority, tenant, "ExpiredAuthenticationToken", (
        f"The access token expiry UTC time '{expired_at}' is earlier than current UTC time "
        f"'{now}'."))


def wrong_audience(authority: str, tenant: str, audience: str) -> ArmError:
    return invalid_token(authority, tenant, "InvalidAuthenticationTokenAudience", (
        f"The access token has been obtained for wrong audience or resource '{audience}'. "
        "It should exactly match with one of the allowed audiences "
        "'https://management.core.windows.net/','https://management.core.windows.net',"
        "'https://management.azure.com/','https://management.azure.com'."))


def authorization_failed(client_id: str, object_id: str, action: str, scope: str) -> ArmError:
    return ArmError(403, "AuthorizationFailed", (
        f"The client '{client_id}' with object id '{object_id}' does not have authorization "
        f"to perform action '{action}' over scope '{scope}' or the scope is invalid. If "
        "access was recently granted, please refresh your credentials."))


def subscription_not_found(subscription: str) -> ArmError:
    return ArmError(404, "SubscriptionNotFound",
                    f"The subscription '{subscription}' could not be found.")


def resource_group_not_found(resource_group: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound",
                    f"Resource group '{resource_group}' could not be found.")


def resource_not_found(resource_type: str, name: str, resource_group: str) -> ArmError:
    return ArmError(404, "ResourceNotFound", (
        f"The Resource '{resource_type}/{name}' under resource group '{resource_group}' was "
        f"not found. {NOT_FOUND_FIX}"))


def conflict(app: str, operation: str, started: str) -> ArmError:
    """App Service refuses to change an app while another operation runs on it."""
    return ArmError(409, "Conflict", (
        f"Cannot modify this site because another operation is in progress. Details: "
        f"Id: {app}, OperationName: {operation}, CreatedTime: {started}, EntityType: 3"))


def bad_request(message: str) -> ArmError:
    return ArmError(400, "BadRequest", message)


def missing_api_version() -> ArmError:
    return ArmError(400, "MissingApiVersionParameter", (
        "The api-version query parameter (?api-version=) is required for all requests."))


def no_route(method: str, path: str) -> ArmError:
    return ArmError(404, "NoRegisteredProviderFound" if "/providers/" in path
                    else "InvalidResourceType",
                    f"No HTTP resource was found that matches the request '{method} {path}'.")


def fault(status: int, retry_after: int | None) -> ArmError:
    """The answer to an injected fault of `status` (401 and 403 are built by the caller,
    which knows the token's authority and the route's action)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    code, message = {
        404: ("ResourceNotFound", f"The Resource was not found. {NOT_FOUND_FIX}"),
        409: ("Conflict", "Cannot modify this site because another operation is in "
                          "progress."),
        429: ("TooManyRequests", "The request is being throttled as the limit has been "
                                 "reached for operation type - Read. Please retry after "
                                 f"{retry_after or 1} seconds."),
    }.get(status, ("InternalServerError", "An error has occurred."))
    return ArmError(status, code, message, headers)
