"""The Zeeland Refinery's green hydrogen, announced (newsbase_total_air_liquide_2025): an Air
Liquide/TotalEnergies joint venture builds a 250 MW electrolyser at the refinery, up to 30 kt
H2/yr from 2029, most of it to the refinery, subject to final investment decisions (events.csv
``zeeland_refinery_green_h2_2029``, status announced: the refinery's reformers' hydrogen bought
from the project's pool). The event names no unit: it applies to every unit of the site's
refinery throughput. Until December 2026 an empty unit was read from the events table as
pandas' NA, whose text "<NA>" matched no plant, so such an event changed nothing."""

from __future__ import annotations

import pandas as pd
import pytest
import xarray as xr

from kruispunt.assemble import build_inputs
from kruispunt.assemble.levers import _text
from kruispunt.catalogue import Catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.scenarios import Scenario, resolve

PLANT = "zeeland_refinery/refinery_throughput"
EVENT = "zeeland_refinery_green_h2_2029"


def test_an_empty_cell_is_no_text() -> None:
    assert _text(pd.NA) == "" and _text(None) == "" and _text(float("nan")) == ""
    assert _text("main") == "main"


@pytest.fixture(scope="module")
def ds(cat: Catalogue) -> xr.Dataset:
    base = resolve(["current-policy"])[0]
    lv = base.levers.model_copy(update={"name": "announced", "events": "announced"})
    announced = Scenario(name="announced", levers=lv, chain=("announced",), origin="test")
    return simulate(build_inputs(cat, [base, announced])).dataset


def test_the_event_names_no_unit(cat: Catalogue) -> None:
    events = cat.tables["events"].set_index("event_id")
    assert events.loc[EVENT, "unit_id"] is pd.NA
    assert events.loc[EVENT, "status"] == "announced"


def test_announced_the_refinery_buys_green_hydrogen_from_2029(ds: xr.Dataset) -> None:
    """With the announced events the refinery runs refinery_green_h2 from 2029, its committed
    year, and not before; by its own economics (decided events only) it takes e-boilers
    (2028) and post-combustion capture (2035; until Dec 2026 capture at hydrogen units it does
    not have, 2032) and never comes to network hydrogen by 2050: the validation page's row.
    Until Dec 2026 it did in 2036, when its renewable hydrogen earned the industry RFNBO
    premium, which RED III Art. 22a(1) does not give refinery hydrogen (the transport units
    it earns instead are not modelled)."""
    routes = ds["route"].values.astype(str)

    def first(scenario: str) -> int:
        idx = ds["route_index"].sel(scenario=scenario, plant=PLANT).values
        on = routes[idx] == "refinery_green_h2"
        return int(ds["year"].values[on.argmax()]) if on.any() else -1

    assert first("announced") == 2029
    assert first("current-policy") == -1
