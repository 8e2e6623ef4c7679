"""Well-known tasks with a local meaning. Any other task is reported as having none and
skipped: never pretended to have succeeded."""

from __future__ import annotations

import glob
import shlex
import shutil
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from release_manager.core.model import PRODUCTION_SLOT, Step
from release_manager.engine.app_targets import BUILD_SETTING
from release_manager.engine.local import steps
from release_manager.engine.local.context import (
    CANCELED,
    FAILED,
    SKIPPED,
    SUCCEEDED,
    Deployed,
    JobContext,
    StepResult,
)
from release_manager.engine.local.deploy import DeploymentError

TaskRunner = Callable[[Step, JobContext, str], StepResult]


def _fail(ctx: JobContext, message: str) -> StepResult:
    ctx.log.write(f"##[error]{message}")
    return StepResult(FAILED, message)


# --------------------------------------------------------------------- script tasks


def _script_task(kind: str) -> TaskRunner:
    """CmdLine@2, Bash@3 and PowerShell@2 are the task forms of the script steps."""

    def run(step: Step, ctx: JobContext, ref: str) -> StepResult:
        chosen = kind
        if kind == "powershell" and ctx.flag(step, "pwsh", default=False):
            chosen = "pwsh"
        script = ctx.input(step, "script")
        if ctx.input(step, "targetType", default="inline").lower() == "filepath":
            path = ctx.path(ctx.input(step, "filePath"))
            arguments = ctx.input(step, "arguments")
            script = f"& '{path}' {arguments}" if chosen != "bash" else f"bash '{path}' {arguments}"
        as_step = replace(step, kind=chosen, working_directory=ctx.input(step, "workingDirectory"))
        return steps.run_script(as_step, ctx, ref, script)

    return run


# --------------------------------------------------------------------- artifacts


def _publish_pipeline_artifact(step: Step, ctx: JobContext, ref: str) -> StepResult:
    source = ctx.path(ctx.input(step, "targetPath", "path", default="$(Pipeline.Workspace)"))
    name = ctx.input(step, "artifact", "artifactName") or f"{ctx.stage.name}.{ctx.job.name}"
    return steps.publish_artifact(ctx, source, name)


def _publish_build_artifacts(step: Step, ctx: JobContext, ref: str) -> StepResult:
    source = ctx.path(ctx.input(step, "PathtoPublish",
                                default="$(Build.ArtifactStagingDirectory)"))
    return steps.publish_artifact(ctx, source, ctx.input(step, "ArtifactName") or "drop")


def _not_this_run(ctx: JobContext, what: str) -> StepResult:
    message = f"Downloading {what} has no local meaning here; skipped"
    ctx.log.write(f"##[warning]{message}")
    return StepResult(SKIPPED, message)


def _download_pipeline_artifact(step: Step, ctx: JobContext, ref: str) -> StepResult:
    source = ctx.input(step, "source", "buildType", default="current").lower()
    if source != "current":
        return _not_this_run(ctx, "artifacts of another pipeline run")
    name = ctx.input(step, "artifact", "artifactName") or None
    target = ctx.path(ctx.input(step, "targetPath", "path", "downloadPath",
                                default="$(Pipeline.Workspace)"))
    # A named artifact lands directly in the target path; all of them in subfolders.
    return steps.download_artifacts(ctx, name, target, subfolder=name is None)


def _download_build_artifacts(step: Step, ctx: JobContext, ref: str) -> StepResult:
    if ctx.input(step, "buildType", default="current").lower() != "current":
        return _not_this_run(ctx, "artifacts of another build")
    name = None
    if ctx.input(step, "downloadType", default="single").lower() == "single":
        name = ctx.input(step, "artifactName") or None
    target = ctx.path(ctx.input(step, "downloadPath", default="$(System.ArtifactsDirectory)"))
    return steps.download_artifacts(ctx, name, target, subfolder=True)


# --------------------------------------------------------------------- files


