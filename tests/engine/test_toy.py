"""Analytic toy cases: one product, one or a few plants, hand-computed switch years."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.engine.economics import annuity_factor
from kruispunt.engine.simulate import simulate
from kruispunt.testing import TOY_YEARS as YEARS
from kruispunt.testing import toy_inputs
from kruispunt.vocabulary import FAMILY
from kruispunt.vocabulary import REASON_CODE as REASON

# gas route: 10 GJ gas/t at 10 EUR/GJ = 100 EUR/t, 1 tCO2/t
# elec route: 10.8 GJ/t at 20 EUR/GJ = 216 EUR/t, capex 500 EUR/(t/yr), 20 yr at 10 %
CRF = 0.1 * 1.1**20 / (1.1**20 - 1)  # 0.117459...
ELEC_FULL = 216.0 + 500.0 * CRF  # 274.73 EUR/t
BREAK_EVEN_EUA = ELEC_FULL - 100.0  # 174.73 EUR/t


def route_names(res, scenario: int = 0, plant: int = 0) -> list[str]:
    ds = res.dataset
    idx = ds["route_index"].values[scenario, plant]
    return [str(ds["route"].values[i]) for i in idx]


def first_year(names: list[str], route: str) -> int | None:
    for year, name in zip(YEARS, names, strict=True):
        if name == route:
            return int(year)
    return None


def test_crf_matches_economics() -> None:
    assert annuity_factor(0.1, 20.0) == pytest.approx(CRF, rel=1e-12)


def test_myopic_switch_year_by_hand() -> None:
    # EUA rises 10 EUR/t per year from 0 in 2025: 10 * (y - 2025) > 174.73 first in 2043
    res = simulate(toy_inputs(eua={2025: 0.0, 2050: 250.0}, myopic=True))
    names = route_names(res)
    assert first_year(names, "elec") == 2043
    assert all(n == "gas" for n in names[: 2043 - 2025])
    em = res.dataset["direct_emissions"].values[0, 0]
    assert em[2042 - 2025] == pytest.approx(1.0e6)
    assert em[2043 - 2025] == 0.0
    assert res.dataset["switch_reason"].values[0, 0, 2043 - 2025] == REASON["off_cycle_switch"]
    # capex of the switch is spent in its start year: 500 EUR/(t/yr) x 1 Mt/yr
    assert res.dataset["capex"].values[0, 0, 2043 - 2025] == pytest.approx(5.0e8)


def test_perfect_foresight_switch_year_by_hand() -> None:
    # Both routes live 20 years and start at once, so the plant switches in the first year
    # whose discounted average EUA over [t, t+20) exceeds 174.73 (EUA held at 250 after 2050).
    eua = np.minimum(10.0 * (np.arange(2025, 2100) - 2025), 250.0)
    d = 1.1 ** -np.arange(20)
    expected = next(
        2025 + t for t in range(26) if (eua[t : t + 20] * d).sum() / d.sum() > BREAK_EVEN_EUA
    )
    res = simulate(toy_inputs(eua={2025: 0.0, 2050: 250.0}, myopic=False))
    assert first_year(route_names(res), "elec") == expected
    assert expected < 2043  # foresight acts earlier than myopia


def test_lead_time_delays_the_start() -> None:
    # myopic decision in 2043 (as above), construction of 3 years: runs from 2046
    res = simulate(toy_inputs(eua={2025: 0.0, 2050: 250.0}, lead_time=3))
    names = route_names(res)
    assert first_year(names, "elec") == 2046
    assert res.dataset["switch_reason"].values[0, 0, 2046 - 2025] == REASON["off_cycle_switch"]


def test_earliest_year_is_respected() -> None:
    res = simulate(toy_inputs(eua=300.0, earliest_elec=2031))
    assert first_year(route_names(res), "elec") == 2031


def test_flat_prices_no_switch() -> None:
    res = simulate(toy_inputs(eua=50.0))
    assert set(route_names(res)) == {"gas"}


def test_closure_when_nothing_pays() -> None:
    # price 150 < gas cost 100 + EUA 100 and < elec 274.73: close, effective the next year
    res = simulate(toy_inputs(eua=100.0, product_price=150.0))
    names = route_names(res)
    assert names[0] == "gas"
    assert names[1] == "widget_closure"
    ds = res.dataset
    assert ds["production"].values[0, 0, 1:].sum() == 0.0
    assert ds["imports"].values[0, 0, 1] == pytest.approx(1.0e6)
    assert ds["switch_reason"].values[0, 0, 1] == REASON["closure"]


# SDE++ on the toy (issue 14, point 5): the correction amount of the e-boiler is the gas it
# displaces (10 GJ/t at 10 EUR/GJ) plus the EUA on the tonne it avoids; the base price is 2/3
# of the 12-year mean correction (ECN's rule, policy.csv sde_pp.base_price_share).
SDE = {"base_price_share": np.array([2.0 / 3.0]), "base_price_years": np.array([12.0])}


def test_sde_round_awards_in_rank_order_until_budget_spent() -> None:
    """W10 on the toy: base amount = top + correction, claim = (base - base price) x volume x
    15 (RVO, "Berekening SDE++"; worked example W10(b) in law/worked_examples.md).

    EUA 150: gas costs 250/t; price 260 => staying earns 10/t. Elec costs 274.73/t: its top
    against staying is 24.73 EUR/t. Correction 150 + 100 = 250 EUR/t (flat), so the base
    amount is 274.73 (the e-boiler's cost price), the long-term price 250, the base price
    166.67 and the intensity (274.73 - 250) / 1 = 24.73 EUR/t <= 400. Claims: (274.73 -
    166.67) x capacity x 15. The plants rank equal: ties by index; the budget fits plants 0
    and 1, not plant 2, which keeps its gas route. Payments: 24.73 EUR/t a year.
    """
    caps = np.array([1.0e6, 2.0e6, 1.0e6])
    top = ELEC_FULL - 250.0
    base, floor = ELEC_FULL, 2.0 / 3.0 * 250.0
    budget = {2025: (base - floor) * 15 * (caps[0] + caps[1]) * (1 + 1e-6)}
    budget.update({y: 0.0 for y in range(2026, 2051)})
    res = simulate(
        toy_inputs(
            n_plants=3,
            capacity=caps,
            eua=150.0,
            product_price=260.0,
            sde_budget=budget,
            sde_max=400.0,
            instruments={"sde": SDE},
        )
    )
    assert route_names(res, plant=0)[0] == "elec"
    assert route_names(res, plant=1)[0] == "elec"
    assert set(route_names(res, plant=2)) == {"gas"}
    outlay = -res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values[0]
    assert outlay[0] == pytest.approx(top * (caps[0] + caps[1]), rel=1e-6)
    assert outlay[:15].sum() <= budget[2025]
    assert outlay[15:].sum() == 0.0


def test_sde_old_claim_rule_would_have_funded_three_times_the_volume() -> None:
    """The budget that the gap x 15 years rule of the old model spent on plants 0 and 1
    (24.73 x 3 Mt x 15) funds no plant under the scheme's maximum claim (108.06 EUR/t x 15
    per tonne of capacity): the first application (1 Mt: 1.62 bn) exceeds it (1.11 bn)."""
    caps = np.array([1.0e6, 2.0e6, 1.0e6])
    top = ELEC_FULL - 250.0
    budget = {2025: top * 15 * (caps[0] + caps[1]) * (1 + 1e-6)}
    budget.update({y: 0.0 for y in range(2026, 2051)})
    res = simulate(
        toy_inputs(
            n_plants=3,
            capacity=caps,
            eua=150.0,
            product_price=260.0,
            sde_budget=budget,
            sde_max=400.0,
            instruments={"sde": SDE},
        )
    )
    assert all(set(route_names(res, plant=p)) == {"gas"} for p in range(3))
    assert res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values.sum() == 0.0


def test_sde_subsidy_follows_the_correction_and_stops_at_the_base_price() -> None:
    """The yearly subsidy is base - max(correction of the year, base price) (Besluit SDEK;
    RVO "Berekening SDE++"; W10(c): a correction below the base price counts as the base
    price).

    E-boiler with power at 10 EUR/GJ (108 EUR/t) and capex 1500 EUR/(t/yr) (annuity 176.19):
    cost price 284.19 EUR/t. EUA 150 to 2030, 0 from 2031; gas 10 EUR/GJ. A myopic plant
    decides in 2025 on a correction of 150 + 100 = 250: top 34.19, base 284.19. Long-term
    price: the mean 2025-2036 of the correction path, (6 x 250 + 6 x 100) / 12 = 175; base
    price 116.67; intensity (284.19 - 175) / 1 = 109.19. Paid 2025-2030: 284.19 - 250 =
    34.19 EUR/t; 2031-2039: the correction 100 is below the base price, so 284.19 - 116.67
    = 167.53 EUR/t; nothing from 2040 (15 years). Never above the claim (284.19 - 116.67) x
    1 Mt x 15.
    """
    capex = 1500.0
    cost = 108.0 + capex * CRF
    ltp = (6 * 250.0 + 6 * 100.0) / 12
    floor = 2.0 / 3.0 * ltp
    claim = (cost - floor) * 1.0e6 * 15
    res = simulate(
        toy_inputs(
            eua={2025: 150.0, 2030: 150.0, 2031: 0.0},
            elec_price=10.0,
            capex_elec=capex,
            product_price=260.0,
            sde_budget={2025: claim * (1 + 1e-6), 2026: 0.0},
            sde_max=400.0,
            instruments={"sde": SDE},
        )
    )
    names = route_names(res)
    assert names[0] == "elec"
    assert set(names[:20]) == {"elec"}  # its 20-year life
    outlay = -res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values[0]
    np.testing.assert_allclose(outlay[:6], (cost - 250.0) * 1.0e6, rtol=1e-6)  # tie-breaker
    np.testing.assert_allclose(outlay[6:15], (cost - floor) * 1.0e6, rtol=1e-6)
    assert (outlay[15:] == 0.0).all()
    assert outlay.sum() <= claim * (1 + 1e-6)


def test_sde_correction_above_the_base_amount_pays_nothing() -> None:
    """When the year's correction exceeds the base amount the subsidy is 0 (never negative).
    EUA 150 to 2030, 300 from 2031: the myopic plant's base amount is 274.73 (correction 250);
    long-term price (6 x 250 + 6 x 400) / 12 = 325, base price 216.67 < 250, so 24.73 EUR/t is
    paid 2025-2030 and nothing once the correction (400) exceeds the base amount."""
    top = ELEC_FULL - 250.0
    res = simulate(
        toy_inputs(
            eua={2025: 150.0, 2030: 150.0, 2031: 300.0},
            product_price=260.0,
            sde_budget={2025: 1e12, 2026: 0.0},
            sde_max=400.0,
            instruments={"sde": SDE},
        )
    )
    assert route_names(res)[0] == "elec"
    outlay = -res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values[0]
    np.testing.assert_allclose(outlay[:6], top * 1.0e6, rtol=1e-6)
    assert (outlay[6:] == 0.0).all()


def test_sde_ring_fenced_domain_funds_what_the_general_ceiling_excludes() -> None:
    """Intensity 24.73 EUR/t: above a general ceiling of 20, within the domain ceiling of 400
    (2023: 300 outside the hekjes, 400 within). Without a reserved budget nothing is awarded;
    with the e-boiler's route in the high-temperature heat domain and its claim reserved, the
    plant is funded from the domain's budget."""
    claim = (ELEC_FULL - 2.0 / 3.0 * 250.0) * 1.0e6 * 15
    years = len(YEARS)
    reserved = np.zeros((1, 3, years))
    reserved[0, 1, 0] = claim * (1 + 1e-6)
    general = np.full((1, years), 20.0)

    def run(domain: float) -> list[str]:
        sde = {
            **SDE,
            "max_per_t_general": general,
            "domain_budget": reserved,
            "domain": np.array([[-1.0, domain, -1.0]]),
        }
        res = simulate(
            toy_inputs(
                eua=150.0,
                product_price=260.0,
                sde_budget={2025: 1e12, 2026: 0.0},
                sde_max=400.0,
                instruments={"sde": sde},
            )
        )
        return route_names(res)

    assert set(run(-1.0)) == {"gas"}
    assert run(1.0)[0] == "elec"


