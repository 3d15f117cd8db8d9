"""Hydrogen made in a plant's own electrolyser (route parameter ``own_electrolysis_share``).

Holland Hydrogen 1 (HH1) is Shell's own 200 MW electrolyser at the Maasvlakte (FID Jul 2022,
nd_shell_hh1_2022), delivering up to 60 t H2/day = 21.9 kt/yr to Pernis by Shell's own
pipeline (shell_hh1_2025). Its hydrogen is not bought at the network hydrogen price: it costs
the electrolyser's running cost, the electricity of the data package's electrolysis route
(DEA 86 AEC 100 MW via PyPSA technology-data v0.14.0: 33.333 MWh/t / efficiency 0.6217 =
53.6164 MWh/t in 2030) at the scenario's electricity price, plus its fixed O&M (4 %/yr of
capex: 367.235 EUR2020/(t/yr)/yr in 2030) and, since electrolysis costs what Dutch projects
cost (derived_rfnbo_electrolysis_cost, Dec 2026), the running cost of renewable hydrogen above
the data sheet's as variable O&M (2,921.9 EUR2025/t in 2030); its capex is the data sheet's x
4.1253 (9,180.89 -> 37,873.9 EUR2020/(t/yr) in 2030). Used in a refinery, the hydrogen does
not count for the industry RFNBO obligation (RED III Art. 22a(1): an intermediate product for
transport fuels; it counts towards transport, Art. 25(1), not modelled).
"""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.engine.context import BatchContext
from kruispunt.engine.valuation import kept_electrolyser
from kruispunt.inputs import ModelInputs, Routes
from kruispunt.policy.clearing import clearing_premium, market_sales
from kruispunt.policy.registry import INSTRUMENTS

YEAR = 2030
GJ_PER_MWH = 3.6
LHV = 120.0  # GJ/t H2
H2_MWH = 0.02987
"""HH1's hydrogen per t of Pernis's throughput [MWh/t] (derived_refinery_hh1_share)."""
EL_MWH_PER_T = 53.6164
EL_FOM_2020 = 367.235
EL_CAPEX_2020 = 37873.9
"""The data sheet's 9,180.89 x 4.1253 (route_parameters.csv, derived_rfnbo_electrolysis_cost)."""
EL_VOM_2030 = 2921.9
"""Running cost of renewable hydrogen above the data sheet's [EUR2025/t] in 2030."""
EUR_2020 = 100.0 / 79.9169
"""CPI 2025 / CPI 2020 (deflators.csv, CBS 83131NED)."""
POWER_2030 = 86.0 * 100.0 / 96.8054
"""Central electricity price 2030 [EUR2025/MWh]: Prognos's 86 EUR2024/MWh at the CPI of 2024
(carrier_prices.csv, prognos_vbw_2024; deflators.csv), 88.84."""
H2_PRICE_2030 = 264.98
"""Central network hydrogen price 2030 [EUR2025/MWh] (carrier_prices.csv)."""
HH1 = ("refinery_ccs_h2units_green_h2", "refinery_ccs_postcomb_hh1")


def test_hh1_running_cost_per_kg(inp: ModelInputs) -> None:
    """HH1's hydrogen in 2030 costs 53.6164 MWh/t x 88.84 EUR/MWh = 4,763.2 EUR/t of
    electricity plus 367.235 x 1.2513 = 459.5 EUR/t of fixed O&M plus 2,921.9 EUR/t of
    variable O&M at full load: 8.14 EUR/kg before energy tax and network tariff (8.12 at the
    gas-at-the-margin power price, 5.19 before December 2026), against the network price
    264.98 EUR/MWh x 33.333 MWh/t = 8.83 EUR/kg it was priced at. The route holds exactly
    that: its hydrogen input is gone, its electricity, fixed and variable O&M and capex carry
    the electrolyser's."""
    hand = (EL_MWH_PER_T * POWER_2030 + EL_FOM_2020 * EUR_2020 + EL_VOM_2030) / 1000.0
    assert hand == pytest.approx(8.1446, abs=1e-3)
    assert H2_PRICE_2030 * 100 / 3 / 1000 == pytest.approx(8.833, abs=1e-3)
    y = list(inp.coords.years).index(YEAR)
    el = inp.coords.carriers.index("electricity")
    h2 = inp.coords.carriers.index("hydrogen")
    assert float(inp.markets.price[0, el, y]) * GJ_PER_MWH == pytest.approx(POWER_2030, rel=1e-4)
    rt = inp.routes
    assert rt.own_hydrogen is not None and rt.electrolyser_capex is not None
    base = inp.coords.routes.index("refinery_ccs_h2units")
    t_h2 = H2_MWH * GJ_PER_MWH / LHV  # t H2 per t of throughput
    for name in HH1:
        r = inp.coords.routes.index(name)
        assert float(rt.inputs[r, h2, y]) == 0.0
        assert float(rt.own_hydrogen[r, y]) == pytest.approx(H2_MWH * GJ_PER_MWH, rel=1e-9)
        assert float(rt.electrolyser_capex[r, y]) == pytest.approx(
            t_h2 * EL_CAPEX_2020 * EUR_2020, rel=1e-5
        )
    # refinery_ccs_h2units_green_h2 against refinery_ccs_h2units (the same capture, 0.8701 of
    # its captured CO2): the electrolyser's electricity and fixed O&M, per kg of hydrogen
    r = inp.coords.routes.index(HH1[0])
    d_el = float(rt.inputs[r, el, y] - rt.inputs[base, el, y] * 0.8701) / GJ_PER_MWH / t_h2
    assert d_el == pytest.approx(EL_MWH_PER_T, rel=1e-3)
    d_fom = float(rt.fixed_opex[r, y] - rt.fixed_opex[base, y]) / t_h2
    assert d_fom == pytest.approx(EL_FOM_2020 * EUR_2020, rel=1e-4)
    d_vom = float(rt.variable_opex[r, y] - rt.variable_opex[base, y]) / t_h2
    assert d_vom == pytest.approx(EL_VOM_2030, rel=1e-4)
    running = (d_el * POWER_2030 + d_fom + d_vom) / 1000.0
    assert running == pytest.approx(hand, rel=2e-3)


