"""The application: Qt set-up, settings, and `run_gui`, what `release-manager` runs."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, QThreadPool
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from release_manager import __version__
from release_manager.engine.demo import DemoError, create_demo, default_demo_dir
from release_manager.ui import resources_rc  # noqa: F401  (registers the :/icons resource)
from release_manager.ui.collector import freeze_long_lived
from release_manager.ui.crash_dialog import install_crash_handler
from release_manager.ui.first_paint import after_first_paint
from release_manager.ui.main_window import DEFAULT_SIZE, MainWindow
from release_manager.ui.screenshot import save_screenshot
from release_manager.ui.theme import follow_desktop_scheme

ORGANIZATION = "ReleaseManager"
APPLICATION = "Release Manager"
APP_ID = "org.releasemanager.ReleaseManager"
"""The desktop id: resources/APP_ID.desktop, its metainfo and icons carry this name."""
ICON_SIZES = (16, 32, 48, 64, 128, 256)
PIPELINE_NAMES = ("azure-pipelines.yml", "azure-pipelines.yaml")
SWITCH_INTERVAL_S = 0.001
"""How long a busy worker thread (a log reader) may hold the interpreter lock while the
GUI thread waits for it; Python's default, 5 ms, adds up to visible stalls when every
Qt call of a paint gives the lock away and waits to get it back."""


def app_settings() -> QSettings:
    """The user's settings, an INI file (tests point `QSettings.setPath` elsewhere)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def create_application() -> QApplication:
    """The QApplication with name, icon and the desktop's light or dark palette."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    follow_desktop_scheme(app)
    return app


def app_icon() -> QIcon:
    """The window's icon, from the compiled resource (resources/release_manager.qrc), so
    no install, frozen or editable, can miss its files."""
    icon = QIcon(":/icons/app.svg")
    for size in ICON_SIZES:
        icon.addFile(f":/icons/app-{size}.png", QSize(size, size))
    return icon


def freeze_startup_objects() -> None:
    """Move every object made so far (modules, Qt wrappers, the window) out of the
    garbage collector's reach: they live as long as the app, and a full collection that
    walks them all pauses the GUI thread for 10 ms or more while a log streams in. The
    collector is on from here (`cli` turns it off while the window starts: some 150
    collections, 40–50 ms, of objects that all live on)."""
    freeze_long_lived()
    gc.enable()


def initial_file(args: argparse.Namespace) -> Path | None:
    """The file named on the command line, else the workspace's pipeline, else the demo's
    (made in the user's data folder on first run); None when there is none of these."""
    if args.file:
        return Path(args.file)
    if args.workspace:
        found = [Path(args.workspace) / name for name in PIPELINE_NAMES]
        return next((path for path in found if path.is_file()), None)
    try:
        return create_demo(default_demo_dir())
    except DemoError as error:
        print(f"release-manager: the demo workspace is not available: {error}", file=sys.stderr)
        return None


def create_window(args: argparse.Namespace, settings: QSettings) -> tuple[MainWindow, bool]:
    """The window with the file of the command line open (False: it did not load)."""
    window = MainWindow(settings)
    path = initial_file(args)
    loaded = window.load(path) if path is not None else True
    window.recovery.offer_others()
    if args.screenshot:
        window.resize(*DEFAULT_SIZE)
    return window, loaded


def run_gui(args: argparse.Namespace) -> int:
    """Show the window on `args.file`; with `args.screenshot`, save a picture and exit
    (2 when the file did not load, after picturing its error report)."""
    path = initial_file(args)
    if path is not None and not path.is_file():
        print(f"release-manager: {path}: no such file", file=sys.stderr)
        return 2
    app = create_application()
    window, loaded = create_window(args, app_settings())
    install_crash_handler(window)
    window.show()
    after_first_paint(window, freeze_startup_objects)
    if not args.screenshot:
        code = app.exec()
        QThreadPool.globalInstance().waitForDone()
        return code
    out = Path(args.screenshot)
    written = save_screenshot(window, window.drawn_widget(), out, window.is_drawn)
    QThreadPool.globalInstance().waitForDone()
    if not written:
        print(f"release-manager: could not write {out}", file=sys.stderr)
        return 1
    if not loaded:
        print(f"release-manager: {path} could not be loaded (see {out})", file=sys.stderr)
        return 2
    return 0
