"""An environment's App Service slots on Azure, as the dashboard, the swap step and the
restart/stop/start commands drive them: ArmTargets through the real azure-mgmt-web and
azure-identity, over HTTPS, against the App Service emulator (its service principal
signs in at the emulator's Entra ID). What the emulator received is the truth of what
was sent; what a user is told is the typed error's sentence (error_messages)."""

from __future__ import annotations

import importlib.util
import logging
import socket
import threading

import pytest
import trustme
from azure_emulator.arm.emulator import DEFAULT_SUBSCRIPTION

from release_manager.core.model import AppServiceTarget
from release_manager.engine.app_targets import Health, SwapCancelled, SwapOutcome
from release_manager.engine.azure.app_service import REFRESH_WINDOW, ArmTargets
from release_manager.engine.azure.arm import ArmClient
from release_manager.engine.azure.arm_sign_in import ArmSignIn
from release_manager.engine.azure.entra import MEMORY_ONLY_NOTE, memory_only_note
from release_manager.engine.azure.sign_in import EntraMethod, EntraSignIn
from release_manager.engine.backend import CancelToken
from release_manager.engine.backend_errors import (
    BackendError,
    Forbidden,
    NotFound,
    SignedOut,
    TlsUntrusted,
    TokenExpired,
    Unavailable,
)
from release_manager.error_messages import user_message

APP = "spacegame-web"
GROUP = "rg-spacegame"
STAGING = AppServiceTarget(DEFAULT_SUBSCRIPTION, GROUP, APP, "staging", "production")
PRODUCTION = AppServiceTarget(DEFAULT_SUBSCRIPTION, GROUP, APP)


class Log:
    """A LogWriter that keeps the lines, and tells `on_line` each one as it comes."""

    def __init__(self, on_line=None) -> None:
        self.lines: list[str] = []
        self._on_line = on_line

    def write(self, line: str) -> None:
        self.lines.append(line)
        if self._on_line:
            self._on_line(line)


class Clock:
    """The time ArmTargets reads (a refresh's window), moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sign_in(emulator, secret: str | None = None) -> ArmSignIn:
    principal = emulator.principal
    return ArmSignIn(emulator.endpoint, EntraSignIn(
        EntraMethod.SERVICE_PRINCIPAL, emulator.tenant, principal.client_id,
        secret or principal.secret))


def arm_targets(emulator, **options) -> ArmTargets:
    return ArmTargets(ArmClient(sign_in(emulator)), **options)


@pytest.fixture
def spacegame(app_service):
    """The seed's app: build 6 in production, build 7 in staging."""
    app_service.add_app(APP, resource_group=GROUP, slots=("staging",))
    app_service.deploy(APP, "production", 6, author="Mona")
    app_service.deploy(APP, "staging", 7, author="Mona")
    return app_service


def test_the_slots_say_state_address_build_last_deployment_and_health(spacegame) -> None:
    staging, production = arm_targets(spacegame).slots("Staging", STAGING)

    assert (staging.slot, staging.state, staging.build) == ("staging", "Running", 7)
    assert staging.url == spacegame.site_url(APP, "staging")
    assert staging.deployment.startswith("Deployment succeeded by Mona at ")
    assert staging.deployment.endswith("UTC: Deployed build 7")
    assert staging.health == Health(True, f"HTTP 200 from {spacegame.site_url(APP, 'staging')}")
    assert (production.slot, production.build, production.url) == (
        "production", 6, spacegame.site_url(APP))


def test_a_slot_nothing_was_deployed_to_has_no_build(app_service) -> None:
    app_service.add_app(APP, resource_group=GROUP, slots=("staging",))

    staging, _ = arm_targets(app_service).slots("Staging", STAGING, health=False)

    assert (staging.build, staging.deployment, staging.health) == (None, "", None)


def test_the_health_check_asks_the_targets_path_else_the_apps_own(app_service) -> None:
    app_service.add_app(APP, resource_group=GROUP, slots=("staging",),
                        health_check_path="/healthz")
    targets = arm_targets(app_service)

    [own] = targets.slots("Production", PRODUCTION)
    [given] = targets.slots("Production", AppServiceTarget(
        DEFAULT_SUBSCRIPTION, GROUP, APP, health_path="/health"))

    assert own.health.detail.endswith(f"{app_service.site_url(APP)}healthz")
    assert given.health.detail.endswith(f"{app_service.site_url(APP)}health")
    assert [r.path for r in app_service.requests if r.kind == "site"] == [
        f"/sites/{APP}/production/healthz", f"/sites/{APP}/production/health"]


