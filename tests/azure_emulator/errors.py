"""Errors as the service words them: a WrappedException body with a TF/VS code."""

from __future__ import annotations

from .transport import Response


class ServiceError(Exception):
    """Raised by an API handler; becomes the service's JSON error answer."""

    def __init__(self, status: int, message: str, type_key: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type_key = type_key

    def response(self) -> Response:
        return Response.json({
            "$id": "1", "innerException": None, "message": self.message,
            "typeName": f"Microsoft.TeamFoundation.{self.type_key}, Microsoft.TeamFoundation",
            "typeKey": self.type_key, "errorCode": 0, "eventId": 3000,
        }, self.status)


def project_not_found(name: str) -> ServiceError:
    return ServiceError(404, (
        f"TF200016: The following project does not exist: {name}. Verify that the name of "
        "the project is correct and that the project exists on the specified Azure DevOps "
        "Server."), "ProjectDoesNotExistWithNameException")


def not_found(what: str, key: object) -> ServiceError:
    """A missing pipeline, build, approval, … (the service's wording varies by area)."""
    type_key = what.title().replace(" ", "") + "NotFoundException"
    return ServiceError(404, f"{what} {key} was not found.", type_key)


def bad_request(message: str) -> ServiceError:
    return ServiceError(400, message, "InvalidArgumentValueException")


def no_api_version(method: str) -> ServiceError:
    return ServiceError(400, (
        f'No api-version was supplied for the "{method}" request. The version must be '
        'supplied either as part of the Accept header (e.g. "application/json; '
        "api-version=1.0\") or as a query parameter (e.g. '?api-version=1.0')."),
        "VssVersionNotSpecifiedException")
