"""A file's own YAML style, and new YAML fragments written in it with ruamel.yaml.

Only edited nodes are ever written; they follow how the file already indents mappings and
sequences (`- item` level with its key, or indented under it) and how it quotes.
"""

from __future__ import annotations

import functools
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from release_manager.core.yaml_guard import StringResolver


@dataclass(frozen=True)
class Style:
    map_indent: int = 2
    """Columns a nested mapping is indented under its key."""
    seq_offset: int = 0
    """Columns the `-` of a block sequence is indented under its key (0: level with it)."""
    newline: str = "\n"


def detect_style(root: Any, lines: list[str], newline: str) -> Style:
    """The most common indentation of nested mappings and sequences in the file."""
    map_indents: Counter[int] = Counter()
    seq_offsets: Counter[int] = Counter()
    stack = [root]
    while stack and sum(map_indents.values()) + sum(seq_offsets.values()) < 400:
        node = stack.pop()
        if hasattr(node, "items"):
            for key, value in node.items():
                if not isinstance(key, str):
                    continue
                key_line, key_col = node.lc.key(key)
                if hasattr(value, "items") and value and not value.fa.flow_style():
                    line, col = node.lc.value(key)
                    if line > key_line:
                        map_indents[col - key_col] += 1
                elif isinstance(value, list) and value and not value.fa.flow_style():
                    dash = dash_column(value, 0, lines)
                    if dash is not None and value.lc.item(0)[0] > key_line:
                        seq_offsets[dash - key_col] += 1
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    map_indent = map_indents.most_common(1)[0][0] if map_indents else 2
    seq_offset = seq_offsets.most_common(1)[0][0] if seq_offsets else 0
    return Style(max(1, map_indent), max(0, seq_offset), newline)


def dash_column(seq: Any, index: int, lines: list[str]) -> int | None:
    """Column of the `-` that starts item `index` of a block sequence."""
    line, col = seq.lc.item(index)
    source = lines[line] if line < len(lines) else ""
    probe = min(col, len(source)) - 1
    while probe >= 0 and source[probe] == " ":
        probe -= 1
    if probe >= 0 and source[probe] == "-":
        return probe
    if line > 0:  # "-" alone on the line before its item
        previous = lines[line - 1].rstrip()
        if previous.endswith("-"):
            return len(previous) - 1
    return None


def prepare(value: Any) -> Any:
    """Multi-line strings as literal blocks, so conditions and scripts stay readable."""
    if isinstance(value, dict):
        return {key: prepare(item) for key, item in value.items()}
    if isinstance(value, list):
        return [prepare(item) for item in value]
    if isinstance(value, str) and literal_fits(value):
        return LiteralScalarString(value)
    return value


def dump(value: Any, style: Style) -> str:
    """`value` (a mapping) as block YAML at column 0, in `style`, ending with "\\n"."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=style.map_indent, sequence=style.seq_offset + 2,
                offset=style.seq_offset)
    buffer = io.StringIO()
    yaml.dump(prepare(value), buffer)
    return buffer.getvalue().removesuffix("...\n")  # the end marker after a `|+` block


def key_fragment(key: str, value: Any, style: Style, column: int) -> str:
    """`key: value` for a file whose key sits at `column`: the first line without its
    indentation (the caller places it), the others indented; ends with "\\n"."""
    lines = dump({key: value}, style).splitlines()
    return "\n".join([lines[0]] + [_indented(line, column) for line in lines[1:]]) + "\n"


def item_fragment(value: Any, style: Style, dash: int, content: int) -> str:
    """A block-sequence item (`- stage: X` …) for a list whose dashes are at column `dash`
    and whose item keys are at column `content`; every line indented, ends with "\\n"."""
    lines = dump(value, style).splitlines()
    head = " " * dash + "-" + " " * max(1, content - dash - 1)
    return "\n".join([head + lines[0]] + [_indented(line, content) for line in lines[1:]]) + "\n"


def _indented(line: str, column: int) -> str:
    return " " * column + line if line else line


def scalar(value: str, like: str = "") -> str:
    """A one-line scalar: in the quote style of `like` (the text it replaces) when that was
    quoted, otherwise plain unless YAML needs quotes (ruamel decides)."""
    return _scalar(value, like[:1] if like[:1] in ("'", '"') else "")


@functools.lru_cache(maxsize=4096)
def _scalar(value: str, like: str) -> str:
    if like.startswith("'"):
        kind: Any = SingleQuotedScalarString
    elif like.startswith('"'):
        kind = DoubleQuotedScalarString
    elif _reads_back_plain(value):
        return value
    else:
        kind = str
    yaml = YAML(typ="rt")
    yaml.width = 4096
    buffer = io.StringIO()
    yaml.dump({"k": kind(value)}, buffer)
    return buffer.getvalue()[3:].rstrip("\n").removesuffix("\n...")


def _reads_back_plain(value: str) -> bool:
    """True when `key: value` reads back as exactly this string (Azure reads every scalar
    as a string, so `true` or `1.0` need no quotes; `a: b`, `*x` or `#c` do)."""
    if not value or value != value.strip() or "\n" in value or value[0] in "[]{},":
        return False
    yaml = YAML(typ="rt")
    yaml.Resolver = StringResolver
    try:
        loaded = yaml.load(f"k: {value}\n")
    except YAMLError:
        return False
    return hasattr(loaded, "keys") and list(loaded) == ["k"] and loaded["k"] == value


def flow_list(values: list[str], like: str = "") -> str:
    return "[" + ", ".join(scalar(value, like) for value in values) + "]"


def block_scalar(value: str, column: int) -> str | None:
    """`|` literal block for a multi-line value whose lines go at `column`: the indicator
    line first, no newline after the last line; None when it does not fit one."""
    if not literal_fits(value):
        return None
    body = value.removesuffix("\n")
    lines = [" " * column + line if line.strip() else "" for line in body.split("\n")]
    return ("|\n" if value.endswith("\n") else "|-\n") + "\n".join(lines)


def literal_fits(value: str) -> bool:
    """Whether a `|` or `|-` block holds `value` exactly: several lines, not led by
    whitespace (that would need an indentation indicator) and at most one final newline
    (`|+` would swallow the blank lines that follow it in the file)."""
    return "\n" in value and not value.startswith((" ", "\t", "\n")) \
        and not value.endswith("\n\n") and value.strip() != ""