def test_a_failing_or_stopped_slot_is_unhealthy_saying_what_answered(spacegame) -> None:
    spacegame.fail_site(APP, "staging", 503)
    spacegame.set_state(APP, "production", "Stopped")

    staging, production = arm_targets(spacegame).slots("Staging", STAGING)

    assert staging.health == Health(False, f"HTTP 503 from {spacegame.site_url(APP, 'staging')}")
    assert (production.state, production.health) == (
        "Stopped", Health(False, f"HTTP 403 from {spacegame.site_url(APP)}"))


def test_a_refresh_of_20_apps_by_3_slots_costs_one_read_per_slot(app_service) -> None:
    app_service.options.page_size = 100
    apps = [f"app-{number:02}" for number in range(20)]
    for number, app in enumerate(apps):
        app_service.add_app(app, resource_group=GROUP, slots=("staging", "qa"))
        for slot in ("production", "staging", "qa"):
            app_service.deploy(app, slot, 100 + number)
    environments = {f"{app}/{slot}": AppServiceTarget(DEFAULT_SUBSCRIPTION, GROUP, app, slot)
                    for app in apps for slot in ("production", "staging", "qa")}
    clock = Clock()
    targets = arm_targets(app_service, clock=clock)

    def refresh() -> tuple[int, list]:
        app_service.clear_log()
        before = targets.calls
        shown = [targets.slots(name, target, health=False)
                 for name, target in environments.items()]
        assert targets.calls - before == len(app_service.arm_calls())
        return len(app_service.arm_calls()), shown

    first, shown = refresh()
    clock.now += REFRESH_WINDOW + 1
    again, shown_again = refresh()

    assert [status.build for [status] in shown] == [100 + n for n in range(20) for _ in "123"]
    assert shown_again == shown
    # one listing of the resource group, then each slot's settings; the first refresh
    # also reads each slot's last deployment, kept while the slot's build stays the same
    assert first == 1 + 60 + 60
    assert again == 1 + 60


def test_environments_sharing_a_slot_in_one_refresh_read_it_once(spacegame) -> None:
    targets = arm_targets(spacegame, clock=Clock())

    targets.slots("Staging", STAGING, health=False)
    targets.slots("Production", PRODUCTION, health=False)

    settings_reads = spacegame.calls("/config/appsettings/list", "POST")
    assert len(settings_reads) == 2  # staging and production, once each
    listings = [r for r in spacegame.arm_calls()
                if r.path.endswith(f"/resourceGroups/{GROUP}/providers/Microsoft.Web/sites")]
    assert len(listings) == 1


def test_a_swap_with_production_exchanges_the_builds_and_reads_them_back(spacegame) -> None:
    spacegame.options.swap_polls = 3
    spacegame.options.swap_retry_after = 0
    log = Log()
    targets = arm_targets(spacegame, clock=Clock(), poll_interval=0, progress_every=0.01)
    targets.slots("Staging", STAGING)  # what the dashboard showed before

    outcome = targets.swap("Staging", STAGING, "production", log, CancelToken())

    assert outcome == SwapOutcome("Staging", "staging", "production", 6, 7)
    assert (spacegame.build(APP, "production"), spacegame.build(APP, "staging")) == (7, 6)
    [sent] = spacegame.calls("/slotsswap", "POST")
    assert sent.path.endswith(f"/sites/{APP}/slotsswap")
    assert len(spacegame.calls("/operationresults/", "GET")) == 3
    assert log.lines[0] == f"Swapping slot staging of web app {APP} with production…"
    assert log.lines[-2:] == ["Swap finished.",
                              "Now staging serves build 6 and production serves build 7."]
    staging, production = targets.slots("Staging", STAGING, health=False)
    assert (staging.build, production.build) == (6, 7)  # not what was read before


def test_two_slots_swap_with_each_other(app_service) -> None:
    app_service.add_app(APP, resource_group=GROUP, slots=("staging", "qa"))
    app_service.deploy(APP, "staging", 7)
    app_service.deploy(APP, "qa", 8)
    app_service.options.swap_polls = 0
    target = AppServiceTarget(DEFAULT_SUBSCRIPTION, GROUP, APP, "qa", "staging")

    outcome = arm_targets(app_service).swap("QA", target, "staging", Log(), CancelToken())

    assert (outcome.slot_build, outcome.with_build) == (7, 8)
    [sent] = app_service.calls("/slotsswap", "POST")
    assert sent.path.endswith(f"/sites/{APP}/slots/qa/slotsswap")