def test_sde_ccs_ceiling_holds_back_capture_beyond_it() -> None:
    """Before 2023 the SDE++ capped subsidised CCS (Klimaatakkoord 7.2 Mt/yr): with a ceiling
    of 1 Mt/yr, the first of three capture projects (0.89 Mt/yr avoided each) is awarded,
    the second would exceed it. EUA 30: gas costs 130/t, capture 110 + 300 x CRF + 0.11 x
    30 = 148.5/t, so capture needs the subsidy."""
    years = len(YEARS)
    res = simulate(
        toy_inputs(
            n_plants=3,
            eua=30.0,
            product_price=260.0,
            ccs=True,
            sde_budget={2025: 1e12, 2026: 0.0},
            sde_max=400.0,
            instruments={
                "sde": {
                    **SDE,
                    "correction": np.array([[0.0, 0.0, 0.0, 1.0]]),
                    "ccs_ceiling": np.full((1, years), 1.0e6),
                }
            },
        )
    )
    on_ccs = [p for p in range(3) if route_names(res, plant=p)[0] == "gas_ccs"]
    assert on_ccs == [0]


def test_sde_cap_per_tonne_excludes_expensive_projects() -> None:
    # the same plant, but the round's highest intensity (20 EUR/t) is below the 24.73 needed
    res = simulate(
        toy_inputs(eua=150.0, product_price=260.0, sde_budget={2025: 1e12}, sde_max=20.0)
    )
    assert set(route_names(res)) == {"gas"}


