"""A pipeline's YAML tree from libyaml's events: C speed, with every node's position.

libyaml (through PyYAML's C parser) scans and parses; this module only builds the tree
from its events, under the same guards and into the same shape the round-trip reader
gave: mappings and sequences are `dict`/`list` subclasses whose `lc` says where each
key, value and item starts (0-based, as ruamel's `.lc`) and whose `fa.flow_style()` says
whether they were written `{…}`/`[…]`; every scalar is the string as written (Azure's
parser works on strings: `on`, `yes`, `0777`, `~` stay as they are), so YAML 1.1's
resolution rules never apply. `ends` records where each node ends.

Where libyaml and a YAML 1.2 reader could disagree, this reader declines
(`Unsupported`) and the caller reads the text with ruamel.yaml instead: a line break
YAML 1.1 knows and 1.2 does not (NEL, LS, PS move every later position), a key that is
itself a mapping or sequence, more than one document, and anything libyaml refuses (so a
bad file's message is the one users always had).
"""

from __future__ import annotations

from typing import Any

from yaml import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    YAMLError,
)
from yaml._yaml import CParser

from release_manager.core.collector_pause import collector_paused

Ends = dict[tuple[int, int, str], tuple[int, int]]

YAML_1_1_BREAKS = ("\x85", "\u2028", "\u2029")
"""Line breaks in YAML 1.1 (libyaml) but not in YAML 1.2 (Azure's parser, ruamel)."""


class Unsupported(Exception):
    """The text is read by the YAML 1.2 reader instead (see the module's docstring)."""


