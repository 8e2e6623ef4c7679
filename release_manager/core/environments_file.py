"""Environments' approvals, checks and App Service targets, kept beside the pipeline.

Azure keeps approvals, business hours and the exclusive lock in the project's Environment
settings, never in azure-pipelines.yml. Release Manager keeps them in
`.release-manager/environments.yml` next to the pipeline file: plain YAML with a fixed key
order, so a change of approvers is a small, reviewable diff in git. A save rewrites only
the environments, and within them the keys, that changed (core/settings_splice.py): a
hand-kept file keeps its comments, order and line breaks.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from release_manager.core.app_service_rules import (
    health_path_refusal,
    slot_refusal,
    swap_refusal,
)
from release_manager.core.atomic_file import write_bytes_atomic
from release_manager.core.identity_names import invisible_character
from release_manager.core.model import (
    PRODUCTION_SLOT,
    ApprovalPolicy,
    AppServiceTarget,
    BusinessHours,
    Environment,
)
from release_manager.core.settings_splice import Entries, Unspliceable, splice_section
from release_manager.core.yaml_guard import PipelineLoadError, Problem, parse_settings, read_file

FOLDER = ".release-manager"
FILE_NAME = "environments.yml"
VERSION = 1
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

HEADER = """\
# Approvals and checks of this pipeline's environments, kept by Release Manager.
# Azure keeps these in the project's Environment settings, not in azure-pipelines.yml,
# so they live here beside the pipeline, to be reviewed and versioned with it.
# timeoutMinutes: how long an approval waits (43200 = 30 days); order: any | sequential.
# appService: the App Service app and slot deployments go to; swapWith: the slot a healthy
# deployment is swapped into; healthCheckPath: omitted, the app's own, else /.
"""


class EnvironmentsFileError(PipelineLoadError):
    """A bad environments file; `str()` is `file:line:col: message` (1-based). It is a
    load error of the pipeline it belongs to, reported the same way."""

    def __init__(self, message: str, path: Path, line: int, column: int) -> None:
        super().__init__([Problem(message, line, column)], path)
        self.message = message
        self.path = path
        self.line = line
        self.column = column


def environments_path(workspace_dir: Path) -> Path:
    return Path(workspace_dir) / FOLDER / FILE_NAME


def _has_settings(environment: Environment) -> bool:
    return bool(
        environment.approval is not None
        or environment.business_hours is not None
        or environment.exclusive_lock
        or environment.health_check
        or environment.health_check_url
        or environment.app_service is not None
    )


# --------------------------------------------------------------------- writing


def dumps(environments: dict[str, Environment]) -> str:
    """The file's text: environments by name, each key in a fixed order. Environments
    without any setting are left out (they exist in the pipeline already)."""
    body: dict[str, Any] = {}
    for name in sorted(environments, key=str.lower):
        environment = environments[name]
        if _has_settings(environment):
            body[_scalar(name)] = _environment_data(environment)
    yaml = _writer()
    stream = io.StringIO()
    yaml.dump({"version": VERSION, "environments": body}, stream)
    return HEADER + stream.getvalue()


def _environment_data(environment: Environment) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if environment.approval is not None:
        data["approval"] = _approval_data(environment.approval)
    if environment.business_hours is not None:
        hours = environment.business_hours
        data["businessHours"] = {
            "days": list(hours.days),
            # Quoted: YAML 1.1 readers take an unquoted 09:00 for a number.
            "start": DoubleQuotedScalarString(hours.start),
            "end": DoubleQuotedScalarString(hours.end),
            "timeZone": _scalar(hours.time_zone),
        }
    data["exclusiveLock"] = environment.exclusive_lock
    if environment.health_check:
        data["healthCheck"] = True
    if environment.health_check_url:
        data["healthCheckUrl"] = _scalar(environment.health_check_url)
    if environment.app_service is not None:
        data["appService"] = _app_service_data(environment.app_service)
    return data


def _app_service_data(target: AppServiceTarget) -> dict[str, Any]:
    """The target's keys in a fixed order; empty ones left out. The slot is always written
    (also `production`): it is what the target says first, and a target of defaults only
    would otherwise be an empty mapping."""
    data = {"subscription": target.subscription, "resourceGroup": target.resource_group,
            "app": target.app}
    data = {key: _scalar(value) for key, value in data.items() if value}
    data["slot"] = _scalar(target.slot)
    if target.swap_with:
        data["swapWith"] = _scalar(target.swap_with)
    if target.health_path:
        data["healthCheckPath"] = _scalar(target.health_path)
    return data


def _approval_data(policy: ApprovalPolicy) -> dict[str, Any]:
    return {
        "approvers": [_scalar(approver) for approver in policy.approvers],
        "minimumApprovers": policy.minimum_approvers,
        "requesterCannotApprove": policy.requester_cannot_approve,
        "order": policy.order,
        "timeoutMinutes": policy.timeout_minutes,
        "instructions": _text(policy.instructions),
    }


def block_text(mapping: dict[str, Any], column: int) -> str:
    """`mapping` as `dumps` writes its keys, indented to start at `column` (the keys are
    environment names or setting keys; for splicing: core/settings_splice.py)."""
    yaml = _writer()
    stream = io.StringIO()
    yaml.dump({_scalar(key): value for key, value in mapping.items()}, stream)
    return "".join(" " * column + line if line.strip() else line
                   for line in stream.getvalue().splitlines(keepends=True))


def _writer() -> YAML:
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


def _plain(text: str) -> bool:
    """Text YAML writes as it is: printable, without the characters some readers take for
    line breaks (NEL, LS, PS)."""
    return all(char.isprintable() and char not in "\x85\u2028\u2029" for char in text)


def _scalar(text: str) -> str:
    """Other text is double-quoted, where YAML writes escapes (`\\t`, `\\x1f`, …)."""
    return text if _plain(text) else DoubleQuotedScalarString(text)


def _text(text: str) -> str:
    """Several lines as a literal block, which reads (and diffs) as the lines it holds."""
    if "\n" in text.strip("\n") and _plain(text.replace("\n", "")):
        return LiteralScalarString(text)
    return _scalar(text)


def _entries(environments: dict[str, Environment]) -> Entries:
    return {name: _environment_data(environment)
            for name, environment in environments.items() if _has_settings(environment)}


def with_environments(text: str, path: Path, environments: dict[str, Environment]) -> str:
    """`text` (the file, "" when there is none) holding `environments`: only the
    environments, and within them the keys, that differ are rewritten; the rest stays
    byte for byte. A layout that cannot be spliced is written whole, as `dumps` writes
    it; the result always reads back as `environments`. Raises EnvironmentsFileError when
    `text` does not read."""
    whole = dumps(environments)
    if not text.strip():
        return whole
    current = loads(text, path)
    try:
        spliced = splice_section(text, path, "environments", _entries(current),
                                 _entries(environments), block_text)
        if dumps(loads(spliced, path)) == whole:  # never write what does not read back
            return spliced
    except (Unspliceable, EnvironmentsFileError):
        pass
    return whole


def with_approvals(text: str, path: Path, approvals: dict[str, ApprovalPolicy | None]) -> str:
    """`text` with each named environment's approval set as given (None: none), the rest
    of the file as it is (`environments pull`)."""
    wanted = loads(text, path) if text.strip() else {}
    for name, policy in approvals.items():
        wanted[name] = replace(wanted.get(name) or Environment(name), approval=policy)
    return with_environments(text, path, wanted)


def environments_text(workspace_dir: Path) -> str:
    """The file's text as it is on disk ("" when there is none)."""
    path = environments_path(workspace_dir)
    return path.read_bytes().decode("utf-8") if path.exists() else ""


