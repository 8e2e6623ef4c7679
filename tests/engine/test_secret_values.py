"""Secrets in the engine's own words: an error that holds a secret is recorded and
reported masked; a later stage reads earlier outputs through `$[ … ]` variables, and a
secret one stays secret there."""

from __future__ import annotations

import base64
import sys
import urllib.parse
from pathlib import Path

import pytest
from local_support import job_stage, run, run_context

from release_manager.core.model import Step, Variable
from release_manager.crash_report import write_report
from release_manager.engine.backend import CancelToken, LogWriter, RunContext, StageOutcome
from release_manager.engine.demo import create_demo
from release_manager.engine.local.backend import LocalBackend
from release_manager.engine.promotion import Promoter
from release_manager.engine.workspace import Workspace

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX shell scripts")

SECRET = "Pa55/w0rd+for:deploy"


def forms(value: str) -> list[str]:
    """The value, its base64 (aligned) and its URL encoding."""
    return [value, base64.b64encode(value.encode()).decode().rstrip("="),
            urllib.parse.quote(value, safe="")]


class FailingBackend(LocalBackend):
    """A backend whose failure message quotes a secret of the run, as a careless SDK's
    might (a URL with credentials, a header)."""

    error: Exception | None = None

    def run_stage(self, pipeline, stage, run: RunContext, log: LogWriter,
                  cancel: CancelToken) -> StageOutcome:
        value = run.variables["DEPLOY_KEY"]
        encoded = base64.b64encode(value.encode()).decode()
        self.error = RuntimeError(f"https://deploy:{urllib.parse.quote(value, safe='')}@host "
                                  f"refused {value} (Authorization: {encoded})")
        raise self.error


def test_a_backend_error_holding_a_secret_is_recorded_and_reported_masked(
    tmp_path: Path,
) -> None:
    root = create_demo(tmp_path / "space-game").parent
    backend = FailingBackend(root)
    workspace = Workspace(root, backend=backend)
    run, [build] = Promoter(workspace).run_pipeline("lead", secrets={"DEPLOY_KEY": SECRET})

    assert build.state == "failed"
    assert build.message.startswith("the backend failed: https://deploy:***@host refused ***")
    record = workspace.store.stage_run(build.stage_run.id)
    log = Path(record.log_path).read_text("utf-8")
    assert "##[error]RuntimeError: https://deploy:***@host refused ***" in log
    report = write_report(backend.error, "test", tmp_path / "reports").report.read_text()
    assert "RuntimeError" in report
    for text in (build.message, record.message, log, report):
        assert [form for form in forms(SECRET) if form in text] == []


def test_a_secret_output_of_a_deployment_that_fails_is_not_stored(tmp_path: Path) -> None:
    """The failure is said with what the environment serves: the secret output still
    reaches the store by name only."""
    root = create_demo(tmp_path / "space-game").parent
    pipeline = root / "azure-pipelines.yml"
    text = pipeline.read_text("utf-8")
    deploy = text.index("          - task: AzureWebApp@1", text.index("- stage: 'Dev'"))
    pipeline.write_text(text[:deploy] + (
        "          - script: echo \"##vso[task.setvariable variable=token;isOutput=true;"
        f"issecret=true]{SECRET[:8]}\"\"{SECRET[8:]}\"\n"  # the file never holds it whole
        "            name: keys\n"
        "          - script: exit 1\n") + text[deploy:], "utf-8")
    workspace = Workspace(root)
    promoter = Promoter(workspace)
    run, [build] = promoter.run_pipeline("lead")
    assert build.state == "succeeded"

    failed = promoter.promote(run.id, "Dev", "lead")

    assert failed.state == "failed"
    assert failed.message.endswith("dev has no release in service")
    assert list(failed.stage_run.outputs.values()) == ["***"]
    workspace.store.close()
    stored = b"".join(path.read_bytes()
                      for path in (root / ".release-manager").glob("state.db*"))
    assert [form for form in forms(SECRET) if form.encode() in stored] == []


@pytest.fixture
def backend(tmp_path: Path) -> LocalBackend:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    return LocalBackend(workspace, minute=0.5, kill_grace=0.5)


def test_a_later_stage_reads_earlier_outputs_through_runtime_expressions(
    backend: LocalBackend,
) -> None:
    pipeline, stage = job_stage(
        Step("bash", 'echo "version $(version), token $(token), missing [$(broken)]"\n'
                     f'test "$TOKEN" = "{SECRET}" && echo "token reached the step"',
             env={"TOKEN": "$(token)"}),
        name="Deploy",
        variables=[
            Variable("version", "$[ stageDependencies.Build.Mint.outputs['mint.version'] ]"),
            Variable("token", "$[dependencies.Build.outputs['Mint.mint.token']]"),
            Variable("broken", "$[ eq(1, ]"),
        ])
    context = run_context(output_variables={"Build.Mint.mint.version": "1.2.3",
                                            "Build.Mint.mint.token": SECRET},
                          secret_outputs=frozenset({"Build.Mint.mint.token"}))
    outcome, log = run(backend, pipeline, stage, context)

    assert outcome.result == "Succeeded", log.text
    assert "version 1.2.3, token ***, missing []" in log.lines
    assert "token reached the step" in log.lines
    assert any(line.startswith("##[warning]The runtime expression $[ eq(1, ] cannot be "
                               "evaluated") for line in log.lines)
    assert [form for form in forms(SECRET) if form in log.text] == []
