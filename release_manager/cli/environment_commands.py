"""`release-manager environments show|pull|push`: a connected workspace's environments'
checks against Azure DevOps (engine/azure/environment_sync.py).

`show` lists each environment's checks (the Approval check is the one edited here; the
others are read-only); `pull` writes Azure's Approval checks into
`.release-manager/environments.yml`, `push` sends the file's to Azure. Both print the
differences first and change nothing without a "y" at the terminal (or --yes); with
--dry-run they only read. Exit codes: 0 done (or nothing to change), 1 refused or failed
(the reason: not confirmed, signed out, forbidden, unreachable, an unknown approver),
2 bad input (a bad environments.yml, azure.yml or pipeline).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from release_manager.core.yaml_guard import PipelineLoadError
from release_manager.credentials import NoSecureStore

if TYPE_CHECKING:
    from release_manager.engine.azure.environment_sync import EnvironmentSync

Work = Callable[["EnvironmentSync", list[str]], int]
"""A verb's work on the workspace's sync and the environments its pipeline deploys to."""


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    environments = subparsers.add_parser(
        "environments", help="environments' checks on Azure DevOps: show, pull, push",
        description="A connected workspace's environments' checks on Azure DevOps. Exit 0 "
        "done, 1 refused or failed (the reason is printed), 2 bad input.")
    verbs = environments.add_subparsers(dest="environments_verb", metavar="VERB",
                                        required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", default=".", help="the workspace folder (default: .)")
    show = verbs.add_parser("show", parents=[common],
                            help="each environment's checks in plain words")
    show.set_defaults(func=cmd_show)
    for verb, text in (("pull", "write Azure DevOps' Approval checks into "
                                ".release-manager/environments.yml"),
                       ("push", "send environments.yml's approvals to Azure DevOps")):
        command = verbs.add_parser(verb, parents=[common], help=text,
                                   description=f"{text[0].upper()}{text[1:]}: the "
                                   "differences are printed first.")
        command.add_argument("--dry-run", action="store_true",
                             help="only print the differences: nothing is written or sent")
        command.add_argument("--yes", action="store_true",
                             help="do it without asking (needed without a terminal)")
        command.set_defaults(func=cmd_pull if verb == "pull" else cmd_push)


class _Refused(Exception):
    """Exit 1 with this sentence."""


def _run(args: argparse.Namespace, work: Work) -> int:
    from release_manager.engine.azure.checks import CheckMappingError
    from release_manager.engine.backend_errors import BackendError
    from release_manager.error_messages import user_message

    try:
        return work(_sync(Path(args.workspace)), _pipeline_environments(Path(args.workspace)))
    except PipelineLoadError as problem:
        print(f"release-manager: {problem}", file=sys.stderr)
        return 2
    except _Refused as refusal:
        print(f"release-manager: {refusal}", file=sys.stderr)
        return 1
    except (BackendError, CheckMappingError, NoSecureStore) as refusal:
        print(f"release-manager: {user_message(refusal)}", file=sys.stderr)
        return 1


def _sync(workspace: Path) -> EnvironmentSync:
    """The workspace's sync (the SDK is imported only now)."""
    from release_manager.engine.azure.binding import binding_path
    from release_manager.engine.azure.environment_sync import EnvironmentSync
    from release_manager.engine.azure.saved_sign_ins import SavedSignIns

    sync = EnvironmentSync.connected(workspace, SavedSignIns())
    if sync is None:
        raise _Refused(f"{workspace} is not connected to Azure DevOps (no "
                       f"{binding_path(workspace)}): run `release-manager connect` first")
    return sync


def _pipeline_environments(workspace: Path) -> list[str]:
    """The environments the workspace's pipeline deploys to ([] without a pipeline)."""
    from release_manager.engine.workspace import Workspace, WorkspaceError

    try:
        pipeline = Workspace(workspace).load_pipeline()
    except WorkspaceError:
        return []
    names: list[str] = []
    for stage in pipeline.stages:
        names += [name for name in stage.environments if name not in names]
    return names


def _confirm(args: argparse.Namespace, question: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise _Refused(f"nothing was {'written' if args.func is cmd_pull else 'sent'}: "
                       f"there is no terminal to confirm on; pass --yes to "
                       f"{'pull' if args.func is cmd_pull else 'push'} without asking")
    answer = input(f"{question} [y/N] ").strip().casefold()
    if answer not in ("y", "yes"):
        raise _Refused("not confirmed: nothing was changed")


def cmd_show(args: argparse.Namespace) -> int:
    from release_manager.engine.azure.environment_sync import checks_lines

    def work(sync: EnvironmentSync, pipeline_environments: list[str]) -> int:
        azure = sync.read(sync.names(pipeline_environments))
        for line in checks_lines(azure, sync.binding.project):
            print(line)
        return 0

    return _run(args, work)


def cmd_pull(args: argparse.Namespace) -> int:
    def work(sync: EnvironmentSync, pipeline_environments: list[str]) -> int:
        plan = sync.pull_plan(pipeline_environments)
        for name in plan.missing:
            print(f"{name}: not in Azure DevOps (project {sync.binding.project}): kept as "
                  "the file has it")
        if not plan.changed:
            print("environments.yml already matches Azure DevOps: nothing to write")
            return 0
        print("\n".join(plan.lines))
        print("\n".join(plan.diff()))
        if args.dry_run:
            print("(dry run: nothing was written)")
            return 0
        _confirm(args, "Write these changes to environments.yml?")
        sync.apply_pull(plan)
        print(f"Wrote {len(plan.lines)} change(s) to environments.yml")
        return 0

    return _run(args, work)


def cmd_push(args: argparse.Namespace) -> int:
    def work(sync: EnvironmentSync, pipeline_environments: list[str]) -> int:
        plan = sync.push_plan(pipeline_environments)
        for name in plan.missing:
            print(f"{name}: not in Azure DevOps (project {sync.binding.project}) and no "
                  "approval in the file: nothing to send")
        if not plan.changed:
            print("Azure DevOps already matches environments.yml: nothing to send")
            return 0
        print("\n".join(plan.diff()))
        if args.dry_run:
            print("(dry run: nothing was sent)")
            return 0
        _confirm(args, f"Send these changes to Azure DevOps (project {sync.binding.project})?")
        pushed = sync.apply_push(plan)
        print(f"Pushed {', '.join(pushed)}")
        return 0

    return _run(args, work)