def environments_data(workspace_dir: Path, environments: dict[str, Environment]) -> bytes | None:
    """The bytes `save_environments` writes: the file on disk with what changed spliced
    in (in its own encoding); None when it writes nothing (there is no file yet and no
    environment has a setting). A file on disk that does not read is written whole."""
    path = environments_path(workspace_dir)
    if not path.exists():
        if not any(map(_has_settings, environments.values())):
            return None
        return dumps(environments).encode("utf-8")
    try:
        text, encoding = read_file(path)
        return encoding.bom + with_environments(text, path, environments).encode(encoding.codec)
    except PipelineLoadError:  # EnvironmentsFileError is one
        return dumps(environments).encode("utf-8")


def save_environments(workspace_dir: Path, environments: dict[str, Environment]) -> None:
    """Write the file atomically (temp file in the same folder, fsync, rename), only what
    changed spliced into the file on disk. Nothing is created when there is no file yet
    and no environment has a setting."""
    data = environments_data(workspace_dir, environments)
    if data is not None:
        write_bytes_atomic(environments_path(workspace_dir), data)


def merge_environments(base: dict[str, Environment], mine: dict[str, Environment],
                       disk: dict[str, Environment]) -> dict[str, Environment] | None:
    """The environments to write when the file changed on disk since `base` was read
    (another pipeline of the folder saved its approvals): each environment as `mine` has
    it where this side changed it, else as on disk. None when an environment was changed
    on both sides, differently: that is for the user to settle."""
    merged = dict(disk)
    for name in set(base) | set(mine):
        ours = _settings(mine.get(name))
        if ours == _settings(base.get(name)):
            continue  # not changed here: the disk's stands
        theirs = _settings(disk.get(name))
        if theirs not in (_settings(base.get(name)), ours):
            return None
        if ours is None:
            merged.pop(name, None)
        else:
            merged[name] = ours
    for name, environment in mine.items():  # the pipeline's, without settings
        if _settings(environment) is None:
            merged.setdefault(name, environment)
    return merged


