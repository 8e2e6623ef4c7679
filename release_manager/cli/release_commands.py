"""Verbs on a workspace's releases: demo, run, status, promote, approvals, approve, reject,
rollback, logs, audit. Exit codes a script can use: 0 done, 1 refused or failed, 3 waiting
for approval, 4 another request for the same deployment got there first and runs it, 5
the audit trail fails verification (2: the workspace or the arguments are unusable); 130
and 143 when Ctrl-C or SIGTERM stopped the work in progress (cancelled and recorded:
stop_signals.py). Every verb on a workspace warns on stderr when its audit trail was
tampered with."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from release_manager.cli.secret_input import SecretInputError, read_secret_values
from release_manager.cli.stop_signals import StopSignals
from release_manager.core.environment_names import EnvironmentNameError, environment_name_problem
from release_manager.core.identity_names import IdentityError
from release_manager.core.pipeline_yaml import PipelineLoadError
from release_manager.engine.backend import CancelToken
from release_manager.engine.identity import current_identity
from release_manager.engine.log_follow import follow_file, still_writing
from release_manager.engine.promotion import Promoter, PromotionResult
from release_manager.engine.release_status import workspace_status
from release_manager.engine.store import StoreUnusable
from release_manager.engine.workspace import Workspace, WorkspaceError


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", default=".", help="the workspace folder (default: .)")
    common.add_argument("--as", dest="identity", metavar="NAME",
                        help="act as NAME (default: $RELEASE_MANAGER_USER or the OS user)")
    common.add_argument("--json", action="store_true", help="print state as JSON")

    demo = subparsers.add_parser("demo", help="create the demo workspace at PATH")
    demo.add_argument("path", type=Path)
    demo.set_defaults(func=cmd_demo)

    run = subparsers.add_parser("run", parents=[common], help="queue a run and build it")
    run.add_argument("--branch", help="branch to build (default: the workspace's branch)")
    run.add_argument("--var", action="append", default=[], metavar="K=V",
                     help="a variable for this run (repeatable)")
    run.add_argument("--secret-var", action="append", default=[], metavar="NAME",
                     help="a secret variable for this run (repeatable): its value is read "
                          "from standard input, one line per name in this order, or from the "
                          "keyring (account secret-variable:<workspace>|NAME), never from the "
                          "command line; masked in every log, never written to the store")
    run.add_argument("--param", action="append", default=[], metavar="K=V",
                     help="a template parameter for this run (Azure DevOps; repeatable)")
    run.add_argument("--skip", action="append", default=[], metavar="STAGE",
                     help="a stage not to run (Azure DevOps; repeatable)")
    run.set_defaults(func=cmd_run)

    status = subparsers.add_parser("status", parents=[common],
                                   help="what is deployed where, builds, pending approvals")
    status.set_defaults(func=cmd_status)

    promote = subparsers.add_parser("promote", parents=[common],
                                    help="promote build BUILD to stage STAGE")
    promote.add_argument("build", type=int)
    promote.add_argument("--to", dest="stage", required=True, metavar="STAGE")
    promote.add_argument("--no-wait", action="store_true",
                         help="refuse instead of waiting when the environment is busy "
                              "(without an exclusive lock it never waits)")
    promote.add_argument("--swap", action="store_true",
                         help="also run the swap step of an environment whose App Service "
                              "target swaps after a healthy deployment (without it: deploy "
                              "only, and the swap command is printed)")
    promote.set_defaults(func=cmd_promote)

    approvals = subparsers.add_parser("approvals", parents=[common],
                                      help="pending approvals")
    approvals.set_defaults(func=cmd_approvals)

    for verb in ("approve", "reject"):
        decide = subparsers.add_parser(verb, parents=[common],
                                       help=f"{verb} deploying BUILD (one or several) "
                                            "to STAGE")
        decide.add_argument("build", type=int, nargs="+")
        decide.add_argument("--stage", required=True)
        decide.add_argument("--comment", default="")
        decide.set_defaults(func=cmd_decide, decision=verb)

    cancel = subparsers.add_parser("cancel", parents=[common],
                                   help="cancel build BUILD (Azure DevOps)")
    cancel.add_argument("build", type=int)
    cancel.set_defaults(func=cmd_cancel)

    rollback = subparsers.add_parser("rollback", parents=[common],
                                     help="switch ENV back to the newest good release "
                                          "older than the one it runs")
    rollback.add_argument("environment", type=_environment_name)
    rollback.set_defaults(func=cmd_rollback)

    logs = subparsers.add_parser("logs", parents=[common], help="print a build's logs")
    logs.add_argument("build", type=int)
    logs.add_argument("--stage", help="only this stage")
    logs.add_argument("--follow", action="store_true",
                      help="keep printing while the stage runs")
    logs.set_defaults(func=cmd_logs)

    audit = subparsers.add_parser("audit", parents=[common],
                                  help="print the audit trail and verify it (exit 5 when "
                                       "it was tampered with)")
    audit.add_argument("--verify", action="store_true",
                       help="only verify: the hash chain, the append-only triggers and "
                            "each approval decision against its audit row")
    audit.set_defaults(func=cmd_audit)

AUDIT_BROKEN_EXIT = 5


def _environment_name(name: str) -> str:
    """An environment argument, refused (exit 2) before any file is touched when it is not
    a name: an environment name is never a path."""
    problem = environment_name_problem(name)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return name


class PrintLog:
    """Streams a running stage's log to the terminal."""

    def write(self, line: str) -> None:
        print(line, flush=True)