def test_scarce_storage_is_allocated_never_overcommitted() -> None:
    # CCS (90 % capture of 1.1 t/t = 0.99 Mt/yr per plant) pays above EUA 50.8: 3 plants,
    # 2.0 Mt/yr of storage: two are served, the third waits and switches to elec later.
    res = simulate(
        toy_inputs(n_plants=3, eua={2025: 0.0, 2050: 250.0}, ccs=True, co2_capacity=2.0e6)
    )
    ds = res.dataset
    use = ds["infra_use"].sel(resource="co2_storage").values
    cap = ds["infra_capacity"].sel(resource="co2_storage").values
    assert (use <= cap + 1e-6).all()
    assert use.max() == pytest.approx(2 * 0.99e6)
    ccs_plants = [p for p in range(3) if "gas_ccs" in route_names(res, plant=p)]
    assert len(ccs_plants) == 2
    waiting = next(p for p in range(3) if p not in ccs_plants)
    assert (ds["switch_reason"].values[0, waiting] == REASON["waiting_for_infrastructure"]).any()


def test_sde_pays_from_the_start_year_for_its_duration() -> None:
    # as the SDE test above, one plant, with a lead time of 3 years: decided in 2025, the
    # e-boiler runs from 2028 and the subsidy is paid 2028-2042 (15 years), never before
    budget = {2025: (ELEC_FULL - 2.0 / 3.0 * 250.0) * 15 * 1.0e6 * (1 + 1e-6)}
    budget.update({y: 0.0 for y in range(2026, 2051)})
    res = simulate(
        toy_inputs(
            eua=150.0,
            product_price=260.0,
            sde_budget=budget,
            sde_max=400.0,
            lead_time=3,
            instruments={"sde": SDE},
        )
    )
    assert first_year(route_names(res), "elec") == 2028
    outlay = -res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values[0]
    paid_years = [int(y) for y, v in zip(YEARS, outlay, strict=True) if v > 0]
    assert paid_years == list(range(2028, 2043))
    assert outlay.sum() <= budget[2025]


