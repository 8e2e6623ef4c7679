"""Each way the App Service emulator fails, as azure-mgmt-web (and azure-identity)
raise it: sign-in refused, a wrong, expired or misdirected token, a denied action, a
missing resource, throttling, a server error, a lost connection."""

from __future__ import annotations

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.rest import HttpRequest
from azure_emulator.arm.emulator import DEFAULT_SUBSCRIPTION
from azure_emulator.arm_sdk import credential, web_client

RG, APP = "rg-spacegame", "spacegame-web"
DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default"


class FixedToken:
    """A credential that always hands out one token (as a stale cache would)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes, **kwargs) -> AccessToken:
        return AccessToken(self.token, 4_102_444_800)


@pytest.fixture
def web_apps(app_service):
    app_service.add_app(APP, slots=("staging",))
    app_service.deploy(APP, "staging", 42)
    return web_client(app_service).web_apps


def test_wrong_client_secret_is_refused_at_sign_in(app_service):
    app_service.add_app(APP)

    with pytest.raises(ClientAuthenticationError) as refused:
        web_client(app_service, credential_=credential(app_service, "wrong")).web_apps.get(
            RG, APP)

    assert "AADSTS7000215" in str(refused.value)
    assert not app_service.arm_calls()  # no token, no call


def test_unknown_token_is_401_invalid_authentication_token(app_service):
    app_service.add_app(APP)

    with pytest.raises(ClientAuthenticationError) as refused:
        web_client(app_service, credential_=FixedToken("made-up")).web_apps.get(RG, APP)

    assert refused.value.status_code == 401
    assert refused.value.error.code == "InvalidAuthenticationToken"
    assert 'error="invalid_token"' in refused.value.response.headers["WWW-Authenticate"]


def test_expired_token_is_401_expired_authentication_token(app_service, web_apps):
    web_apps.get(RG, APP)
    app_service.expire()

    with pytest.raises(ClientAuthenticationError) as refused:
        web_apps.get(RG, APP)

    assert refused.value.error.code == "ExpiredAuthenticationToken"
    assert "is earlier than current UTC time" in refused.value.error.message


def test_token_for_another_resource_is_refused(app_service):
    app_service.add_app(APP)
    devops_token = credential(app_service).get_token(DEVOPS_SCOPE).token

    with pytest.raises(ClientAuthenticationError) as refused:
        web_client(app_service, credential_=FixedToken(devops_token)).web_apps.get(RG, APP)

    assert refused.value.error.code == "InvalidAuthenticationTokenAudience"
    assert "499b84ac-1321-427f-aa17-267ca6975798" in refused.value.error.message


def test_injected_401_and_403_answer_as_arm_does(app_service, web_apps):
    app_service.faults.fail("/slots/staging", 401)
    app_service.faults.fail("/slots/staging", 403)

    with pytest.raises(ClientAuthenticationError) as unauthorized:
        web_apps.get_slot(RG, APP, "staging")
    with pytest.raises(HttpResponseError) as forbidden:
        web_apps.get_slot(RG, APP, "staging")

    assert unauthorized.value.error.code == "InvalidAuthenticationToken"
    assert forbidden.value.status_code == 403
    assert forbidden.value.error.code == "AuthorizationFailed"
    assert "'Microsoft.Web/sites/slots/read'" in forbidden.value.error.message
    assert f"/sites/{APP}/slots/staging'" in forbidden.value.error.message
    assert web_apps.get_slot(RG, APP, "staging").state == "Running"  # faults used up


@pytest.mark.parametrize(("call", "code", "names"), [
    (lambda w: w.get(RG, "no-such-app"), "ResourceNotFound",
     "'Microsoft.Web/sites/no-such-app' under resource group 'rg-spacegame'"),
    (lambda w: w.get_slot(RG, APP, "canary"), "ResourceNotFound",
     f"'Microsoft.Web/sites/{APP}/slots/canary'"),
    (lambda w: w.get_slot(RG, APP, "production"), "ResourceNotFound",
     f"'Microsoft.Web/sites/{APP}/slots/production'"),
    (lambda w: w.get("rg-gone", APP), "ResourceGroupNotFound", "'rg-gone'"),
    (lambda w: list(w.list_slots(RG, "no-such-app")), "ResourceNotFound", "no-such-app"),
], ids=["app", "slot", "production-is-no-slot", "resource-group", "slots-of-missing-app"])
def test_what_does_not_exist_is_404_naming_it(web_apps, call, code, names):
    with pytest.raises(ResourceNotFoundError) as missing:
        call(web_apps)

    assert missing.value.error.code == code
    assert names in missing.value.error.message


def test_unknown_subscription_is_404(app_service):
    app_service.add_app(APP)
    client = web_client(app_service, "22222222-2222-2222-2222-222222222222")

    with pytest.raises(ResourceNotFoundError) as missing:
        client.web_apps.get(RG, APP)

    assert missing.value.error.code == "SubscriptionNotFound"


def test_throttled_with_retry_after_then_retried_by_the_sdk(app_service, web_apps):
    app_service.faults.fail(f"/sites/{APP}", 429, retry_after=7, method="GET")

    with pytest.raises(HttpResponseError) as throttled:
        web_apps.get(RG, APP)
    app_service.faults.fail(f"/sites/{APP}", 429, retry_after=0, method="GET")
    app_service.clear_log()
    retried = web_client(app_service, retry_total=1).web_apps.get(RG, APP)

    assert throttled.value.status_code == 429
    assert throttled.value.error.code == "TooManyRequests"
    assert throttled.value.response.headers["Retry-After"] == "7"
    assert retried.name == APP
    assert len(app_service.calls(f"/sites/{APP}", "GET")) == 2


def test_server_error_is_500(app_service, web_apps):
    app_service.faults.fail("/config/appsettings/list", 500)

    with pytest.raises(HttpResponseError) as failed:
        web_apps.list_application_settings_slot(RG, APP, "staging")

    assert failed.value.status_code == 500
    assert failed.value.error.code == "InternalServerError"


def test_injected_409_conflict(app_service, web_apps):
    app_service.faults.fail("/restart", 409)

    with pytest.raises(HttpResponseError) as conflict:
        web_apps.restart_slot(RG, APP, "staging")

    assert conflict.value.status_code == 409
    assert app_service.slot(APP, "staging").restarts == 0


def test_lost_connection(app_service, web_apps):
    app_service.faults.drop("/deployments")

    with pytest.raises((ServiceRequestError, ServiceResponseError)):
        list(web_apps.list_deployments_slot(RG, APP, "staging"))


def test_request_without_api_version_is_400(app_service, web_apps):
    answer = web_client(app_service).send_request(HttpRequest("GET", (
        f"/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{RG}/providers/"
        f"Microsoft.Web/sites/{APP}")))

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "MissingApiVersionParameter"
