"""A plant makes at most its capacity: demand above it is imported
(:meth:`kruispunt.engine.context.BatchContext.output`). Before Dec 2026 output was base-year
production times the demand scale with no ceiling: with ammonia demand 10 % up, Yara
Sluiskil's plant D made 686 kt/yr on a 639 kt/yr plant (found in 111 of 576 runs of a
192-future ensemble, every year)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.scenarios import resolve

YARA_D = "yara_sluiskil/ammonia/ammonia_d"
YARA_E = "yara_sluiskil/ammonia/ammonia_e"


@pytest.fixture(scope="module")
def ammonia_up(cat: Catalogue):  # type: ignore[no-untyped-def]
    base = resolve(["current-policy"])[0]
    lv = base.levers.model_copy(update={"demand_scale": {"ammonia": 1.1}})
    inp = build_inputs(cat, [replace(base, levers=lv)])
    return inp, simulate(inp).dataset


def test_no_plant_makes_more_than_its_capacity(ammonia_up) -> None:  # type: ignore[no-untyped-def]
    inp, ds = ammonia_up
    prod = ds["production"].values[0]  # (P, Y)
    ceiling = inp.plants.capacity[:, None] * inp.levers.availability[0]
    assert (prod <= ceiling * (1 + 1e-12)).all()


def test_demand_beyond_capacity_is_imported(ammonia_up) -> None:  # type: ignore[no-untyped-def]
    """Yara's plant D (624,032 t/yr in the base year, 639,000 t/yr capacity, MIDDEN) makes
    its capacity, not 1.1 x 624,032 = 686,435 t/yr; plant E (661,921 t/yr, capacity 731,000)
    has the room and makes 1.1 x its base: 728,113 t/yr. The product's imports take up
    the difference: demand less what the plants make."""
    inp, ds = ammonia_up
    codes = list(inp.coords.plants)
    years = list(inp.coords.years)
    y = years.index(2030)
    d, e = codes.index(YARA_D), codes.index(YARA_E)
    assert inp.plants.capacity[d] == 639_000.0
    assert ds["production"].values[0, d, y] == pytest.approx(639_000.0, rel=1e-12)
    assert ds["production"].values[0, e, y] == pytest.approx(
        1.1 * inp.plants.base_production[e], rel=1e-12
    )
    g = list(inp.coords.products).index("ammonia")
    on = inp.plants.product == g
    demand = 1.1 * inp.plants.base_production[on].sum()
    made = ds["production"].values[0, on, y].sum()
    imports = float(ds["imports"].sel(product="ammonia").values[0, y])
    assert imports == pytest.approx(demand - made, rel=1e-9)
    assert np.isfinite(ds["production"].values).all()
