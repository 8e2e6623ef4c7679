"""Regenerate what is made from resources/icons/APP_ID.svg: the PNG sizes of the hicolor
theme, the Windows `.ico`, the macOS `.icns`, and the compiled Qt resource the window
loads its icons from (release_manager/ui/resources_rc.py).

    python3 dev.py resources

Every output is committed and reproducible byte for byte (PNGs drawn by Qt's own SVG
renderer, rcc without timestamps or compression); tests/test_resources.py checks that the
committed files are what this writes.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
APP_ID = "org.releasemanager.ReleaseManager"
ICONS = HERE / "icons"
SVG = ICONS / f"{APP_ID}.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08",
              512: b"ic09", 1024: b"ic10"}
QRC = HERE / "release_manager.qrc"
RC_MODULE = HERE.parent / "release_manager" / "ui" / "resources_rc.py"
QRC_PNG_SIZES = (16, 32, 48, 64, 128, 256)
"""The sizes the window's icon carries besides the SVG (for where no SVG engine loads)."""


def png_path(size: int) -> Path:
    return ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render_png(size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows icon of PNG images (Vista and later read PNG entries)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, payload = b"", b""
    for size, data in pngs.items():
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data),
                               offset + len(payload))
        payload += data
    return header + entries + payload


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS icon family of PNG images."""
    body = b"".join(ICNS_TYPES[size] + struct.pack(">I", 8 + len(data)) + data
                    for size, data in pngs.items())
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def qrc_text() -> str:
    files = [f'    <file alias="app.svg">icons/{SVG.name}</file>']
    files += [f'    <file alias="app-{size}.png">{png_path(size).relative_to(HERE)}</file>'
              for size in QRC_PNG_SIZES]
    return ("<!DOCTYPE RCC>\n<!-- Written by generate.py: the window's own icons. -->\n"
            '<RCC version="1.0">\n  <qresource prefix="/icons">\n'
            + "\n".join(files) + "\n  </qresource>\n</RCC>\n")


def compiled_qrc(qrc: bytes) -> bytes:
    """pyside6-rcc of `qrc` without timestamps (format 1) or compression: the same bytes
    each time."""
    rcc = Path(sys.executable).with_name("pyside6-rcc")
    with tempfile.TemporaryDirectory() as folder:
        source = HERE / f".{QRC.name}.tmp"  # beside the icons its paths name
        out = Path(folder) / RC_MODULE.name
        source.write_bytes(qrc)
        try:
            subprocess.run([str(rcc), "--format-version", "1", "--no-compress", str(source),
                            "-o", str(out)], check=True, cwd=HERE)
        finally:
            source.unlink()
        return out.read_bytes()


def outputs() -> dict[Path, bytes]:
    """Every generated file and what it holds (needs a QGuiApplication)."""
    pngs = {size: render_png(size) for size in (*PNG_SIZES, 1024)}
    made = {png_path(size): pngs[size] for size in PNG_SIZES}
    made[ICONS / f"{APP_ID}.ico"] = ico({size: pngs[size] for size in ICO_SIZES})
    made[ICONS / f"{APP_ID}.icns"] = icns({size: pngs[size] for size in ICNS_TYPES})
    made[QRC] = qrc_text().encode()
    made[RC_MODULE] = compiled_qrc(made[QRC])
    return made


def generate() -> list[Path]:
    """Write every output; the paths written."""
    QGuiApplication.instance() or QGuiApplication([])
    made = outputs()
    for path, data in made.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return list(made)


if __name__ == "__main__":
    for path in generate():
        print(path.relative_to(HERE.parent))
