"""Script steps as real processes: environment, macros, logging commands, masking,
results, timeouts, cancellation, streaming."""

from __future__ import annotations

import os
import resource
import shutil
import sys
import threading
from pathlib import Path

import pytest
from local_support import Log, job_stage, run, run_context

from release_manager.core.model import Job, Pipeline, Stage, Step, Variable
from release_manager.engine.backend import CancelToken
from release_manager.engine.local.backend import LocalBackend
from release_manager.engine.local.process import MAX_LINE

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX shell scripts")


@pytest.fixture
def backend(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "app.txt").write_text("sources\n")
    return LocalBackend(workspace, minute=0.5, kill_grace=0.5)


def test_predefined_variables_are_in_the_step_environment(backend):
    names = ["BUILD_BUILDID", "BUILD_BUILDNUMBER", "BUILD_SOURCEBRANCH", "BUILD_SOURCEBRANCHNAME",
             "BUILD_REASON", "BUILD_REQUESTEDFOR", "BUILD_DEFINITIONNAME", "SYSTEM_STAGENAME",
             "SYSTEM_JOBNAME", "AGENT_OS", "TF_BUILD", "PIPELINE_WORKSPACE",
             "SYSTEM_DEFAULTWORKINGDIRECTORY", "BUILD_SOURCESDIRECTORY",
             "BUILD_ARTIFACTSTAGINGDIRECTORY", "BUILD_BINARIESDIRECTORY", "AGENT_TEMPDIRECTORY"]
    script = "\n".join(f'echo "{n}=${n}"' for n in names) + "\necho CWD=$(pwd)\ncat app.txt"
    pipeline, stage = job_stage(Step("script", script))
    outcome, log = run(backend, pipeline, stage, run_context(7, requested_by="ava"))
    assert outcome.result == "Succeeded"
    seen = dict(line.split("=", 1) for line in log.lines if "=" in line and line[0].isupper())
    work = backend.workspace / ".release-manager" / "work" / "7" / "Build"
    assert seen["BUILD_BUILDID"] == seen["BUILD_BUILDNUMBER"] == "7"
    assert seen["BUILD_SOURCEBRANCH"] == "refs/heads/release"
    assert seen["BUILD_SOURCEBRANCHNAME"] == "release"
    assert seen["BUILD_REASON"] == "Manual"
    assert seen["BUILD_REQUESTEDFOR"] == "ava"
    assert seen["BUILD_DEFINITIONNAME"] == "demo"
    assert (seen["SYSTEM_STAGENAME"], seen["SYSTEM_JOBNAME"]) == ("Build", "Job")
    assert seen["AGENT_OS"] in ("Linux", "Darwin")
    assert seen["TF_BUILD"] == "True"
    assert seen["PIPELINE_WORKSPACE"] == str(work)
    assert seen["SYSTEM_DEFAULTWORKINGDIRECTORY"] == str(work / "s")
    assert seen["BUILD_SOURCESDIRECTORY"] == str(work / "s")
    assert seen["CWD"] == str(work / "s")
    assert seen["BUILD_ARTIFACTSTAGINGDIRECTORY"] == str(work / "a")
    assert "sources" in log.lines  # the workspace's files were copied into the work folder


def test_macros_expand_in_script_env_and_working_directory(backend):
    (backend.workspace / "sub").mkdir()
    pipeline, stage = job_stage(
        Step("script", 'echo "$(greeting) from $(Build.BuildId)"; echo "ENV=$WHO"; pwd; '
                       'echo "$(not.defined)"',
             env={"WHO": "$(who)"}, working_directory="$(folder)"),
    )
    pipeline.variables = [Variable("who", "pipeline"), Variable("greeting", "hello $(who)"),
                          Variable("folder", "sub")]
    stage.variables = [Variable("who", "stage")]
    stage.jobs[0].variables = [Variable("who", "job")]
    outcome, log = run(backend, pipeline, stage, run_context(3, variables={"greeting": "hi"}))
    assert outcome.result == "Succeeded"
    assert "hi from 3" in log.lines  # the queue-time value overrides the pipeline's
    assert "ENV=job" in log.lines  # the innermost level wins
    assert any(line.endswith("/s/sub") for line in log.lines)
    # Unknown macros stay as written, as in Azure (bash then sees a command substitution).
    assert 'echo "hi from 3"; echo "ENV=$WHO"; pwd; echo "$(not.defined)"' in log.lines


