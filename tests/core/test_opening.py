"""Opening a pipeline for the window (on its worker): what the window shows first is
worked out there, exactly as the window would work it out itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA

from release_manager.core.environments_file import save_environments
from release_manager.core.layout import Spacing, compute_layout
from release_manager.core.model import ApprovalPolicy, Environment
from release_manager.core.opening import open_pipeline
from release_manager.core.pipeline_yaml import PipelineLoadError, load
from release_manager.core.stage_graph import cards_and_edges
from release_manager.core.validation import validate_edited

SPACING = Spacing(layer=350.0, node=140.0)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "azure-pipelines.yml"
    path.write_bytes((DATA / "pipelines" / "spacegame.yml").read_bytes())
    save_environments(tmp_path, {"staging": Environment(
        "staging", approval=ApprovalPolicy(approvers=["alice@contoso.com"],
                                           minimum_approvers=1))})
    return path


def test_the_environments_file_is_read_into_the_pipeline_and_onto_its_cards(workspace):
    opened = open_pipeline(workspace, SPACING)

    policy = opened.document.pipeline.environments["staging"].approval
    assert policy is not None and policy.approvers == ["alice@contoso.com"]
    names = [card.name for card in opened.graph.cards]
    staging = opened.graph.cards[names.index("Staging")]
    assert [badge.text for badge in staging.badges if badge.kind == "approvals"] == ["1"]


def test_the_findings_cards_and_layout_are_those_of_the_document_as_read(workspace):
    opened = open_pipeline(workspace, SPACING)

    document = load(workspace)
    document.pipeline.environments = opened.document.pipeline.environments
    diagnostics = validate_edited(document)
    cards, edges = cards_and_edges(document.pipeline, diagnostics)
    assert opened.diagnostics == diagnostics
    assert (opened.graph.cards, opened.graph.edges) == (cards, edges)
    assert opened.graph.layout == compute_layout(document.pipeline.stage_names, edges,
                                                 layer_spacing=350.0, node_spacing=140.0)
    assert opened.graph.edges == (("Build", "Dev"), ("Dev", "Test"), ("Test", "Staging"))


def test_a_finding_about_a_stage_is_on_its_card(tmp_path):
    path = tmp_path / "azure-pipelines.yml"
    path.write_text("stages:\n- stage: Build\n  jobs: []\n- stage: Deploy\n"
                    "  dependsOn: Nowhere\n  jobs: []\n", encoding="utf-8")

    opened = open_pipeline(path, SPACING)

    deploy = opened.graph.cards[1]
    [badge] = [badge for badge in deploy.badges if badge.kind == "error"]
    assert "Nowhere" in badge.tooltip
    assert any(d.stage == "Deploy" and "Nowhere" in d.message for d in opened.diagnostics)


def test_a_bad_environments_file_fails_the_open_naming_that_file(workspace):
    environments = workspace.parent / ".release-manager" / "environments.yml"
    environments.write_text("environments:\n  staging: [\n", encoding="utf-8")

    with pytest.raises(PipelineLoadError) as raised:
        open_pipeline(workspace, SPACING)

    assert raised.value.path == environments
