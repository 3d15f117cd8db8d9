"""An option that starts after its lead time is weighed against staying over the same years.

The plant stays on its route while it builds either way; what it chooses between is the new
route and its current one over the years the new route would run. Until December 2026 a new
route was valued over its life from its start and staying over its life from now: where the
cost of staying rises (a rising EUA), staying looked cheaper than it is over the new route's
years; where it falls (a falling gas price), dearer. The terms that are the same for every
route of a product did not cancel (the carbon cost passed into the product price), and a
plant moved on when an option's window caught up with it: heat plants going gas, hybrid
boiler, gas again a year later under current policy (Sonac Burgum and Vuren, 2028-2029 and
2028-2033).

Toy (:func:`kruispunt.testing.toy_inputs`, 1 Mt/yr, perfect foresight, 10 %/yr, 20-yr lives,
lead time 2 years): gas 10 GJ/t x 10 EUR/GJ + 1 tCO2/t x EUA; the EUA rises by 10 EUR/t a
year from 100 in 2025 (350 in 2050); electric 10.8 GJ/t x 20 EUR/GJ = 216 EUR/t + capex 500
EUR/(t/yr) x CRF(10 %, 20 yr) 0.117460 = 274.73 EUR/t, no emissions.
"""

from __future__ import annotations

import pytest

from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import simulate
from kruispunt.engine.state import PlantState
from kruispunt.engine.valuation import STAY_WINDOW, Valuation
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.testing import TOY_YEARS, toy_inputs

GAS, ELEC = 0, 1
EUA = {2025: 100.0, 2050: 350.0}


def test_staying_is_valued_over_the_new_routes_years() -> None:
    """In 2025 the electric route runs from 2027: over 2027-2046 the EUA is 20 EUR/t above its
    level over 2025-2044, year for year (a straight line within the model years), so staying
    over the electric route's years costs 20 EUR/t more than staying from now: the option's
    term is -20 EUR/t, +20 MEUR/yr on its value; staying has none."""
    inp = toy_inputs(myopic=False, lead_time=2, eua=EUA)
    ctx = BatchContext(inp, INSTRUMENTS)
    v = Valuation(ctx, [cls(ctx) for cls in INSTRUMENTS])
    k = {int(r): j for j, r in enumerate(v.opt[0])}
    ov = v.option_values(0, PlantState.initial(inp), breakdown=True)
    window = ov.terms[STAY_WINDOW][0, 0]
    assert window[k[GAS]] == 0.0
    assert window[k[ELEC]] == pytest.approx(-20.0, rel=1e-9)


def test_the_plant_switches_when_the_new_route_beats_staying_over_its_years() -> None:
    """Staying on gas in 2025 is worth 1000 - 100 - 165.08 (the EUA's discounted average over
    2025-2044) = 734.92 EUR/t; the electric route 1000 - 274.73 = 725.27. Against staying from
    now it loses; against staying over 2027-2046 (EUA 185.08 on average, 20 more: 714.92) it
    wins by 10.35 EUR/t, and the plant decides in 2025 and runs it from 2027. Before December
    2026 it decided in 2026 (staying from 2026: 724.92, below 725.27) and ran it from 2028."""
    ds = simulate(toy_inputs(myopic=False, lead_time=2, eua=EUA)).dataset
    route = ds["route_index"].values[0, 0]
    years = {int(y): i for i, y in enumerate(TOY_YEARS)}
    assert route[years[2026]] == GAS and route[years[2027]] == ELEC
    assert (route[years[2027] :] == ELEC).all()
    # the hand computation: the EUA's discounted average over 2025-2044
    d = 1 / 1.1
    eua = [100.0 + 10.0 * k for k in range(20)]
    average = sum(d**k * e for k, e in enumerate(eua)) / sum(d**k for k in range(20))
    assert average == pytest.approx(165.08, abs=0.01)
    assert 1000 - 100 - average > 1000 - 274.73 > 1000 - 100 - (average + 20)
