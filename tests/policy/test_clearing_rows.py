"""The clearing premium over a batch of markets at once (issue 12: engine speed, results
bit-identical).

:func:`clearing_premiums` and :func:`market_sales_rows` clear every scenario of a batch in
lock-step; each row must equal, bit for bit, :func:`clearing_premium` and
:func:`market_sales` on that row alone (the per-market formulas of issue 11, point 3).
The random markets include ties (equal needs and volumes), rows that require nothing, rows
with no supply, suppliers that cannot supply (infinite need), negative needs, capped premiums
(a market cap and suppliers' own caps) and several options of one plant (groups).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.policy.clearing import (
    clearing_premium,
    clearing_premiums,
    market_sales,
    market_sales_rows,
)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-identical arrays (NaN equal to NaN, signs of zero ignored)."""
    return bool(np.array_equal(a, b, equal_nan=True))


def _market(rng: np.random.Generator, S: int, N: int) -> dict[str, np.ndarray]:
    """Random rows drawn from few distinct values, so that ties are frequent."""
    need = rng.choice([-5.0, 0.0, 10.0, 10.0, 25.0, 40.0, 120.0, 300.0, np.inf], size=(S, N))
    volume = rng.choice([0.0, 5.0, 20.0, 20.0, 30.0, 50.0, 110.0], size=(S, N))
    need = np.where(rng.random((S, N)) < 0.3, need * rng.uniform(0.5, 2.0, (S, N)), need)
    required = rng.choice([0.0, 0.0, 15.0, 30.0, 70.0, 90.0, 200.0, 1e4], size=S)
    cap = rng.choice([np.inf, np.inf, 0.0, 50.0, 250.0, 9000.0], size=S)
    own = rng.choice([np.inf, np.inf, 30.0, 100.0, 400.0], size=(S, N))
    group = rng.integers(0, max(N // 2, 1), size=N)
    return {
        "need": need,
        "volume": volume,
        "required": required,
        "cap": cap,
        "own": own,
        "group": group,
    }


def _check(m: dict[str, np.ndarray], use_own: bool, use_group: bool) -> None:
    own = m["own"] if use_own else None
    group = m["group"] if use_group else None
    rows = clearing_premiums(m["need"], m["volume"], m["required"], m["cap"], own, group)
    for s in range(m["need"].shape[0]):
        one = clearing_premium(
            m["need"][s],
            m["volume"][s],
            float(m["required"][s]),
            float(m["cap"][s]),
            None if own is None else own[s],
            group,
        )
        assert rows.premium[s] == one.premium, s
        assert _same(rows.sold[s], one.sold), s
        assert _same(rows.rank[s], one.rank), s
    own_s = np.inf if own is None else own
    paid = market_sales_rows(m["volume"], m["required"], rows.premium, own_s, rows.rank)
    for s in range(m["need"].shape[0]):
        one_paid = market_sales(
            m["volume"][s],
            float(m["required"][s]),
            float(rows.premium[s]),
            np.inf if own is None else own[s],
            rows.rank[s],
        )
        assert _same(paid[s], one_paid), s


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("use_own", "use_group"), [(False, False), (True, False), (True, True)])
def test_rows_equal_the_one_market_formula_on_random_markets(
    seed: int, use_own: bool, use_group: bool
) -> None:
    """Seeded random batches of 40 markets x 1-30 suppliers: every row is bit-identical to
    :func:`clearing_premium` and :func:`market_sales` on that row."""
    rng = np.random.default_rng(seed)
    _check(_market(rng, 40, int(rng.integers(1, 31))), use_own, use_group)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(0, 9),
    st.integers(0, 2**32 - 1),
    st.booleans(),
    st.booleans(),
)
def test_rows_equal_the_one_market_formula_hypothesis(
    S: int, N: int, seed: int, use_own: bool, use_group: bool
) -> None:
    """Any small batch (including markets with no supplier at all): rows equal the formula."""
    _check(_market(np.random.default_rng(seed), S, N), use_own, use_group)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("use_group", [False, True])
