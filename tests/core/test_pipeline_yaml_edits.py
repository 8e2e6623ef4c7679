"""Each kind of model edit writes exactly the expected text, and the text reads back."""

from __future__ import annotations

import difflib

import pytest

from release_manager.core.model import Filter, ModelError, Pipeline, Schedule, Trigger
from release_manager.core.pipeline_yaml import PipelineDocument, PipelineWriteError, load, loads

FIXTURE = """\
# Release pipeline
trigger:
- main

variables:
  buildConfiguration: 'Release'

stages:
- stage: Build
  displayName: 'Build the app'
  jobs:
  - job: Build
    steps:
    - script: echo build

# Dev gets every build from main
- stage: Dev
  dependsOn: Build
  condition: |
    and(
      succeeded(),
      eq(variables['Build.SourceBranchName'], 'main')
    )
  jobs:
  - deployment: Deploy
    environment: dev
    strategy:
      runOnce:
        deploy:
          steps:
          - script: echo deploy

- stage: Test
  displayName: Test
  dependsOn:
  - Dev
  jobs:
  - deployment: Deploy
    environment:
      name: test
    strategy:
      runOnce:
        deploy:
          steps:
          - script: echo test
"""

STARTER = "  jobs:\n  - job: Job\n    steps:\n    - script: echo Add the steps of this stage here\n"
"""The job a new stage starts with (`model.starter_job`), at the file's indentation."""
DEPLOY_STEPS = "          steps:\n          - script: echo Deploying to $(Environment.Name)\n"
"""The deploy hook of a new Deploy job."""

BUILD = """\
- stage: Build
  displayName: 'Build the app'
  jobs:
  - job: Build
    steps:
    - script: echo build

"""
DEV = """\
# Dev gets every build from main
- stage: Dev
  dependsOn: Build
  condition: |
    and(
      succeeded(),
      eq(variables['Build.SourceBranchName'], 'main')
    )
  jobs:
  - deployment: Deploy
    environment: dev
    strategy:
      runOnce:
        deploy:
          steps:
          - script: echo deploy
"""
TEST = """\
- stage: Test
  displayName: Test
  dependsOn:
  - Dev
  jobs:
  - deployment: Deploy
    environment:
      name: test
    strategy:
      runOnce:
        deploy:
          steps:
          - script: echo test
"""
DEV_CONDITION = """\
  condition: |
    and(
      succeeded(),
      eq(variables['Build.SourceBranchName'], 'main')
    )
"""


def swap(text: str, pairs: dict[str, str]) -> str:
    """`text` with each snippet, which must occur exactly once, replaced."""
    for old, new in pairs.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def check(document: PipelineDocument, expected: str) -> Pipeline:
    """The written text is `expected`, and reading it back gives the edited model."""
    assert document.dumps() == expected
    reread = loads(expected).pipeline
    edited_model = document.pipeline
    assert reread.stage_names == edited_model.stage_names
    for name in reread.stage_names:
        again, now = reread.stage(name), edited_model.stage(name)
        assert reread.dependencies(name) == edited_model.dependencies(name)
        assert (again.condition or "").strip() == (now.condition or "").strip()
        assert again.display_name == now.display_name
        assert again.environments == now.environments
        assert again.lock_behavior == now.lock_behavior
        assert again.is_skippable == now.is_skippable
    assert reread.trigger == edited_model.trigger
    assert reread.pr == edited_model.pr
    assert [(s.cron, s.display_name, s.branches, s.always, s.batch) for s in reread.schedules] \
        == [(s.cron, s.display_name, s.branches, s.always, s.batch)
            for s in edited_model.schedules]
    return reread


@pytest.fixture
def document() -> PipelineDocument:
    return loads(FIXTURE)


def test_no_edit_writes_the_file_back_unchanged(document):
    assert document.dumps() == FIXTURE
    assert not document.is_modified()


