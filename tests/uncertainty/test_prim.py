"""PRIM on datasets small enough to follow by hand (:mod:`kruispunt.uncertainty.prim`):
each peel, paste and choice below is worked out in the test's docstring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kruispunt.uncertainty.prim import _paste, prim


def test_one_factor_peels_one_future_at_a_time_down_to_min_mass() -> None:
    """Ten futures a = 0..9, the cases a >= 7, alpha 0.1, min_mass 0.3. Each step's best peel
    is the lower one: the box's 0.1 quantile (numpy's linear rule) cuts off its lowest future,
    a non-case, raising the density, while the upper peel would cut off a case. The box of m
    futures a = k-1..9 gets the lower limit k-1 + 0.1 (m - 1): 0.9, 1.8, ..., 6.3. Its density
    is 3/m, coverage stays 1, mass m/10. The last box, a = 7..9, holds exactly min_mass x 10 = 3
    futures, so it is allowed; every further peel would leave 2. The chosen box is that last
    one (coverage 1, density 1: harmonic mean 1); its quasi-p-value is the chance of 3 hits in
    3 draws at the base density 0.3: 0.3^3 = 0.027."""
    x = pd.DataFrame({"a": np.arange(10.0)})
    y = np.arange(10) >= 7
    res = prim(x, y, alpha=0.1, min_mass=0.3, paste=False)
    lowers = [b.lower[0] for b in res.boxes]
    assert lowers == pytest.approx([0.0, 0.9, 1.8, 2.7, 3.6, 4.5, 5.4, 6.3])
    assert all(b.upper[0] == 9.0 for b in res.boxes)
    t = res.trajectory()
    assert t["mass"].tolist() == pytest.approx([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    assert t["density"].tolist() == pytest.approx([3 / m for m in range(10, 2, -1)])
    assert t["coverage"].tolist() == [1.0] * 8
    assert t["n_restricted"].tolist() == [0] + [1] * 7
    assert res.chosen == 7
    lim = res.limits().set_index("factor")
    assert lim.loc["a", "lower"] == pytest.approx(6.3) and lim.loc["a", "upper"] == 9.0
    assert (lim.loc["a", "min"], lim.loc["a", "max"]) == (0.0, 9.0)
    assert lim.loc["a", "qp_value"] == pytest.approx(0.027)
    # a coverage of exactly min_coverage qualifies: every box has coverage 1
    assert prim(x, y, alpha=0.1, min_mass=0.3, paste=False, min_coverage=1.0).chosen == 7


def _two_factors() -> tuple[pd.DataFrame, np.ndarray]:
    """a = 0..9; b alternates 0, 1 (b = 1 for odd a); the cases are a = 1, 4, 5, 9."""
    x = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) % 2})
    return x, np.isin(np.arange(10), [1, 4, 5, 9])


def test_peeling_gains_density_per_future_removed() -> None:
    """alpha 0.1, min_mass 0.2, no pasting. Base density 4/10.

    Step 1: cutting a = 0 (a non-case) gives 4/9, a gain of 0.044 for one future; keeping
    b = 1 (futures 1, 3, 5, 7, 9: three cases) gives 3/5, a larger rise (0.2) but for five
    futures: 0.04 each. The per-future criterion (Friedman & Fisher) takes a >= 0.9.
    Step 2 (a = 1..9, 4/9): either end of a cuts a case (3/8); b = 1 gives 3/5 for four
    futures, 0.039 each: the box a >= 0.9, b = 1 (coverage 3/4, density 3/5, mass 1/2).
    Step 3 (a = 1, 3, 5, 7, 9): either end cuts a case, 2/4 (ties: the lower cut, 1.8).
    Step 4 (a = 3, 5, 7, 9): the lower cut 3.6 drops a non-case: 2/3 over 3 futures.
    Step 5 (a = 5, 7, 9): either end cuts a case, the lower one (5.4): a = 7, 9, 1/2, mass
    0.2 = min_mass; no further peel leaves 2 futures.

    Harmonic means of (coverage, density): 0.571, 8/13 = 0.615, 2/3, 0.5, 4/7, 1/3: the box
    of step 2 (its arithmetic mean, 0.675, would lose to step 1's 0.722)."""
    x, y = _two_factors()
    res = prim(x, y, alpha=0.1, min_mass=0.2, paste=False, max_qp=1.0)
    assert [b.restricted for b in res.boxes] == [(), ("a",), ("a", "b"), *[("a", "b")] * 3]
    assert [b.lower[0] for b in res.boxes] == pytest.approx([0, 0.9, 0.9, 1.8, 3.6, 5.4])
    assert [b.lower[1] for b in res.boxes] == [0, 0, 1, 1, 1, 1]
    t = res.trajectory()
    assert t["coverage"].tolist() == pytest.approx([1, 1, 0.75, 0.5, 0.5, 0.25])
    assert t["density"].tolist() == pytest.approx([0.4, 4 / 9, 0.6, 0.5, 2 / 3, 0.5])
    assert t["mass"].tolist() == pytest.approx([1, 0.9, 0.5, 0.4, 0.3, 0.2])
    assert res.chosen == 2


def test_quasi_p_values_use_the_density_with_that_one_restriction_dropped() -> None:
    """The chosen box above: a >= 0.9, b = 1, futures 1, 3, 5, 7, 9, three cases in five.
    Without its a-restriction the box is b = 1, the same five futures: density 3/5, so a's
    quasi-p-value is P(X >= 3), X ~ Bin(5, 3/5) = 0.68256 (not the base density 4/10, which
    would give 0.31744). Without its b-restriction it is a >= 0.9, four cases in nine: b's
    is P(X >= 3), X ~ Bin(5, 4/9) = 23424/59049 = 0.39669.

    With max_qp 0.5 the worst restriction (a, 0.68) is dropped; the box b = 1 is then
    judged against all futures, P(X >= 3), X ~ Bin(5, 0.4) = 0.31744, and kept. With the
    default 0.05 both go: the box of all futures."""
    x, y = _two_factors()
    kept = prim(x, y, alpha=0.1, min_mass=0.2, paste=False, max_qp=1.0)
    qp = kept.limits().set_index("factor")["qp_value"]
    assert qp.to_dict() == pytest.approx({"a": 0.68256, "b": 23424 / 59049})
    half = prim(x, y, alpha=0.1, min_mass=0.2, paste=False, max_qp=0.5)
    assert half.box.restricted == ("b",)
    assert half.limits()["qp_value"].tolist() == pytest.approx([0.31744])
    assert half.box.coverage == 0.75 and half.box.density == 0.6
    assert prim(x, y, alpha=0.1, min_mass=0.2, paste=False).box.restricted == ()


def test_dropping_restrictions_leaves_the_trajectory_as_peeled() -> None:
    """The chosen box of step 2 loses both restrictions at the default max_qp (above): the
    box of all futures, coverage 1, density 0.4. The trajectory's step 2 is still the box
    a >= 0.9, b = 1 it was peeled to (coverage 0.75, density 0.6), so the trade-off is the
    same whatever max_qp is."""
    x, y = _two_factors()
    kept = prim(x, y, alpha=0.1, min_mass=0.2, paste=False, max_qp=1.0)
    res = prim(x, y, alpha=0.1, min_mass=0.2, paste=False)
    assert res.chosen == 2
    assert res.box.restricted == () and (res.box.coverage, res.box.density) == (1.0, 0.4)
    assert res.boxes[2].restricted == ("a", "b")
    pd.testing.assert_frame_equal(res.trajectory(), kept.trajectory())
    assert res.limits(2)["factor"].tolist() == ["a", "b"]
    assert res.limits().empty


def test_an_upper_limit_and_a_quasi_p_value_at_max_qp_are_kept() -> None:
    """Six futures, the first three cases (the mirror of the quasi-p-value test in
    test_methods): the box a <= 2 holds three cases in three futures against 3/6 with the
    restriction dropped, a quasi-p-value of 1/2^3 = 0.125 exactly. A restriction is dropped
    only when its quasi-p-value exceeds max_qp: at max_qp = 0.125 it stays."""
    x = pd.DataFrame({"a": np.arange(6.0)})
    y = np.array([True, True, True, False, False, False])
    res = prim(x, y, max_qp=0.125)
    lim = res.limits().set_index("factor")
    assert lim.loc["a", "lower"] == 0.0 and 2.0 <= lim.loc["a", "upper"] < 3.0
    assert lim.loc["a", "qp_value"] == 0.125
    assert res.box.restricted == ("a",)


def test_a_discrete_factor_peels_its_highest_value() -> None:
    """A delay of 0..4 years, two futures each, the cases delay <= 1; alpha 0.1, min_mass
    0.4. The 0.9 quantile is the top value 4 itself, so the peel drops the whole value 4:
    4/8; the lower peel drops value 0, two cases (2/8). Then 3 (4/6), then 2 (4/4, mass
    0.4)."""
    x = pd.DataFrame({"delay": np.repeat(np.arange(5.0), 2)})
    y = x["delay"].to_numpy() <= 1
    res = prim(x, y, alpha=0.1, min_mass=0.4, paste=False)
    assert [b.upper[0] for b in res.boxes] == [4, 3, 2, 1]
    assert [b.lower[0] for b in res.boxes] == [0, 0, 0, 0]
    assert res.trajectory()["density"].tolist() == pytest.approx([0.4, 0.5, 2 / 3, 1.0])


def test_equal_gains_peel_the_fewest_futures() -> None:
    """a = 0..9, b alternating 0, 1, cases a >= 6; alpha 0.1, min_mass 0.2. The lower cut of
    a leads (keeping b = 1 gives 2/5, no gain) down to the pure box a = 6..9 (mass 0.4).
    There every peel gains nothing (density stays 1): cutting a = 6 or a = 9 removes one
    future, keeping b = 1 or b = 0 two. On equal gain the smaller peel wins, so the
    trajectory keeps losing one future a step: mass 0.3 (a >= 6.3), then 0.2 (a >= 7.2)."""
    x = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) % 2})
    y = np.arange(10) >= 6
    res = prim(x, y, alpha=0.1, min_mass=0.2, paste=False)
    t = res.trajectory()
    assert t["mass"].tolist() == pytest.approx([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    assert t["restricted"].tolist() == [""] + ["a"] * 8
    assert res.boxes[-1].lower[0] == pytest.approx(7.2)


def test_no_case_leaves_the_box_of_all_futures() -> None:
    """Without any case no box qualifies for min_coverage: the choice falls back on the box of
    all futures (coverage 0, nothing restricted), however far the peeling went."""
    x = pd.DataFrame({"a": np.arange(10.0)})
    res = prim(x, np.zeros(10, dtype=bool), alpha=0.1, min_mass=0.3)
    assert len(res.boxes) > 1
    assert res.chosen == 0 and res.box.restricted == () and res.box.mass == 1.0


def test_pasting_widens_the_box_by_the_best_step_while_density_rises() -> None:
    """a = 0..9, the cases a = 3, 4, 5, 6; alpha 0.5, from the box a = 6..7 (1 case in 2).
    Step of ceil(0.5 x 2) = 1 future: a = 5 (a case) gives 2/3, a = 8 gives 1/3: a = 5..7.
    Step of ceil(0.5 x 3) = 2: a = 3, 4 (cases) give 4/5, a = 8, 9 give 2/5: a = 3..7.
    Step of 3: a = 0, 1, 2 give 4/8, a = 8, 9 give 4/7, both below 4/5: stop at 3..7."""
    x = np.arange(10.0)[:, None]
    y = np.isin(np.arange(10), [3, 4, 5, 6])
    lo, hi = _paste(x, y, np.array([6.0]), np.array([7.0]), 0.5)
    assert (lo[0], hi[0]) == (3.0, 7.0)


def test_pasting_needs_a_strict_rise_in_density() -> None:
    """a = 0..7, cases a = 2 and 4; from a = 4..5 (density 1/2) with alpha 1, a step of 2
    futures: a = 2, 3 (one case) keeps 2/4 = 1/2, a = 6, 7 gives 1/4. No paste raises the
    density, so the box stays a = 4..5."""
    x = np.arange(8.0)[:, None]
    y = np.isin(np.arange(8), [2, 4])
    lo, hi = _paste(x, y, np.array([4.0]), np.array([5.0]), 1.0)
    assert (lo[0], hi[0]) == (4.0, 5.0)


def test_pasting_takes_the_densest_of_the_candidate_pastes() -> None:
    """A 4 x 4 grid a, b = 0..3, the box a, b in 1..2 (four futures, one case: (1, 1)); alpha
    0.25, a step of one future, which along a factor adds the two futures at the next value.
    Cases outside the box: (0, 1) and (3, 1), (3, 2). Widening a down adds one case (2/6),
    widening a up two (3/6), b down or up none (1/6): the first candidate raises the density,
    but a up raises it most, so a = 1..3. From there (3/6, a step of 2): a down 4/8, b down or
    up 3/9, none above 1/2: the box a = 1..3, b = 1..2."""
    a, b = np.meshgrid(np.arange(4.0), np.arange(4.0), indexing="ij")
    x = np.column_stack([a.ravel(), b.ravel()])
    y = np.array([tuple(p) in {(1, 1), (0, 1), (3, 1), (3, 2)} for p in x])
    lo, hi = _paste(x, y, np.array([1.0, 1.0]), np.array([2.0, 2.0]), 0.25)
    assert lo.tolist() == [1.0, 1.0] and hi.tolist() == [3.0, 2.0]


def test_equal_harmonic_means_prefer_fewer_restrictions_then_coverage() -> None:
    """Coverage 1 at density 1/2 and coverage 1/2 at density 1 have the same harmonic mean,
    2/3 (both 2 x 1/2 / (3/2)).

    Eight futures, a two-valued b: b = 0 six futures with two cases, b = 1 two cases. The
    one peel keeps b = 1 (gain 1/2 over six futures): coverage 1/2, density 1, against the
    box of all futures (coverage 1, density 1/2). Tie: the box with fewer restrictions, the
    box of all futures.

    Ten futures, a three-valued b: b = 0 two non-cases, b = 1 two cases and four
    non-cases, b = 2 two cases. Peel 1 drops b = 0 (4/8: coverage 1, density 1/2), peel 2
    keeps b = 2 (coverage 1/2, density 1). Both restrict b: the higher coverage wins."""
    two = pd.DataFrame({"b": [0.0] * 6 + [1.0] * 2})
    res = prim(two, np.array([True, True, False, False, False, False, True, True]), paste=False)
    assert [(b.coverage, b.density) for b in res.boxes] == [(1.0, 0.5), (0.5, 1.0)]
    assert res.chosen == 0
    three = pd.DataFrame({"b": [0.0] * 2 + [1.0] * 6 + [2.0] * 2})
    y = np.array([False, False, True, True, False, False, False, False, True, True])
    res = prim(three, y, paste=False, min_mass=0.2, max_qp=1.0)
    assert [(b.coverage, b.density) for b in res.boxes] == [(1.0, 0.4), (1.0, 0.5), (0.5, 1.0)]
    assert [b.restricted for b in res.boxes] == [(), ("b",), ("b",)]
    assert res.chosen == 1
