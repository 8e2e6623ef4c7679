"""Verbs on an environment's App Service target (engine/swap.py): `swap ENV [--with SLOT]`,
`restart ENV`, `stop ENV`, `start ENV`. Each prints what it will do (a swap: what is
live now, what will be live, the rollback, or why it cannot be done now), asks on a
terminal or takes --yes (without a terminal and without --yes it refuses), prints its
log lines and is written to the audit trail. The same verbs on a connected workspace act
on Azure App Service (`Workspace.targets`). Exit codes: 0 done, 1 refused, failed or not
confirmed (the reason is printed), 2 bad input or a damaged workspace, 130/143 stopped by
Ctrl-C/SIGTERM (a swap not yet sent changes nothing; once sent it is followed to its end).
"""

from __future__ import annotations

import argparse
import sys

from release_manager.cli.release_commands import PrintLog, _environment_name, on_workspace
from release_manager.cli.stop_signals import StopSignals
from release_manager.engine.backend_errors import BackendError
from release_manager.engine.identity import current_identity
from release_manager.engine.promotion import Promoter
from release_manager.engine.swap import (
    ACTIONS,
    SWAP_BACK,
    ActionResult,
    TargetActions,
    environment_target,
)
from release_manager.engine.workspace import Workspace

TARGET_VERBS = ("cmd_swap", "cmd_restart", "cmd_stop", "cmd_start")


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", default=".", help="the workspace folder (default: .)")
    common.add_argument("--as", dest="identity", metavar="NAME",
                        help="act as NAME (default: $RELEASE_MANAGER_USER or the OS user)")
    common.add_argument("--yes", action="store_true",
                        help="do it without asking (needed without a terminal)")
    common.add_argument("environment", type=_environment_name, metavar="ENV")

    swap = subparsers.add_parser(
        "swap", parents=[common], help="swap ENV's slot with its swap partner (or --with "
        "SLOT): the slot's health is checked first, the builds read back after")
    swap.add_argument("--with", dest="with_slot", default="", metavar="SLOT",
                      help="the slot to swap with (default: the target's swapWith)")
    swap.set_defaults(func=cmd_swap)
    for verb in ACTIONS:
        action = subparsers.add_parser(verb, parents=[common],
                                       help=f"{verb} ENV's App Service slot")
        action.set_defaults(func=globals()[f"cmd_{verb}"], action=verb)


@on_workspace
def cmd_swap(args: argparse.Namespace, _workspace: Workspace, promoter: Promoter) -> int:
    return swap(args, promoter.target_actions)


@on_workspace
def cmd_restart(args: argparse.Namespace, _workspace: Workspace, promoter: Promoter) -> int:
    return act(args, promoter.target_actions)


@on_workspace
def cmd_stop(args: argparse.Namespace, _workspace: Workspace, promoter: Promoter) -> int:
    return act(args, promoter.target_actions)


@on_workspace
def cmd_start(args: argparse.Namespace, _workspace: Workspace, promoter: Promoter) -> int:
    return act(args, promoter.target_actions)


def on_connected(verb: str, args: argparse.Namespace, workspace: Workspace) -> int:
    """The same verb on a workspace connected to Azure: the slots are Azure's (no store
    is kept there: Azure's activity log records the change). `rollback` of a swapped
    environment is its swap back."""
    actions = TargetActions(workspace, workspace.targets, None)
    if verb == "cmd_rollback":
        return swap_back(args, actions)
    return swap(args, actions) if verb == "cmd_swap" else act(args, actions)


def swaps_back(workspace: Workspace, environment: str) -> bool:
    """Whether `environment` rolls back by swapping back (its target swaps)."""
    target = environment_target(workspace.root, environment)[1]
    return target is not None and bool(target.swap_with)


def swap_back(args: argparse.Namespace, actions: TargetActions) -> int:
    try:
        plan = actions.swap_back_plan(args.environment)
        if plan.refused:
            return _report(ActionResult("refused", f"{plan.environment} cannot be rolled "
                                        f"back: {plan.refused}"))
        print("\n".join(plan.lines()), flush=True)
        with StopSignals() as stop:
            result = actions.swap(plan, current_identity(args.identity), PrintLog(),
                                  stop.token, action=SWAP_BACK)
        return stop.exit_code(_report(result), f"{result.state}: {result.message}")
    except BackendError as error:
        return _failed(error)


def swap(args: argparse.Namespace, actions: TargetActions) -> int:
    try:
        plan = actions.swap_plan(args.environment, args.with_slot)
        print("\n".join(plan.lines()), flush=True)
        if plan.refused:
            return _report(actions.swap(plan, current_identity(args.identity)))
        if not _confirmed(args, f"Swap: {plan.with_slot} will serve build "
                          f"{plan.next_build}. Go ahead?", "swapped"):
            return 1
        with StopSignals() as stop:
            result = actions.swap(plan, current_identity(args.identity), PrintLog(),
                                  stop.token)
        return stop.exit_code(_report(result), f"{result.state}: {result.message}")
    except BackendError as error:
        return _failed(error)


def act(args: argparse.Namespace, actions: TargetActions) -> int:
    verb = args.action
    try:
        name, target = actions.target(args.environment)
        if target is not None:
            [slot, *_] = actions.slots(name, health=False)
            build = f"build {slot.build}" if slot.build is not None else "no build"
            print(f"{verb.capitalize()} slot {slot.slot} of {target.app or name} ({name}): "
                  f"{slot.state or 'state unknown'}, {build}, {slot.url}", flush=True)
            if not _confirmed(args, f"{verb.capitalize()} it?", ACTIONS[verb][1]):
                return 1
        with StopSignals() as stop:
            result = actions.act(verb, args.environment, current_identity(args.identity),
                                 PrintLog(), stop.token)
        return stop.exit_code(_report(result), f"{result.state}: {result.message}")
    except BackendError as error:
        return _failed(error)


def _confirmed(args: argparse.Namespace, question: str, done: str) -> bool:
    """A "y" at the terminal, or --yes; refused (said on stderr) otherwise."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print(f"release-manager: nothing was {done}: there is no terminal to confirm on; "
              "pass --yes to do it without asking", file=sys.stderr)
        return False
    if input(f"{question} [y/N] ").strip().casefold() in ("y", "yes"):
        return True
    print(f"release-manager: not confirmed: nothing was {done}", file=sys.stderr)
    return False


def _report(result: ActionResult) -> int:
    print(f"{result.state}: {result.message}", flush=True)
    return result.exit_code


def _failed(error: BackendError) -> int:
    from release_manager.error_messages import user_message

    print(f"release-manager: {user_message(error)}", file=sys.stderr)
    return 1
