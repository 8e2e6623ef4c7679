"""Azure DevOps: what the releases dashboard costs the service, against the HTTPS emulator
of the tests (tests/azure_emulator) through the real SDK session, in one project of
PIPELINES pipelines × RUNS runs, each run deployed to dev, test and staging (so each
environment holds PIPELINES × RUNS deployment records, pages of 1000). The workspace is
bound to one of the pipelines, as `release-manager connect` binds it.

- `azure_dashboard.show_calls` / `show_s`: the requests and the time from nothing to
  the dashboard's status (the workspace's Azure session made, its status read: the 20
  newest builds with their timelines, each environment's deployment records, the pending
  approvals), against the time of one bare SDK `get_builds` of that pipeline (top 20).
- `azure_dashboard.idle_calls_per_tick` and `…_per_environment_per_tick` (requests
  about an environment, per environment): with nothing moving, per refresh tick over
  TICKS ticks of a QTimer (as the window's refresh timer drives its StatusRefresher),
  against reading the whole status each tick (what the window did before: every
  environment asked every tick).
- `azure_dashboard.log_delay_s`: from a line written to a running stage's log on the
  server (`write_log`) to that line in the log view (offscreen), following at the
  default poll (engine/log_follow.py BACKEND_POLL_SECONDS); the median and the worst of
  LOG_LINES lines written at random moments, against one `read_log` request.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from figure import Figure

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
PIPELINES = 50
RUNS = 100
TICKS = 20
TICK_MS = 50
LOG_LINES = 12
ENVIRONMENTS = ("dev", "test", "staging")
TOKEN = "benchmark-pat-0123456789abcdef"


def _emulator(folder: Path):
    if str(REPO / "tests") not in sys.path:
        sys.path.insert(0, str(REPO / "tests"))
    from azure_emulator import AzureDevOpsEmulator, StageSpec

    os.environ["AZURE_DEVOPS_CACHE_DIR"] = str(folder / "sdk-cache")
    (folder / "emulator").mkdir()
    emulator = AzureDevOpsEmulator(folder / "emulator").start()
    os.environ["REQUESTS_CA_BUNDLE"] = str(emulator.ca_bundle)
    emulator.add_project("Fabrikam-Fiber")
    who = emulator.add_pat(TOKEN, "Jane Doe")
    for name in ENVIRONMENTS:
        emulator.add_environment(name)
    stages = [StageSpec("Build"), StageSpec("Dev", environment="dev"),
              StageSpec("Test", environment="test"),
              StageSpec("Staging", environment="staging")]
    pipelines = [emulator.add_pipeline(f"service-{number:02}", stages)
                 for number in range(PIPELINES)]
    for _ in range(RUNS):
        for pipeline in pipelines:
            emulator.finish(emulator.queue(pipeline, who).id)
    return emulator, pipelines[0], who


def _workspace(folder: Path, emulator, pipeline):
    from release_manager.engine.azure.backend import AzureBackend
    from release_manager.engine.azure.binding import AzureBinding, save_binding
    from release_manager.engine.azure.connection import AzureConnection
    from release_manager.engine.azure.organization import parse_organization
    from release_manager.engine.azure.sign_in import PatSignIn
    from release_manager.engine.store import Store
    from release_manager.engine.workspace import Workspace

    root = folder / "clone"
    root.mkdir()
    shutil.copyfile(REPO / "tests" / "data" / "pipelines" / "spacegame.yml",
                    root / "azure-pipelines.yml")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    organization = parse_organization(emulator.organization_url)
    binding = AzureBinding(organization.url, "Fabrikam-Fiber", pipeline.id, pipeline.name)
    save_binding(root, binding)
    Store(root / ".release-manager" / "state.db").close()
    backend = AzureBackend(AzureConnection(organization, PatSignIn(TOKEN)), binding, root)
    return Workspace(root, backend=backend)


def _show(workspace):
    from release_manager.engine.azure.session import AzureSession
    from release_manager.engine.status_refresh import StatusRefresher

    session = AzureSession(workspace)
    refresher = StatusRefresher(workspace, session)
    read = refresher.read()
    assert read is not None and len(read.status.builds) == 20, "the dashboard is not full"
    assert all(env.current_build for env in read.status.environments)
    return session, refresher


def _ticks(work) -> None:
    """Call `work` on each of TICKS ticks of a QTimer."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop, done = QEventLoop(), [0]
    timer = QTimer()
    timer.setInterval(TICK_MS)

    def tick() -> None:
        work()
        done[0] += 1
        if done[0] == TICKS:
            timer.stop()
            loop.quit()

    timer.timeout.connect(tick)
    timer.start()
    loop.exec()


