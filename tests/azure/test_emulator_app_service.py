"""The App Service emulator through azure-mgmt-web's own client: what a reader sees
(subscriptions, apps, slots, settings, deployments, each slot's site) and what restart,
stop, start and replacing settings change."""

from __future__ import annotations

import requests
from azure.core.rest import HttpRequest
from azure.mgmt.web.models import StringDictionary
from azure_emulator.arm.emulator import DEFAULT_SUBSCRIPTION
from azure_emulator.arm_sdk import credential, web_client
from azure_emulator.sdk import connection

from release_manager.engine.azure.entra import token_credential
from release_manager.engine.azure.sign_in import EntraMethod, EntraSignIn

RG, APP = "rg-spacegame", "spacegame-web"


def seed(app_service, slots=("staging",), **options):
    app_service.add_app(APP, slots=slots, settings={"WEBSITE_NODE_DEFAULT_VERSION": "~20"},
                        health_check_path="/health", **options)
    app_service.deploy(APP, "production", 41, author="Ada")
    app_service.deploy(APP, "staging", 42, author="Grace")


def test_get_app_says_its_state_host_and_health_check_path(app_service):
    seed(app_service)

    site = web_client(app_service).web_apps.get(RG, APP)

    assert (site.name, site.type, site.state) == (APP, "Microsoft.Web/sites", "Running")
    assert site.default_host_name == app_service.host(APP)
    assert site.site_config.health_check_path == "/health"
    assert site.id == (f"/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/{RG}"
                       f"/providers/Microsoft.Web/sites/{APP}")


def test_list_slots_follows_next_link_over_pages_without_production(app_service):
    seed(app_service, slots=("staging", "qa", "dev"))

    slots = list(web_client(app_service).web_apps.list_slots(RG, APP))

    assert [slot.name for slot in slots] == [f"{APP}/staging", f"{APP}/qa", f"{APP}/dev"]
    assert {slot.type for slot in slots} == {"Microsoft.Web/sites/slots"}
    pages = app_service.calls(f"/sites/{APP}/slots", "GET")
    assert len(pages) == 2  # two per page
    assert pages[1].query["$skipToken"] == "2"
    assert pages[1].query["api-version"] == "2025-05-01"


def test_get_slot_has_its_own_host_and_state(app_service):
    seed(app_service)
    app_service.set_state(APP, "staging", "Stopped")

    slot = web_client(app_service).web_apps.get_slot(RG, APP, "staging")

    assert (slot.name, slot.state) == (f"{APP}/staging", "Stopped")
    assert slot.default_host_name == app_service.host(APP, "staging")
    assert slot.default_host_name != app_service.host(APP)


def test_app_settings_are_read_with_post_and_replaced_whole(app_service):
    seed(app_service)
    web_apps = web_client(app_service).web_apps

    production = web_apps.list_application_settings(RG, APP).properties
    staging = web_apps.list_application_settings_slot(RG, APP, "staging").properties
    web_apps.update_application_settings_slot(
        RG, APP, "staging", StringDictionary(properties={"FEATURE_X": "on"}))

    assert production == {"WEBSITE_NODE_DEFAULT_VERSION": "~20", "RELEASE_MANAGER_BUILD": "41"}
    assert staging["RELEASE_MANAGER_BUILD"] == "42"
    assert app_service.calls(f"/sites/{APP}/config/appsettings/list", "POST")
    assert app_service.settings(APP, "staging") == {"FEATURE_X": "on"}  # the rest is gone
    assert app_service.build(APP) == 41  # production untouched


def test_deployments_newest_first_with_snake_case_properties(app_service):
    seed(app_service)
    app_service.deploy(APP, "staging", 43, author="Linus", author_email="linus@fabrikam.com")

    deployments = list(web_client(app_service).web_apps.list_deployments_slot(RG, APP, "staging"))

    assert [(d.author, d.active) for d in deployments] == [("Linus", True), ("Grace", False)]
    newest = deployments[0]
    assert newest.author_email == "linus@fabrikam.com"
    assert newest.status == 4
    assert newest.start_time is not None and newest.end_time is not None
    assert newest.message == "Deployed build 43"


def test_each_slot_serves_its_own_site_until_it_fails_or_stops(app_service):
    seed(app_service)

    production = requests.get(app_service.site_url(APP) + "health", timeout=10)
    staging = requests.get(app_service.site_url(APP, "staging") + "health", timeout=10)
    app_service.fail_site(APP, "staging", 503)
    failing = requests.get(app_service.site_url(APP, "staging") + "health", timeout=10)

    assert (production.status_code, production.text) == (200, f"{APP} build 41")
    assert (staging.status_code, staging.text) == (200, f"{APP} build 42")
    assert failing.status_code == 503


