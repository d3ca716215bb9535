"""Customer and tool names compare on one key (NFKC, case-folded, invisible characters gone,
whitespace collapsed), whatever the database's own idea of case."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.names import name_key

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ärzte GmbH", "ärzte gmbh"),
        ("Ärzte GmbH", "ÄRZTE GMBH"),
        ("Ärzte GmbH", "A\u0308rzte GmbH"),  # decomposed umlaut
        ("Figma", "Fig\u200bma"),
        ("Figma", "Ｆｉｇｍａ"),  # full-width
        ("Straße", "STRASSE"),
        ("Acme  Corp", " acme\u00a0corp\t"),
        ("Ωmega", "ωMEGA"),
    ],
)
def test_variants_share_one_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_different_names_keep_different_keys() -> None:
    assert name_key("Acme") != name_key("Acne")
    assert name_key("Ärzte") != name_key("Arzte")


@given(names)
def test_the_key_is_idempotent(name: str) -> None:
    assert name_key(name_key(name)) == name_key(name)


@given(names)
def test_case_variants_share_the_key(name: str) -> None:
    assert name_key(name.upper()) == name_key(name.lower()) == name_key(name.casefold())


@given(names)
def test_width_and_composition_variants_share_the_key(name: str) -> None:
    for form in ("NFC", "NFD", "NFKC", "NFKD"):
        assert name_key(unicodedata.normalize(form, name)) == name_key(name)


@given(names, st.lists(st.tuples(st.integers(0, 40), st.sampled_from(INVISIBLE)), max_size=5))
def test_invisible_characters_do_not_count(name: str, inserts: list[tuple[int, str]]) -> None:
    spoiled = name
    for at, char in inserts:
        spoiled = spoiled[:at] + char + spoiled[at:]
    assert name_key(spoiled) == name_key(name)


@given(names, st.sampled_from([" ", "  ", "\t", "\u00a0", "\u3000", "\n"]))
def test_whitespace_is_collapsed_and_trimmed(name: str, space: str) -> None:
    key = name_key(f"{space}{name.replace(' ', space)}{space}")
    assert key == name_key(name)
    assert key == key.strip() and "  " not in key


def test_renewals_match_contracts_to_requests_by_the_key() -> None:
    from bot.domain.renewals import match_key

    assert match_key("Ärzte\u200b GmbH", "ＦＩＧＭＡ") == match_key("ärzte gmbh", "figma")
