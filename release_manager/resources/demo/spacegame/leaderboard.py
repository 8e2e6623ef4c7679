"""The leaderboard: scores filtered by game mode and region, ranked with ties sharing a
place (1, 2, 2, 4)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    player: str
    points: int
    mode: str = "Solo"
    region: str = "Milky Way"


@dataclass(frozen=True)
class Entry:
    rank: int
    player: str
    points: int


def leaderboard(scores: list[Score], mode: str | None = None, region: str | None = None,
                top: int = 10) -> list[Entry]:
    """The best `top` scores of `mode` in `region` (None: all), highest first."""
    if top < 1:
        raise ValueError("top must be at least 1")
    chosen = [s for s in scores
              if (mode is None or s.mode == mode) and (region is None or s.region == region)]
    chosen.sort(key=lambda s: (-s.points, s.player.lower()))
    entries: list[Entry] = []
    for index, score in enumerate(chosen[:top]):
        tied = entries and entries[-1].points == score.points
        entries.append(Entry(entries[-1].rank if tied else index + 1, score.player, score.points))
    return entries