def test_ccfd_budget_holds_when_the_eua_falls() -> None:
    # strike 200, EUA falling from 150 to 20: payments follow the realised EUA, but each
    # award reserved the worst case (EUA at 0: 200 x 1 Mt x 15 yr = 3 bn), so the 6.1 bn budget
    # takes two of the three plants and payments never exceed it
    budget = 6.1e9
    res = simulate(
        toy_inputs(
            n_plants=3,
            eua={2025: 150.0, 2050: 20.0},
            product_price=260.0,
            instruments={"ccfd": {"strike": np.array([200.0]), "budget": np.array([budget])}},
        )
    )
    paid = -res.dataset["gov_cash_flow"].sel(flow="ccfd_outlay").values.sum()
    assert 0 < paid <= budget
    on_elec = [p for p in range(3) if route_names(res, plant=p)[0] == "elec"]
    assert on_elec == [0, 1]
    # the realised payments exceed what was expected at award (EUA 150 held): 50 x 2 Mt x 15
    assert paid > 50.0 * 2.0e6 * 15


# CCfD designs on the toy (issue 14, point 7). EUA 150, price 260: the e-boiler needs 24.73
# EUR per tonne avoided (1 t/t) on top of the EUA; the bidder expects the EUA to stay at 150.
NEED = ELEC_FULL - 250.0