def _archive_files(step: Step, ctx: JobContext, ref: str) -> StepResult:
    root = ctx.path(ctx.input(step, "rootFolderOrFile", default="$(Build.BinariesDirectory)"))
    include_root = ctx.flag(step, "includeRootFolder", default=True)
    kind = ctx.input(step, "archiveType", default="zip").lower()
    compression = ctx.input(step, "tarCompression", default="gz").lower()
    default_name = f"$(Build.BuildId).{'zip' if kind == 'zip' else 'tar.gz'}"
    archive = ctx.path(ctx.input(step, "archiveFile",
                                 default=f"$(Build.ArtifactStagingDirectory)/{default_name}"))
    if not root.exists():
        return _fail(ctx, f"Specified root folder or file does not exist: {root}")
    if kind not in ("zip", "tar"):
        return _fail(ctx, f"Archive type '{kind}' has no local meaning here; use zip or tar")
    if ctx.flag(step, "replaceExistingArchive", default=True):
        archive.unlink(missing_ok=True)
    archive.parent.mkdir(parents=True, exist_ok=True)
    if root.is_dir():
        base = root.parent if include_root else root
        members = [root] if include_root else []
        members += sorted(root.rglob("*"))
    else:
        base, members = root.parent, [root]
    if kind == "zip":
        with zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as output:
            for member in members:
                name = member.relative_to(base).as_posix()
                if member.is_dir():
                    output.writestr(name + "/", b"")
                else:
                    output.write(member, name)
    else:
        mode = "w" if compression == "none" else f"w:{compression}"
        with tarfile.open(archive, mode) as output:
            for member in members:
                output.add(member, member.relative_to(base).as_posix(), recursive=False)
    ctx.log.write(f"Archived {len(members)} entries of {root} into {archive}")
    return StepResult(SUCCEEDED)


def _matches(source: Path, patterns: list[str]) -> list[Path]:
    """Files under `source` matching minimatch-like patterns (`**`, `!exclusions`)."""
    chosen: set[str] = set()
    for pattern in patterns:
        negate = pattern.startswith("!")
        found = glob.glob(pattern.lstrip("!"), root_dir=source, recursive=True,
                          include_hidden=True)
        files = {f for f in found if (source / f).is_file()}
        if pattern.rstrip("/").endswith("**"):
            for folder in (f for f in found if (source / f).is_dir()):
                files.update(p.relative_to(source).as_posix()
                             for p in (source / folder).rglob("*") if p.is_file())
        chosen = chosen - files if negate else chosen | files
    return [source / f for f in sorted(chosen)]


def _copy_files(step: Step, ctx: JobContext, ref: str) -> StepResult:
    source = ctx.path(ctx.input(step, "SourceFolder", default="$(Build.SourcesDirectory)"))
    target_text = ctx.input(step, "TargetFolder")
    if not target_text:
        return _fail(ctx, "Input required: TargetFolder")
    target = ctx.path(target_text)
    patterns = [p.strip() for p in ctx.input(step, "Contents", default="**").splitlines()
                if p.strip()]
    if not source.is_dir():
        return _fail(ctx, f"Source folder not found: {source}")
    if ctx.flag(step, "CleanTargetFolder", default=False) and target.is_dir():
        shutil.rmtree(target)
    overwrite = ctx.flag(step, "OverWrite", default=False)
    flatten = ctx.flag(step, "flattenFolders", default=False)
    copied = 0
    for file in _matches(source, patterns):
        destination = target / (file.name if flatten else file.relative_to(source))
        if destination.exists() and not overwrite:
            ctx.log.write(f"Skipped {destination}: it exists and OverWrite is false")
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, destination)
        copied += 1
    ctx.log.write(f"Copied {copied} file{'s' if copied != 1 else ''} from {source} to {target}")
    return StepResult(SUCCEEDED)


# --------------------------------------------------------------------- deployment


def _slot(step: Step, ctx: JobContext, environment: str) -> str:
    """The slot a web app deployment goes to: the task's `deployToSlotOrASE` and
    `slotName` when it names one, else the environment's target slot."""
    if ctx.flag(step, "deployToSlotOrASE", default=False):
        return ctx.input(step, "slotName", "SlotName", default=PRODUCTION_SLOT) \
            or PRODUCTION_SLOT
    settings = ctx.pipeline.environments.get(environment)
    target = settings.app_service if settings is not None else None
    return target.slot if target is not None else PRODUCTION_SLOT


