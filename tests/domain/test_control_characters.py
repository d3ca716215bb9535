"""The rule refusing control characters in what people type (hardening item 10)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.grammar import GrammarError, check_typable, control_character_problem


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"])
def test_a_control_character_is_named(char: str) -> None:
    problem = control_character_problem(f"Vendor came back{char} at 45k")
    assert problem == (
        f"There is an invisible control character (U+{ord(char):04X}) in the text, "
        "after `Vendor came back`; remove it and try again."
    )
    with pytest.raises(GrammarError, match="invisible control character"):
        check_typable(char)


def test_the_words_before_it_are_whole_and_few() -> None:
    problem = control_character_problem("Renewal for `Acme` came back at 45k\x00")
    assert problem is not None and "after `came back at 45k`;" in problem
    assert "at its start" in (control_character_problem("\x00x", "this field") or "")
    assert "in this field," in (control_character_problem("x\x00", "this field") or "")


@given(st.text(alphabet=st.characters(blacklist_categories=["Cc"])) | st.sampled_from("\t\n\r"))
def test_text_without_control_characters_passes(text: str) -> None:
    assert control_character_problem(text + "\t\n\r") is None
    check_typable(text)
