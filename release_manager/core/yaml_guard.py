"""Reading an azure-pipelines.yml safely: bytes → text → the YAML tree with positions.

Every way a file can be unusable becomes a `Problem` with its position, collected in one
`PipelineLoadError`: too big, empty, binary, not UTF-8, not YAML, tabs for indentation,
nesting too deep, anchors/aliases (Azure rejects them, and expanding them is how
"billion laughs" files exhaust memory), duplicate keys, a top that is not a mapping.

The reader is libyaml's, through `yaml_tree` (C speed); where its reading could differ
from a YAML 1.2 reader's, or it refuses the text, ruamel.yaml's round-trip reader reads it
instead, into the same tree. Both keep every scalar a string (Azure's parser works on
strings: `false`, `1.0` and `~` stay as written), check depth, anchors, tags and duplicate
keys while they build the tree, and record where each node ends. Settings files beside a
pipeline (small, their scalars typed) are read by ruamel alone (`parse_settings`).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from release_manager.core.regular_file import FileTooBig, NotARegularFile, read_regular
from release_manager.core.yaml_tree import (
    Ends,
    Refused,
    Unsupported,
    block_scalar_end,
    compose,
    duplicate_key,
    refused_anchor,
    refused_depth,
    refused_tag,
)

MAX_BYTES = 2 * 1024 * 1024
"""Refuse bigger files: real pipelines are tens of KB (the largest we know is 45 KB), and
the pure-Python round-trip parser needs seconds per MB."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences accepted (real pipelines stay under 20)."""

MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be read; `line` and `column` are 1-based (0 when unknown)."""

    message: str
    line: int = 0
    column: int = 0


class PipelineLoadError(Exception):
    """A pipeline file that cannot be read; `problems` lists every reason found."""

    def __init__(self, problems: list[Problem], path: Path | str | None = None) -> None:
        self.problems = list(problems)
        self.path = Path(path) if path is not None else None
        super().__init__(str(self))

    def __str__(self) -> str:
        name = str(self.path) if self.path is not None else "<text>"
        return "\n".join(f"{name}:{p.line}:{p.column}: {p.message}" for p in self.problems)


@dataclass(frozen=True)
class Encoding:
    """How the file's bytes were written, so a save writes them the same way."""

    codec: str = "utf-8"
    bom: bytes = b""


@dataclass
class ParsedYaml:
    """The round-trip tree and where every node ends, keyed by where it starts."""

    root: Any
    ends: Ends = field(default_factory=dict)
    """(line, column, kind) of a node's start (0-based, kind "scalar"/"seq"/"map") →
    (line, column) just after its last character (trailing blank lines and comments of
    block collections excluded)."""


LINE_BREAK = re.compile("\r\n|[\r\n]")
"""What the parser (YAML 1.2) counts as the end of a line, so positions agree with it."""


def split_lines(text: str) -> list[str]:
    """The lines of `text` as the parser numbers them, without their line breaks."""
    return LINE_BREAK.split(text)


def read_file(path: Path) -> tuple[str, Encoding]:
    """The text of a pipeline file; only a regular file (a named pipe would never answer),
    and its size checked before it is read (so a huge log cannot fill the memory)."""
    try:
        data = read_regular(path, MAX_BYTES)
    except NotARegularFile as error:
        raise PipelineLoadError([Problem(f"not a regular file: it is {error.kind}")],
                                path) from None
    except FileTooBig as error:
        raise PipelineLoadError([too_big(error.size)], path) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise PipelineLoadError([Problem(f"cannot read the file: {reason}")], path) from None
    return decode(data, path)


def decode(data: bytes, path: Path | str | None = None) -> tuple[str, Encoding]:
    """The text of a pipeline file, refusing sizes, binary data and bad encodings."""
    if len(data) > MAX_BYTES:
        raise PipelineLoadError([too_big(len(data))], path)
    encoding = Encoding()
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            encoding = Encoding(codec, bom)
            break
    body = data[len(encoding.bom):]
    if encoding.codec == "utf-8" and b"\x00" in body:
        offset = body.index(b"\x00")
        line, column = _byte_position(body, offset)
        raise PipelineLoadError(
            [Problem("the file is binary, not text (a NUL byte)", line, column)], path)
    try:
        text = body.decode(encoding.codec)
    except UnicodeDecodeError as error:
        line, column = _byte_position(body, error.start)
        raise PipelineLoadError(
            [Problem(f"the file is not valid {encoding.codec.upper()}: byte "
                     f"0x{body[error.start]:02x} cannot be decoded", line, column)], path
        ) from None
    return text, encoding


def too_big(size: int) -> Problem:
    return Problem(f"the file is {_size(size)}; pipelines larger than {_size(MAX_BYTES)} "
                   "are refused", 1, 1)


def parse(text: str, path: Path | str | None = None) -> ParsedYaml:
    """The round-trip tree of `text`, which must be one YAML mapping."""
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise PipelineLoadError([Problem("the file is empty", 1, 1)], path)
    try:
        root, ends, duplicates = compose(text, MAX_DEPTH, MAX_PROBLEMS)
    except Refused as refused:
        raise PipelineLoadError([problem_at(refused)], path) from None
    except Unsupported:
        root, ends, duplicates = _round_trip(text, path)
    if duplicates:
        raise PipelineLoadError([problem_at(d) for d in duplicates], path)
    if root is None or root == "":  # an empty document (every scalar is a string here)
        raise PipelineLoadError([Problem("the file is empty", 1, 1)], path)
    if not hasattr(root, "items"):
        what = "a list" if isinstance(root, list) else "a single value"
        raise PipelineLoadError(
            [Problem(f"the top of an azure-pipelines.yml must be a mapping (keys like "
                     f"trigger:, stages:), not {what}", 1, 1)], path)
    return ParsedYaml(root, ends)


