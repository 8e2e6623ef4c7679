"""The pipeline verbs: validate, graph, eval (a few as real processes, the rest in-process)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, REPO
from scale_pipeline import scale_pipeline

from release_manager.cli import main

STAGING = DATA / "pipelines" / "spacegame.yml"
FANIN = DATA / "pipelines" / "fan-in-condition.yml"
INVALID = DATA / "invalid" / "duplicate-top-level-keys.yml"

BROKEN = """\
stages:
- stage: Build
  jobs: [job: A]
- stage: Deploy
  dependsOn: Biuld
  condition: and(succeeded(), eq(1, 2)))
  jobs: [job: A]
- stage: Later
  dependOn: Deploy
  jobs: [job: A]
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "release_manager", *args],
        capture_output=True, text=True, cwd=REPO, timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


# ---------------------------------------------------------------- validate


def test_validate_process_clean_file_exits_0() -> None:
    done = cli("validate", str(STAGING))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "0 errors, 0 warnings in 1 file\n"


def test_validate_process_prints_each_finding_and_a_summary(broken: Path) -> None:
    done = cli("validate", str(broken), str(STAGING))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{broken}:5:14: error: stage 'Deploy' depends on unknown stage 'Biuld'",
        f"{broken}:6:40: error: invalid condition: Unexpected symbol: ')'",
        f"{broken}:9:3: warning: unknown key 'dependOn' in stage (did you mean 'dependsOn'?)",
        "2 errors, 1 warning in 2 files",
    ]


def test_validate_process_reports_a_stage_without_jobs_at_its_name(tmp_path: Path) -> None:
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(
        "stages:\n"
        "- stage: Build\n"
        "  jobs:\n"
        "  - job: Compile\n"
        "    steps:\n"
        "    - script: make\n"
        "- stage: Deploy\n"
        "  dependsOn: Build\n",
        encoding="utf-8",
    )
    done = cli("validate", str(path))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{path}:7:10: error: stage 'Deploy' has no jobs: Azure needs at least one job in a stage",
        "1 error, 0 warnings in 1 file",
    ]


def test_validate_process_unreadable_input_exits_2(tmp_path: Path) -> None:
    done = cli("validate", str(tmp_path / "nope.yml"), str(STAGING))
    assert done.returncode == 2
    assert done.stdout.splitlines()[0].startswith(f"{tmp_path / 'nope.yml'}:0:0: error: ")
    assert "Traceback" not in done.stderr


def test_validate_the_malformed_corpus_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(INVALID)]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert [re.sub(r"^.*\.yml:", "", line).split(":")[0:2] for line in lines[:-1]] == [
        ["26", "1"], ["29", "1"], ["32", "1"],
    ]
    assert "duplicate key 'stages'" in lines[2]
    assert lines[-1] == "3 errors, 0 warnings in 1 file"


def test_validate_a_file_that_is_not_a_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.yml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "must be a mapping" in capsys.readouterr().out


def test_validate_warnings_alone_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yml"
    path.write_text("steps:\n- script: echo hi\n  displayNmae: Hi\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 errors, 1 warning in 1 file"


# ---------------------------------------------------------------- graph


def test_graph_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(FANIN)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Build",
        "MigrationPlan ← Build",
        "MigrationApply ← MigrationPlan  [condition: and(succeeded("
        "'MigrationPlan'), eq(variables['schemaChanged'], True))]",
        "Dev ← MigrationPlan, MigrationApply  [condition: and ( succeeded("
        "'MigrationPlan'), in(dependencies.MigrationApply.result, 'Succeeded', "
        "'Skipped') )]",
        "Test ← Dev  [condition: succeeded('Dev')]",
        "Staging ← Test  [condition: succeeded('Test')]",
    ]


