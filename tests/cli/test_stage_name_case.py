"""Stage names resolve without regard to case, as Azure resolves them: a `dependsOn` that
writes `build` for stage `Build` is that dependency in validate, graph and promote; a
dependency that resolves to nothing and names that differ only in case are errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def cli(*args: str, workspace: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("RELEASE_MANAGER_USER", None)
    where = ["--workspace", str(workspace)] if workspace is not None else []
    return subprocess.run([sys.executable, "-m", "release_manager", *args, *where],
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def lower_case_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace whose Dev stage says `dependsOn: build` (the stage is `Build`)."""
    path = tmp_path_factory.mktemp("case") / "space-game"
    done = cli("demo", str(path))
    assert done.returncode == 0, done.stderr
    pipeline = path / "azure-pipelines.yml"
    text = pipeline.read_text(encoding="utf-8")
    assert text.count("  dependsOn: Build\n") == 1
    pipeline.write_text(text.replace("  dependsOn: Build\n", "  dependsOn: build\n"),
                        encoding="utf-8")
    return path


def test_validate_accepts_a_dependency_written_in_another_case(lower_case_demo: Path) -> None:
    done = cli("validate", str(lower_case_demo / "azure-pipelines.yml"))
    assert done.returncode == 0, done.stdout
    assert "0 errors" in done.stdout


def test_graph_draws_the_dependency_written_in_another_case(lower_case_demo: Path) -> None:
    pipeline = str(lower_case_demo / "azure-pipelines.yml")
    text = cli("graph", pipeline).stdout.splitlines()
    assert "Dev ← Build" in [line.split("  [")[0] for line in text]
    graph = json.loads(cli("graph", pipeline, "--format", "json").stdout)
    assert ["Build", "Dev"] in graph["edges"]
    dev = next(stage for stage in graph["stages"] if stage["name"] == "Dev")
    assert dev["dependsOn"] == ["Build"]
    assert '"Build" -> "Dev";' in cli("graph", pipeline, "--format", "dot").stdout


def test_the_next_stage_is_promoted_after_a_dependency_in_another_case(
    lower_case_demo: Path,
) -> None:
    built = cli("run", "--as", "lead", "--json", workspace=lower_case_demo)
    assert built.returncode == 0, built.stderr
    number = str(json.loads(built.stdout)["build"])

    dev = cli("promote", number, "--to", "Dev", "--as", "lead", workspace=lower_case_demo)
    assert dev.returncode == 0, dev.stdout + dev.stderr
    assert "Release 1 is now current in dev" in dev.stdout
    # and a stage named in another case is that stage
    test = cli("promote", number, "--to", "test", "--as", "lead", workspace=lower_case_demo)
    assert test.returncode == 0, test.stdout + test.stderr
    status = json.loads(cli("status", "--json", workspace=lower_case_demo).stdout)
    deployed = {env["name"]: env["current_build"] for env in status["environments"]}
    assert deployed["dev"] == deployed["test"] == int(number)


def test_a_dependency_on_no_stage_is_an_error_at_its_place(tmp_path: Path) -> None:
    pipeline = tmp_path / "azure-pipelines.yml"
    pipeline.write_text(
        "stages:\n"
        "- stage: Build\n"
        "  jobs:\n"
        "  - job: B\n"
        "    steps: [script: echo]\n"
        "- stage: Dev\n"
        "  dependsOn: [Build, Buidl]\n"
        "  jobs:\n"
        "  - job: D\n"
        "    steps: [script: echo]\n", encoding="utf-8")
    done = cli("validate", str(pipeline))
    assert done.returncode == 1
    assert f"{pipeline}:7:22: error: stage 'Dev' depends on unknown stage 'Buidl'" \
        in done.stdout


def test_stage_names_that_differ_only_in_case_are_duplicates(tmp_path: Path) -> None:
    pipeline = tmp_path / "azure-pipelines.yml"
    pipeline.write_text(
        "stages:\n"
        "- stage: Build\n"
        "  jobs:\n"
        "  - job: B\n"
        "    steps: [script: echo]\n"
        "- stage: build\n"
        "  jobs:\n"
        "  - job: B\n"
        "    steps: [script: echo]\n", encoding="utf-8")
    done = cli("validate", str(pipeline))
    assert done.returncode == 1
    assert f"{pipeline}:2:10: error: duplicate stage name 'Build' (also at line 6)" \
        in done.stdout
    assert f"{pipeline}:6:10: error: duplicate stage name 'build' (also at line 2)" \
        in done.stdout


def test_job_names_that_differ_only_in_case_are_duplicates(tmp_path: Path) -> None:
    pipeline = tmp_path / "azure-pipelines.yml"
    pipeline.write_text(
        "stages:\n"
        "- stage: Build\n"
        "  jobs:\n"
        "  - job: Compile\n"
        "    steps: [script: echo]\n"
        "  - job: compile\n"
        "    steps: [script: echo]\n", encoding="utf-8")
    done = cli("validate", str(pipeline))
    assert done.returncode == 1
    assert "duplicate job name 'Compile' in stage 'Build' (also at line 6)" in done.stdout
    assert "duplicate job name 'compile' in stage 'Build' (also at line 4)" in done.stdout