def test_a_swap_cancelled_before_it_is_sent_changes_nothing(spacegame) -> None:
    cancel = CancelToken()
    cancel.cancel()

    with pytest.raises(SwapCancelled, match="nothing changed"):
        arm_targets(spacegame).swap("Staging", STAGING, "production", Log(), cancel)

    assert spacegame.calls("/slotsswap") == []
    assert spacegame.build(APP, "production") == 6


def test_a_cancel_once_the_swap_is_sent_is_logged_and_the_swap_followed_to_its_end(
        spacegame) -> None:
    spacegame.options.swap_polls = None  # runs until the test ends it
    cancel = CancelToken()

    def on_line(line: str) -> None:
        if line.startswith("Azure accepted the swap"):
            cancel.cancel()
        if line.startswith("Azure allows no cancel"):
            spacegame.finish_swap(APP)

    log = Log(on_line)
    targets = arm_targets(spacegame, poll_interval=0, progress_every=0.01)

    outcome = targets.swap("Staging", STAGING, "production", log, cancel)

    assert "Azure allows no cancel of a swap once it is sent: following it to its end." \
        in log.lines
    assert (outcome.slot_build, outcome.with_build) == (6, 7)
    assert log.lines[-2] == "Swap finished."


def test_a_swap_that_does_not_end_is_reported_and_its_app_refuses_other_changes(
        spacegame) -> None:
    spacegame.options.swap_polls = None
    log = Log()
    targets = arm_targets(spacegame, poll_interval=0, progress_every=0.01, swap_timeout=0)

    with pytest.raises(Unavailable) as unfinished:
        targets.swap("Staging", STAGING, "production", log, CancelToken())
    with pytest.raises(Unavailable) as busy:
        targets.restart("Production", PRODUCTION, Log())

    assert "has not ended after" in user_message(unfinished.value)
    assert "refresh to see which build each slot serves" in user_message(unfinished.value)
    assert unfinished.value.retryable is False
    assert "Azure is running another operation on it (HTTP 409 Conflict)" in \
        user_message(busy.value)
    assert spacegame.slot(APP).restarts == 0


def test_restart_stop_and_start_act_on_the_targets_slot_with_a_log(spacegame) -> None:
    targets = arm_targets(spacegame, clock=Clock())
    log = Log()

    targets.restart("Staging", STAGING, log)
    targets.stop("Staging", STAGING, log)
    stopped, _ = targets.slots("Staging", STAGING)
    targets.start("Staging", STAGING, log)
    started, _ = targets.slots("Staging", STAGING)

    assert spacegame.slot(APP, "staging").restarts == 1
    assert (stopped.state, stopped.health.ok) == ("Stopped", False)
    assert (started.state, started.health.ok) == ("Running", True)
    assert log.lines == [
        f"Restarting slot staging of web app {APP}…", f"Restarted slot staging of web app {APP}.",
        f"Stopping slot staging of web app {APP}…", f"Stopped slot staging of web app {APP}.",
        f"Starting slot staging of web app {APP}…", f"Started slot staging of web app {APP}."]
    assert spacegame.slot(APP).restarts == 0  # production untouched


def test_an_unknown_app_or_slot_is_not_found_by_kind(spacegame) -> None:
    targets = arm_targets(spacegame)

    with pytest.raises(NotFound) as no_app:
        targets.slots("Staging", AppServiceTarget(DEFAULT_SUBSCRIPTION, GROUP, "nope"))
    with pytest.raises(NotFound) as no_slot:
        targets.slots("QA", AppServiceTarget(DEFAULT_SUBSCRIPTION, GROUP, APP, "qa"))
    with pytest.raises(NotFound) as no_slot_to_restart:
        targets.restart("QA", AppServiceTarget(DEFAULT_SUBSCRIPTION, GROUP, APP, "qa"), Log())
    with pytest.raises(NotFound) as no_slot_to_swap_with:
        targets.swap("Staging", STAGING, "qa", Log(), CancelToken())

    assert (no_app.value.kind, no_app.value.name) == ("web app", "nope")
    assert (no_slot.value.kind, no_slot.value.name) == ("slot", "qa")
    assert (no_slot_to_restart.value.kind, no_slot_to_restart.value.name) == ("slot", "qa")
    assert (no_slot_to_swap_with.value.kind, no_slot_to_swap_with.value.name) == ("slot", "qa")
    assert user_message(no_slot_to_swap_with.value) == (
        "The slot 'qa' does not exist, or this sign-in cannot see it (HTTP 404).")


