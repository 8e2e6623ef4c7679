"""The demo workspace, built and deployed by the local backend from its own pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
import zipfile

import pytest
from local_support import Log, run_context

from release_manager.core.environments_file import load_environments
from release_manager.core.pipeline_yaml import load
from release_manager.engine.backend import CancelToken
from release_manager.engine.demo import (
    DemoError,
    create_demo,
    default_demo_dir,
    demo_environments,
)
from release_manager.engine.identity import is_demo, team_members
from release_manager.engine.local.backend import LocalBackend
from release_manager.engine.local.targets import LocalTargets

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX demo scripts")


@pytest.fixture
def demo(tmp_path):
    pipeline_path = create_demo(tmp_path / "spacegame")
    backend = LocalBackend(pipeline_path.parent)
    yield pipeline_path, backend
    backend.close()


def git(path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=path, capture_output=True, text=True,
                          check=True).stdout.strip()


def promote(backend: LocalBackend, pipeline, name: str, run_id: int):
    queued = backend.queue_run(None, {})
    log = Log()
    context = run_context(run_id, branch=queued.branch, commit=queued.commit)
    outcome = backend.run_stage(pipeline, pipeline.stage(name), context, log, CancelToken())
    return outcome, log


def test_create_demo_makes_a_git_workspace_on_release_with_policies(demo):
    pipeline_path, _ = demo
    workspace = pipeline_path.parent
    assert pipeline_path.name == "azure-pipelines.yml"
    assert git(workspace, "branch", "--show-current") == "release"
    assert git(workspace, "status", "--porcelain") == ""
    tracked = git(workspace, "ls-files").splitlines()
    assert {".release-manager/environments.yml", ".release-manager/team.yml",
            "site/index.html", "tests/test_leaderboard.py"} <= set(tracked)
    staging = load_environments(workspace)["staging"].approval
    assert staging.approvers == ["qa", "ops"] and staging.minimum_approvers == 1
    assert staging.requester_cannot_approve
    assert staging.instructions == "Check the test environment's smoke run first."
    assert is_demo(workspace) and "qa" in team_members(workspace)
    pipeline = load(pipeline_path).pipeline
    assert pipeline.stage_names == ["Build", "Dev", "Test", "Staging"]
    assert [s.environments for s in pipeline.stages] == [[], ["dev"], ["test"], ["staging"]]
    assert pipeline.schedules[0].cron == "0 3 * * *"
    assert pipeline.schedules[0].branches.include == ["release"]


def test_create_demo_keeps_an_existing_demo_and_refuses_other_folders(demo, tmp_path):
    pipeline_path, _ = demo
    pipeline_path.write_text(pipeline_path.read_text() + "# my change\n")
    assert create_demo(pipeline_path.parent) == pipeline_path
    assert pipeline_path.read_text().endswith("# my change\n")
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine\n")
    with pytest.raises(DemoError, match="not a demo workspace"):
        create_demo(other)
    assert default_demo_dir().name == "demo"


def test_the_demo_site_unit_tests_pass_with_python(demo):
    workspace = demo[0].parent
    done = subprocess.run([sys.executable, "-m", "unittest"], cwd=workspace,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Ran 4 tests" in done.stderr


def test_build_then_dev_then_rollback_of_the_demo(demo):
    pipeline_path, backend = demo
    workspace = pipeline_path.parent
    pipeline = load(pipeline_path).pipeline
    commit = git(workspace, "rev-parse", "HEAD")
    (workspace / "site" / "index.html").write_text("uncommitted edit\n")  # not in the run

    outcome, log = promote(backend, pipeline, "Build", 1)
    assert outcome.result == "Succeeded", log.text
    assert any(line.startswith("OK") for line in log.lines)  # the unit tests ran
    assert f"Sources of commit {commit[:12]} extracted from git" in log.text
    drop = workspace / ".release-manager" / "artifacts" / "1" / "drop"
    with zipfile.ZipFile(drop / "spacegame-1.zip") as archive:
        assert json.loads(archive.read("version.json"))["commit"] == commit
        assert "Build <span id=\"build\">1</span>" in archive.read("index.html").decode()

    outcome, log = promote(backend, pipeline, "Dev", 1)
    assert outcome.result == "Succeeded", log.text
    assert [(r.run_id, r.current) for r in backend.releases("dev")] == [(1, True)]
    healthy, seen = backend.health_check("dev")
    assert healthy, seen
    with urllib.request.urlopen(backend.sites.url("dev") + "version.json", timeout=10) as page:
        assert json.loads(page.read())["build"] == "1"

    for stage in ("Build", "Dev"):
        outcome, log = promote(backend, pipeline, stage, 2)
        assert outcome.result == "Succeeded", log.text
    with urllib.request.urlopen(backend.sites.url("dev"), timeout=10) as page:
        assert "Build <span id=\"build\">2</span>" in page.read().decode()
    backend.activate("dev", 1, Log())
    with urllib.request.urlopen(backend.sites.url("dev"), timeout=10) as page:
        assert "Build <span id=\"build\">1</span>" in page.read().decode()
    assert backend.health_check("dev")[0]


def test_the_demo_walks_dev_test_the_staging_slot_then_swaps_it_into_production(demo):
    pipeline_path, backend = demo
    pipeline = load(pipeline_path).pipeline
    pipeline.environments = demo_environments()
    target = pipeline.environments["staging"].app_service
    assert (target.slot, target.swap_with) == ("staging", "production")
    targets = LocalTargets(pipeline_path.parent, backend.sites)

    for build in (1, 2):
        for stage in ("Build", "Dev", "Test", "Staging"):
            outcome, log = promote(backend, pipeline, stage, build)
            assert outcome.result == "Succeeded", log.text
        assert f"Release {build} is now current in staging (slot staging)" in log.text
        staging, production = targets.slots("staging", target)
        assert staging.build == build and staging.health.ok, staging.health
        outcome = targets.swap("staging", target, "production", Log(), CancelToken())
        assert outcome.with_build == build
    staging, production = targets.slots("staging", target)
    assert (staging.build, production.build) == (1, 2)  # the swap back is at hand
    with urllib.request.urlopen(production.url + "version.json", timeout=10) as page:
        assert json.loads(page.read())["build"] == "2"