def ccfd(**design: float) -> dict[str, dict[str, np.ndarray]]:
    """CCfD parameters of one scenario (strike 200, budget 10 bn unless given)."""
    base = {"strike": 200.0, "budget": 1.0e10}
    return {"ccfd": {k: np.array([v]) for k, v in {**base, **design}.items()}}


def ccfd_outlay(eua: object = 150.0, price: float = 260.0, **kw: object) -> np.ndarray:
    inp = toy_inputs(eua=eua, product_price=price, **kw)  # type: ignore[arg-type]
    res = simulate(inp)
    assert route_names(res)[0] == "elec"
    return np.asarray(-res.dataset["gov_cash_flow"].sel(flow="ccfd_outlay").values[0])


def test_ccfd_uniform_strike_pays_its_rent() -> None:
    """Uniform strike 200 (COM(2026) 616 Art. 10ce(3): (strike - price) x reductions; W11(a)):
    (200 - 150) x 1 Mt = 50 MEUR a year for 15 years, twice the 24.73 the switch needs."""
    outlay = ccfd_outlay(instruments=ccfd())
    np.testing.assert_allclose(outlay[:15], 50.0e6)
    assert (outlay[15:20] == 0).all()  # (at the end of its life in 2045 it may bid again)


def test_ccfd_pay_as_bid_pays_the_need() -> None:
    """Pay-as-bid (KSV: the bid is the cost per tonne avoided, lowest bids win): bid = 150 +
    24.73 = 174.73 <= ceiling 200; paid (174.73 - 150) x 1 Mt = 24.73 MEUR a year; with a 10 %
    mark-up on the need 27.20 MEUR."""
    outlay = ccfd_outlay(instruments=ccfd(pay_as_bid=1.0))
    np.testing.assert_allclose(outlay[:15], NEED * 1.0e6, rtol=1e-6)
    outlay = ccfd_outlay(instruments=ccfd(pay_as_bid=1.0, markup=0.1))
    np.testing.assert_allclose(outlay[:15], 1.1 * NEED * 1.0e6, rtol=1e-6)


