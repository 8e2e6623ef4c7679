"""Where a running stage is, read from the section lines of its log."""

from __future__ import annotations

from collections.abc import Callable

from release_manager.engine.log_buffer import LogSink

SECTION = "##[section]"


class ProgressTracker:
    """Keeps the stage, job and step a log has reached; `update(line)` returns the new
    progress text when the line moved it on, else None."""

    def __init__(self) -> None:
        self.stage = ""
        self.job = ""
        self.step = ""

    def update(self, line: str) -> str | None:
        if not line.startswith(SECTION):
            return None
        text = line[len(SECTION):]
        if text.startswith("Starting job: "):
            self.job, self.step = text.removeprefix("Starting job: "), ""
        elif text.startswith("Starting: "):
            self.step = text.removeprefix("Starting: ")
        elif text.startswith("Stage ") and " of run " in text:
            self.stage = text.removeprefix("Stage ").split(" of run ")[0]
            self.job = self.step = ""
        elif text.startswith("Waiting for the deployment"):
            return text
        else:
            return None
        return self.text()

    def text(self) -> str:
        return " › ".join(part for part in (self.stage, self.job, self.step) if part)


class ProgressWriter:
    """The log writer handed to the engine for one operation: every line goes to the
    view's sink; section lines also report progress through `on_progress` (called on the
    writing thread)."""

    def __init__(self, sink: LogSink, on_progress: Callable[[str], None]) -> None:
        self.sink: LogSink | None = sink
        """None once the view shows another log (the file keeps every line)."""
        self._tracker = ProgressTracker()
        self._on_progress = on_progress

    def write(self, line: str) -> None:
        sink = self.sink
        if sink is not None:
            sink.write(line)
        progress = self._tracker.update(line)
        if progress is not None:
            self._on_progress(progress)