def test_rename_changes_the_stage_line_and_the_dependency(document):
    document.pipeline.rename_stage("Dev", "Development")
    expected = swap(FIXTURE, {"- stage: Dev\n": "- stage: Development\n",
                              "  - Dev\n": "  - Development\n"})
    check(document, expected)
    assert document.changed_lines() == {17, 36}


def test_rename_keeps_the_quoting_of_the_stage_name():
    document = loads(FIXTURE.replace("- stage: Build", "- stage: 'Build'"))
    document.pipeline.rename_stage("Build", "Compile")
    assert document.dumps() == swap(FIXTURE, {
        "- stage: Build\n": "- stage: 'Compile'\n", "dependsOn: Build": "dependsOn: Compile"})


def test_display_name_is_replaced_inserted_and_removed(document):
    pipeline = document.pipeline
    pipeline.set_display_name("Build", "Compile")
    pipeline.set_display_name("Dev", "Deploy to dev")
    pipeline.set_display_name("Test", "")
    check(document, swap(FIXTURE, {
        "'Build the app'": "'Compile'",
        "- stage: Dev\n": "- stage: Dev\n  displayName: Deploy to dev\n",
        "  displayName: Test\n": "",
    }))


def test_condition_replaces_a_block_scalar_and_is_inserted_where_absent(document):
    pipeline = document.pipeline
    pipeline.set_condition("Dev", "eq(variables['x'], 'y')")
    pipeline.set_condition("Build", "always()")
    pipeline.set_condition("Test", "and(\n  succeeded(),\n  true\n)")
    check(document, swap(FIXTURE, {
        DEV_CONDITION: "  condition: eq(variables['x'], 'y')\n",
        "  displayName: 'Build the app'\n":
            "  displayName: 'Build the app'\n  condition: always()\n",
        "  - Dev\n  jobs:":
            "  - Dev\n  condition: |-\n    and(\n      succeeded(),\n      true\n    )\n  jobs:",
    }))


def test_condition_removed_takes_all_its_lines(document):
    document.pipeline.set_condition("Dev", None)
    check(document, swap(FIXTURE, {DEV_CONDITION: ""}))
    assert document.changed_lines() == set()  # only lines removed


def test_depends_on_empty_scalar_and_list_follow_the_file(document):
    pipeline = document.pipeline
    pipeline.set_depends_on("Dev", [])
    pipeline.set_depends_on("Test", ["Build", "Dev"])
    pipeline.set_depends_on("Build", [])
    check(document, swap(FIXTURE, {
        "  displayName: 'Build the app'\n": "  displayName: 'Build the app'\n  dependsOn: []\n",
        "  dependsOn: Build\n": "  dependsOn: []\n",
        "  - Dev\n": "  - Build\n  - Dev\n",
    }))


def test_depends_on_removed_and_list_item_replaced(document):
    document.pipeline.set_depends_on("Test", ["Build"])
    document.pipeline.set_depends_on("Dev", None)
    check(document, swap(FIXTURE, {"  dependsOn: Build\n": "", "  - Dev\n": "  - Build\n"}))


def test_scalar_depends_on_becomes_a_block_list_in_the_file_style(document):
    pipeline = document.pipeline
    pipeline.add_stage("Lint", index=1)
    pipeline.connect("Lint", "Dev")
    expected = swap(FIXTURE, {"  dependsOn: Build\n": "  dependsOn:\n  - Build\n  - Lint\n"})
    check(document, swap(expected, {
        BUILD: BUILD + "- stage: Lint\n  dependsOn: Build\n" + STARTER + "\n"}))


def test_flow_depends_on_stays_flow():
    document = loads(FIXTURE.replace("  dependsOn:\n  - Dev\n", "  dependsOn: [Dev]\n"))
    document.pipeline.connect("Build", "Test")
    assert document.dumps() == FIXTURE.replace(
        "  dependsOn:\n  - Dev\n", "  dependsOn: [Dev, Build]\n")


