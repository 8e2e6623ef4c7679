"""The desktop resources: the icon set and the compiled Qt resource are what
`python3 dev.py resources` writes from the SVG, and the window's icon comes from that
resource (so an install that misses a data file still has it)."""

from __future__ import annotations

import importlib.util
import struct

from conftest import REPO
from PySide6.QtCore import QFile
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from release_manager.ui.app import APP_ID, app_icon


def load_generator():
    spec = importlib.util.spec_from_file_location("generate", REPO / "resources" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_icons_and_resource_module_are_up_to_date(qapp: QApplication) -> None:
    made = load_generator().outputs()
    assert REPO / "release_manager" / "ui" / "resources_rc.py" in made
    stale = [str(path.relative_to(REPO)) for path, data in made.items()
             if not path.is_file() or path.read_bytes() != data]
    assert stale == [], "run `python3 dev.py resources` and commit the result"


def test_every_icon_file_holds_the_sizes_it_names(qapp: QApplication) -> None:
    icons = REPO / "resources" / "icons"
    for png in icons.glob(f"hicolor/*/apps/{APP_ID}.png"):
        side = int(png.parent.parent.name.split("x")[0])
        assert QImage(str(png)).size().toTuple() == (side, side)
    ico = (icons / f"{APP_ID}.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    sides = [ico[6 + 16 * i] or 256 for i in range(count)]
    assert (reserved, kind, sides) == (0, 1, [16, 24, 32, 48, 64, 128, 256])
    icns = (icons / f"{APP_ID}.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack_from(">I", icns, 4)[0] == len(icns)


def test_the_window_icon_is_drawn_from_the_compiled_resource(qapp: QApplication) -> None:
    assert QFile.exists(":/icons/app.svg")
    icon = app_icon()
    for side in (32, 64, 256):
        image = icon.pixmap(side, side).toImage()
        assert image.width() == side
        # The brand blue of the icon's rounded square, just inside its left edge.
        assert image.pixelColor(side * 4 // 64, side // 2) == QColor("#0b5cad")
