"""Running one step: script steps as real processes (bash, cmd, pwsh, powershell) with
their output parsed for logging commands, and the `checkout`, `download` and `publish`
shortcuts."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from release_manager.core.model import Step
from release_manager.engine.local import logging_commands
from release_manager.engine.local.artifacts import ArtifactError
from release_manager.engine.local.context import (
    CANCELED,
    FAILED,
    SKIPPED,
    SUCCEEDED,
    WITH_ISSUES,
    JobContext,
    StepResult,
    worst,
)
from release_manager.engine.local.process import run_process

WINDOWS = sys.platform.startswith("win")

_DEFAULT_NAMES = {
    "script": "CmdLine", "bash": "Bash", "pwsh": "PowerShell", "powershell": "PowerShell",
    "checkout": "Checkout", "download": "Download", "publish": "Publish",
}
_COMPLETE_RESULTS = {r.lower(): r for r in (SUCCEEDED, WITH_ISSUES, FAILED)}


def display_name(step: Step, ctx: JobContext) -> str:
    if step.display_name:
        return ctx.expand(step.display_name)
    if step.kind == "task":
        return step.task_name or step.value
    if step.kind in ("download", "publish"):
        artifact = ctx.input(step, "artifact")
        return f"{_DEFAULT_NAMES[step.kind]} artifact {artifact}".strip()
    if step.kind == "checkout":
        return f"Checkout {ctx.expand(step.value)}"
    return _DEFAULT_NAMES.get(step.kind, step.kind)


def reference_name(step: Step, index: int) -> str:
    """The step's name for output variables: its `name:`, else Azure-like `__step<n>`."""
    return step.name or f"__step{index}"


@dataclass
class OutputHandler:
    """Turns a step's output lines into log lines, acting on logging commands."""

    ctx: JobContext
    step_ref: str
    completed: str | None = None
    last_line: str = ""

    def __call__(self, line: str) -> None:
        command = logging_commands.parse(line)
        if command is None:
            self.ctx.log.write(line)
            if line.strip():
                self.last_line = line
            return
        handle = getattr(self, "_" + command.name.replace(".", "_"), None)
        if handle is None:
            self.ctx.log.write(
                f"##[warning]Logging command '{command.name}' has no local meaning here; ignored"
            )
        else:
            handle(command)

    def _task_setvariable(self, command: logging_commands.LoggingCommand) -> None:
        name = command.properties.get("variable", "").strip()
        if not name:
            self.ctx.log.write("##[warning]task.setvariable without a variable name; ignored")
            return
        secret = command.flag("issecret")
        if secret:
            self.ctx.log.masker.add(command.data)
        if command.flag("isoutput"):
            self.ctx.variables.set(f"{self.step_ref}.{name}", command.data, secret=secret)
            output = f"{self.ctx.job.name}.{self.step_ref}.{name}"
            self.ctx.outputs[output] = command.data
            if secret:  # later stages get it, the store never holds it
                self.ctx.secret_outputs.add(output)
        else:
            self.ctx.variables.set(name, command.data, secret=secret)

    def _task_logissue(self, command: logging_commands.LoggingCommand) -> None:
        kind = command.properties.get("type", "warning").strip().lower()
        prefix = "##[error]" if kind == "error" else "##[warning]"
        self.ctx.log.write(prefix + command.data)
        if kind == "error":
            self.last_line = command.data

    def _task_complete(self, command: logging_commands.LoggingCommand) -> None:
        wanted = command.properties.get("result", "Succeeded").strip().lower()
        self.completed = _COMPLETE_RESULTS.get(wanted, FAILED)
        if command.data:
            self.ctx.log.write(command.data)

    def _task_prependpath(self, command: logging_commands.LoggingCommand) -> None:
        self.ctx.path_prepend.append(command.data.strip())

    def _task_setprogress(self, command: logging_commands.LoggingCommand) -> None:
        """Progress is for Azure's web view; the log has the output itself."""