def test_stop_and_start_change_the_state_and_what_the_site_answers(app_service):
    seed(app_service)
    web_apps = web_client(app_service).web_apps

    web_apps.stop_slot(RG, APP, "staging")
    stopped = web_apps.get_slot(RG, APP, "staging").state
    page = requests.get(app_service.site_url(APP, "staging"), timeout=10)
    web_apps.start_slot(RG, APP, "staging")
    started = web_apps.get_slot(RG, APP, "staging").state
    web_apps.stop(RG, APP)

    assert (stopped, started) == ("Stopped", "Running")
    assert page.status_code == 403 and "This web app is stopped." in page.text
    assert requests.get(app_service.site_url(APP, "staging"), timeout=10).status_code == 200
    assert web_apps.get(RG, APP).state == "Stopped"


def test_restart_is_synchronous_and_counted_per_slot(app_service):
    seed(app_service)
    web_apps = web_client(app_service).web_apps

    web_apps.restart(RG, APP, soft_restart=True, synchronous=True)
    web_apps.restart_slot(RG, APP, "staging")

    assert app_service.slot(APP).restarts == 1
    assert app_service.slot(APP, "staging").restarts == 1
    sent = app_service.calls(f"/sites/{APP}/restart", "POST")[0]
    assert (sent.query["softRestart"], sent.query["synchronous"]) == ("true", "true")


def test_subscriptions_and_web_apps_to_pick_from(app_service):
    other = "11111111-1111-1111-1111-111111111111"
    app_service.add_subscription(other, "Fabrikam Production")
    seed(app_service, slots=("staging", "qa"))
    app_service.add_app("spacegame-api", resource_group="rg-api", slots=())
    app_service.add_app("fabrikam-web", subscription=other, resource_group="rg-web")
    client = web_client(app_service)

    answer = client.send_request(
        HttpRequest("GET", "/subscriptions", params={"api-version": "2022-12-01"}))
    answer.raise_for_status()
    subscriptions = {s["subscriptionId"]: s["displayName"] for s in answer.json()["value"]}
    every_app = [site.name for site in client.web_apps.list()]
    of_group = [site.name for site in client.web_apps.list_by_resource_group(RG)]
    with_slots = [site.name for site in
                  client.web_apps.list_by_resource_group(RG, include_slots=True)]

    assert subscriptions == {DEFAULT_SUBSCRIPTION: "Space Game", other: "Fabrikam Production"}
    assert every_app == ["spacegame-api", APP]
    assert of_group == [APP]
    assert with_slots == [APP, f"{APP}/staging", f"{APP}/qa"]


def test_arm_calls_are_counted_apart_from_sign_in_and_sites(app_service):
    seed(app_service)
    web_apps = web_client(app_service).web_apps

    web_apps.get(RG, APP)
    list(web_apps.list_slots(RG, APP))
    requests.get(app_service.site_url(APP), timeout=10)

    assert [(c.method, c.path.rsplit("/", 1)[1]) for c in app_service.arm_calls()] == [
        ("GET", APP), ("GET", "slots")]
    assert {c.kind for c in app_service.requests} == {"arm", "entra", "site"}


def test_a_failed_deployment_is_recorded_and_changes_nothing_served(app_service):
    seed(app_service)

    app_service.deploy(APP, "staging", 43, status=3)
    deployments = list(web_client(app_service).web_apps.list_deployments_slot(RG, APP, "staging"))

    assert [(d.status, d.active) for d in deployments] == [(3, False), (4, True)]
    assert deployments[0].message == "Failed to deploy build 43"
    assert app_service.build(APP, "staging") == 42
    assert requests.get(app_service.site_url(APP, "staging"), timeout=10).text == f"{APP} build 42"


def test_one_sign_in_serves_azure_devops_and_resource_manager(azure_devops, app_service):
    app_service.share_entra_with(azure_devops)
    seed(app_service)
    signed_in = credential(app_service)

    devops_token = signed_in.get_token("499b84ac-1321-427f-aa17-267ca6975798/.default").token
    data = connection(azure_devops.organization_url, devops_token, bearer=True) \
        .clients_v7_1.get_location_client().get_connection_data()
    site = web_client(app_service, credential_=signed_in).web_apps.get(RG, APP)

    assert data.authenticated_user.provider_display_name == "release-bot"
    assert site.name == APP
    assert len(app_service.calls("/oauth2/v2.0/token", "POST")) == 2  # one per resource


def test_the_apps_own_service_principal_credential_signs_in_at_the_emulator(app_service):
    """The fixture's environment is enough: the app builds its credential as for any
    private authority (AZURE_AUTHORITY_HOST), no test-only parameter."""
    seed(app_service)
    principal = app_service.principal
    sign_in = EntraSignIn(EntraMethod.SERVICE_PRINCIPAL, principal.tenant,
                          principal.client_id, principal.secret)

    site = web_client(app_service, credential_=token_credential(sign_in)).web_apps.get(RG, APP)

    assert site.default_host_name == app_service.host(APP)
