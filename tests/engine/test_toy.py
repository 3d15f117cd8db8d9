"""Analytic toy cases: one product, one or a few plants, hand-computed switch years."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.engine.economics import annuity_factor
from kruispunt.engine.simulate import simulate
from kruispunt.testing import TOY_YEARS as YEARS
from kruispunt.testing import toy_inputs
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


def test_sde_round_awards_in_rank_order_until_budget_spent() -> None:
    # EUA 150: gas costs 250/t; price 260 => staying earns 10/t. Elec costs 274.73/t (earns
    # -14.73/t): its unprofitable top against staying is 24.73 EUR/t = 24.73 EUR/tCO2 (1 t
    # abated per t) <= 400 cap. Requests over 15 years: 24.73 * capacity * 15. The plants rank
    # equal (same intensity): ties by index. The budget fits plants 0 and 1, not plant 2,
    # which keeps its gas route (staying still pays).
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
        )
    )
    assert route_names(res, plant=0)[0] == "elec"
    assert route_names(res, plant=1)[0] == "elec"
    assert set(route_names(res, plant=2)) == {"gas"}
    outlay = -res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values[0]
    assert outlay[0] == pytest.approx(top * (caps[0] + caps[1]), rel=1e-6)
    assert outlay[:15].sum() <= budget[2025]
    assert outlay[15:].sum() == 0.0


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
    top = ELEC_FULL - 250.0
    budget = {2025: top * 15 * 1.0e6 * (1 + 1e-6)}
    budget.update({y: 0.0 for y in range(2026, 2051)})
    res = simulate(
        toy_inputs(eua=150.0, product_price=260.0, sde_budget=budget, sde_max=400.0, lead_time=3)
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
