"""Who acts: `--as NAME`, else RELEASE_MANAGER_USER, else the OS user. The demo workspace
also lists a made-up team (`.release-manager/team.yml` with `demo: true`) whose members
one may act as, to try approvals alone; anywhere else the person at the machine acts."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from ruamel.yaml import YAML, YAMLError

IDENTITY_VARIABLE = "RELEASE_MANAGER_USER"
TEAM_FILE = Path(".release-manager") / "team.yml"


def current_identity(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    return os.environ.get(IDENTITY_VARIABLE) or getpass.getuser()


def _team_file(workspace_root: Path) -> dict:
    """The team file's mapping; {} when it is absent or unreadable."""
    path = Path(workspace_root) / TEAM_FILE
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def team_members(workspace_root: Path) -> list[str]:
    """Names listed under `team:` (entries `- name: x` or plain `- x`); [] when the file
    is absent or unreadable: acting as the OS user always works."""
    entries = _team_file(workspace_root).get("team")
    names = []
    for entry in entries if isinstance(entries, list) else []:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(name, str) and name.strip() and name.strip() not in names:
            names.append(name.strip())
    return names


def is_demo(workspace_root: Path) -> bool:
    """The workspace is a demo: its team is made up, so acting as a member is allowed."""
    return _team_file(workspace_root).get("demo") is True


def identities(workspace_root: Path, current: str) -> list[str]:
    """Team members, then the OS user, then `current` when it is none of them."""
    names = team_members(workspace_root)
    for name in (getpass.getuser(), current):
        if name and name not in names:
            names.append(name)
    return names
