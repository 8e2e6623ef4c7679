"""What the model reads from a pipeline: every field, every form, with positions."""

from __future__ import annotations

import pytest

from release_manager.core.model import (
    Filter,
    Parameter,
    Pos,
    Schedule,
    Step,
    Trigger,
    Variable,
    VariableGroup,
    VariableTemplate,
)
from release_manager.core.pipeline_yaml import load, loads


def pipeline_of(text: str):
    return loads(text).pipeline


@pytest.mark.parametrize("text, trigger", [
    ("stages: []\n", Trigger()),
    ("trigger: none\n", Trigger("none")),
    ("trigger:\n- main\n- 'release/*'\n", Trigger("list", Filter(["main", "release/*"]))),
    ("trigger: [main]\n", Trigger("list", Filter(["main"]))),
    ("trigger:\n  batch: true\n  branches:\n    include: [main]\n    exclude:\n    - old/*\n"
     "  paths:\n    exclude: [docs]\n  tags:\n    include: ['v*']\n",
     Trigger("full", Filter(["main"], ["old/*"]), Filter([], ["docs"]), Filter(["v*"]),
             batch=True)),
    ("trigger: ${{ parameters.ci }}\n", Trigger("full", expression="${{ parameters.ci }}")),
])
def test_trigger_forms(text, trigger):
    assert pipeline_of(text).trigger == trigger


def test_pr_with_drafts_and_auto_cancel():
    pr = pipeline_of("pr:\n  autoCancel: false\n  drafts: true\n  branches:\n"
                     "    include:\n    - main\n").pr
    assert pr == Trigger("full", Filter(["main"]), auto_cancel=False, drafts=True)
    assert pipeline_of("pr: none\n").pr == Trigger("none")


def test_schedules_with_positions():
    pipeline = pipeline_of(
        "schedules:\n"
        "- cron: '0 3 * * *'\n"
        "  displayName: Nightly\n"
        "  branches:\n"
        "    include: [release]\n"
        "    exclude: [release/old]\n"
        "  always: true\n"
        "  batch: 'true'\n"
        "- cron: 0 0 * * 0\n")
    assert pipeline.schedules == [
        Schedule("0 3 * * *", "Nightly", Filter(["release"], ["release/old"]), always=True,
                 batch=True, pos=Pos(2, 3)),
        Schedule("0 0 * * 0", pos=Pos(9, 3)),
    ]


def test_variables_list_and_mapping_forms_keep_scalars_as_written():
    pipeline = pipeline_of(
        "variables:\n"
        "- name: verbose\n"
        "  value: false\n"
        "  readonly: true\n"
        "- name: version\n"
        "  value: 1.10\n"
        "- group: Release\n"
        "- template: vars.yml\n"
        "  parameters:\n"
        "    env: dev\n"
        "stages:\n"
        "- stage: A\n"
        "  variables:\n"
        "    empty:\n"
        "    count: 010\n"
        "    ${{ if true }}:\n"
        "      hidden: 1\n")
    assert pipeline.variables == [
        Variable("verbose", "false", readonly=True),
        Variable("version", "1.10"),
        VariableGroup("Release"),
        VariableTemplate("vars.yml", {"env": "dev"}),
    ]
    assert pipeline.stage("A").variables == [Variable("empty", ""), Variable("count", "010")]


def test_parameters_typed_defaults_and_legacy_mapping():
    pipeline = pipeline_of(
        "parameters:\n"
        "- name: audit\n"
        "  displayName: Audit mode\n"
        "  type: boolean\n"
        "  default: true\n"
        "- name: platforms\n"
        "  type: object\n"
        "  default: [x64, arm64]\n"
        "- name: image\n"
        "  default: ubuntu-latest\n"
        "  values:\n"
        "  - ubuntu-latest\n"
        "  - windows-latest\n"
        "- name: retries\n"
        "  type: number\n"
        "  default: 3\n")
    assert pipeline.parameters == [
        Parameter("audit", "boolean", True, "Audit mode"),
        Parameter("platforms", "object", ["x64", "arm64"]),
        Parameter("image", "string", "ubuntu-latest", values=["ubuntu-latest",
                                                              "windows-latest"]),
        Parameter("retries", "number", 3),
    ]
    assert pipeline_of("parameters:\n  env: dev\n").parameters == [Parameter("env",
                                                                              default="dev")]


def test_name_and_resources_raw():
    pipeline = pipeline_of(
        "name: $(Date:yyyyMMdd)$(Rev:.r)\n"
        "resources:\n"
        "  repositories:\n"
        "  - repository: templates\n"
        "    type: git\n"
        "    name: Shared/templates\n")
    assert pipeline.name == "$(Date:yyyyMMdd)$(Rev:.r)"
    assert pipeline.resources == {"repositories": [
        {"repository": "templates", "type": "git", "name": "Shared/templates"}]}


