"""Pure text handling of the local backend: logging commands, masking, variables."""

from __future__ import annotations

from release_manager.core.model import Variable, VariableGroup
from release_manager.engine.local.logging_commands import parse
from release_manager.engine.local.masking import Masker
from release_manager.engine.local.variables import Variables, branch_name, env_name


def test_parse_logging_commands_with_properties_and_escapes():
    command = parse("2024-01-01T00:00:00Z ##vso[task.setvariable variable=x;isOutput=true;"
                    "issecret=false]a%3Bb%0Ac%5D%25")
    assert command is not None
    assert command.name == "task.setvariable"
    assert command.properties == {"variable": "x", "isoutput": "true", "issecret": "false"}
    assert command.flag("isoutput") and not command.flag("issecret")
    assert command.data == "a;b\nc]%"
    assert parse("##vso[task.complete result=Failed;]").properties == {"result": "Failed"}
    assert parse("##vso[task.prependpath]/opt/bin").data == "/opt/bin"


def test_lines_that_are_not_commands():
    assert parse("plain output") is None
    assert parse("##[group]Build") is None
    assert parse("##vso[broken") is None


def test_masker_masks_every_occurrence_longest_first_and_multiline_values():
    masker = Masker(["abc", "abcdef", "  "])
    assert masker.mask("x abcdef y abc z") == "x *** y *** z"
    masker.add("line one\nline two")
    assert masker.mask("got line two") == "got ***"
    assert masker.mask("nothing secret") == "nothing secret"


def test_variables_are_case_insensitive_and_expand_macros():
    variables = Variables()
    variables.set("Build.BuildId", "12")
    variables.set("token", "xyz", secret=True)
    assert variables.get("build.buildid") == "12"
    assert variables.expand("id $(BUILD.BUILDID) $(token) $(missing)") == "id 12 xyz $(missing)"
    assert variables.environment() == {"BUILD_BUILDID": "12"}
    assert variables.secret_values() == ["xyz"]


def test_variable_levels_queue_overrides_and_groups():
    variables = Variables()
    notes: list[str] = []
    variables.add_entries(
        [Variable("a", "1"), Variable("b", "$(a)-2"), Variable("c", "pipeline"),
         VariableGroup("Release")],
        {"c": "queued"}, notes.append,
    )
    assert (variables.get("b"), variables.get("c")) == ("1-2", None)
    assert notes == ["Variable group 'Release' lives in Azure DevOps; its variables are not "
                     "set on this machine"]


def test_names_as_azure_maps_them():
    assert env_name("System.Default Working.Directory") == "SYSTEM_DEFAULT_WORKING_DIRECTORY"
    assert branch_name("refs/heads/feature/login") == "login"
    assert branch_name("refs/heads/release") == "release"
