"""The identities a person may act as: the workspace's team (`.release-manager/team.yml`)
and the OS user."""

from __future__ import annotations

import getpass
from pathlib import Path

from ruamel.yaml import YAML, YAMLError

TEAM_FILE = Path(".release-manager") / "team.yml"


def team_members(workspace_root: Path) -> list[str]:
    """Names listed under `team:` (entries `- name: x` or plain `- x`); [] when the file
    is absent or unreadable: acting as the OS user always works."""
    path = Path(workspace_root) / TEAM_FILE
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError):
        return []
    entries = data.get("team") if isinstance(data, dict) else None
    names = []
    for entry in entries if isinstance(entries, list) else []:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(name, str) and name.strip() and name.strip() not in names:
            names.append(name.strip())
    return names


def identities(workspace_root: Path, current: str) -> list[str]:
    """Team members, then the OS user, then `current` when it is none of them."""
    names = team_members(workspace_root)
    for name in (getpass.getuser(), current):
        if name and name not in names:
            names.append(name)
    return names
