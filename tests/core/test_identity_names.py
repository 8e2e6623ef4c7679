"""Names as identities: one person however the name is spelled on a keyboard, and no
name that only looks like another."""

from __future__ import annotations

import pytest

from release_manager.core.identity_names import IdentityError, identity_key, normal_identity


@pytest.mark.parametrize("typed", ["qa", "qa ", " qa\t", "QA", "ｑａ", "Ｑａ"])
def test_spellings_of_one_name_are_one_identity(typed: str) -> None:
    assert normal_identity(typed) == identity_key(typed) == "qa"


@pytest.mark.parametrize(("typed", "named"), [
    ("qa\u200b", "U+200B ZERO WIDTH SPACE"),
    ("\u2066qa", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("q\u00ada", "U+00AD SOFT HYPHEN"),
    ("q\x1ba", "U+001B (a control or unassigned character)"),
])
def test_a_name_with_an_invisible_character_is_refused_naming_it(typed: str,
                                                                  named: str) -> None:
    with pytest.raises(IdentityError, match="invisible character") as refused:
        normal_identity(typed)
    assert named in str(refused.value)
    assert identity_key(typed) == "qa"  # an old record with it still compares as it looks


def test_an_empty_name_is_refused() -> None:
    with pytest.raises(IdentityError, match="cannot be empty"):
        normal_identity("  ")