STAGES = """\
stages:
- stage: Build
  displayName: Build it
  lockBehavior: runLatest
  isSkippable: false
  pool:
    vmImage: ubuntu-latest
  jobs:
  - job: Compile
    displayName: Compile
    timeoutInMinutes: 30
    continueOnError: true
    condition: ${{ parameters.run }}
    steps:
    - checkout: self
      clean: true
    - script: make
      displayName: Make
      workingDirectory: src
      env:
        CC: gcc
    - bash: ./test.sh
      condition: succeeded()
      continueOnError: true
    - pwsh: Write-Host hi
      enabled: false
    - powershell: dir
      timeoutInMinutes: 5
    - task: PublishPipelineArtifact@1
      name: publishStep
      inputs:
        targetPath: out
        artifact: drop
    - publish: out
      artifact: drop
    - download: current
      artifact: drop
    - template: steps/test.yml
    - ${{ if eq(parameters.sign, true) }}:
      - script: sign
    - getPackage: pkg
    - reviewApp: app
    - unknownThing: 1
- stage: Deploy
  dependsOn: ${{ parameters.deps }}
  condition: 'succeeded()'
  jobs:
  - deployment: Web
    dependsOn: [Db]
    environment: prod.web01
    strategy:
      runOnce:
        preDeploy:
          steps:
          - script: echo pre
        deploy:
          steps:
          - script: echo deploy
        on:
          failure:
            steps:
            - script: echo rollback
          success:
            steps:
            - script: echo ok
  - deployment: Db
    environment:
      name: prod
      resourceName: sql01
    strategy:
      rolling:
        maxParallel: 25%
        deploy:
          steps:
          - script: echo db
  - deployment: Canary
    environment: ${{ parameters.env }}
    strategy:
      canary:
        increments: [10, 20]
        routeTraffic:
          steps:
          - script: echo route
  - template: jobs/smoke.yml
    parameters:
      url: https://example.test
- stage: Verify
  dependsOn:
  - Build
  - Deploy
  condition: >-
    and(succeeded(),
    ne(variables['Build.Reason'], 'PullRequest'))
  jobs: []
- stage: Solo
  dependsOn: []
"""


def test_stage_fields():
    pipeline = pipeline_of(STAGES)
    build, deploy, verify, solo = pipeline.stages
    assert (build.name, build.display_name, build.lock_behavior, build.is_skippable) == (
        "Build", "Build it", "runLatest", False)
    assert build.pool == {"vmImage": "ubuntu-latest"}
    assert build.depends_on is None and pipeline.dependencies("Build") == []
    assert deploy.depends_on == ["${{ parameters.deps }}"]
    assert deploy.condition == "succeeded()"
    assert verify.depends_on == ["Build", "Deploy"]
    assert verify.condition == "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))"
    assert solo.depends_on == [] and solo.condition is None
    assert deploy.environments == ["prod", "${{ parameters.env }}"]


def test_job_and_step_fields():
    compile_ = pipeline_of(STAGES).stage("Build").jobs[0]
    assert (compile_.name, compile_.kind, compile_.display_name, compile_.timeout_in_minutes,
            compile_.continue_on_error, compile_.condition) == (
        "Compile", "job", "Compile", 30, True, "${{ parameters.run }}")
    steps = compile_.steps
    assert [s.kind for s in steps] == [
        "checkout", "script", "bash", "pwsh", "powershell", "task", "publish", "download",
        "template", "expression", "getPackage", "reviewApp", "unknown"]
    assert steps[0] == Step("checkout", "self", inputs={"clean": "true"}, pos=Pos(15, 7))
    assert steps[1] == Step("script", "make", display_name="Make", working_directory="src",
                            env={"CC": "gcc"}, pos=Pos(17, 7))
    assert (steps[2].condition, steps[2].continue_on_error) == ("succeeded()", True)
    assert steps[3].enabled is False
    assert steps[4].timeout_in_minutes == 5
    assert (steps[5].task_name, steps[5].name, steps[5].inputs) == (
        "PublishPipelineArtifact", "publishStep", {"targetPath": "out", "artifact": "drop"})
    assert (steps[6].value, steps[6].inputs) == ("out", {"artifact": "drop"})
    assert (steps[7].value, steps[7].inputs) == ("current", {"artifact": "drop"})
    assert steps[8].value == "steps/test.yml"
    assert steps[9].value == "${{ if eq(parameters.sign, true) }}"