WorkspaceCommand = Callable[[argparse.Namespace, Workspace, Promoter], int]


def on_workspace(command: WorkspaceCommand,
                 warn: bool = True) -> Callable[[argparse.Namespace], int]:
    """Open `--workspace` for `command`; a folder that is not a usable workspace (a damaged
    store or settings file, a file where a folder belongs, found at open or on the way), or
    a name to act as that is not usable, exits 2 with the reason. With `warn`, an audit
    trail found tampered with when the store opened is said on stderr first."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            current_identity(args.identity)
            workspace = Workspace(Path(args.workspace))
            workspace.check_folders()
            workspace.load_pipeline()
            if workspace.connected:
                from release_manager.cli.azure_release_commands import dispatch

                return dispatch(command.__name__, args, workspace)
            promoter = Promoter(workspace)  # opens the store
            verdict = workspace.store.audit_verdict
            if warn and not verdict.intact:
                print(f"release-manager: warning: {workspace.store.path}: "
                      f"{verdict.summary()}. `release-manager audit --verify` lists every "
                      "problem", file=sys.stderr)
            return command(args, workspace, promoter)
        except (WorkspaceError, StoreUnusable, PipelineLoadError, IdentityError,
                EnvironmentNameError) as problem:
            print(f"release-manager: {problem}", file=sys.stderr)
            return 2

    return run


def _record(result: PromotionResult) -> dict:
    """A result as --json prints it."""
    return {"state": result.state, "message": result.message,
            "explanation": result.explanation,
            "stageRun": asdict(result.stage_run) if result.stage_run else None,
            "swapsWaiting": list(result.swaps_waiting)}


def _lines(result: PromotionResult) -> list[str]:
    """A result as the terminal shows it: what became of it, why, and what comes next."""
    lines = [f"{result.state}: {result.message}"]
    if result.explanation:
        lines.append("why:\n" + result.explanation)
    lines += [f"next: release-manager swap {name}" for name in result.swaps_waiting]
    return lines


def _report(result: PromotionResult, as_json: bool) -> int:
    print(json.dumps(_record(result), indent=2) if as_json else "\n".join(_lines(result)))
    return result.exit_code


def _stopped(stop: StopSignals, result: PromotionResult, as_json: bool) -> int:
    """Report `result`; after a stop signal, also one line on stderr and 128 + its
    number."""
    return stop.exit_code(_report(result, as_json), f"{result.state}: {result.message}")


def cmd_demo(args: argparse.Namespace) -> int:
    from release_manager.engine.demo import create_demo

    pipeline = create_demo(args.path)
    print(f"demo workspace ready: {pipeline.parent}\n"
          f"  release-manager run --workspace {pipeline.parent}")
    return 0


@on_workspace
def cmd_run(args: argparse.Namespace, workspace: Workspace,
            promoter: Promoter) -> int:
    if args.param or args.skip:
        print("release-manager: --param and --skip apply to a workspace connected to Azure "
              "DevOps; locally every stage runs and templates take their defaults",
              file=sys.stderr)
        return 1
    try:
        variables = dict(item.split("=", 1) for item in args.var)
    except ValueError:
        print("release-manager: --var takes NAME=VALUE", file=sys.stderr)
        return 2
    problem = _secret_names_problem(args.secret_var, variables)
    if problem:
        print(f"release-manager: {problem}", file=sys.stderr)
        return 2
    try:
        secrets = read_secret_values(args.secret_var, workspace.root)
    except SecretInputError as missing:
        print(f"release-manager: {missing}", file=sys.stderr)
        return 2
    with StopSignals() as stop:
        run, results = promoter.run_pipeline(
            current_identity(args.identity), branch=args.branch, variables=variables,
            log=None if args.json else PrintLog(), secrets=secrets, cancel=stop.token,
        )
    if args.json:
        print(json.dumps({"build": run.id, "branch": run.branch, "commit": run.commit_id,
                          "stages": [{"state": r.state, "message": r.message}
                                     for r in results]}, indent=2))
    else:
        for result in results:
            print(f"build {run.id}: {result.state}: {result.message}")
    code = max((r.exit_code for r in results), default=0)
    return stop.exit_code(code, "; ".join(f"build {run.id}: {r.state}: {r.message}"
                                          for r in results))


def _secret_names_problem(names: list[str], variables: dict[str, str]) -> str:
    if any(not name.strip() or "=" in name for name in names):
        return ("--secret-var takes a NAME only; its value is read from standard input or "
                "the keyring, never from the command line")
    twice = sorted({name for name in names if names.count(name) > 1} | set(names) & set(variables))
    return f"variable {twice[0]} is given twice" if twice else ""


@on_workspace
def cmd_status(args: argparse.Namespace, workspace: Workspace,
               promoter: Promoter) -> int:
    status = workspace_status(workspace, promoter)
    if args.json:
        print(json.dumps(status.to_json(), indent=2))
        return 0
    print(status.to_text())
    return 0


@on_workspace
def cmd_promote(args: argparse.Namespace, _workspace: Workspace,
                promoter: Promoter) -> int:
    with StopSignals() as stop:
        result = promoter.promote(args.build, args.stage, current_identity(args.identity),
                                  log=None if args.json else PrintLog(),
                                  wait_for_lock=not args.no_wait, cancel=stop.token,
                                  swap=args.swap)
    return _stopped(stop, result, args.json)


@on_workspace
def cmd_approvals(args: argparse.Namespace, _workspace: Workspace,
                  promoter: Promoter) -> int:
    pending = promoter.pending_approvals()
    if args.json:
        print(json.dumps([{
            "build": p.approval.run_id, "stage": p.approval.stage,
            "environment": p.approval.environment, "requestedBy": p.approval.requested_by,
            "requestedAt": p.approval.requested_at, "approvers": p.approvers,
            "required": p.required, "instructions": p.instructions,
            "secondsLeft": int(p.time_left()), "definition": str(p.definition),
            "decisions": [{"approver": d.approver, "decision": d.decision,
                           "comment": d.comment} for d in p.decisions],
        } for p in pending], indent=2))
        return 0
    if not pending:
        print("no pending approvals")
    for p in pending:
        hours = int(p.time_left() // 3600)
        print(f"build {p.approval.run_id} → {p.approval.stage} ({p.approval.environment}): "
              f"asked by {p.approval.requested_by}; approvers {', '.join(p.approvers)} "
              f"({p.required} needed); {hours} h left")
        if p.instructions:
            print(f"    {p.instructions}")
        print(f"    runs: {p.definition}")
    return 0


@on_workspace
def cmd_decide(args: argparse.Namespace, _workspace: Workspace,
               promoter: Promoter) -> int:
    actor = current_identity(args.identity)
    results = []
    with StopSignals() as stop:
        for build in args.build:
            if args.decision == "approve":
                results.append(promoter.approve(build, args.stage, actor, args.comment,
                                                log=None if args.json else PrintLog(),
                                                cancel=stop.token))
            else:
                results.append(promoter.reject(build, args.stage, actor, args.comment))
            if stop.token.cancelled:
                break
    if len(results) == 1:
        return _stopped(stop, results[0], args.json)
    return stop.exit_code(report_all(results, args.json),
                          "; ".join(f"{r.state}: {r.message}" for r in results))


def report_all(results: list[PromotionResult], as_json: bool) -> int:
    """Several decisions' results (a JSON list), and the exit code that sums them up: a
    refusal or failure first, then waiting, else 0."""
    if as_json:
        print(json.dumps([_record(r) for r in results], indent=2))
    else:
        for result in results:
            print("\n".join(_lines(result)))
    codes = [r.exit_code for r in results]
    return next((c for c in codes if c not in (0, 3)), 3 if 3 in codes else 0)


@on_workspace
def cmd_cancel(args: argparse.Namespace, _workspace: Workspace, _promoter: Promoter) -> int:
    print(f"release-manager: build {args.build} runs in the process that started it: stop "
          "it there (Ctrl-C); `cancel` is for a workspace connected to Azure DevOps",
          file=sys.stderr)
    return 1


@on_workspace
def cmd_rollback(args: argparse.Namespace, _workspace: Workspace,
                 promoter: Promoter) -> int:
    with StopSignals() as stop:
        result = promoter.rollback(args.environment, current_identity(args.identity),
                                   log=None if args.json else PrintLog(), cancel=stop.token)
    return _stopped(stop, result, args.json)


@on_workspace
def cmd_logs(args: argparse.Namespace, workspace: Workspace,
             promoter: Promoter) -> int:
    records = [r for r in workspace.store.stage_runs(args.build)
               if args.stage is None or r.stage == args.stage]
    if not records:
        print(f"release-manager: no logs for build {args.build}"
              + (f" in {args.stage}" if args.stage else ""), file=sys.stderr)
        return 1
    for record in records:
        print(f"===== {record.stage} (attempt {record.attempt}): {record.state}")
        if record.log_path:
            _print_log(workspace, promoter, record.id, Path(record.log_path), args.follow)
    return 0


def _print_log(workspace: Workspace, promoter: Promoter, stage_run_id: int, path: Path,
               follow: bool) -> None:
    """Print the log; with `follow`, keep printing new lines until the stage finishes or
    the process running it is gone (then recovery closes it, and the last line says so)."""
    if not follow:
        if path.exists():
            sys.stdout.write(path.read_text(encoding="utf-8", errors="replace"))
        return
    follow_file(path, PrintLog(), CancelToken(),
                lambda: still_writing(workspace.store, stage_run_id))
    record = workspace.store.stage_run(stage_run_id)
    if record.finished:
        return
    promoter.recover_interrupted()
    closed = workspace.store.stage_run(stage_run_id)
    print(f"===== the process running {record.stage} (pid {record.pid}) ended before it "
          f"finished: {closed.state}: {closed.message}", flush=True)


@functools.partial(on_workspace, warn=False)
def cmd_audit(args: argparse.Namespace, workspace: Workspace, _promoter: Promoter) -> int:
    verdict = workspace.store.verify_audit()
    if args.json:
        print(json.dumps({
            "intact": verdict.intact, "rows": verdict.rows, "decisions": verdict.decisions,
            "problems": verdict.problems,
            "trail": [] if args.verify else [asdict(row)
                                             for row in workspace.store.audit_trail()],
        }, indent=2, ensure_ascii=False))
    else:
        if not args.verify:
            for row in workspace.store.audit_trail():
                who = f"{row.actor} (OS user {row.os_user})" if row.os_user else row.actor
                detail = json.dumps(row.detail, ensure_ascii=False) if row.detail else ""
                print(f"{row.id:>5} {row.at} {who}: {row.action} {row.subject} {detail}"
                      .rstrip())
        print(f"{workspace.store.path}: {verdict.summary()}")
        for problem in verdict.problems[1:]:
            print(f"  also: {problem}")
    return 0 if verdict.intact else AUDIT_BROKEN_EXIT
