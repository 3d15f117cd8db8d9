"""Each plant's side of the government cash flow adds up to the government's line
(``plant_flows`` against ``gov_cash_flow``). The SDE++ award to Porthos's customers was
booked as a national figure only (Dec 2026 invariant audit): Air Liquide Botlek's second
reformer received 8.42 MEUR of subsidy in 2027 with nothing in its plant flows."""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.api import run

PLANTLESS = {"cbam_import_revenue", "committed_outlay"}
"""The flows no modelled plant pays or receives (results.csv, ``plant_flows``)."""


@pytest.fixture(scope="module")
def ds():  # type: ignore[no-untyped-def]
    return run(["current-policy", "high-ambition"]).dataset


def test_plant_flows_add_up_to_the_government_lines(ds) -> None:  # type: ignore[no-untyped-def]
    flows = [str(f) for f in ds["flow"].values]
    per_plant = ds["plant_flows"].sum("plant")  # (scenario, flow, year)
    gov = ds["gov_cash_flow"].transpose(*per_plant.dims)
    for f in flows:
        if f in PLANTLESS:
            continue
        a, b = per_plant.sel(flow=f).values, gov.sel(flow=f).values
        assert np.allclose(a, b, rtol=1e-9, atol=1e-3), f


def test_the_porthos_award_reaches_its_parties(ds) -> None:  # type: ignore[no-untyped-def]
    sde = ds["plant_flows"].sel(flow="committed_sde_outlay")
    paid = -sde.sum("plant").sel(year=2027).values
    assert (paid > 0).all()
    assert (sde.values <= 0).all()  # the government pays; no plant pays it