def _settings(environment: Environment | None) -> Environment | None:
    """The environment if it has a setting to keep; one without is as good as absent."""
    return environment if environment is not None and _has_settings(environment) else None


# --------------------------------------------------------------------- reading


def load_environments(workspace_dir: Path) -> dict[str, Environment]:
    """The environments in `<workspace_dir>/.release-manager/environments.yml`, {} when
    the file is absent. A bad file raises EnvironmentsFileError with line and column."""
    path = environments_path(workspace_dir)
    if not path.exists():
        return {}
    try:
        text, _ = read_file(path)  # a regular file only, its size and encoding checked
    except PipelineLoadError as error:
        raise _problem_error(error, path) from None
    return loads(text, path)


def _problem_error(error: PipelineLoadError, path: Path) -> EnvironmentsFileError:
    problem = error.problems[0]
    return EnvironmentsFileError(problem.message, path, problem.line or 1, problem.column or 1)


def loads(text: str, path: Path) -> dict[str, Environment]:
    try:
        root = parse_settings(text, path)
    except PipelineLoadError as error:
        raise _problem_error(error, path) from None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise EnvironmentsFileError(error.problem or str(error), path, line, column) from None
    except YAMLError as error:
        raise EnvironmentsFileError(str(error), path, 1, 1) from None
    if root is None:
        return {}
    reader = _Reader(path)
    top = reader.mapping(root, None, "the file")
    reader.known_keys(top, {"version", "environments"}, "the file")
    version = top.get("version", VERSION)
    if version != VERSION:
        reader.fail(f"unsupported version {version!r} (this release reads {VERSION})",
                    top, "version")
    section = top.get("environments")
    if section is None:
        return {}
    section = reader.mapping(section, top, "environments", key="environments")
    return {
        str(name): reader.environment(str(name), section[name], section)
        for name in section
    }


