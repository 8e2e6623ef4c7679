"""azure-pipelines.yml ⇄ the pipeline model, round trip.

`load` keeps the file's text next to the model; `PipelineDocument.dumps` gives that text
back with only the edited parts spliced in, so a save with no edits is byte-identical and
an edit changes only the lines it must (comments, quoting, `${{ }}` blocks and every
untouched line survive). Bad input raises `PipelineLoadError` listing each problem with
its line and column.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from release_manager.core.atomic_file import write_bytes_atomic
from release_manager.core.model import Pipeline, StageText
from release_manager.core.yaml_guard import (
    Encoding,
    ParsedYaml,
    PipelineLoadError,
    Problem,
    decode,
    parse,
    read_file,
    split_lines,
)
from release_manager.core.yaml_reader import read_pipeline
from release_manager.core.yaml_splice import PipelineWriteError, SpliceWriter
from release_manager.core.yaml_style import detect_style
from release_manager.core.yaml_text import EditedText, SourceText, changed_lines

__all__ = [
    "DocumentState", "PipelineDocument", "PipelineLoadError", "PipelineWriteError", "Problem",
    "load", "load_data", "loads",
]


def load(path: Path | str) -> PipelineDocument:
    """Read a pipeline file; raises `PipelineLoadError` (never another exception for bad
    content; an unreadable file is one problem too)."""
    path = Path(path)
    text, encoding = read_file(path)
    return PipelineDocument(text, path, encoding)


def loads(text: str, path: Path | str | None = None) -> PipelineDocument:
    """Read a pipeline from text; `path` names it in messages and locates its templates."""
    decoded, encoding = decode(text.encode("utf-8", errors="surrogatepass"), path)
    return PipelineDocument(decoded, Path(path) if path is not None else None, encoding)


def load_data(data: bytes, path: Path | str) -> PipelineDocument:
    """A pipeline from the bytes of its file, as `load` would read them from `path`."""
    text, encoding = decode(data, path)
    return PipelineDocument(text, Path(path), encoding)


def _newline(text: str) -> str:
    """The file's usual line break, for the lines an edit adds."""
    crlf = text.count("\r\n")
    counts = {"\r\n": crlf, "\n": text.count("\n") - crlf, "\r": text.count("\r") - crlf}
    return max(counts, key=lambda newline: (counts[newline], newline == "\n"))


@dataclass(frozen=True)
class TextBase:
    """A text the document was read from or last saved as, with what an edit is spliced
    into: its parse tree, the model as read from it and the writer over it."""

    text: str
    parsed: ParsedYaml
    original: Pipeline
    writer: SpliceWriter

    def document(self, path: Path | None, encoding: Encoding) -> PipelineDocument:
        """A new document of this text, its model read again from the tree (nothing is
        parsed): what the full validation reads on a worker while the window edits its
        own. A base is never changed, so any thread may call this."""
        return PipelineDocument(self.text, path, encoding, base=self)


@dataclass(frozen=True)
class DocumentState:
    """Everything `dumps()` depends on: the text base and the model edited on top of it.
    Undo restores a state whole, so a stage deleted before a save comes back as the text
    it was, not as what the model holds of it."""

    base: TextBase
    pipeline: Pipeline


