"""The line ring and the thread-safe sink behind the log view."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_manager.engine.log_buffer import Drained, LineRing, LogSink

lines = st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=5)
batches = st.lists(st.lists(lines, max_size=12), max_size=20)


class TinyChunkRing(LineRing):
    """Chunks as small as the generated batches, to exercise splitting them."""

    CHUNK = 3
    _SPLIT_KEPT = 1


rings = st.sampled_from([LineRing, TinyChunkRing])


@given(
    ring_type=rings,
    capacity=st.integers(min_value=1, max_value=9),
    batches=batches,
    unbroken=st.booleans(),
)
def test_ring_keeps_the_newest_lines_with_their_numbers(
    ring_type: type[LineRing], capacity: int, batches: list[list[str]], unbroken: bool
) -> None:
    ring = ring_type(capacity)
    everything: list[str] = []
    for batch in batches:
        first_before = ring.first_seq
        dropped = ring.extend(batch, unbroken=unbroken)
        everything += batch
        assert dropped == ring.first_seq - first_before
    kept = everything[-capacity:] if everything else []
    assert len(ring) == len(kept)
    assert ring.total == len(everything)
    assert ring.first_seq == ring.dropped == len(everything) - len(kept)
    assert ring.slice(0, ring.total) == kept
    assert [ring[seq] for seq in range(ring.first_seq, ring.total)] == kept
    held = sum(chunk.count("\n") + 1 for chunk in ring._chunks)  # dropped a chunk at a time
    assert held < capacity + ring.CHUNK


@given(
    ring_type=rings,
    capacity=st.integers(min_value=1, max_value=9),
    count=st.integers(min_value=0, max_value=30),
    start=st.integers(min_value=-3, max_value=33),
    stop=st.integers(min_value=-3, max_value=33),
)
def test_ring_slices_clamp_to_what_is_kept(
    ring_type: type[LineRing], capacity: int, count: int, start: int, stop: int
) -> None:
    ring = ring_type(capacity)
    lines = [str(i) for i in range(count)]
    for first in range(0, count, 4):
        ring.extend(lines[first : first + 4])
    first = ring.first_seq
    assert ring.slice(start, stop) == lines[max(start, first) : max(stop, max(start, first))]


def test_a_line_with_line_breaks_counts_as_the_lines_it_shows() -> None:
    ring = LineRing()
    ring.extend(["one", "two\nthree", "four"])
    assert ring.total == 4 and ring.slice(0, 4) == ["one", "two", "three", "four"]


def test_a_batch_larger_than_the_ring_keeps_its_newest_lines() -> None:
    ring = LineRing(3)
    assert ring.extend([str(i) for i in range(10)]) == 7
    assert ring.slice(0, 10) == ["7", "8", "9"] and ring.first_seq == 7


def test_ring_refuses_lines_it_no_longer_has() -> None:
    ring = LineRing(2)
    ring.extend(["a", "b", "c"])
    with pytest.raises(IndexError):
        ring[0]
    assert ring[1] == "b"


def test_clearing_forgets_lines_but_keeps_counting() -> None:
    ring = LineRing(3)
    ring.extend(["a", "b", "c", "d"])
    ring.clear()
    assert len(ring) == 0 and ring.dropped == 0 and ring.total == 4
    ring.extend(["e"])
    assert ring.slice(0, 10) == ["e"] and ring[4] == "e"


def test_a_gap_before_a_batch_drops_everything_older() -> None:
    ring = LineRing(5)
    ring.extend(["a", "b"])
    assert ring.extend(["x", "y"], skipped=10) == 12
    assert ring.slice(0, ring.total) == ["x", "y"] and ring.first_seq == 12


def test_sink_delivers_every_line_from_many_threads_in_order() -> None:
    sink = LogSink()
    received: list[str] = []
    start = threading.Barrier(4)

    def worker(name: str) -> None:
        start.wait()
        for i in range(20_000):
            sink.write(f"{name} {i}")

    threads = [threading.Thread(target=worker, args=(name,)) for name in "abc"]
    for thread in threads:
        thread.start()
    start.wait()
    while any(thread.is_alive() for thread in threads):
        received += sink.drain().lines
    for thread in threads:
        thread.join()
    drained = sink.drain()
    received += drained.lines

    assert drained.skipped == 0 and sink.pending == 0
    for name in "abc":
        assert [line for line in received if line[0] == name] == [
            f"{name} {i}" for i in range(20_000)
        ]


def test_sink_splits_lines_that_hold_line_breaks() -> None:
    sink = LogSink()
    sink.write("one\ntwo")
    sink.write_lines(["three", "four\nfive"])
    assert sink.drain().lines == ["one", "two", "three", "four", "five"]


class SmallTakeSink(LogSink):
    """Takes lines off the writers' list two at a time, to exercise taking blocks."""

    TAKE = 2


@given(
    sink_type=st.sampled_from([LogSink, SmallTakeSink]),
    max_pending=st.integers(min_value=1, max_value=12),
    writes=st.lists(st.text(alphabet="ab\n", max_size=4), max_size=40),
    steps=st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=10),
    more=st.integers(min_value=0, max_value=9),
)
def test_drains_of_any_size_give_the_lines_in_order_and_count_what_they_skip(
    sink_type: type[LogSink], max_pending: int, writes: list[str], steps: list[int], more: int
) -> None:
    sink = sink_type(max_pending=max_pending)
    model: list[str] = []  # what waits, as the sink's contract says

    def drain_both(step: int | None) -> None:
        skipped = max(0, len(model) - max_pending)
        del model[:skipped]
        taken = model[: len(model) if step is None else step]
        del model[: len(taken)]
        assert sink.drain(step) == Drained(taken, skipped)
        assert sink.pending == len(model)

    for line in writes:
        sink.write(line)
        model += line.split("\n")
    for step in steps:
        drain_both(step)
        late = [f"late {i}" for i in range(more)]  # written between drains
        sink.write_lines(late)
        model += late
    drain_both(None)
    assert sink.pending == 0


def test_sink_keeps_only_the_newest_lines_between_drains() -> None:
    sink = LogSink(max_pending=3)
    sink.write_lines(["1", "2", "3", "4", "5"])
    drained = sink.drain()
    assert drained.lines == ["3", "4", "5"] and drained.skipped == 2
    assert sink.drain().lines == []


def test_drains_can_be_taken_in_bounded_batches() -> None:
    sink = LogSink(max_pending=4)
    sink.write_lines(["1", "2", "3", "4", "5", "6"])
    first = sink.drain(max_lines=3)
    assert first.lines == ["3", "4", "5"] and first.skipped == 2
    assert sink.pending == 1
    assert sink.drain(max_lines=3) == Drained(["6"], 0)


@pytest.mark.parametrize("make", [lambda: LineRing(0), lambda: LogSink(max_pending=0)])
def test_sizes_below_one_are_refused(make) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        make()
