"""Writing an edited pipeline back: the original text with only the edited parts spliced in.

`SpliceWriter` compares the model as loaded with the model now, field by field, stage by
stage (stages matched by `Stage.uid`), and turns each difference into a text splice at the
positions ruamel reported at load time. New nodes are rendered with ruamel.yaml in the
file's own indentation (`yaml_style`); nothing the model cannot have changed is touched.
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import functools
from dataclasses import dataclass, field
from typing import Any

from release_manager.core import yaml_style, yaml_values
from release_manager.core.model import Job, Pipeline, Schedule, Stage, StageText
from release_manager.core.yaml_guard import LINE_BREAK, ParsedYaml, parse
from release_manager.core.yaml_reader import jobs_owner, names, stages_node
from release_manager.core.yaml_style import Style
from release_manager.core.yaml_text import Piece, SourceText, join, lines_of


class PipelineWriteError(ValueError):
    """An edit that cannot be written into this file's layout."""


@dataclass(order=True)
class Splice:
    start: int
    end: int
    order: int
    text: str = field(compare=False)


@dataclass
class _Chunk:
    """One item of a block sequence: its own comments above it, its lines, and the blank
    lines that separate it from the next item."""

    start: int
    content_end: int
    end: int


class SpliceWriter:
    def __init__(self, text: str, root: Any, ends: dict[tuple[int, int, str], tuple[int, int]],
                 style: Style) -> None:
        self.source = SourceText(text)
        self.root = root
        self.ends = ends
        self.style = style
        self.splices: list[Splice] = []
        self.regions: list[_Region] = []

    # ------------------------------------------------------------- entry point

    def write(self, original: Pipeline, current: Pipeline) -> str:
        return join(self.pieces(original, current))

    def pieces(self, original: Pipeline, current: Pipeline) -> list[Piece]:
        """The written text in pieces, each marked changed or not (for `changed_lines`)."""
        self.splices, self.regions = [], []
        self._top_level(original, current)
        self._stages(original, current)
        return self._apply()

    # ------------------------------------------------------------- positions

    def _kind(self, value: Any) -> str:
        if hasattr(value, "items"):
            return "map"
        return "seq" if isinstance(value, list) else "scalar"

    def _value_start(self, mapping: Any, key: Any) -> tuple[int, int]:
        line, column = mapping.lc.value(key)
        return line, column

    def _value_end(self, mapping: Any, key: Any) -> tuple[int, int]:
        line, column = self._value_start(mapping, key)
        return self.ends.get((line, column, self._kind(mapping[key])), (line, column))

    def _item_end(self, seq: Any, index: int) -> tuple[int, int]:
        line, column = seq.lc.item(index)
        return self.ends.get((line, column, self._kind(seq[index])), (line, column))

    def _value_text(self, mapping: Any, key: Any) -> str:
        start, end = self._value_start(mapping, key), self._value_end(mapping, key)
        return self.source.text[self.source.offset(*start):self.source.offset(*end)]

    def _add(self, start: int, end: int, text: str) -> None:
        """Splice `text` over [start, end), leaving out whole lines it would write back
        unchanged (a re-emitted key often starts or ends as it was)."""
        text = text.replace("\n", self.style.newline) if self.style.newline != "\n" else text
        old, new = lines_of(self.source.text[start:end]), lines_of(text)
        while old and new and old[0] == new[0] and old[0].endswith("\n"):
            start += len(old.pop(0))
            new.pop(0)
        while old and new and old[-1] == new[-1]:
            end -= len(old.pop())
            new.pop()
        text = "".join(new)
        if start == end and not text or self.source.text[start:end] == text:
            return
        self.splices.append(Splice(start, end, len(self.splices), text))

    def _line_after(self, end: tuple[int, int], floor: int) -> int:
        """Offset of the line after the one holding position `end`."""
        line, column = end
        if column == 0 and line > floor:
            return self.source.line_start(line)
        return self.source.next_line_start(line)

    def _insert_lines(self, offset: int, text: str) -> None:
        if offset >= len(self.source.text) and not self.source.text.endswith(("\n", "\r")):
            text = "\n" + text
        self._add(offset, offset, text)

    # ------------------------------------------------------------- mapping keys

    def set_key(self, mapping: Any, key: str, value: Any, after: tuple[str, ...] = (),
                fragment: str | None = None) -> None:
        """Replace, insert (after the last present key of `after`, else after the first
        key) or remove (`value` None) `key` in a block mapping of the file."""
        if fragment is not None and not fragment.endswith("\n"):
            fragment += "\n"
        if value is None:
            if key in mapping:
                self._remove_key(mapping, key)
            return
        if key in mapping:
            self._replace_key(mapping, key, value, fragment)
        else:
            self._insert_key(mapping, key, value, after, fragment)

    def _replace_key(self, mapping: Any, key: str, value: Any, fragment: str | None) -> None:
        old = mapping[key]
        key_line, key_col = mapping.lc.key(key)
        old_text = self._value_text(mapping, key)
        if fragment is None and isinstance(value, str) and "\n" not in value \
                and self._kind(old) == "scalar" and not old_text.startswith(("|", ">")):
            start = self.source.offset(*self._value_start(mapping, key))
            end = self.source.offset(*self._value_end(mapping, key))
            new_text = yaml_style.scalar(value, old_text)
            if start == end:  # `key:` with no value: write it after the colon
                colon = self.source.line(key_line).find(":", key_col)
                start = end = self.source.offset(key_line, colon + 1)
                new_text = " " + new_text
            self._add(start, end, new_text)
            return
        text = fragment or self._key_text(key, value, key_col)
        start = self.source.offset(key_line, key_col)
        end = self.source.offset(*self._value_end(mapping, key))
        self._add(start, end, text.removesuffix("\n"))

    def _insert_key(self, mapping: Any, key: str, value: Any, after: tuple[str, ...],
                    fragment: str | None) -> None:
        keys = [k for k in mapping if isinstance(k, str)]
        anchor = next((k for k in reversed(after) if k in mapping), keys[0] if keys else None)
        if anchor is None:
            raise PipelineWriteError(f"cannot add {key!r} to an empty mapping")
        column = mapping.lc.key(keys[0])[1]
        text = fragment or self._key_text(key, value, column)
        offset = self._line_after(self._value_end(mapping, anchor), mapping.lc.key(anchor)[0])
        self._insert_lines(offset, " " * column + text)

    def _remove_key(self, mapping: Any, key: str) -> None:
        key_line, key_col = mapping.lc.key(key)
        keys = [k for k in mapping if isinstance(k, str)]
        if self.source.line(key_line)[:key_col].strip():  # `- key:` on an item's dash line
            following = keys[keys.index(key) + 1] if keys.index(key) + 1 < len(keys) else None
            if following is None:
                raise PipelineWriteError(f"cannot remove the only key {key!r} of an item")
            start = self.source.offset(key_line, key_col)
            self._add(start, self.source.offset(*mapping.lc.key(following)), "")
            return
        start = self.source.line_start(key_line)
        end = self._line_after(self._value_end(mapping, key), key_line)
        after = self.source.text[end:end + 2]
        if key_line > 0 and self.source.is_blank(key_line - 1) and (
                end >= len(self.source.text) or after.startswith(("\n", "\r"))):
            start = self.source.line_start(key_line - 1)  # no double blank line left
        self._add(start, end, "")

    def _key_text(self, key: str, value: Any, column: int) -> str:
        """`key: value` lines for a key at `column`, ending with "\\n"."""
        if isinstance(value, str) and "\n" in value:
            block = yaml_style.block_scalar(value, column + self.style.map_indent)
            if block is not None:
                return f"{key}: {block}\n"
            return f"{key}: {yaml_style.scalar(value, chr(34))}\n"
        if isinstance(value, str):
            return f"{key}: {yaml_style.scalar(value)}\n"
        return yaml_style.key_fragment(key, value, self.style, column)

    # ------------------------------------------------------------- top level

    def _top_level(self, original: Pipeline, current: Pipeline) -> None:
        if original.name != current.name:
            self._set_top_key("name", current.name or None, ())
        for key, after in (("trigger", ("name",)), ("pr", ("name", "trigger"))):
            old, new = getattr(original, key), getattr(current, key)
            if old != new:
                self._set_top_key(key, yaml_values.trigger_value(new), after)
        if [yaml_values.schedule_value(s) for s in original.schedules] != \
                [yaml_values.schedule_value(s) for s in current.schedules]:
            self._schedules(original.schedules, current.schedules)

    def _set_top_key(self, key: str, value: Any, after: tuple[str, ...]) -> None:
        root = self.root
        if value is None or key in root or any(k in root for k in after):
            self.set_key(root, key, value, after)
            return
        first = next(k for k in root if isinstance(k, str))
        line, column = root.lc.key(first)
        self._insert_lines(self.source.line_start(line),
                           " " * column + self._key_text(key, value, column))

    def _schedules(self, old: list[Schedule], new: list[Schedule]) -> None:
        root = self.root
        items = root.get("schedules")
        values = [yaml_values.schedule_value(schedule) for schedule in new]
        if not new:
            self.set_key(root, "schedules", None)
            return
        if not isinstance(items, list) or not items or items.fa.flow_style() \
                or len(items) != len(old):
            if "schedules" in root:
                self.set_key(root, "schedules", values)
            else:
                self._insert_top_block("schedules", values)
            return
        dash, content = self._item_columns(items)
        matcher = difflib.SequenceMatcher(
            a=[repr(yaml_values.schedule_value(s)) for s in old], b=[repr(v) for v in values],
            autojunk=False)
        plan: list[int | str] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                plan += range(i1, i2)
                continue
            paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
            for k in range(paired):  # edited in place, in the item's own style
                self._edit_schedule(items[i1 + k], old[i1 + k], new[j1 + k])
                plan.append(i1 + k)
            plan += [yaml_style.item_fragment(values[j], self.style, dash, content)
                     for j in range(j1 + paired, j2)]
        if plan != list(range(len(old))):
            self._rewrite_sequence(items, plan)

    def _edit_schedule(self, item: Any, old: Schedule, new: Schedule) -> None:
        if old.cron != new.cron:
            self.set_key(item, "cron", new.cron)
        if old.display_name != new.display_name:
            self.set_key(item, "displayName", new.display_name or None, ("cron",))
        if old.branches != new.branches:
            self.set_key(item, "branches", yaml_values.filter_value(new.branches) or None,
                         ("cron", "displayName"))
        for key, attr in (("always", "always"), ("batch", "batch")):
            if getattr(old, attr) != getattr(new, attr):
                value = "true" if getattr(new, attr) else ("false" if key in item else None)
                self.set_key(item, key, value, ("cron", "displayName", "branches"))

    def _insert_top_block(self, key: str, value: Any) -> None:
        """A new top-level key, placed before the stages (or jobs/steps) or at the end."""
        root = self.root
        before = next((k for k in ("stages", "jobs", "steps", "extends") if k in root), None)
        text = self._key_text(key, value, 0)
        if before is None:
            self._insert_lines(len(self.source.text), text)
            return
        line = root.lc.key(before)[0]
        blank = line > 0 and self.source.is_blank(line - 1)
        self._insert_lines(self.source.line_start(line), text + ("\n" if blank else ""))

    # ------------------------------------------------------------- stages

    def _stages(self, original: Pipeline, current: Pipeline) -> None:
        if original.implicit_stage:
            self._implicit(original, current)
            return
        items = stages_node(self.root)
        old_by_uid = {stage.uid: (index, stage) for index, stage in enumerate(original.stages)}
        for stage in current.stages:
            if stage.uid in old_by_uid:
                index, old = old_by_uid[stage.uid]
                self._edit_stage(items[index], old, stage)
        plan = [old_by_uid[s.uid][0] if s.uid in old_by_uid else s for s in current.stages]
        if plan == list(range(len(original.stages))):
            return
        if not isinstance(items, list) or not items or items.fa.flow_style():
            self._new_stages_list(current)
            return
        dash, content = self._item_columns(items)
        self._rewrite_sequence(items, [
            entry if isinstance(entry, int) else self._new_stage_item(entry, dash, content)
            for entry in plan
        ])

    def _new_stage_item(self, stage: Stage, dash: int, content: int) -> str:
        """A stage that is not in the file: its own text where it carries one (a paste),
        with its edits spliced in; otherwise written from the model."""
        if stage.origin is None:
            return yaml_style.item_fragment(
                yaml_values.stage_value(stage), self.style, dash, content)
        text = _carried_text(stage, stage.origin, dataclasses.replace(self.style, newline="\n"))
        return "".join(" " * dash + line if line.strip() else line for line in lines_of(text))

    def stage_item_text(self, index: int) -> str | None:
        """Stage `index`'s list item as the file has it (the comments above it included),
        its dash moved to column 0 and its line breaks made "\\n"; None where the stages
        are not a block list."""
        items = stages_node(self.root)
        if not isinstance(items, list) or not items or items.fa.flow_style():
            return None
        chunk = self._chunks(items)[index]
        dash = yaml_style.dash_column(items, index, self.source.lines)
        dash = items.lc.item(index)[1] - 2 if dash is None else dash
        text = LINE_BREAK.sub("\n", self.source.text[chunk.start:chunk.content_end])
        return "".join(line[min(dash, len(line) - len(line.lstrip(" "))):]
                       for line in lines_of(text))

    def _implicit(self, original: Pipeline, current: Pipeline) -> None:
        if [s.uid for s in original.stages] != [s.uid for s in current.stages]:
            raise PipelineWriteError(
                "this pipeline has no stages: list (only jobs or steps); adding, removing "
                "or moving stages is not supported for it yet")
        owner = jobs_owner(self.root)
        old, new = original.stages[0], current.stages[0]
        if owner is not None and "jobs" in owner:
            self._edit_jobs(owner, old, new)
        elif old.jobs != new.jobs:
            raise PipelineWriteError("jobs cannot be added to a pipeline made of steps only")

    def _new_stages_list(self, current: Pipeline) -> None:
        """Re-emit an empty or flow `stages:` value, or add the key at the end."""
        value = [yaml_values.stage_value(stage) for stage in current.stages]
        extends = self.root.get("extends")
        parameters = extends.get("parameters") if hasattr(extends, "get") else None
        if "stages" in self.root:
            self.set_key(self.root, "stages", value)
        elif hasattr(parameters, "items") and "stages" in parameters:
            self.set_key(parameters, "stages", value)
        else:
            self._insert_lines(len(self.source.text), self._key_text("stages", value, 0))

    def _edit_stage(self, item: Any, old: Stage, new: Stage) -> None:
        if old.kind != "stage" or not hasattr(item, "items"):
            return
        head = ("stage",)
        if old.name != new.name:
            self.set_key(item, "stage", new.name)
        if old.display_name != new.display_name:
            self.set_key(item, "displayName", new.display_name or None, head)
        if old.depends_on != new.depends_on:
            self._set_depends_on(item, new.depends_on)
        if old.condition != new.condition:
            self.set_key(item, "condition", new.condition,
                         ("stage", "displayName", "dependsOn"))
        if old.lock_behavior != new.lock_behavior:
            self.set_key(item, "lockBehavior", new.lock_behavior or None,
                         ("stage", "displayName", "dependsOn", "condition"))
        if old.is_skippable != new.is_skippable:
            value = None if new.is_skippable is None else str(new.is_skippable).lower()
            self.set_key(item, "isSkippable", value,
                         ("stage", "displayName", "dependsOn", "condition", "lockBehavior"))
        if old.jobs != new.jobs:
            self._edit_jobs(item, old, new)

    def _set_depends_on(self, item: Any, wanted: list[str] | None) -> None:
        after = ("stage", "displayName")
        if wanted is None:
            self.set_key(item, "dependsOn", None)
            return
        old = item.get("dependsOn")
        like = ""
        if isinstance(old, list) and old:
            like = self._item_text(old, 0)
        elif "dependsOn" in item:
            like = self._value_text(item, "dependsOn")
        listed = isinstance(old, list) and len(old) > 0  # `[]` says nothing of style
        flow = listed and old.fa.flow_style()
        if not wanted:
            self.set_key(item, "dependsOn", "[]", after, fragment="dependsOn: []")
        elif len(wanted) == 1 and not listed:
            self.set_key(item, "dependsOn", wanted[0], after)
        elif flow or (not listed and self._file_uses_flow_depends()):
            text = "dependsOn: " + yaml_style.flow_list(wanted, like)
            self.set_key(item, "dependsOn", wanted, after, fragment=text)
        elif listed and len(old) == len(names(old)):
            self._edit_block_list(old, names(old), wanted, like)
        else:
            self._set_block_list(item, "dependsOn", wanted, after, like)

    def _edit_block_list(self, seq: Any, old: list[str], new: list[str], like: str) -> None:
        """Edit a block list item by item, so items the model keeps (`${{ each }}` blocks
        included) stay as written."""
        dash = yaml_style.dash_column(seq, 0, self.source.lines)
        dash = seq.lc.item(0)[1] - 2 if dash is None else dash
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            if tag == "replace" and i2 - i1 == j2 - j1 and not any(
                    hasattr(seq[i], "items") for i in range(i1, i2)):
                for index, name in zip(range(i1, i2), new[j1:j2], strict=True):
                    start = self.source.offset(*seq.lc.item(index))
                    end = self.source.offset(*self._item_end(seq, index))
                    self._add(start, end, yaml_style.scalar(name, self._item_text(seq, index)))
                continue
            if i1 == 0:
                offset = self.source.line_start(seq.lc.item(0)[0])
            else:
                offset = self._line_after(self._item_end(seq, i1 - 1), seq.lc.item(i1 - 1)[0])
            if j2 > j1:
                lines = "".join(" " * dash + "- " + yaml_style.scalar(name, like) + "\n"
                                for name in new[j1:j2])
                self._insert_lines(offset, lines)
            for index in range(i1, i2):
                line = seq.lc.item(index)[0]
                end = self._line_after(self._item_end(seq, index), line)
                self._add(self.source.line_start(line), end, "")

    def _set_block_list(self, mapping: Any, key: str, values: list[str], after: tuple[str, ...],
                        like: str) -> None:
        """A block list written like the existing one (or the file's usual offset)."""
        old = mapping.get(key)
        column = mapping.lc.key(next(k for k in mapping if isinstance(k, str)))[1]
        offset = self.style.seq_offset
        if isinstance(old, list) and old and not old.fa.flow_style():
            dash = yaml_style.dash_column(old, 0, self.source.lines)
            offset = offset if dash is None else dash - column
        lines = [f"{key}:"] + [
            " " * (column + offset) + "- " + yaml_style.scalar(name, like) for name in values
        ]
        self.set_key(mapping, key, values, after, fragment="\n".join(lines) + "\n")

    def _file_uses_flow_depends(self) -> bool:
        items = stages_node(self.root)
        for item in items if isinstance(items, list) else []:
            value = item.get("dependsOn") if hasattr(item, "get") else None
            if isinstance(value, list) and value:
                return bool(value.fa.flow_style())
        return False

    def _item_text(self, seq: Any, index: int) -> str:
        start = self.source.offset(*seq.lc.item(index))
        return self.source.text[start:self.source.offset(*self._item_end(seq, index))]

    # ------------------------------------------------------------- jobs

    def _edit_jobs(self, item: Any, old: Stage, new: Stage) -> None:
        jobs = item.get("jobs")
        count = len(old.jobs)
        if [j.name for j in new.jobs[:count]] != [j.name for j in old.jobs]:
            raise PipelineWriteError(f"stage {new.name!r}: only adding jobs is supported")
        for index, (before, after) in enumerate(zip(old.jobs, new.jobs, strict=False)):
            node = jobs[index] if isinstance(jobs, list) and index < len(jobs) else None
            if hasattr(node, "items") and (before.environment, before.environment_resource) \
                    != (after.environment, after.environment_resource):
                self._set_environment(node, after)
        added = new.jobs[count:]
        if not added:
            return
        values = [yaml_values.job_value(job) for job in added]
        if isinstance(jobs, list) and jobs and not jobs.fa.flow_style():
            dash, content = self._item_columns(jobs)
            text = "".join(yaml_style.item_fragment(v, self.style, dash, content)
                           for v in values)
            end = self._item_end(jobs, len(jobs) - 1)
            self._insert_lines(self._line_after(end, jobs.lc.item(len(jobs) - 1)[0]), text)
        else:
            all_jobs = [yaml_values.job_value(job) for job in new.jobs] if jobs else values
            self.set_key(item, "jobs", all_jobs, tuple(k for k in item if isinstance(k, str)))

    def _set_environment(self, job: Any, new: Job) -> None:
        value = job.get("environment")
        if new.environment is None:
            self.set_key(job, "environment", None)
        elif hasattr(value, "items") and "name" in value:
            self.set_key(value, "name", new.environment)
        else:
            resource = f".{new.environment_resource}" if new.environment_resource else ""
            self.set_key(job, "environment", new.environment + resource,
                         ("deployment", "displayName", "dependsOn", "condition"))

    # ------------------------------------------------------------- sequences

    def _item_columns(self, seq: Any) -> tuple[int, int]:
        line, content = seq.lc.item(0)
        dash = yaml_style.dash_column(seq, 0, self.source.lines)
        return (content - 2 if dash is None else dash), content

    def _chunks(self, seq: Any) -> list[_Chunk]:
        src = self.source
        starts: list[int] = []
        for index in range(len(seq)):
            line = seq.lc.item(index)[0]
            dash = yaml_style.dash_column(seq, index, src.lines)
            floor = self._item_end(seq, index - 1)[0] if index else -1
            lead = line
            while lead - 1 > floor and src.is_comment(lead - 1) and \
                    src.indent(lead - 1) <= (dash if dash is not None else src.indent(line)):
                lead -= 1
            starts.append(lead)
        chunks = []
        for index, start in enumerate(starts):
            end_line = self._item_end(seq, index)[0]
            if index + 1 < len(starts):
                end = starts[index + 1]
            else:
                dash = yaml_style.dash_column(seq, index, src.lines) or 0
                end = end_line + 1
                probe = end
                while probe < len(src.lines) and (src.is_blank(probe) or (
                        src.is_comment(probe) and src.indent(probe) > dash)):
                    probe += 1
                    if not src.is_blank(probe - 1):
                        end = probe
            content_end = end
            while content_end - 1 > end_line and src.is_blank(content_end - 1):
                content_end -= 1
            chunks.append(_Chunk(src.line_start(start), src.line_start(content_end),
                                 src.line_start(end)))
        return chunks

    def _rewrite_sequence(self, seq: Any, plan: list[int | str]) -> None:
        """Rebuild a block sequence from its original items (by index, with their own
        splices) and new item texts, keeping the separators between positions."""
        chunks = self._chunks(seq)
        separators = [
            self.source.text[chunk.content_end:chunk.end] for chunk in chunks[:-1]
        ]
        usual = max(set(separators), key=separators.count) if separators else ""
        region = _Region(chunks[0].start, chunks[-1].end, chunks, plan, separators, usual)
        self.regions.append(region)

    # ------------------------------------------------------------- applying

    def _apply(self) -> list[Piece]:
        """The text with every splice applied, as pieces; a rewritten sequence takes the
        splices that fall inside it (a pure insertion at its end belongs to its last item)."""
        regions = sorted(self.regions, key=lambda r: r.start)
        starts = [region.start for region in regions]
        outside: list[Splice] = []
        inside: list[list[Splice]] = [[] for _ in regions]
        for splice in sorted(self.splices):
            index = bisect.bisect_right(starts, splice.start) - 1
            if index >= 0 and (splice.start < regions[index].end
                               or splice.start == splice.end == regions[index].end):
                inside[index].append(splice)
            else:
                outside.append(splice)
        pieces: list[Piece] = []
        cursor = 0
        for region, own in zip(regions, inside, strict=True):
            pieces += self._spliced(cursor, region.start,
                                    [s for s in outside if cursor <= s.start < region.start])
            pieces += region.render(self, own)
            cursor = region.end
        pieces += self._spliced(cursor, len(self.source.text),
                                [s for s in outside if s.start >= cursor])
        return pieces

    def _spliced(self, start: int, end: int, splices: list[Splice]) -> list[Piece]:
        text = self.source.text
        pieces: list[Piece] = []
        cursor = start
        for splice in splices:
            if splice.start < cursor or splice.end > end:
                raise PipelineWriteError("two edits of the same text overlap")
            pieces += [Piece(text[cursor:splice.start], False, cursor), Piece(splice.text, True)]
            cursor = splice.end
        pieces.append(Piece(text[cursor:end], False, cursor))
        return pieces