def _interpreter(kind: str) -> tuple[list[str], str, str] | str:
    """(command prefix, script suffix, tool name), or why the step cannot run here."""
    if kind == "script" and WINDOWS:
        return ["cmd.exe", "/D", "/E:ON", "/V:OFF", "/S", "/C", "CALL"], ".cmd", "Cmd"
    if kind in ("script", "bash"):
        bash = shutil.which("bash")
        if bash is None:
            return "bash is not installed on this machine"
        return [bash, "--noprofile", "--norc"], ".sh", "Bash"
    if kind == "pwsh":
        pwsh = shutil.which("pwsh")
        if pwsh is None:
            return "pwsh is not installed on this machine"
        return [pwsh, "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", "."], ".ps1", "pwsh"
    powershell = shutil.which("powershell") if WINDOWS else None
    if powershell is None:
        return "powershell (Windows PowerShell) is not installed on this machine; use pwsh"
    return ([powershell, "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", "."],
            ".ps1", "PowerShell")


def _script_file(kind: str, text: str) -> str:
    if kind in ("pwsh", "powershell"):
        return (
            "$ErrorActionPreference = 'stop'\n" + text + "\n"
            "if ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }\n"
        )
    return text if text.endswith("\n") else text + "\n"


def working_directory(step: Step, ctx: JobContext) -> Path | str:
    """The step's folder, or why it cannot be used."""
    if not step.working_directory:
        return ctx.folders.sources
    folder = ctx.path(ctx.expand(step.working_directory))
    return folder if folder.is_dir() else f"Not found workingDirectory: {folder}"


def step_timeout(step: Step, ctx: JobContext) -> tuple[float | None, str]:
    """Seconds this step may run and the sentence to say when they run out."""
    limits: list[tuple[float, str]] = []
    if step.timeout_in_minutes:
        minutes = step.timeout_in_minutes
        limits.append((minutes * ctx.minute,
                       f"timed out after {minutes} minute{'s' if minutes != 1 else ''}"))
    if ctx.deadline is not None:
        minutes = ctx.job.timeout_in_minutes
        limits.append((max(0.0, ctx.deadline - time.monotonic()),
                       f"the job timed out after {minutes} minute{'s' if minutes != 1 else ''}"))
    if not limits:
        return None, ""
    return min(limits)


def run_script(step: Step, ctx: JobContext, step_ref: str, text: str) -> StepResult:
    """Run script text with the interpreter of `step.kind`, streaming its output."""
    interpreter = _interpreter(step.kind)
    if isinstance(interpreter, str):
        ctx.log.write(f"##[error]{interpreter}")
        return StepResult(FAILED, interpreter)
    prefix, suffix, tool = interpreter
    folder = working_directory(step, ctx)
    if isinstance(folder, str):
        ctx.log.write(f"##[error]{folder}")
        return StepResult(FAILED, folder)
    script = ctx.expand(text)
    ctx.log.write("Script contents:")
    for line in script.splitlines():
        ctx.log.write(line)
    text = _script_file(step.kind, script)
    path: Path | None = None
    if suffix == ".sh" and not WINDOWS:
        argv, piped = list(prefix), text.encode("utf-8")
        shown = " ".join(shlex.quote(a) for a in argv) + " <script through a pipe>"
    else:
        # cmd and PowerShell want a file with their extension; it is the user's only and
        # removed once the step ends.
        path = ctx.folders.temp / f"{uuid.uuid4()}{suffix}"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        argv = [*prefix[:-1], f". '{path}'"] if suffix == ".ps1" else [*prefix, str(path)]
        shown, piped = " ".join(shlex.quote(a) for a in argv), None
    ctx.log.write("========================== Starting Command Output ===========================")
    ctx.log.write("##[command]" + shown)
    timeout, timeout_message = step_timeout(step, ctx)
    handler = OutputHandler(ctx, step_ref)
    try:
        outcome = run_process(
            argv, cwd=folder, env=ctx.process_env(step), on_line=handler,
            cancel=ctx.cancel, timeout=timeout, grace=ctx.kill_grace, script=piped,
            groups=ctx.process_groups,
        )
    finally:
        if path is not None:
            path.unlink(missing_ok=True)
    if outcome.error:
        ctx.log.write(f"##[error]{outcome.error}")
        return StepResult(FAILED, outcome.error)
    if outcome.canceled:
        ctx.log.write("##[error]The operation was canceled.")
        return StepResult(CANCELED, "canceled while running")
    if outcome.timed_out:
        message = f"{timeout_message.capitalize()}; its processes were stopped"
        ctx.log.write(f"##[error]{message}.")
        return StepResult(FAILED, message)
    result = SUCCEEDED
    message = ""
    if outcome.exit_code != 0:
        message = f"{tool} exited with code '{outcome.exit_code}'."
        ctx.log.write(f"##[error]{message}")
        if handler.last_line:
            message = f"{message[:-1]}: {ctx.log.masker.mask(handler.last_line)}"
        result = FAILED
    if handler.completed is not None:
        if handler.completed != SUCCEEDED and not message:
            message = f"the step reported result {handler.completed}"
            if handler.last_line:
                message += f": {ctx.log.masker.mask(handler.last_line)}"
        result = worst(result, handler.completed)
    return StepResult(result, message)


