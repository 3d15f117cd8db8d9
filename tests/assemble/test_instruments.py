"""Instrument parameters from a scenario's levers (:mod:`kruispunt.assemble.instruments`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kruispunt.assemble import build_inputs, instruments
from kruispunt.assemble.instruments import BuildContext
from kruispunt.assemble.tables import Tables
from kruispunt.catalogue import Catalogue
from kruispunt.inputs import ModelInputs
from kruispunt.scenarios import resolve
from tests.assemble.conftest import beside_current_policy


def test_cisaf_window_grant_budget_and_the_proposed_cap_path(
    cat: Catalogue, tmp_path: Path
) -> None:
    """On top of current policy:
    - CISAF power-price relief from 2027 for its three years at most: 2027, 2028, 2029;
    - the NIKI grant budget (1,200 MEUR in 2025) doubled;
    - the Commission's 2026 proposal for the EU ETS: the law's linear reduction factor (4.4 %)
      through 2030, the proposal's 3.7 % from 2031."""
    inp = beside_current_policy(
        cat,
        tmp_path,
        "ets_rules: proposal_2026\nsubsidies:\n  cisaf_start: 2027\n  grant_budget_scale: 2.0\n",
    )
    years = list(inp.coords.years)
    relief = inp.instruments["cisaf"]["price_share"]
    assert [years[i] for i in np.flatnonzero(relief[1] > 0)] == [2027, 2028, 2029]
    assert (relief[0] == 0).all()
    budget = inp.instruments["grants"]["budget"]
    assert budget[0].sum() > 0
    np.testing.assert_allclose(budget[1], 2.0 * budget[0])
    lrf = inp.instruments["ets"]["lrf"]
    assert lrf[1, years.index(2030)] == pytest.approx(0.044)
    assert lrf[1, years.index(2031)] == pytest.approx(0.037)
    assert lrf[0, years.index(2031)] == pytest.approx(0.044)


def _current_policy_with(cat: Catalogue, **tables: pd.DataFrame) -> ModelInputs:
    """Inputs of current policy on the package with some tables replaced (a copy of the
    catalogue; the package is not touched)."""
    changed = replace(cat, tables={**cat.tables, **tables})
    return build_inputs(changed, resolve(["current-policy"], cat.path))


def test_two_plant_rules_for_one_plant_and_carrier_compound(cat: Catalogue) -> None:
    """Wienerberger Haaften (bricks, NACE 23.32, no power installation so no CHP share)
    burns gas on gas_furnace_high. With the division-23 rule set to exempt 0.5 of that gas
    and a class-23.3 rule exempting 0.4 more, the exempt share is 1 - 0.5 x 0.6 = 0.7 (the
    second rule exempts 0.4 of what the first leaves taxed), not the last rule's 0.4."""
    rules = cat.tax_exemptions.copy()
    furnace = (rules["route_id"] == "gas_furnace_high") & (rules["carrier_id"] == "natural_gas")
    division = furnace & (rules["nace"] == "23")
    assert division.sum() == 1
    rules.loc[division, "exempt_share"] = 0.5
    extra = rules[division].assign(nace="23.3", exempt_share=0.4)
    inp = _current_policy_with(cat, tax_exemptions=pd.concat([rules, extra], ignore_index=True))
    p = inp.coords.plants.index("wienerberger_haaften/process_heat_high")
    gas = inp.coords.carriers.index("natural_gas")
    assert inp.instruments["energy_tax"]["plant_exempt"][0, p, gas] == pytest.approx(0.7)


def test_base_year_allocation_factor_carries_the_cross_sectoral_correction(
    cat: Catalogue,
) -> None:
    """With the 2021-25 cross-sectoral correction factor at 0.9 (step: it holds in the
    base year 2022), the base-year allocation factor is 1 x 0.9 = 0.9 for a plant at risk
    of carbon leakage (Tata Steel's blast furnace 7) and 0.3 x 0.9 = 0.27 for one that is
    not (Heineken Zoeterwoude: 30 % of the benchmark allocation in 2021-26)."""
    policy = cat.policy.copy()
    row = (
        (policy["instrument"] == "eu_ets")
        & (policy["parameter"] == "cross_sectoral_correction_factor")
        & (policy["year"] == 2021)
    )
    assert row.sum() == 1
    policy.loc[row, "value"] = 0.9
    inp = _current_policy_with(cat, policy=policy)
    tata = inp.coords.plants.index("tata_steel_ijmuiden/crude_steel/bf7")
    heineken = inp.coords.plants.index("heineken_zoeterwoude/process_heat_low")
    ets = inp.instruments["ets"]
    assert ets["carbon_leakage"][0, [tata, heineken]].tolist() == [1.0, 0.0]
    assert ets["base_factor"][0, tata] == pytest.approx(0.9)
    assert ets["base_factor"][0, heineken] == pytest.approx(0.27)