def test_ccfd_pay_as_bid_above_the_ceiling_is_not_awarded() -> None:
    """A bid of 174.73 above a highest accepted strike of 170: no contract, the plant stays."""
    res = simulate(
        toy_inputs(eua=150.0, product_price=260.0, instruments=ccfd(pay_as_bid=1.0, strike=170.0))
    )
    assert set(route_names(res)) == {"gas"}


def test_ccfd_two_sided_pays_back_above_the_strike() -> None:
    """Two-sided (W11(b): negative -> the company pays the state): bid 174.73 (EUA 150 held
    by a myopic bidder); the EUA rises 10 EUR/t a year from 2026: paid (174.73 - EUA) x 1 Mt,
    negative from 2029 (EUA 180); one-sided, the same contract pays nothing from 2029. The
    product sells at 400 (the need is the same 24.73): the payments back (up to 115 EUR/t)
    must not drive the plant out of business, since the model's product price does not rise
    with the EUA."""
    eua = {2025: 150.0, 2026: 150.0, 2050: 390.0}
    two = ccfd_outlay(eua, 400.0, instruments=ccfd(pay_as_bid=1.0, two_sided=1.0))
    one = ccfd_outlay(eua, 400.0, instruments=ccfd(pay_as_bid=1.0))
    path = np.interp(YEARS, [2025, 2026, 2050], [150.0, 150.0, 390.0])
    bid = 150.0 + NEED
    np.testing.assert_allclose(two[:15], (bid - path[:15]) * 1.0e6, rtol=1e-6)
    assert (two[4:15] < 0).all()
    np.testing.assert_allclose(one[:15], np.maximum(bid - path[:15], 0.0) * 1.0e6, rtol=1e-6)


def test_ccfd_energy_indexation_moves_the_strike_with_power_and_gas() -> None:
    """Indexation (KSV: the contract price follows the energy-carrier costs): the e-boiler
    uses 10.8 GJ more power and 10 GJ less gas per tonne avoided. Power 20 -> 22 EUR/GJ from
    2030: strike 174.73 + 10.8 x 2 = 196.33, paid 46.33 MEUR a year; gas 10 -> 12 instead:
    174.73 - 10 x 2 = 154.73, paid 4.73 MEUR; with the cap at 5 %, power's rise stops at
    1.05 x 174.73 = 183.47."""
    design = {"pay_as_bid": 1.0, "indexation": 1.0, "index_cap": 1.0}
    bid = 150.0 + NEED
    power = ccfd_outlay(elec_price={2029: 20.0, 2030: 22.0}, instruments=ccfd(**design))
    np.testing.assert_allclose(power[:5], NEED * 1.0e6, rtol=1e-6)
    np.testing.assert_allclose(power[5:15], (bid + 21.6 - 150.0) * 1.0e6, rtol=1e-6)
    gas = ccfd_outlay(gas_price={2029: 10.0, 2030: 12.0}, instruments=ccfd(**design))
    np.testing.assert_allclose(gas[5:15], (bid - 20.0 - 150.0) * 1.0e6, rtol=1e-6)
    capped = ccfd_outlay(
        elec_price={2029: 20.0, 2030: 22.0}, instruments=ccfd(**{**design, "index_cap": 0.05})
    )
    np.testing.assert_allclose(capped[5:15], (1.05 * bid - 150.0) * 1.0e6, rtol=1e-6)


def test_ccfd_each_design_reserves_its_worst_case() -> None:
    """Budget 2.7 bn: a uniform strike of 200 reserves 200 x 1 Mt x 15 = 3.0 bn (no award);
    a bid of 174.73 reserves 2.62 bn (awarded); indexed with a 50 % cap, 1.5 x 2.62 = 3.93 bn
    (no award)."""
    budget = 2.7e9

    def elec(**design: float) -> bool:
        inst = ccfd(budget=budget, **design)
        res = simulate(toy_inputs(eua=150.0, product_price=260.0, instruments=inst))
        return route_names(res)[0] == "elec"

    assert not elec()
    assert elec(pay_as_bid=1.0)
    assert not elec(pay_as_bid=1.0, indexation=1.0, index_cap=0.5)