class Refused(Exception):
    """A guard refused the text: `message` at 0-based `line`, `column`."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class LineCol:
    """Where a collection and its entries start, 0-based, answered as ruamel's `.lc`:
    `key(k)` and `value(k)` of a mapping's entry, `item(i)` of a sequence's."""

    __slots__ = ("col", "data", "line")

    def __init__(self, line: int, col: int) -> None:
        self.line, self.col = line, col
        self.data: dict[Any, tuple[int, ...]] = {}

    def key(self, key: Any) -> tuple[int, int]:
        entry = self.data[key]
        return entry[0], entry[1]

    def value(self, key: Any) -> tuple[int, int]:
        entry = self.data[key]
        return entry[2], entry[3]

    def item(self, index: int) -> tuple[int, int]:
        entry = self.data[index]
        return entry[0], entry[1]


class Format:
    """How a collection was written: `flow_style()` is True for `{…}` and `[…]`."""

    __slots__ = ("_flow",)

    def __init__(self, flow: bool) -> None:
        self._flow = flow

    def flow_style(self) -> bool:
        return self._flow


class YamlMap(dict):
    """A mapping of the tree (keys and scalar values are strings)."""

    __slots__ = ("fa", "lc")


class YamlSeq(list):
    """A sequence of the tree."""

    __slots__ = ("fa", "lc")


def compose(text: str, max_depth: int, max_problems: int) -> tuple[Any, Ends, list[Refused]]:
    """The tree of the one document in `text`, where its nodes end, and its duplicate keys
    (each with the line of the first). Raises `Refused` for an anchor, alias, tag or
    nesting deeper than `max_depth`, `Unsupported` where the YAML 1.2 reader must read."""
    if any(mark in text for mark in YAML_1_1_BREAKS):
        raise Unsupported("a YAML 1.1 line break")
    try:
        with collector_paused():  # a fifth of the time at 500 stages
            return _Composer(text, max_depth, max_problems).run()
    except (YAMLError, UnicodeEncodeError) as error:
        raise Unsupported(str(error)) from None


class _Composer:
    def __init__(self, text: str, max_depth: int, max_problems: int) -> None:
        self.text = text
        self.max_depth = max_depth
        self.max_problems = max_problems
        self.ends: Ends = {}
        self.duplicates: list[Refused] = []

    def run(self) -> tuple[Any, Ends, list[Refused]]:
        parser = CParser(self.text)
        try:
            parser.get_event()  # the stream's start
            if isinstance(parser.peek_event(), StreamEndEvent):
                return None, self.ends, []
            parser.get_event()  # the document's start
            root = self._document(parser)
            parser.get_event()  # the document's end
            if not isinstance(parser.get_event(), StreamEndEvent):
                raise Unsupported("more than one document")
        finally:
            parser.dispose()
        return root, self.ends, self.duplicates

    def _document(self, parser: CParser) -> Any:
        """The document's root node, built without recursion: `stack` holds each open
        collection with its pending key (mappings) and the first key seen per name."""
        ends = self.ends
        get_event = parser.get_event
        stack: list[list[Any]] = []
        root: Any = None
        while True:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent:
                self._guard(event)
                start, end = event.start_mark, event.end_mark
                if event.style in ("|", ">"):
                    ends[(start.line, start.column, "scalar")] = block_scalar_end(
                        self.text, start.index, start.column, end.index, end.line)
                else:
                    ends[(start.line, start.column, "scalar")] = (end.line, end.column)
                node: Any = event.value
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                self._guard(event)
                if len(stack) >= self.max_depth:
                    mark = event.start_mark
                    raise refused_depth(self.max_depth, mark.line, mark.column)
                start = event.start_mark
                collection: Any = YamlMap() if kind is MappingStartEvent else YamlSeq()
                collection.lc = LineCol(start.line, start.column)
                # [collection, its start event, pending key and its mark, first keys]
                stack.append([collection, event, None, None, {}])
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                collection, start_event, _, _, _ = stack.pop()
                # An empty `[]` or `{}` counts as block, as the round-trip reader had it
                # (a first item added to it is written as a block).
                collection.fa = Format(bool(start_event.flow_style) and bool(collection))
                self._record_collection_end(collection, start_event, event)
                node = collection
            elif kind is AliasEvent:
                mark = event.start_mark
                raise refused_anchor("alias *", event.anchor, mark.line, mark.column)
            else:
                raise Unsupported(f"unexpected {kind.__name__}")
            if not stack:
                root = node
                break
            self._add(stack[-1], node, event)
        return root

    def _add(self, frame: list[Any], node: Any, event: Any) -> None:
        """Put a finished `node` into the open collection `frame`."""
        collection = frame[0]
        if type(event) is ScalarEvent:
            mark = (event.start_mark.line, event.start_mark.column)
        else:
            mark = (node.lc.line, node.lc.col)
        if type(collection) is YamlSeq:
            collection.lc.data[len(collection)] = mark
            collection.append(node)
            return
        if frame[2] is None:  # a key
            if type(node) is not str:
                raise Unsupported("a key that is a mapping or a sequence")
            frame[2], frame[3] = node, mark
            first = frame[4].setdefault(node, mark)
            if first is not mark and len(self.duplicates) < self.max_problems:
                self.duplicates.append(duplicate_key(node, first[0], mark[0], mark[1]))
            return
        key, key_mark = frame[2], frame[3]
        frame[2] = None
        if key not in collection:  # a duplicate keeps the first key's position
            collection.lc.data[key] = key_mark + mark
        collection[key] = node

    def _guard(self, event: Any) -> None:
        mark = event.start_mark
        if event.anchor is not None:
            raise refused_anchor("anchor &", event.anchor, mark.line, mark.column)
        if event.tag:
            raise refused_tag(event.tag, mark.line, mark.column)

    def _record_collection_end(self, collection: Any, start_event: Any, end_event: Any) -> None:
        start = start_event.start_mark
        kind = "map" if type(collection) is YamlMap else "seq"
        if start_event.flow_style or not collection:
            end = (end_event.end_mark.line, end_event.end_mark.column)
        else:
            last = collection[next(reversed(collection))] if kind == "map" else collection[-1]
            end = self.ends[(*last_start(collection, kind), node_kind(last))]
        self.ends[(start.line, start.column, kind)] = end


def refused_anchor(what: str, name: str, line: int, column: int) -> Refused:
    return Refused(f"YAML {what}{name} is not supported: Azure Pipelines rejects anchors "
                   "and aliases", line, column)


def refused_tag(tag: str, line: int, column: int) -> Refused:
    return Refused(f"YAML tag {tag} is not supported: Azure Pipelines reads every value as "
                   "plain text", line, column)


def refused_depth(max_depth: int, line: int, column: int) -> Refused:
    return Refused(f"the nesting is deeper than {max_depth} levels", line, column)


def duplicate_key(key: str, first_line: int, line: int, column: int) -> Refused:
    return Refused(f"duplicate key {key!r}: first on line {first_line + 1}, again on line "
                   f"{line + 1}", line, column)


def block_scalar_end(text: str, start: int, start_column: int, end: int,
                     end_line: int) -> tuple[int, int]:
    """Where a block scalar's last non-blank line ends (`|` at offset `start`; the
    parser's end mark, at offset `end`, lies past the trailing blank lines)."""
    pointer, line = end, end_line
    while pointer > start and text[pointer - 1] in _BLANK:
        pointer -= 1
        if text[pointer] in _BREAKS and not (
                text[pointer] == "\r" and text[pointer + 1:pointer + 2] == "\n"):
            line -= 1
    breaks = max(text.rfind(ch, start, pointer) for ch in _BREAKS)
    if breaks < 0:  # still on the line of the `|` indicator
        return line, start_column + pointer - start
    return line, pointer - breaks - 1


_BREAKS = "\r\n"
_BLANK = " \t" + _BREAKS


def node_kind(node: Any) -> str:
    """The kind `ends` is keyed by: "map", "seq" or "scalar"."""
    if type(node) is YamlMap:
        return "map"
    return "seq" if type(node) is YamlSeq else "scalar"


def last_start(collection: Any, kind: str) -> tuple[int, int]:
    """Where the last value or item of a non-empty block collection starts."""
    if kind == "map":
        entry = collection.lc.data[next(reversed(collection))]
        return entry[2], entry[3]
    entry = collection.lc.data[len(collection) - 1]
    return entry[0], entry[1]