def test_own_hydrogen_in_a_refinery_is_outside_the_rfnbo_obligation(inp: ModelInputs) -> None:
    """The industry RFNBO market does not count HH1's hydrogen (0.02987 MWh/t x 3.6 / 120 =
    8.961e-4 t per t of throughput on both HH1 routes until Dec 2026): Pernis uses it as an
    intermediate product for transport fuels (RED III Art. 22a(1)). A hydrogen DRI route's
    network hydrogen still counts."""
    ctx = BatchContext(inp, INSTRUMENTS)
    q = np.asarray(ctx.params("rfnbo_mandate")["qualify"])
    g = inp.coords.products.index("hydrogen")
    for name in HH1:
        r = inp.coords.routes.index(name)
        assert float(q[0, g, r]) == 0.0
    assert (q[0, g] > 0).any()
    # and the route's hydrogen still claims its supply pool (HH1's 21.9 kt)
    r = inp.coords.routes.index(HH1[0])
    y = list(inp.coords.years).index(YEAR)
    assert float(ctx.route.hydrogen[r, y]) == pytest.approx(H2_MWH * GJ_PER_MWH, rel=1e-9)


def test_obligation_met_by_own_hydrogen() -> None:
    """An obligation of 20 kt met by Pernis's own 21.9 kt (no gap: HH1 runs anyway) and a
    second supplier needing 3,000 EUR/t for 30 kt: Pernis alone covers it, the premium is 0
    (green supply already cheaper covers the volume), 20 kt sold, nothing paid. With 40 kt
    required the second supplier is marginal: 18.1 kt left, its gap 90 MEUR/yr over 18.1 kt
    = 4,972.38 EUR/t."""
    c = clearing_premium([0.0, 3000.0], [21_900.0, 30_000.0], 20_000.0, cap=9000.0)
    assert c.premium == 0.0
    assert c.sold.tolist() == [20_000.0, 0.0]
    assert market_sales([21_900.0, 0.0], 20_000.0, c.premium, rank=c.rank).sum() == 0.0
    lumpy = clearing_premium([0.0, 3000.0], [21_900.0, 30_000.0], 40_000.0, cap=9000.0)
    assert lumpy.premium == pytest.approx(3000.0 * 30_000 / 18_100)
    assert lumpy.sold.tolist() == [21_900.0, 18_100.0]


def test_kept_electrolyser() -> None:
    """Moving between two routes that make the same own hydrogen keeps the electrolyser (its
    capex is not paid again); a route that makes more pays it; no own hydrogen: nothing."""
    own = np.array([[0.0], [1.0], [1.0], [2.0]])
    part = np.array([[0.0], [10.0], [10.0], [20.0]])
    z = np.zeros((4, 1))
    routes = Routes(
        product=np.zeros(4, dtype=np.int64),
        family=np.zeros(4, dtype=np.int64),
        lifetime=np.ones(4),
        lead_time=np.zeros(4, dtype=np.int64),
        earliest_year=np.zeros(4, dtype=np.int64),
        capex=part,
        capex_renewal=z,
        domestic=np.ones(4, dtype=bool),
        fixed_opex=z,
        variable_opex=z,
        emission_factor=z,
        capture_rate=z,
        inputs=np.zeros((4, 1, 1)),
        own_hydrogen=own,
        electrolyser_capex=part,
    )
    cur = np.array([[1, 1, 0, 3]])
    new = np.array([[2, 3, 1, 1]])
    got = kept_electrolyser(routes, cur, new, 0, 0)
    assert got is not None
    assert got.tolist() == [[10.0, 0.0, 0.0, 10.0]]
