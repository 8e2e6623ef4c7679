"""What the workspace's git says about branches and commits, for queueing a run and the
plan shown before a promotion."""

from __future__ import annotations

from pathlib import Path

from release_manager.engine.local.workdir import git


def branches(workspace: Path) -> list[str]:
    """Local branches, the checked-out one first; [] outside a git repository."""
    found = git(workspace, "for-each-ref", "--sort=-HEAD", "--format=%(refname:short)",
                "refs/heads")
    return found.split() if found else []


def commits_between(workspace: Path, old: str, new: str) -> list[str]:
    """One line per commit in `new` since `old` (all of `new`'s when `old` is ""),
    newest first, at most 50."""
    if not new or old == new:
        return []
    span = f"{old}..{new}" if old else new
    found = git(workspace, "log", "--format=%h %s (%an)", "-n", "50", span)
    return found.splitlines() if found else []
