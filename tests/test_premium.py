"""Green premiums, end-product pass-through, the CBAM export gap and the instrument
comparison, checked by hand on the toy model (kruispunt.testing.toy_inputs) and on small
frames.

Toy model (testing.toy_inputs): route ``gas`` (today's) burns 10 GJ gas/t at 10 EUR/GJ and
emits 1 tCO2/t; ``elec`` uses 10.8 GJ electricity/t at 20 EUR/GJ, emits nothing and costs 500
EUR/(t/yr), life 20 yr, discount rate 10 %; capacity = production = 1 Mt/yr.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kruispunt.catalogue import Catalogue
from kruispunt.cli_premium import CSV_TABLES
from kruispunt.comparison import compare_instruments, cost_per_tonne
from kruispunt.engine.economics import annuity_factor
from kruispunt.engine.simulate import simulate
from kruispunt.errors import KruispuntError
from kruispunt.inputs import Products
from kruispunt.playing_field import bill_table, energy_bill
from kruispunt.premium import (
    COMPONENTS,
    end_product_premium,
    export_gap,
    export_gap_cost,
    green_premium,
    levelised_costs,
    pass_through_share,
    product_premium,
)
from kruispunt.testing import path, toy_inputs
from kruispunt.vocabulary import SCENARIO
from tests.cli_helpers import assert_user_error, invoke

CRF = float(annuity_factor(0.10, 20.0))


def test_toy_premium_against_the_incumbent_by_hand() -> None:
    """EUA 100 (myopic: today's values over the life). Grey: 10 x 10 = 100 EUR/t energy plus
    1 t x 100 = 100 EUR/t carbon, no capital (sunk). Electric: 10.8 x 20 = 216 EUR/t energy,
    500 x CRF(10 %, 20 yr) = 58.73 EUR/t capital, no carbon. Premium 274.73 - 200 = 74.73."""
    costs = levelised_costs(toy_inputs(eua=100.0))
    grey = costs[(costs["route"] == "gas") & (costs["year"] == 2030)].iloc[0]
    assert grey["energy"] == pytest.approx(100.0)
    assert grey["carbon"] == pytest.approx(100.0)
    assert grey["capex"] == pytest.approx(0.0)
    assert grey["levelised_cost"] == pytest.approx(200.0)
    prem = green_premium(costs)
    elec = prem[(prem["route"] == "elec") & (prem["year"] == 2030)].iloc[0]
    assert elec["reference_route"] == "gas"
    assert elec["premium_energy"] == pytest.approx(116.0)
    assert elec["premium_carbon"] == pytest.approx(-100.0)
    assert elec["premium_capex"] == pytest.approx(500.0 * CRF)
    assert elec["premium"] == pytest.approx(116.0 - 100.0 + 500.0 * CRF)
    parts = sum(elec[f"premium_{k}"] for k in COMPONENTS)
    assert parts == pytest.approx(elec["premium"])
    # closures are no route to price; the incumbent is the reference, not a premium row
    assert set(prem["route"]) == {"elec"}


def test_a_higher_eua_lowers_the_premium_by_the_emissions_avoided() -> None:
    """Each EUR/t of EUA lowers the electric premium by the 1 tCO2/t it avoids."""
    low = green_premium(levelised_costs(toy_inputs(eua=50.0)))
    high = green_premium(levelised_costs(toy_inputs(eua=150.0)))
    diff = high["premium"].to_numpy() - low["premium"].to_numpy()
    np.testing.assert_allclose(diff, -100.0)


def test_renewal_reference_pays_its_renewal_annuity() -> None:
    """With reference_capex='renewal' the grey route pays capex_renewal x CRF: the toy's gas
    route has no renewal cost, so nothing changes; an unknown choice is refused."""
    sunk = green_premium(levelised_costs(toy_inputs(eua=100.0)))
    renewal = green_premium(levelised_costs(toy_inputs(eua=100.0), reference_capex="renewal"))
    np.testing.assert_allclose(sunk["premium"], renewal["premium"])
    with pytest.raises(KruispuntError, match="unknown reference_capex"):
        levelised_costs(toy_inputs(), reference_capex="new")  # type: ignore[arg-type]


def test_route_not_yet_available_is_flagged() -> None:
    costs = levelised_costs(toy_inputs(eua=100.0, earliest_elec=2031))
    elec = costs[costs["route"] == "elec"].set_index("year")["available"]
    assert not elec[2030] and elec[2031]
    # the product premium uses available routes only: none for the toy in 2030
    by_product = product_premium(green_premium(costs))
    assert 2030 not in set(by_product["year"]) and 2031 in set(by_product["year"])


def _frame(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["plant", "route", "premium", "production"])
    out[SCENARIO] = "s"
    out["site"] = out["plant"].str.split("/").str[0]
    out["product"] = "steel"
    out["year"] = 2030
    out["available"] = True
    for k in COMPONENTS:
        out[f"premium_{k}"] = 0.0
    out["premium_carbon"] = -50.0
    return out


def test_product_premium_is_the_cheapest_route_weighted_by_production() -> None:
    """Plant a (2 Mt): routes at 100 and 40 EUR/t -> 40; plant b (1 Mt): 70 EUR/t. National:
    (2 x 40 + 1 x 70) / 3 = 50 EUR/t; without carbon 50 + 50 = 100 EUR/t."""
    frame = _frame(
        [
            ("a/steel", "h2", 100.0, 2e6),
            ("a/steel", "ccs", 40.0, 2e6),
            ("b/steel", "h2", 70.0, 1e6),
        ]
    )
    out = product_premium(frame).iloc[0]
    assert out["premium"] == pytest.approx(50.0)
    assert out["premium_ex_carbon"] == pytest.approx(100.0)
    assert out["production"] == pytest.approx(3e6)
    assert out["plants"] == 2
    only_h2 = product_premium(frame, routes=["h2"]).iloc[0]
    assert only_h2["premium"] == pytest.approx((2 * 100.0 + 70.0) / 3)
    sites = product_premium(frame, by="site").set_index("site")["premium"]
    assert sites["a"] == pytest.approx(40.0) and sites["b"] == pytest.approx(70.0)
    with pytest.raises(KruispuntError, match="unknown grouping"):
        product_premium(frame, by="cluster")


def test_end_product_share_by_hand() -> None:
    """A car of 48,118 EUR with 0.9 t of steel at 200 EUR/t and 0.175 t of HVC at 50 EUR/t:
    180 + 8.75 = 188.75 EUR, 0.392 % of its price; aluminium has no premium: missing."""
    by_product = pd.DataFrame(
        {
            SCENARIO: ["s", "s"],
            "product": ["crude_steel", "hvc"],
            "year": [2030, 2030],
            "premium": [200.0, 50.0],
        }
    )
    ends = pd.DataFrame({"end_product_id": ["car"], "name": ["Passenger car"], "price": [48118.0]})
    mats = pd.DataFrame(
        {
            "end_product_id": ["car", "car", "car"],
            "product_id": ["crude_steel", "hvc", "aluminium"],
            "amount": [0.9, 0.175, 0.15],
        }
    )
    out = end_product_premium(by_product, ends, mats).set_index("product")
    assert out.loc["crude_steel", "premium_eur"] == pytest.approx(180.0)
    assert out.loc["total", "premium_eur"] == pytest.approx(188.75)
    assert out.loc["total", "share"] == pytest.approx(188.75 / 48118.0)
    assert out.loc["total", "missing"] == "aluminium"
    assert "aluminium" not in out.index  # listed as missing, not a row at 0 EUR/t
    assert float(pass_through_share(200.0, 0.9, 48118.0)) == pytest.approx(180.0 / 48118.0)


def test_end_product_tables_of_the_package_are_consistent() -> None:
    from kruispunt.catalogue import load_catalogue

    cat = load_catalogue()
    ends, mats = cat.tables["end_products"], cat.tables["end_product_materials"]
    assert set(mats["end_product_id"]) <= set(ends["end_product_id"])
    car = mats[mats["end_product_id"] == "passenger_car"].set_index("product_id")["amount"]
    assert car["crude_steel"] == pytest.approx(0.9)  # BU IGS (2021): 0.9 t of steel per car
    assert (ends["price"] > 0).all()


def _cbam_toy() -> tuple[object, object]:
    factor = path({2025: 1.0, 2026: 0.975, 2030: 0.515, 2034: 0.0})
    inp = toy_inputs(
        eua=100.0,
        base_free_allocation=0.8e6,
        instruments={
            "ets": {"cbam_factor": factor[None], "carbon_leakage": np.ones((1, 1))},
            "cbam": {"export_share": np.array([[0.2]])},
        },
    )
    inp = dataclasses.replace(
        inp, products=Products(cbam=np.ones(1, dtype=bool), heat=np.zeros(1, dtype=bool))
    )
    return inp, simulate(inp)


def test_export_gap_by_hand() -> None:
    """0.8 Mt of allowances before the phase-out, EUA 100, 20 % exported outside the EU.
    2026 (CBAM factor 0.975): 0.8e6 x 0.025 x 100 x 0.2 = 0.40 MEUR; 2030 (0.515): 0.8e6 x
    0.485 x 100 x 0.2 = 7.76 MEUR; 2034 (0): 0.8e6 x 100 x 0.2 = 16 MEUR (Directive
    2003/87/EC Art. 10a(1a); Regulation (EU) 2023/956 covers imports only)."""
    inp, res = _cbam_toy()
    gap = export_gap(inp, res).set_index("year")  # type: ignore[arg-type]
    assert gap.loc[2026, "exposure_meur"] == pytest.approx(0.40)
    assert gap.loc[2030, "exposure_meur"] == pytest.approx(7.76)
    assert gap.loc[2034, "exposure_meur"] == pytest.approx(16.0)
    # what is left after the loss is the allocation the run booked
    booked = res.dataset["free_allocation"].values[0, 0]  # type: ignore[attr-defined]
    kept = (gap["allocation_full"] - gap["allocation_lost"]).to_numpy()
    np.testing.assert_allclose(kept, booked)
    assert float(export_gap_cost(1e6, 0.515, 80.0, 0.2)) == pytest.approx(7.76e6)


def test_comparison_cost_per_tonne_by_hand() -> None:
    """s0 (EUA 0) keeps gas: 100 MEUR/yr of gas, 1 MtCO2/yr. s1 (EUA 300) electrifies in
    2025: 500 MEUR of capex and 216 MEUR/yr of power, no emissions. 2025-2030: 6 Mt abated;
    extra cost 500 + 6 x (216 - 100) = 1196 MEUR; 199.33 EUR/t."""
    inp = toy_inputs(n_scenarios=2)
    eua = inp.markets.eua.copy()
    eua[1] = 300.0
    inp = dataclasses.replace(inp, markets=dataclasses.replace(inp.markets, eua=eua))
    res = simulate(inp)
    table = compare_instruments(res, "s0", year=2030, target_mt=5.0).set_index(SCENARIO)
    assert table.loc["s1", "abated_mt"] == pytest.approx(6.0)
    assert table.loc["s1", "extra_industry_meur"] == pytest.approx(1196.0)
    assert table.loc["s1", "total_eur_per_t"] == pytest.approx(1196.0 / 6.0)
    assert bool(table.loc["s1", "meets_target"]) and not bool(table.loc["s0", "meets_target"])
    assert table.loc["s1", "leakage_mt"] == pytest.approx(0.0)
    one_year = compare_instruments(res, "s0", year=2030, cumulative=False).set_index(SCENARIO)
    assert one_year.loc["s1", "abated_mt"] == pytest.approx(1.0)
    assert one_year.loc["s1", "extra_industry_meur"] == pytest.approx(116.0)
    assert cost_per_tonne(300.0, 2.0) == 150.0
    assert np.isnan(cost_per_tonne(300.0, 0.0))
    with pytest.raises(KruispuntError, match="reference scenario 'nope'"):
        compare_instruments(res, "nope")
    with pytest.raises(KruispuntError, match="outside the model years"):
        compare_instruments(res, "s0", year=2070)


def test_compare_instruments_command_names_a_bad_reference() -> None:
    out = invoke("compare-instruments", "current-policy", "--reference", "nowhere")
    assert_user_error(out, "--reference 'nowhere'")


def test_green_premium_command_refuses_an_unknown_capex_choice() -> None:
    out = invoke("green-premium", "--reference-capex", "new")
    assert_user_error(out, "unknown --reference-capex 'new'")


@pytest.mark.parametrize(
    "args",
    [
        ("green-premium", "--year", "1800"),
        ("green-premium", "--year", "2030", "--year", "2051"),
        ("compare-instruments", "--year", "2024"),
    ],
)
def test_premium_commands_refuse_a_year_outside_the_model_before_running(
    args: tuple[str, ...],
) -> None:
    """A --year outside 2025-2050 is a user error before any scenario runs (green-premium
    printed empty tables and exited 0; compare-instruments refused it only after its runs)."""
    out = invoke(*args)
    assert_user_error(out, f"--year {args[-1]} is outside the model years 2025-2050")


def test_green_premium_refuses_a_year_given_twice_before_running() -> None:
    """``--year 2030 --year 2030`` is a user error before any scenario runs (it was
    accepted and the year shown once, as if the repeat were not there)."""
    out = invoke("green-premium", "--year", "2030", "--year", "2040", "--year", "2030")
    assert_user_error(out, "--year 2030 is given twice; give each year once")


def test_comparison_adds_the_deadweight_of_each_package() -> None:
    """Support paid 10 + 30 MEUR to s1 over two instruments, 4 + 6 of it to switches that
    happen anyway: deadweight 10 MEUR, a quarter of the support."""
    res = simulate(toy_inputs(n_scenarios=2))
    dw = pd.DataFrame(
        {
            SCENARIO: ["s1", "s1", "s0"],
            "instrument": ["sde", "ccfd", "sde"],
            "paid_meur": [10.0, 30.0, 0.0],
            "deadweight_meur": [4.0, 6.0, 0.0],
        }
    )
    table = compare_instruments(res, "s0", deadweight=dw).set_index(SCENARIO)
    assert table.loc["s1", "deadweight_all_years_meur"] == pytest.approx(10.0)
    assert table.loc["s1", "deadweight_share"] == pytest.approx(0.25)
    assert np.isnan(table.loc["s0", "deadweight_share"])


def test_green_premium_command_writes_its_tables_and_report(tmp_path: Path) -> None:
    out = invoke(
        "green-premium",
        "--year",
        "2030",
        "--csv-dir",
        str(tmp_path / "tables"),
        "--report",
        str(tmp_path / "premium.html"),
    )
    assert out.code == 0, out.stderr
    assert "Green premium per product" in out.stdout
    assert "CBAM export gap" in out.stdout
    # the exposure outlasts the phase-out (2034): allowances are lost until 2038
    header = out.stdout.split("CBAM export gap [MEUR/yr]\n")[1].splitlines()[0].split()
    assert header == ["scenario", "product", *(str(y) for y in range(2026, 2039))]
    by_product = pd.read_csv(tmp_path / "tables" / "premium_by_product.csv")
    assert {"crude_steel", "ammonia", "hvc"} <= set(by_product["product"])
    text = (tmp_path / "premium.html").read_text("utf-8")
    assert "Pass-through to end products" in text and "CBAM export gap" in text
    # the energy bill of the biggest sites, NL against its neighbours, is on the same page
    assert "Energy bill NL against BE, DE and FR (current-policy, 2030)" in text
    assert "tata_steel_ijmuiden" in text


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "0", "1e308"])
def test_compare_instruments_refuses_a_target_that_is_no_reduction(value: str) -> None:
    """--target -5 once met in every package, nan and inf in none, all with exit 0."""
    out = invoke("compare-instruments", "--target", value)
    assert_user_error(out, f"--target {float(value)}")


def test_green_premium_checks_its_csv_folder_before_computing(tmp_path: Path) -> None:
    """A table's file name taken by a folder once failed after the computation, with half
    of the tables written."""
    (tmp_path / "gp" / "premium_by_site.csv").mkdir(parents=True)
    out = invoke("green-premium", "--csv-dir", str(tmp_path / "gp"))
    assert_user_error(out, "premium_by_site.csv is a folder")
    assert [p.name for p in (tmp_path / "gp").iterdir()] == ["premium_by_site.csv"]
    (tmp_path / "file").write_text("x", encoding="utf-8")
    out = invoke("green-premium", "--csv-dir", str(tmp_path / "file" / "gp"))
    assert_user_error(out, "is a file, not a folder")


def test_fixed_opex_is_per_tonne_made_and_renewal_is_the_reference_s_renewal_capex() -> None:
    """Electric fixed O&M 20 EUR per t/yr of capacity a year, demand at 0.8 of capacity:
    20 / 0.8 = 25 EUR per tonne made. With the reference paying its renewal, gas (renewal
    100 EUR per t/yr, new build 0) costs 100 x CRF(10 %, 20 yr) = 11.746 EUR/t of capital,
    again per tonne made: 14.68."""
    inp = toy_inputs(eua=100.0)
    fixed = inp.routes.fixed_opex.copy()
    fixed[1] = 20.0
    renewal = inp.routes.capex_renewal.copy()
    renewal[0] = 100.0
    routes = dataclasses.replace(inp.routes, fixed_opex=fixed, capex_renewal=renewal)
    markets = dataclasses.replace(
        inp.markets, demand_scale=np.full_like(inp.markets.demand_scale, 0.8)
    )
    inp = dataclasses.replace(inp, routes=routes, markets=markets)
    costs = levelised_costs(inp, reference_capex="renewal").set_index(["route", "year"])
    assert costs.loc[("elec", 2030), "production"] == pytest.approx(0.8e6)
    assert costs.loc[("elec", 2030), "other"] == pytest.approx(25.0)
    assert costs.loc[("gas", 2030), "capex"] == pytest.approx(100.0 * CRF / 0.8)
    sunk = levelised_costs(inp).set_index(["route", "year"])
    assert sunk.loc[("gas", 2030), "capex"] == 0.0


def test_foresight_values_energy_from_the_year_of_the_decision() -> None:
    """Not myopic, gas at 10 EUR/GJ to 2029 and 20 from 2030: in 2029 the grey route's
    energy is 10 GJ/t times the discounted mean of the price over 2029-2048 (the year
    itself first, weight 1, then 1.1^-k): (10 + 20 (S - 1)) / S with S = sum of 1.1^-k,
    k = 0..19 (= 9.3649): 189.32 EUR/t, not the 200 of a window starting a year later."""
    gas = {2025: 10.0, 2029: 10.0, 2030: 20.0, 2050: 20.0}
    costs = levelised_costs(toy_inputs(gas_price=gas, myopic=False))
    grey = costs[(costs["route"] == "gas")].set_index("year")["energy"]
    s = sum(1.1**-k for k in range(20))
    assert s == pytest.approx(9.3649, abs=1e-4)
    assert grey[2029] == pytest.approx(10 * (10 + 20 * (s - 1)) / s)
    assert grey[2030] == pytest.approx(200.0)


def test_a_low_carbon_reference_is_no_premium_of_itself() -> None:
    """The toy plant on its electric route already: the electric route is its reference (216
    EUR/t of power, no capital: sunk), the gas route is not low-carbon, so there is no premium
    row at all (not a zero premium of the electric route over itself)."""
    toy = toy_inputs(eua=100.0)
    electric = dataclasses.replace(
        toy, plants=dataclasses.replace(toy.plants, incumbent=np.array([1]))
    )
    costs = levelised_costs(electric)
    ref = costs[costs["reference"] & (costs["year"] == 2030)].iloc[0]
    assert ref["route"] == "elec" and ref["levelised_cost"] == pytest.approx(216.0)
    assert green_premium(costs).empty


@pytest.fixture(scope="module")
def package_costs(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Levelised costs on the data package: current policy, and current policy with the
    blast furnace route switched off."""
    from kruispunt.assemble import build_inputs
    from kruispunt.catalogue import load_catalogue
    from kruispunt.scenarios import resolve

    cat = load_catalogue()
    path = tmp_path_factory.mktemp("sc") / "no-bf.yaml"
    path.write_text("name: no-bf\nbase: current-policy\nroutes_off: [bf_bof]\n", encoding="utf-8")
    return levelised_costs(build_inputs(cat, resolve(["current-policy", str(path)], cat.path)))


def test_availability_on_the_package(package_costs: pd.DataFrame) -> None:
    """Tata's blast furnace 7 (IJmuiden's cluster gets hydrogen in 2030; H2-DRI's earliest
    year is 2026): H2-DRI is available from 2030, not 2031; capture on a gas DRI plant, a
    retrofit of one, never (no blast furnace is a DRI plant); the blast furnace route itself,
    the plant's reference, stays available where a scenario switches the route off for new
    plants."""
    bf7 = package_costs[package_costs["plant"] == "tata_steel_ijmuiden/crude_steel/bf7"]

    def years(scenario: str, route: str) -> list[int]:
        rows = bf7[(bf7["scenario"] == scenario) & (bf7["route"] == route)]
        return sorted(rows.loc[rows["available"], "year"])

    assert years("current-policy", "h2_dri_eaf")[0] == 2030
    assert years("current-policy", "ng_dri_eaf")[0] == 2025  # no hydrogen: from its first year
    assert years("current-policy", "ng_dri_eaf_hp_capture") == []
    assert years("no-bf", "bf_bof") == list(range(2025, 2051))
    bf6 = package_costs[package_costs["plant"] == "tata_steel_ijmuiden/crude_steel/bf6"]
    assert bf6[(bf6["scenario"] == "no-bf") & (bf6["route"] == "bf_bof")]["reference"].all()


def test_cbam_import_parity_is_revenue_not_a_carbon_cost() -> None:
    """CBAM's import-parity uplift of the steel price is revenue, the same for every route,
    and left out: a blast furnace (no imported intermediates, so no CBAM on them) has the same
    carbon cost with the CBAM instrument as with the EU ETS alone, while CBAM applies (2030:
    parity above zero at a factor of 0.515)."""
    from kruispunt.assemble import build_inputs
    from kruispunt.catalogue import load_catalogue
    from kruispunt.policy.cbam import Cbam
    from kruispunt.policy.ets import EuEts
    from kruispunt.scenarios import resolve

    cat = load_catalogue()
    inputs = build_inputs(cat, resolve(["current-policy"], cat.path))
    both = levelised_costs(inputs, instruments=(EuEts, Cbam))
    ets = levelised_costs(inputs, instruments=(EuEts,))
    keys = ["plant", "route", "year"]
    pair = both.merge(ets, on=keys, suffixes=("", "_ets"))
    bf = pair[(pair["route"] == "bf_bof") & pair["year"].isin([2026, 2030, 2034])]
    assert len(bf) == 6 and (bf["carbon"] > 200.0).all()
    np.testing.assert_allclose(bf["carbon"], bf["carbon_ets"], rtol=1e-12)


def test_the_cheapest_route_named_is_the_most_common_one() -> None:
    """Plant a's cheapest route is CCS, b's and c's hydrogen: the product's cheapest route is
    hydrogen (two plants of three), whatever plant comes first."""
    frame = _frame(
        [
            ("a/steel", "h2", 100.0, 1e6),
            ("a/steel", "ccs", 40.0, 1e6),
            ("b/steel", "h2", 70.0, 1e6),
            ("c/steel", "h2", 60.0, 1e6),
        ]
    )
    out = product_premium(frame).iloc[0]
    assert out["cheapest_route"] == "h2" and out["plants"] == 3
    assert out["premium"] == pytest.approx((40.0 + 70.0 + 60.0) / 3)


def _table(stdout: str, heading: str) -> list[str]:
    """The lines of the table printed under ``heading`` (up to the next blank line)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading)) + 2
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def test_green_premium_command_defaults(tmp_path: Path, cat: Catalogue) -> None:
    """Without --year: 2030 and 2040, and the report's energy bill of 2030 (the first year);
    the pass-through share in percent (premium / price x 100, by hand from the printed
    numbers); each of the six tables written whole under its own name. With
    --reference-capex renewal the levelised costs differ: the default is sunk."""
    tables, report = tmp_path / "tables", tmp_path / "premium.html"
    out = invoke("green-premium", "--csv-dir", str(tables), "--report", str(report))
    assert out.code == 0, out.stderr
    years = {int(line.split()[2]) for line in _table(out.stdout, "Green premium per product")}
    assert years == {2030, 2040}
    wheat = re.search(r"Tonne of fertilised wheat +2030 +(\S+) +(\S+) +(\S+)", out.stdout)
    assert wheat is not None, out.stdout
    premium, price, share = (float(v.replace(",", "")) for v in wheat.groups())
    assert share == pytest.approx(premium / price * 100.0, abs=0.01) and abs(share) > 0.5
    assert sorted(p.name for p in tables.iterdir()) == sorted(f"{n}.csv" for n in CSV_TABLES)
    assert "site" in pd.read_csv(tables / "premium_by_site.csv").columns
    text = report.read_text("utf-8")
    assert "Energy bill NL against BE, DE and FR (current-policy, 2030)" in text
    meur = {
        y: bill_table(energy_bill(None, "current-policy", y, catalogue=cat)).loc[
            ("tata_steel_ijmuiden", "NL"), "bill_meur"
        ]
        for y in (2030, 2040)
    }
    shown = {y: f"<td>{v:,.2f}</td>" for y, v in meur.items()}
    assert shown[2030] in text and shown[2040] not in text  # the bill of 2030, not of 2040
    renewal = tmp_path / "new" / "deeper" / "renewal"  # missing parents are made
    out = invoke(
        "green-premium",
        "--reference-capex",
        "renewal",
        "--year",
        "2050",
        "--year",
        "2025",
        "--csv-dir",
        str(renewal),
    )
    assert out.code == 0, out.stderr
    years = {int(line.split()[2]) for line in _table(out.stdout, "Green premium per product")}
    assert years == {2025, 2050}  # the first and the last model year are allowed
    sunk = pd.read_csv(tables / "levelised_costs.csv")
    assert not sunk.equals(pd.read_csv(renewal / "levelised_costs.csv"))


def test_green_premium_checks_its_outputs_and_data_before_computing(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n", encoding="utf-8")
    assert_user_error(
        invoke("green-premium", "--csv-dir", str(notes)), f"--csv-dir '{notes}' is a file"
    )
    assert_user_error(
        invoke("green-premium", "--report", str(tmp_path)), f"cannot write report {tmp_path}"
    )
    missing = tmp_path / "package"
    assert_user_error(
        invoke("green-premium", "--data", str(missing)),
        f"data package folder '{missing}' does not exist",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_compare_instruments_command_sums_or_takes_the_target_year(tmp_path: Path) -> None:
    """By default the packages are measured against no-new-policy, summed 2025 to 2030; with
    --in-year over 2030 alone. --target 1000 (the largest allowed) is met by none. The CSV
    has the table's columns and no index."""
    out = invoke("compare-instruments")
    assert out.code == 0, out.stderr
    assert out.stdout.splitlines()[0] == (
        "Packages against no-new-policy, 2025-2030 (summed); MEUR, Mt, EUR/tCO2"
    )
    csv = tmp_path / "table.csv"
    out = invoke("compare-instruments", "--in-year", "--target", "1000", "--csv", str(csv))
    assert out.code == 0, out.stderr
    assert out.stdout.splitlines()[0] == (
        "Packages against no-new-policy, 2030-2030 (target year only); MEUR, Mt, EUR/tCO2"
    )
    table = pd.read_csv(csv)
    assert table.columns[0] == SCENARIO
    assert list(table[SCENARIO]) == ["no-new-policy", "current-policy", "high-ambition"]
    assert not table["meets_target"].fillna(False).astype(bool).any()


def test_compare_instruments_does_not_replace_a_file_that_is_no_table(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n", encoding="utf-8")
    out = invoke("compare-instruments", "--csv", str(notes))
    assert_user_error(out, f"cannot write csv {notes}: the file exists and is not a CSV table")
    assert notes.read_text(encoding="utf-8") == "mine\n"
