"""Layered (Sugiyama-style) positions for the stage graph, left to right.

Steps: break cycles (a broken file may have one), longest-path layering, dummy nodes on
edges that span several layers, barycenter sweeps to reduce crossings, then a compact
vertical placement that keeps each layer's order and pulls every node towards its
neighbours (a chain becomes a straight row). Everything iterates in input order, so the
result is deterministic. The work stays near linear in nodes and edges (times a log for
the sorts): the dummy nodes have a budget, and the sweeps stop once they stop helping.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

Point = tuple[float, float]
Edge = tuple[str, str]

SWEEPS = 12
"""Barycenter passes at most (down and up count as one each); the best ordering seen is
kept, and the passes stop after a down and an up pass that found no better one."""
PLACEMENT_ROUNDS = 8
"""Placement rounds at most (down and up count as one each); they stop once an up round
ends where the one before it did, as every later pair of rounds would."""
DUMMY_BUDGET = 4
"""Dummy nodes at most per node and edge of the graph. An edge across many layers needs
one per layer it skips, so a few edges across thousands of layers would need millions:
past the budget the longest edges get none and are drawn straight, without bends."""


@dataclass(frozen=True)
class Spacing:
    """Distances of a layout: between layers (left to right) and between the nodes of
    a layer."""

    layer: float
    node: float


@dataclass
class Layout:
    """Node positions (centre of each node) and, for edges spanning several layers, the
    points the edge passes through between its ends (the dummy nodes' positions)."""

    positions: dict[str, Point] = field(default_factory=dict)
    bends: dict[Edge, list[Point]] = field(default_factory=dict)


def layered_layout(
    nodes: Sequence[str],
    edges: Sequence[Edge],
    *,
    layer_spacing: float = 260.0,
    node_spacing: float = 120.0,
) -> dict[str, Point]:
    """Positions of `nodes` (centres) so that every edge points left to right."""
    return compute_layout(
        nodes, edges, layer_spacing=layer_spacing, node_spacing=node_spacing
    ).positions


def compute_layout(
    nodes: Sequence[str],
    edges: Sequence[Edge],
    *,
    layer_spacing: float = 260.0,
    node_spacing: float = 120.0,
) -> Layout:
    """The full layout: positions plus bend points of long edges."""
    names = list(dict.fromkeys(nodes))
    if not names:
        return Layout()
    kept = _acyclic_edges(names, edges)
    layer = _longest_path_layers(names, kept)
    graph = _LayerGraph.build(names, kept, layer)
    graph.reduce_crossings()
    ys = graph.place(node_spacing)
    layout = Layout()
    for vertex, name in enumerate(graph.names):
        point = (graph.layer[vertex] * layer_spacing, ys[vertex])
        if name is None:
            continue
        layout.positions[name] = point
    for edge, chain in graph.chains.items():
        layout.bends[edge] = [(graph.layer[v] * layer_spacing, ys[v]) for v in chain]
    return layout


def _acyclic_edges(names: list[str], edges: Sequence[Edge]) -> list[Edge]:
    """The edges between known nodes, without duplicates, self-loops and the edges that
    close a cycle (found by a depth-first search in input order)."""
    known = set(names)
    unique = [
        (a, b) for a, b in dict.fromkeys(edges) if a in known and b in known and a != b
    ]
    successors: dict[str, list[str]] = {name: [] for name in names}
    for a, b in unique:
        successors[a].append(b)
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    back: set[Edge] = set()
    for root in names:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(successors[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    return [edge for edge in unique if edge not in back]


def _longest_path_layers(names: list[str], edges: list[Edge]) -> dict[str, int]:
    """Layer of each node: 0 for sources, else one more than its deepest predecessor."""
    predecessors: dict[str, list[str]] = {name: [] for name in names}
    successors: dict[str, list[str]] = {name: [] for name in names}
    for a, b in edges:
        predecessors[b].append(a)
        successors[a].append(b)
    pending = {name: len(predecessors[name]) for name in names}
    ready = deque(name for name in names if pending[name] == 0)
    layer: dict[str, int] = {}
    while ready:
        name = ready.popleft()
        layer[name] = max((layer[p] + 1 for p in predecessors[name]), default=0)
        for child in successors[name]:
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    return layer


@dataclass
class _LayerGraph:
    """Real and dummy vertices by integer id, each in one layer, edges between adjacent
    layers only."""

    names: list[str | None]
    layer: list[int]
    up: list[list[int]]
    down: list[list[int]]
    layers: list[list[int]]
    chains: dict[Edge, list[int]]

    @classmethod
    def build(cls, names: list[str], edges: list[Edge], layer_of: dict[str, int]) -> _LayerGraph:
        ids = {name: index for index, name in enumerate(names)}
        graph = cls(
            names=list(names),
            layer=[layer_of[name] for name in names],
            up=[[] for _ in names],
            down=[[] for _ in names],
            layers=[],
            chains={},
        )
        bent = _bent_edges(edges, layer_of, DUMMY_BUDGET * (len(names) + len(edges)))
        for a, b in edges:
            previous = ids[a]
            chain: list[int] = []
            skipped = range(layer_of[a] + 1, layer_of[b]) if (a, b) in bent else range(0)
            for depth in skipped:
                dummy = graph._add_vertex(None, depth)
                graph._link(previous, dummy)
                chain.append(dummy)
                previous = dummy
            graph._link(previous, ids[b])
            if chain:
                graph.chains[(a, b)] = chain
        graph.layers = [[] for _ in range(max(graph.layer) + 1)]
        for vertex in graph._initial_order():
            graph.layers[graph.layer[vertex]].append(vertex)
        return graph

    def _add_vertex(self, name: str | None, depth: int) -> int:
        self.names.append(name)
        self.layer.append(depth)
        self.up.append([])
        self.down.append([])
        return len(self.names) - 1

    def _link(self, upper: int, lower: int) -> None:
        self.down[upper].append(lower)
        self.up[lower].append(upper)

    def _initial_order(self) -> list[int]:
        """Depth-first from the sources in input order: related vertices start together."""
        seen: set[int] = set()
        order: list[int] = []
        roots = [v for v in range(len(self.names)) if not self.up[v]]
        for root in roots:
            stack = [root]
            while stack:
                vertex = stack.pop()
                if vertex in seen:
                    continue
                seen.add(vertex)
                order.append(vertex)
                stack.extend(reversed(self.down[vertex]))
        return order

    # ------------------------------------------------------------ crossing reduction

    def reduce_crossings(self) -> None:
        best = [list(layer) for layer in self.layers]
        best_crossings = self.crossings()
        last_better = 0
        for sweep in range(SWEEPS):
            if best_crossings == 0 or sweep - last_better > 2:
                break
            downward = sweep % 2 == 0
            count = len(self.layers)
            indices = range(1, count) if downward else range(count - 2, -1, -1)
            for index in indices:
                fixed = self.layers[index - 1] if downward else self.layers[index + 1]
                self.layers[index] = self._by_barycenter(
                    self.layers[index], fixed, self.up if downward else self.down
                )
            crossings = self.crossings()
            if crossings < best_crossings:
                best_crossings, last_better = crossings, sweep + 1
                best = [list(layer) for layer in self.layers]
        self.layers = best

    @staticmethod
    def _by_barycenter(
        movable: list[int], fixed: list[int], neighbours: list[list[int]]
    ) -> list[int]:
        if len(movable) < 2:
            return movable
        position = {vertex: index for index, vertex in enumerate(fixed)}
        keys: list[tuple[float, int]] = []
        for index, vertex in enumerate(movable):
            places = [position[n] for n in neighbours[vertex] if n in position]
            # A vertex without neighbours there keeps its place.
            keys.append((sum(places) / len(places) if places else float(index), index))
        order = sorted(range(len(movable)), key=lambda i: keys[i])
        return [movable[i] for i in order]

    def crossings(self) -> int:
        total = 0
        for upper, lower in zip(self.layers, self.layers[1:], strict=False):
            if len(upper) < 2 or len(lower) < 2:
                continue  # edges from one vertex, or to one, cannot cross
            position = {vertex: index for index, vertex in enumerate(lower)}
            targets = [
                position[child]
                for vertex in upper
                for child in sorted(self.down[vertex], key=position.__getitem__)
            ]
            total += _inversions(targets)
        return total

    # ------------------------------------------------------------ vertical placement

    def place(self, spacing: float) -> list[float]:
        """y of every vertex: each layer keeps its order and spacing; each round moves the
        layer as close as it can (least squares) to the mean y of its neighbours."""
        ys = [0.0] * len(self.names)
        for layer in self.layers:
            for index, vertex in enumerate(layer):
                ys[vertex] = index * spacing
        # Vertices without any edge stay out of the way: after the others of their layer.
        alone = {v for v in range(len(self.names)) if not self.up[v] and not self.down[v]}
        self.layers = [
            [v for v in layer if v not in alone] + [v for v in layer if v in alone]
            for layer in self.layers
        ]
        last_upward: list[float] | None = None
        for round_ in range(PLACEMENT_ROUNDS):
            downward = round_ % 2 == 0
            order = self.layers if downward else list(reversed(self.layers))
            for full_layer in order:
                layer = [v for v in full_layer if v not in alone]
                desired = []
                for vertex in layer:
                    neighbours = self.up[vertex] + self.down[vertex]
                    if downward and self.up[vertex]:
                        neighbours = self.up[vertex]
                    elif not downward and self.down[vertex]:
                        neighbours = self.down[vertex]
                    desired.append(
                        sum(ys[n] for n in neighbours) / len(neighbours)
                        if neighbours
                        else ys[vertex]
                    )
                for vertex, y in zip(layer, _spaced_fit(desired, spacing), strict=True):
                    ys[vertex] = y
            if not downward:
                if ys == last_upward:
                    break  # the rounds repeat from here on: the last one would end the same
                last_upward = list(ys)
        for layer in self.layers:
            connected = [ys[v] for v in layer if v not in alone]
            below = max(connected) + spacing if connected else 0.0
            for index, vertex in enumerate(v for v in layer if v in alone):
                ys[vertex] = below + index * spacing
        top = min(ys)
        return [y - top for y in ys]


def _bent_edges(edges: list[Edge], layer_of: dict[str, int], budget: int) -> set[Edge]:
    """The edges that get their dummy nodes (their bends): the shortest first, while the
    dummy nodes stay within `budget`."""
    bent: set[Edge] = set()
    for a, b in sorted(edges, key=lambda edge: layer_of[edge[1]] - layer_of[edge[0]]):
        budget -= layer_of[b] - layer_of[a] - 1
        if budget < 0:
            break
        bent.add((a, b))
    return bent


def _spaced_fit(desired: list[float], spacing: float) -> list[float]:
    """The positions closest to `desired` (least squares) that keep their order with at
    least `spacing` between neighbours: isotonic regression (pool adjacent violators) on
    `desired[i] - i * spacing`."""
    blocks: list[list[float]] = []  # [sum, count]
    for index, value in enumerate(desired):
        blocks.append([value - index * spacing, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    fitted: list[float] = []
    for total, count in blocks:
        fitted.extend([total / count] * int(count))
    return [value + index * spacing for index, value in enumerate(fitted)]


def _inversions(values: list[int]) -> int:
    """Pairs i < j with values[i] > values[j] (edge crossings between two layers)."""
    if not values:
        return 0
    tree = [0] * (max(values) + 2)
    count = 0
    for seen, value in enumerate(values):
        index = value + 1
        not_greater = 0
        while index > 0:
            not_greater += tree[index]
            index -= index & -index
        count += seen - not_greater
        index = value + 1
        while index < len(tree):
            tree[index] += 1
            index += index & -index
    return count
