"""`release-manager`: the window with no verb, headless verbs otherwise.

Each group of verbs lives in a module of this package with a `register(subparsers)` that
adds its sub-commands; a sub-command sets `func(args) -> int` (the exit code). An
unexpected error prints one line and the path of its report, exit code 70
(crash_report.CLI_CRASH_EXIT); Ctrl-C one line, exit 130; `--version` answers without
loading Qt or the verbs.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

from release_manager.about import versions

COMMAND_MODULES = ("pipeline_commands", "release_commands", "target_commands",
                   "azure_commands", "environment_commands")
"""Imported when the parser is built: `--version` and the window do without them."""
VERBS = frozenset({
    "validate", "graph", "eval",
    "demo", "run", "status", "promote", "approvals", "approve", "reject", "cancel",
    "rollback", "logs", "audit",
    "swap", "restart", "stop", "start",
    "login", "logout", "connect", "disconnect",
    "environments",
})
"""The verbs those modules register (a test holds the two together): any other first
argument opens the window, which so starts without importing the verbs' modules."""
INTERRUPTED_EXIT = 130
"""128 + SIGINT, as shells report a command stopped by Ctrl-C."""


def build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    """The parser of the headless verbs, and the verbs' names."""
    parser = argparse.ArgumentParser(
        prog="release-manager",
        description="Edit Azure Pipelines stage graphs and promote builds through them.",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument(
        "--check-keyring", action="store_true",
        help="print the credential store in use and exit (1 when it is not secure)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser, set(subparsers.choices)


class _VersionAction(argparse.Action):
    """`--version` that reads the versions only when asked (the metadata is slow to load)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0,
                         help="print the versions of the app, PySide6 and Python and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(versions().line())
        parser.exit()


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
    if args_list == ["--version"]:
        print(versions().line())
        return 0
    try:
        return _dispatch(args_list)
    except KeyboardInterrupt:  # Ctrl-C outside the work a verb cancels itself
        print("release-manager: interrupted (SIGINT)", file=sys.stderr)
        return INTERRUPTED_EXIT
    except Exception as error:  # a bug: a report for it, not a traceback on the terminal
        from release_manager.crash_report import print_cli_crash

        first = args_list[0] if args_list else ""
        return print_cli_crash(error, first if first.isalpha() else "(window)")


def _dispatch(args_list: list[str]) -> int:
    first = args_list[0] if args_list else ""
    if first == "--check-keyring":
        from release_manager.cli.diagnostics import check_keyring

        return check_keyring()
    if first not in VERBS and first not in ("-h", "--help", "--version"):
        gc.disable()  # until the window's first paint (ui.app.freeze_startup_objects)
        from release_manager.ui.app import run_gui

        return run_gui(build_gui_parser().parse_args(args_list))
    parser, _ = build_parser()
    args = parser.parse_args(args_list)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `release-manager graph … | head`: the reader has gone
        sys.stderr.close()
        return 0
