"""Any sequence of graph edits on a real pipeline writes YAML that reads back the same."""

from __future__ import annotations

from conftest import DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_manager.core.model import ModelError
from release_manager.core.pipeline_yaml import load, loads

FAN_IN = DATA / "pipelines" / "fan-in-condition.yml"
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


def apply(pipeline, step) -> None:
    """One edit; the model refusing it (a cycle, an unknown stage) is part of the game."""
    kind, first, second = step
    names = pipeline.stage_names
    if kind == "add":
        edit_call = lambda: pipeline.add_stage(first, index=second)  # noqa: E731
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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, max_size=8))
def test_random_edits_read_back_as_the_same_graph(steps):
    document = load(FAN_IN)
    pipeline = document.pipeline
    for step in steps:
        apply(pipeline, step)
    reread = loads(document.dumps()).pipeline
    assert reread.stage_names == pipeline.stage_names
    for name in pipeline.stage_names:
        assert reread.dependencies(name) == pipeline.dependencies(name)
        assert reread.stage(name).condition == pipeline.stage(name).condition
        assert reread.stage(name).environments == pipeline.stage(name).environments
