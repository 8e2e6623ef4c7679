"""Editing a 500-stage pipeline in the window: an edit, its undo and its redo.

The real window (offscreen, 1400×900) opens `load_validate.generated(500)` as File → Open
does, after the app's own start-up freeze of the collector (`freeze_startup_objects`, as
after the first paint), and waits until it is idle (full validation back, YAML pane
filled). Then, in rounds, one edit through `PipelineEditor.apply` as the inspector and the
graph make them (rename a stage, set a condition, connect two stages), the window's Undo
action, its Redo action. Each action is followed until the window is idle again: every
`changed` listener (graph, inspector, model validation), the YAML pane's refresh, the
recovery copy and the full validation on its worker.

Figures (medians over the rounds; each against a baseline of the same run):
- `<action>`: wall-clock ms of the action as triggered and the views' reaction to it:
  every `changed` listener (graph, inspector, problems, the model's validation) and the
  YAML pane's refresh, called at once instead of after its 120 ms delay. Baseline: one
  `copy.deepcopy` of the pipeline, what every undo snapshot used to be.
- `<action>, CPU`: the same in CPU time of the GUI thread (`time.thread_time`), which a
  machine busy with other work inflates less; baseline the deep copy's CPU time.
- `<action>, GUI thread until idle`: CPU time of the GUI thread from the trigger until
  idle: the above plus paints, the recovery copy, the full validation's start and
  result, and any garbage collection run on that thread; the waits for timers and for
  the interpreter lock left out. Baseline: the same over an idle window for as long
  (the event loop and this benchmark's timers).
- `<action>, longest gap` (median and worst round): the longest wall-clock interval
  between two ticks of a 5 ms timer on the GUI thread from the trigger until idle: how
  long the window could not react (the full validation reads the text again on a
  worker, which competes for the interpreter lock, and a garbage collection on any
  thread stops every other). Baseline: the same over an idle window for as long.
"""

from __future__ import annotations

import copy
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from figure import Figure  # noqa: E402
from load_validate import generated  # noqa: E402

STAGES = 500
ROUNDS = 5
TICK_MS = 5
QUIET_MS = 1300
"""Longer than every delayed reaction to an edit (YAML pane 120 ms, full validation
400 ms, recovery copy 1 s)."""


class _Ticks:
    """A 5 ms timer on the GUI thread remembering the longest gap between its ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer(interval=TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last, self.longest = time.perf_counter(), 0.0
        self.timer.start()

    def stop(self) -> float:
        self._tick()
        self.timer.stop()
        return self.longest * 1000


def _spin(ms: float, until: Callable[[], bool] = lambda: True) -> None:
    """Run the event loop for `ms`, then on until `until()` holds (checked every 10 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.perf_counter() + ms / 1000
    loop = QEventLoop()

    def check() -> None:
        if time.perf_counter() >= end and until():
            loop.quit()

    timer = QTimer(interval=10)
    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()


def _measured(window, ticks: _Ticks, action: Callable[[], object]) -> tuple[float, ...]:
    """(ms and CPU ms of `action` with the views' reactions, GUI-thread CPU ms until idle,
    longest gap ms until idle) of one action."""
    ticks.start()
    cpu = time.thread_time()
    start = time.perf_counter()
    action()
    window.yaml_pane.refresh()  # now, not after its delay: the views' whole reaction
    reaction = (time.perf_counter() - start) * 1000
    reaction_cpu = (time.thread_time() - cpu) * 1000
    _spin(QUIET_MS, lambda: not window.problems.is_validating())
    cpu = (time.thread_time() - cpu) * 1000
    return reaction, reaction_cpu, cpu, ticks.stop()


def _edits(editor) -> list[tuple[str, Callable[[], object]]]:
    """One edit of each kind, as the inspector and the graph make them."""
    def rename(number: int) -> Callable[[], object]:
        old = editor.pipeline.stages[250].name
        return lambda: editor.apply(f"Rename stage {old}",
                                    lambda p: p.rename_stage(old, f"Renamed{number}"))

    def condition(number: int) -> Callable[[], object]:
        text = f"and(succeeded(), eq(variables['round'], '{number}'))"
        return lambda: editor.apply("Set condition of S300",
                                    lambda p: p.set_condition("S300", text))

    def connect(number: int) -> Callable[[], object]:
        upstream = f"S{10 + number}"
        return lambda: editor.apply(f"S400 depends on {upstream}",
                                    lambda p: p.connect(upstream, "S400"))

    return [("rename", rename), ("condition", condition), ("connect", connect)]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        os.environ["XDG_DATA_HOME"] = str(folder / "data")
        from PySide6.QtCore import QSettings

        from release_manager.ui.app import (
            app_settings,
            create_application,
            freeze_startup_objects,
        )
        from release_manager.ui.main_window import DEFAULT_SIZE, MainWindow

        create_application()
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                          str(folder / "settings"))
        path = folder / "azure-pipelines.yml"
        path.write_text(generated(STAGES), encoding="utf-8")
        window = MainWindow(app_settings())
        window.resize(*DEFAULT_SIZE)
        window.show()
        _spin(200)
        freeze_startup_objects()  # what the app does after its first paint
        window.load(path)  # File → Open
        _spin(QUIET_MS, lambda: not window.problems.is_validating())
        editor = window.editor
        ticks = _Ticks()
        times: dict[str, list[tuple[float, ...]]] = {"edit": [], "undo": [], "redo": []}
        kinds = _edits(editor)
        for number in range(ROUNDS):
            _, make = kinds[number % len(kinds)]
            times["edit"].append(_measured(window, ticks, make(number)))
            times["undo"].append(_measured(window, ticks, window.undo_action.trigger))
            times["redo"].append(_measured(window, ticks, window.redo_action.trigger))
        ticks.start()
        idle_cpu = time.thread_time()
        _spin(QUIET_MS)
        idle_cpu = (time.thread_time() - idle_cpu) * 1000
        idle_gap = ticks.stop()
        deep = [_timed(lambda: copy.deepcopy(editor.pipeline)) for _ in range(ROUNDS)]
        deep_wall, deep_cpu = (statistics.median(d[i] for d in deep) for i in range(2))
        window.editor.undo_stack.setClean()  # no "save changes?" on close
        window.close()
        window.deleteLater()
        _spin(50)
    figures = []
    copied = "ms copy.deepcopy of the pipeline"
    for action, measured in times.items():
        reaction, reaction_cpu, cpu, gap = (statistics.median(m[i] for m in measured)
                                            for i in range(4))
        label = f"{action}, {STAGES} stages"
        figures += [
            Figure(label, reaction, "ms", deep_wall, copied),
            Figure(f"{label}, CPU", reaction_cpu, "ms", deep_cpu, f"{copied}, CPU"),
            Figure(f"{label}, GUI thread until idle", cpu, "ms CPU", idle_cpu,
                   "ms CPU of the idle window for as long"),
            Figure(f"{label}, longest gap", gap, "ms", idle_gap, "ms idle window"),
            Figure(f"{label}, longest gap (worst round)", max(m[3] for m in measured), "ms",
                   idle_gap, "ms idle window"),
        ]
    return figures


def _timed(action: Callable[[], object]) -> tuple[float, float]:
    """(wall ms, CPU ms of this thread) of `action`."""
    start, cpu = time.perf_counter(), time.thread_time()
    action()
    return (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    for figure in run():
        print(figure)