def app_settings(text: str) -> dict[str, str]:
    """The task's `appSettings` input (`-NAME value -OTHER "a value"`) as a mapping."""
    words = shlex.split(text, posix=True)
    settings: dict[str, str] = {}
    while words:
        name = words.pop(0)
        if not name.startswith("-") or len(name) < 2:
            raise DeploymentError(f"appSettings: expected -NAME value, found {name!r}")
        settings[name[1:]] = words.pop(0) if words and not words[0].startswith("-") else ""
    return settings


def _deploy_web_app(step: Step, ctx: JobContext, ref: str) -> StepResult:
    pattern = ctx.input(step, "package", "packageForLinux", "Package",
                        default="$(System.DefaultWorkingDirectory)/**/*.zip")
    candidates = sorted(glob.glob(str(ctx.path(pattern)), recursive=True))
    if not candidates:
        return _fail(ctx, f"No package found with specified pattern: {pattern}")
    if len(candidates) > 1:
        return _fail(ctx, f"More than one package matched with specified pattern: {pattern}. "
                          "Please restrain the search pattern.")
    environment = ctx.environment or ctx.input(step, "appName", "WebAppName")
    if not environment:
        return _fail(ctx, "Deploying a web app locally needs a deployment job with an "
                          "environment (or an appName) to deploy into")
    package = Path(candidates[0])
    slot = _slot(step, ctx, environment)
    where = environment if slot == PRODUCTION_SLOT else f"{environment} (slot {slot})"
    if ctx.input(step, "azureSubscription", "ConnectedServiceName"):
        ctx.log.write("The Azure subscription and app name are Azure settings; locally the "
                      f"release goes into the folder of environment '{environment}'"
                      + (f", slot '{slot}'." if slot != PRODUCTION_SLOT else "."))
    folders = ctx.environments
    run = ctx.run
    try:
        settings = {**app_settings(ctx.input(step, "appSettings", "AppSettings")),
                    BUILD_SETTING: str(run.run_id)}
        previous = folders.current_run(environment, slot)
        path = folders.install(environment, run.run_id, package, {
            "commit": run.commit, "build_created": run.created, "branch": run.branch,
            "reason": run.reason,
            "requested_by": run.requested_by, "package": package.name,
            "stage": ctx.stage.name, "pipeline": ctx.pipeline.name,
            "slot": slot, "app_settings": settings,
        })
        ctx.log.write(f"Unpacked {package.name} into {path}")
        if ctx.cancel.cancelled:
            ctx.log.write("##[error]The operation was canceled before the switch; "
                          f"{where} stays on its previous release.")
            return StepResult(CANCELED, "canceled before the new release was switched on")
        folders.switch(environment, run.run_id, slot)
    except (DeploymentError, OSError, ValueError, zipfile.BadZipFile,
            tarfile.TarError) as error:
        return _fail(ctx, f"Deployment to {where} failed: {error}")
    ctx.deployed.append(Deployed(environment, run.run_id, previous, path, slot))
    before = f"release {previous}" if previous is not None else "no release"
    ctx.log.write(f"Release {run.run_id} is now current in {where} (was {before}).")
    return StepResult(SUCCEEDED)


TASKS: dict[str, TaskRunner] = {
    "cmdline": _script_task("script"),
    "bash": _script_task("bash"),
    "powershell": _script_task("powershell"),
    "publishpipelineartifact": _publish_pipeline_artifact,
    "publishbuildartifacts": _publish_build_artifacts,
    "downloadpipelineartifact": _download_pipeline_artifact,
    "downloadbuildartifacts": _download_build_artifacts,
    "archivefiles": _archive_files,
    "copyfiles": _copy_files,
    "azurewebapp": _deploy_web_app,
    "azurermwebappdeployment": _deploy_web_app,
}


def run_task(step: Step, ctx: JobContext, ref: str) -> StepResult:
    runner = TASKS.get(step.task_name.lower())
    if runner is None:
        message = f"Task {step.value} has no local meaning here; skipped"
        ctx.log.write(f"##[warning]{message}")
        return StepResult(SKIPPED, message)
    return runner(step, ctx, ref)
