"""libyaml's reading of a pipeline (`core.yaml_tree`, C speed) is the YAML 1.2 reading
Azure and the round-trip reader make: the same values, kinds, styles and positions for
every file of the tests and the corpus, for YAML's corners, and for generated documents;
where it could differ, the text is read by the round-trip reader instead."""

from __future__ import annotations

import io

import pytest
from conftest import DATA, corpus, corpus_files
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from yaml_readings import assert_same_reading, fast, round_trip

from release_manager.core.pipeline_yaml import PipelineLoadError, loads
from release_manager.core.yaml_guard import parse

WRITTEN = sorted(p for p in DATA.rglob("*") if p.suffix in (".yml", ".yaml"))
CORPUS = [*corpus_files("pipelines"), *corpus_files("azure-examples", (".yml",))]

CORNERS = {
    "YAML 1.1 booleans and numbers": "on: [push]\nyes: no\nvalue: 0777\nv: 0o17\n"
                                     "x: 1_000\nt: 2001-12-14\nn: ~\ne: null\nb: True\n",
    "double-quoted escapes": 'a: "\\/"\nb: "\\x41\\u263A\\U0001F600"\n'
                             'c: "\\N\\_\\e\\L\\P\\ \\0\\a\\b\\v\\f"\nd: "tab\there"\n'
                             'e: "a\\\n  b"\n',
    "single quotes": "a: 'it''s'\nb: 'multi\n  line\n\n  para'\n",
    "folded plain scalar": "a: one\n  two\n\n  three\nb: x\n",
    "block scalars": "a: |\n  x\n\n\nb: |-\n  y\nc: |+\n  z\n\nd: >\n  f\n  g\n\n  h\n"
                     "e: >-\n  i\nf: >+\n  j\n\ng: |2\n    k\nh: |  # c\n  l\n",
    "block scalar at the end without a line break": "a: |\n  x",
    "block scalar ending in a blank line of spaces": "a: |\n  x\n  \n",
    "kept block scalar at the end": "a: |+\n  x\n\n\n",
    "more-indented folded lines": "a: >\n  x\n    y\n  z\n",
    "comments everywhere": "# top\na: 1 # c\n# between\nb: # after key\n  c: 2\n"
                           "  # inner\nd:\n  - x # item\n  # between items\n  - y\n",
    "flow collections": "a: [a, b, ]\nb: {a: 1, b}\nc: [a: b]\nd: {\"a\":b}\n"
                        "f: { a: [1, 2],\n  b: {c: d} }\ng: [\n  x,\n  y\n]\n",
    "empty flow collections": "dependsOn: []\nb: {}\n",
    "explicit keys": "? a\n: b\n? c\n",
    "compact nested sequences": "a:\n- - x\n  - y\n-  - z\n- k: v\n  o: w\n",
    "document markers": "---\na: 1\n...\n",
    "a comment after the document marker": "--- # comment\na: 1\n",
    "YAML 1.2 directive": "%YAML 1.2\n---\na: on\n",
    "CR LF": "a: 1\r\nb:\r\n  - x\r\n  - |\r\n    y\r\n\r\nc: 2\r\n",
    "CR alone": "a: 1\rb: 2\r",
    "mixed line breaks": "a: 1\r\nb: 2\nc: 3\rd: 4\n",
    "fullwidth, zero-width and astral text": "ａ: ｂ\n\u200bzw: x\nemoji: \U0001F600 ok\n"
                                             "\u00e9t\u00e9: été\n",
    "plain scalars with indicators inside": "a: -b\nc: :b\nd: ?b\ne: b#c\nf: b #c\n"
                                            "g: what? yes\nh: x:y\n",
    "keys of every kind": "key with spaces: v\n\"quoted key\": v\n'single' : v\na:b: c\n"
                          "'%a': 1\n",
    "empty values": "a:\nb: # comment\nc: {a: }\nd:\n- \n-\n\ne:\n# trailing\n\n",
    "trailing spaces and blank lines": "a: 1   \n   \nb:   2\n  \n",
    "template expressions": "stages:\n- ${{ if eq(parameters.a, true) }}:\n  - stage: A\n"
                            "- ${{ each x in parameters.y }}:\n  - stage: ${{ x }}\n",
    "quotes in quotes": "a: \"x 'y' z\"\nb: 'x \"y\" z'\n",
    "multi-line quoted scalars": "a: \"one\n  two\n\n  three\"\nb: 'x\n\n\n  y'\n",
    "a sequence level with its key": "a:\n  b:\n  - c\n  - d\n  e: f\n",
    "no line break at the end": "a: 1\nb: 2",
    "only a key": "a:",
    "deep flow nesting": "a: " + "[" * 30 + "x" + "]" * 30 + "\n",
    "a URL": "a: http://x.y/z?q=1#frag\n",
    "hashes in quotes": "a: '#not'\nb: \"# no\"\n",
    "a long value": "a: " + "v" * 5000 + "\n",
}

