"""Tests for kruispunt.policy.co2_levy: the CO2-heffing industrie as the Wet belastingen op
milieugrondslag and the NEa describe it.

Worked example W9 is in the project's research notes (``research/law/worked_examples.md``),
from the NEa pages on the levy, the calculation of dispensation rights, their transfer and
their set-off.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.policy.conftest import one_plant_unit_cost

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.accounting import YearRecord
from kruispunt.engine.context import BatchContext
from kruispunt.inputs import ModelInputs
from kruispunt.policy.co2_levy import (
    Co2Heffing,
    co2_heffing,
    dispensation_rights,
    reference_price,
    set_off,
    set_off_levied,
    transfer_rights,
)
from kruispunt.policy.ets import EuEts
from kruispunt.scenarios import Scenario, resolve
from kruispunt.testing import TOY_YEARS, toy_inputs

FAST = settings(max_examples=50, deadline=None)
Y = len(TOY_YEARS)


def test_w9a_no_levy_when_the_reference_price_is_above_the_tariff() -> None:
    """Worked example W9(a) (NEa, 'CO2-heffing algemeen'): 2022 tariff 41.75 EUR/t, ETS
    reference price 60.78 -> max(0, 41.75 - 60.78) = 0 EUR/t, whatever the excess."""
    assert float(co2_heffing(1.2e6, 1.0e6, 41.75, 60.78)) == 0.0
    assert float(co2_heffing(1.0, 0.0, 41.75, 60.78)) == 0.0


def test_w9b_levy_in_2026() -> None:
    """Worked example W9(b) (law example): BP2026 tariff 78.67 EUR/t, reference price
    (fixture) 70.00, emissions 1,020,000 t, dispensation rights 1,000,000 ->
    (78.67 - 70.00) x 20,000 = 173,400 EUR."""
    assert float(co2_heffing(1.02e6, 1.0e6, 78.67, 70.0)) == pytest.approx(173_400.0)


def test_w9c_only_the_surplus_over_own_emissions_can_be_sold() -> None:
    """Worked example W9(c) (NEa, 'Overdracht dispensatierechten'): 120 rights on the account,
    100 t emitted -> only 20 rights may be sold; buying is always allowed."""
    bought, sold, short = transfer_rights([0.0, 50.0], [120.0 - 100.0, 0.0])
    np.testing.assert_allclose(sold, [20.0, 0.0])
    np.testing.assert_allclose(bought, [0.0, 20.0])
    assert bool(short)
    # more rights on offer than wanted: all demand is met, rights trade at zero
    bought, sold, short = transfer_rights([0.0, 10.0], [20.0, 0.0])
    np.testing.assert_allclose(bought, [0.0, 10.0])
    np.testing.assert_allclose(sold, [10.0, 0.0])
    assert not bool(short)


def test_w9d_set_off_against_earlier_levy() -> None:
    """Worked example W9(d) (NEa, 'Verrekenen dispensatierechten'): 2021: 100 t emitted, 80
    rights -> levy on 20 t. 2022: 60 t emitted, 70 rights -> surplus 10 -> refund of the 2021
    levy on 10 t (base becomes 10 t). With 10 more rights bought in 2022, 20 are set off ->
    the 2021 base is 0."""
    levied_2021 = max(100.0 - 80.0, 0.0)
    refunded, left = set_off(70.0 - 60.0, [levied_2021])
    assert float(refunded[0]) == 10.0 and float(left) == 0.0
    assert levied_2021 - float(refunded[0]) == 10.0
    refunded, left = set_off(70.0 + 10.0 - 60.0, [levied_2021])
    assert float(refunded[0]) == 20.0 and float(left) == 0.0
    # earliest year first; a surplus larger than all earlier levy keeps the rest
    refunded, left = set_off(25.0, [10.0, 5.0, 20.0])
    np.testing.assert_allclose(refunded, [10.0, 5.0, 10.0])
    refunded, left = set_off(50.0, [10.0, 5.0])
    assert float(left) == 35.0


def test_reference_price_is_the_december_future_read_from_the_eua_path() -> None:
    """The law's reference price of year Y is the mean close of the Dec-Y EUA future over
    September-October of Y - 1 (Wbm art. 71p(3)); unless the data give it (2022: 60.78, NEa)
    the model reads the path's price of 1 October of Y - 1, a quarter of the way from Y - 1's
    average to Y's (the first year: its own), carried to December of Y by the markup. By hand:
    0.75 x 80 + 0.25 x 70 = 77.5, x 1.0232 = 79.298."""
    out = reference_price([[80.0, 70.0, 75.0]], [[np.nan, np.nan, 60.78]])
    np.testing.assert_allclose(out, [[80.0, 77.5, 60.78]])
    out = reference_price([[80.0, 70.0]], [[np.nan, np.nan]], markup=[[1.0232, 1.0232]])
    np.testing.assert_allclose(out, [[81.856, 79.298]])


def test_the_default_reference_price_follows_the_law_not_the_year_before(cat: Catalogue) -> None:
    """Current policy, central prices: the 2026 reference price is the EUA of 1 October 2025
    carried to December 2026 (0.75 x 73.37 + 0.25 x 80.22) x 1.0232 = 76.82 EUR2025/t, above
    the 2025 average of 73.37 the model took until December 2026, so the gap to the tariff
    (78.67 EUR2026 = 77.13 EUR2025) is 0.31 EUR/t, not 3.76; from 2027 the reference is above
    the tariff and no levy is due, as PwC expects (pwc_bp2026_nl)."""
    inp = build_inputs(cat, resolve(["current-policy"]))
    levy = Co2Heffing(BatchContext(inp, (EuEts, Co2Heffing)))
    years = list(inp.coords.years)
    i26 = years.index(2026)
    assert float(levy.reference[0, i26]) == pytest.approx((0.75 * 73.37 + 0.25 * 80.22) * 1.0232)
    assert float(levy.gap[0, i26]) == pytest.approx(78.67 / 1.02 - 76.8197, abs=0.01)
    assert np.all(levy.gap[0, years.index(2027) :] == 0.0)


def test_dispensation_rights_hand_computed() -> None:
    # NEa: benchmark x activity x reduction factor; 1.0e6 x 1.2 ; 2.5e6 x 1.057
    np.testing.assert_allclose(dispensation_rights([1.0e6, 2.5e6], [1.2, 1.057]), [1.2e6, 2.6425e6])


def _toy_levy(
    n_plants: int, allocation: float, tariff: float, eua: float
) -> tuple[Co2Heffing, BatchContext, ModelInputs]:
    """Toy plants (1 Mt/yr, 1 t/t on 'gas'), benchmark allocation ``allocation`` t/t as the
    EU ETS basis, reduction factor 1, flat tariff and EUA (reference = previous year's EUA)."""
    inp = toy_inputs(
        n_plants=n_plants,
        eua=eua,
        base_free_allocation=allocation * 1.0e6,
        instruments={"co2_levy": {"tariff": np.full((1, Y), tariff)}},
    )
    ctx = BatchContext(inp, (EuEts, Co2Heffing))
    return Co2Heffing(ctx), ctx, inp


def _record(i: int, emissions: list[float], production: float = 1.0e6) -> YearRecord:
    P = len(emissions)
    return YearRecord(
        i=i,
        year=int(TOY_YEARS[i]),
        route=np.zeros((1, P), dtype=np.int64),
        calib=np.ones((1, P)),
        activity=np.full((1, P), production),
        production=np.full((1, P), production),
        emissions=np.array([emissions]),
        use=np.zeros((1, P, 2)),
        started=np.zeros((1, P), dtype=bool),
        stored=np.zeros((1, P)),
    )


def test_levy_with_set_off_in_a_later_year() -> None:
    """W9(d) through the instrument: rights 0.8 t/t x 1 Mt = 0.8 Mt, rate 90 - 80 = 10 EUR/t.
    Year 1: 1.0 Mt emitted -> levy on 0.2 Mt = 2 MEUR. Year 2: 0.7 Mt emitted -> surplus
    0.1 Mt refunds 0.1 Mt of year 1's levy = 1 MEUR (levy of the year 0)."""
    levy, _, _ = _toy_levy(1, 0.8, 90.0, 80.0)
    first = levy.account(_record(0, [1.0e6]))
    assert float(first.plant["co2_levy"][0, 0]) == pytest.approx(2.0e6)
    assert float(np.sum(first.gov["co2_levy_revenue"][0])) == pytest.approx(2.0e6)
    second = levy.account(_record(1, [0.7e6]))
    assert float(second.plant["co2_levy"][0, 0]) == pytest.approx(-1.0e6)
    assert float(np.sum(second.gov["co2_levy_revenue"][0])) == pytest.approx(-1.0e6)
    third = levy.account(_record(2, [0.6e6]))  # surplus 0.2 Mt, only 0.1 Mt left to refund
    assert float(third.plant["co2_levy"][0, 0]) == pytest.approx(-1.0e6)


def test_set_off_reaches_back_five_years_and_from_2026_the_highest_rate_first() -> None:
    """Wbm art. 71q: a year's surplus rights recalculate the levy of the five periods before
    it (71q(1)), at each period's own rate (71q(3)); as in force in 2025 the oldest period
    first, from 2026 the period of the highest tariff first (71q(2)). Seven earlier years
    levied 10 t each at 30, 50, 40, 20, 60, 10 and 45 EUR/t; a surplus of 25 t.

    - every earlier year, oldest first (the model before December 2026): years 0, 1 and half
      of 2: 10 x 30 + 10 x 50 + 5 x 40 = 1,000 EUR;
    - the five years before (2-6), oldest first: years 2, 3 and half of 4: 10 x 40 + 10 x 20
      + 5 x 60 = 900 EUR;
    - the five years before, highest rate first: years 4 (60) and 6 (45), half of 2 (40):
      600 + 450 + 200 = 1,250 EUR."""
    rates = np.array([30.0, 50.0, 40.0, 20.0, 60.0, 10.0, 45.0])
    gap = np.tile(rates, (3, 1))
    levied = np.full((3, 1, 7), 10.0)
    window = np.arange(7)[None, :] >= 7 - np.array([np.inf, 5.0, 5.0])[:, None]
    by_rate = np.array([False, False, True])
    refund, left = set_off_levied(np.full((3, 1), 25.0), levied, gap, window, by_rate)
    np.testing.assert_allclose(refund[:, 0], [1000.0, 900.0, 1250.0])
    np.testing.assert_allclose(left, 0.0)
    np.testing.assert_allclose(levied[0, 0], [0.0, 0.0, 5.0, 10.0, 10.0, 10.0, 10.0])
    np.testing.assert_allclose(levied[1, 0], [10.0, 10.0, 0.0, 0.0, 5.0, 10.0, 10.0])
    np.testing.assert_allclose(levied[2, 0], [10.0, 10.0, 5.0, 10.0, 0.0, 10.0, 0.0])
    # equal rates: the oldest first; a surplus beyond the window's levy is left over
    levied = np.full((1, 1, 3), 10.0)
    refund, left = set_off_levied(
        np.array([[40.0]]), levied, np.array([[5.0, 5.0, 5.0]]), None, np.array([True])
    )
    assert float(refund[0, 0]) == 150.0 and float(left[0, 0]) == 10.0


def test_the_law_s_set_off_and_reduction_factor_per_tariff_lever(cat: Catalogue) -> None:
    """The data package: the reduction factor of Wet milieubeheer art. 16b.17(3), 1.213 -
    2 x 0.078 = 1.057 in 2025 and 1.023 from 2026 (the law as in force from 2026); surplus
    rights reach back five years (Wbm art. 71q(1)), the oldest first in 2025 and the highest
    tariff first from 2026 (71q(2)). The lever ``co2_heffing: original`` (the law before
    Belastingplan 2026) keeps the declining factor (0.979 in 2026, 0.667 in 2030) and the
    oldest first."""
    base = resolve(["current-policy"])[0]
    original = Scenario(
        name="original",
        levers=base.levers.model_copy(update={"co2_heffing": "original"}),
        chain=("original",),
        origin="test",
    )
    inp = build_inputs(cat, [base, original])
    levy = inp.instruments["co2_levy"]
    years = list(inp.coords.years)
    at = {y: years.index(y) for y in (2025, 2026, 2030, 2040)}
    factor = levy["reduction_factor"]
    assert [factor[0, at[y]] for y in (2025, 2026, 2030, 2040)] == pytest.approx(
        [1.057, 1.023, 1.023, 1.023]
    )
    assert [factor[1, at[y]] for y in (2025, 2026, 2030, 2040)] == pytest.approx(
        [1.057, 0.979, 0.667, 0.667]
    )
    assert levy["set_off_periods"][:, at[2030]].tolist() == [5.0, 5.0]
    assert levy["set_off_by_tariff"][0, at[2025]] == 0.0
    assert levy["set_off_by_tariff"][0, at[2026]] == 1.0
    assert not levy["set_off_by_tariff"][1].any()


def test_levy_with_transfer_between_plants() -> None:
    """W9(c) through the instrument: two plants with 0.8 Mt rights each, rate 10 EUR/t. Plant
    A emits 0.7 Mt (surplus 0.1), plant B 1.0 Mt (short 0.2): A sells 0.1 Mt to B at the
    levy rate; B pays the levy on the 0.1 Mt still short. Government: 10 x 0.1 Mt = 1 MEUR;
    A earns 1 MEUR, B pays 2 MEUR (1 to A, 1 in levy)."""
    levy, _, _ = _toy_levy(2, 0.8, 90.0, 80.0)
    booked = levy.account(_record(0, [0.7e6, 1.0e6]))
    np.testing.assert_allclose(booked.plant["co2_levy"][0], [-1.0e6, 2.0e6])
    assert float(np.sum(booked.gov["co2_levy_revenue"][0])) == pytest.approx(1.0e6)


@pytest.mark.parametrize(
    "args",
    [
        (-1.0, 0.0, 90.0, 80.0),
        (1.0, -1.0, 90.0, 80.0),
        (1.0, 0.0, -90.0, 80.0),
        (1.0, 0.0, 90.0, np.nan),
    ],
)
def test_co2_heffing_rejects_invalid_input(args: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError):
        co2_heffing(*args)


def test_dispensation_rights_rejects_negative() -> None:
    with pytest.raises(ValueError):
        dispensation_rights(1.0e6, -0.1)


@FAST
@given(
    emissions=st.floats(0.0, 1e7),
    rights=st.floats(0.0, 1e7),
    tariff=st.floats(0.0, 300.0),
    price=st.floats(0.0, 300.0),
    step=st.floats(0.0, 100.0),
)
def test_co2_heffing_monotone(
    emissions: float, rights: float, tariff: float, price: float, step: float
) -> None:
    levy = float(co2_heffing(emissions, rights, tariff, price))
    assert levy >= 0.0
    assert float(co2_heffing(emissions, rights, tariff, price + step)) <= levy
    assert float(co2_heffing(emissions + step, rights, tariff, price)) >= levy
    assert float(co2_heffing(emissions, rights + step, tariff, price)) <= levy


@FAST
@given(
    excess=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=5),
    surplus=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=5),
)
def test_transfer_conserves_rights(excess: list[float], surplus: list[float]) -> None:
    n = min(len(excess), len(surplus))
    e: npt.NDArray[np.float64] = np.array(excess[:n])
    s: npt.NDArray[np.float64] = np.array(surplus[:n])
    bought, sold, _ = transfer_rights(e, s)
    assert bought.sum() == pytest.approx(sold.sum(), rel=1e-9, abs=1e-6)
    assert np.all(bought <= e + 1e-6) and np.all(sold <= s + 1e-6)


