"""SPEC §4's rule for deciding a savings claim, as a pure rule beside the other permissions."""

from __future__ import annotations

import pytest

from bot.domain.lifecycle import Approvers, claim_approvers, savings_decision_refusal
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


# --- the fallback approver (issue 18): a claim the POD's only em made --------------------------

FALLBACK = "U0EM00002"


def test_the_other_ems_are_asked_first() -> None:
    approvers = claim_approvers(["U0EM1", "U0EM2"], [FALLBACK], "U0EM1")
    assert approvers == Approvers(("U0EM2",))


def test_the_only_ems_claim_goes_to_the_fallback_approvers() -> None:
    approvers = claim_approvers(["U0EM1"], [FALLBACK], "U0EM1")
    assert approvers.users == (FALLBACK,) and approvers.fallback
    assert approvers.reason == "the POD's only em made this claim"


def test_a_pod_without_an_em_asks_the_fallback_approvers() -> None:
    approvers = claim_approvers([], [FALLBACK], "U0BUY1")
    assert approvers.users == (FALLBACK,) and approvers.reason == "the POD has no em"


def test_no_fallback_means_nobody_can_decide() -> None:
    assert claim_approvers(["U0EM1"], [], "U0EM1").users == ()
    # A fallback approver never decides their own claim either.
    assert claim_approvers([], [FALLBACK], FALLBACK).users == ()


# (role in the POD, is the claimant, is a fallback approver, fallback applies) → refusal or None
PERMISSIONS = [
    ("em", False, False, False, None),
    ("em", True, False, False, "You made this claim yourself, so another em must decide it."),
    ("em", True, False, True,
     "You made this claim yourself, so the fallback approver must decide it."),
    (None, False, True, True, None),  # a fallback approver outside the POD
    ("buyer", False, True, True, None),  # a fallback approver who is a buyer of the POD
    (None, True, True, True,
     "You made this claim yourself, so the fallback approver must decide it."),
    (None, False, True, False, "Only an em of POD Alpha may approve or reject savings claims."),
    ("buyer", False, False, True,
     "Only an em of POD Alpha or its fallback approver may approve or reject this savings claim."),
    ("analyst", False, False, False,
     "Only an em of POD Alpha may approve or reject savings claims."),
]  # fmt: skip


@pytest.mark.parametrize(("role", "claimant", "fallback", "applies", "expected"), PERMISSIONS)
def test_the_permission_table(
    role: str | None, claimant: bool, fallback: bool, applies: bool, expected: str | None
) -> None:
    refusal = savings_decision_refusal(
        role, "POD Alpha", is_claimant=claimant, is_fallback_approver=fallback,
        fallback_applies=applies,
    )  # fmt: skip
    assert refusal == expected
