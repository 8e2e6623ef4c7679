"""Random graph edits for property tests: a hypothesis strategy of steps, and applying one
step to a pipeline as the graph's operations would."""

from __future__ import annotations

from hypothesis import strategies as st

from release_manager.core.model import ModelError, Pipeline

NEW_NAMES = ["Prod", "Canary", "Smoke", "Perf"]
CONDITIONS = [None, "succeeded()", "and(succeeded(), eq(variables['x'], 'y'))",
              "in(dependencies.Build.result, 'Succeeded')\n", "always()\n\n",
              "and(\n  succeeded(),\n  always()\n)"]

edit = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(NEW_NAMES), st.integers(0, 8)),
    st.tuples(st.just("remove"), st.integers(0, 8), st.booleans()),
    st.tuples(st.just("connect"), st.integers(0, 8), st.integers(0, 8)),
    st.tuples(st.just("disconnect"), st.integers(0, 8), st.integers(0, 8)),
    st.tuples(st.just("condition"), st.integers(0, 8), st.sampled_from(CONDITIONS)),
    st.tuples(st.just("rename"), st.integers(0, 8), st.sampled_from(NEW_NAMES)),
    st.tuples(st.just("reorder"), st.integers(0, 8), st.integers(0, 8)),
    st.tuples(st.just("environment"), st.integers(0, 8), st.sampled_from(["dev", "prod"])),
)


def apply(pipeline: Pipeline, step: tuple) -> None:
    """One edit; the model refusing it (a cycle, an unknown stage) is part of the game."""
    kind, first, second = step
    names = pipeline.stage_names
    if kind == "add":
        edit_call = lambda: pipeline.add_stage(first, index=second)  # noqa: E731
    elif not names:
        return
    else:
        pick = names[first % len(names)]
        other = names[second % len(names)] if type(second) is int else None
        edit_call = {
            "remove": lambda: len(names) > 1 and pipeline.remove_stage(pick, reconnect=second),
            "connect": lambda: pipeline.connect(other, pick),
            "disconnect": lambda: pipeline.disconnect(other, pick),
            "condition": lambda: pipeline.set_condition(pick, second),
            "rename": lambda: pipeline.rename_stage(pick, second),
            "reorder": lambda: pipeline.reorder_stage(pick, second),
            "environment": lambda: pipeline.set_environment(pick, second),
        }[kind]
    try:
        edit_call()
    except ModelError:
        pass