def test_lock_behavior_and_is_skippable(document):
    document.pipeline.stage("Dev").lock_behavior = "sequential"
    document.pipeline.stage("Test").is_skippable = False
    check(document, swap(FIXTURE, {
        DEV_CONDITION: DEV_CONDITION + "  lockBehavior: sequential\n",
        "  - Dev\n": "  - Dev\n  isSkippable: false\n",
    }))


def test_environment_scalar_mapping_and_a_new_deployment_job(document):
    pipeline = document.pipeline
    pipeline.set_environment("Dev", "development")
    pipeline.set_environment("Test", "qa")
    pipeline.set_environment("Build", "ci")
    check(document, swap(FIXTURE, {
        "    environment: dev\n": "    environment: development\n",
        "      name: test\n": "      name: qa\n",
        "    - script: echo build\n": (
            "    - script: echo build\n"
            "  - deployment: Deploy\n"
            "    environment: ci\n"
            "    strategy:\n"
            "      runOnce:\n"
            "        deploy:\n" + DEPLOY_STEPS),
    }))


def test_new_stage_at_the_end_with_an_environment(document):
    pipeline = document.pipeline
    pipeline.add_stage("Prod", display_name="Production")
    pipeline.set_environment("Prod", "prod")
    check(document, FIXTURE + (
        "\n"
        "- stage: Prod\n"
        "  displayName: Production\n"
        "  dependsOn: Test\n" + STARTER +
        "  - deployment: Deploy\n"
        "    environment: prod\n"
        "    strategy:\n"
        "      runOnce:\n"
        "        deploy:\n" + DEPLOY_STEPS))


def test_new_stage_in_the_middle_keeps_the_comment_with_its_stage(document):
    document.pipeline.add_stage("Lint", index=1)
    check(document, swap(FIXTURE, {
        BUILD: BUILD + "- stage: Lint\n  dependsOn: Build\n" + STARTER + "\n"}))


def test_removing_a_stage_takes_its_own_comment(document):
    document.pipeline.remove_stage("Dev")
    check(document, swap(FIXTURE, {DEV + "\n": "", "  - Dev\n": "  - Build\n"}))


def test_removing_the_first_stage_keeps_the_next_stages_comment(document):
    document.pipeline.remove_stage("Build")
    check(document, swap(FIXTURE, {BUILD: "", "  dependsOn: Build\n": "  dependsOn: []\n"}))


def test_removing_the_last_stage_takes_the_blank_line_before_it(document):
    document.pipeline.remove_stage("Test")
    check(document, swap(FIXTURE, {"\n" + TEST: ""}))


def test_reordering_moves_whole_blocks(document):
    pipeline = document.pipeline
    pipeline.reorder_stage("Test", 0)
    build = BUILD.replace("  jobs:", "  dependsOn: []\n  jobs:", 1)
    check(document, swap(FIXTURE, {BUILD + DEV + "\n" + TEST: TEST + "\n" + build + DEV}))


def test_schedules_inserted_before_the_stages(document):
    document.pipeline.add_schedule(Schedule("0 3 * * *", "Nightly", Filter(["main"])))
    check(document, swap(FIXTURE, {"\nstages:\n": (
        "\nschedules:\n- cron: 0 3 * * *\n  displayName: Nightly\n  branches:\n"
        "    include:\n    - main\n\nstages:\n")}))


SCHEDULED = FIXTURE.replace("\nstages:\n", """
schedules:
    - cron: '0 3 * * *'
      displayName: Deploy every day at 3 A.M.
      branches:
        include:
        - release
      always: false

stages:
""")


def test_schedule_edited_in_place_in_its_own_indentation():
    document = loads(SCHEDULED)
    pipeline = document.pipeline
    pipeline.set_schedule(0, Schedule("0 4 * * *", "Nightly", Filter(["release", "main"]),
                                      always=True))
    check(document, swap(SCHEDULED, {
        "'0 3 * * *'": "'0 4 * * *'",
        "Deploy every day at 3 A.M.": "Nightly",
        "        - release\n": "        - release\n        - main\n",
        "always: false": "always: true",
    }))