def _log_delay(emulator, pipeline, who, workspace) -> tuple[list[float], float]:
    from PySide6.QtWidgets import QApplication

    from release_manager.engine.azure.backend import stage_ref
    from release_manager.engine.azure.timeline import find_stage
    from release_manager.engine.backend import CancelToken
    from release_manager.engine.log_buffer import LogSink
    from release_manager.engine.log_follow import follow_stage
    from release_manager.ui.log_view import LogPanel

    application = QApplication.instance()
    run = emulator.queue(pipeline, who)
    while run.stage("Build").stage.state != "inProgress":
        emulator.step(run.id)
    backend = workspace.backend
    ref = stage_ref(run.id, run.id, find_stage(backend.stages(run.id), "Build"))
    started = time.perf_counter()
    backend.read_log(ref)
    one_read = time.perf_counter() - started

    panel = LogPanel()
    panel.resize(1000, 700)
    panel.show()
    sink = LogSink()
    panel.view.attach_sink(sink)
    token = CancelToken()
    follower = threading.Thread(target=follow_stage, args=(backend, ref, sink, token))
    follower.start()
    delays, chance = [], random.Random(7)
    try:
        for number in range(LOG_LINES):
            pause = time.perf_counter() + chance.uniform(0.0, 2.0)
            while time.perf_counter() < pause:  # a random moment against the poll
                application.processEvents()
            line = f"benchmark line {number}"
            emulator.write_log(run.id, "Build", line)
            written = time.perf_counter()
            while line not in panel.view.lines():
                application.processEvents()
                if time.perf_counter() - written > 30:
                    raise RuntimeError(f"{line!r} never reached the log view")
            delays.append(time.perf_counter() - written)
    finally:
        token.cancel()
        follower.join()
        panel.view.attach_sink(None)
        panel.close()
    return delays, one_read


def run() -> list[Figure]:
    from PySide6.QtWidgets import QApplication

    from release_manager.engine.release_session import read_status

    application = QApplication.instance() or QApplication([])  # noqa: F841 (kept alive)
    folder = Path(tempfile.mkdtemp(prefix="azure-dashboard-"))
    emulator = None
    try:
        emulator, pipeline, who = _emulator(folder)
        workspace = _workspace(folder, emulator, pipeline)
        connection = workspace.backend.connection
        build_client = connection.client(lambda factory: factory.get_build_client())
        build_client.get_builds("Fabrikam-Fiber", definitions=[pipeline.id], top=20)  # warm

        emulator.clear_log()
        started = time.perf_counter()
        build_client.get_builds("Fabrikam-Fiber", definitions=[pipeline.id], top=20)
        bare = time.perf_counter() - started

        emulator.clear_log()
        started = time.perf_counter()
        session, refresher = _show(workspace)
        shown = time.perf_counter() - started
        show_calls = len(emulator.requests)

        environments = len(ENVIRONMENTS)
        emulator.clear_log()
        _ticks(refresher.read)
        idle = len(emulator.requests) / TICKS
        idle_env = len(emulator.calls("/distributedtask/environments")) / TICKS / environments
        emulator.clear_log()
        _ticks(lambda: read_status(workspace, session))
        every = len(emulator.requests) / TICKS
        every_env = len(emulator.calls("/distributedtask/environments")) / TICKS / environments

        delays, one_read = _log_delay(emulator, pipeline, who, workspace)
        return [
            Figure("azure_dashboard.show_calls", show_calls, "requests"),
            Figure("azure_dashboard.show_s", shown, "s", bare, "s (one SDK get_builds)"),
            Figure("azure_dashboard.idle_calls_per_tick", idle, "requests", every,
                   "requests (whole status each tick)"),
            Figure("azure_dashboard.idle_calls_per_environment_per_tick", idle_env,
                   "requests", every_env, "requests (whole status each tick)"),
            Figure("azure_dashboard.log_delay_median_s", statistics.median(delays), "s",
                   one_read, "s (one read_log)"),
            Figure("azure_dashboard.log_delay_max_s", max(delays), "s",
                   one_read, "s (one read_log)"),
        ]
    finally:
        if emulator is not None:
            emulator.stop()
        shutil.rmtree(folder, ignore_errors=True)
