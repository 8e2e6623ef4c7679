"""Build step: stamp the build number into the site and write its leaderboard data.

    python3 tools/build_site.py SITE_DIR BUILD_NUMBER [COMMIT] [CONFIGURATION]
"""

import json
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spacegame.leaderboard import Score, leaderboard  # noqa: E402

SAMPLE_SCORES = [
    Score("Ava", 1200, "Solo", "Andromeda"),
    Score("Ben", 900, "Duo", "Milky Way"),
    Score("Cy", 1200, "Solo", "Milky Way"),
    Score("Dee", 700, "Solo", "Andromeda"),
    Score("Eli", 1500, "Trio", "Pinwheel"),
]


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    site = Path(argv[0])
    build, commit, configuration = (argv[1:] + ["", ""])[:3]
    version = {"build": build, "commit": commit, "configuration": configuration}
    (site / "version.json").write_text(json.dumps(version, indent=2) + "\n", encoding="utf-8")
    index = site / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace("{{BUILD_NUMBER}}", build),
                     encoding="utf-8")
    board = [asdict(entry) for entry in leaderboard(SAMPLE_SCORES)]
    (site / "leaderboard.json").write_text(json.dumps(board, indent=2) + "\n", encoding="utf-8")
    print(f"Site in {site} stamped with build {build} ({len(board)} leaderboard entries)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
