"""Bad input: one clear problem with its position, never a traceback or a hang."""

from __future__ import annotations

import os

import pytest

from release_manager.core.pipeline_yaml import PipelineLoadError, Problem, load, loads
from release_manager.core.yaml_guard import MAX_BYTES, MAX_DEPTH


def rejected(tmp_path, data: bytes) -> PipelineLoadError:
    path = tmp_path / "azure-pipelines.yml"
    path.write_bytes(data)
    with pytest.raises(PipelineLoadError) as caught:
        load(path)
    error = caught.value
    assert error.path == path
    assert str(error).startswith(f"{path}:")
    return error


def only(error: PipelineLoadError) -> Problem:
    assert len(error.problems) == 1
    return error.problems[0]


def test_yaml_syntax_error_has_its_line_and_column(tmp_path):
    problem = only(rejected(tmp_path, b"stages:\n- stage: A\n  jobs: [job\n"))
    assert problem.message.startswith("not valid YAML:")
    assert "expected ',' or ']'" in problem.message
    assert (problem.line, problem.column) == (4, 1)


def test_unclosed_quote(tmp_path):
    problem = only(rejected(tmp_path, b"trigger: none\nname: 'release\n"))
    assert "found unexpected end of stream" in problem.message
    assert problem.line == 3


@pytest.mark.parametrize("text, what", [
    (b"- stage: A\n- stage: B\n", "not a list"),
    (b"just a sentence\n", "not a single value"),
])
def test_the_top_must_be_a_mapping(tmp_path, text, what):
    problem = only(rejected(tmp_path, text))
    assert problem.message.startswith("the top of an azure-pipelines.yml must be a mapping")
    assert problem.message.endswith(what)
    assert (problem.line, problem.column) == (1, 1)


