"""SPEC §4's rule for deciding a savings claim, as a pure rule beside the other permissions."""

from __future__ import annotations

import pytest

from bot.domain.lifecycle import savings_decision_refusal
from bot.domain.vocabulary import Role


@pytest.mark.parametrize("role", [None, *(r for r in Role if r is not Role.EM)])
def test_only_an_em_of_the_pod_decides(role: Role | None) -> None:
    refusal = savings_decision_refusal(role, "POD Alpha", is_claimant=False)
    assert refusal == "Only an em of POD Alpha may approve or reject savings claims."


def test_an_em_never_decides_their_own_claim() -> None:
    refusal = savings_decision_refusal(Role.EM, "POD Alpha", is_claimant=True)
    assert refusal == "You made this claim yourself, so another em must decide it."


def test_another_em_decides() -> None:
    assert savings_decision_refusal("em", "POD Alpha", is_claimant=False) is None
