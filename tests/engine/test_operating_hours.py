"""Plants that run part of the year (:attr:`kruispunt.inputs.Plants.operating_hours`): their
grid connection is sized for their load while running, not their yearly average.

Toy (``kruispunt.testing.toy_inputs``) at an EUA of 250 EUR/t: the electric route uses 10.8
GJ = 3 MWh of power per t; at 1 Mt/yr that is 3 TWh a year, 342.47 MW over 8,760 h and
684.93 MW over a half-year campaign of 4,380 h.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.results import Results
from kruispunt.testing import toy_inputs
from kruispunt.vocabulary import REASON_CODE

GAS, ELEC = 0, 1
"""Route indices in the toy."""
ALL_YEAR_MW = 3.0e6 / 8760.0
CAMPAIGN_MW = 3.0e6 / 4380.0


def _hours(inp: ModelInputs, hours: float) -> ModelInputs:
    return replace(inp, plants=replace(inp.plants, operating_hours=np.array([hours])))


def test_a_campaign_plant_asks_the_grid_for_its_campaign_load() -> None:
    """With 500 MW of grid for new load, the all-year plant electrifies and books 342.47 MW;
    the same plant running 4,380 h a year asks for 684.93 MW, is refused, stays on gas and
    waits for the grid (it still would electrify: the grid alone holds it back)."""
    all_year = simulate(toy_inputs(eua=250.0, grid_capacity=500.0)).dataset
    assert (all_year["route_index"].values[0, 0] == ELEC).all()
    use = all_year["infra_use"].sel(resource="grid").values[0].sum(axis=0)
    np.testing.assert_allclose(use, ALL_YEAR_MW)
    assert ALL_YEAR_MW == pytest.approx(342.466, abs=1e-3)

    campaign = simulate(_hours(toy_inputs(eua=250.0, grid_capacity=500.0), 4380.0)).dataset
    assert (campaign["route_index"].values[0, 0] == GAS).all()
    waiting = campaign["switch_reason"].values[0, 0]
    assert (waiting == REASON_CODE["waiting_for_infrastructure"]).all()
    np.testing.assert_allclose(campaign["grid_waiting"].values[0, 0], CAMPAIGN_MW)
    np.testing.assert_allclose(campaign["infra_use"].sel(resource="grid").values, 0.0)
    # with room for its campaign load it electrifies as the all-year plant does
    roomy = simulate(_hours(toy_inputs(eua=250.0, grid_capacity=700.0), 4380.0)).dataset
    assert (roomy["route_index"].values[0, 0] == ELEC).all()
    np.testing.assert_allclose(
        roomy["infra_use"].sel(resource="grid").values[0].sum(axis=0), CAMPAIGN_MW
    )


def test_a_campaign_plant_s_peak_is_its_use_over_its_hours_its_average_is_not() -> None:
    """On power (EUA 300, no grid limit) the campaign plant's peak load is 684.93 MW, twice
    the all-year plant's; its average load, its use and its emissions are the same."""
    a = simulate(toy_inputs(eua=300.0)).dataset
    b = simulate(_hours(toy_inputs(eua=300.0), 4380.0)).dataset
    assert (b["route_index"].values[0, 0] == ELEC).all()
    np.testing.assert_allclose(a["peak_load"].values[0, 0], ALL_YEAR_MW)
    np.testing.assert_allclose(b["peak_load"].values[0, 0], CAMPAIGN_MW)
    for name in ("electric_load", "production", "direct_emissions", "energy"):
        np.testing.assert_array_equal(a[name].values, b[name].values)


def test_hours_of_8760_give_the_same_bits_as_none() -> None:
    """A plant given 8,760 h runs all year: every output is the same, bit for bit, as
    giving no hours (the engine divides by the same 8,760)."""
    a = simulate(toy_inputs(eua=250.0, grid_capacity=500.0)).dataset
    b = simulate(_hours(toy_inputs(eua=250.0, grid_capacity=500.0), 8760.0)).dataset
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


def test_the_embedded_campaign_plants_run_their_hours_and_peak_over_them(
    inp: ModelInputs, default_results: Results
) -> None:
    """site_products.csv gives hours for five plants: Cosun's sugar factories at
    Dinteloord and Vierverlaten (3,240 h, the beet campaign), Avebe Gasselternijveen
    (6,432 h, the potato campaign), Sensus Roosendaal (3,264 h, the chicory campaign) and
    Grasdrogerij Ruinerwold (4,400 h, the drying season); every other plant runs all year.
    In the default runs a campaign plant's peak load is its average load x 8,760 / its hours
    on a flat route, at least that on a hybrid (which holds its rated power)."""
    hours = inp.plants.load_hours()
    labels = default_results.dataset["plant"].values.astype(str)
    part = {str(label): float(h) for label, h in zip(labels, hours, strict=True) if h < 8760.0}
    assert part == {
        "avebe_gasselternijveen/process_heat_low": 6432.0,
        "cosun_dinteloord/process_heat_low": 3240.0,
        "grasdrogerij_ruinerwold/process_heat_medium": 4400.0,
        "sensus_roosendaal/process_heat_low": 3264.0,
        "suiker_unie_vierverlaten/process_heat_low": 3240.0,
    }
    ds = default_results.dataset
    routes = ds["route"].values.astype(str)
    flat_seen = 0
    for label, h in part.items():
        d = ds.sel(plant=label)
        peak, average = d["peak_load"].values, d["electric_load"].values * 8760.0 / h
        hybrid = np.char.find(routes[d["route_index"].values], "hybrid") >= 0
        np.testing.assert_allclose(peak[~hybrid], average[~hybrid], rtol=1e-12)
        assert (peak[hybrid] >= average[hybrid] * (1 - 1e-12)).all()
        flat_seen += int((~hybrid & (average > 0)).sum())
    assert flat_seen > 0  # some campaign plant runs a flat electric route in some year
