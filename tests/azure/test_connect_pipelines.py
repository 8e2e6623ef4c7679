"""Which pipeline a name or an id given to `connect` means: its id first, then its name
in any case (or its folder path, as Azure DevOps shows it); two of the same name are
refused with their ids, an unknown one with the list of the known ones."""

from __future__ import annotations

import pytest

from release_manager.engine.azure.connect import (
    PipelineChoice,
    ProjectPipelines,
    find_pipeline,
)
from release_manager.engine.backend_errors import NotFound

LISTED = ProjectPipelines("Fabrikam-Fiber", [
    PipelineChoice(3, "2024"),
    PipelineChoice(7, "web", "\\Releases"),
    PipelineChoice(9, "web", "\\Nightly"),
    PipelineChoice(12, "Orders-API"),
])


@pytest.mark.parametrize(("given", "found"), [
    ("12", 12), ("orders-api", 12), (" ORDERS-api ", 12), ("\\releases\\WEB", 7),
    ("3", 3), ("2024", 3),
])
def test_a_pipeline_is_found_by_id_or_by_name_in_any_case(given: str, found: int) -> None:
    assert find_pipeline(LISTED, given).id == found


def test_two_pipelines_of_one_name_are_refused_with_their_ids() -> None:
    with pytest.raises(NotFound) as refused:
        find_pipeline(LISTED, "WEB")

    assert str(refused.value) == (
        "2 pipelines of project Fabrikam-Fiber are named 'WEB': name one by its id "
        "(\\Releases\\web (id 7), \\Nightly\\web (id 9)).")
    assert (refused.value.kind, refused.value.name) == ("pipeline", "WEB")


def test_an_unknown_pipeline_lists_the_known_ones() -> None:
    with pytest.raises(NotFound) as refused:
        find_pipeline(LISTED, "99")

    assert str(refused.value) == (
        "There is no pipeline '99' in project Fabrikam-Fiber; its pipelines: 2024 (id 3), "
        "\\Releases\\web (id 7), \\Nightly\\web (id 9), Orders-API (id 12).")


def test_a_project_without_pipelines_says_so() -> None:
    with pytest.raises(NotFound) as refused:
        find_pipeline(ProjectPipelines("Empty", []), "web")

    assert str(refused.value) == ("There is no pipeline 'web' in project Empty: it has no "
                                  "pipelines.")
