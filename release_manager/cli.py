"""`release-manager`: the GUI with no arguments, headless verbs otherwise."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    print("Release Manager: the window is not built yet; headless verbs come with the core.")
    return 0
