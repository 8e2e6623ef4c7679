"""A damaged workspace gets a message, never a traceback or a hang: each damaged input
driven through `release-manager` as a real process (exit 2, the file named on stderr, no
traceback, back within the timeout) and, for a few, through the window (its error view
names the file). A store is never created anew over installed releases, and a release
folder is never overwritten by another build."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel

from release_manager.engine.demo import create_demo
from release_manager.engine.promotion import Promoter
from release_manager.engine.store import MIGRATIONS
from release_manager.engine.workspace import Workspace
from release_manager.ui.main_window import MainWindow

TIMEOUT = 60
"""Seconds a refused command may take at most: a hang fails the test, it does not stall it."""
GUI_TIMEOUT = 60_000
BACKUP = "state-after-build-1.db"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace with builds 1, 2 and 3 built and deployed to dev, 3 in service;
    beside it, BACKUP: a backup of its store taken after build 1."""
    root = create_demo(tmp_path_factory.mktemp("deployed") / "space-game").parent
    workspace = Workspace(root)
    promoter = Promoter(workspace)
    for build in range(3):
        run, _ = promoter.run_pipeline("lead")
        assert promoter.promote(run.id, "Dev", "lead").state == "succeeded"
        if build == 0:
            with closing(sqlite3.connect(root.parent / BACKUP)) as backup:
                with closing(sqlite3.connect(store_file(root))) as live:
                    live.backup(backup)
    workspace.store.close()  # the last connection: the WAL goes back into state.db
    return root


@pytest.fixture
def workspace(deployed: Path, tmp_path: Path) -> Path:
    """A copy of `deployed` that a test may damage."""
    return Path(shutil.copytree(deployed, tmp_path / "space-game", symlinks=True))


def cli(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, RELEASE_MANAGER_USER="lead")
    return subprocess.run(
        [sys.executable, "-m", "release_manager", *args, "--workspace", str(workspace)],
        capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False,
    )


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file under `folder` (bytes) and link (its target): to prove nothing changed."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = os.readlink(path)
        elif path.is_file():
            found[key] = path.read_bytes()
    return found


