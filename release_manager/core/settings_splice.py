"""A settings file's section of named entries rewritten in place: only the entries, and
within them only the keys, whose data changed are re-emitted; every other byte (comments,
order, quoting, line breaks) stays as it was. `.release-manager/environments.yml` is
written this way (core/environments_file.py), by the window's save and by
`environments pull` alike.

An entry is its keys' data in the order they are written, as the file's writer would dump
them; `render(mapping, column)` gives the YAML text of a mapping indented to `column`
(with "\\n" line breaks). A layout this cannot splice (flow style, an empty section, a
value without a known end) raises Unspliceable: the caller writes the file whole.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from release_manager.core.yaml_guard import parse_settings_with_ends
from release_manager.core.yaml_text import SourceText

Entries = dict[str, dict[str, Any]]
"""Entry name (as the file spells it) → its keys' data, in written order."""
Render = Callable[[dict[str, Any], int], str]


class Unspliceable(Exception):
    """This layout is written whole instead."""


def splice_section(text: str, path: Path, section_key: str, before: Entries, after: Entries,
                   render: Render) -> str:
    """`text`, whose `section_key` section holds `before`, changed to hold `after`:
    entries gone are removed, new ones appended to the section, and in the others each
    key whose data differs is replaced, removed or added (before the next key the entry
    keeps, in `after`'s order); a mapping in both is changed the same way, key by key."""
    parsed = parse_settings_with_ends(text, path)
    root = parsed.root
    section = root.get(section_key) if isinstance(root, CommentedMap) else None
    if not isinstance(section, CommentedMap) or not section or section.fa.flow_style():
        raise Unspliceable
    splicer = _Splicer(text, parsed.ends, render)
    appended: dict[str, Any] = {}
    for name in [*before, *(name for name in after if name not in before)]:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name not in section:
            if new:
                appended[name] = new
            continue
        body = section[name]
        if not isinstance(body, CommentedMap) or not body or body.fa.flow_style():
            raise Unspliceable
        if not new:  # the entry goes, with every key it held
            splicer.remove(section.lc.key(name)[0], splicer.end_line(body))
            continue
        splicer.entry(body, old or {}, new)
    if appended:
        splicer.insert(splicer.end_line(section), render(appended, section.lc.col))
    return splicer.result()


class _Splicer:
    def __init__(self, text: str, ends: dict, render: Render) -> None:
        self.text = text
        self.source = SourceText(text)
        self.ends = ends
        self.render = render
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.edits: list[tuple[int, int, int, str]] = []  # (start, end, order, replacement)

    def entry(self, body: CommentedMap, old: dict[str, Any], new: dict[str, Any]) -> None:
        added: dict[int | None, dict[str, Any]] = {}  # before the key at that line (None: last)
        order = list(new)
        for key in [*old, *(key for key in new if key not in old)]:
            if old.get(key) == new.get(key):
                continue
            if key not in body:
                if key in new:
                    later = [k for k in order[order.index(key) + 1:] if k in body]
                    anchor = body.lc.key(later[0])[0] if later else None
                    added.setdefault(anchor, {})[key] = new[key]
                continue
            value = body[key]
            if isinstance(old.get(key), dict) and isinstance(new.get(key), dict) and \
                    isinstance(value, CommentedMap) and value and not value.fa.flow_style():
                self.entry(value, old[key], new[key])  # only its keys that changed
                continue
            line, column = body.lc.key(key)
            end = self.value_end_line(body, key)
            if key in new:
                self.replace(line, end, self.render({key: new[key]}, column))
            else:
                self.remove(line, end)
        column = body.lc.key(next(iter(body)))[1]
        for anchor, keys in added.items():
            if anchor is None:
                self.insert(self.end_line(body), self.render(keys, column))
            else:
                at = self.source.line_start(anchor)
                self._edit(at, at, self._lines(self.render(keys, column)))

    def value_end_line(self, body: CommentedMap, key: str) -> int:
        value = body[key]
        kind = "map" if isinstance(value, CommentedMap) else \
            "seq" if isinstance(value, CommentedSeq) else "scalar"
        if value is None or (kind != "scalar" and (not value or value.fa.flow_style())):
            # an empty or one-line value: it ends where the next key starts, or the body ends
            keys = list(body)
            index = keys.index(key)
            if index + 1 < len(keys):
                return self._before(body.lc.key(keys[index + 1])[0])
            return self.end_line(body)
        line, column = body.lc.value(key)
        end = self.ends.get((line, column, kind))
        if end is None:
            raise Unspliceable
        return end[0]

    def _before(self, line: int) -> int:
        """The last line before `line` that is neither blank nor a comment."""
        line -= 1
        while line > 0 and (self.source.is_blank(line) or self.source.is_comment(line)):
            line -= 1
        return line

    def end_line(self, mapping: CommentedMap) -> int:
        """The line of a block mapping's last character."""
        end = self.ends.get((mapping.lc.line, mapping.lc.col, "map"))
        if end is None:
            raise Unspliceable
        return end[0]

    def replace(self, first_line: int, last_line: int, block: str) -> None:
        self._edit(self.source.line_start(first_line), self.source.next_line_start(last_line),
                   self._lines(block))

    def remove(self, first_line: int, last_line: int) -> None:
        self.replace(first_line, last_line, "")

    def insert(self, after_line: int, block: str) -> None:
        at = self.source.next_line_start(after_line)
        prefix = "" if at == 0 or self.text[at - 1] in "\r\n" else self.newline
        self._edit(at, at, prefix + self._lines(block))

    def _edit(self, start: int, end: int, replacement: str) -> None:
        self.edits.append((start, end, len(self.edits), replacement))

    def _lines(self, block: str) -> str:
        return block.replace("\n", self.newline)

    def result(self) -> str:
        out = self.text
        # From the end backwards, so earlier offsets hold: an insertion where a removal
        # ends is made first and stays; insertions at one offset keep the order asked.
        for start, end, _order, replacement in sorted(self.edits, reverse=True):
            out = out[:start] + replacement + out[end:]
        return out
