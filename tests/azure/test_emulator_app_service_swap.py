"""Swaps through azure-mgmt-web's long-running operation: 202 + Location polled until
200, the two slots exchanging what they serve (not their slot-sticky settings) only
when it completes, and the app refusing other changes while it runs."""

from __future__ import annotations

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.web.models import CsmSlotEntity, StringDictionary
from azure_emulator.arm_sdk import credential, web_client

RG, APP = "rg-spacegame", "spacegame-web"
WAIT = 10  # seconds a test waits for a held request before it fails


def seed(app_service):
    app_service.add_app(APP, slots=("staging", "qa"), settings={"ENVIRONMENT": "x"},
                        sticky=("ENVIRONMENT",))
    for slot, build in (("production", 41), ("staging", 42), ("qa", 40)):
        app_service.set_setting(APP, slot, "ENVIRONMENT", slot)
        app_service.deploy(APP, slot, build, author=f"deployer of {build}")


def to(slot: str) -> CsmSlotEntity:
    return CsmSlotEntity(target_slot=slot, preserve_vnet=True)


def test_swap_with_production_exchanges_content_build_and_deployments(app_service):
    seed(app_service)
    app_service.options.swap_polls = 3

    web_client(app_service).web_apps.begin_swap_slot_with_production(
        RG, APP, to("staging")).result()

    assert (app_service.build(APP), app_service.build(APP, "staging")) == (42, 41)
    assert requests.get(app_service.site_url(APP), timeout=10).text == f"{APP} build 42"
    assert [d.author for d in app_service.slot(APP).deployments] == ["deployer of 42"]
    # slot-sticky settings stay with their slot
    assert app_service.settings(APP)["ENVIRONMENT"] == "production"
    assert app_service.settings(APP, "staging")["ENVIRONMENT"] == "staging"
    assert len(app_service.calls(f"/sites/{APP}/slotsswap", "POST")) == 1
    assert len(app_service.calls(f"/sites/{APP}/operationresults/", "GET")) == 3


def test_swap_two_slots_leaves_production_alone(app_service):
    seed(app_service)
    web_apps = web_client(app_service).web_apps

    web_apps.begin_swap_slot(RG, APP, "staging", to("qa")).result()
    status = web_apps.get(RG, APP).slot_swap_status

    assert [app_service.build(APP, s) for s in ("production", "staging", "qa")] == [41, 40, 42]
    assert (status.source_slot_name, status.destination_slot_name) == ("staging", "qa")


def test_swap_answered_at_once_is_not_polled(app_service):
    seed(app_service)
    app_service.options.swap_polls = 0

    web_client(app_service).web_apps.begin_swap_slot(
        RG, APP, "staging", to("production")).result()

    assert app_service.build(APP) == 42
    assert not app_service.calls("/operationresults/")


def test_a_running_swap_changes_nothing_yet_and_refuses_other_changes(app_service):
    seed(app_service)
    app_service.options.swap_polls = None  # never completes on its own
    first_poll = app_service.faults.hold("/operationresults/")
    web_apps = web_client(app_service).web_apps

    poller = web_apps.begin_swap_slot_with_production(RG, APP, to("staging"))
    assert first_poll.arrived.wait(WAIT)
    with pytest.raises(ResourceExistsError) as restart:
        web_apps.restart(RG, APP)
    with pytest.raises(ResourceExistsError):
        web_apps.update_application_settings(RG, APP, StringDictionary(properties={}))
    with pytest.raises(ResourceExistsError):
        web_apps.begin_swap_slot(RG, APP, "qa", to("production"))
    served_meanwhile = (app_service.build(APP), poller.done())
    app_service.finish_swap(APP)
    first_poll.release()
    poller.result()

    assert served_meanwhile == (41, False)
    assert restart.value.status_code == 409
    assert restart.value.error.code == "Conflict"
    assert "another operation is in progress" in restart.value.error.message
    assert "SwapSiteSlots" in restart.value.error.message
    assert app_service.build(APP) == 42
    web_apps.restart(RG, APP)  # the app takes changes again
    assert app_service.slot(APP).restarts == 1


def test_a_swap_that_never_completes_keeps_answering_202_at_its_location(app_service):
    seed(app_service)
    app_service.options.swap_polls = None
    client = web_client(app_service)

    poller = client.web_apps.begin_swap_slot_with_production(
        RG, APP, to("staging"), polling=False)
    location = poller.polling_method()._initial_response.http_response.headers["Location"]
    answers = [client.send_request(HttpRequest("GET", location)).status_code
               for _ in range(5)]

    assert answers == [202] * 5
    assert app_service.build(APP) == 41


def test_swap_answers_carry_the_retry_after_set(app_service):
    seed(app_service)
    app_service.options.swap_retry_after = 1

    poller = web_client(app_service).web_apps.begin_swap_slot_with_production(
        RG, APP, to("staging"), polling=False)
    headers = poller.polling_method()._initial_response.http_response.headers

    assert headers["Retry-After"] == "1"
    assert "/operationresults/" in headers["Location"]


def test_swap_with_a_slot_that_does_not_exist_is_not_found(app_service):
    seed(app_service)

    with pytest.raises(ResourceNotFoundError) as missing:
        web_client(app_service).web_apps.begin_swap_slot_with_production(
            RG, APP, to("canary"))

    assert missing.value.error.code == "ResourceNotFound"
    assert f"Microsoft.Web/sites/{APP}/slots/canary" in missing.value.error.message
    assert app_service.build(APP) == 41


def test_swap_denied_names_the_action_and_changes_nothing(app_service):
    seed(app_service)
    app_service.add_service_principal("deployer-only", "secret-2", "deployer",
                                      denied={"Microsoft.Web/sites/slotsswap/action"})
    client = web_client(app_service, credential_=credential(
        app_service, "secret-2", client_id="deployer-only"))

    with pytest.raises(HttpResponseError) as denied:
        client.web_apps.begin_swap_slot_with_production(RG, APP, to("staging"))

    assert denied.value.status_code == 403
    assert denied.value.error.code == "AuthorizationFailed"
    assert ("does not have authorization to perform action "
            "'Microsoft.Web/sites/slotsswap/action'") in denied.value.error.message
    assert f"/providers/Microsoft.Web/sites/{APP}'" in denied.value.error.message
    assert app_service.build(APP) == 41
    assert client.web_apps.get(RG, APP).state == "Running"  # reading is allowed
