"""Deployments into environment folders: releases, the atomic `current` switch, rollback,
interrupted and cancelled deployments."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading

import pytest
from local_support import Log, deploy_stage, job_stage, run, run_context

from release_manager.core.model import Step
from release_manager.engine.backend import CancelToken
from release_manager.engine.local import deploy
from release_manager.engine.local.backend import DeploymentError, LocalBackend

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX shell scripts")


@pytest.fixture
def backend(tmp_path):
    workspace = tmp_path / "ws"
    (workspace / "site").mkdir(parents=True)
    (workspace / "site" / "index.html").write_text("<h1>Space Game VERSION</h1>\n")
    return LocalBackend(workspace, minute=0.5, kill_grace=0.5)


def build(backend: LocalBackend, run_id: int) -> None:
    pipeline, stage = job_stage(
        Step("script", "sed -i.bak 's/VERSION/$(Build.BuildNumber)/' site/index.html "
                       "&& rm site/index.html.bak"),
        Step("task", "ArchiveFiles@2", inputs={
            "rootFolderOrFile": "site", "includeRootFolder": False,
            "archiveFile": "$(Build.ArtifactStagingDirectory)/site-$(Build.BuildId).zip"}),
        Step("publish", "$(Build.ArtifactStagingDirectory)", inputs={"artifact": "drop"}),
    )
    outcome, log = run(backend, pipeline, stage, run_context(run_id))
    assert outcome.result == "Succeeded", log.text


def deploy_hooks(*after: Step) -> dict[str, list[Step]]:
    return {"deploy": [
        Step("download", "current", inputs={"artifact": "drop"}),
        Step("task", "AzureWebApp@1", inputs={"package": "$(Pipeline.Workspace)/drop/*.zip",
                                               "appName": "spacegame-dev"}),
        *after,
    ]}


def promote(backend: LocalBackend, run_id: int, *after: Step, cancel: CancelToken | None = None,
            log: Log | None = None):
    build(backend, run_id)
    pipeline, stage = deploy_stage("dev", deploy_hooks(*after))
    return run(backend, pipeline, stage, run_context(run_id), log=log, cancel=cancel)


def served_version(backend: LocalBackend, environment: str = "dev") -> str:
    current = backend.workspace / ".release-manager" / "environments" / environment / "current"
    return (current / "index.html").read_text()


def test_deploy_installs_the_release_and_points_current_at_it(backend):
    outcome, log = promote(backend, 1)
    assert outcome.result == "Succeeded", log.text
    folder = backend.workspace / ".release-manager" / "environments" / "dev"
    assert outcome.release == str(folder / "releases" / "1")
    assert os.readlink(folder / "current") == os.path.join("releases", "1")
    assert served_version(backend) == "<h1>Space Game 1</h1>\n"
    info = json.loads((folder / "releases" / "1" / "release.json").read_text())
    assert info["run_id"] == 1 and info["branch"] == "refs/heads/release"
    assert info["requested_by"] == "lead" and info["package"] == "site-1.zip"
    assert [(r.run_id, r.current) for r in backend.releases("dev")] == [(1, True)]
    assert "Release 1 is now current in dev (was no release)." in log.lines


def test_second_deploy_then_activate_switches_back(backend):
    promote(backend, 1)
    outcome, _ = promote(backend, 2)
    assert outcome.result == "Succeeded"
    assert served_version(backend) == "<h1>Space Game 2</h1>\n"
    assert [(r.run_id, r.current) for r in backend.releases("dev")] == [(2, True), (1, False)]
    log = Log()
    release = backend.activate("dev", 1, log)
    assert (release.run_id, release.current) == (1, True)
    assert served_version(backend) == "<h1>Space Game 1</h1>\n"
    assert log.lines == ["Release 1 is now current in dev (was release 2)."]


def test_activate_refuses_a_release_that_is_gone(backend):
    promote(backend, 1)
    promote(backend, 2)
    releases = backend.workspace / ".release-manager" / "environments" / "dev" / "releases"
    shutil.rmtree(releases / "1")
    with pytest.raises(DeploymentError, match="release 1 of dev is no longer installed"):
        backend.activate("dev", 1, Log())
    assert served_version(backend) == "<h1>Space Game 2</h1>\n"


def test_a_deleted_environment_folder_is_recreated_and_missing_ones_have_no_releases(backend):
    assert backend.releases("nowhere") == []
    promote(backend, 1)
    shutil.rmtree(backend.workspace / ".release-manager" / "environments" / "dev")
    assert backend.releases("dev") == []
    outcome, _ = promote(backend, 2)
    assert outcome.result == "Succeeded"
    assert [(r.run_id, r.current) for r in backend.releases("dev")] == [(2, True)]


def test_an_interrupted_deployment_leaves_the_previous_release_current(backend, monkeypatch):
    promote(backend, 1)
    written = []

    def crash_midway(package, target):
        first = sorted(package.iterdir())[0]
        shutil.copyfile(first, target / first.name)
        written.append(target / first.name)
        raise OSError("No space left on device")

    build(backend, 2)
    package = backend.workspace / ".release-manager" / "work" / "2" / "Build" / "s" / "site"
    monkeypatch.setattr(deploy, "unpack", crash_midway)
    with pytest.raises(OSError, match="No space left"):
        backend.environments.install("dev", 2, package, {})
    monkeypatch.undo()
    releases = backend.workspace / ".release-manager" / "environments" / "dev" / "releases"
    assert written and not written[0].exists()  # the partial copy was cleaned away
    assert sorted(p.name for p in releases.iterdir()) == ["1"]
    assert served_version(backend) == "<h1>Space Game 1</h1>\n"
    assert [(r.run_id, r.current) for r in backend.releases("dev")] == [(1, True)]
    outcome, _ = promote(backend, 3)  # and the next deployment goes through
    assert outcome.result == "Succeeded"
    assert served_version(backend) == "<h1>Space Game 3</h1>\n"


def test_a_crash_between_install_and_switch_keeps_the_previous_release(backend, monkeypatch):
    promote(backend, 1)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies just before the switch

    monkeypatch.setattr(deploy.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        promote(backend, 2)
    monkeypatch.undo()
    assert served_version(backend) == "<h1>Space Game 1</h1>\n"
    assert backend.environments.current_run("dev") == 1


def test_cancel_during_the_deployment_keeps_the_previous_release(backend):
    promote(backend, 1)
    log = Log()
    cancel = CancelToken()
    warming = log.when("warming up")
    threading.Thread(target=lambda: warming.wait(30) and cancel.cancel(), daemon=True).start()
    outcome, _ = promote(backend, 2, Step("script", "echo warming up; sleep 600"),
                         cancel=cancel, log=log)
    assert outcome.result == "Canceled"
    assert served_version(backend) == "<h1>Space Game 1</h1>\n"
    assert "##[warning]The deployment did not finish; dev is back on release 1." in log.lines
    assert [(r.run_id, r.current) for r in backend.releases("dev")] == [(2, False), (1, True)]


def test_a_failed_first_deployment_leaves_nothing_in_service(backend):
    outcome, log = promote(backend, 1, Step("script", "exit 4"))
    assert outcome.result == "Failed"
    assert backend.environments.current_run("dev") is None
    assert "##[warning]The deployment did not finish; dev is back on no release in service." \
        in log.lines


def test_deploy_without_a_matching_package_fails_plainly(backend):
    pipeline, stage = deploy_stage("dev", {"deploy": [
        Step("task", "AzureWebApp@1", inputs={"package": "$(Pipeline.Workspace)/drop/*.zip"})]})
    outcome, _ = run(backend, pipeline, stage)
    assert outcome.result == "Failed"
    pattern = backend.workspace / ".release-manager" / "work" / "1" / "Dev" / "drop" / "*.zip"
    assert outcome.message == f"AzureWebApp: No package found with specified pattern: {pattern}"


def test_rolling_strategy_runs_each_hook_once_and_says_why(backend):
    build(backend, 1)
    hooks = {"preDeploy": [Step("script", "echo pre; echo environment=$ENVIRONMENT_NAME")],
             **deploy_hooks(),
             "routeTraffic": [Step("script", "echo route")],
             "on.success": [Step("script", "echo success")],
             "on.failure": [Step("script", "echo failure")]}
    pipeline, stage = deploy_stage("dev", hooks, kind="rolling")
    outcome, log = run(backend, pipeline, stage, run_context(1))
    assert outcome.result == "Succeeded"
    assert [line for line in log.lines if line in ("pre", "route", "success", "failure")] == [
        "pre", "route", "success"]
    assert any("locally there is one target" in line for line in log.lines)
    assert "environment=dev" in log.lines


def test_on_failure_hook_runs_after_a_failed_deploy_and_on_success_does_not(backend):
    build(backend, 1)
    hooks = {**deploy_hooks(Step("script", "exit 2")),
             "on.failure": [Step("script", "echo cleaning up")],
             "on.success": [Step("script", "echo celebrating")]}
    pipeline, stage = deploy_stage("dev", hooks)
    outcome, log = run(backend, pipeline, stage, run_context(1))
    assert outcome.result == "Failed"
    assert "cleaning up" in log.lines and "celebrating" not in log.lines
    assert backend.environments.current_run("dev") is None


KILLED_INSTALL = """
import shutil, signal, sys
from pathlib import Path
from release_manager.engine.local import deploy
from release_manager.engine.local.deploy import EnvironmentFolders