def test_graph_text_applies_the_implicit_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.yml"
    path.write_text(
        "stages:\n- stage: A\n  jobs: []\n- stage: B\n  condition: succeeded()\n  jobs: []\n"
        "- stage: C\n  dependsOn: []\n  jobs: []\n", encoding="utf-8",
    )
    assert main(["graph", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == ["A", "B ← A", "C"]


def test_graph_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(FANIN), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in data["stages"]] == [
        "Build", "MigrationPlan", "MigrationApply", "Dev", "Test", "Staging",
    ]
    dev = data["stages"][3]
    assert dev["dependsOn"] == ["MigrationPlan", "MigrationApply"]
    assert dev["environments"] == ["dev"]
    assert dev["displayName"] == "Deploy to the dev environment"
    assert dev["kind"] == "stage"
    assert data["stages"][0]["condition"] is None
    assert ["MigrationApply", "Dev"] in data["edges"]
    assert len(data["edges"]) == 6


def test_graph_and_validate_of_a_large_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(scale_pipeline(600), encoding="utf-8")
    assert main(["graph", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["stages"]) == 600
    assert len(data["edges"]) == 599 + len(range(12, 600, 3))
    assert data["stages"][597]["dependsOn"] == ["S596", "S586"]
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == ["0 errors, 0 warnings in 1 file"]


def test_graph_dot_quotes_and_escapes_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.yml"
    path.write_text(
        'stages:\n- stage: A\n  displayName: \'Say "hi" \\ there\'\n  jobs: []\n'
        "- stage: B\n  jobs: []\n", encoding="utf-8",
    )
    assert main(["graph", str(path), "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph pipeline {\n")
    assert '  "A" [label="Say \\"hi\\" \\\\ there"];' in out.splitlines()
    assert '  "A" -> "B";' in out.splitlines()
    assert out.rstrip().endswith("}")


def test_graph_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(tmp_path / "missing.yml")]) == 2
    assert "cannot read the file" in capsys.readouterr().err


# ---------------------------------------------------------------- eval


def test_eval_process_prints_the_value_as_azure_displays_it() -> None:
    done = cli("eval", "eq(variables['Build.SourceBranchName'], 'release')",
               "--var", "Build.SourceBranchName=release")
    assert (done.returncode, done.stdout) == (0, "True\n")


def test_eval_process_syntax_error_has_a_caret_and_exits_2() -> None:
    done = cli("eval", "and(succeeded(), eq(1, 2)))")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "and(succeeded(), eq(1, 2)))",
        "                          ^",
        "error: Unexpected symbol: ')' (column 27)",
    ]


@pytest.mark.parametrize(
    ("expression", "shown"),
    [
        ("1.50", "1.5"),
        ("format('{0}-{1}', 'a', 2)", "a-2"),
        ("split('a,b', ',')", '[\n  "a",\n  "b"\n]'),
        ("variables.missing", ""),
    ],
)
def test_eval_values(expression: str, shown: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", expression]) == 0
    assert capsys.readouterr().out == shown + "\n"


def test_eval_stage_results_fill_the_dependencies(capsys: pytest.CaptureFixture[str]) -> None:
    expression = "in(dependencies.Apply.result, 'Succeeded', 'Skipped')"
    assert main(["eval", expression, "--stage-result", "Apply=skipped"]) == 0
    assert main(["eval", expression, "--stage-result", "Apply=Failed"]) == 0
    assert main(["eval", "succeeded()", "--stage-result", "Build=Failed"]) == 0
    assert capsys.readouterr().out.splitlines() == ["True", "False", "False"]


def test_eval_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "and(succeeded(), eq(variables.env, 'prod'))", "--explain",
                 "--var", "env=prod", "--stage-result", "Build=Succeeded"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "and(succeeded(), eq(variables.env, 'prod')) → True"
    assert "  succeeded() → True" in lines
    assert "    variables.env → 'prod'" in lines


def test_eval_refuses_an_unknown_stage_result(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["eval", "succeeded()", "--stage-result", "Build=Great"])
    assert exit_.value.code == 2
    assert "'Great' is not a stage result" in capsys.readouterr().err


def test_eval_refuses_a_variable_without_a_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["eval", "true", "--var", "novalue"])
    assert "expected NAME=VALUE" in capsys.readouterr().err


def test_graph_shows_templates_and_template_blocks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.yml"
    path.write_text(
        "parameters:\n- name: canary\n  type: boolean\n  default: true\nstages:\n"
        "- template: stages/build.yml\n- ${{ if parameters.canary }}:\n  - stage: Canary\n"
        "    jobs: []\n- stage: Prod\n  jobs: []\n", encoding="utf-8",
    )
    assert main(["graph", str(path), "--format", "dot"]) == 0
    dot = capsys.readouterr().out.splitlines()
    assert '  "build" [label="template: stages/build.yml", style=dashed];' in dot
    assert ('  "${{ if parameters.canary }}" [label="${{ if parameters.canary }}\\nCanary", '
            "style=dashed];") in dot
    assert main(["graph", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["kind"]) for s in data["stages"]] == [
        ("build", "template"), ("${{ if parameters.canary }}", "expression"), ("Prod", "stage"),
    ]
    assert data["edges"] == [["build", "${{ if parameters.canary }}"],
                             ["${{ if parameters.canary }}", "Prod"]]