def checkout(step: Step, ctx: JobContext) -> StepResult:
    target = ctx.expand(step.value)
    if target == "none":
        ctx.log.write("Checkout is turned off for this job (checkout: none).")
        return StepResult(SUCCEEDED)
    if target != "self":
        message = f"Checkout of repository '{target}' has no local meaning here; skipped"
        ctx.log.write(f"##[warning]{message}")
        return StepResult(SKIPPED, message)
    commit = ctx.run.commit[:12] or "the workspace"
    ctx.log.write(
        f"The workspace is the source: nothing to check out. Run {ctx.run.run_id} uses the "
        f"sources of {commit} in {ctx.folders.sources}"
    )
    return StepResult(SUCCEEDED)


def download(step: Step, ctx: JobContext) -> StepResult:
    source = ctx.expand(step.value)
    if source == "none":
        ctx.log.write("Artifact download is turned off for this job (download: none).")
        return StepResult(SUCCEEDED)
    if source != "current":
        message = (f"Downloading artifacts of pipeline resource '{source}' has no local "
                   "meaning here; skipped")
        ctx.log.write(f"##[warning]{message}")
        return StepResult(SKIPPED, message)
    name = ctx.input(step, "artifact") or None
    return download_artifacts(ctx, name, ctx.folders.root, subfolder=True)


def download_artifacts(ctx: JobContext, name: str | None, target: Path, *,
                       subfolder: bool) -> StepResult:
    try:
        names = ctx.artifacts.download(ctx.run.run_id, name, target, subfolder=subfolder)
    except (ArtifactError, OSError) as error:
        ctx.log.write(f"##[error]{error}")
        return StepResult(FAILED, str(error))
    if not names:
        ctx.log.write(f"##[warning]Run {ctx.run.run_id} has published no artifacts yet.")
        return StepResult(WITH_ISSUES, "no artifacts to download")
    for each in names:
        ctx.log.write(f"Downloaded artifact '{each}' of run {ctx.run.run_id} to {target}")
    return StepResult(SUCCEEDED)


def publish(step: Step, ctx: JobContext) -> StepResult:
    name = ctx.input(step, "artifact") or f"{ctx.stage.name}.{ctx.job.name}"
    return publish_artifact(ctx, ctx.path(ctx.expand(step.value) or str(ctx.folders.root)), name)


def publish_artifact(ctx: JobContext, source: Path, name: str) -> StepResult:
    try:
        stored = ctx.artifacts.publish(ctx.run.run_id, name, source)
    except (ArtifactError, OSError) as error:
        ctx.log.write(f"##[error]{error}")
        return StepResult(FAILED, str(error))
    count = sum(1 for p in stored.rglob("*") if p.is_file())
    ctx.log.write(f"Published {source} as artifact '{name}' of run {ctx.run.run_id} "
                  f"({count} file{'s' if count != 1 else ''})")
    return StepResult(SUCCEEDED)