def test_schedule_added_after_an_existing_one_and_removed():
    document = loads(SCHEDULED)
    document.pipeline.add_schedule(Schedule("0 5 * * 1", batch=True))
    check(document, swap(SCHEDULED, {
        "      always: false\n":
            "      always: false\n    - cron: 0 5 * * 1\n      batch: true\n"}))
    document.pipeline.remove_schedule(1)
    document.pipeline.remove_schedule(0)
    check(document, FIXTURE)


def test_trigger_and_pr_are_re_emitted(document):
    document.pipeline.trigger = Trigger("none")
    document.pipeline.pr = Trigger("full", branches=Filter(["main"]),
                                   paths=Filter([], ["docs/*"]))
    check(document, swap(FIXTURE, {"trigger:\n- main\n": (
        "trigger: none\npr:\n  branches:\n    include:\n    - main\n"
        "  paths:\n    exclude:\n    - docs/*\n")}))


def test_trigger_list_and_batch_mapping(document):
    document.pipeline.trigger = Trigger("full", branches=Filter(["main", "release/*"]),
                                        batch=True)
    check(document, swap(FIXTURE, {"trigger:\n- main\n": (
        "trigger:\n  batch: true\n  branches:\n    include:\n    - main\n    - release/*\n")}))
    document.pipeline.trigger = Trigger()
    check(document, swap(FIXTURE, {"trigger:\n- main\n": ""}))


INDENTED = """\
stages:
  - stage: A
    jobs:
      - job: A
        steps:
          - script: echo a
  - stage: B
    dependsOn:
      - A
    jobs:
      - job: B
        steps:
          - script: echo b
"""


def test_a_file_that_indents_its_lists_gets_new_stages_indented():
    document = loads(INDENTED)
    pipeline = document.pipeline
    pipeline.add_stage("C", depends_on=["A", "B"])
    pipeline.set_environment("C", "prod")
    check(document, INDENTED + (
        "  - stage: C\n"
        "    dependsOn:\n"
        "      - A\n"
        "      - B\n"
        "    jobs:\n"
        "      - job: Job\n"
        "        steps:\n"
        "          - script: echo Add the steps of this stage here\n"
        "      - deployment: Deploy\n"
        "        environment: prod\n"
        "        strategy:\n"
        "          runOnce:\n"
        "            deploy:\n"
        "              steps:\n"
        "                - script: echo Deploying to $(Environment.Name)\n"))


def test_crlf_files_stay_crlf(tmp_path):
    path = tmp_path / "azure-pipelines.yml"
    path.write_bytes(FIXTURE.replace("\n", "\r\n").encode())
    document = load(path)
    assert document.dumps() == FIXTURE.replace("\n", "\r\n")
    document.pipeline.set_condition("Build", "always()")
    document.pipeline.add_stage("Prod")
    document.save()
    expected = swap(FIXTURE, {
        "  displayName: 'Build the app'\n": "  displayName: 'Build the app'\n"
                                            "  condition: always()\n",
    }) + "\n- stage: Prod\n  dependsOn: Test\n" + STARTER
    assert path.read_bytes() == expected.replace("\n", "\r\n").encode()


def test_save_is_atomic_keeps_the_bom_and_rebases(tmp_path):
    path = tmp_path / "azure-pipelines.yml"
    path.write_bytes(b"\xef\xbb\xbf" + FIXTURE.encode())
    path.chmod(0o640)
    document = load(path)
    document.pipeline.set_display_name("Test", "Testing")
    document.save()
    assert path.read_bytes() == b"\xef\xbb\xbf" + FIXTURE.replace(
        "displayName: Test\n", "displayName: Testing\n").encode()
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["azure-pipelines.yml"]
    assert not document.is_modified()
    document.pipeline.rename_stage("Test", "QA")
    document.save()
    assert load(path).pipeline.stage_names == ["Build", "Dev", "QA"]
    assert "- stage: QA\n  displayName: Testing\n" in path.read_text(encoding="utf-8-sig")


