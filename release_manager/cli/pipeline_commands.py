"""Verbs on pipeline files: validate, graph, eval."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Filled in with the core."""