def test_deployment_jobs_environments_and_strategies():
    web, db, canary, smoke = pipeline_of(STAGES).stage("Deploy").jobs
    assert (web.kind, web.environment, web.environment_resource, web.depends_on) == (
        "deployment", "prod", "web01", ["Db"])
    assert web.strategy.kind == "runOnce"
    assert list(web.strategy.hooks) == ["preDeploy", "deploy", "on.failure", "on.success"]
    assert [s.value for s in web.all_steps()] == [
        "echo pre", "echo deploy", "echo rollback", "echo ok"]
    assert (db.environment, db.environment_resource) == ("prod", "sql01")
    assert (db.strategy.kind, db.strategy.max_parallel) == ("rolling", "25%")
    assert (canary.environment, canary.strategy.kind, canary.strategy.increments) == (
        "${{ parameters.env }}", "canary", ["10", "20"])
    assert list(canary.strategy.hooks) == ["routeTraffic"]
    assert (smoke.kind, smoke.template, smoke.parameters) == (
        "template", "jobs/smoke.yml", {"url": "https://example.test"})


def test_positions_of_stages_keys_and_condition_text():
    document = loads(STAGES)
    build, deploy, verify, _ = document.pipeline.stages
    assert build.pos == Pos(2, 3)
    assert build.key_pos["displayName"] == Pos(3, 3)
    assert build.key_pos["jobs"] == Pos(8, 3)
    assert build.jobs[0].pos == Pos(9, 5)
    assert deploy.key_pos["condition"] == Pos(46, 3)
    assert deploy.key_pos["condition.value"] == Pos(46, 15)  # inside the quotes
    assert verify.key_pos["condition.value"] == Pos(92, 5)  # first line of the block
    assert verify.source.node is document.root["stages"][2]


def test_expression_stages_are_kept_whole_with_their_inner_stages():
    pipeline = pipeline_of(
        "stages:\n"
        "- stage: Build\n"
        "- ${{ if eq(parameters.deploy, true) }}:\n"
        "  - stage: Dev\n"
        "  - ${{ each env in parameters.envs }}:\n"
        "    - stage: Deploy_${{ env }}\n"
        "  - template: stages/prod.yml\n"
        "- stage: After\n"
        "  condition: ${{ parameters.condition }}\n")
    build, block, after = pipeline.stages
    assert (block.kind, block.name, block.editable) == (
        "expression", "${{ if eq(parameters.deploy, true) }}", False)
    assert block.inner == ["Dev", "${{ each env in parameters.envs }}", "prod"]
    assert after.condition == "${{ parameters.condition }}"


@pytest.mark.parametrize("text, jobs", [
    ("jobs:\n- job: A\n- job: B\n", ["A", "B"]),
    ("pool: {vmImage: ubuntu-latest}\nsteps:\n- script: echo\n", ["__default"]),
    ("extends:\n  template: t.yml\n  parameters:\n    jobs:\n    - job: X\n", ["X"]),
])
def test_files_without_stages_have_one_implicit_stage(text, jobs):
    pipeline = pipeline_of(text)
    assert pipeline.implicit_stage
    assert pipeline.stage_names == ["__default"]
    assert [job.name for job in pipeline.stages[0].jobs] == jobs


def test_stages_passed_to_an_extended_template():
    pipeline = pipeline_of("extends:\n  template: t.yml\n  parameters:\n    stages:\n"
                           "    - stage: A\n    - stage: B\n      dependsOn: A\n")
    assert pipeline.stage_names == ["A", "B"] and not pipeline.implicit_stage


def test_stage_templates_are_resolved_from_local_files(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "deploy.yml").write_text(
        "parameters:\n- name: env\nstages:\n"
        "- stage: Deploy_${{ parameters.env }}\n  jobs:\n"
        "  - deployment: Web\n    environment: prod\n"
        "- template: nested.yml\n")
    (tmp_path / "templates" / "nested.yml").write_text(  # deploy → nested → deploy
        "stages:\n- stage: Smoke\n  jobs:\n  - deployment: Check\n    environment: smoke\n"
        "- template: deploy.yml\n")
    (tmp_path / "pipelines").mkdir()
    path = tmp_path / "pipelines" / "azure-pipelines.yml"
    path.write_text(
        "stages:\n"
        "- template: ../templates/deploy.yml\n"
        "  parameters:\n    env: prod\n"
        "- template: /templates/deploy.yml@self\n"
        "- template: missing.yml\n"
        "- template: deploy.yml@other-repo\n")
    first, rooted, missing, remote = load(path).pipeline.stages
    assert [s.kind for s in (first, rooted, missing, remote)] == ["template"] * 4
    assert (first.name, first.template, first.parameters) == (
        "deploy", "../templates/deploy.yml", {"env": "prod"})
    assert [job.name for job in first.resolved.jobs] == ["Web", "Check"]
    assert first.environments == ["prod", "smoke"]
    assert rooted.name == "deploy-2" and rooted.environments == ["prod", "smoke"]
    assert missing.resolved is None and remote.resolved is None


def test_scalars_azure_reads_as_strings_stay_strings():
    pipeline = pipeline_of("stages:\n- stage: A\n  displayName: 2024.10\n  condition: true\n"
                           "  dependsOn: [1.0]\n")
    stage = pipeline.stage("A")
    assert (stage.display_name, stage.condition, stage.depends_on) == ("2024.10", "true",
                                                                       ["1.0"])
