"""Run by test_recovery as a real process: the window on a pipeline (argv[1]), one edit
made through its editor, then "ready" once the recovery copy is on disk; then it runs
until it is killed. The settings go to argv[2]; the data folder is XDG_DATA_HOME."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings

from release_manager.ui.app import app_settings, create_application
from release_manager.ui.main_window import MainWindow


def main() -> None:
    pipeline, settings = Path(sys.argv[1]), sys.argv[2]
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings)
    app = create_application()
    window = MainWindow(app_settings())
    window.show()
    assert window.load(pipeline)
    window.recovery.keeper.stored.connect(lambda path: print("ready", path, flush=True))
    assert window.editor.apply("Rename", lambda p: p.set_display_name("Build", "Killed"))
    app.exec()


if __name__ == "__main__":
    main()
