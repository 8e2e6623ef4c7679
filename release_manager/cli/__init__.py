"""`release-manager`: the window with no verb, headless verbs otherwise.

Each group of verbs lives in a module of this package with a `register(subparsers)` that
adds its sub-commands; a sub-command sets `func(args) -> int` (the exit code).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from release_manager import __version__
from release_manager.cli import pipeline_commands, release_commands

COMMAND_MODULES = (pipeline_commands, release_commands)


def build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    """The parser of the headless verbs, and the verbs' names."""
    parser = argparse.ArgumentParser(
        prog="release-manager",
        description="Edit Azure Pipelines stage graphs and promote builds through them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--check-keyring", action="store_true",
        help="print the credential store in use and exit (1 when it is not secure)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser, set(subparsers.choices)


def build_gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="release-manager", description="Open the Release Manager window."
    )
    parser.add_argument("file", nargs="?", help="an azure-pipelines.yml to open")
    parser.add_argument(
        "--screenshot", metavar="OUT.png", help="save a picture of the window and exit"
    )
    parser.add_argument("--workspace", help="the workspace folder (default: the demo)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, verbs = build_parser()
    first = args_list[0] if args_list else ""
    if first == "--check-keyring":
        from release_manager.cli.diagnostics import check_keyring

        return check_keyring()
    if first not in verbs and first not in ("-h", "--help", "--version"):
        from release_manager.ui.app import run_gui

        return run_gui(build_gui_parser().parse_args(args_list))
    args = parser.parse_args(args_list)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `release-manager graph … | head`: the reader has gone
        sys.stderr.close()
        return 0
