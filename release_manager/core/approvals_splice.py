"""Environments' approvals written into `.release-manager/environments.yml` in place: each
changed environment's `approval:` block is replaced, removed or inserted at the positions
the parser reports, and every other byte of the file (comments, order, other settings,
line breaks) stays as it was. A layout that cannot be spliced (flow style, an empty
section) is written whole, as `dumps` writes it; the result always reads back as asked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from release_manager.core.environments_file import (
    approval_text,
    dumps,
    environments_path,
    key_text,
    loads,
)
from release_manager.core.model import ApprovalPolicy, Environment
from release_manager.core.yaml_guard import parse_settings_with_ends
from release_manager.core.yaml_text import SourceText

Approvals = dict[str, ApprovalPolicy | None]
"""Environment name (as the file spells it, or new) → its approval (None: none)."""


class _Unspliceable(Exception):
    """This layout is written whole instead."""


def with_approvals(text: str, path: Path, approvals: Approvals) -> str:
    """`text` (the file, "" when there is none) with each named environment's approval
    set as given; an approval already as given keeps its text. Raises
    EnvironmentsFileError when `text` does not read."""
    current = loads(text, path) if text.strip() else {}
    wanted = dict(current)
    for name, policy in approvals.items():
        wanted[name] = replace(wanted.get(name) or Environment(name), approval=policy)
    if not text.strip():
        return dumps(wanted)
    changed = {name: policy for name, policy in approvals.items()
               if (current[name].approval if name in current else None) != policy}
    try:
        spliced = _splice(text, path, changed)
    except _Unspliceable:
        return dumps(wanted)
    whole = dumps(wanted)
    if dumps(loads(spliced, path)) != whole:  # never write what does not read back as asked
        return whole
    return spliced


def environments_text(workspace_dir: Path) -> str:
    """The file's text as it is on disk ("" when there is none)."""
    path = environments_path(workspace_dir)
    return path.read_bytes().decode("utf-8") if path.exists() else ""


def _splice(text: str, path: Path, approvals: Approvals) -> str:
    parsed = parse_settings_with_ends(text, path)
    root = parsed.root
    section = root.get("environments") if isinstance(root, CommentedMap) else None
    if not isinstance(section, CommentedMap) or not section or section.fa.flow_style():
        raise _Unspliceable
    source = SourceText(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) offsets
    appended: list[str] = []  # names of environments with a policy, new to the file
    for name, policy in approvals.items():
        if name not in section:
            if policy is not None:
                appended.append(name)
            continue
        body = section[name]
        if not isinstance(body, CommentedMap) or not body or body.fa.flow_style():
            raise _Unspliceable
        edits.append(_approval_edit(source, parsed.ends, section, name, body, policy, newline))
    if appended:  # new environments go at the end of the section
        end_line = _end_line(parsed.ends, section)
        column = section.lc.col
        block = "".join(f"{' ' * column}{key_text(name)}:{newline}"
                        + _block(approvals[name], column + 2, newline) for name in appended)
        at = source.next_line_start(end_line)
        prefix = "" if at == 0 or text[at - 1] in "\r\n" else newline
        edits.append((at, at, prefix + block))
    out = text
    for start, end, replacement in sorted(edits, reverse=True):
        out = out[:start] + replacement + out[end:]
    return out


def _approval_edit(source: SourceText, ends: dict, section: CommentedMap, name: str,
                   body: CommentedMap, policy: ApprovalPolicy | None,
                   newline: str) -> tuple[int, int, str]:
    if "approval" in body:
        key_line, column = body.lc.key("approval")
        value = body["approval"]
        if not isinstance(value, CommentedMap) or value.fa.flow_style():
            raise _Unspliceable
        start = source.line_start(key_line)
        end = source.next_line_start(_end_line(ends, value))
        if policy is not None:
            return start, end, _block(policy, column, newline)
        if len(body) == 1:  # the approval was all it held: the environment goes
            start = source.line_start(section.lc.key(name)[0])
        return start, end, ""
    if policy is None:
        return 0, 0, ""
    first_line, column = body.lc.key(next(iter(body)))
    at = source.line_start(first_line)
    return at, at, _block(policy, column, newline)


def _end_line(ends: dict, mapping: CommentedMap) -> int:
    """The line of a block mapping's last character."""
    line, _column = ends[(mapping.lc.line, mapping.lc.col, "map")]
    return line


def _block(policy: ApprovalPolicy, column: int, newline: str) -> str:
    return approval_text(policy, column).replace("\n", newline)

