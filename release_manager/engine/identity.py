"""Who acts: `--as NAME`, else RELEASE_MANAGER_USER, else the OS user. The demo workspace
also lists a made-up team (`.release-manager/team.yml` with `demo: true`) whose members
one may act as, to try approvals alone; anywhere else the person at the machine acts.
Every name is normalised as it enters (core/identity_names.py): `qa `, `ＱＡ` and `qa` are
one person, and a name with an invisible character is refused."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from ruamel.yaml import YAML, YAMLError

from release_manager.core.identity_names import IdentityError, identity_key, normal_identity
from release_manager.core.regular_file import read_regular
from release_manager.core.yaml_guard import MAX_BYTES

IDENTITY_VARIABLE = "RELEASE_MANAGER_USER"
TEAM_FILE = Path(".release-manager") / "team.yml"


def current_identity(explicit: str | None = None) -> str:
    """The normalised identity to act as; IdentityError (saying where the name came from)
    when it is unusable."""
    if explicit is not None:
        return _checked(explicit, "--as")
    if os.environ.get(IDENTITY_VARIABLE):
        return _checked(os.environ[IDENTITY_VARIABLE], IDENTITY_VARIABLE)
    return identity_key(getpass.getuser())


def _checked(name: str, source: str) -> str:
    try:
        return normal_identity(name)
    except IdentityError as refused:
        raise IdentityError(f"{source}: {refused}") from None


def _team_file(workspace_root: Path) -> dict:
    """The team file's mapping; {} when it is absent or unreadable."""
    path = Path(workspace_root) / TEAM_FILE
    try:
        data = YAML(typ="safe").load(read_regular(path, MAX_BYTES).decode("utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def team_members(workspace_root: Path) -> list[str]:
    """Names listed under `team:` (entries `- name: x` or plain `- x`), normalised; an
    entry that is not a usable name (empty, an invisible character) is left out. [] when
    the file is absent or unreadable: acting as the OS user always works."""
    entries = _team_file(workspace_root).get("team")
    names = []
    for entry in entries if isinstance(entries, list) else []:
        name = entry.get("name") if isinstance(entry, dict) else entry
        try:
            name = normal_identity(name) if isinstance(name, str) else ""
        except IdentityError:
            continue
        if name and name not in names:
            names.append(name)
    return names


def is_demo(workspace_root: Path) -> bool:
    """The workspace is a demo: its team is made up, so acting as a member is allowed."""
    return _team_file(workspace_root).get("demo") is True


def identities(workspace_root: Path, current: str) -> list[str]:
    """Team members, then the OS user, then `current` when it is none of them."""
    names = team_members(workspace_root)
    for name in (identity_key(getpass.getuser()), current):
        if name and name not in names:
            names.append(name)
    return names
