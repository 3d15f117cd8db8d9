"""Tests for kruispunt.policy.grants (rank-order rationing, strict stop rule)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kruispunt.policy.grants import allocate_budget, allocate_first_fit

FAST = settings(max_examples=80, deadline=None)


def reference_allocation(
    score: np.ndarray,
    amount: np.ndarray,
    budget: float,
    higher_is_better: bool,
    eligible: np.ndarray,
) -> np.ndarray:
    """Plain-Python statement of the rule for one pool: rank, then stop at the first misfit."""
    n = len(score)
    ranked = sorted(
        (i for i in range(n) if eligible[i]),
        key=lambda i: (-score[i] if higher_is_better else score[i], i),
    )
    awarded = np.zeros(n, dtype=bool)
    spent = 0.0
    for i in ranked:
        if spent + amount[i] > budget:
            break
        spent += amount[i]
        awarded[i] = True
    return awarded


@st.composite
def pools(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(scenario, application) scores with ties, amounts incl. zeros, budgets, eligibility."""
    n_scen = draw(st.integers(1, 4))
    n_app = draw(st.integers(0, 8))
    shape = (n_scen, n_app)
    score = draw(hnp.arrays(np.float64, shape, elements=st.integers(-3, 3).map(float)))
    amount = draw(
        hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0, 2.5, 10.0, 40.0, 99.0]))
    )
    budget = draw(hnp.arrays(np.float64, (n_scen,), elements=st.floats(0.0, 200.0)))
    eligible = draw(hnp.arrays(np.bool_, shape))
    return score, amount, budget, eligible


def test_allocate_budget_hand_computed() -> None:
    # rank by score 9 > 7 > 5 -> applications 1, 2, 0; 40 + 30 = 70 <= 100, 70 + 50 = 120 > 100
    awarded = allocate_budget([5.0, 9.0, 7.0], [50.0, 40.0, 30.0], 100.0)
    np.testing.assert_array_equal(awarded, [False, True, True])
    # lowest first: 5 < 7 < 9 -> 0, 2, 1; 50 + 30 = 80 <= 80, + 40 = 120 > 80
    awarded = allocate_budget([5.0, 9.0, 7.0], [50.0, 40.0, 30.0], 80.0, higher_is_better=False)
    np.testing.assert_array_equal(awarded, [True, False, True])


def test_allocate_budget_strict_stop_rejects_smaller_later_applications() -> None:
    # ranked 0, 1, 2: 60 fits 100; 60 + 50 = 110 > 100 stops the round, so application 2 (5)
    # is rejected although 60 + 5 = 65 would fit.
    awarded = allocate_budget([3.0, 2.0, 1.0], [60.0, 50.0, 5.0], 100.0)
    np.testing.assert_array_equal(awarded, [True, False, False])


def test_allocate_budget_ties_broken_by_index() -> None:
    # equal scores: the lower index ranks first; only one of the two 60s fits 100
    np.testing.assert_array_equal(allocate_budget([1.0, 1.0], [60.0, 60.0], 100.0), [True, False])
    np.testing.assert_array_equal(
        allocate_budget([1.0, 1.0], [60.0, 60.0], 100.0, higher_is_better=False), [True, False]
    )


def test_allocate_budget_rows_are_independent_pools() -> None:
    score = np.array([[5.0, 9.0, 7.0], [5.0, 9.0, 7.0]])
    amount = np.array([50.0, 40.0, 30.0])
    # row 0: budget 39 fits nothing (40 first); row 1: budget 120 fits all (40 + 30 + 50)
    awarded = allocate_budget(score, amount, np.array([39.0, 120.0]))
    np.testing.assert_array_equal(awarded, [[False, False, False], [True, True, True]])
    # a scalar budget applies to every row
    np.testing.assert_array_equal(allocate_budget(score, amount, 70.0)[1], [False, True, True])


def test_allocate_budget_ineligible_take_no_budget() -> None:
    # application 1 (best) is ineligible, so 2 then 0 are ranked: 30 + 50 = 80 <= 80
    awarded = allocate_budget([5.0, 9.0, 7.0], [50.0, 40.0, 30.0], 80.0, eligible=[1, 0, 1])
    np.testing.assert_array_equal(awarded, [True, False, True])


def test_allocate_budget_edge_cases() -> None:
    # zero budget: only zero-amount applications are awarded, until the first positive one
    np.testing.assert_array_equal(
        allocate_budget([3.0, 2.0, 1.0], [0.0, 5.0, 0.0], 0.0), [True, False, False]
    )
    # no applications
    assert allocate_budget(np.empty((2, 0)), np.empty((2, 0)), 1.0).shape == (2, 0)
    # unlimited budget
    assert allocate_budget([1.0, 2.0], [1e12, 1e12], np.inf).all()


@pytest.mark.parametrize(
    ("score", "amount", "budget"),
    [
        ([1.0, np.nan], [1.0, 1.0], 1.0),
        ([1.0, 2.0], [1.0, -1.0], 1.0),
        ([1.0, 2.0], [1.0, 1.0], -1.0),
        ([1.0, 2.0], [1.0, 1.0], np.nan),
        (1.0, 1.0, 1.0),
    ],
)
def test_allocate_budget_rejects_invalid_input(
    score: object, amount: object, budget: float
) -> None:
    with pytest.raises(ValueError):
        allocate_budget(score, amount, budget)  # type: ignore[arg-type]