def test_secrets_are_masked_in_every_line(backend):
    pipeline, stage = job_stage(
        Step("script", 'echo "token is $(token)"; echo "env: $TOKEN"; echo "plain: $PLAIN"',
             env={"TOKEN": "$(token)"}),
        Step("script", "value=$(printf 'p@ss-%s' 42)\n"
                       "echo \"##vso[task.setvariable variable=minted;issecret=true]$value\"\n"
                       "echo \"minted $value here\""),
        Step("script", 'echo "again $(minted)"'),
    )
    context = run_context(variables={"token": "s3cr3t-value"}, secrets=frozenset({"token"}))
    outcome, log = run(backend, pipeline, stage, context)
    assert outcome.result == "Succeeded"
    assert "s3cr3t-value" not in log.text and "p@ss-42" not in log.text
    assert "token is ***" in log.lines and "env: ***" in log.lines
    assert "minted *** here" in log.lines and "again ***" in log.lines
    assert "plain: " in log.lines  # secrets are not mapped into the environment by themselves


def test_script_text_with_a_secret_never_touches_the_disk(backend):
    pipeline, stage = job_stage(Step(
        "script", 'grep -rl "$(token)" "$(Pipeline.Workspace)" "$(Agent.TempDirectory)" '
                  '|| echo "nowhere on disk"'))
    context = run_context(variables={"token": "s3cr3t-value"}, secrets=frozenset({"token"}))
    outcome, log = run(backend, pipeline, stage, context)
    assert outcome.result == "Succeeded"
    assert "nowhere on disk" in log.lines


def test_output_variables_are_returned_and_visible_to_later_steps(backend):
    pipeline, stage = job_stage(
        Step("bash", "echo '##vso[task.setvariable variable=version;isOutput=true]1.2.3'\n"
                     "echo '##vso[task.setvariable variable=plain]p%3Bq'", name="stamp"),
        Step("bash", 'echo "next sees $(stamp.version) and $PLAIN"'),
    )
    outcome, log = run(backend, pipeline, stage)
    assert outcome.outputs == {"Job.stamp.version": "1.2.3"}
    assert "next sees 1.2.3 and p;q" in log.lines
    assert not any("##vso[" in line for line in log.lines if not line.startswith("echo"))


def test_logissue_error_alone_does_not_fail_but_task_complete_failed_does(backend):
    pipeline, stage = job_stage(
        Step("script", "echo '##vso[task.logissue type=error]disk almost full'"),
        Step("script", "echo '##vso[task.logissue type=warning]slow'"),
    )
    outcome, log = run(backend, pipeline, stage)
    assert outcome.result == "Succeeded"
    assert "##[error]disk almost full" in log.lines and "##[warning]slow" in log.lines

    pipeline, stage = job_stage(
        Step("script", "echo '##vso[task.logissue type=error]tests failed'\n"
                       "echo '##vso[task.complete result=Failed;]done'"),
        Step("script", "echo should not run"),
    )
    outcome, log = run(backend, pipeline, stage, run_context(2))
    assert outcome.result == "Failed"
    assert "tests failed" in outcome.message
    assert [s.result for s in outcome.steps] == ["Failed", "Skipped"]
    assert "should not run" not in log.lines


def test_continue_on_error_gives_succeeded_with_issues(backend):
    pipeline, stage = job_stage(
        Step("script", "exit 3", continue_on_error=True, display_name="Flaky"),
        Step("script", "echo still running"),
    )
    outcome, log = run(backend, pipeline, stage)
    assert outcome.result == "SucceededWithIssues"
    assert [s.result for s in outcome.steps] == ["SucceededWithIssues", "Succeeded"]
    assert "Bash exited with code '3'" in outcome.message
    assert "still running" in log.lines


def test_command_not_found_fails_with_the_shell_message(backend):
    pipeline, stage = job_stage(Step("script", "no-such-command-here --version"))
    outcome, log = run(backend, pipeline, stage)
    assert outcome.result == "Failed"
    assert "no-such-command-here: command not found" in outcome.message
    assert "code '127'" in outcome.message
    assert "##[error]Bash exited with code '127'." in log.lines