def slow_unpack(package, target):
    for file in sorted(package.iterdir()):
        shutil.copyfile(file, target / file.name)
        print("copied", file.name, flush=True)
        signal.pause()  # killed here, half-way through the release

deploy.unpack = slow_unpack
EnvironmentFolders(Path(sys.argv[1])).install("dev", 2, Path(sys.argv[2]), {})
"""


def test_a_deployment_killed_mid_copy_leaves_the_previous_release_current(backend, tmp_path):
    promote(backend, 1)
    build(backend, 2)
    package = backend.workspace / ".release-manager" / "work" / "2" / "Build" / "s" / "site"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_INSTALL, str(backend.environments.root), str(package)],
        stdout=subprocess.PIPE, text=True,
    )
    assert child.stdout.readline().startswith("copied")
    child.kill()
    child.wait()
    child.stdout.close()
    releases = backend.environments.root / "dev" / "releases"
    assert any(p.name.startswith(".partial-2") for p in releases.iterdir())
    assert [(r.run_id, r.current) for r in backend.releases("dev")] == [(1, True)]
    assert served_version(backend) == "<h1>Space Game 1</h1>\n"
    outcome, _ = promote(backend, 2)  # a new attempt clears the leftovers and goes through
    assert outcome.result == "Succeeded"
    assert sorted(p.name for p in releases.iterdir()) == ["1", "2"]
    assert served_version(backend) == "<h1>Space Game 2</h1>\n"


def test_a_release_folder_is_replaced_only_by_the_same_build(tmp_path):
    """A release written by an older version holds no queue time: it is the same build when
    it was deployed after that build was queued, another build of that number otherwise."""
    folders = deploy.EnvironmentFolders(tmp_path / "environments")
    package = tmp_path / "package"
    package.mkdir()
    (package / "index.html").write_text("build 4 of the old history\n")
    folders.install("dev", 4, package, {"commit": "abc"})  # as an older version wrote it
    (package / "index.html").write_text("build 4 again\n")
    release = folders.release_folder("dev", 4)

    with pytest.raises(DeploymentError, match="a release is never overwritten"):
        folders.install("dev", 4, package, {"commit": "abc",
                                             "build_created": "2999-01-01T00:00:00+00:00"})
    with pytest.raises(DeploymentError, match="already holds build 4 of commit abc"):
        folders.install("dev", 4, package, {"commit": "def",
                                             "build_created": "2000-01-01T00:00:00+00:00"})
    assert (release / "index.html").read_text() == "build 4 of the old history\n"

    queued = "2000-01-01T00:00:00+00:00"  # before the release was deployed: this build
    folders.install("dev", 4, package, {"commit": "abc", "build_created": queued})
    assert (release / "index.html").read_text() == "build 4 again\n"
    assert json.loads((release / "release.json").read_text())["build_created"] == queued
    folders.install("dev", 4, package, {"commit": "abc", "build_created": queued})
    with pytest.raises(DeploymentError, match="a release is never overwritten"):
        folders.install("dev", 4, package, {"commit": "abc",
                                             "build_created": "2000-01-01T00:00:01+00:00"})
