"""The scrap limit of crude steel (issue 9 point 3; Tata Steel's plan: scrap from 17.6 % to
30 % of the charge by 2030, tatasteel_scrap_2024).

Hand figures: the scrap-based EAF's charge is all scrap (MPP 'EAF': 1.138 t scrap per t, no
iron ore, DRI or HBI): share 1 > 0.30, so it is not offered; BF-BOF 0.255 t scrap over 0.255 +
0.884 t hot metal (MPP, MIDDEN TC0024) = 0.22388 <= 0.30 and the DRI routes (0.30, Tata's
announced scrap charge, derived_dri_scrap_charge) stay: a share equal to the limit is within it.
"""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.assemble.routes import build_routes, within_scrap_limit
from kruispunt.assemble.tables import Tables
from kruispunt.catalogue import Catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.scenarios import resolve


@pytest.fixture(scope="module")
def inp(cat: Catalogue) -> ModelInputs:
    return build_inputs(cat, resolve(["current-policy", "high-ambition"]))


def test_scrap_shares_and_the_limit(cat: Catalogue) -> None:
    """Only the all-scrap EAF exceeds crude steel's 0.30."""
    assert 0.255 / (0.255 + 0.884) == pytest.approx(0.223881, rel=1e-5)
    tables = Tables(cat)
    years = np.arange(2025, 2051)
    rb = build_routes(tables, years)
    ok = dict(zip(rb.ids, within_scrap_limit(tables, rb, years), strict=True))
    assert not ok["scrap_eaf"]
    for r in ("bf_bof", "bf_bof_ccs", "ng_dri_eaf", "ng_dri_eaf_ccs", "h2_dri_eaf"):
        assert ok[r]
    # every route of another product is untouched
    steel = {
        r
        for r, p in zip(rb.ids, rb.routes.product, strict=True)
        if p == tables.product_index["crude_steel"]
    }
    assert all(v for r, v in ok.items() if r not in steel)


def test_tata_is_never_offered_the_all_scrap_eaf_and_never_runs_it(inp: ModelInputs) -> None:
    """The limit binds: no crude-steel plant has the scrap EAF among its options, and none runs
    it in any scenario or year (before, both blast furnaces switched to it in 2033)."""
    routes = list(inp.coords.routes)
    scrap = routes.index("scrap_eaf")
    steel = inp.plants.product == inp.coords.products.index("crude_steel")
    assert steel.sum() >= 2
    assert not (inp.plants.options[steel] == scrap).any()
    ds = simulate(inp).dataset
    run = ds["route_index"].values[:, steel, :]
    assert not (run == scrap).any()
