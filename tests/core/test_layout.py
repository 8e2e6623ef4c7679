"""Layered layout: direction, no overlaps, crossings, straight chains, determinism."""

from __future__ import annotations

import random

from release_manager.core.layout import DUMMY_BUDGET, Layout, compute_layout, layered_layout

SPACING = 120.0


def _crossings(positions: dict[str, tuple[float, float]], edges: list[tuple[str, str]]) -> int:
    """Pairs of edges whose straight segments properly cross (shared ends do not count)."""

    def ccw(a, b, c) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    count = 0
    for i, (a, b) in enumerate(edges):
        for c, d in edges[i + 1 :]:
            if {a, b} & {c, d}:
                continue
            p, q, r, s = positions[a], positions[b], positions[c], positions[d]
            if ccw(p, q, r) * ccw(p, q, s) < 0 and ccw(r, s, p) * ccw(r, s, q) < 0:
                count += 1
    return count


def _random_dag(seed: int, size: int) -> tuple[list[str], list[tuple[str, str]]]:
    rng = random.Random(seed)
    nodes = [f"S{i}" for i in range(size)]
    edges = []
    for i in range(1, size):
        for j in rng.sample(range(i), k=min(i, rng.randint(1, 3))):
            edges.append((nodes[j], nodes[i]))
    return nodes, edges


def test_every_edge_points_right_and_nodes_do_not_overlap() -> None:
    nodes, edges = _random_dag(7, 60)
    positions = layered_layout(nodes, edges, node_spacing=SPACING)
    assert set(positions) == set(nodes)
    for a, b in edges:
        assert positions[a][0] < positions[b][0], (a, b)
    points = list(positions.values())
    for i, (x1, y1) in enumerate(points):
        for x2, y2 in points[i + 1 :]:
            assert x1 != x2 or abs(y1 - y2) >= SPACING - 1e-6


def test_fan_out_fan_in_has_no_crossings_and_is_centred() -> None:
    nodes = ["Build", "Dev1", "Dev2", "Dev3", "Prod"]
    edges = [("Build", "Dev1"), ("Build", "Dev2"), ("Build", "Dev3")]
    edges += [("Dev1", "Prod"), ("Dev2", "Prod"), ("Dev3", "Prod")]
    positions = layered_layout(nodes, edges)
    assert _crossings(positions, edges) == 0
    xs = {name: positions[name][0] for name in nodes}
    assert xs["Build"] < xs["Dev1"] == xs["Dev2"] == xs["Dev3"] < xs["Prod"]
    assert positions["Build"][1] == positions["Dev2"][1] == positions["Prod"][1]


def test_a_chain_is_a_straight_row() -> None:
    nodes = ["Build", "Dev", "Test", "Staging", "Prod"]
    edges = list(zip(nodes, nodes[1:], strict=False))
    positions = layered_layout(nodes, edges)
    assert len({y for _, y in positions.values()}) == 1
    assert [positions[n][0] for n in nodes] == sorted({positions[n][0] for n in nodes})


def test_crossings_are_reduced_where_the_input_order_crosses() -> None:
    # File order puts B2's child first: a naive order would cross.
    nodes = ["A", "B1", "B2", "C2", "C1"]
    edges = [("A", "B1"), ("A", "B2"), ("B1", "C1"), ("B2", "C2")]
    positions = layered_layout(nodes, edges)
    assert _crossings(positions, edges) == 0


def test_long_edges_bend_through_the_layers_they_skip() -> None:
    nodes = ["Build", "Dev", "Test", "Prod"]
    edges = [("Build", "Dev"), ("Dev", "Test"), ("Test", "Prod"), ("Build", "Prod")]
    layout = compute_layout(nodes, edges)
    bends = layout.bends[("Build", "Prod")]
    assert [x for x, _ in bends] == [layout.positions["Dev"][0], layout.positions["Test"][0]]
    # The bend points sit in free space, not on the nodes of those layers.
    for x, y in bends:
        for name in ("Dev", "Test"):
            px, py = layout.positions[name]
            assert px != x or abs(py - y) >= 120.0 - 1e-6
    assert ("Build", "Dev") not in layout.bends


def test_deterministic_and_independent_of_unrelated_runs() -> None:
    nodes, edges = _random_dag(3, 120)
    first = compute_layout(nodes, edges)
    compute_layout(*_random_dag(4, 50))
    second = compute_layout(nodes, edges)
    assert first == second


def test_cycles_self_loops_unknown_nodes_and_empty_input_do_not_break_it() -> None:
    assert compute_layout([], []) == Layout()
    nodes = ["A", "B", "C"]
    edges = [("A", "B"), ("B", "C"), ("C", "A"), ("B", "B"), ("A", "Ghost"), ("A", "B")]
    positions = layered_layout(nodes, edges)
    assert positions["A"][0] < positions["B"][0] < positions["C"][0]


def test_independent_stages_stack_without_overlap() -> None:
    nodes = [f"S{i}" for i in range(5)]
    positions = layered_layout(nodes, [], node_spacing=SPACING)
    ys = sorted(y for _, y in positions.values())
    assert all(b - a >= SPACING for a, b in zip(ys, ys[1:], strict=False))
    assert {x for x, _ in positions.values()} == {0.0}


def test_five_hundred_stages_lay_out_with_every_edge_rightwards() -> None:
    nodes, edges = _random_dag(11, 500)
    positions = layered_layout(nodes, edges)
    assert all(positions[a][0] < positions[b][0] for a, b in edges)


def test_a_stage_without_dependencies_sits_just_below_the_others() -> None:
    nodes = ["Lonely"] + [f"V{i}" for i in range(6)] + ["Join", "Next"]
    edges = [(f"V{i}", "Join") for i in range(6)] + [("Join", "Next")]
    positions = layered_layout(nodes, edges, node_spacing=SPACING)
    lowest_connected = max(positions[f"V{i}"][1] for i in range(6))
    assert positions["Lonely"][1] == lowest_connected + SPACING


def test_edges_across_thousands_of_layers_keep_the_bends_within_their_budget() -> None:
    """A chain of 3 000 stages that all also depend on the first one: one bend per layer
    skipped would be 4.5 million points; the longest edges are drawn straight instead."""
    nodes = [f"S{i}" for i in range(3000)]
    edges = [(nodes[i - 1], nodes[i]) for i in range(1, 3000)]
    edges += [(nodes[0], nodes[i]) for i in range(2, 3000)]
    layout = compute_layout(nodes, edges)
    bends = sum(len(points) for points in layout.bends.values())
    assert bends <= DUMMY_BUDGET * (len(nodes) + len(edges))
    assert len(layout.bends[(nodes[0], nodes[2])]) == 1  # the short ones still bend
    assert (nodes[0], nodes[2999]) not in layout.bends
    assert all(layout.positions[a][0] < layout.positions[b][0] for a, b in edges)
