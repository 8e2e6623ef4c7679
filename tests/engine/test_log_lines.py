"""Line styling, incremental search and saving, without a window."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_manager.engine.log_buffer import LineRing
from release_manager.engine.log_lines import (
    LineKind,
    LogSearch,
    Match,
    Span,
    display_block,
    dropped_note,
    parse_line,
    plain_text,
    save_lines,
)

fragments = st.sampled_from(
    [
        "\x1b[31m", "\x1b[0m", "\x1b[1;92m", "\x1b[m", "\x1b[38;5;208m", "\x1b[K", "\t",
        "##[error]", "##[group]", "##[endgroup]", "##[section]", "##[Warning]", "abc", " ",
        "İ", "✓", "x", "2024-05-01T10:00:00.1234567Z ",
    ]
)  # fmt: skip
raw_lines = st.lists(fragments, max_size=8).map("".join)


@given(st.lists(raw_lines, min_size=1, max_size=6))
def test_bulk_display_text_matches_the_painted_text(lines: list[str]) -> None:
    assert display_block("\n".join(lines)).split("\n") == [parse_line(x).text for x in lines]


@given(raw_lines)
def test_spans_cover_the_display_text_in_order(raw: str) -> None:
    styled = parse_line(raw)
    position = 0
    for span in styled.spans:
        assert span.start == position < span.end
        position = span.end
    assert position == len(styled.text)


def test_sgr_codes_become_colour_spans() -> None:
    styled = parse_line("\x1b[32mok\x1b[0m \x1b[1mbold\x1b[22m \x1b[95mpink\x1b[39mdone")
    assert styled.text == "ok bold pinkdone"
    assert styled.spans == (
        Span(0, 2, color=2),
        Span(2, 3),
        Span(3, 7, bold=True),
        Span(7, 8),
        Span(8, 12, color=13),
        Span(12, 16),
    )


def test_logging_commands_set_the_kind_and_lose_their_prefix() -> None:
    cases = {
        "##[error]boom": (LineKind.ERROR, "boom"),
        "##[warning]careful": (LineKind.WARNING, "careful"),
        "##[section]Starting: Deploy": (LineKind.SECTION, "Starting: Deploy"),
        "##[command]/bin/bash run.sh": (LineKind.COMMAND, "/bin/bash run.sh"),
        "##[group]Download": (LineKind.GROUP, "▸ Download"),
        "##[endgroup]": (LineKind.END_GROUP, ""),
        "##[debug]x=1": (LineKind.DEBUG, "x=1"),
        "\x1b[36m##[error]\x1b[0mcoloured prefix": (LineKind.ERROR, "coloured prefix"),
        "text ##[error] later": (LineKind.PLAIN, "text ##[error] later"),
        "2024-05-01T10:00:00.1234567Z ##[section]Starting: Build": (
            LineKind.SECTION,
            "2024-05-01T10:00:00.1234567Z Starting: Build",
        ),
        "2024-05-01T10:00:00Z ##[group]Run tests": (
            LineKind.GROUP,
            "2024-05-01T10:00:00Z ▸ Run tests",
        ),
    }
    for raw, (kind, text) in cases.items():
        assert (parse_line(raw).kind, parse_line(raw).text) == (kind, text), raw


def test_plain_text_strips_escape_codes_only() -> None:
    assert plain_text("\x1b[31m##[error]\x1b[0mfailed\x1b[K") == "##[error]failed"


def test_dropped_note_names_the_full_log() -> None:
    assert dropped_note(12_345, Path("/l/run.log")) == (
        "… 12 345 earlier lines are in the full log file /l/run.log"
    )
    assert dropped_note(1, None) == "… 1 earlier line is not kept in this view"


def run_search(search: LogSearch) -> int:
    steps = 0
    while not search.done:
        search.step()
        steps += 1
    return steps


def test_search_scans_in_bounded_steps_and_finds_every_occurrence() -> None:
    ring = LineRing(10_000)
    ring.extend([f"step {i}: Error, error" if i % 10 == 0 else f"step {i}" for i in range(2500)])
    search = LogSearch(ring, step_lines=100)
    search.set_query("ERROR")
    assert run_search(search) == 25
    assert search.count == 500
    assert search.matches_between(10, 11) == [Match(10, 9, 14), Match(10, 16, 21)]


def test_search_goes_on_with_new_lines_and_forgets_dropped_ones() -> None:
    ring = LineRing(100)
    ring.extend(["needle 0"] + ["hay"] * 79)
    search = LogSearch(ring)
    search.set_query("needle")
    run_search(search)
    assert search.next(from_seq=0) == Match(0, 0, 6)
    ring.extend(["hay"] * 20 + ["needle 100"])
    search.prune()
    assert search.current is None and search.count == 0
    run_search(search)
    assert search.count == 1 and search.next(from_seq=0) == Match(100, 0, 6)


def test_next_and_previous_start_from_the_given_line_and_wrap() -> None:
    ring = LineRing()
    ring.extend(["hit", "miss", "hit", "miss", "hit"])
    search = LogSearch(ring)
    search.set_query("hit")
    run_search(search)
    assert search.next(from_seq=1).seq == 2
    assert search.next(from_seq=1).seq == 4
    assert search.next(from_seq=1).seq == 0
    search.set_query("hit")
    run_search(search)
    assert search.previous(from_seq=3).seq == 2
    assert search.previous(from_seq=3).seq == 0
    assert search.previous(from_seq=3).seq == 4


def test_search_stops_at_its_match_cap() -> None:
    ring = LineRing()
    ring.extend(["aaaa"] * 10)
    search = LogSearch(ring, max_matches=7)
    search.set_query("a")
    run_search(search)
    assert search.count == 7 and search.truncated


def test_save_lines_replaces_the_file_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.log"
    target.write_text("old content\n", encoding="utf-8")
    save_lines(target, ["first", "second ✓"])
    assert target.read_text(encoding="utf-8") == "first\nsecond ✓\n"
    assert list(tmp_path.iterdir()) == [target]


def test_a_failed_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    def broken():
        yield "one"
        raise OSError("disk full")

    target = tmp_path / "out.log"
    with pytest.raises(OSError, match="disk full"):
        save_lines(target, broken())
    assert list(tmp_path.iterdir()) == []