def test_timeout_kills_the_whole_group_even_a_child_ignoring_sigterm(tmp_path):
    # A minute of three seconds leaves the child time to start even on a busy machine.
    backend = LocalBackend(tmp_path, minute=3.0, kill_grace=0.5)
    pid_file = tmp_path / "child.pid"
    child = ("import os, signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
             f"open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
             "print('child ready', flush=True); signal.pause()")
    pipeline, stage = job_stage(
        Step("script", f'{sys.executable} -c "{child}" &\n'
                       f'until [ -s {pid_file} ]; do sleep 0.05; done\nwait',
             timeout_in_minutes=1),
        Step("script", "echo after the timeout"),
    )
    outcome, log = run(backend, pipeline, stage)
    assert "child ready" in log.lines
    assert outcome.result == "Failed"
    assert outcome.message == "CmdLine: Timed out after 1 minute; its processes were stopped"
    assert "##[error]Timed out after 1 minute; its processes were stopped." in log.lines
    assert "after the timeout" not in log.lines
    assert _gone(int(pid_file.read_text()))


def _gone(pid: int) -> bool:
    """Ended: no such process, or a zombie waiting for its new parent to reap it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"


def test_cancel_from_another_thread_stops_the_step(backend):
    pipeline, stage = job_stage(
        Step("script", "echo started; sleep 600"),
        Step("script", "echo never"),
    )
    log = Log()
    cancel = CancelToken()
    started = log.when("started")
    threading.Thread(target=lambda: started.wait(30) and cancel.cancel(), daemon=True).start()
    outcome, _ = run(backend, pipeline, stage, log=log, cancel=cancel)
    assert outcome.result == "Canceled"
    assert [s.result for s in outcome.steps] == ["Canceled", "Skipped"]
    assert "##[error]The operation was canceled." in log.lines
    assert "never" not in log.lines


def _rss_kib() -> int:
    """The process's resident memory now (Linux), else its peak so far."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_big_output_streams_with_bounded_memory(backend):
    lines = 200_000  # 20 MB of output
    program = f"import sys\nfor i in range({lines}): sys.stdout.write('%099d\\n' % i)\n"
    (backend.workspace / "noisy.py").write_text(program)
    counted = [0]
    peak = [0]

    class Counting:
        def write(self, line: str) -> None:
            counted[0] += 1
            if counted[0] % 5000 == 0:
                peak[0] = max(peak[0], _rss_kib())

    pipeline, stage = job_stage(Step("script", "python3 noisy.py"))
    before = _rss_kib()
    outcome = backend.run_stage(pipeline, stage, run_context(), Counting(), CancelToken())
    assert outcome.result == "Succeeded"
    assert counted[0] >= lines
    assert peak[0] - before < 10 * 1024  # far less than the 20 MB that went through


def test_an_endless_line_is_cut_and_marked(backend):
    pipeline, stage = job_stage(Step("script", "python3 -c \"print('x' * 300000); print('next')\""))
    outcome, log = run(backend, pipeline, stage)
    long_lines = [line for line in log.lines if line.startswith("xxx")]
    assert outcome.result == "Succeeded"
    assert len(long_lines) == 1 and long_lines[0].endswith("(truncated)")
    assert len(long_lines[0]) < MAX_LINE + 20
    assert "next" in log.lines


def test_step_conditions_disabled_steps_and_always(backend):
    pipeline, stage = job_stage(
        Step("script", "echo disabled", enabled=False),
        Step("script", "echo by-variable", condition="eq(variables['Build.Reason'], 'Manual')"),
        Step("script", "exit 1"),
        Step("script", "echo default-skipped"),
        Step("script", "echo on-failure", condition="failed()"),
        Step("script", "echo always", condition="always()"),
    )
    outcome, log = run(backend, pipeline, stage)
    assert [s.result for s in outcome.steps] == [
        "Skipped", "Succeeded", "Failed", "Skipped", "Succeeded", "Succeeded"]
    assert {"by-variable", "on-failure", "always"} <= set(log.lines)
    assert "default-skipped" not in log.lines and "disabled" not in log.lines
    assert outcome.result == "Failed"