def test_a_missing_permission_is_forbidden_naming_the_action(app_service) -> None:
    principal = app_service.add_service_principal(
        "no-swap-app", "no-swap-secret", denied={"Microsoft.Web/sites/slotsswap/action"})
    app_service.add_app(APP, resource_group=GROUP, slots=("staging",))
    client = ArmClient(ArmSignIn(app_service.endpoint, EntraSignIn(
        EntraMethod.SERVICE_PRINCIPAL, app_service.tenant, principal.client_id,
        principal.secret)))

    with pytest.raises(Forbidden) as refused:
        ArmTargets(client).swap("Staging", STAGING, "production", Log(), CancelToken())

    assert refused.value.permission == "Microsoft.Web/sites/slotsswap/action"
    assert user_message(refused.value) == (
        f"Azure refused to swap slot staging of web app {APP} with production (HTTP 403 "
        "Forbidden): the sign-in may not perform Microsoft.Web/sites/slotsswap/action.")


def test_an_expired_or_refused_sign_in_signs_out(spacegame) -> None:
    targets = arm_targets(spacegame)
    targets.slots("Staging", STAGING, health=False)
    spacegame.expire()

    with pytest.raises(TokenExpired) as expired:
        arm_targets(spacegame).restart("Staging", STAGING, Log())
    with pytest.raises(SignedOut) as refused:
        ArmTargets(ArmClient(sign_in(spacegame, "wrong-secret"))).slots("Staging", STAGING)

    assert "release-manager login --arm" in user_message(expired.value)
    assert "Microsoft Entra ID sign-in" in user_message(refused.value)
    assert "wrong-secret" not in user_message(refused.value)
    assert spacegame.principal.secret not in user_message(refused.value)


def test_a_throttled_read_and_change_are_tried_again_as_azure_asks(spacegame) -> None:
    spacegame.faults.fail("/config/appsettings/list", 429, times=1, retry_after=0)
    spacegame.faults.fail("/restart", 429, times=1, retry_after=0)
    targets = arm_targets(spacegame)

    staging, _ = targets.slots("Staging", STAGING, health=False)
    targets.restart("Staging", STAGING, Log())

    assert staging.build == 7
    assert len(spacegame.calls("/slots/staging/restart", "POST")) == 2  # the retry
    assert spacegame.slot(APP, "staging").restarts == 1


def test_throttling_with_a_long_wait_is_unavailable_with_that_wait(spacegame) -> None:
    spacegame.faults.fail("/config/appsettings/list", 429, times=1, retry_after=120)

    with pytest.raises(Unavailable) as throttled:
        arm_targets(spacegame).slots("Staging", STAGING)

    assert (throttled.value.retryable, throttled.value.retry_after) == (True, 120)
    assert "wait 120 s" in user_message(throttled.value)


def test_a_read_is_tried_again_after_a_server_error_but_a_swap_is_never_sent_twice(
        spacegame) -> None:
    spacegame.faults.fail("/config/appsettings/list", 500, times=1)
    spacegame.faults.fail("/slotsswap", 500, times=1)
    targets = arm_targets(spacegame)

    staging, _ = targets.slots("Staging", STAGING, health=False)
    with pytest.raises(Unavailable) as failed:
        targets.swap("Staging", STAGING, "production", Log(), CancelToken())

    assert staging.build == 7
    assert len(spacegame.calls("/slotsswap", "POST")) == 1
    assert spacegame.build(APP, "production") == 6
    assert user_message(failed.value).startswith(
        f"Azure failed to swap slot staging of web app {APP} with production (HTTP 500).")


def test_an_untrusted_certificate_is_said_naming_the_bundle(spacegame, tmp_path,
                                                            monkeypatch) -> None:
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(trustme.CA().cert_pem.bytes())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    client = ArmClient(sign_in(spacegame))

    with pytest.raises(TlsUntrusted) as untrusted:
        ArmTargets(client).slots("Staging", STAGING)

    assert user_message(untrusted.value) == (
        f"The certificate of localhost is not trusted: REQUESTS_CA_BUNDLE ({other_ca}) does "
        "not hold its certificate authority.")
    assert spacegame.principal.secret not in user_message(untrusted.value)


