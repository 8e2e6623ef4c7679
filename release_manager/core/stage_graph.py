"""The stage graph as the window draws it, worked out from the model alone: a card per
stage, the dependencies drawn as arrows and the layered layout. The window's open works
it out on its worker (core/opening.py), so the GUI thread only makes the items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from release_manager.core.layout import Edge, Layout, Spacing, compute_layout
from release_manager.core.model import Pipeline, Stage
from release_manager.core.stage_card import StageCard, describe_stage
from release_manager.core.validation import Diagnostic


@dataclass(frozen=True)
class StageGraph:
    """What the graph of a pipeline shows, in the pipeline's stage order."""

    cards: tuple[StageCard, ...]
    edges: tuple[Edge, ...]
    layout: Layout


Describe = Callable[[Pipeline, Stage, list[tuple[str, str]], list[str]], StageCard]
"""What makes a stage's card: `describe_stage`, or a cache of the cards made before."""


def cards_and_edges(pipeline: Pipeline, diagnostics: list[Diagnostic],
                    describe: Describe = describe_stage
                    ) -> tuple[tuple[StageCard, ...], tuple[Edge, ...]]:
    """Each stage's card, in order, with the findings about it; and the arrows:
    (upstream, downstream) for each dependency on a stage of the pipeline."""
    about: dict[str, list[tuple[str, str]]] = {}
    for diagnostic in diagnostics:
        if diagnostic.stage:
            about.setdefault(diagnostic.stage, []).append(
                (diagnostic.severity, diagnostic.message))
    dependencies = pipeline.dependency_map()
    cards = tuple(
        describe(pipeline, stage, about.get(stage.name, []), dependencies[stage.name])
        for stage in pipeline.stages
    )
    edges = tuple(
        (upstream, stage.name)
        for stage in pipeline.stages
        for upstream in dependencies[stage.name]
        if upstream in dependencies
    )
    return cards, edges


def plan_stage_graph(pipeline: Pipeline, diagnostics: list[Diagnostic],
                     spacing: Spacing) -> StageGraph:
    """The cards, arrows and layout of `pipeline` (its `diagnostics` on the cards)."""
    cards, edges = cards_and_edges(pipeline, diagnostics)
    layout = compute_layout(pipeline.stage_names, edges, layer_spacing=spacing.layer,
                            node_spacing=spacing.node)
    return StageGraph(cards, edges, layout)
