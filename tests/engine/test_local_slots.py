"""Slots of the local backend: a deployment into an environment's slot, each slot on its
own port, app settings from the task, stop/start across processes, restart, and the
Windows pointer form of a swap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from local_support import deploy_stage, run, run_context, site_package

import release_manager
from release_manager.core.model import PRODUCTION_SLOT, AppServiceTarget, Environment, Step
from release_manager.engine.backend import CancelToken
from release_manager.engine.local import deploy
from release_manager.engine.local.backend import LocalBackend
from release_manager.engine.local.site_server import recorded_sites, recorded_url
from release_manager.engine.local.targets import LocalTargets
from release_manager.engine.workspace import Workspace

TARGET = AppServiceTarget(slot="staging", swap_with=PRODUCTION_SLOT)


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def backend(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    backend = LocalBackend(workspace)
    yield backend
    backend.close()


def deploy_build(backend: LocalBackend, tmp_path, build: int, **inputs: object):
    package = site_package(tmp_path / f"site-{build}", f"build {build}")
    pipeline, stage = deploy_stage("web", {"deploy": [Step("task", "AzureWebApp@1", inputs={
        "package": str(package), **inputs})]})
    pipeline.environments = {"web": Environment("web", app_service=TARGET)}
    outcome, log = run(backend, pipeline, stage, run_context(build))
    assert outcome.result == "Succeeded", log.text
    return log


def test_the_environment_target_slot_gets_the_deployment_with_its_app_settings(
        backend, tmp_path):
    deploy_build(backend, tmp_path, 1, deployToSlotOrASE=True, slotName="production")
    log = deploy_build(backend, tmp_path, 2,
                       appSettings='-RELEASE_MANAGER_BUILD $(Build.BuildId) -MOTD "hi there"')
    assert "Release 2 is now current in web (slot staging) (was no release)." in log.text
    folders = backend.environments
    assert (folders.current_run("web"), folders.current_run("web", "staging")) == (1, 2)
    record = folders.release_record("web", "staging")
    assert record["slot"] == "staging"
    assert record["app_settings"] == {"RELEASE_MANAGER_BUILD": "2", "MOTD": "hi there"}
    assert folders.release_record("web")["app_settings"] == {"RELEASE_MANAGER_BUILD": "1"}

    production = backend.sites.serve("web")
    staging = backend.sites.serve("web", "staging")
    assert production != staging
    assert "build 1" in get(production)[1] and "build 2" in get(staging)[1]
    assert recorded_sites(backend.state_dir) == {"web": production}  # readers as before
    assert recorded_url(backend.state_dir, "web", "staging") == staging


def test_bad_app_settings_fail_the_deployment_with_the_reason(backend, tmp_path):
    package = site_package(tmp_path / "site", "build 1")
    pipeline, stage = deploy_stage("web", {"deploy": [Step("task", "AzureWebApp@1", inputs={
        "package": str(package), "appSettings": "MOTD hi"})]})
    outcome, log = run(backend, pipeline, stage, run_context(1))
    assert outcome.result == "Failed"
    assert "appSettings: expected -NAME value, found 'MOTD'" in log.text
    assert backend.environments.current_run("web") is None


def test_a_stopped_slot_answers_403_in_every_process_until_started(backend, tmp_path):
    deploy_build(backend, tmp_path, 1)
    url = backend.sites.serve("web", "staging")
    stop = ("import sys; from release_manager.core.model import AppServiceTarget as T; "
            "from release_manager.engine.local.targets import LocalTargets; "
            "print(LocalTargets(sys.argv[1]).stop('web', T(slot='staging'), "
            "type('L', (), {'write': lambda self, line: print(line)})()))")
    package_root = str(Path(release_manager.__file__).parents[1])
    done = subprocess.run([sys.executable, "-c", stop, str(backend.workspace)],
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": package_root})
    assert done.returncode == 0, done.stderr
    assert "Stopped the site of web (slot staging)" in done.stdout
    status, body = get(url)
    assert status == 403 and "stopped" in body
    assert get(backend.sites.serve("web"))[0] == 503  # production: nothing deployed there
    LocalTargets(backend.workspace, backend.sites).start("web", TARGET, Lines())
    assert get(url) == (200, "<h1>Space Game build 1</h1>\n")


def test_restart_serves_the_slot_again_on_the_same_port(backend, tmp_path):
    deploy_build(backend, tmp_path, 1)
    targets = LocalTargets(backend.workspace, backend.sites)
    before = backend.sites.serve("web", "staging")
    log = Lines()
    targets.restart("web", TARGET, log)
    assert backend.sites.url("web", "staging") == before
    assert log.lines == ["Restarting the site of web (slot staging)",
                         f"Restarted: web (slot staging) answers at {before}"]
    assert get(before)[0] == 200


def test_swap_log_says_what_each_slot_serves(backend, tmp_path):
    deploy_build(backend, tmp_path, 1, deployToSlotOrASE=True, slotName="production")
    deploy_build(backend, tmp_path, 2)
    targets = LocalTargets(backend.workspace, backend.sites)
    log = Lines()
    targets.swap("web", TARGET, PRODUCTION_SLOT, log, CancelToken())
    assert log.lines == [
        "Swapping slot staging (build 2) with production (build 1) in web",
        "Swapped: production serves build 2, staging serves build 1"]
    assert "build 2" in get(backend.sites.serve("web"))[1]
    assert "build 1" in get(backend.sites.serve("web", "staging"))[1]


def test_the_windows_pointer_holds_every_slot_and_a_swap_rewrites_it_whole(
        tmp_path, monkeypatch):
    monkeypatch.setattr(deploy, "USE_SYMLINK", False)
    folders = deploy.EnvironmentFolders(tmp_path / "environments")
    for build in (1, 2):
        folders.install("web", build, site_package(tmp_path / f"s{build}", str(build)), {})
    folders.switch("web", 1)
    folders.switch("web", 2, "staging")
    pointer = tmp_path / "environments" / "web" / "current.json"
    assert json.loads(pointer.read_text()) == {"run_id": 1, "slots": {"staging": 2}}
    folders.exchange("web", "staging", PRODUCTION_SLOT)
    assert json.loads(pointer.read_text()) == {"run_id": 2, "slots": {"staging": 1}}
    assert (folders.current_run("web"), folders.current_run("web", "staging")) == (2, 1)
    assert folders.current_path("web", "staging") == folders.release_folder("web", 1)
    folders.clear_current("web", "staging")
    assert json.loads(pointer.read_text()) == {"run_id": 2}


def test_a_release_in_service_in_a_slot_is_never_replaced(backend, tmp_path):
    deploy_build(backend, tmp_path, 1)
    package = site_package(tmp_path / "again", "build 1")
    with pytest.raises(deploy.DeploymentError, match=r"in service in web \(slot staging\)"):
        backend.environments.install("web", 1, package, {"commit": ""})


def test_a_first_swap_into_an_empty_production_moves_the_slot_release_there(
        backend, tmp_path):
    deploy_build(backend, tmp_path, 1)
    targets = LocalTargets(backend.workspace, backend.sites)
    outcome = targets.swap("web", TARGET, PRODUCTION_SLOT, Lines(), CancelToken())
    assert (outcome.slot_build, outcome.with_build) == (None, 1)
    assert "build 1" in get(backend.sites.serve("web"))[1]
    assert get(backend.sites.serve("web", "staging"))[0] == 503
    back = targets.swap("web", TARGET, PRODUCTION_SLOT, Lines(), CancelToken())
    assert (back.slot_build, back.with_build) == (1, None)


def test_a_workspace_not_connected_to_azure_has_local_targets_on_its_backend_sites(
        tmp_path):
    (tmp_path / "azure-pipelines.yml").write_text("steps:\n- script: echo hi\n")
    workspace = Workspace(tmp_path)
    try:
        targets = workspace.targets
        assert isinstance(targets, LocalTargets)
        assert targets.sites is workspace.backend.sites  # a restart restarts what it serves
        assert workspace.targets is targets
    finally:
        workspace.backend.close()