def test_missing_interpreters_fail_with_a_plain_message(backend, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "pwsh" else real_which(name))
    pipeline, stage = job_stage(Step("pwsh", "Write-Host hi"), Step("powershell", "Write-Host hi",
                                                                    condition="always()"))
    outcome, _ = run(backend, pipeline, stage)
    assert [s.message for s in outcome.steps] == [
        "pwsh is not installed on this machine",
        "powershell (Windows PowerShell) is not installed on this machine; use pwsh",
    ]
    assert outcome.result == "Failed"


def test_jobs_run_in_dependency_order_and_skip_after_a_failure(backend):
    stage = Stage("Build", jobs=[
        Job("Package", depends_on=["Compile"], steps=[Step("script", "echo packaging")]),
        Job("Compile", steps=[Step("script", "echo compiling")]),
        Job("Report", depends_on=["Package"], condition="always()",
            steps=[Step("script", "echo reporting")]),
    ])
    pipeline, _ = job_stage()
    pipeline.stages = [stage]
    outcome, log = run(backend, pipeline, stage)
    order = [line for line in log.lines if line in ("compiling", "packaging", "reporting")]
    assert order == ["compiling", "packaging", "reporting"]
    assert outcome.result == "Succeeded"

    stage.jobs[1].steps = [Step("script", "exit 1")]
    outcome, log = run(backend, pipeline, stage, run_context(2))
    assert "packaging" not in log.lines and "reporting" in log.lines
    assert outcome.result == "Failed"


def test_a_process_escaping_the_group_does_not_hang_the_step(backend, tmp_path):
    pid_file = tmp_path / "escaped.pid"
    escape = ("import os, signal; os.setsid(); "
              f"open({str(pid_file)!r}, 'w').write(str(os.getpid())); signal.pause()")
    pipeline, stage = job_stage(Step(
        "script", f'python3 -c "{escape}" &\n'
                  f'until [ -s {pid_file} ]; do sleep 0.05; done\necho left behind'))
    try:
        outcome, log = run(backend, pipeline, stage)
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), 9)
    assert outcome.result == "Succeeded"
    assert "left behind" in log.lines
    assert any("left its process group" in line for line in log.lines)


def test_a_retried_stage_starts_from_clean_sources(backend):
    pipeline, stage = job_stage(Step("script", "cat app.txt; echo changed > app.txt"))
    for _ in range(2):
        outcome, log = run(backend, pipeline, stage, run_context(4))
        assert outcome.result == "Succeeded"
        assert "sources" in log.lines and "changed" not in log.lines


def test_the_job_timeout_stops_the_running_step(backend):
    pipeline, stage = job_stage(Step("script", "echo working; sleep 600"),
                                Step("script", "echo next"), timeout_in_minutes=1)
    outcome, log = run(backend, pipeline, stage)
    assert outcome.result == "Failed"
    assert outcome.message == ("CmdLine: The job timed out after 1 minute; "
                               "its processes were stopped")
    assert "next" not in log.lines


def test_a_secret_output_variable_is_returned_marked_secret_and_masked(backend):
    pipeline, stage = job_stage(
        Step("bash", "key=$(printf 'k-%s' 99)\n"
                     'echo "##vso[task.setvariable variable=key;isOutput=true;issecret=true]$key"',
             name="mint"),
        Step("bash", 'test "$(mint.key)" = k-99 && echo "same job sees it: $(mint.key)"'),
    )
    outcome, log = run(backend, pipeline, stage)
    assert outcome.result == "Succeeded"
    assert outcome.outputs == {"Job.mint.key": "k-99"}  # for later stages, marked secret
    assert outcome.secret_outputs == {"Job.mint.key"}
    assert "same job sees it: ***" in log.lines
    assert "k-99" not in log.text


def test_a_job_dependency_written_in_another_case_orders_and_conditions_the_job(backend):
    """`dependsOn: compile` is job `Compile` (Azure matches job names in any case): the
    job runs after it and its condition sees its result."""
    package = Job("Package", depends_on=["compile"],
                  condition="eq(dependencies.Compile.result, 'Succeeded')",
                  steps=[Step("script", "echo packaging")])
    compile_job = Job("Compile", steps=[Step("script", "echo compiling")])
    stage = Stage("Build", jobs=[package, compile_job])
    outcome, log = run(backend, Pipeline(name="demo", stages=[stage]), stage)
    assert outcome.result == "Succeeded", log.text
    lines = [line for line in log.lines if line in ("compiling", "packaging")]
    assert lines == ["compiling", "packaging"]