def test_a_year_without_a_levy_leaves_nothing_to_set_off() -> None:
    """Tariff 70 in the first year (below the EUA of 80: nothing levied), 90 after. Year 0:
    plant A emits 1.0 Mt on 0.8 Mt of rights, but pays nothing, so no levy is recorded to be
    refunded later. Year 1 (rate 10 EUR/t): A emits 0.7 Mt, a surplus of 0.1 Mt, which it
    sells to B (short 0.2 Mt) at the rate rather than setting it off against year 0: A earns
    1 MEUR, B pays 2 MEUR (1 to A, 1 in levy), the state gets 1 MEUR."""
    tariff = np.full((1, Y), 90.0)
    tariff[0, 0] = 70.0
    inp = toy_inputs(
        n_plants=2,
        eua=80.0,
        base_free_allocation=0.8e6,
        instruments={"co2_levy": {"tariff": tariff}},
    )
    levy = Co2Heffing(BatchContext(inp, (EuEts, Co2Heffing)))
    first = levy.account(_record(0, [1.0e6, 0.8e6]))
    np.testing.assert_allclose(first.plant["co2_levy"][0], [0.0, 0.0])
    second = levy.account(_record(1, [0.7e6, 1.0e6]))
    np.testing.assert_allclose(second.plant["co2_levy"][0], [-1.0e6, 2.0e6])
    assert float(np.sum(second.gov["co2_levy_revenue"][0])) == pytest.approx(1.0e6)


