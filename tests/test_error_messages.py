"""An error as the user is told it: the sentence of an error the app expects, the
permission a refusal lacks, and never a type name or a bug's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_manager.core.yaml_guard import PipelineLoadError, Problem
from release_manager.engine.backend_errors import Forbidden, NotFound, TokenExpired
from release_manager.engine.release_session import NotAWorkspace
from release_manager.error_messages import UNEXPECTED, is_expected, user_message


def test_a_refusal_names_the_permission_it_lacks() -> None:
    refusal = Forbidden("You may not approve in Fabrikam.", "Environment (Administer)")
    assert user_message(refusal) == ("You may not approve in Fabrikam "
                                     "(missing permission: Environment (Administer)).")


def test_a_permission_already_said_is_not_said_twice() -> None:
    refusal = Forbidden("Build (Queue builds) is needed to run Space Game.",
                        "Build (Queue builds)")
    assert user_message(refusal) == "Build (Queue builds) is needed to run Space Game."


@pytest.mark.parametrize("error, said", [
    (TokenExpired("Your sign-in to fabrikam has expired: sign in again.", "fabrikam"),
     "Your sign-in to fabrikam has expired: sign in again."),
    (NotFound("There is no pipeline 'Space Game' in Fabrikam.", "pipeline", "Space Game"),
     "There is no pipeline 'Space Game' in Fabrikam."),
    (NotAWorkspace("/w holds no releases yet"), "/w holds no releases yet"),
    (KeyError("there is no build 7"), "there is no build 7"),
    (PermissionError(13, "Permission denied", "/w/.release-manager"),
     "/w/.release-manager: Permission denied"),
    (PipelineLoadError([Problem("mapping values are not allowed here", 3, 7)],
                       Path("/w/azure-pipelines.yml")),
     "/w/azure-pipelines.yml:3:7: mapping values are not allowed here"),
])
def test_an_expected_error_is_its_own_sentence(error: Exception, said: str) -> None:
    assert is_expected(error)
    assert user_message(error) == said


@pytest.mark.parametrize("bug", [TypeError("unsupported operand type(s) for +: 'NoneType'"),
                                 AttributeError("'NoneType' object has no attribute 'id'"),
                                 ValueError("too many values to unpack")])
def test_a_bug_is_not_shown_only_said_to_be_unexpected(bug: Exception) -> None:
    assert not is_expected(bug)
    said = user_message(bug)
    assert said == UNEXPECTED
    assert type(bug).__name__ not in said and str(bug) not in said