def test_undo_by_restoring_a_snapshot_gives_the_original_back(document):
    before = document.pipeline.snapshot()
    document.pipeline.remove_stage("Dev")
    document.pipeline.add_stage("Prod")
    document.pipeline.restore(before)
    assert document.dumps() == FIXTURE


def _difflib_changed(before: str, after: str) -> set[int]:
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(),
                                      autojunk=False)
    return {j + 1 for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal"
            for j in range(j1, j2)}


@pytest.mark.parametrize("edit", [
    lambda p: p.set_display_name("Dev", "Deploy to dev"),
    lambda p: p.set_condition("Build", "always()"),
    lambda p: p.set_condition("Dev", "always()"),
    lambda p: p.add_stage("Lint", index=1),
    lambda p: p.remove_stage("Dev"),
    lambda p: (p.add_stage("Prod"), p.set_environment("Prod", "prod")),
    lambda p: p.add_schedule(Schedule("0 3 * * *")),
    lambda p: p.reorder_stage("Build", 2),
])
def test_changed_lines_are_the_lines_a_diff_shows(document, edit):
    """Blank lines aside: a diff may place an inserted blank line before or after a block."""
    edit(document.pipeline)
    lines = document.dumps().splitlines()

    def shown(numbers: set[int]) -> set[int]:
        return {n for n in numbers if lines[n - 1].strip()}

    assert shown(document.changed_lines()) == shown(_difflib_changed(FIXTURE, document.dumps()))
    assert shown(document.changed_lines())


def test_jobs_only_pipeline_takes_job_edits_but_refuses_new_stages():
    text = "trigger: none\njobs:\n- job: Build\n  steps:\n  - script: make\n"
    document = loads(text)
    document.pipeline.set_environment("__default", "dev")
    check(document, text + (
        "- deployment: Deploy\n  environment: dev\n  strategy:\n    runOnce:\n"
        "      deploy:\n        steps:\n        - script: echo Deploying to $(Environment.Name)\n"))
    document.pipeline.add_stage("Later")
    with pytest.raises(PipelineWriteError, match="no stages: list"):
        document.dumps()


def test_a_pipeline_without_stages_gets_a_stages_list():
    document = loads("trigger: none\n")
    document.pipeline.add_stage("First")
    check(document, "trigger: none\nstages:\n- stage: First\n  dependsOn: []\n" + STARTER)


def test_old_mac_line_breaks_are_kept():
    text = "stages:\r- stage: A\r  displayName: x\r- stage: B\r"
    document = loads(text)
    document.pipeline.set_condition("A", "always()")
    document.pipeline.add_stage("C")
    check(document, "stages:\r- stage: A\r  displayName: x\r  condition: always()\r"
                    "- stage: B\r- stage: C\r  dependsOn: B\r" + STARTER.replace("\n", "\r"))


def test_an_empty_depends_on_list_takes_the_usual_forms():
    text = "stages:\n- stage: A\n- stage: B\n  dependsOn: []\n- stage: C\n  dependsOn: []\n"
    document = loads(text)
    document.pipeline.set_depends_on("B", ["A"])
    document.pipeline.set_depends_on("C", ["A", "B"])
    check(document, "stages:\n- stage: A\n- stage: B\n  dependsOn: A\n- stage: C\n"
                    "  dependsOn:\n  - A\n  - B\n")


def test_a_deployment_job_for_a_stage_without_jobs():
    text = "stages:\n- stage: A\n  dependsOn: []  # first\n- stage: B\n  jobs: []\n"
    document = loads(text)
    document.pipeline.set_environment("A", "dev")
    document.pipeline.set_environment("B", "prod")
    deploy = ("  - deployment: Deploy\n    environment: {}\n    strategy:\n      runOnce:\n"
              "        deploy:\n" + DEPLOY_STEPS)
    check(document, "stages:\n- stage: A\n  dependsOn: []  # first\n  jobs:\n"
                    + deploy.format("dev") + "- stage: B\n  jobs:\n" + deploy.format("prod"))


