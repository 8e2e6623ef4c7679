"""core.schema_check: the official schema, adapted to Azure's string parser, with findings
at the position of the offending node."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from ruamel.yaml import YAML

from release_manager.core import schema_check
from release_manager.core.schema_check import SchemaFinding


def check(text: str) -> list[SchemaFinding]:
    return schema_check.check(YAML(typ="rt").load(dedent(text)))


def test_a_misspelt_key_is_reported_at_the_key_with_a_suggestion() -> None:
    [finding] = check("""\
        stages:
        - stage: Build
          jobs:
          - job: A
            steps:
            - script: echo hi
        - stage: Deploy
          dependOn: Build
          jobs: []
        """)
    assert finding.message == "unknown key 'dependOn' in stage (did you mean 'dependsOn'?)"
    assert (finding.line, finding.column) == (8, 3)
    assert not finding.is_error


def test_numbers_and_booleans_are_read_as_azure_reads_them() -> None:
    assert check("""\
        trigger: none
        pr:
          autoCancel: True
        jobs:
        - job: A
          timeoutInMinutes: 5
          continueOnError: yes
          steps:
          - script: echo hi
            enabled: false
        """) == []


def test_a_value_of_the_wrong_kind_is_reported_at_the_value() -> None:
    findings = check("""\
        steps:
        - task: Npm@1
          timeoutInMinutes: soon
        - script: echo hi
          continueOnError: maybe
        """)
    assert [(f.message, f.line, f.column) for f in findings] == [
        ("'soon' is not a valid value for 'timeoutInMinutes' (expected a whole number)", 3, 21),
        ("'maybe' is not a valid value for 'continueOnError' (expected true or false)", 5, 20),
    ]


def test_a_mapping_where_a_list_belongs() -> None:
    [finding] = check("""\
        stages:
        - stage: A
          jobs:
            job: B
        """)
    assert finding.message == "'jobs' should be a list, not a mapping"
    assert (finding.line, finding.column) == (3, 3)


def test_template_expression_keys_and_values_are_not_checked() -> None:
    assert check("""\
        parameters:
        - name: envs
          type: object
          default: [dev, prod]
        stages:
        - ${{ each env in parameters.envs }}:
          - stage: deploy_${{ env }}
            ${{ if eq(env, 'prod') }}:
              notAKey: 1
            jobs: ${{ parameters.jobs }}
        """) == []


def test_task_inputs_and_extension_tasks_are_not_checked() -> None:
    assert check("""\
        steps:
        - task: Npm@1
          inputs:
            verbose: false
            anything: $(value)
        - task: contoso.tools.deploy@3
          inputs:
            target: prod
        """) == []


def test_a_task_step_still_has_its_common_keys_checked() -> None:
    [finding] = check("""\
        steps:
        - task: Npm@1
          displayNmae: Install
        """)
    assert finding.message == "unknown key 'displayNmae' in step (did you mean 'displayName'?)"
    assert (finding.line, finding.column) == (3, 3)


def test_a_stage_template_file_is_accepted() -> None:
    assert check("""\
        parameters:
          environment: dev
        stages:
        - stage: Plan
          jobs:
          - job: Plan
            steps:
            - script: terraform plan
        """) == []


def test_a_file_with_nothing_to_run() -> None:
    [finding] = check("trigger: none\n")
    assert finding.message.startswith("nothing to run")
    assert (finding.line, finding.column) == (1, 1)


def test_the_legacy_resources_form_is_strict() -> None:
    findings = check("""\
        resources:
        - repo: self
          abc: def
        steps:
        - script: echo hi
        """)
    assert [(f.message, f.line, f.column, f.is_error) for f in findings] == [
        ("unknown key 'abc' in resources item", 3, 3, True),
    ]


def test_the_validator_is_built_once() -> None:
    assert schema_check.validator() is schema_check.validator()


@pytest.mark.corpus
def test_the_shipped_schema_is_the_official_one() -> None:
    from conftest import CONTRACTS

    shipped = schema_check.SCHEMA_PATH.read_bytes()
    assert shipped == (CONTRACTS / "azure-pipelines.schema.json").read_bytes()


def test_a_missing_schema_skips_the_check_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from release_manager.core.pipeline_yaml import loads
    from release_manager.core.validation import validate

    monkeypatch.setenv("RELEASE_MANAGER_SCHEMA", str(tmp_path / "gone.json"))
    schema_check.validator.cache_clear()
    try:
        document = loads("stages:\n- stage: A\n  dependOn: B\n  jobs: [job: A]\n", "p.yml")
        [note] = validate(document)
    finally:
        monkeypatch.undo()
        schema_check.validator.cache_clear()
    assert note.severity == "info"
    assert note.message.startswith("schema checks skipped: the pipeline schema ")
    assert "gone.json" in note.message


def test_a_value_outside_a_closed_list_names_the_allowed_ones() -> None:
    [finding] = check("""\
        stages:
        - stage: Prod
          lockBehavior: whenever
          trigger: manual
          jobs: []
        """)
    assert finding.message == (
        "'whenever' is not a valid value for 'lockBehavior' "
        "(expected one of: sequential, runLatest)"
    )
    assert (finding.line, finding.column) == (3, 17)


def test_the_legacy_resources_form_only_takes_the_self_repository() -> None:
    findings = check("resources:\n- repo: foo\nsteps:\n- script: echo hi\n")
    assert [(f.message, f.line, f.column, f.is_error) for f in findings] == [
        ("'foo' is not a valid value for 'repo' (expected 'self')", 2, 9, True),
    ]
