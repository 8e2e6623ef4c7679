"""Regression guard for the PySide6 pin: void Qt calls must not leak references to None.

PySide6 6.12.0 drops a reference to None on every call of a void Qt method; after some
thousands of calls the interpreter aborts (``none_dealloc``). The calls run in a child
process so that an abort fails this test instead of killing the test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CALLS = 100_000

SCRIPT = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtWidgets import QApplication, QPlainTextEdit

    app = QApplication([])
    editor = QPlainTextEdit()
    before = sys.getrefcount(None)
    for i in range({CALLS}):
        editor.setObjectName("log")
        editor.setReadOnly(i % 2 == 0)
    for i in range(2000):
        editor.appendPlainText("a line")
    print(sys.getrefcount(None) - before)
    """
)


def test_many_void_qt_calls_keep_the_interpreter_alive() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, f"interpreter died ({result.returncode}): {result.stderr}"
    none_refs_change = int(result.stdout.strip().splitlines()[-1])
    # A leak shows as one lost reference per call; a few come and go with the run itself.
    assert abs(none_refs_change) < CALLS // 100