def test_the_run_name_is_inserted_replaced_and_removed(document):
    document.pipeline.name = "$(Date:yyyyMMdd)$(Rev:.r)"
    check(document, swap(FIXTURE, {"trigger:\n": "name: $(Date:yyyyMMdd)$(Rev:.r)\ntrigger:\n"}))
    edited = loads(document.dumps())
    edited.pipeline.name = "release-$(Rev:r)"
    assert edited.dumps() == swap(FIXTURE, {"trigger:\n": "name: release-$(Rev:r)\ntrigger:\n"})
    edited.pipeline.name = ""
    assert edited.dumps() == FIXTURE


def test_a_state_from_before_a_save_gives_back_its_text_and_saved_stays_the_file(tmp_path):
    path = tmp_path / "azure-pipelines.yml"
    original = ("stages:\n- stage: A  # first\n  jobs:\n  - job: J\n    timeoutInMinutes: 5\n"
                "- stage: B\n  jobs:\n  - job: K\n")
    path.write_text(original, encoding="utf-8")
    document = load(path)
    before = document.state()
    document.pipeline.remove_stage("A")
    document.save()
    assert "stage: A" not in path.read_text(encoding="utf-8")

    document.restore(before)  # what undo does
    assert document.dumps() == original
    assert [stage.name for stage in document.saved.stages] == ["B"]  # the file as saved
    document.save()
    assert path.read_text(encoding="utf-8") == original
    assert [stage.name for stage in document.saved.stages] == ["A", "B"]


def test_the_implicit_stage_of_a_jobs_only_file_refuses_what_its_yaml_cannot_hold() -> None:
    """A file with only `jobs:` has no stage to name or condition: renaming its implicit
    stage (or giving it a condition, a display name, dependencies) is refused as it is
    asked for, never accepted and then dropped by the save."""
    text = "pool:\n  vmImage: ubuntu-22.04\n\njobs:\n- job: Lint\n  steps:\n  - script: make lint\n"
    document = loads(text)
    pipeline = document.pipeline
    (stage,) = pipeline.stages
    for edit in (lambda: pipeline.rename_stage(stage.name, "Canary"),
                 lambda: pipeline.set_condition(stage.name, "always()"),
                 lambda: pipeline.set_display_name(stage.name, "Checks"),
                 lambda: pipeline.set_depends_on(stage.name, [])):
        with pytest.raises(ModelError, match="no stages: list"):
            edit()
    assert document.dumps() == text


# --------------------------------------------------------------------- written, then read


def _positions(document: PipelineDocument) -> list:
    return [(stage.name, stage.pos, dict(stage.key_pos), [job.pos for job in stage.jobs])
            for stage in document.pipeline.stages]


def test_a_written_text_read_back_takes_the_positions_a_fresh_load_gives(tmp_path):
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(FIXTURE, encoding="utf-8")
    document = load(path)
    document.pipeline.add_stage("Extra", index=0)
    _, text = document.write()
    assert not document.is_modified()
    assert document.adopt(document.read_saved(text))

    assert document.text == text == path.read_text(encoding="utf-8")
    assert _positions(document) == _positions(load(path))
    document.pipeline.rename_stage("Extra", "First")
    assert document.dumps() == text.replace("stage: Extra", "stage: First")


def test_an_edit_made_before_the_written_text_is_read_back_is_kept(tmp_path):
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(FIXTURE, encoding="utf-8")
    document = load(path)
    document.pipeline.add_stage("Extra")
    _, written = document.write()
    reading = document.read_saved(written)  # as on a worker, while the user goes on
    document.pipeline.set_display_name("Extra", "Added later")

    assert not document.adopt(reading)
    assert document.is_modified()
    assert [s.name for s in document.saved.stages][-1] == "Extra"
    document.save()
    assert path.read_text(encoding="utf-8") == document.dumps()
    assert "displayName: Added later" in document.dumps()
    assert load(path).pipeline.stage("Extra").display_name == "Added later"
