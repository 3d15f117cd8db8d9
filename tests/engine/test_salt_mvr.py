"""Salt evaporation by mechanical vapour recompression (MVR): Nobian's decided electric salt
plants (binding maatwerk agreement, 19 Dec 2024) run on the MVR routes, whose electricity per GJ
of steam is worked out here by hand from the MIDDEN figures, and the routes are open only to
the vacuum salt plants named in ``route_sites.csv``."""

from __future__ import annotations

import numpy as np
import pytest

import kruispunt
from kruispunt.assemble.routes import build_routes
from kruispunt.assemble.tables import Tables
from kruispunt.catalogue import Catalogue
from kruispunt.inputs import ModelInputs
from kruispunt.results import Results

GJ_PER_TWH = 3.6e6

# MIDDEN plant configurations (midden_pcd) x heat per unit (midden_tc), TJ/yr
HENGELO_VAPORISATION = 3270 * 1.25  # TC0274: 3,270 kt salt slurry x 1.25 TJ/kt
HENGELO_STEAM = HENGELO_VAPORISATION + 900 * 0.0438  # + TC0276 drying 900 kt x 43.8 GJ/kt
DELFZIJL_VAPORISATION = 2730 * 1.25
DELFZIJL_STEAM = (
    DELFZIJL_VAPORISATION
    + 750 * 0.0438  # TC0276 salt drying
    + 4560 * 0.184  # TC0277 caustic soda preparation, 184 GJ/kt
    + 264 * 0.675  # TC0283 4-effect caustic evaporation, 0.675 TJ/kt
)
COP_MVR = 7.0  # MIDDEN TC0311 (Marsidi & Lensink 2020)
EBOILER_EFFICIENCY = 0.99  # DEA 310.1


def _by_hand(vaporisation: float, steam: float) -> float:
    """GJ of electricity per GJ of the plant's steam: the vaporisation's share on MVR, the
    rest on the electric boiler."""
    s = vaporisation / steam
    return s / COP_MVR + (1 - s) / EBOILER_EFFICIENCY


HENGELO_ELECTRICITY = _by_hand(HENGELO_VAPORISATION, HENGELO_STEAM)  # 0.151141 GJ/GJ
DELFZIJL_ELECTRICITY = _by_hand(DELFZIJL_VAPORISATION, DELFZIJL_STEAM)  # 0.346928 GJ/GJ
NOBIAN = {
    "nobian_delfzijl/process_heat_low": ("mvr_salt_chlor_alkali_low", DELFZIJL_ELECTRICITY),
    "nobian_hengelo/process_heat_low": ("mvr_salt_low", HENGELO_ELECTRICITY),
}


@pytest.fixture(scope="module")
def results(cat: Catalogue) -> Results:
    return kruispunt.run("current-policy", catalogue=cat)


def test_route_electricity_per_gj_of_steam_by_hand(cat: Catalogue) -> None:
    """Hengelo: 0.990448 / 7 + 0.009552 / 0.99 = 0.151141 GJ per GJ of steam; Delfzijl (its
    caustic soda and drying on the boilers): 0.764690 / 7 + 0.235310 / 0.99 = 0.346928; both a
    fraction of the electric boiler's 1.0101 GJ/GJ. The routes carry no electrifiable share:
    the assembled inputs are the data's, in every year, with no gas left."""
    assert HENGELO_ELECTRICITY == pytest.approx(0.151141, abs=1e-6)
    assert DELFZIJL_ELECTRICITY == pytest.approx(0.346928, abs=1e-6)
    tables = Tables(cat)
    bundle = build_routes(tables, np.arange(2025, 2051))
    c = tables.carrier_index
    for route, expected in (
        ("mvr_salt_low", HENGELO_ELECTRICITY),
        ("mvr_salt_chlor_alkali_low", DELFZIJL_ELECTRICITY),
    ):
        r = bundle.routes_index[route]
        np.testing.assert_allclose(bundle.routes.inputs[r, c["electricity"]], expected, rtol=1e-5)
        assert not bundle.routes.inputs[r, c["natural_gas"]].any()
        assert not bundle.routes.emission_factor[r].any()


def test_routes_are_open_only_to_the_named_salt_plants(inp: ModelInputs) -> None:
    """mvr_salt_low is an option at Nobian Hengelo and Frisia Zout Harlingen only,
    mvr_salt_chlor_alkali_low at Nobian Delfzijl only; no other low-temperature heat plant
    (Nobian's Rotterdam chlor-alkali plant among them) is offered either."""
    routes = list(inp.coords.routes)
    mvr, mvr_ca = routes.index("mvr_salt_low"), routes.index("mvr_salt_chlor_alkali_low")
    plants = list(inp.coords.plants)
    opts = inp.plants.options
    offered = {
        route: {plants[p] for p in np.flatnonzero((opts == r).any(axis=1))}
        for route, r in (("mvr_salt_low", mvr), ("mvr_salt_chlor_alkali_low", mvr_ca))
    }
    assert offered == {
        "mvr_salt_low": {
            "nobian_hengelo/process_heat_low",
            "frisia_zout_harlingen/process_heat_low",
        },
        "mvr_salt_chlor_alkali_low": {"nobian_delfzijl/process_heat_low"},
    }
    # the other low-temperature heat plants still have the e-boiler
    eboiler = routes.index("eboiler_low")
    rotterdam = plants.index("nobian_rotterdam/process_heat_low")
    assert (opts[rotterdam] == eboiler).any()


def test_nobian_2030_electricity_and_emissions_by_hand(results: Results) -> None:
    """Current policy, 2030: each Nobian salt plant uses its base-year steam (unchanged
    production) x the route's electricity per GJ, and emits nothing. With the model's
    production (Delfzijl 6.851 PJ, Hengelo 3.654 PJ of steam) that is 0.660 + 0.153 =
    0.814 TWh, against 2.417 TWh on the e-boiler before (which left 112 kt of CO2)."""
    ds = results.dataset.sel(scenario="current-policy", year=2030)
    total = 0.0
    for plant, (route, per_gj) in NOBIAN.items():
        assert str(ds["route"].values[int(ds["route_index"].sel(plant=plant))]) == route
        steam = float(ds["production"].sel(plant=plant))
        elec = float(ds["energy"].sel(plant=plant, carrier="electricity"))
        assert elec == pytest.approx(steam * per_gj, rel=1e-6)
        assert float(ds["energy"].sel(plant=plant, carrier="natural_gas")) == 0.0
        assert float(ds["direct_emissions"].sel(plant=plant)) == 0.0
        total += elec
    assert total / GJ_PER_TWH == pytest.approx(0.6602 + 0.1534, abs=5e-4)
