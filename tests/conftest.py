"""Shared test set-up: Qt runs offscreen, paths to the shared corpus and contracts."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("RELEASE_MANAGER_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
CONTRACTS = SHARED / "contracts"
