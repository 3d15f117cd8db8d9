"""Tests for kruispunt.policy.ccfd."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.policy.conftest import one_plant_year

from kruispunt.engine.context import BatchContext
from kruispunt.policy.ccfd import (
    Ccfd,
    ccfd_bid,
    ccfd_indexed_strike,
    ccfd_payment,
    ccfd_reservation,
)
from kruispunt.testing import toy_inputs

FAST = settings(max_examples=50, deadline=None)


def test_ccfd_payment_hand_computed() -> None:
    # (150 - 80) * 1e5 = 7e6
    assert float(ccfd_payment(150.0, 80.0, 1.0e5)) == pytest.approx(7.0e6)
    # (120 - 73.37) * 2.5e5 = 46.63 * 2.5e5 = 1.16575e7
    assert float(ccfd_payment(120.0, 73.37, 2.5e5)) == pytest.approx(1.16575e7)


def test_ccfd_payment_one_and_two_sided() -> None:
    # EUA above strike: one-sided 0 ; two-sided (150 - 200) * 1e5 = -5e6 paid back
    assert float(ccfd_payment(150.0, 200.0, 1.0e5)) == 0.0
    assert float(ccfd_payment(150.0, 200.0, 1.0e5, two_sided=True)) == pytest.approx(-5.0e6)
    # per scenario EUA path (scenario, 1) against plants (plant,)
    out = ccfd_payment([100.0, 150.0], np.array([[80.0], [120.0]]), 1.0, two_sided=True)
    np.testing.assert_allclose(out, [[20.0, 70.0], [-20.0, 30.0]])


def test_ccfd_payment_rejects_invalid_input() -> None:
    for bad in [(-1.0, 80.0, 1.0), (150.0, -1.0, 1.0), (150.0, 80.0, -1.0), (np.nan, 80.0, 1.0)]:
        with pytest.raises(ValueError):
            ccfd_payment(*bad)


@FAST
@given(strike=st.floats(0.0, 500.0), price=st.floats(0.0, 500.0), abated=st.floats(0.0, 1e7))
def test_ccfd_payment_properties(strike: float, price: float, abated: float) -> None:
    one = float(ccfd_payment(strike, price, abated))
    two = float(ccfd_payment(strike, price, abated, two_sided=True))
    assert one >= 0.0
    assert one >= two
    assert one == pytest.approx(max(two, 0.0))
    assert two == pytest.approx((strike - price) * abated)


# --- W11 (law/worked_examples.md): CCfD payments ---------------------------------------------


def test_w11a_eu_proposal_strike_minus_auction_price() -> None:
    """W11(a), EU proposal COM(2026) 616 Art. 10ce(3): payment = (S - P) x Q with the strike S
    from bidding, the auction price P and the verified reduction Q: S 120, P 80, Q 100,000 ->
    4,000,000 EUR. Above the strike the beneficiary repays (two-sided): P 130 -> -1,000,000."""
    assert float(ccfd_payment(120.0, 80.0, 100_000.0)) == pytest.approx(4_000_000.0)
    assert float(ccfd_payment(120.0, 130.0, 100_000.0, two_sided=True)) == pytest.approx(
        -1_000_000.0
    )


def test_w11b_ksv_indexed_price_and_sign() -> None:
    """W11(b), Klimaschutzverträge: payment = (contract price adjusted for energy prices -
    effective CO2 price) x avoided t; negative -> the company pays the state. The KSV's indices
    were not read: the signs only. A switch to power (10 MWh more per tonne avoided) gets a
    higher contract price when power is dearer than at the bid, a lower one when cheaper; when
    the adjusted price falls below the EUA the two-sided payment turns negative."""
    up = ccfd_indexed_strike(100.0, [10.0], [60.0], [50.0])
    down = ccfd_indexed_strike(100.0, [10.0], [45.0], [50.0])
    assert float(up) > 100.0 > float(down)
    assert float(ccfd_payment(down, 60.0, 1_000.0, two_sided=True)) < 0.0
    assert float(ccfd_payment(up, 60.0, 1_000.0, two_sided=True)) > 0.0


def test_w11c_hydrogen_bank_fixed_premium() -> None:
    """W11(c), EU Hydrogen Bank: a fixed premium x kg produced: 0.37 EUR/kg x 10,000 t/yr =
    3,700,000 EUR/yr - a CCfD whose reference price is held at zero is a fixed premium."""
    assert float(ccfd_payment(0.37, 0.0, 10_000_000.0)) == pytest.approx(3_700_000.0)


def test_bid_and_reservation_hand_computed() -> None:
    """Pay-as-bid: expected EUA 80 + need 40 x 1.1 = 124; worst case of a contract of 0.1 Mt/yr
    over 15 years: 124 x 0.1e6 x 15 = 186 MEUR, with a 50 % indexation cap 279 MEUR."""
    bid = ccfd_bid(80.0, 40.0, 0.1)
    assert float(bid) == pytest.approx(124.0)
    assert float(ccfd_reservation(bid, 1.0e5, 15)) == pytest.approx(1.86e8)
    assert float(ccfd_reservation(bid, 1.0e5, 15, cap=0.5)) == pytest.approx(2.79e8)


@FAST
@given(
    strike=st.floats(0.0, 500.0),
    extra=st.floats(-20.0, 20.0),
    price=st.floats(0.0, 200.0),
    ref=st.floats(0.0, 200.0),
    cap=st.floats(0.0, 2.0),
    eua=st.floats(0.0, 500.0),
)
def test_indexed_payment_never_exceeds_the_reserved_worst_case(
    strike: float, extra: float, price: float, ref: float, cap: float, eua: float
) -> None:
    """Whatever energy and carbon prices do, one year's payment of an indexed contract stays
    within its yearly share of the reservation (EUA at zero, strike at its cap)."""
    k = ccfd_indexed_strike(strike, [extra], [price], [ref], cap)
    assert 0.0 <= float(k) <= strike * (1 + cap) + 1e-9
    paid = float(ccfd_payment(k, eua, 1.0, two_sided=True))
    assert paid <= float(ccfd_reservation(strike, 1.0, 1, cap)) + 1e-9


def test_ccfd_pays_at_most_its_contracted_tonnes() -> None:
    """A contract for 1 Mt/yr at strike 150 (EUA 80): a plant abating 1.2 Mt is paid on the
    1 Mt contracted, (150 - 80) x 1e6 = 70 MEUR (not 84); abating 0.5 Mt, on those, 35."""
    inp = toy_inputs(eua=80.0, instruments={"ccfd": {"strike": np.array([150.0])}})
    ccfd = Ccfd(BatchContext(inp, (Ccfd,)))
    ccfd.route[0, 0], ccfd.start[0, 0], ccfd.end[0, 0] = 1, 2025, 2040  # on 'elec'
    ccfd.contract[0, 0], ccfd.tonnes[0, 0], ccfd.reference[0, 0] = 150.0, 1.0e6, 1.0

    def paid(activity: float) -> float:
        record = one_plant_year(1, 1, activity)  # on 'elec', emitting nothing
        booked = ccfd.account(record)
        assert float(booked.gov["ccfd_outlay"][0, 0]) == -float(booked.plant["subsidies"][0, 0])
        return float(booked.plant["subsidies"][0, 0])

    assert paid(1.2e6) == pytest.approx(70.0e6)
    assert paid(0.5e6) == pytest.approx(35.0e6)


def test_a_contract_is_valued_on_at_most_its_contracted_tonnes() -> None:
    """The value a plant keeps by staying on its contracted route counts the payments on
    the tonnes it would abate (1 t per t made), at most the 1 Mt contracted. Strike 150
    over an expected EUA of 80 (myopic): (150 - 80) x 1 Mt = 70 MEUR/yr at 1 Mt of output,
    the same at 1.2 Mt (not 84), 35 at 0.5 Mt."""
    inp = toy_inputs(eua=80.0, instruments={"ccfd": {"strike": np.array([150.0])}})
    ccfd = Ccfd(BatchContext(inp, (Ccfd,)))
    ccfd.route[0, 0], ccfd.start[0, 0], ccfd.end[0, 0] = 1, 2025, 2040  # on 'elec'
    ccfd.contract[0, 0], ccfd.tonnes[0, 0], ccfd.reference[0, 0] = 150.0, 1.0e6, 1.0
    ccfd.per_unit[0, 0] = 1.0

    def value(output: float) -> float:
        got = ccfd.contract_value(0, np.array([[1]]), np.array([[output]]))
        assert got is not None
        return float(np.asarray(got)[0, 0])

    assert value(1.0e6) == pytest.approx(70.0e6, rel=1e-12)
    assert value(1.2e6) == pytest.approx(70.0e6, rel=1e-12)
    assert value(0.5e6) == pytest.approx(35.0e6, rel=1e-12)


def _round(params: dict[str, float], n_plants: int, **ev: np.ndarray) -> SimpleNamespace:
    """A CCfD round on toy plants (options gas, elec, closure, gas_ccs) with the scenario's
    ``params``, a budget of 1e9 EUR and a strike (ceiling) of 200 EUR/t, and the evaluation
    ``ev`` ``(1, n_plants, 4)``: nothing awarded by SDE++, the expected payment 120 EUR/t
    (an expected EUA of 80)."""
    given = {"strike": 200.0, "budget": 1.0e9, **params}
    inp = toy_inputs(
        n_plants=n_plants,
        ccs=True,
        instruments={"ccfd": {k: np.array([v]) for k, v in given.items()}},
    )
    ccfd = Ccfd(BatchContext(inp, (Ccfd,)))
    shape = (1, n_plants, 4)
    evaluation = SimpleNamespace(
        awarded=lambda name: np.zeros(shape[:2], dtype=bool),
        expected=lambda name, term: np.full(shape, 120.0),
        **ev,
    )
    offer = ccfd.offer(evaluation)  # type: ignore[arg-type]
    assert offer is not None
    return SimpleNamespace(offer=offer, strike=ccfd._o["strike"])


def test_a_pay_as_bid_offer_pays_the_marked_up_need() -> None:
    """Pay-as-bid with a 10 % mark-up: elec needs 100 EUR per tonne abated to beat staying
    (a gap of 1,000 EUR/yr on 10 t/yr). It bids 80 + 1.1 x 100 = 190 EUR/t (under the 200
    ceiling) and expects to be paid its marked-up need: 1.1 x 100 x 10 t = 1,100 EUR/yr of
    support (not its bare gap of 1,000), ranked by its need, 100 EUR/t."""
    r = _round(
        {"pay_as_bid": 1.0, "markup": 0.1},
        1,
        need_per_t=np.array([[[np.inf, 100.0, np.inf, np.inf]]]),
        gap=np.array([[[0.0, 1_000.0, 0.0, 0.0]]]),
        abated=np.array([[[0.0, 10.0, 0.0, 0.0]]]),
        supportable=np.array([[[False, True, False, False]]]),
    )
    assert r.offer.eligible.tolist() == [[[False, True, False, False]]]
    assert r.offer.support[0, 0, 1] == pytest.approx(1_100.0, rel=1e-12)
    assert r.offer.score[0, 0, 1] == pytest.approx(100.0, rel=1e-12)
    assert r.strike[0, 0, 1] == pytest.approx(190.0, rel=1e-12)


def test_additionality_excludes_a_plant_that_switches_anyway() -> None:
    """With the additionality test (threshold 0 EUR/t), a plant whose best option without
    a contract is already a low-carbon switch gets none. Uniform strike, paying 120 EUR/t;
    elec and gas_ccs each abate 1 t/yr. Plant 0 is worth 100 staying, 150 on elec, 70 on
    gas_ccs: it moves to elec by itself (need 0: trivial), and gas_ccs (need 30 EUR/t,
    support 120 >= 30) is not additional either. Plant 1 is worth 100 staying, 50 on elec,
    70 on gas_ccs: both switches are additional and eligible (needs 50 and 30)."""
    low = np.array([[[False, True, False, True], [False, True, False, True]]])
    r = _round(
        {"additionality": 1.0, "additionality_threshold": 0.0},
        2,
        value=np.array([[[100.0, 150.0, 0.0, 70.0], [100.0, 50.0, 0.0, 70.0]]]),
        need_per_t=np.array([[[np.inf, 0.0, np.inf, 30.0], [np.inf, 50.0, np.inf, 30.0]]]),
        gap=np.array([[[0.0, 0.0, 100.0, 30.0], [0.0, 50.0, 100.0, 30.0]]]),
        abated=np.where(low, 1.0, 0.0),
        supportable=low,
        low_carbon=low,
    )
    assert r.offer.eligible.tolist() == [[[False] * 4, [False, True, False, True]]]
    assert r.offer.support[0, 1].tolist() == pytest.approx([0.0, 120.0, 0.0, 120.0])
