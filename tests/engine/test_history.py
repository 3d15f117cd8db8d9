"""Years before a scenario's ``decisions_from``: plants do only what the events to date and
the commitments record (history); from that year they decide for themselves."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from tests.engine.test_campaign import _path, feasible_by_route
from tests.engine.test_campaign import _toy as campaign_toy

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.decide import CLOSURE_NOTICE
from kruispunt.engine.simulate import simulate
from kruispunt.explain import explain
from kruispunt.inputs import ModelInputs
from kruispunt.scenarios import ScenarioError, resolve
from kruispunt.testing import TOY_YEARS
from kruispunt.vocabulary import FAMILY

GAS, ELEC, CCS = 0, 1, 3


def _toy(decide_from: int) -> ModelInputs:
    """The campaign tests' toy (capture as a retrofit of the gas plant, worth taking at once)
    without a campaign, deciding from ``decide_from``."""
    inp = campaign_toy(hold=0)
    levers = replace(inp.levers, decide_from=np.array([decide_from], dtype=np.int64))
    return replace(inp, levers=levers)


def test_a_plant_decides_from_the_first_year_of_own_decisions() -> None:
    """The toy plant takes capture in 2025 when free (0, or the first model year); with
    ``decisions_from`` 2030 it runs gas until 2029 and switches in 2030 (no lead time)."""
    free = _path(_toy(0))
    assert free[0] == "gas_ccs"
    assert _path(_toy(int(TOY_YEARS[0]))) == free
    later = _path(_toy(2030))
    years = list(TOY_YEARS)
    assert set(later[: years.index(2030)]) == {"gas"}
    assert later[years.index(2030)] == "gas_ccs"


def test_feasible_before_the_first_year_of_own_decisions() -> None:
    """Before it: only the current route (not even closure); from it: every option."""
    inp = _toy(2030)
    closure = list(inp.coords.routes).index("widget_closure")
    before, at = feasible_by_route(inp, 2029), feasible_by_route(inp, 2030)
    assert {r for r, ok in before.items() if ok} == {GAS}
    assert at[GAS] and at[closure] and at[CCS] and at[ELEC]


def _routes(ds: xr.Dataset, s: int) -> np.ndarray:
    return np.asarray(ds["route_index"].values[s])


@pytest.fixture(scope="module")
def runs(cat: Catalogue) -> tuple[xr.Dataset, ModelInputs]:
    """Current policy with own decisions from the first year (unset), from 2025 (the first
    year: the same), from 2027, and from 2050 (events and commitments only until then)."""
    base = resolve(["current-policy"])[0]
    scenarios = [
        replace(
            base,
            name=f"from-{year}",
            levers=base.levers.model_copy(update={"decisions_from": year}),
        )
        for year in (None, 2025, 2027, 2050)
    ]
    inputs = build_inputs(cat, scenarios)
    return simulate(inputs).dataset, inputs


def test_decisions_from_the_first_year_changes_nothing(
    runs: tuple[xr.Dataset, ModelInputs],
) -> None:
    ds, _ = runs
    for name in ds.data_vars:
        a, b = ds[name].values[0], ds[name].values[1]
        assert np.array_equal(a, b, equal_nan=True), name


def test_only_recorded_changes_before_the_first_year_of_own_decisions(
    runs: tuple[xr.Dataset, ModelInputs],
) -> None:
    """With own decisions from 2050 every route a plant runs before 2050 is its base route or
    one the events and commitments give it (a committed or follow-up route, a closure); the
    run with own decisions from 2027 runs the same routes in 2025-2026 and decides some
    switches of its own (so the property is not empty)."""
    ds, inputs = runs
    years = list(ds.year.values)
    lv = inputs.levers
    closure = inputs.routes.family == FAMILY["closure"]
    none = _routes(ds, 3)[:, : years.index(2050)]
    base = none[:, :1]
    recorded = (
        (none == base)
        | (none == lv.commit_route[3][:, None])
        | (none == lv.follow_route[3][:, None])
        | closure[none]
    )
    assert recorded.all()
    own = _routes(ds, 2)
    at = years.index(2027)
    assert np.array_equal(own[:, :at], _routes(ds, 3)[:, :at])
    assert (own[:, at:] != _routes(ds, 3)[:, at:]).any()


def test_no_own_switch_decided_before_the_first_year(runs: tuple[xr.Dataset, ModelInputs]) -> None:
    """With own decisions from 2027, a route change that starts in year y and is not in the
    run without own decisions is decided in y minus its lead time, never before 2027."""
    ds, inputs = runs
    years = np.asarray(ds.year.values)
    own, none = _routes(ds, 2), _routes(ds, 3)
    lead = np.round(inputs.routes.lead_time).astype(int)
    closing = inputs.routes.family == FAMILY["closure"]
    checked = 0
    for p, y in zip(*np.nonzero(own[:, 1:] != own[:, :-1]), strict=True):
        y += 1
        if own[p, y] == none[p, y]:
            continue
        route = own[p, y]
        decided = years[y] - (CLOSURE_NOTICE if closing[route] else lead[route])
        assert decided >= 2027, (inputs.coords.plants[p], years[y])
        checked += 1
    assert checked > 10


def test_decisions_from_out_of_range_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("name: early\ndecisions_from: 2024\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="decisions_from"):
        resolve([str(path)])


def test_explain_names_the_history(cat: Catalogue) -> None:
    """Current policy decides from 2026: in 2025 Grolsch's heat pump, worth more than its gas
    boiler at 2025's prices, is not possible, and ``kruispunt explain`` says why; in 2026 it
    is open again (it then waits for the regional grid). Its biomass boiler, worth most, is
    not possible in 2026 either: no permit for a new one (``new_permits``)."""
    scenario = resolve(["current-policy"])[0]
    assert scenario.levers.decisions_from == 2026
    rows = explain("grolsch_enschede", scenario, 2025, catalogue=cat).options.set_index("route")
    assert rows.loc["heat_pump_low_food", "value"] > rows.loc["gas_boiler_low", "value"]
    assert not rows.loc["heat_pump_low_food", "feasible"]
    assert rows.loc["heat_pump_low_food", "reason"] == (
        "not possible: history: plants decide for themselves from 2026 (decisions_from)"
    )
    assert rows.loc["gas_boiler_low", "feasible"]
    later = explain("grolsch_enschede", scenario, 2026, catalogue=cat).options.set_index("route")
    assert later.loc["heat_pump_low_food", "feasible"]
    assert not later.loc["biomass_boiler_low", "feasible"]
    assert "no permit for a new installation" in later.loc["biomass_boiler_low", "reason"]
