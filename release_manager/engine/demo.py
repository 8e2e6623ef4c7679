"""The demo workspace: Space Game's site and pipeline, as a git repository on `release`
with an approval policy on staging, ready to build and promote on this machine. Staging
is the `staging` slot of the app, swapped into production once healthy (Microsoft's
deploy-then-swap), so the demo walks dev → test → staging slot → production."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from platformdirs import user_data_dir

from release_manager.core.model import (
    PRODUCTION_SLOT,
    ApprovalPolicy,
    AppServiceTarget,
    Environment,
)

SOURCE = Path(__file__).resolve().parent.parent / "resources" / "demo"
PIPELINE = "azure-pipelines.yml"
BRANCH = "release"

TEAM = """\
# Who works on Space Game: identities to act as (`--as NAME`, or the window's demo
# switch: `demo: true` says the team is made up, so anyone here may act as any member).
demo: true
team:
  - name: lead
    role: release manager
  - name: dev
    role: developer
  - name: qa
    role: tester
  - name: ops
    role: operations
"""

GITIGNORE = """\
# Release Manager's run state; the environments' policies and the team are shared.
.release-manager/*
!.release-manager/environments.yml
!.release-manager/team.yml
__pycache__/
"""


class DemoError(RuntimeError):
    """The demo workspace cannot be made at that place; the message says why."""


def default_demo_dir() -> Path:
    return Path(user_data_dir("release-manager", appauthor=False)) / "demo"


def demo_environments() -> dict[str, Environment]:
    return {
        "dev": Environment("dev", health_check=True),
        "test": Environment("test", health_check=True),
        "staging": Environment(
            "staging", health_check=True, exclusive_lock=True, approval=ApprovalPolicy(
                approvers=["qa", "ops"],
                minimum_approvers=1,
                requester_cannot_approve=True,
                instructions="Check the test environment's smoke run first.",
            ),
            app_service=AppServiceTarget(slot="staging", swap_with=PRODUCTION_SLOT),
        ),
    }


def _create_slots(workspace: Path, environments: dict[str, Environment]) -> None:
    """The slots the environments deploy to exist from the start, as slots created on
    Azure do: the dashboard shows them empty until the first deployment."""
    from release_manager.engine.local.deploy import EnvironmentFolders
    from release_manager.engine.workspace import ENVIRONMENTS_DIR, STATE_DIR

    folders = EnvironmentFolders(workspace / STATE_DIR / ENVIRONMENTS_DIR)
    for name, environment in environments.items():
        if environment.app_service is not None:
            folders.create_slot(name, environment.app_service.slot)


def _git(path: Path, *args: str) -> None:
    done = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DemoError(f"git {' '.join(args)} failed in {path}: {done.stderr.strip()}")


def create_demo(path: Path) -> Path:
    """Make the demo workspace at `path` and return its pipeline file. An existing demo
    is left as it is (the user's work is never overwritten); any other non-empty folder
    is refused."""
    path = Path(path).expanduser().resolve()
    pipeline = path / PIPELINE
    if pipeline.is_file():
        return pipeline
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise DemoError(f"{path} already exists and is not a demo workspace; "
                        "choose an empty or new folder")
    if shutil.which("git") is None:
        raise DemoError("git is not installed on this machine; the demo workspace is a git "
                        "repository")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent / f".{path.name}.creating"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _fill(partial)
        if path.exists():
            path.rmdir()
        partial.replace(path)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return pipeline


def _fill(workspace: Path) -> None:
    """Write the demo into the empty folder `workspace`. The store and the environments'
    writer are imported here: the window asks for the demo at every start (it is
    usually there already) and does not wait for them."""
    from release_manager.core.environments_file import environments_path, save_environments
    from release_manager.engine.store import Store
    from release_manager.engine.workspace import STATE_DIR, STORE_NAME

    shutil.copytree(SOURCE, workspace, ignore=shutil.ignore_patterns("__pycache__"))
    (workspace / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    save_environments(workspace, demo_environments())
    _create_slots(workspace, demo_environments())
    (environments_path(workspace).parent / "team.yml").write_text(TEAM, encoding="utf-8")
    Store(workspace / STATE_DIR / STORE_NAME).close()  # releases are set up: it is a demo
    _git(workspace, "init", "--quiet", "--initial-branch", BRANCH)
    _git(workspace, "config", "user.name", "Space Game Team")
    _git(workspace, "config", "user.email", "team@spacegame.invalid")
    _git(workspace, "add", "--all")
    _git(workspace, "commit", "--quiet", "--message", "Space Game: site, tests and pipeline")