def test_export_share_is_the_latest_row_of_its_path(cat: Catalogue) -> None:
    """Aluminium's share sold outside the EU is 0.10 from 2026 (product_markets.csv); with
    a second row of 0.2 from 2030 the CBAM export share is the later one, 0.2."""
    markets = cat.product_markets
    row = (markets["product_id"] == "aluminium") & (markets["parameter"] == "export_share_extra_eu")
    assert row.sum() == 1
    later = markets[row].assign(year=2030, value=0.2, value_original=0.2)
    inp = _current_policy_with(cat, product_markets=pd.concat([markets, later], ignore_index=True))
    g = inp.coords.products.index("aluminium")
    assert inp.instruments["cbam"]["export_share"][0, g] == pytest.approx(0.2)


def test_the_connection_level_is_decided_by_the_site_s_summed_peak(
    cat: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the package's 8,000 full-load hours and 100 MW EHV threshold: site s's two plants
    use 480,000 and 400,000 MWh (60 and 50 MW, each below the threshold) and together
    110 MW, so both are on EHV; site t's one plant at 720,000 MWh (90 MW) is on HV, but
    running 4,380 h a year (its 720,000 MWh over 4,000 full-load hours, 180 MW) on EHV."""
    tables = Tables(cat)
    assert tables.policy_scalar("network_tariff.full_load_hours") == 8000
    assert tables.policy_scalar("network_tariff.ehv_min_peak_mw") == 100
    mwh = np.array([480_000.0, 400_000.0, 720_000.0])
    monkeypatch.setattr(instruments, "_baseline_consumption_mwh", lambda b: mwh)
    hours = np.full(3, 8760.0)
    pb = SimpleNamespace(
        table=pd.DataFrame({"site_id": ["s", "s", "t"]}),
        plants=SimpleNamespace(load_hours=lambda: hours),
    )
    levers = SimpleNamespace(network_tariffs=True, flexible_transport_right="firm")
    scenarios = [SimpleNamespace(levers=levers)]
    b = BuildContext(tables, scenarios, np.array([2025]), pb, None)  # type: ignore[arg-type]
    assert instruments._network_tariff(b)["ehv"].tolist() == [[1.0, 1.0, 0.0]]
    hours[2] = 4380.0
    assert instruments._network_tariff(b)["ehv"].tolist() == [[1.0, 1.0, 1.0]]


def test_each_plant_takes_its_branch_profit_by_longest_nace_match(cat: Catalogue) -> None:
    """branch_profits.csv by the plant's activity code, the longest match: dairy (10.51)
    3.030, potato products (10.31) 1.754 and not fruit and vegetables' 1.887 (10.3), a paper
    mill (17.12) 1.279, bricks (23.32) 2.128; zinc (24.43) and salt (08.93) have no row;
    ammonia, hydrogen, methanol and HVC, priced products, none.
    Without the 10.31 row potato products take 10.3's; a second row as long with a lower
    ratio wins; without the table no plant has one."""
    inp = _current_policy_with(cat)
    plants = list(inp.coords.plants)
    ratio = np.asarray(inp.instruments["market"]["profit_ratio"])[0]

    def of(plant: str) -> float:
        return float(ratio[plants.index(plant)])

    assert of("frieslandcampina_leeuwarden/process_heat_low") == pytest.approx(3.030)
    assert of("aviko_steenderen/process_heat_low") == pytest.approx(1.754)
    assert of("crown_van_gelder_velsen/paper") == pytest.approx(1.279)
    assert of("wienerberger_haaften/process_heat_high") == pytest.approx(2.128)
    assert np.isnan(of("nyrstar_budel/process_heat_high"))
    assert np.isnan(of("frisia_zout_harlingen/process_heat_low"))
    # a product with a market price or margin takes none, whatever its branch (NACE 20)
    for priced in ("chemelot/ammonia/oci_afa2", "air_liquide_bergen_op_zoom/hydrogen"):
        assert np.isnan(of(priced))
    product = np.asarray(inp.coords.products)[inp.plants.product]
    assert np.isnan(ratio[np.isin(product, ["ammonia", "hydrogen", "methanol", "hvc"])]).all()

    rows = cat.tables["branch_profits"]
    at = plants.index("aviko_steenderen/process_heat_low")
    without = _current_policy_with(cat, branch_profits=rows[rows["nace"] != "10.31"])
    assert np.asarray(without.instruments["market"]["profit_ratio"])[0, at] == 1.887
    tied = rows[rows["nace"] == "10.31"].assign(profit_to_energy_cost=0.9)
    same = _current_policy_with(cat, branch_profits=pd.concat([rows, tied]))
    assert np.asarray(same.instruments["market"]["profit_ratio"])[0, at] == 0.9
    none = _current_policy_with(cat, branch_profits=rows.iloc[:0])
    assert np.isnan(np.asarray(none.instruments["market"]["profit_ratio"])).all()


def test_branch_profit_scale_multiplies_the_profit_part_of_revenue(
    cat: Catalogue, tmp_path: Path
) -> None:
    """A scenario's ``branch_profit_scale`` multiplies the branch's profit on top of the full
    cost of staying, and nothing else: at 1 the revenue is the calibration's to the bit; at 0
    a plant with a branch ratio (a dairy) loses its profit, at 2 earns it twice; plants
    whose product has a price (a cracker) or whose branch has no ratio (Nyrstar) keep
    their revenue."""
    zero = beside_current_policy(cat, tmp_path, "branch_profit_scale: 0\n")
    two = beside_current_policy(cat, tmp_path, "branch_profit_scale: 2\n")
    plants = list(zero.coords.plants)
    price1, price0 = zero.markets.plant_price[0], zero.markets.plant_price[1]
    price2 = two.markets.plant_price[1]
    np.testing.assert_array_equal(two.markets.plant_price[0], price1)
    dairy = plants.index("frieslandcampina_leeuwarden/process_heat_low")
    profit = price1[dairy] - price0[dairy]
    assert profit > 0.5 * price1[dairy]  # 3.03 x the energy bill against the full cost
    assert price2[dairy] - price1[dairy] == pytest.approx(profit, rel=1e-12)
    for fixed in ("nyrstar_budel/process_heat_high", "shell_moerdijk/hvc"):
        i = plants.index(fixed)
        assert price0[i] == price1[i] == price2[i]
    ratio = np.asarray(zero.instruments["market"]["profit_ratio"])[0]
    moved = price0 != price1
    assert moved.sum() >= 150
    assert not np.isnan(ratio[moved]).any()


def test_a_site_that_runs_part_of_the_year_peaks_higher_and_may_reach_ehv(
    cat: Catalogue,
) -> None:
    """Dow Terneuzen's baseline electricity is 556,721 MWh over 8,000 full-load hours: a
    69.6 MW peak, under the 100 MW of the EHV level (ehv_min_peak_mw), so it is on HV. Were
    its plants to run 4,380 h a year, the same electricity would come over 4,000 full-load
    hours: a 139.2 MW peak, on EHV."""
    base = build_inputs(cat, resolve(["current-policy"], cat.path))
    dow = [p for p, s in enumerate(base.coords.plant_site) if s == "dow_terneuzen"]
    tariff = base.instruments["network_tariff"]
    mwh = float(tariff["baseline_mwh"][0, dow].sum())
    assert mwh == pytest.approx(556_720.8, abs=0.1)
    assert (tariff["ehv"][0, dow] == 0.0).all()
    sp = cat.site_products.copy()
    sp.loc[sp["site_id"] == "dow_terneuzen", "operating_hours"] = 4380.0
    part = _current_policy_with(cat, site_products=sp)
    assert (part.instruments["network_tariff"]["ehv"][0, dow] == 1.0).all()
    # every other site keeps its level
    others = [p for p in range(len(base.coords.plants)) if p not in dow]
    np.testing.assert_array_equal(
        part.instruments["network_tariff"]["ehv"][0, others], tariff["ehv"][0, others]
    )
