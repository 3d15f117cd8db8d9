"""A scenario's market levers as the inputs carry them (:mod:`kruispunt.assemble.markets`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kruispunt.catalogue import Catalogue
from tests.assemble.conftest import beside_current_policy


def test_eua_scale_grid_factor_and_demand_scale_reach_the_markets(
    cat: Catalogue, tmp_path: Path
) -> None:
    """On top of current policy: the EUA path x 1.5; a grid emission factor of 0.36
    tCO2/MWh in 2025 falling linearly to 0 in 2050, so 0.36 / 3.6 = 0.1 tCO2/GJ in 2025 and
    0.36 x 12/25 / 3.6 = 0.048 in 2038; refinery demand at half its sourced outlook, which
    falls over the years (the scale multiplies the outlook, it does not replace it)."""
    inp = beside_current_policy(
        cat,
        tmp_path,
        "eua_price_scale: 1.5\ngrid_emission_factor: {2025: 0.36, 2050: 0.0}\n"
        "demand_scale: {refinery_throughput: 0.5}\n",
    )
    cp, x = inp.select([0]).markets, inp.select([1]).markets
    np.testing.assert_allclose(x.eua[0], 1.5 * cp.eua[0])
    years = list(inp.coords.years)
    assert x.grid_emission_factor[0, 0] == pytest.approx(0.1)
    assert x.grid_emission_factor[0, years.index(2038)] == pytest.approx(0.36 * 12 / 25 / 3.6)
    g = list(inp.coords.products).index("refinery_throughput")
    outlook = cp.demand_scale[0, g]
    assert outlook[years.index(2040)] < 0.95 * outlook[0]  # the sourced outlook falls
    np.testing.assert_allclose(x.demand_scale[0, g], 0.5 * outlook)