def _round_trip(text: str, path: Path | str | None) -> tuple[Any, Ends, list[Refused]]:
    """The text read by ruamel.yaml's (YAML 1.2) round-trip reader, where libyaml's
    reading could differ or fails (`yaml_tree.Unsupported`): the same tree interface,
    with the message users always had for a file that is not YAML."""
    yaml = YAML(typ="rt")
    yaml.Resolver = StringResolver
    yaml.Composer = _GuardedComposer
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = True  # reported by the caller, every one with both lines
    try:
        root = yaml.load(text)
    except Refused as refused:
        raise PipelineLoadError([problem_at(refused)], path) from None
    except MarkedYAMLError as error:
        raise PipelineLoadError([_syntax_problem(error)], path) from None
    except (YAMLError, RecursionError) as error:
        raise PipelineLoadError([Problem(f"not valid YAML: {error}")], path) from None
    except Exception as error:  # ruamel fails oddly on some tags (`!!set`)
        mark = getattr(yaml.composer, "last_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        raise PipelineLoadError(
            [Problem(f"not valid YAML here ({type(error).__name__}: {error})", line, column)],
            path) from None
    return root, yaml.composer.ends, yaml.composer.duplicates


def parse_settings(text: str, path: Path | str | None = None) -> Any:
    """The round-trip tree of a settings file kept beside a pipeline
    (`.release-manager/environments.yml`), its scalars typed (`true`, `30`), under a
    pipeline's guards on nesting depth, anchors and tags: a breach raises PipelineLoadError
    at its position. YAML syntax errors are left to the caller (MarkedYAMLError)."""
    return parse_settings_with_ends(text, path).root


def parse_settings_with_ends(text: str, path: Path | str | None = None) -> ParsedYaml:
    """`parse_settings`, with where each node ends (to splice a part of the file)."""
    yaml = YAML(typ="rt")
    yaml.Composer = _GuardedComposer
    try:
        root = yaml.load(text)
    except Refused as refused:
        raise PipelineLoadError([problem_at(refused)], path) from None
    except RecursionError as error:
        raise PipelineLoadError([Problem(f"not valid YAML: {error}", 1, 1)], path) from None
    return ParsedYaml(root, yaml.composer.ends)


class StringResolver(VersionedResolver):
    """Every untagged scalar is a string, as in Azure's own parser."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode:
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)


class _GuardedComposer(Composer):
    """ruamel's composer under `yaml_tree`'s guards, recording where each node ends."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.depth = 0
        self.last_mark: Any = None
        self.duplicates: list[Refused] = []
        self.ends: Ends = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        mark = self.last_mark = event.start_mark
        if isinstance(event, AliasEvent):
            raise refused_anchor("alias *", event.anchor, mark.line, mark.column)
        if getattr(event, "anchor", None) is not None:
            raise refused_anchor("anchor &", event.anchor, mark.line, mark.column)
        if getattr(event, "tag", None):
            raise refused_tag(event.tag, mark.line, mark.column)
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise refused_depth(MAX_DEPTH, mark.line, mark.column)
        node = super().compose_node(parent, index)
        if isinstance(node, (MappingNode, SequenceNode)):
            self.depth -= 1
        self._record_end(node)
        if isinstance(node, MappingNode):
            self._check_duplicates(node)
        return node

    def _record_end(self, node: Any) -> None:
        kind = _KINDS[type(node)]
        start = node.start_mark
        if isinstance(node, ScalarNode) and node.style in ("|", ">") \
                and node.end_mark.buffer is not None:
            end = block_scalar_end(node.end_mark.buffer, start.pointer, start.column,
                                   node.end_mark.pointer, node.end_mark.line)
        elif isinstance(node, ScalarNode) or node.flow_style or not node.value:
            end = (node.end_mark.line, node.end_mark.column)
        else:
            last = node.value[-1][1] if isinstance(node, MappingNode) else node.value[-1]
            end = self.ends[(last.start_mark.line, last.start_mark.column, _KINDS[type(last)])]
        self.ends[(start.line, start.column, kind)] = end

    def _check_duplicates(self, node: MappingNode) -> None:
        seen: dict[str, Any] = {}
        for key, _ in node.value:
            if not isinstance(key, ScalarNode):
                continue
            first = seen.setdefault(key.value, key)
            if first is not key and len(self.duplicates) < MAX_PROBLEMS:
                self.duplicates.append(duplicate_key(
                    key.value, first.start_mark.line, key.start_mark.line,
                    key.start_mark.column))


_KINDS = {ScalarNode: "scalar", SequenceNode: "seq", MappingNode: "map"}


def problem_at(refused: Refused) -> Problem:
    """A guard's refusal as a problem (1-based)."""
    return Problem(refused.message, refused.line + 1, refused.column + 1)


def _syntax_problem(error: MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    problem = error.problem or error.context or "invalid YAML"
    if "'\\t'" in problem:
        return Problem("a tab is used for indentation; YAML allows only spaces", line, column)
    context = f" {error.context}" if error.context and error.problem else ""
    return Problem(f"not valid YAML:{context} {problem}".replace(":  ", ": "), line, column)


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte `offset`."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("utf-8", errors="replace")
    return data.count(b"\n", 0, offset) + 1, len(prefix) + 1


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count} bytes"