class _Reader:
    """Reads the parsed file into model objects, failing at the offending key's position."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, parent: Any, key: Any = None) -> None:
        line, column = 1, 1
        if isinstance(parent, CommentedMap) and key is not None and key in parent:
            line, column = (number + 1 for number in parent.lc.value(key))
        elif isinstance(parent, CommentedSeq) and isinstance(key, int):
            line, column = (number + 1 for number in parent.lc.item(key))
        elif parent is not None and hasattr(parent, "lc"):
            line, column = parent.lc.line + 1, parent.lc.col + 1
        raise EnvironmentsFileError(message, self.path, line, column)

    def mapping(self, value: Any, parent: Any, what: str, key: Any = None) -> CommentedMap:
        if not isinstance(value, CommentedMap):
            self.fail(f"{what} must be a mapping of keys to values", parent, key)
        return value

    def known_keys(self, mapping: CommentedMap, known: set[str], what: str) -> None:
        for key in mapping:
            if key not in known:
                expected = ", ".join(sorted(known))
                line, column = mapping.lc.key(key)
                raise EnvironmentsFileError(
                    f"unknown key {key!r} in {what} (expected one of: {expected})",
                    self.path, line + 1, column + 1,
                )

    def typed(self, mapping: CommentedMap, key: str, kind: type, default: Any, what: str) -> Any:
        if key not in mapping or mapping[key] is None:
            return default
        value = mapping[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.fail(f"{what}.{key} must be a whole number, not {value!r}", mapping, key)
        if kind is bool and not isinstance(value, bool):
            self.fail(f"{what}.{key} must be true or false, not {value!r}", mapping, key)
        if kind is str and not isinstance(value, str):
            self.fail(f"{what}.{key} must be text, not {value!r}", mapping, key)
        return value

    def strings(self, mapping: CommentedMap, key: str, what: str) -> list[str]:
        if key not in mapping or mapping[key] is None:
            return []
        items = mapping[key]
        if not isinstance(items, CommentedSeq):
            self.fail(f"{what}.{key} must be a list", mapping, key)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                self.fail(f"{what}.{key} holds {item!r}, which is not text", items, index)
        return [str(item) for item in items]

    def environment(self, name: str, value: Any, section: CommentedMap) -> Environment:
        data = self.mapping(value, section, f"environment {name!r}", key=name)
        what = name
        self.known_keys(
            data, {"approval", "businessHours", "exclusiveLock", "healthCheck", "healthCheckUrl",
                   "appService"},
            f"environment {name!r}",
        )
        environment = Environment(
            name,
            exclusive_lock=self.typed(data, "exclusiveLock", bool, False, what),
            health_check=self.typed(data, "healthCheck", bool, False, what),
            health_check_url=self.typed(data, "healthCheckUrl", str, "", what),
        )
        if data.get("approval") is not None:
            environment.approval = self.approval(data, f"{what}.approval")
        if data.get("businessHours") is not None:
            environment.business_hours = self.business_hours(data, f"{what}.businessHours")
        if data.get("appService") is not None:
            environment.app_service = self.app_service(data, f"{what}.appService")
        return environment

    def app_service(self, parent: CommentedMap, what: str) -> AppServiceTarget:
        data = self.mapping(parent["appService"], parent, what, key="appService")
        self.known_keys(data, {"subscription", "resourceGroup", "app", "slot", "swapWith",
                               "healthCheckPath"}, what)
        target = AppServiceTarget(
            subscription=self.typed(data, "subscription", str, "", what),
            resource_group=self.typed(data, "resourceGroup", str, "", what),
            app=self.typed(data, "app", str, "", what),
            slot=self.typed(data, "slot", str, PRODUCTION_SLOT, what),
            swap_with=self.typed(data, "swapWith", str, "", what),
            health_path=self.typed(data, "healthCheckPath", str, "", what),
        )
        for key, refusal in (("slot", slot_refusal(target.slot)),
                             ("swapWith", swap_refusal(target.slot, target.swap_with)),
                             ("healthCheckPath", health_path_refusal(target.health_path))):
            if refusal:
                self.fail(f"{what}.{key}: {refusal}", data, key)
        return target

    def approval(self, parent: CommentedMap, what: str) -> ApprovalPolicy:
        data = self.mapping(parent["approval"], parent, what, key="approval")
        self.known_keys(
            data,
            {"approvers", "minimumApprovers", "requesterCannotApprove", "order",
             "timeoutMinutes", "instructions"},
            what,
        )
        default = ApprovalPolicy()
        policy = ApprovalPolicy(
            approvers=self.strings(data, "approvers", what),
            minimum_approvers=self.typed(
                data, "minimumApprovers", int, default.minimum_approvers, what
            ),
            requester_cannot_approve=self.typed(
                data, "requesterCannotApprove", bool, default.requester_cannot_approve, what
            ),
            order=self.typed(data, "order", str, default.order, what),
            timeout_minutes=self.typed(
                data, "timeoutMinutes", int, default.timeout_minutes, what
            ),
            instructions=self.typed(data, "instructions", str, default.instructions, what),
        )
        for index, name in enumerate(policy.approvers):
            hidden = invisible_character(name)
            if hidden:
                self.fail(f"{what}.approvers: {name!r} holds an invisible character, "
                          f"{hidden}; type the name without it", data["approvers"], index)
        if policy.order not in ("any", "sequential"):
            self.fail(f"{what}.order must be 'any' or 'sequential', not {policy.order!r}",
                      data, "order")
        if policy.minimum_approvers < 1:
            self.fail(f"{what}.minimumApprovers must be at least 1", data, "minimumApprovers")
        if policy.timeout_minutes < 1:
            self.fail(f"{what}.timeoutMinutes must be at least 1", data, "timeoutMinutes")
        return policy

    def business_hours(self, parent: CommentedMap, what: str) -> BusinessHours:
        data = self.mapping(parent["businessHours"], parent, what, key="businessHours")
        self.known_keys(data, {"days", "start", "end", "timeZone"}, what)
        default = BusinessHours()
        days = self.strings(data, "days", what) if "days" in data else default.days
        for index, day in enumerate(days):
            if day not in WEEKDAYS:
                self.fail(f"{what}.days: {day!r} is not a day (Monday … Sunday)",
                          data["days"], index)
        hours = BusinessHours(
            days=days,
            start=self.typed(data, "start", str, default.start, what),
            end=self.typed(data, "end", str, default.end, what),
            time_zone=self.typed(data, "timeZone", str, default.time_zone, what),
        )
        for key in ("start", "end"):
            text = getattr(hours, key)
            hour, colon, minute = text.partition(":")
            if not (colon and hour.isdigit() and minute.isdigit() and len(minute) == 2
                    and int(hour) < 24 and int(minute) < 60):
                self.fail(f"{what}.{key} must be a time like \"09:00\", not {text!r}",
                          data, key)
        return hours
