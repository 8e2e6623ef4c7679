"""Well-known tasks with a local meaning, and the honest skip of the others."""

from __future__ import annotations

import sys
import tarfile
import zipfile

import pytest
from local_support import job_stage, run, run_context

from release_manager.core.model import Step
from release_manager.engine.local.backend import LocalBackend

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX paths")


@pytest.fixture
def backend(tmp_path):
    workspace = tmp_path / "ws"
    (workspace / "site" / "img").mkdir(parents=True)
    (workspace / "site" / "index.html").write_text("<h1>hi</h1>\n")
    (workspace / "site" / "img" / "ship.svg").write_text("<svg/>\n")
    (workspace / "site" / "notes.md").write_text("notes\n")
    return LocalBackend(workspace)


def work(backend: LocalBackend, run_id: int = 1, stage: str = "Build"):
    return backend.workspace / ".release-manager" / "work" / str(run_id) / stage


def test_a_task_without_local_meaning_is_skipped_with_a_warning(backend):
    pipeline, stage = job_stage(Step("task", "DotNetCoreCLI@2", inputs={"command": "build"}))
    outcome, log = run(backend, pipeline, stage)
    assert "##[warning]Task DotNetCoreCLI@2 has no local meaning here; skipped" in log.lines
    assert [(s.result, s.step) for s in outcome.steps] == [("Skipped", "DotNetCoreCLI")]
    # The step was not done, so the stage cannot claim a clean success.
    assert outcome.result == "SucceededWithIssues"
    assert outcome.message == (
        "DotNetCoreCLI: Task DotNetCoreCLI@2 has no local meaning here; skipped")


def test_archive_files_as_zip_without_the_root_folder(backend):
    pipeline, stage = job_stage(Step("task", "ArchiveFiles@2", inputs={
        "rootFolderOrFile": "site", "includeRootFolder": "false", "archiveType": "zip",
        "archiveFile": "$(Build.ArtifactStagingDirectory)/$(Build.BuildId).zip"}))
    outcome, _ = run(backend, pipeline, stage, run_context(5))
    assert outcome.result == "Succeeded"
    with zipfile.ZipFile(work(backend, 5) / "a" / "5.zip") as archive:
        names = set(archive.namelist())
        assert {"index.html", "img/ship.svg", "notes.md"} <= names
        assert archive.read("index.html") == b"<h1>hi</h1>\n"


def test_archive_files_as_tar_with_the_root_folder(backend):
    pipeline, stage = job_stage(Step("task", "ArchiveFiles@2", inputs={
        "rootFolderOrFile": "site", "archiveType": "tar", "tarCompression": "gz",
        "archiveFile": "out/site.tar.gz"}))
    outcome, _ = run(backend, pipeline, stage)
    assert outcome.result == "Succeeded"
    with tarfile.open(work(backend) / "s" / "out" / "site.tar.gz") as archive:
        assert {"site", "site/index.html", "site/img/ship.svg"} <= set(archive.getnames())


def test_archive_files_of_a_missing_folder_fails(backend):
    pipeline, stage = job_stage(Step("task", "ArchiveFiles@2",
                                     inputs={"rootFolderOrFile": "nothing"}))
    outcome, _ = run(backend, pipeline, stage)
    assert outcome.result == "Failed"
    assert "Specified root folder or file does not exist" in outcome.message


def test_copy_files_with_globs_exclusions_clean_and_overwrite(backend):
    target = backend.workspace / "target-outside"
    target.mkdir()
    (target / "stale.txt").write_text("old\n")
    pipeline, stage = job_stage(Step("task", "CopyFiles@2", inputs={
        "SourceFolder": "site", "Contents": "**\n!**/*.md", "TargetFolder": str(target),
        "CleanTargetFolder": True}))
    outcome, _ = run(backend, pipeline, stage)
    assert outcome.result == "Succeeded"
    copied = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert copied == ["img/ship.svg", "index.html"]

    (target / "index.html").write_text("changed\n")
    step = Step("task", "CopyFiles@2", inputs={
        "SourceFolder": "site", "Contents": "*.html", "TargetFolder": str(target)})
    pipeline, stage = job_stage(step)
    run(backend, pipeline, stage)
    assert (target / "index.html").read_text() == "changed\n"  # OverWrite is false
    step.inputs["OverWrite"] = "true"
    run(backend, pipeline, stage)
    assert (target / "index.html").read_text() == "<h1>hi</h1>\n"


def test_publish_then_download_in_a_later_stage(backend):
    pipeline, stage = job_stage(
        Step("task", "PublishPipelineArtifact@1", inputs={"targetPath": "site",
                                                          "artifact": "web"}),
        Step("task", "PublishBuildArtifacts@1", inputs={"PathtoPublish": "site/notes.md"}),
    )
    outcome, log = run(backend, pipeline, stage, run_context(9))
    assert outcome.result == "Succeeded"
    stored = backend.workspace / ".release-manager" / "artifacts" / "9"
    assert (stored / "web" / "img" / "ship.svg").is_file()
    assert (stored / "drop" / "notes.md").is_file()  # PublishBuildArtifacts' default name
    assert "Published" in log.text

    pipeline, stage = job_stage(
        Step("task", "DownloadPipelineArtifact@2",
             inputs={"artifact": "web", "targetPath": "$(Pipeline.Workspace)/w"}),
        Step("download", "current"),
        Step("script", "ls $(Pipeline.Workspace)/w $(Pipeline.Workspace)/drop"),
        name="Deploy",
    )
    outcome, log = run(backend, pipeline, stage, run_context(9))
    assert outcome.result == "Succeeded"
    deploy = work(backend, 9, "Deploy")
    assert (deploy / "w" / "index.html").is_file()  # a named artifact: no subfolder
    assert (deploy / "web" / "index.html").is_file()  # download: current, by name
    assert (deploy / "drop" / "notes.md").is_file()


def test_downloading_an_artifact_that_was_never_published_fails(backend):
    pipeline, stage = job_stage(Step("download", "current", inputs={"artifact": "drop"}))
    outcome, _ = run(backend, pipeline, stage, run_context(3))
    assert outcome.result == "Failed"
    assert outcome.message.endswith("Artifact 'drop' was not published by run 3 (published: none)")


def test_checkout_self_says_the_workspace_is_the_source(backend):
    pipeline, stage = job_stage(Step("checkout", "self"), Step("checkout", "other-repo"))
    outcome, log = run(backend, pipeline, stage)
    assert [s.result for s in outcome.steps] == ["Succeeded", "Skipped"]
    assert any(line.startswith("The workspace is the source: nothing to check out.")
               for line in log.lines)


def test_script_tasks_run_like_their_steps(backend):
    pipeline, stage = job_stage(
        Step("task", "CmdLine@2", inputs={"script": "echo from cmdline $(Build.BuildId)"}),
        Step("task", "Bash@3", inputs={"targetType": "inline", "script": "echo from bash; pwd",
                                       "workingDirectory": "site"}),
    )
    outcome, log = run(backend, pipeline, stage, run_context(6))
    assert outcome.result == "Succeeded"
    assert "from cmdline 6" in log.lines and "from bash" in log.lines
    assert str(work(backend, 6) / "s" / "site") in log.lines
