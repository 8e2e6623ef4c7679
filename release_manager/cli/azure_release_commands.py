"""The release verbs on a workspace connected to Azure DevOps (engine/azure/releases.py):
the same arguments, output shapes and exit codes as locally (0 done, 1 refused or failed
with the reason, 3 waiting for approval). Every failure talking to the service is one
line on stderr and exit 1."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from dataclasses import asdict

from release_manager.engine.promotion import PromotionResult
from release_manager.engine.workspace import Workspace


class PrintLog:
    def write(self, line: str) -> None:
        print(line, flush=True)


def dispatch(verb: str, args: argparse.Namespace, workspace: Workspace) -> int:
    from release_manager.cli.target_commands import TARGET_VERBS, on_connected, swaps_back
    from release_manager.credentials import NoSecureStore
    from release_manager.engine.azure.releases import AzureReleases
    from release_manager.engine.backend_errors import BackendError
    from release_manager.error_messages import user_message

    handler = _VERBS.get(verb)
    if handler is None and verb not in TARGET_VERBS:
        print(f"release-manager: {verb.removeprefix('cmd_')} is not available on a workspace "
              "connected to Azure DevOps", file=sys.stderr)
        return 1
    try:
        if verb in TARGET_VERBS or (  # the environments' App Service slots
                verb == "cmd_rollback" and swaps_back(workspace, args.environment)):
            return on_connected(verb, args, workspace)
        releases = AzureReleases(workspace.backend, workspace.load_pipeline())  # type: ignore[arg-type]
        if verb == "cmd_status":
            return status(args, releases, workspace)
        return handler(args, releases)  # type: ignore[misc]
    except (BackendError, NoSecureStore) as refusal:
        print(f"release-manager: {user_message(refusal)}", file=sys.stderr)
        return 1


def _report(result: PromotionResult, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"state": result.state, "message": result.message,
                          "explanation": result.explanation, "stageRun": None}, indent=2))
    else:
        print(f"{result.state}: {result.message}")
        if result.explanation:
            print("why:\n" + result.explanation)
    return result.exit_code


def _pairs(items: list[str], option: str) -> dict[str, str]:
    try:
        return dict(item.split("=", 1) for item in items)
    except ValueError:
        raise SystemExit(f"release-manager: {option} takes NAME=VALUE") from None


def status(args: argparse.Namespace, releases, workspace: Workspace) -> int:
    """As locally, each environment with its App Service target's slots (Azure's), or
    why they cannot be read, for that environment alone."""
    from release_manager.engine.release_status import read_slots, slot_lines
    from release_manager.engine.swap import TargetActions

    state = releases.status()
    actions = functools.cache(lambda: TargetActions(workspace, workspace.targets, None))
    slot_text = {}
    for env in state["environments"]:
        slots, env["slots_error"] = read_slots(workspace, actions, env["name"])
        env["slots"] = [asdict(slot) for slot in slots]
        slot_text[env["name"]] = slot_lines(slots, env["slots_error"])
    if args.json:
        print(json.dumps(state, indent=2))
        return 0
    lines = ["Environments:"]
    for env in state["environments"]:
        build = f"build {env['current_build']}" if env["current_build"] else "nothing deployed"
        extra = f" ({env['commit'][:8]}, {env['deployed_at']} by {env['deployed_by']})" \
            if env["current_build"] and env["commit"] else ""
        last = f" [last: {env['last_state']}]" if env["last_state"] else ""
        note = "  ← behind upstream" if env["behind"] else ""
        back = f"  ↩ rollback goes to build {env['rollback_to']}" if env["rollback_to"] else ""
        lines.append(f"  {env['name']:<12} {build}{extra}{last}{note}{back}")
        lines += [f"  {'':<12} {line}" for line in slot_text[env["name"]]]
    lines.append("Builds:")
    for build in state["builds"]:
        cells = ", ".join(f"{name}: {cell['state']}" for name, cell in build["stages"].items())
        lines.append(f"  {build['id']:>4} {build['branch']} {build['commit'][:8]} "
                     f"{build['reason']} by {build['requested_by']}  {cells}")
    if state["approvals"]:
        lines.append("Pending approvals:")
        for item in state["approvals"]:
            lines.append(f"  build {item['build']} → {item['stage']}, asked by "
                         f"{item['requestedBy']}; approvers {', '.join(item['approvers'])}")
    print("\n".join(lines))
    return 0


def run(args: argparse.Namespace, releases) -> int:
    from release_manager.cli.secret_input import SecretInputError, read_secret_values

    variables = _pairs(args.var, "--var")
    try:  # as locally: from standard input or the keyring, never the command line
        secrets = read_secret_values(args.secret_var, releases.backend.source)
    except SecretInputError as missing:
        print(f"release-manager: {missing}", file=sys.stderr)
        return 2
    queued = releases.backend.queue_run(
        args.branch, {**variables, **secrets}, secrets=frozenset(secrets),
        parameters=_pairs(args.param, "--param"), skip=tuple(args.skip))
    if args.json:
        print(json.dumps({"build": int(queued.remote_id), "branch": queued.branch,
                          "commit": queued.commit, "backend": "azure",
                          "remote_id": queued.remote_id, "stages": []}, indent=2))
    else:
        print(f"build {queued.remote_id}: queued on {queued.branch} "
              f"({releases.backend.run_url(int(queued.remote_id))})")
    return 0


def promote(args: argparse.Namespace, releases) -> int:
    return _report(releases.promote(args.build, args.stage), args.json)


def approvals(args: argparse.Namespace, releases) -> int:
    pending = releases.approvals()
    if args.json:
        print(json.dumps([asdict(p) for p in pending], indent=2))  # no secret in them
        return 0
    if not pending:
        print("no pending approvals")
    for p in pending:
        print(f"build {p.run_id} → {p.stage}: asked by {p.requested_by}; approvers "
              f"{', '.join(p.approvers)} ({p.required} needed)")
        if p.instructions:
            print(f"    {p.instructions}")
    return 0


def decide(args: argparse.Namespace, releases) -> int:
    """One request decides every build's approval alike (Azure's bulk decision)."""
    from release_manager.cli.release_commands import report_all

    decision = "approved" if args.decision == "approve" else "rejected"
    results = releases.decide(args.build, args.stage, decision, args.comment)
    if len(results) == 1:
        return _report(results[0], args.json)
    return report_all(results, args.json)


def cancel(args: argparse.Namespace, releases) -> int:
    return _report(releases.cancel(args.build), args.json)


def rollback(args: argparse.Namespace, releases) -> int:
    return _report(releases.rollback(args.environment, PrintLog()), args.json)


def logs(args: argparse.Namespace, releases) -> int:
    if args.stage is None:
        if args.follow:
            print("release-manager: --follow follows one stage: add --stage STAGE",
                  file=sys.stderr)
            return 1
        for state in releases.backend.stages(args.build):
            if state.reached:
                _print_stage(releases, args.build, state.identifier)
        return 0
    if args.follow:
        state = releases.log_lines(args.build, args.stage)[0]
        print(f"===== {state.identifier} (attempt {state.attempt}): {state.state}", flush=True)
        result = releases.follow(args.build, args.stage, PrintLog())
        print(f"===== {state.identifier}: {result}", flush=True)
        return 0
    _print_stage(releases, args.build, args.stage)
    return 0


def _print_stage(releases, build: int, stage: str) -> None:
    state, lines = releases.log_lines(build, stage)
    print(f"===== {state.identifier} (attempt {state.attempt}): {state.state}")
    for line in lines:
        print(line)


_VERBS: dict[str, Callable[[argparse.Namespace, object], int]] = {
    "cmd_status": status, "cmd_run": run, "cmd_promote": promote, "cmd_approvals": approvals,
    "cmd_decide": decide, "cmd_cancel": cancel, "cmd_rollback": rollback, "cmd_logs": logs,
}