class PipelineDocument:
    """A pipeline with the text it came from. Edit `pipeline` with the model's operations;
    `dumps()` is what `save()` writes."""

    def __init__(self, text: str, path: Path | None, encoding: Encoding | None = None,
                 base: TextBase | None = None) -> None:
        self.path = path
        self.encoding = encoding or Encoding()
        parsed = parse(text, path) if base is None else base.parsed
        self.pipeline: Pipeline = self._read(parsed, text)
        # What edits are spliced into, and the file as last read or saved: the two differ
        # after an undo past a save.
        self._base = base or self._new_base(parsed, text)
        self._saved = _Saved(text, self._base.original)
        self._last: Pipeline | None = None
        """The last snapshot taken or restored, which the next one shares stages with."""

    @property
    def text(self) -> str:
        """The text the model was read from, or last saved."""
        return self._base.text

    @property
    def base(self) -> TextBase:
        """The text edits are spliced into, with its tree and the model read from it."""
        return self._base

    @property
    def root(self) -> object:
        """The ruamel round-trip tree of `text` (every scalar a string)."""
        return self._base.parsed.root

    def _read(self, parsed: ParsedYaml, text: str) -> Pipeline:
        base_dir = self.path.parent if self.path is not None else None
        return read_pipeline(parsed.root, split_lines(text), base_dir)

    def _new_base(self, parsed: ParsedYaml, text: str) -> TextBase:
        return TextBase(text, parsed, _baseline(self.pipeline), _writer(parsed, text))

    def state(self) -> DocumentState:
        """A copy of the document as it is now, for undo. It shares with the state taken
        before it every stage that has not changed since (`Pipeline.snapshot`)."""
        self._last = self.pipeline.snapshot(self._last)
        return DocumentState(self._base, self._last)

    def restore(self, state: DocumentState) -> None:
        """Go back to `state`: its text base and its model (the pipeline object stays the
        same one, so the views holding it see the change)."""
        self._base = state.base
        self.pipeline.restore(state.pipeline)
        self._last = state.pipeline

    @property
    def saved(self) -> Pipeline:
        """The pipeline as the text last read or saved holds it (stages, dependencies,
        jobs, schedules, triggers; not the environments' policies, kept in their own file)."""
        return self._saved.pipeline

    def dumps(self) -> str:
        """The original text with every edit of the model spliced in."""
        return self._base.writer.write(self._base.original, self.pipeline)

    def edited(self) -> EditedText:
        """`dumps()` with where each position of `text` (the model's positions, the YAML
        nodes' marks) stands in it: one pass of the writer gives both."""
        writer = self._base.writer
        return EditedText(writer.source, writer.pieces(self._base.original, self.pipeline))

    def is_modified(self) -> bool:
        """Whether `dumps()` differs from the text last read or written."""
        return self.dumps() != self._saved.text

    def changed_lines(self) -> set[int]:
        """1-based numbers of the lines of `dumps()` that differ from the original."""
        return changed_lines(self._base.writer.pieces(self._base.original, self.pipeline))

    def stage_text(self, name: str) -> StageText | None:
        """The YAML stage `name` is written from, for a copy of it to carry: its item in
        the text base (with what the model read from it), or the text it carries itself.
        None for a stage known only to the model (just added) or not a plain stage."""
        stage = self.pipeline.stage(name)
        if stage.kind != "stage":
            return None
        for index, as_read in enumerate(self._base.original.stages):
            if as_read.uid == stage.uid:
                text = self._base.writer.stage_item_text(index)
                return None if text is None else StageText(text, as_read)
        return stage.origin

    def save(self, path: Path | str | None = None) -> Path:
        """Write `dumps()` atomically, in the file's encoding, BOM and newlines; the saved
        text becomes the new original."""
        target, text = self.write(path)
        self.adopt(self.read_saved(text))
        return target

    def write(self, path: Path | str | None = None) -> tuple[Path, str]:
        """Write `dumps()` atomically and take it as the saved text, without reading it
        again: edits go on being spliced into the text they were made on until `adopt`
        makes the written text their base (`save` does both; the window reads the text
        on a worker in between). Returns where it was written and the text."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("this pipeline has no file yet: give a path to save it to")
        text = self.dumps()
        write_bytes_atomic(target, self._encode(text))
        self.path = target
        self._saved = _Saved(text, _baseline(self.pipeline))
        return target, text

    def data(self) -> bytes:
        """The bytes `save()` writes now: `dumps()` in the file's encoding and BOM."""
        return self._encode(self.dumps())

    def _encode(self, text: str) -> bytes:
        return self.encoding.bom + text.encode(self.encoding.codec)

    def read_saved(self, text: str) -> SavedReading:
        """`text` (just written) read as a new base: the heavy half of a rebase, which
        touches nothing of this document, so it may run on a worker."""
        parsed = parse(text, self.path)
        return SavedReading(text, parsed, self._read(parsed, text), _writer(parsed, text))

    def adopt(self, reading: SavedReading) -> bool:
        """Make the written text the base edits are spliced into, keeping the model objects
        (and their uids, which undo snapshots refer to) and taking their new positions.
        False, and nothing changes, when the document was edited since it was written
        (its edits stay spliced into the text they were made on, which stays right)."""
        if reading.text != self._saved.text or self.dumps() != reading.text:
            return False
        fresh, current = reading.pipeline, self.pipeline
        if len(fresh.stages) == len(current.stages):
            for stage, new in zip(current.stages, fresh.stages, strict=True):
                stage.pos, stage.key_pos = new.pos, new.key_pos
                if stage.source != new.source:  # kept when equal: snapshots share by it
                    stage.source = new.source
                for job, new_job in zip(stage.jobs, new.jobs, strict=False):
                    job.pos = new_job.pos
            for schedule, new_schedule in zip(current.schedules, fresh.schedules, strict=False):
                schedule.pos = new_schedule.pos
        else:
            environments = current.environments
            current.restore(fresh)
            current.environments = environments
        self._base = TextBase(reading.text, reading.parsed, _baseline(current), reading.writer)
        self._saved = _Saved(reading.text, self._base.original)
        return True


@dataclass(frozen=True)
class SavedReading:
    """A written text read again: its tree, the model read from it and the writer that
    splices edits into it (`read_saved`)."""

    text: str
    parsed: ParsedYaml
    pipeline: Pipeline
    writer: SpliceWriter


@dataclass(frozen=True)
class _Saved:
    """The text last read or written, and the model as it holds it."""

    text: str
    pipeline: Pipeline


def _writer(parsed: ParsedYaml, text: str) -> SpliceWriter:
    """The writer over a text, in the text's own style."""
    style = detect_style(parsed.root, SourceText(text).lines, _newline(text))
    return SpliceWriter(text, parsed.root, parsed.ends, style)


def _baseline(pipeline: Pipeline) -> Pipeline:
    """What the writer compares the edited model with: a copy of everything it can write
    (stages, their dependencies and jobs, schedules, triggers), cheaper than a deep copy
    of the whole model (steps, pools and variables are shared: no edit writes them)."""
    stages = []
    for stage in pipeline.stages:
        copied = copy.copy(stage)
        copied.depends_on = None if stage.depends_on is None else list(stage.depends_on)
        copied.jobs = [copy.copy(job) for job in stage.jobs]
        stages.append(copied)
    return Pipeline(
        name=pipeline.name,
        trigger=copy.deepcopy(pipeline.trigger),
        pr=copy.deepcopy(pipeline.pr),
        schedules=copy.deepcopy(pipeline.schedules),
        stages=stages,
        implicit_stage=pipeline.implicit_stage,
    )
