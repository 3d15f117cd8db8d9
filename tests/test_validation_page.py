"""docs/validation.md is generated from the model and cannot drift; the table logic by hand."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kruispunt.catalogue import Catalogue
from kruispunt.errors import KruispuntError
from kruispunt.validation import read_references, stale_explanations, validation_table

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ("id", "kind", "subject", "year", "low", "high", "unit")


def _references(rows: list[list[object]], columns: tuple[str, ...] = REFERENCE) -> pd.DataFrame:
    """Reference rows with placeholder scope, source and explanation."""
    return pd.DataFrame(rows, columns=list(columns)).assign(
        scope="s",
        source_title="t",
        publisher="p",
        url="u",
        date="d",
        explanation="e",
        explained_at="",
    )


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "make_validation", ROOT / "docs" / "make_validation.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REPOSITORY_ONLY = pytest.mark.skipif(
    not (ROOT / "docs" / "make_validation.py").exists(), reason="repository only"
)


@pytest.fixture(scope="module")
def page_table() -> pd.DataFrame:
    """The validation table of the page as the generator makes it (one run for the module)."""
    return _generator().table()


@REPOSITORY_ONLY
def test_validation_page_is_up_to_date(page_table: pd.DataFrame) -> None:
    page = _generator().page(page_table)
    committed = (ROOT / "docs" / "validation.md").read_text("utf-8")
    assert page == committed, (
        "docs/validation.md is out of date: run python docs/make_validation.py"
    )


@REPOSITORY_ONLY
def test_every_explanation_was_checked_against_the_figure_the_page_shows(
    page_table: pd.DataFrame,
) -> None:
    stale = stale_explanations(page_table)
    assert not stale, (
        "explanations in data/validation/references.csv were checked against another model "
        "figure; read each again and set its explained_at:\n" + "\n".join(stale)
    )


def test_a_moved_figure_names_its_row_until_it_is_checked_again(tmp_path: Path) -> None:
    from kruispunt.engine.simulate import simulate
    from kruispunt.testing import toy_inputs

    refs = _references(
        [
            ["emissions", "emissions", "*", 2030, 0.0, 1.0, "Mt/yr"],
            ["start", "route_start", "site0:elec", 2030, 2025, 2025, "year"],
            ["no start", "route_start", "site0:no_such_route", 2030, 2025, 2025, "year"],
        ]
    )
    refs["explained_at"] = ["0.00", "2025", "never"]
    path = tmp_path / "refs.csv"
    refs.to_csv(path, index=False)
    # the toy plant electrifies in 2025 under a 300 EUR/t carbon price and emits nothing
    table = validation_table(simulate(toy_inputs(eua=300.0)), read_references(path), scenario="s0")
    assert stale_explanations(table) == []
    # without a carbon price it stays on gas: every figure moves but the one that stays never
    moved = validation_table(simulate(toy_inputs(eua=0.0)), read_references(path), scenario="s0")
    stale = stale_explanations(moved)
    emitted = float(moved.loc[0, "model"])
    assert emitted > 0.005
    assert stale == [
        f"emissions: checked against 0.00, the model now shows {emitted:,.2f}",
        "start: checked against 2025, the model now shows never",
    ]


def test_ranges_and_route_years_by_hand(tmp_path: Path) -> None:
    from kruispunt.engine.simulate import simulate
    from kruispunt.testing import toy_inputs

    res = simulate(toy_inputs(eua=300.0))  # the toy plant electrifies in 2025: 0 t from then
    refs = tmp_path / "refs.csv"
    _references(
        [
            ["in range", "emissions", "*", 2030, -1.0, 1.0, "Mt/yr"],
            ["above", "emissions", "*", 2030, -3.0, -2.0, "Mt/yr"],
            ["start", "route_start", "site0:elec", 2030, 2026, 2027, "year"],
            ["either", "route_start", "site0:no_such_route|elec", 2030, 2025, 2025, "year"],
            ["plant", "route_start", "site0/widget:elec", 2030, 2025, 2025, "year"],
            ["no plant", "route_start", "site0/gadget:elec", 2030, 2025, 2025, "year"],
            ["never", "closure", "site0", 2030, 2030, 2030, "year"],
            ["no site", "stored", "site0;nowhere", 2030, 0.0, 0.0, "Mt/yr"],
            # 1e6 t/yr on the electric route at 3 MWh/t: 3 TWh/yr
            ["power", "electricity", "*", 2030, 1.0, 2.0, "TWh/yr"],
            ["power here", "electricity", "site0", 2030, 3.0, 3.0, "GWh/yr"],
        ]
    ).to_csv(refs, index=False)
    refs_all = read_references(refs)
    with pytest.raises(KruispuntError, match="unknown plant 'site0/gadget'"):
        validation_table(res, refs_all, scenario="s0")
    with pytest.raises(KruispuntError, match="unknown site 'nowhere'"):
        validation_table(res, refs_all[refs_all["id"] != "no plant"], scenario="s0")
    refs_ok = refs_all[~refs_all["id"].isin(["no plant", "no site"])]
    table = validation_table(res, refs_ok, scenario="s0").set_index("id")
    assert table.loc["in range", "model"] == 0.0 and bool(table.loc["in range", "within"])
    assert table.loc["above", "difference"] == pytest.approx(2.0)
    assert table.loc["start", "model"] == 2025 and table.loc["start", "difference"] == -1
    assert table.loc["either", "model"] == 2025 and bool(table.loc["either", "within"])
    assert table.loc["power", "model"] == pytest.approx(3.0)
    assert table.loc["power", "difference"] == pytest.approx(1.0)
    assert table.loc["power here", "model"] == pytest.approx(3000.0)
    assert table.loc["plant", "model"] == 2025  # one plant, named site/product
    assert np.isnan(table.loc["never", "model"])


def test_site_subjects_sum_their_plants(tmp_path: Path) -> None:
    from kruispunt.engine.simulate import simulate
    from kruispunt.testing import toy_inputs

    res = simulate(toy_inputs(n_plants=3))  # no carbon price: the plants keep emitting
    ds = res.dataset.isel(scenario=0).sel(year=2030)
    sites = ds["site"].values.astype(str)
    assert len(set(sites)) == 3
    rows = [
        ["all", "emissions", "*", 2030, 0, 0, "Mt/yr"],
        ["one", "emissions", sites[1], 2030, 0, 0, "Mt/yr"],
        ["two", "emissions", f"{sites[0]};{sites[2]}", 2030, 0, 0, "Mt/yr"],
        ["stored", "stored", sites[0], 2030, 0, 0, "Mt/yr"],
        ["one in kt", "emissions", sites[1], 2030, 0, 0, "kt/yr"],
    ]
    refs = tmp_path / "refs.csv"
    _references(rows).to_csv(refs, index=False)
    table = validation_table(res, read_references(refs), scenario="s0").set_index("id")
    em = ds["direct_emissions"].values / 1e6
    assert em.min() > 0
    assert table.loc["all", "model"] == pytest.approx(em.sum())
    assert table.loc["one", "model"] == pytest.approx(em[1])
    assert table.loc["one in kt", "model"] == pytest.approx(em[1] * 1e3)  # the row's unit
    assert table.loc["two", "model"] == pytest.approx(em[0] + em[2])
    assert table.loc["stored", "model"] == pytest.approx(ds["stored_co2"].values[0] / 1e6)


def test_renewable_hydrogen_by_hand(tmp_path: Path) -> None:
    """Hydrogen pools' use at 120 GJ/t plus what obligated users take in part: 1.2 + 0.6 PJ
    from two hydrogen pools is 15,000 t, plus 3,000 + 2,000 t taken, 20 kt; a grid pool's
    use does not count. National only: a site subject is refused, naming the row."""
    from types import SimpleNamespace
    from typing import cast

    import xarray as xr

    from kruispunt.results import Results

    ds = xr.Dataset(
        {
            "pool_use": (("scenario", "pool", "year"), [[[5e6], [1.2e6], [0.6e6]]]),
            "hydrogen_bought": (("scenario", "plant", "year"), [[[3000.0], [2000.0]]]),
        },
        coords={
            "scenario": ["s"],
            "pool": ["grid/a", "hydrogen/b", "hydrogen/c"],
            "pool_resource": ("pool", ["grid", "hydrogen", "hydrogen"]),
            "plant": ["p1", "p2"],
            "year": [2030],
        },
    )
    res = cast(Results, SimpleNamespace(dataset=ds))  # only the variables the kind reads
    refs = tmp_path / "refs.csv"
    rows = [["h2", "renewable_hydrogen", "*", 2030, 100, 125, "kt/yr"]]
    _references(rows).to_csv(refs, index=False)
    table = validation_table(res, read_references(refs), scenario="s").set_index("id")
    assert table.loc["h2", "model"] == pytest.approx(20.0)
    _references([["site", "renewable_hydrogen", "p1", 2030, 0, 0, "kt/yr"]]).to_csv(
        refs, index=False
    )
    with pytest.raises(KruispuntError, match="'site': renewable_hydrogen is national only"):
        validation_table(res, read_references(refs), scenario="s")


def test_bad_reference_rows_are_named(tmp_path: Path) -> None:
    refs = tmp_path / "refs.csv"
    refs.write_text(
        "id,kind,subject,year,low,high,unit,scope,source_title,publisher,url,date,explanation,"
        "explained_at\n"
        "x,guess,*,2030,1,2,Mt/yr,s,t,p,u,d,e,1.50\n",
        encoding="utf-8",
    )
    with pytest.raises(KruispuntError, match="line 2, kind: 'guess'"):
        read_references(refs)
    refs.write_text(
        "id,kind,subject,year,low,high,unit,scope,source_title,publisher,url,date,explanation\n"
        "x,emissions,*,2030,1,2,Mt/yr,s,t,p,u,d,e\n",
        encoding="utf-8",
    )
    with pytest.raises(KruispuntError, match=r"refs\.csv: missing columns explained_at"):
        read_references(refs)


def test_unit_cost_by_hand(tmp_path: Path) -> None:
    """The toy's electric route: capex 500 EUR/(t/yr) over 20 years at 10 % (capital
    recovery factor 0.1 / (1 - 1.1**-20) = 0.117460) is 58.73 EUR/t, plus 10.8 GJ of
    electricity at 20 EUR/GJ, 216 EUR/t: 274.73 EUR/t; the gas route 10 GJ at 10 EUR/GJ,
    100 EUR/t (no capex to stay, no opex). A carbon price does not enter (no instrument)."""
    from kruispunt.engine.simulate import simulate
    from kruispunt.testing import toy_inputs

    inp = toy_inputs(eua=300.0)
    res = simulate(inp)
    refs = tmp_path / "refs.csv"
    rows = [
        ["elec t", "unit_cost", "elec", 2030, 250.0, 300.0, "EUR/t"],
        ["elec kg", "unit_cost", "elec", 2030, 0.3, 0.4, "EUR/kg"],
        ["gas", "unit_cost", "gas", 2040, 100.0, 100.0, "EUR/t"],
    ]
    _references(rows).to_csv(refs, index=False)
    ok = read_references(refs)
    crf = 0.1 / (1.0 - 1.1**-20)
    table = validation_table(res, ok, scenario="s0", inputs=inp).set_index("id")
    assert table.loc["elec t", "model"] == pytest.approx(500.0 * crf + 10.8 * 20.0)
    assert bool(table.loc["elec t", "within"])
    assert table.loc["elec kg", "model"] == pytest.approx((500.0 * crf + 216.0) / 1000.0)
    assert table.loc["elec kg", "difference"] == pytest.approx((500.0 * crf + 216.0) / 1e3 - 0.3)
    assert table.loc["gas", "model"] == pytest.approx(100.0) and bool(table.loc["gas", "within"])
    with pytest.raises(KruispuntError, match="needs the model inputs"):
        validation_table(res, ok, scenario="s0")
    bad = ok.assign(subject="no_such_route")
    with pytest.raises(KruispuntError, match="unknown route 'no_such_route'"):
        validation_table(res, bad, scenario="s0", inputs=inp)
    late = ok.assign(year=2101)
    with pytest.raises(KruispuntError, match="year 2101 is not a model year"):
        validation_table(res, late, scenario="s0", inputs=inp)


def test_unit_cost_in_the_products_own_unit(tmp_path: Path, cat: Catalogue) -> None:
    """A route whose product is counted in GJ (low-temperature heat) is converted from EUR/GJ:
    per MWh it costs 3.6 times its levelised cost per GJ."""
    from kruispunt.assemble import build_inputs
    from kruispunt.engine.simulate import simulate
    from kruispunt.scenarios import resolve
    from kruispunt.validation import levelised_cost

    inp = build_inputs(cat, resolve(["current-policy"]))
    r = list(inp.coords.routes).index("gas_boiler_low")
    assert inp.coords.product_units[int(inp.routes.product[r])] == "GJ"
    res = simulate(inp)
    refs = tmp_path / "refs.csv"
    _references([["heat", "unit_cost", "gas_boiler_low", 2030, 0.0, 1000.0, "EUR/MWh"]]).to_csv(
        refs, index=False
    )
    table = validation_table(res, read_references(refs), inputs=inp).set_index("id")
    per_gj = levelised_cost(inp, "gas_boiler_low", 2030)
    assert per_gj > 0
    assert table.loc["heat", "model"] == pytest.approx(3.6 * per_gj)


def test_unit_cost_counts_storage_variable_opex_exports_and_the_scenario_s_rate() -> None:
    """The toy's capture route emits 1.1 tCO2/t and captures 90 %: with CO2 transport and
    storage at 20 EUR/t, the 0.99 t stored cost 19.8 EUR/t; a variable opex of 5
    EUR/t adds 5; 2 GJ of electricity sold back at 20 EUR/GJ takes 40 off; and a second
    scenario at a 5 % cost of capital pays 300 x CRF(5 %, 20) = 24.07 EUR/t, not 35.24."""
    import dataclasses

    from kruispunt.engine.economics import annuity_factor
    from kruispunt.testing import toy_inputs
    from kruispunt.validation import levelised_cost

    inp = toy_inputs(ccs=True, n_scenarios=2)
    r, t = list(inp.coords.routes).index("gas_ccs"), list(inp.coords.years).index(2030)
    base = levelised_cost(inp, "gas_ccs", 2030)
    elec = list(inp.coords.carriers).index("electricity")
    exports = np.zeros(inp.routes.inputs.shape)
    exports[r, elec, :] = 2.0
    variable = inp.routes.variable_opex.copy()
    variable[r, :] = 5.0
    ts = inp.markets.co2_ts_cost.copy()
    ts[:] = 20.0
    more = dataclasses.replace(
        inp,
        routes=dataclasses.replace(inp.routes, exports=exports, variable_opex=variable),
        markets=dataclasses.replace(inp.markets, co2_ts_cost=ts),
        finance=dataclasses.replace(inp.finance, discount_rate=np.array([0.10, 0.05])),
    )
    price = float(inp.markets.price[0, elec, t])
    assert price == pytest.approx(20.0)
    assert levelised_cost(more, "gas_ccs", 2030) == pytest.approx(
        base + 1.1 * 0.9 * 20.0 + 5.0 - 2.0 * price
    )
    crf_10, crf_5 = float(annuity_factor(0.10, 20.0)), float(annuity_factor(0.05, 20.0))
    assert levelised_cost(more, "gas_ccs", 2030, scenario=1) == pytest.approx(
        levelised_cost(more, "gas_ccs", 2030) - 300.0 * (crf_10 - crf_5)
    )


def test_a_plant_stopped_by_an_event_counts_as_closed_and_a_miss_below_is_no_match(
    tmp_path: Path,
) -> None:
    """The toy plant keeps its gas route but makes nothing from 2035 (as an idling event
    leaves it): its closure year is 2035. A model year below the published window is not
    within it."""
    from kruispunt.engine.simulate import simulate
    from kruispunt.results import Results
    from kruispunt.testing import toy_inputs

    res = simulate(toy_inputs())
    ds = res.dataset.copy()
    production = ds["production"].values.copy()
    production[..., ds["year"].values >= 2035] = 0.0
    stopped = Results(ds.assign(production=(ds["production"].dims, production)))
    refs = tmp_path / "refs.csv"
    _references(
        [
            ["closed", "closure", "site0", 2035, 2036, 2037, "year"],
            ["open", "closure", "site0", 2035, 2036, 2037, "year"],
        ]
    ).to_csv(refs, index=False)
    refs_all = read_references(refs)
    closed = validation_table(stopped, refs_all.iloc[:1], scenario="s0").set_index("id")
    assert closed.loc["closed", "model"] == 2035
    assert closed.loc["closed", "difference"] == -1 and not closed.loc["closed", "within"]
    never = validation_table(res, refs_all.iloc[1:], scenario="s0").set_index("id")
    assert np.isnan(never.loc["open", "model"]) and not never.loc["open", "within"]


def test_the_page_shows_a_window_a_single_year_and_never() -> None:
    """A published window is "2026–2027", a single figure "2030", a model that never gets
    there "never" (and no difference), a figure inside the window "within"."""
    from kruispunt.validation import render_markdown

    rows = [
        ["w", "route_start", "s:r", 2030, 2026.0, 2027.0, "year", 2026.0, 0.0, True],
        [
            "p",
            "route_start",
            "s:r",
            2030,
            2030.0,
            2030.0,
            "year",
            float("nan"),
            float("nan"),
            False,
        ],
        ["m", "emissions", "*", 2030, 30.0, 30.0, "Mt/yr", 31.5, 1.5, False],
    ]
    table = _references(rows, (*REFERENCE, "model", "difference", "within"))
    lines = render_markdown(table, "# V").splitlines()
    assert lines[4].startswith("| w (year) | 2026–2027 | 2026 | within |")
    assert lines[5].startswith("| p (year) | 2030 | never | – |")
    assert lines[6].startswith("| m (Mt/yr) | 30.00 | 31.50 | 1.50 |")
