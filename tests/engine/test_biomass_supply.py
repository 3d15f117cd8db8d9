"""The biomass supply as a scarce resource with rising price steps (issue 9, point 5).

Toy (``kruispunt.testing.toy_inputs`` with ``bio=True``): plants of 1 Mt/yr on gas (10 GJ/t
at 10 EUR/GJ, 1 tCO2/t) may switch to a biomass route burning 10 GJ/t of biomass at 5 EUR/GJ
(0 tCO2/t, capex 100 EUR/(t/yr)); a plant on the biomass route burns 1e6 x 10 = 1e7 GJ/yr.
Myopic plants, 10 %/yr over 20 years: capital recovery factor 0.1 / (1 - 1.1^-20) = 0.117460,
so the biomass route's capital costs 11.746 EUR/t.

The data package's curve (``biomass_supply.csv``, ``derived_biomass_supply_open``): 1.431
PJ/yr at the biomass price from 2025 (clean domestic woody biomass exported in 2022, CBS
85899NED),
then 46.035 PJ/yr at +4.4841 EUR/GJ (what the power plants co-fired in 2022, CBS 82004NED,
freed when their SDE+ subsidies end in 2027; Ensoc pellet-over-chips difference, +0 in the
high price set), opening 4.596 PJ a year from 2028. The toy cases below use two steps of
their own; ``tests/catalogue/test_routes_infra_data.py`` checks the package's curve.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kruispunt.engine.context import BatchContext
from kruispunt.engine.infrastructure import Infrastructure
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.testing import TOY_YEARS, toy_inputs
from kruispunt.vocabulary import BIOMASS, REASON_CODE, RESOURCES

USE = 1.0e7
"""Biomass one plant burns on the biomass route [GJ/yr]."""
BIO = 3
"""Route index of ``bio`` in the toy (gas, elec, closure, bio)."""


def _with_intensity(inp: ModelInputs, factors: list[float]) -> ModelInputs:
    """The plants' gas route emits ``factor`` tCO2/t each (verified emissions over
    production), so their gain from biomass differs."""
    base = inp.plants.base_production * np.asarray(factors)
    return replace(inp, plants=replace(inp.plants, base_emissions=base))


def _route(ds: Any, plant: int) -> np.ndarray:
    return np.asarray(ds["route_index"].values[0, plant])


def test_scarce_supply_goes_to_the_better_plant_the_other_waits() -> None:
    """Supply 1.5e7 GJ/yr, two plants asking 1e7 each: one fits. At an EUA of 100, plant 0
    (2 tCO2/t) gains (10 x 10 + 2 x 100 - 10 x 5 - 11.746) x 1e6 = 238.25 MEUR/yr, 23.8 EUR per
    GJ of biomass; plant 1 (1 tCO2/t) 138.25 MEUR/yr, 13.8 EUR/GJ. First-fit by gain per unit:
    plant 0 is served; plant 1 is refused and stays on gas (its next best option: the
    electric route costs 10.8 x 20 + 500 x 0.11746 = 274.7 EUR/t against gas's 200), waiting
    for infrastructure every year."""
    inp = toy_inputs(n_plants=2, eua=100.0, bio=True, biomass_supply=((1.5 * USE, 0.0),))
    ds = simulate(_with_intensity(inp, [2.0, 1.0])).dataset
    assert (_route(ds, 0) == BIO).all()
    assert (_route(ds, 1) == 0).all()
    reason = ds["switch_reason"].values[0, 1]
    assert (reason == REASON_CODE["waiting_for_infrastructure"]).all()
    use = ds["infra_use"].sel(resource="biomass").values.sum(axis=1)[0]
    np.testing.assert_allclose(use, USE)
    burnt = ds["energy"].sel(carrier="biomass").values.sum(axis=1)[0]
    np.testing.assert_allclose(burnt, USE)


def test_the_better_plant_is_served_whatever_its_position() -> None:
    """The same two plants in the other order: the served plant follows the gain, not the
    index."""
    inp = toy_inputs(n_plants=2, eua=100.0, bio=True, biomass_supply=((1.5 * USE, 0.0),))
    ds = simulate(_with_intensity(inp, [1.0, 2.0])).dataset
    assert (_route(ds, 1) == BIO).all()
    assert (_route(ds, 0) == 0).all()


def test_each_claim_pays_the_step_it_falls_in_as_served() -> None:
    """Steps of 1.2e7 GJ at +0 and 1e7 GJ at +4 EUR/GJ. Two equal plants of 1e7 GJ each both
    fit (2e7 <= 2.2e7); they are served in order (equal gain: the lower index first). Plant
    0's claim stays in step 1 (1e7 <= 1.2e7): 5 x 1e7 = 5e7 EUR/yr; plant 1's claim reaches
    2e7, step 2: (5 + 4) x 1e7 = 9e7 EUR/yr, every year while it holds it. One plant alone
    pays 5e7."""
    steps = ((1.2 * USE, 0.0), (USE, 4.0))
    both = simulate(toy_inputs(n_plants=2, eua=100.0, bio=True, biomass_supply=steps)).dataset
    assert (_route(both, 0) == BIO).all() and (_route(both, 1) == BIO).all()
    np.testing.assert_allclose(both["energy_cost"].values[0, 0], 5.0e7)
    np.testing.assert_allclose(both["energy_cost"].values[0, 1], 9.0e7)
    one = simulate(toy_inputs(n_plants=1, eua=100.0, bio=True, biomass_supply=steps)).dataset
    np.testing.assert_allclose(one["energy_cost"].values[0, 0], 5.0e7)


def test_the_higher_gain_is_served_first_and_gets_the_cheaper_step() -> None:
    """The same steps; plant 1 gains more per GJ (priority 2 against 1): it is served first
    and its claim stays in step 1 (+0), plant 0's reaches step 2 (+4)."""
    inp = toy_inputs(n_plants=2, bio=True, biomass_supply=((1.2 * USE, 0.0), (USE, 4.0)))
    infra = _infrastructure(inp)
    demand = np.zeros((len(RESOURCES), 1, 2))
    demand[BIOMASS] = USE
    start = np.zeros((1, 2), dtype=np.int64)
    mask = np.ones((1, 2), dtype=bool)
    infra.allocate(demand, start, np.array([[1.0, 2.0]]), mask, commit=True)
    np.testing.assert_allclose(infra.claim_price, [[4.0, 0.0]])


def test_a_claim_keeps_its_price_while_held() -> None:
    """A supply contract: plant 0 (served first, +0) stops burning biomass in 2030 and gives
    its 1e7 GJ back; plant 1 keeps paying its claim's +4 although the pool's use (1e7) is
    now inside step 1, and weighs +4 for staying; a new claim of 1e7 on top of the 1e7 held
    reaches 2e7, step 2 (+4)."""
    inp = toy_inputs(n_plants=2, bio=True, biomass_supply=((1.2 * USE, 0.0), (USE, 4.0)))
    infra = _infrastructure(inp)
    pool = _reserve_use(infra, [2.0, 1.0])
    i = list(TOY_YEARS).index(2030)
    route = np.array([[0, BIO]], dtype=np.int64)
    infra.release_supply(i, route, np.full((1, 2), -1), pool)
    np.testing.assert_allclose(infra.claim_price, [[0.0, 4.0]])
    opt = np.tile(np.arange(4, dtype=np.int64), (2, 1))
    price = infra.supply_prices(i, route, pool[..., BIOMASS], opt)
    assert price.current[0, 1] == 4.0 and price.option[0, 1, BIO] == 4.0
    assert price.option[0, 0, BIO] == 4.0


def test_use_at_a_steps_edge_stays_in_that_step() -> None:
    """A plant burning exactly step 1 (1e7 GJ of 1e7) pays no step-2 price: 5e7 EUR/yr."""
    steps = ((USE, 0.0), (USE, 4.0))
    ds = simulate(toy_inputs(n_plants=1, eua=100.0, bio=True, biomass_supply=steps)).dataset
    np.testing.assert_allclose(ds["energy_cost"].values[0, 0], 5.0e7)


def _infrastructure(inp: ModelInputs) -> Infrastructure:
    return Infrastructure(BatchContext(inp, tuple(INSTRUMENTS)))


def test_step_price_on_the_data_packages_curve() -> None:
    """1.431 PJ at +0, then 46.035 PJ at +4.4841 EUR/GJ: a use of 1.431 PJ pays 0 on every
    GJ, 1.432 PJ pays 4.4841, beyond the curve the last step's price."""
    steps = ((1.431e6, 0.0), (46.035e6, 4.4841))
    infra = _infrastructure(toy_inputs(bio=True, biomass_supply=steps))
    level = np.array([[0.0, 1.431e6, 1.432e6, 47.466e6, 60e6]])
    np.testing.assert_allclose(infra.step_price(3, level), [[0.0, 0.0, 4.4841, 4.4841, 4.4841]])


def test_a_step_that_opens_later_serves_the_waiting_plant_from_its_year() -> None:
    """Step 1 (1e7 GJ at +0) open from 2025, step 2 (1e7 GJ at +4 EUR/GJ) from 2030: the
    supply is 1e7 GJ/yr until 2029, 2e7 after. At an EUA of 100 plant 0 (2 tCO2/t, the
    higher gain per GJ) takes step 1 from 2025; plant 1 (1 tCO2/t) is refused and waits on
    gas until 2029, then burns biomass from 2030 on step 2's price: (5 + 4) x 1e7 = 9e7
    EUR/yr, while plant 0 pays 5e7."""
    inp = toy_inputs(
        n_plants=2,
        eua=100.0,
        bio=True,
        biomass_supply=((USE, 0.0), (USE, 4.0)),
        biomass_opens=(2025, 2030),
    )
    ds = simulate(_with_intensity(inp, [2.0, 1.0])).dataset
    years = ds["year"].values
    assert (_route(ds, 0) == BIO).all()
    assert (_route(ds, 1)[years < 2030] == 0).all()
    assert (_route(ds, 1)[years >= 2030] == BIO).all()
    waiting = ds["switch_reason"].values[0, 1][years < 2030]
    assert (waiting == REASON_CODE["waiting_for_infrastructure"]).all()
    cost = ds["energy_cost"].values[0]
    np.testing.assert_allclose(cost[0], 5.0e7)
    np.testing.assert_allclose(cost[1][years >= 2030], 9.0e7)
    burnt = ds["energy"].sel(carrier="biomass").values.sum(axis=1)[0]
    np.testing.assert_allclose(burnt, np.where(years < 2030, USE, 2 * USE))


def test_plants_weigh_the_step_their_own_claim_reaches() -> None:
    """With 1e7 GJ of 1.2e7 in step 1 reserved from 2025, a plant asking 1e7 more would
    reach step 2 (2e7 > 1.2e7): it weighs +4 EUR/GJ; a plant asking nothing more pays its
    pool's current step, 0."""
    inp = toy_inputs(n_plants=2, bio=True, biomass_supply=((1.2 * USE, 0.0), (USE, 4.0)))
    infra = _infrastructure(inp)
    reserved = infra.committed.copy()
    reserved[:, 3, :] = USE
    infra.committed = reserved
    route = np.zeros((1, 2), dtype=np.int64)
    held = np.full((1, 2), -1, dtype=np.int64)
    opt = np.tile(np.arange(4, dtype=np.int64), (2, 1))
    price = infra.supply_prices(0, route, held, opt)
    np.testing.assert_allclose(price.option[0, :, BIO], 4.0)
    route[0, 0], held[0, 0] = BIO, 3
    price = infra.supply_prices(0, route, held, opt)
    assert price.current[0, 0] == 0.0 and price.option[0, 0, BIO] == 0.0


def _reserve_use(infra: Infrastructure, gain: list[float]) -> np.ndarray[Any, Any]:
    """Each plant of ``infra`` (one scenario) reserves USE GJ of biomass (pool 3) from the
    first year, served in the order of ``gain``; returns their pools, biomass's set to 3."""
    P = len(gain)
    demand = np.zeros((len(RESOURCES), 1, P))
    demand[BIOMASS] = USE
    start = np.zeros((1, P), dtype=np.int64)
    infra.allocate(demand, start, np.array([gain]), np.ones((1, P), dtype=bool), commit=True)
    pool = np.full((1, P, len(RESOURCES)), -1, dtype=np.int64)
    pool[0, :, BIOMASS] = 3
    return pool


def test_a_plant_that_stops_burning_biomass_gives_its_supply_back() -> None:
    """A plant that reserved 1e7 GJ from 2025 and runs gas again from 2030 gives the 1e7 back
    from 2030 on (before: still reserved)."""
    inp = toy_inputs(n_plants=1, bio=True, biomass_supply=((1.5 * USE, 0.0),))
    infra = _infrastructure(inp)
    pool = _reserve_use(infra, [1.0])
    np.testing.assert_allclose(infra.committed[0, 3], USE)
    i = list(TOY_YEARS).index(2030)
    infra.release_supply(i, np.zeros((1, 1), dtype=np.int64), np.full((1, 1), -1), pool)
    np.testing.assert_allclose(infra.committed[0, 3, :i], USE)
    np.testing.assert_allclose(infra.committed[0, 3, i:], 0.0)
    assert pool[0, 0, BIOMASS] == -1


def _burning_today(inp: ModelInputs) -> ModelInputs:
    """Plant 0 runs the biomass route from the base year."""
    incumbent = inp.plants.incumbent.copy()
    incumbent[0] = BIO
    return replace(inp, plants=replace(inp.plants, incumbent=incumbent))


def test_base_year_biomass_use_is_inside_the_supply() -> None:
    """Today's use counts against the supply before any claim: plant 0 burns 1e7 of a
    1.5e7 supply from the start, so plant 1 (which would gain from biomass at an EUA of 100)
    finds no room and waits."""
    inp = toy_inputs(n_plants=2, eua=100.0, bio=True, biomass_supply=((1.5 * USE, 0.0),))
    ds = simulate(_burning_today(inp)).dataset
    assert (_route(ds, 0) == BIO).all()
    assert (_route(ds, 1) == 0).all()
    assert (ds["switch_reason"].values[0, 1] == REASON_CODE["waiting_for_infrastructure"]).all()


def test_base_year_use_above_the_supply_is_refused() -> None:
    inp = toy_inputs(n_plants=1, bio=True, biomass_supply=((0.5 * USE, 0.0),))
    with pytest.raises(ValueError, match="biomass supply"):
        simulate(_burning_today(inp))


@st.composite
def _supply_case(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 5))
    n_steps = draw(st.integers(1, 3))
    prices = sorted(draw(st.lists(st.floats(0, 20), min_size=n_steps, max_size=n_steps)))
    quantities = draw(st.lists(st.floats(0, 4e7), min_size=n_steps, max_size=n_steps))
    opens = sorted(draw(st.lists(st.integers(2025, 2055), min_size=n_steps, max_size=n_steps)))
    start = draw(st.floats(0, 200))
    return dict(
        n_plants=n,
        capacity=np.array(draw(st.lists(st.floats(1e5, 3e6), min_size=n, max_size=n))),
        eua={2025: start, 2050: start + 25 * draw(st.floats(0, 15))},
        gas_price={2025: draw(st.floats(5, 20)), 2050: draw(st.floats(5, 20))},
        biomass_price={2025: draw(st.floats(1, 15)), 2050: draw(st.floats(1, 15))},
        elec_price=draw(st.floats(10, 60)),
        lead_time=draw(st.integers(0, 3)),
        myopic=draw(st.booleans()),
        bio=True,
        biomass_supply=tuple(zip(quantities, prices, strict=True)),
        biomass_opens=tuple(opens),
        product_price=draw(st.floats(150, 800)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_supply_case(), st.lists(st.floats(0.5, 3.0), min_size=5, max_size=5))
def test_biomass_burnt_never_exceeds_the_supply(cfg: dict[str, Any], factors: list[float]) -> None:
    """In every year the biomass all plants burn (their energy use, not only what the pool
    books) is at most the supply open in that year (the steps open by then), whatever the
    prices, steps, opening years, lead times and foresight."""
    inp = toy_inputs(**cfg)
    inp = _with_intensity(inp, factors[: cfg["n_plants"]])
    ds = simulate(inp).dataset
    years = ds["year"].values
    supply = sum(
        np.where(years >= y, q, 0.0)
        for (q, _), y in zip(cfg["biomass_supply"], cfg["biomass_opens"], strict=True)
    )
    burnt = ds["energy"].sel(carrier="biomass").values.sum(axis=1)[0]
    assert (burnt <= supply * (1 + 1e-9) + 1e-6).all()
    booked = ds["infra_use"].sel(resource="biomass").values.sum(axis=1)[0]
    np.testing.assert_allclose(booked, burnt, rtol=1e-9, atol=1e-6)


def test_a_plant_weighs_the_reservations_of_the_later_years() -> None:
    """Steps of 1.2e7 GJ at +0 and 1e7 at +4 EUR/GJ; nothing reserved until 2029 and 1e7 GJ
    from 2030 (a claim that starts then). A plant asking 1e7 GJ from 2025 holds it through
    2030, when the supply's use reaches 2e7, step 2: it weighs +4, not the +0 of 2025's
    use alone."""
    inp = toy_inputs(n_plants=1, bio=True, biomass_supply=((1.2 * USE, 0.0), (USE, 4.0)))
    infra = _infrastructure(inp)
    reserved = infra.committed.copy()
    reserved[:, 3, list(TOY_YEARS).index(2030) :] = USE
    infra.committed = reserved
    route = np.zeros((1, 1), dtype=np.int64)
    held = np.full((1, 1), -1, dtype=np.int64)
    price = infra.supply_prices(0, route, held, np.arange(4, dtype=np.int64)[None])
    assert price.option[0, 0, BIO] == 4.0


def test_each_scenario_prices_its_own_claims() -> None:
    """Two scenarios of the same two plants (steps 1.2e7 at +0, 1e7 at +4 EUR/GJ; 1e7 GJ each,
    plant 0 served first): in each scenario plant 0's claim is in step 1 (+0) and plant 1's
    reaches 2e7, step 2 (+4). The other scenario's claims do not count."""
    inp = toy_inputs(
        n_scenarios=2, n_plants=2, bio=True, biomass_supply=((1.2 * USE, 0.0), (USE, 4.0))
    )
    infra = _infrastructure(inp)
    demand = np.zeros((len(RESOURCES), 2, 2))
    demand[BIOMASS] = USE
    start = np.zeros((2, 2), dtype=np.int64)
    gain = np.array([[2.0, 1.0], [2.0, 1.0]])
    infra.allocate(demand, start, gain, np.ones((2, 2), dtype=bool), commit=True)
    np.testing.assert_allclose(infra.claim_price, [[0.0, 4.0], [0.0, 4.0]])


def test_a_plant_that_gives_its_claim_back_pays_no_step_price() -> None:
    """Steps of 1.2e7 GJ at +0 and 1e7 at +4 EUR/GJ: plant 0 is served first (+0), plant 1's
    claim reaches step 2 (+4). Plant 1 goes back to gas in 2030: its claim and its +4 go;
    plant 0 keeps +0."""
    inp = toy_inputs(n_plants=2, bio=True, biomass_supply=((1.2 * USE, 0.0), (USE, 4.0)))
    infra = _infrastructure(inp)
    pool = _reserve_use(infra, [2.0, 1.0])
    np.testing.assert_allclose(infra.claim_price, [[0.0, 4.0]])
    route = np.array([[BIO, 0]], dtype=np.int64)
    infra.release_supply(list(TOY_YEARS).index(2030), route, np.full((1, 2), -1), pool)
    np.testing.assert_allclose(infra.claim_price, [[0.0, 0.0]])
    assert pool[0, :, BIOMASS].tolist() == [3, -1]


def test_a_plant_with_nothing_pending_is_not_waiting_for_biomass() -> None:
    """Today's gas route co-fires 1 GJ/t of biomass (route 0). A plant that reserved 1e7 GJ
    from 2025 runs the electric route from 2030 with no switch pending: it gives its 1e7 GJ
    back from 2030 (pending -1 is no route, not route 0)."""
    inp = toy_inputs(n_plants=1, bio=True, biomass_supply=((1.5 * USE, 0.0),))
    inputs = inp.routes.inputs.copy()
    inputs[0, 2] = 1.0
    infra = _infrastructure(replace(inp, routes=replace(inp.routes, inputs=inputs)))
    pool = _reserve_use(infra, [1.0])
    i = list(TOY_YEARS).index(2030)
    infra.release_supply(i, np.ones((1, 1), dtype=np.int64), np.full((1, 1), -1), pool)
    np.testing.assert_allclose(infra.committed[0, 3, :i], USE)
    np.testing.assert_allclose(infra.committed[0, 3, i:], 0.0)
    assert pool[0, 0, BIOMASS] == -1