def test_divisible_rows_equal_the_one_market_formula(seed: int, use_group: bool) -> None:
    """Divisible offers (the RFNBO market: output a plant makes anyway sells in part at its
    own need per unit): every row equals :func:`clearing_premium` with the same mask, bit for
    bit, whether the mask is one per supplier or one per row and supplier."""
    rng = np.random.default_rng(1000 + seed)
    m = _market(rng, 9, 11)
    group = m["group"] if use_group else None
    for div in (rng.random((9, 11)) < 0.5, np.ones(11, dtype=bool)):
        rows = clearing_premiums(
            m["need"], m["volume"], m["required"], m["cap"], m["own"], group, divisible=div
        )
        div2 = np.broadcast_to(div, (9, 11))
        for s in range(9):
            one = clearing_premium(
                m["need"][s],
                m["volume"][s],
                float(m["required"][s]),
                float(m["cap"][s]),
                m["own"][s],
                group,
                divisible=div2[s],
            )
            assert rows.premium[s] == one.premium, s
            assert _same(rows.sold[s], one.sold), s
            assert _same(rows.rank[s], one.rank), s


def test_divisible_rows_hand_checked() -> None:
    """The divisible example of :func:`clearing_premium`: 70 t required from A (40 t at 0),
    B (50 t at 120) and C (60 t at 300) clears at B's own 120 with B selling 30 t; 100 t
    clears at C's 300 with C selling the last 10 t."""
    c = clearing_premiums(
        [[0.0, 120.0, 300.0]] * 2, [[40.0, 50.0, 60.0]] * 2, [70.0, 100.0], divisible=True
    )
    assert c.premium.tolist() == [120.0, 300.0]
    assert c.sold.tolist() == [[40.0, 30.0, 0.0], [40.0, 50.0, 10.0]]


def test_edge_rows_hand_checked() -> None:
    """One batch of the edge cases, each against the hand-computed result:

    - row 0: 70 t of A 40 t @ 0, B 50 t @ 120, C 60 t @ 300 -> 200 EUR/t (the
      :func:`clearing_premium` example);
    - row 1: nothing required -> 0, nobody sells;
    - row 2: no supply (all volumes 0) and a cap of 9,000 -> the cap, nobody sells;
    - row 3: 200 t required of 150 t, cap 250 -> C (300 EUR/t) does not sell, A and B sell
      all, the premium is the cap;
    - row 4: tie, A and B both 40 t @ 10 for 40 t required -> the lower index (A) sells.
    """
    need = np.array(
        [
            [0.0, 120.0, 300.0],
            [0.0, 120.0, 300.0],
            [0.0, 120.0, 300.0],
            [0.0, 120.0, 300.0],
            [10.0, 10.0, 300.0],
        ]
    )
    volume = np.array(
        [
            [40.0, 50.0, 60.0],
            [40.0, 50.0, 60.0],
            [0.0, 0.0, 0.0],
            [40.0, 50.0, 60.0],
            [40.0, 40.0, 60.0],
        ]
    )
    c = clearing_premiums(
        need, volume, [70.0, 0.0, 52.0, 200.0, 40.0], [np.inf, np.inf, 9000.0, 250.0, np.inf]
    )
    assert c.premium.tolist() == [200.0, 0.0, 9000.0, 250.0, 10.0]
    assert c.sold.tolist() == [
        [40.0, 30.0, 0.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
        [40.0, 50.0, 0.0],
        [40.0, 0.0, 0.0],
    ]
    assert c.row(0).served == 70.0


def test_bad_input_is_refused() -> None:
    """Negative or NaN volumes, NaN requirements and negative caps raise as in the formula."""
    with pytest.raises(ValueError, match="volume"):
        clearing_premiums([[1.0]], [[-1.0]], [1.0])
    with pytest.raises(ValueError, match="cap"):
        clearing_premiums([[1.0]], [[1.0]], [np.nan])
    with pytest.raises(ValueError, match="cap"):
        clearing_premiums([[1.0]], [[1.0]], [1.0], [-1.0])
