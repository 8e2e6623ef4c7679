"""Where a run's jobs work: `.release-manager/work/<run>/` with the sources of the run's
commit in `s/` (a `git archive` of it, or a copy of the workspace when it is not a git
repository), the artifact staging folder `a/`, binaries `b/` and a temp folder."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

STATE_DIR = ".release-manager"


def git(workspace: Path, *args: str) -> str | None:
    """Output of a git command in `workspace`, or None when it fails (not a repository,
    no git, unknown commit)."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=workspace, capture_output=True, check=False, timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else None


def is_git_repository(workspace: Path) -> bool:
    return git(workspace, "rev-parse", "--is-inside-work-tree") == "true"


def source_info(workspace: Path, branch: str | None) -> tuple[str, str]:
    """(full ref, commit) of `branch` (None: the checked-out branch) from the workspace's
    git; `refs/heads/<branch or main>` and no commit when it is not a repository."""
    if not is_git_repository(workspace):
        return f"refs/heads/{branch or 'main'}", ""
    if branch is None:
        branch = git(workspace, "symbolic-ref", "--short", "HEAD") or "main"
    short = branch.removeprefix("refs/heads/")
    commit = git(workspace, "rev-parse", "--verify", "--quiet", f"refs/heads/{short}^{{commit}}")
    if commit is None:
        commit = git(workspace, "rev-parse", "--verify", "--quiet", "HEAD^{commit}") or ""
    return f"refs/heads/{short}", commit


@dataclass(frozen=True)
class RunFolders:
    root: Path
    """`Pipeline.Workspace`"""

    @property
    def sources(self) -> Path:
        return self.root / "s"

    @property
    def staging(self) -> Path:
        return self.root / "a"

    @property
    def binaries(self) -> Path:
        return self.root / "b"

    @property
    def temp(self) -> Path:
        return self.root / "tmp"


def prepare_run_folders(
    workspace: Path, run_id: int, stage: str, commit: str, *, with_sources: bool
) -> tuple[RunFolders, str]:
    """A fresh folder for one stage of one run, `.release-manager/work/<run>/<stage>/`
    (`Pipeline.Workspace`): a retried stage starts from clean sources, and stages of one
    run going side by side share no files. Without `with_sources` (deployment jobs, which
    Azure does not check out either) `s/` stays empty. Returns the folders and a sentence
    saying where the sources came from."""
    folders = RunFolders(workspace / STATE_DIR / "work" / str(run_id) / stage)
    shutil.rmtree(folders.root, ignore_errors=True)
    for folder in (folders.sources, folders.staging, folders.binaries, folders.temp):
        folder.mkdir(parents=True)
    if not with_sources:
        return folders, "Deployment jobs do not check out the sources (as in Azure)."
    return folders, _fill_sources(workspace, commit, folders.sources)


def _fill_sources(workspace: Path, commit: str, target: Path) -> str:
    if commit and is_git_repository(workspace):
        # Streamed: the archive of a large repository never sits in memory.
        process = subprocess.Popen(
            ["git", "archive", "--format=tar", commit], cwd=workspace,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                archive.extractall(target, filter="data")
        except tarfile.TarError:
            pass
        finally:
            process.stdout.close()
        if process.wait() == 0:
            return f"Sources of commit {commit[:12]} extracted from git into {target}"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        note = f"Commit {commit[:12]} is not in the workspace's git; "
    else:
        note = ""
    shutil.copytree(
        workspace, target, dirs_exist_ok=True, symlinks=True,
        ignore=shutil.ignore_patterns(STATE_DIR, ".git"),
    )
    return f"{note}Sources copied from {workspace} into {target}"