def test_ccfd_additionality_test_refuses_a_switch_that_happens_anyway() -> None:
    """The biomass-boiler case of issue 14 on the toy. EUA 200, power 10.05 EUR/GJ: capture
    (167.2/t, 0.89 t avoided) is the plant's best option without support, the e-boiler
    (167.27/t, 1 t avoided) is worth almost as much and more than staying (300/t): its need
    per tonne is 0. A uniform strike of 250 pays 50 EUR/t on 1 t for the e-boiler against 44.5
    on 0.89 t for capture, so the contract buys the e-boiler: 50 MEUR a year for 0.11 t/t more
    than the plant abates anyway. With the additionality test no contract is awarded and the
    plant captures."""
    kw: dict[str, object] = dict(eua=200.0, elec_price=10.05, product_price=260.0, ccs=True)
    uniform = simulate(toy_inputs(**kw, instruments=ccfd(strike=250.0)))  # type: ignore[arg-type]
    assert route_names(uniform)[0] == "elec"
    paid = -uniform.dataset["gov_cash_flow"].sel(flow="ccfd_outlay").values[0]
    np.testing.assert_allclose(paid[:15], 50.0e6)
    tested = simulate(
        toy_inputs(
            **kw, instruments=ccfd(strike=250.0, additionality=1.0, additionality_threshold=1.0)
        )  # type: ignore[arg-type]
    )
    assert route_names(tested)[0] == "gas_ccs"
    assert tested.dataset["gov_cash_flow"].sel(flow="ccfd_outlay").values.sum() == 0.0


def test_capex_grant_asks_its_need_up_to_the_aid_intensity() -> None:
    """Capex grants in line with the pay-as-bid rounds (NIKI: competitive, lowest aid per
    tonne): the e-boiler needs 24.73 EUR/t a year, less than half its capex annuity (0.5 x 500
    x CRF = 29.36), so it asks 24.73 / CRF x 1 Mt = 210.5 MEUR, not 0.5 x 500 x 1 Mt = 250 MEUR;
    paid when the route starts."""
    years = len(YEARS)
    budget = np.zeros((1, years))
    budget[0, 0] = 1e12
    res = simulate(
        toy_inputs(
            eua=150.0,
            product_price=260.0,
            instruments={"grants": {"budget": budget, "share": np.array([0.5])}},
        )
    )
    assert route_names(res)[0] == "elec"
    paid = -res.dataset["gov_cash_flow"].sel(flow="grant_outlay").values[0]
    assert paid[0] == pytest.approx(NEED / CRF * 1.0e6, rel=1e-6)
    assert paid[0] < 0.5 * 500.0 * 1.0e6
    assert (paid[1:] == 0).all()


def test_closure_writes_off_over_the_assets_life_not_at_once() -> None:
    # a plant that switched to elec in 2025 (EUA 300) and whose energy prices jump in 2030
    # (gas and power at 50 EUR/GJ: elec costs 540/t, gas 800/t against a price of 400) closes
    # when staying loses money (decided in 2030, effective 2031), whatever the closure
    # route's own lifetime
    jump = {2025: 10.0, 2029: 10.0, 2030: 50.0}
    inp = toy_inputs(
        eua=300.0, product_price=400.0, gas_price=jump, elec_price={**jump, 2025: 20.0, 2029: 20.0}
    )
    lifetime = inp.routes.lifetime.copy()
    lifetime[2] = 1.0  # the closure route, as the data package gives it
    res = simulate(replace(inp, routes=replace(inp.routes, lifetime=lifetime)))
    names = route_names(res)
    assert names[0] == "elec"
    assert first_year(names, "widget_closure") == 2031