def test_binary_bytes(tmp_path):
    problem = only(rejected(tmp_path, b"trigger:\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert problem.message == "the file is binary, not text (a NUL byte)"
    assert (problem.line, problem.column) == (4, 1)


def test_bytes_that_are_not_utf8(tmp_path):
    problem = only(rejected(tmp_path, "trigger: none\nname: café\n".encode("latin-1")))
    assert problem.message == "the file is not valid UTF-8: byte 0xe9 cannot be decoded"
    assert (problem.line, problem.column) == (2, 10)


@pytest.mark.parametrize("data", [b"", b"\n\n", b"# nothing here yet\n", b"---\n...\n"])
def test_empty_file(tmp_path, data):
    assert only(rejected(tmp_path, data)) == Problem("the file is empty", 1, 1)


def test_a_huge_file_is_refused_with_its_size(tmp_path):
    data = b"steps:\n" + b"- script: echo hello\n" * (50 * 1024 * 1024 // 21)
    assert len(data) > MAX_BYTES
    problem = only(rejected(tmp_path, data))
    assert problem.message == "the file is 50.0 MB; pipelines larger than 2.0 MB are refused"


def test_deep_flow_nesting(tmp_path):
    problem = only(rejected(tmp_path, b"steps: " + b"[" * 10_000 + b"]" * 10_000 + b"\n"))
    assert problem.message == f"the nesting is deeper than {MAX_DEPTH} levels"
    assert (problem.line, problem.column) == (1, 8 + MAX_DEPTH - 1)


def test_deep_block_nesting(tmp_path):
    problem = only(rejected(tmp_path, b"steps:\n" + b"- " * 10_000 + b"x\n"))
    assert problem.message == f"the nesting is deeper than {MAX_DEPTH} levels"
    assert problem.line == 2


def test_deep_mapping_nesting(tmp_path):
    text = "".join(" " * i + f"k{i}:\n" for i in range(2_000)) + " " * 2_000 + "v\n"
    problem = only(rejected(tmp_path, text.encode()))
    assert problem.message == f"the nesting is deeper than {MAX_DEPTH} levels"


BILLION_LAUGHS = b"""\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_alias_bomb_is_refused_at_the_first_anchor(tmp_path):
    problem = only(rejected(tmp_path, BILLION_LAUGHS))
    assert problem == Problem(
        "YAML anchor &a is not supported: Azure Pipelines rejects anchors and aliases", 1, 4)


def test_an_alias_alone_is_reported_too():
    with pytest.raises(PipelineLoadError) as caught:
        loads("pool: *shared\n")
    assert only(caught.value).message.startswith("YAML alias *shared is not supported")


def test_tabs_for_indentation(tmp_path):
    problem = only(rejected(tmp_path, b"stages:\n- stage: A\n\tjobs: []\n"))
    assert problem == Problem("a tab is used for indentation; YAML allows only spaces", 3, 1)


def test_tabs_inside_a_script_block_are_content():
    document = loads("steps:\n- script: |\n    make\n    \techo tab\n")
    assert document.pipeline.stages[0].jobs[0].steps[0].value == "make\n\techo tab\n"


def test_duplicate_keys_are_all_named_with_both_lines():
    with pytest.raises(PipelineLoadError) as caught:
        loads("stages:\n- stage: A\n  jobs: []\n  displayName: x\n  jobs: []\n"
              "trigger: none\ntrigger: main\n", "p.yml")
    assert caught.value.problems == [
        Problem("duplicate key 'jobs': first on line 3, again on line 5", 5, 3),
        Problem("duplicate key 'trigger': first on line 6, again on line 7", 7, 1),
    ]
    assert str(caught.value) == (
        "p.yml:5:3: duplicate key 'jobs': first on line 3, again on line 5\n"
        "p.yml:7:1: duplicate key 'trigger': first on line 6, again on line 7")


def test_a_missing_file(tmp_path):
    with pytest.raises(PipelineLoadError) as caught:
        load(tmp_path / "nope.yml")
    assert only(caught.value).message == "cannot read the file: No such file or directory"


@pytest.mark.parametrize("text, tag", [
    ("a: !!set\n  ? x\n", "tag:yaml.org,2002:set"),
    ("pool: !Ref shared\n", "!Ref"),
])
def test_yaml_tags_are_refused(text, tag):
    with pytest.raises(PipelineLoadError) as caught:
        loads(text)
    assert only(caught.value) == Problem(
        f"YAML tag {tag} is not supported: Azure Pipelines reads every value as plain text",
        1, 7 if tag == "!Ref" else 4)


def test_merge_keys_are_plain_keys_as_in_azure():
    document = loads("variables:\n  <<: x\n  a: b\n")
    assert [v.name for v in document.pipeline.variables] == ["<<", "a"]


def test_unusual_line_breaks_in_comments_are_reported_not_crashed():
    with pytest.raises(PipelineLoadError) as caught:
        loads("# note\x85 more\nstages:\n- stage: A\n  jobs: []\n")
    assert only(caught.value).line == 2


def test_only_regular_files_are_read(tmp_path):
    with pytest.raises(PipelineLoadError) as caught:
        load(tmp_path)
    assert only(caught.value).message == "not a regular file: it is a folder"


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "azure-pipelines.yml"
    os.mkfifo(fifo)
    with pytest.raises(PipelineLoadError) as caught:
        load(fifo)
    assert only(caught.value).message == "not a regular file: it is a named pipe (FIFO)"


def test_a_template_that_is_not_a_pipeline_file_stays_unresolved(tmp_path):
    (tmp_path / "folder.yml").mkdir()
    (tmp_path / "big.yml").write_bytes(b"stages: []\n" + b"#" * (MAX_BYTES + 1))
    path = tmp_path / "azure-pipelines.yml"
    path.write_text("stages:\n- template: folder.yml\n- template: big.yml\n"
                    "- template: ../../../../../../../../dev/zero\n")
    assert [stage.resolved for stage in load(path).pipeline.stages] == [None, None, None]