def refused(done: subprocess.CompletedProcess[str], *named: str) -> str:
    """The one message of a refused command, checked: exit 2, no traceback, the names."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "internal error" not in done.stderr
    for name in named:
        assert name in done.stderr, done.stderr
    return done.stderr


# ------------------------------------------------------------------- damage


def state(root: Path) -> Path:
    return root / ".release-manager"


def store_file(root: Path) -> Path:
    return state(root) / "state.db"


def environments_file(root: Path) -> Path:
    return state(root) / "environments.yml"


def truncate_store(root: Path) -> None:
    path = store_file(root)
    size = path.stat().st_size
    with path.open("r+b") as store:
        store.truncate(size // 2)


def garbage_store(root: Path) -> None:
    store_file(root).write_bytes(os.urandom(64 * 1024))


def folder_store(root: Path) -> None:
    store_file(root).unlink()
    store_file(root).mkdir()


def fifo_store(root: Path) -> None:
    store_file(root).unlink()
    os.mkfifo(store_file(root))


def newer_store(root: Path) -> None:
    """A store a newer version of the app has written (a schema this one does not know)."""
    with closing(sqlite3.connect(store_file(root))) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")


def random_environments(root: Path) -> None:
    environments_file(root).write_bytes(bytes(range(256)) + os.urandom(4096))


def deep_environments(root: Path) -> None:
    environments_file(root).write_text("environments: " + "[" * 20_000 + "]" * 20_000 + "\n")


def folder_environments(root: Path) -> None:
    environments_file(root).unlink()
    environments_file(root).mkdir()


def fifo_environments(root: Path) -> None:
    environments_file(root).unlink()
    os.mkfifo(environments_file(root))


def file_locks(root: Path) -> None:
    locks = state(root) / "locks"
    shutil.rmtree(locks, ignore_errors=True)
    locks.write_text("not a folder\n")


@dataclass(frozen=True)
class Damage:
    name: str
    make: Callable[[Path], None]
    file: Callable[[Path], Path]
    says: str


DAMAGES = [
    Damage("half-truncated state.db", truncate_store, store_file, "is damaged"),
    Damage("garbage state.db", garbage_store, store_file, "is damaged"),
    Damage("state.db a folder", folder_store, store_file, "is a folder"),
    Damage("state.db a FIFO", fifo_store, store_file, "is a named pipe (FIFO)"),
    Damage("state.db from a newer version", newer_store, store_file,
           "was written by a newer Release Manager"),
    Damage("environments.yml of random bytes", random_environments, environments_file,
           "the file is binary, not text"),
    Damage("environments.yml 20 000 deep", deep_environments, environments_file,
           "the nesting is deeper than 64 levels"),
    Damage("environments.yml a folder", folder_environments, environments_file,
           "not a regular file: it is a folder"),
    Damage("environments.yml a FIFO", fifo_environments, environments_file,
           "not a regular file: it is a named pipe (FIFO)"),
    Damage("locks a file", file_locks, lambda root: state(root) / "locks",
           "is a regular file, not a folder"),
]
VERBS = [("status",), ("promote", "2", "--to", "Test"), ("rollback", "dev"), ("logs", "1")]


@pytest.mark.parametrize("damage", DAMAGES, ids=[d.name for d in DAMAGES])
@pytest.mark.parametrize("verb", VERBS, ids=[v[0] for v in VERBS])
def test_a_damaged_workspace_is_refused_with_the_file_named(
        workspace: Path, damage: Damage, verb: tuple[str, ...]) -> None:
    damage.make(workspace)
    before = snapshot(state(workspace))

    message = refused(cli(workspace, *verb), str(damage.file(workspace)), damage.says)

    assert message.count("\n") == 1  # one line
    assert snapshot(state(workspace)) == before  # nothing written, nothing recreated


def test_a_syntax_error_in_the_environments_file_is_reported_at_its_line(
        workspace: Path) -> None:
    text = environments_file(workspace).read_text().replace("    healthCheck: true\n",
                                                            "    healthCheck: [true\n", 1)
    environments_file(workspace).write_text(text)

    message = refused(cli(workspace, "status"), str(environments_file(workspace)))

    line = text.splitlines().index("    healthCheck: [true") + 1
    assert f"environments.yml:{line + 1}:" in message  # where the bracket is found unclosed


# ------------------------------------------------------------------- the store's history


@pytest.mark.parametrize("how", ["missing", "empty"])
def test_a_store_lost_while_releases_are_installed_is_never_recreated(
        workspace: Path, how: str) -> None:
    path = store_file(workspace)
    if how == "missing":
        path.unlink()
    else:
        path.write_bytes(b"")
    releases = snapshot(state(workspace) / "environments")

    for verb in (("run",), ("status",), ("promote", "1", "--to", "Dev")):
        message = refused(cli(workspace, *verb), str(path))
        assert "restore state.db from a backup" in message.lower()
        assert f"move {state(workspace) / 'environments'} aside" in message
        assert "dev: 1, 2, 3" in message

    assert path.exists() == (how == "empty")
    assert not path.exists() or path.stat().st_size == 0
    assert snapshot(state(workspace) / "environments") == releases


def test_a_store_restored_from_an_older_backup_never_overwrites_a_release(
        deployed: Path, workspace: Path) -> None:
    """The backup knows build 1 only: its next build is numbered 2 again, and the release
    folder of the other build 2 in dev (not in service: 3 is) stays as it is."""
    shutil.copyfile(deployed.parent / BACKUP, store_file(workspace))
    release_2 = state(workspace) / "environments" / "dev" / "releases" / "2"
    before = snapshot(release_2)

    built = cli(workspace, "run")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "build 2: succeeded" in built.stdout
    done = cli(workspace, "promote", "2", "--to", "Dev")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert f"{release_2} already holds build 2 of commit" in done.stdout
    assert "a release is never overwritten" in done.stdout
    assert snapshot(release_2) == before
    assert os.readlink(state(workspace) / "environments" / "dev" / "current") == \
        os.path.join("releases", "3")


def test_the_same_build_is_deployed_again_over_its_own_release(workspace: Path) -> None:
    """A redeploy of a build whose folder is there (not in service) is that build again:
    it is allowed."""
    done = cli(workspace, "promote", "1", "--to", "Dev")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Release 1 is now current in dev (was release 3)" in done.stdout


# ------------------------------------------------------------------- arguments and conditions


def test_an_environment_name_that_is_a_path_touches_nothing(workspace: Path) -> None:
    before = snapshot(workspace)
    parent = snapshot(workspace.parent)

    message = refused(cli(workspace, "rollback", "../../etc"), "'../../etc'")

    assert "is not an environment name: an environment name is not a path" in message
    assert snapshot(workspace) == before
    assert snapshot(workspace.parent) == parent


def test_a_pipeline_environment_named_as_a_path_is_refused_before_anything_is_written(
        workspace: Path) -> None:
    pipeline = workspace / "azure-pipelines.yml"
    pipeline.write_text(pipeline.read_text().replace("environment: dev\n",
                                                     "environment: top/secret\n", 1))
    built = cli(workspace, "run")  # a build runs the definition it was queued with
    assert "build 4: succeeded" in built.stdout, built.stdout + built.stderr
    before = snapshot(workspace.parent)

    done = cli(workspace, "promote", "4", "--to", "Dev")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert ("refused: Dev cannot deploy: 'top/secret' is not an environment name: an "
            "environment name is not a path and cannot hold '/'") in done.stdout
    assert snapshot(workspace.parent) == before


def test_a_600_deep_condition_index_validates_and_promotes_alike(workspace: Path) -> None:
    pipeline = workspace / "azure-pipelines.yml"
    condition = "ne(variables['a']" + "[0]" * 600 + ", 'x')"
    text = pipeline.read_text()
    start = text.index("  condition: |", text.index("- stage: 'Dev'"))
    end = text.index("  jobs:", start)
    pipeline.write_text(text[:start] + f'  condition: "{condition}"\n' + text[end:])

    checked = subprocess.run([sys.executable, "-m", "release_manager", "validate",
                              str(pipeline)], capture_output=True, text=True,
                             timeout=TIMEOUT, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = cli(workspace, "run")
    assert "build 4: succeeded" in built.stdout, built.stdout + built.stderr
    done = cli(workspace, "promote", "4", "--to", "Dev")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "Release 4 is now current in dev" in done.stdout


# ------------------------------------------------------------------- the window


@pytest.fixture
def window(qtbot, settings: QSettings):
    made: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(settings)
        qtbot.addWidget(window)
        made.append(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    yield make
    for each in made:
        if each.release_controller is not None:
            each.release_controller.dispose()
            each.release_controller.pool.waitForDone(GUI_TIMEOUT)


@pytest.mark.parametrize("damage", [d for d in DAMAGES if "environments.yml" in d.name],
                         ids=lambda d: d.name)
def test_the_window_shows_a_damaged_environments_file_in_its_error_view(
        qtbot, window, workspace: Path, damage: Damage) -> None:
    damage.make(workspace)
    shown = window()

    assert not shown.load(workspace / "azure-pipelines.yml")

    assert shown.central.currentWidget() is shown.error_view
    title = shown.error_view.findChild(QLabel, "errorTitle").text()
    assert title == "environments.yml could not be opened"
    assert shown.error_view.path == environments_file(workspace)
    assert any(damage.says in text for text in shown.error_view.problem_texts())


@pytest.mark.parametrize("damage", [d for d in DAMAGES if "state.db" in d.name],
                         ids=lambda d: d.name)
def test_the_window_says_which_store_is_damaged(
        qtbot, window, workspace: Path, damage: Damage) -> None:
    damage.make(workspace)
    shown = window()

    assert shown.load(workspace / "azure-pipelines.yml")

    dashboard = shown.releases_dock.widget().dashboard
    qtbot.waitUntil(lambda: str(store_file(workspace)) in dashboard.unavailable_label.text(),
                    timeout=GUI_TIMEOUT)
    assert damage.says in dashboard.unavailable_label.text()
    assert "Traceback" not in dashboard.unavailable_label.text()
    assert not dashboard.set_up_button.isVisibleTo(dashboard)


def test_the_window_refuses_a_lost_store_over_installed_releases(
        qtbot, window, workspace: Path) -> None:
    store_file(workspace).unlink()
    shown = window()

    assert shown.load(workspace / "azure-pipelines.yml")

    dashboard = shown.releases_dock.widget().dashboard
    qtbot.waitUntil(lambda: "is missing, but releases it recorded are installed"
                    in dashboard.unavailable_label.text(), timeout=GUI_TIMEOUT)
    assert not dashboard.set_up_button.isVisibleTo(dashboard)
    assert not store_file(workspace).exists()
