"""Who is acting: `--as NAME`, else RELEASE_MANAGER_USER, else the OS user."""

from __future__ import annotations

import getpass
import os

IDENTITY_VARIABLE = "RELEASE_MANAGER_USER"


def current_identity(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    return os.environ.get(IDENTITY_VARIABLE) or getpass.getuser()