REFUSED = {  # not YAML to either reader: the message is the one users always had
    "a tab as indentation": "a:\n\tb: c\n",
    "a mapping in a plain scalar": "a: b: c\n",
    "text after a quoted scalar": "a: 'b'c\n",
    "a reserved indicator": "a: @b\n",
    "a backquote": "a: `b\n",
    "a percent sign": "a: %b\n",
    "a key that ends in a colon": "a: b:\n",
    "a control character": "a: b\x07c\n",
    "an over-indented block scalar": "a: |\n        x\n      y\n",
    "an empty flow entry": "a: [a, , b]\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "a key over 1024 characters": "k" * 2000 + ": v\n",
}


@pytest.mark.parametrize("text", CORNERS.values(), ids=CORNERS.keys())
def test_a_yaml_corner_reads_as_the_round_trip_reader_reads_it(text):
    new = fast(text)
    assert new is not None, "libyaml should read this itself"
    assert_same_reading(text, new, round_trip(text))


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_text_that_is_not_yaml_gets_the_round_trip_readers_message(text):
    old = round_trip(text)
    assert old.problems, "the round-trip reader refuses this too"
    with pytest.raises(PipelineLoadError) as caught:
        parse(text)
    assert caught.value.problems == old.problems


@pytest.mark.parametrize("path", WRITTEN, ids=lambda p: p.name)
def test_every_file_written_for_the_tests_reads_the_same(path):
    text = path.read_bytes().decode("utf-8-sig")
    new = fast(text)
    assert new is not None
    assert_same_reading(text, new, round_trip(text))


@pytest.mark.corpus
@pytest.mark.parametrize("path", corpus(CORPUS), ids=lambda p: p.name)
def test_every_corpus_file_reads_the_same(path):
    text = path.read_bytes().decode("utf-8-sig")
    new = fast(text)
    if new is None:  # declined: `parse` gives the round-trip reading itself
        assert "{{" in text, "only the starter templates' `{{ name }}` keys are declined"
        return
    assert_same_reading(text, new, round_trip(text))


@pytest.mark.parametrize("mark", ["\x85", "\u2028", "\u2029"], ids=["NEL", "LS", "PS"])
def test_a_line_break_only_yaml_1_1_knows_is_left_to_the_round_trip_reader(mark):
    """libyaml (YAML 1.1) breaks lines at NEL, LS and PS, and so numbers every later line
    otherwise: such a file is read as it always was."""
    text = f'a: "b{mark}c"\nd: e\n'
    assert fast(text) is None
    root, old = parse(text).root, round_trip(text).root
    assert root == old
    assert tuple(root.lc.key("d")) == tuple(old.lc.key("d")) == (1, 0)


def test_valid_yaml_the_round_trip_reader_refused_is_read():
    """Tabs between tokens and a JSON-like `"key":value` in a flow sequence are YAML 1.2
    (and 1.1); the round-trip reader refused them, calling the tab indentation."""
    text = 'a:\tb\nc: d\t# note\ne: f\tg\nh: [ "i":j ]\n'
    assert round_trip(text).problems
    root = parse(text).root
    assert (root["a"], root["c"], root["e"]) == ("b", "d", "f\tg")
    assert root["h"] == [{"i": "j"}]
    assert root.lc.value("e") == (2, 3)


def test_every_scalar_is_the_text_as_written():
    document = loads("trigger: none\nname: on\nvariables:\n  mode: 0777\n  empty: ~\n"
                     "  flag: yes\nstages:\n- stage: 'true'\n  displayName: 1.0\n")
    root = document.root
    assert (root["name"], root["variables"]["mode"], root["variables"]["empty"],
            root["variables"]["flag"]) == ("on", "0777", "~", "yes")
    stage = document.pipeline.stages[0]
    assert (stage.name, stage.display_name) == ("true", "1.0")


# Generated documents: structures of names and values, written by a YAML writer in
# random block and flow styles, quoting and widths, then read by both readers.
_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
_NODES = st.recursive(
    _TEXT, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(_TEXT, inner, max_size=4), max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(root=st.dictionaries(_TEXT, _NODES, min_size=1, max_size=5),
       flow=st.sampled_from([False, True, None]), width=st.sampled_from([20, 80, 4096]),
       indent=st.sampled_from([(2, 0), (4, 2), (2, 2)]))
def test_generated_documents_read_the_same(root, flow, width, indent):
    writer = YAML(typ="rt")
    writer.default_flow_style = flow
    writer.width = width
    writer.indent(mapping=indent[0], sequence=indent[0] + indent[1], offset=indent[1])
    buffer = io.StringIO()
    writer.dump(root, buffer)
    text = buffer.getvalue()
    new, old = fast(text), round_trip(text)
    if new is None:  # declined: a YAML 1.1 line break, or libyaml refused it
        return
    assert_same_reading(text, new, old)