_WRAPPER = "stages:\n"
"""What a carried stage's item is parsed and edited inside of (a file is a mapping)."""


@functools.lru_cache(maxsize=64)
def _parsed_item(wrapped: str) -> ParsedYaml:
    return parse(wrapped)


def _carried_text(stage: Stage, origin: StageText, style: yaml_style.Style) -> str:
    """`origin`'s text with the differences between the stage it was read as and `stage`
    (a new name, its dependencies, …) spliced in, as an edit of a stage in a file is."""
    wrapped = _WRAPPER + origin.text
    parsed = _parsed_item(wrapped)
    writer = SpliceWriter(wrapped, parsed.root, parsed.ends, style)
    writer._edit_stage(parsed.root["stages"][0], origin.as_read, stage)
    return join(writer._apply()).removeprefix(_WRAPPER)


@dataclass
class _Region:
    start: int
    end: int
    chunks: list[_Chunk]
    plan: list[int | str]
    separators: list[str]
    usual: str

    def render(self, writer: SpliceWriter, splices: list[Splice]) -> list[Piece]:
        newline = writer.style.newline
        owned = self._owned(splices)
        kept = [entry for entry in self.plan if isinstance(entry, int)]
        matcher = difflib.SequenceMatcher(a=sorted(kept), b=kept, autojunk=False)
        in_place = {entry for block in matcher.get_matching_blocks()
                    for entry in kept[block.b:block.b + block.size]}
        pieces: list[Piece] = []
        for position, entry in enumerate(self.plan):
            if isinstance(entry, int):
                chunk = self.chunks[entry]
                body = writer._spliced(chunk.start, chunk.content_end, owned[entry])
                if entry not in in_place:  # moved: every line of it is new here
                    body = [Piece(piece.text, True, piece.origin) for piece in body
                            if piece.text]
            else:
                body = [Piece(entry.replace("\n", newline) if newline != "\n" else entry,
                              True)]
            if not join(body).endswith(("\n", "\r")):
                body.append(Piece(newline, True))
            pieces += body
            if position < len(self.plan) - 1:  # an item keeps the blank lines it had after it
                own = isinstance(entry, int) and entry < len(self.separators)
                separator = self.separators[entry] if own else self.usual
                origin = self.chunks[entry].content_end if own and isinstance(entry, int) \
                    else -1
                pieces.append(Piece(separator, not own and bool(separator), origin))
        return pieces

    def _owned(self, splices: list[Splice]) -> dict[int, list[Splice]]:
        """Each splice goes to the item whose lines hold it (an insertion where one item
        ends and the next begins goes to the one that ends)."""
        owned: dict[int, list[Splice]] = {index: [] for index in range(len(self.chunks))}
        starts = [chunk.start for chunk in self.chunks]
        for splice in splices:
            index = max(0, bisect.bisect_right(starts, splice.start) - 1)
            if index > 0 and splice.start == splice.end == self.chunks[index - 1].content_end:
                index -= 1
            if splice.end > self.chunks[index].content_end:
                raise PipelineWriteError("an edit falls between two items of a list")
            owned[index].append(splice)
        return owned