def test_an_idled_plant_makes_nothing_and_decides_nothing() -> None:
    # availability 0 in 2030-2032 (an idling event): no output, no emissions, imports fill
    # demand; the plant neither switches nor closes while idle, and runs again from 2033
    inp = toy_inputs(eua=50.0)
    availability = inp.levers.availability.copy()
    availability[:, :, 5:8] = 0.0
    res = simulate(replace(inp, levers=replace(inp.levers, availability=availability)))
    ds = res.dataset
    prod = ds["production"].values[0, 0]
    assert (prod[5:8] == 0.0).all() and prod[4] == pytest.approx(1.0e6)
    assert prod[8] == pytest.approx(1.0e6)
    assert (ds["direct_emissions"].values[0, 0, 5:8] == 0.0).all()
    assert ds["imports"].values[0, 0, 6] == pytest.approx(1.0e6)
    assert set(route_names(res)) == {"gas"}


def test_a_route_is_renewed_at_the_end_of_each_life() -> None:
    """At EUA 300 the plant switches to 'elec' in 2025 (capex 500 EUR/(t/yr) x 1 Mt/yr); with
    a life of 10 years it renews that asset in 2035 and 2045, for the same capex each time,
    each renewal recorded as a reinvestment."""
    ds = simulate(toy_inputs(eua=300.0, lifetime=10.0)).dataset
    capex = ds["capex"].values[0, 0]
    spent = {int(y): float(c) for y, c in zip(ds["year"].values, capex, strict=True) if c}
    assert spent == {2025: 5.0e8, 2035: 5.0e8, 2045: 5.0e8}
    reason = ds["switch_reason"].values[0, 0]
    assert reason[2025 - 2025] == REASON["off_cycle_switch"]
    assert reason[2035 - 2025] == REASON["reinvestment"]
    assert reason[2045 - 2025] == REASON["reinvestment"]


def test_capture_is_vented_once_its_store_closes() -> None:
    """'gas_ccs' makes 1.1 t CO2/t and captures 90 %: 0.99 Mt/yr stored while the store has
    room (5 Mt/yr to 2034); from 2035 it has none, so all 1.1 Mt/yr are emitted and none is
    stored. Emitted plus stored is 1.1 Mt/yr every year."""
    inp = toy_inputs(eua=150.0, ccs=True, co2_capacity={2025: 5e6, 2034: 5e6, 2035: 0.0, 2050: 0.0})
    ds = simulate(inp).dataset
    direct = ds["direct_emissions"].values[0, 0]
    stored = ds["stored_co2"].values[0, 0]
    assert direct[2034 - 2025] == pytest.approx(1.1e5) and stored[2034 - 2025] == pytest.approx(
        9.9e5
    )
    assert direct[2035 - 2025] == pytest.approx(1.1e6) and stored[2035 - 2025] == 0.0
    np.testing.assert_allclose(direct + stored, 1.1e6, rtol=1e-12)


def test_a_plant_on_an_import_route_produces_nothing_at_home() -> None:
    """With 'elec' made an import route (its output bought abroad), the plant that takes it
    at EUA 300 produces nothing at home; the 1 Mt of demand is all imports."""
    inp = toy_inputs(eua=300.0)
    routes = inp.routes
    domestic, family = routes.domestic.copy(), routes.family.copy()
    domestic[1], family[1] = False, FAMILY["import"]
    inp = replace(inp, routes=replace(routes, domestic=domestic, family=family))
    res = simulate(inp)
    ds = res.dataset
    assert set(route_names(res)) == {"elec"}
    np.testing.assert_array_equal(ds["production"].values[0, 0], 0.0)
    np.testing.assert_allclose(ds["imports"].values[0, 0], 1.0e6)
    np.testing.assert_allclose(ds["demand"].values[0, 0], 1.0e6)