def test_reads_from_several_workers_at_once_agree(spacegame) -> None:
    targets = arm_targets(spacegame)
    results: list[list] = []

    def read() -> None:
        results.append(targets.slots("Staging", STAGING, health=False))

    workers = [threading.Thread(target=read) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert [[s.build for s in shown] for shown in results] == [[7, 6]] * 4


def test_subscriptions_and_web_apps_with_their_slots_are_listed_to_pick_from(
        app_service) -> None:
    app_service.add_subscription("11111111-1111-1111-1111-111111111111", "Contoso Test")
    app_service.add_subscription("22222222-2222-2222-2222-222222222222", "Adventure Works")
    app_service.add_app("spacegame-web", resource_group="rg-spacegame",
                        slots=("staging", "qa"))
    app_service.add_app("spacegame-api", resource_group="rg-spacegame", slots=())
    app_service.add_app("leaderboard", resource_group="rg-games", slots=("staging",))
    client = ArmClient(sign_in(app_service))

    subscriptions = client.subscriptions()
    apps = client.web_apps(DEFAULT_SUBSCRIPTION)

    assert [(s.name, s.id) for s in subscriptions] == [  # pages of 2: nextLink followed
        ("Adventure Works", "22222222-2222-2222-2222-222222222222"),
        ("Contoso Test", "11111111-1111-1111-1111-111111111111"),
        ("Space Game", DEFAULT_SUBSCRIPTION)]
    assert [(a.resource_group, a.name, a.state, a.slots) for a in apps] == [
        ("rg-games", "leaderboard", "Running", ("staging",)),
        ("rg-spacegame", "spacegame-api", "Running", ()),
        ("rg-spacegame", "spacegame-web", "Running", ("qa", "staging"))]


def test_a_target_that_names_no_app_on_azure_is_refused_saying_what_to_set(
        app_service) -> None:
    local_only = AppServiceTarget(slot="staging", swap_with="production")

    with pytest.raises(BackendError) as refused:
        arm_targets(app_service).slots("Staging", local_only)

    assert user_message(refused.value) == (
        "The App Service target of environment 'Staging' names no subscription and no "
        "resourceGroup and no app: set subscription, resourceGroup, app under its "
        "appService in .release-manager/environments.yml.")
    assert app_service.arm_calls() == []


def test_production_swaps_back_with_the_slot_it_was_swapped_with(spacegame) -> None:
    spacegame.options.swap_polls = 0

    outcome = arm_targets(spacegame).swap("Production", PRODUCTION, "staging", Log(),
                                          CancelToken())

    assert outcome == SwapOutcome("Production", "production", "staging", 7, 6)
    [sent] = spacegame.calls("/slotsswap", "POST")
    assert sent.path.endswith(f"/sites/{APP}/slotsswap")  # with production, staging named


def test_without_an_encrypted_token_cache_the_sign_in_goes_on_in_memory_and_says_so(
        spacegame, caplog) -> None:
    client = ArmClient(sign_in(spacegame))

    with caplog.at_level(logging.DEBUG, logger="azure"):
        [production] = ArmTargets(client).slots("Production", PRODUCTION, health=False)

    assert production.build == 6
    if importlib.util.find_spec("gi") is None:  # msal-extensions reaches libsecret by it
        assert memory_only_note(client.credential) == MEMORY_ONLY_NOTE
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not any("Cache encryption" in message for message in warnings), warnings



def test_an_endpoint_that_refuses_connections_is_unavailable(spacegame) -> None:
    with socket.socket() as closed:  # a port of this machine that nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    principal = spacegame.principal
    client = ArmClient(ArmSignIn(f"https://127.0.0.1:{port}", EntraSignIn(
        EntraMethod.SERVICE_PRINCIPAL, spacegame.tenant, principal.client_id,
        principal.secret)))

    with pytest.raises(Unavailable) as unreachable:
        ArmTargets(client).slots("Staging", STAGING)

    assert user_message(unreachable.value) == (
        "Cannot reach 127.0.0.1: the connection was refused.")
    assert unreachable.value.retryable is True
