"""Any sequence of graph edits on a real pipeline writes YAML that reads back the same."""

from __future__ import annotations

from conftest import DATA
from edit_steps import apply, edit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_manager.core.pipeline_yaml import load, loads

FAN_IN = DATA / "pipelines" / "fan-in-condition.yml"


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
