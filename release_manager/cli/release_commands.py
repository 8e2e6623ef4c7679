"""Verbs on a workspace's releases: demo, run, status, promote, approvals, approve, …"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Filled in with the engine."""
