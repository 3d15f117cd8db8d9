"""Support pays once for a route: no contract to go back to a route the plant ran and left.

The artifact (high-ambition at low prices, issue of December 2026): 63 heat and paper plants
went to biomass with SDE++ in 2026-2031, back to gas when the subsidy ran out (biomass
dearer than gas at low prices) and back to biomass three to six years later with a carbon
contract for difference that paid their new furnace and the tonnes they had avoided before.

Toy (``kruispunt.testing.toy_inputs``), perfect foresight, 7 %/yr, lives 15 years: today's
gas route burns 10 GJ/t at 10 EUR/GJ and emits 1 t/t at an EUA of 20 EUR/t (120 EUR/t); the
biomass route burns 10 GJ/t at 14 EUR/GJ (140 EUR/t, capex 100 EUR/(t/yr), 11.0 EUR/t a
year): 31 EUR/t dearer, so no plant takes it unpaid. An SDE++ round in 2025 (8-year term)
and a CCfD scheme (pay-as-bid, additionality test, strike up to 300 EUR/t, budget without
limit) are open.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from kruispunt.engine.simulate import simulate
from kruispunt.policy.base import SupportScheme, remaining_share
from kruispunt.testing import TOY_YEARS, toy_inputs

CCFD = {
    "strike": np.array([300.0]),
    "budget": np.array([1e12]),
    "pay_as_bid": np.array([1.0]),
    "additionality": np.array([1.0]),
    "additionality_threshold": np.array([1.0]),
}


def _run(sde: bool) -> tuple[list[tuple[int, str]], np.ndarray, np.ndarray]:
    inp = toy_inputs(
        bio=True,
        capex_bio=100.0,
        biomass_price=14.0,
        gas_price=10.0,
        eua=20.0,
        capex_elec=1e6,  # out of the running
        lifetime=15.0,
        myopic=False,
        discount_rate=0.07,
        sde_budget={2025: 1e12 if sde else 0.0, 2026: 0.0},
        sde_max=400.0,
        instruments={"sde": {"duration": np.array([8.0])}, "ccfd": CCFD},
    )
    ds = simulate(inp).dataset
    r = ds["route_index"].values[0, 0]
    names = [str(x) for x in ds.route.values]
    moves = [(int(TOY_YEARS[y + 1]), names[r[y + 1]]) for y in np.flatnonzero(np.diff(r))]
    flows = ds["plant_flows"].sel(scenario="s0").isel(plant=0)
    return (
        [(int(TOY_YEARS[0]), names[r[0]]), *moves],
        -flows.sel(flow="sde_outlay").values,  # outlays are booked negative
        -flows.sel(flow="ccfd_outlay").values,
    )


def test_a_plant_is_not_paid_to_return_to_a_route_it_left() -> None:
    """With the SDE++ the plant burns biomass from 2025 and goes back to gas when the 8-year
    term ends (payments 2025-2032, gas from 2033). Until December 2026 a CCfD then paid it to
    build a biomass furnace again the next year (bio 2025, gas 2031, bio 2032, gas 2042, bio
    2043: four changes in 18 years); now no scheme pays for a route the plant has run and
    left, and it stays on gas: two changes.

    Until the second December 2026 revision it left two years before the term ended (gas
    from 2031): the payments it kept by staying were spread over a whole new life of the
    route (15 years), so with 6 of 8 payments left they no longer covered the 31 EUR/t it
    loses on biomass each year. A plant stays while the contract pays and chooses again when
    it ends: the payments are weighed over the years they still run."""
    path, sde, ccfd = _run(sde=True)
    assert path == [(2025, "bio"), (2033, "gas")]
    assert sde[:8].min() > 0.0  # the SDE++ paid 2025-2032, the whole term
    assert np.all(sde[8:] == 0.0)
    assert np.all(ccfd == 0.0)


def test_a_plant_that_never_ran_the_route_still_gets_the_contract() -> None:
    """The rule is about the plant's own past, not the route: without the SDE++ round the
    same plant never ran biomass, and the CCfD pays it to switch in 2025 (an additional
    switch: it would not without the contract)."""
    path, sde, ccfd = _run(sde=False)
    assert path[0] == (2025, "bio")  # no lead time: it runs biomass from the award year
    assert np.all(sde == 0.0)
    assert ccfd[0] > 0.0


class _Scheme(SupportScheme):
    name = "probe"


def _scheme(myopic: bool, rate: float = 0.07, life: float = 10.0) -> _Scheme:
    inputs = SimpleNamespace(
        coords=SimpleNamespace(years=np.arange(2025, 2031)),
        routes=SimpleNamespace(lifetime=np.array([life, life])),
        finance=SimpleNamespace(discount_rate=np.array([rate]), myopic=np.array([myopic])),
    )
    ctx: Any = SimpleNamespace(inputs=inputs, params=lambda name: {})
    return _Scheme(ctx)


def test_kept_contract_is_the_present_value_of_the_payments_expected() -> None:
    """A contract from 2025 to 2029 (end 2030) on route 1, valued in 2026 by a plant with
    perfect foresight: payments 100 in 2026, 40 from 2027 (a price that rises and lowers the
    payment); 4 years left, at 7 %/yr, annualised over those 4 years (the plant stays while
    the contract pays, then chooses again):
    (100 + 40/1.07 + 40/1.07^2 + 40/1.07^3) / sum_{k<4} 1.07^-k
    = (100 + 37.383 + 34.938 + 32.652) / 3.6243 = 56.555. Until the second December 2026
    revision the sum was spread over a whole new life of the route (10 years, 7.5152):
    27.275, which made a plant leave a contract it had just been awarded for the route it
    came from (a supported e-boiler back to a hybrid boiler two years on, in 32 heat plants
    of high ambition at low prices without biomass)."""
    scheme = _scheme(myopic=False)
    pay = {1: 100.0}

    def paid(i: int, at: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        return np.array([[pay.get(i, 40.0)]])[at]

    one = np.array([[1]])
    got = scheme.kept_value(1, one, one, np.array([[2025]]), np.array([[2030]]), paid)
    d = 1 / 1.07
    hand = (100 + 40 * d + 40 * d**2 + 40 * d**3) / sum(d**k for k in range(4))
    assert got[0, 0] == pytest.approx(hand, rel=1e-12)
    assert got[0, 0] == pytest.approx(56.555, abs=1e-3)
    # beyond the model's last year (2030) the payment of that year is held; a contract that
    # outlasts the route's life (12 years left of a 10-year life) counts the life's years
    late = scheme.kept_value(4, one, one, np.array([[2025]]), np.array([[2040]]), paid)
    assert late[0, 0] == pytest.approx(40.0, rel=1e-12)
    # not on the contract's route, or the contract ended: nothing kept
    assert (
        scheme.kept_value(1, np.array([[0]]), one, np.array([[2025]]), np.array([[2030]]), paid)[
            0, 0
        ]
        == 0.0
    )
    assert scheme.kept_value(5, one, one, np.array([[2025]]), np.array([[2030]]), paid)[0, 0] == 0.0


@pytest.mark.parametrize("left", [0, 1, 4, 10, 14])
def test_kept_contract_with_a_steady_payment_is_the_payment(left: int) -> None:
    """A payment that does not change is kept whole while the contract runs (the plant is
    paid it every year it stays) and not at all once it has ended. Until the second December
    2026 revision it was :func:`remaining_share` times the payment, the share of a new
    10-year life the contract still fills (0.47 with 4 years left), as the award values it."""
    scheme = _scheme(myopic=False)
    one = np.array([[1]])
    got = scheme.kept_value(
        0,
        one,
        one,
        np.array([[2025]]),
        np.array([[2025 + left]]),
        lambda i, at: np.array([[50.0]])[at],
    )
    assert got[0, 0] == pytest.approx(50.0 if left > 0 else 0.0, rel=1e-12)
    share = remaining_share(np.array([[left]]), np.array([10]), np.array([0.07]), np.array([False]))
    if 0 < left < 10:  # more than the share of the route's life the award spreads it over
        assert got[0, 0] > 50.0 * share[0, 0]


def test_myopic_plant_keeps_this_years_payment() -> None:
    """A myopic plant takes today's value: this year's payment while the contract runs."""
    scheme = _scheme(myopic=True)
    one = np.array([[1]])
    got = scheme.kept_value(
        1,
        one,
        one,
        np.array([[2025]]),
        np.array([[2027]]),
        lambda i, at: np.array([[100.0 - i]])[at],
    )
    assert got[0, 0] == 99.0


def test_contracts_ending_at_different_years_are_each_weighed_over_their_own_years() -> None:
    """Two plants valued together in 2025 by perfect foresight at 7 %/yr, steady payments of
    50 and 80 a year: the first contract ends in 2027 (2 years left), the second in 2029 (4
    left). Each keeps its payment whole, 50 and 80: the first's sum stops after its 2 years
    (a third year would give (50 + 50/1.07 + 50/1.07^2) / (1 + 1/1.07) = 74.2)."""
    scheme = _scheme(myopic=False)
    both = np.array([[1, 1]])
    got = scheme.kept_value(
        0,
        both,
        both,
        np.array([[2025, 2025]]),
        np.array([[2027, 2029]]),
        lambda i, at: np.array([[50.0, 80.0]])[at],
    )
    assert got[0].tolist() == pytest.approx([50.0, 80.0], rel=1e-12)


def test_myopic_plant_keeps_nothing_once_the_contract_has_ended() -> None:
    """A myopic plant on the route of a contract that ended in 2027 (end 2027): valued in 2027
    (no year left) it keeps nothing, whatever the payment function returns (99)."""
    scheme = _scheme(myopic=True)
    one = np.array([[1]])
    got = scheme.kept_value(
        2, one, one, np.array([[2025]]), np.array([[2027]]), lambda i, at: np.array([[99.0]])[at]
    )
    assert got[0, 0] == 0.0


def test_a_round_awards_only_the_plants_that_apply() -> None:
    """Two applications within a budget of 100 (claims 10 each, scores 1 and 2): only the
    second applies, and only it is awarded, though the first ranks higher."""
    award = _scheme(myopic=False).allocate(
        np.array([[1.0, 2.0]]),
        np.array([[10.0, 10.0]]),
        np.array([100.0]),
        np.array([[False, True]]),
        np.zeros((1, 2), dtype=np.int64),
    )
    assert award.tolist() == [[False, True]]
