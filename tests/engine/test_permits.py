"""No permit for a new installation of a route (route parameter ``new_permits``): the gate on
new solid-biomass combustion since the nitrogen rulings (``assumption_no_new_biomass_permits``).

Toy (``kruispunt.testing.toy_inputs`` with ``bio=True``): a plant of 1 Mt/yr on gas (10 GJ/t at
10 EUR/GJ, 1 tCO2/t) at an EUA of 100 EUR/t may switch to the biomass route (10 GJ/t at 5
EUR/GJ, no CO2, capex 100 EUR/(t/yr)): per tonne gas costs 100 + 100 = 200 EUR, biomass 50 +
11.75 of capital, so every plant that may takes it in the first year. Electrification is out
of the running (capex 1e9).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.testing import TOY_YEARS, toy_inputs

BIO = 3
"""Route index of ``bio`` in the toy (gas, elec, closure, bio)."""


def _inputs(permitted_from: int | None, until: int | None = None) -> ModelInputs:
    """Two plants; the biomass route is permitted in ``[permitted_from, until)`` (None: no
    gate)."""
    inp = toy_inputs(n_plants=2, eua=100.0, bio=True, capex_elec=1e9)
    if permitted_from is None:
        return inp
    years = np.asarray(TOY_YEARS)
    permitted = np.ones(inp.routes.lead_time.shape + years.shape, dtype=bool)
    permitted[BIO] = (years >= permitted_from) & (years < (until or 10_000))
    return replace(inp, routes=replace(inp.routes, permitted=permitted))


def _routes(inp: ModelInputs) -> np.ndarray:
    return np.asarray(simulate(inp).dataset["route_index"].values[0])  # (P, Y)


def test_without_the_gate_both_plants_burn_biomass_from_the_start() -> None:
    assert (_routes(_inputs(None)) == BIO).all()


def test_no_plant_builds_the_route_in_a_year_without_permits() -> None:
    """Permits from 2030 only: both plants stay on gas until then and switch in 2030 (no lead
    time), when the first permit is granted."""
    r = _routes(_inputs(2030))
    years = np.asarray(TOY_YEARS)
    assert (r[:, years < 2030] == 0).all()
    assert (r[:, years >= 2030] == BIO).all()


def test_a_plant_already_burning_biomass_keeps_it() -> None:
    """Permits end in 2030: plant 0 already runs the route (its incumbent) and keeps it to the
    end, plant 1 switched in 2025 while permits were granted and keeps it too; the gate stops
    new installations only."""
    inp = _inputs(2025, until=2030)
    incumbent = inp.plants.incumbent.copy()
    incumbent[0] = BIO
    r = _routes(replace(inp, plants=replace(inp.plants, incumbent=incumbent)))
    assert (r == BIO).all()


def _from_scenario(inp: ModelInputs, years: list[int]) -> ModelInputs:
    """The scenarios' own ``permits_from`` for the biomass route, one year per scenario
    (-1: the data's path)."""
    S = len(years)
    inp = inp.select(np.zeros(S, dtype=np.intp))
    own = np.full_like(inp.levers.permits_from, -1)
    own[:, BIO] = years
    return replace(inp, levers=replace(inp.levers, permits_from=own))


def test_a_scenario_opens_permits_the_data_refuse() -> None:
    """The data grant no permit from 2025 on; a scenario granting them from 2030 (the lever
    ``permits_from``) sees both plants switch in 2030, a scenario left on the data's path
    (-1) sees them stay on gas, both in one batch."""
    inp = _from_scenario(_inputs(2025, until=2025), [2030, -1])
    r = np.asarray(simulate(inp).dataset["route_index"].values)  # (S, P, Y)
    years = np.asarray(TOY_YEARS)
    assert (r[0][:, years < 2030] == 0).all()
    assert (r[0][:, years >= 2030] == BIO).all()
    assert (r[1] == 0).all()


def test_a_scenario_delays_permits_the_data_grant() -> None:
    """No gate in the data; a scenario granting permits only from 2035 holds both plants on
    gas until then."""
    inp = _from_scenario(_inputs(None), [2035])
    r = _routes(inp)
    years = np.asarray(TOY_YEARS)
    assert (r[:, years < 2035] == 0).all()
    assert (r[:, years >= 2035] == BIO).all()


def test_permitted_reads_the_scenario_before_the_data() -> None:
    """``ModelInputs.permitted``: the data's row alike in every scenario ``(1, R)`` when no
    scenario sets a year; with one, ``(S, R)``, the scenario's year where set (granted from it
    on), the data's path elsewhere."""
    inp = _inputs(2025, until=2030)
    years = list(TOY_YEARS)
    t = years.index(2030)
    alike = inp.permitted(t)
    assert alike is not None and alike.shape == (1, 4)
    assert alike[0].tolist() == [True, True, True, False]
    both = _from_scenario(inp, [2028, -1])
    assert both.permitted(t).tolist() == [[True, True, True, True], [True, True, True, False]]
    assert both.permitted(years.index(2027))[0, BIO] == False  # noqa: E712 (before 2028)
    assert both.permitted(years.index(2027))[1, BIO] == True  # noqa: E712 (data: until 2030)
    assert toy_inputs(n_plants=1).permitted(0) is None  # no gate anywhere
