"""The refinery route: transport units for a refinery's renewable hydrogen (RED III Art. 25)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.policy.refinery_route import refinery_credit
from kruispunt.scenarios import Scenario, resolve

PERNIS = "shell_pernis/refinery_throughput"


def test_credit_hand_computed() -> None:
    """11.10 EUR per GJ x 120 GJ per tonne = 1,332 EUR/t at the factor 1.0; 0.4 of it at the
    factor first proposed; no price, no credit."""
    assert float(refinery_credit(11.10)) == pytest.approx(1332.0)
    assert float(refinery_credit(11.10, 0.4)) == pytest.approx(532.8)
    assert refinery_credit([0.0, 5.0], 1.0) == pytest.approx([0.0, 600.0])


@pytest.mark.parametrize(
    ("price", "factor"), [(-1.0, 1.0), (np.nan, 1.0), (10.0, 1.5), (10.0, -0.1), (10.0, np.nan)]
)
def test_credit_rejects_bad_input(price: float, factor: float) -> None:
    with pytest.raises(ValueError, match=r"unit_price|correction"):
        refinery_credit(price, factor)


@pytest.fixture(scope="module")
def runs(cat: Catalogue) -> tuple[ModelInputs, xr.Dataset]:
    """Current policy (the refinery route at the HBE price) and the same without it."""
    base = resolve(["current-policy"], cat.path)[0]
    demand = base.levers.demand.model_copy(update={"refinery_route": "none"})
    lv = base.levers.model_copy(update={"name": "without", "demand": demand})
    without = Scenario(name="without", levers=lv, chain=base.chain, origin="test")
    inp = build_inputs(cat, [base, without])
    return inp, simulate(inp).dataset


def test_the_data_sets_the_credit_from_2026(runs: tuple[ModelInputs, xr.Dataset]) -> None:
    """Current policy: the policy sheet's 11.10 EUR/GJ x 1.0 x 120 from 2026 (0 in 2025);
    none where the scenario has no refinery route. Only refinery routes qualify."""
    inp, _ = runs
    p = inp.instruments["refinery_route"]
    years = np.asarray(inp.coords.years)
    assert p["credit"][0] == pytest.approx(np.where(years >= 2026, 1332.0, 0.0))
    assert not p["credit"][1].any()
    refinery = inp.routes.product == list(inp.coords.products).index("refinery_throughput")
    assert (p["qualify"][0] > 0).tolist() == refinery.tolist()


def test_refineries_are_paid_per_tonne_of_renewable_hydrogen(
    runs: tuple[ModelInputs, xr.Dataset],
) -> None:
    """Every refinery, every year: its premium revenue is the credit times the renewable
    hydrogen it used (network hydrogen bought, from the result ``energy``, plus its own
    electrolyser's, the route's ``own_hydrogen`` per unit times its output), and nothing
    without the route. Holland Hydrogen 1 at Shell Pernis earns it in 2030."""
    inp, ds = runs
    years = np.asarray(inp.coords.years)
    credit = np.where(years >= 2026, 1332.0, 0.0)
    refineries = [str(p) for p in ds.plant.values if str(p).endswith("refinery_throughput")]
    assert PERNIS in refineries
    own = inp.routes.own_hydrogen
    assert own is not None
    cp = ds.sel(scenario="current-policy")
    for plant in refineries:
        d = cp.sel(plant=plant)
        route = d.route_index.values.astype(np.int64)
        own_t = own[route, np.arange(len(years))] * d.production.values / 120.0
        bought_t = d.energy.sel(carrier="hydrogen").values / 120.0
        expected = credit * (own_t + bought_t)
        assert d.premium_revenue.values == pytest.approx(expected, rel=1e-9, abs=1e-6), plant
        assert not ds.premium_revenue.sel(scenario="without", plant=plant).values.any()
    pernis_2030 = float(cp.premium_revenue.sel(plant=PERNIS, year=2030))
    assert pernis_2030 > 1.0e7  # HH1: about 20 kt of hydrogen a year at 1,332 EUR/t


def test_the_route_pays_only_refineries_and_keeps_hh1_longer(
    runs: tuple[ModelInputs, xr.Dataset],
) -> None:
    """Shell Pernis keeps Holland Hydrogen 1 at least as long with the units as without them
    (to 2047 rather than 2045, current policy). The other plants' premium revenue does not
    change except through the hydrogen HH1 keeps: while Pernis uses it the supply projects
    have less left for the RFNBO obligation's users, who take 13.8 kt rather than 16.0 in
    2046-2047, so the obligation is short and Eastman Middelburg's electrolyser is paid the
    cap. In every year the users take the same, every other plant earns the same."""
    _, ds = runs
    other = [str(p) for p in ds.plant.values if not str(p).endswith("refinery_throughput")]
    rev = ds.premium_revenue.sel(plant=other)
    bought = ds.hydrogen_bought.sum("plant")
    same = np.isclose(bought.sel(scenario="current-policy"), bought.sel(scenario="without"))
    assert rev.sel(scenario="current-policy").values[:, same] == pytest.approx(
        rev.sel(scenario="without").values[:, same], abs=1e-6
    )
    hh1 = list(ds.route.values).index("refinery_ccs_h2units_green_h2")

    def on_hh1(scenario: str) -> np.ndarray:
        return np.asarray(ds.route_index.sel(scenario=scenario, plant=PERNIS).values == hh1)

    assert on_hh1("current-policy").sum() >= on_hh1("without").sum() > 0
    # the years the users take less are years Pernis keeps HH1 only with the units
    assert (on_hh1("current-policy") & ~on_hh1("without"))[~same].all()


def test_plants_value_what_the_accounting_pays(
    cat: Catalogue, runs: tuple[ModelInputs, xr.Dataset]
) -> None:
    """Shell Pernis on Holland Hydrogen 1 in 2030: the route's ``refinery_route`` term in its
    valuation (the credit held flat from 2026, the route's hydrogen per unit flat) is the
    year's booked revenue, own electrolyser's hydrogen counted once."""
    from kruispunt.explain import explain

    _, ds = runs
    options = explain("shell_pernis", "current-policy", 2030, catalogue=cat).options
    row = options[options["route"] == "refinery_ccs_h2units_green_h2"]
    assert bool(row["current"].item())
    booked = float(ds.premium_revenue.sel(scenario="current-policy", plant=PERNIS, year=2030))
    assert float(row["refinery_route"].item()) == pytest.approx(booked, rel=1e-6)


def test_the_scale_multiplies_the_credit_where_the_route_is_on(cat: Catalogue) -> None:
    """``demand.refinery_route_scale`` (the ensembles' uncertain value of the units) scales
    the credit: 2.5 x 1,332 EUR/t from 2026; no route (no new policy), no credit at any
    scale."""
    scenarios = []
    for name in ("current-policy", "no-new-policy"):
        base = resolve([name], cat.path)[0]
        demand = base.levers.demand.model_copy(update={"refinery_route_scale": 2.5})
        lv = base.levers.model_copy(update={"name": f"{name}-x", "demand": demand})
        scenarios.append(Scenario(name=f"{name}-x", levers=lv, chain=base.chain, origin="test"))
    inp = build_inputs(cat, scenarios)
    credit = inp.instruments["refinery_route"]["credit"]
    years = np.asarray(inp.coords.years)
    assert credit[0] == pytest.approx(np.where(years >= 2026, 2.5 * 1332.0, 0.0))
    assert not credit[1].any()


def test_the_default_ensemble_samples_the_units_value(cat: Catalogue) -> None:
    """The default specification's factor ``refinery_route_value`` sets the lever in every
    package's futures, within its range 1-5."""
    from kruispunt.uncertainty.futures import FutureBuilder
    from kruispunt.uncertainty.run import plan
    from kruispunt.uncertainty.spec import load_spec

    loaded = load_spec()
    names = [f.name for f in loaded.spec.factors]
    j = names.index("refinery_route_value")
    p = plan(loaded, method="lhs", n=16, seed=3, batch_size=16)
    builder = FutureBuilder(loaded.spec.factors, p.packages, p.catalogue)
    values = p.values[:, j]
    assert ((values >= 1.0) & (values <= 5.0)).all() and values.std() > 0.5
    for f in range(4):
        for k in range(len(p.packages.names)):
            sc = builder.scenario(k, f, p.values[f], int(p.seeds[f]))
            assert sc.levers.demand.refinery_route_scale == pytest.approx(values[f])