def test_allocate_first_fit_hand_computed() -> None:
    # storage 2.5 Mt/yr; priorities 3 > 2 > 1 -> 0, 2, 1; 1.0 + 0.8 = 1.8 <= 2.5; 1.2 > 0.7 left
    granted = allocate_first_fit([3.0, 1.0, 2.0], [1.0, 1.2, 0.8], 2.5)
    np.testing.assert_array_equal(granted, [True, False, True])
    # the first request (3.0) does not fit and is passed over; the smaller ones are served
    granted = allocate_first_fit([3.0, 2.0, 1.0], [3.0, 1.2, 0.8], 2.5)
    np.testing.assert_array_equal(granted, [False, True, True])


@FAST
@given(pool=pools(), higher=st.booleans())
def test_allocation_never_exceeds_budget_and_matches_rule(
    pool: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], higher: bool
) -> None:
    score, amount, budget, eligible = pool
    awarded = allocate_budget(score, amount, budget, higher_is_better=higher, eligible=eligible)
    assert awarded.shape == score.shape
    assert not np.any(awarded & ~eligible)
    for row in range(score.shape[0]):
        assert amount[row][awarded[row]].sum() <= budget[row] * (1 + 1e-12)
        expected = reference_allocation(score[row], amount[row], budget[row], higher, eligible[row])
        np.testing.assert_array_equal(awarded[row], expected)


@FAST
@given(pool=pools(), higher=st.booleans())
def test_awarded_never_ranks_behind_a_rejected_eligible_application(
    pool: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], higher: bool
) -> None:
    score, amount, budget, eligible = pool
    awarded = allocate_budget(score, amount, budget, higher_is_better=higher, eligible=eligible)
    sign = -1.0 if higher else 1.0
    for row in range(score.shape[0]):
        rank_key = [(sign * s, i) for i, s in enumerate(score[row])]
        won = [rank_key[i] for i in np.flatnonzero(awarded[row])]
        lost = [rank_key[i] for i in np.flatnonzero(eligible[row] & ~awarded[row])]
        if won and lost:
            assert max(won) < min(lost)
        if lost:
            # the best-ranked rejected application really did not fit
            first_lost = min(lost)[1]
            assert amount[row][awarded[row]].sum() + amount[row, first_lost] > budget[row]


@FAST
@given(pool=pools())
def test_allocation_follows_applications_when_permuted(
    pool: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    score, amount, budget, _ = pool
    # distinct scores, so the ranking (and the result) does not depend on the order of the input
    distinct = score + np.arange(score.shape[-1]) * 1e-3
    perm = np.random.default_rng(0).permutation(score.shape[-1])
    base = allocate_budget(distinct, amount, budget)
    permuted = allocate_budget(distinct[:, perm], amount[:, perm], budget)
    np.testing.assert_array_equal(permuted, base[:, perm])


@FAST
@given(
    demand=hnp.arrays(np.float64, (3, 6), elements=st.floats(0.0, 5.0)),
    priority=hnp.arrays(np.float64, (3, 6), elements=st.floats(-1e3, 1e3)),
    capacity=hnp.arrays(np.float64, (3,), elements=st.floats(0.0, 12.0)),
)
def test_allocate_first_fit_never_exceeds_capacity(
    demand: np.ndarray, priority: np.ndarray, capacity: np.ndarray
) -> None:
    granted = allocate_first_fit(priority, demand, capacity)
    assert np.all(np.where(granted, demand, 0.0).sum(axis=-1) <= capacity * (1 + 1e-12))


def test_capex_grant_bids_its_need_up_to_the_aid_intensity_ranked_per_tonne() -> None:
    """Aid intensity 40 % of the capex annuity (100 EUR/yr for either plant's new route):
    plant 0 needs 30 a year to switch and bids 30; plant 1 needs 60 and bids the 40 the
    intensity allows. Per tonne abated (1 t and 2 t): 30 and 20, so plant 1 ranks first.
    Each claims its bid over the annuity factor (0.1): 300 and 400. Staying (option 0) is
    not supportable and bids nothing."""
    from types import SimpleNamespace

    from kruispunt.policy.grants import CapexGrant

    params = {"budget": np.full((1, 3), 1e6), "share": np.array([0.4])}
    ctx = SimpleNamespace(
        params=lambda name: params,
        inputs=SimpleNamespace(plants=SimpleNamespace(product=np.zeros(2))),
    )
    grant = CapexGrant(ctx)  # type: ignore[arg-type]
    none = np.zeros((1, 2), dtype=bool)
    ev = SimpleNamespace(
        t=0,
        capex_annuity=np.array([[[0.0, 100.0], [0.0, 100.0]]]),
        gap=np.array([[[0.0, 30.0], [0.0, 60.0]]]),
        supportable=np.array([[[False, True], [False, True]]]),
        abated=np.array([[[0.0, 1.0], [0.0, 2.0]]]),
        crf=np.full((1, 2, 2), 0.1),
        awarded=lambda name: none,
    )
    offer = grant.offer(ev)  # type: ignore[arg-type]
    assert offer is not None
    assert offer.eligible.tolist() == [[[False, True], [False, True]]]
    assert offer.support[0, :, 1].tolist() == pytest.approx([30.0, 40.0])
    assert offer.score[0, :, 1].tolist() == pytest.approx([30.0, 20.0])
    assert offer.claim[0, :, 1].tolist() == pytest.approx([300.0, 400.0])