def test_levy_valuation_weighs_the_plant_s_own_emission_intensity() -> None:
    """Tariff 90 over a reference EUA of 80 (10 EUR/t), rights 0.8 t/t: a plant emitting
    25 % above its route's 1 t/t (calibration 1.25) expects 10 x (1.25 - 0.8) = 4.5 EUR/t,
    one at the route's intensity 10 x (1 - 0.8) = 2 EUR/t."""
    levy, _, _ = _toy_levy(1, 0.8, 90.0, 80.0)
    for calib, cost in ((1.25, 4.5), (1.0, 2.0)):
        np.testing.assert_allclose(one_plant_unit_cost(levy, 1, [0], calib), [[[cost]]])


def test_levy_valuation_takes_the_rights_of_the_year_s_allocation_period() -> None:
    """Dispensation rights follow the ETS benchmark of the year's allocation period: the
    gas route's benchmark allocation is 1.0 t/t in 2021-2025 and 0.8 t/t from 2026 (the
    plant's base-year allocation, 1.0 t/t, is all explained by it: no own part). Tariff 100
    EUR/t over a reference EUA of 0, reduction factor 1, a plant at its route's 1 t/t: valued
    in 2025, 100 x (1 - 1.0) = 0 EUR/t; in 2027, 100 x (1 - 0.8) = 20 EUR/t (0 on the 2025
    benchmark)."""
    bm = np.full((1, 3, Y), np.nan)
    bm[0, 0] = np.where(TOY_YEARS <= 2025, 1.0, 0.8)
    base = np.full((1, 3), np.nan)
    base[0, 0] = 1.0
    inp = toy_inputs(
        base_free_allocation=1.0e6,
        instruments={
            "ets": {"route_benchmark": bm, "route_benchmark_base": base},
            "co2_levy": {"tariff": np.full((1, Y), 100.0)},
        },
    )
    levy = Co2Heffing(BatchContext(inp, (EuEts, Co2Heffing)))
    np.testing.assert_allclose(one_plant_unit_cost(levy, 0, [0]), [[[0.0]]], atol=1e-12)
    np.testing.assert_allclose(one_plant_unit_cost(levy, 2, [0]), [[[20.0]]], rtol=1e-12)
