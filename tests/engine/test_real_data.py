"""The engine on the embedded data package and the default scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import kruispunt
from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.catalogue.summary import site_emissions
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.results import Results
from kruispunt.scenarios import resolve
from kruispunt.vocabulary import REASON_CODE as REASON

DEFAULTS = ["current-policy", "no-new-policy", "high-ambition"]


@pytest.fixture(scope="module")
def results(default_results: Results) -> Results:
    """The three default scenarios (the session's run, shared with the documentation's
    figures: ``tests/test_doc_figures.py``)."""
    return default_results


def _stopped_sites(results: Results, scenario: str) -> set[str]:
    """Sites whose every plant an event stops in the first model year."""
    ds = results.dataset.sel(scenario=scenario, year=2025)
    prod = pd.Series(ds["production"].values, index=ds["site"].values).groupby(level=0).max()
    return set(prod[prod <= 0].index)


def test_first_model_year_reproduces_base_year_per_site(cat: Catalogue, results: Results) -> None:
    """Every site runs in 2025 as in its base year (2022 verified emissions), except where a
    decided event (events.csv) stops it: Gunvor (closed 2024), the LyondellBasell/Covestro
    PO/SM unit (closure decided 2025), Indorama Europoort (closed 2024), Bunge's Maasvlakte
    refinery (sold to Neste, Bunge's lease ended in 2024), Westlake Pernis
    (closure decided 2025), Stora Enso's De Hoop mill (closed end 2023), Solidus's board mills
    at Hoogkerk (closed 2024) and Bad Nieuweschans (closed by Jan 2026), Wienerberger's brick
    works De Vlijt (closed by March 2023), NEG's glass-fibre plant at Westerbroek (bankrupt
    2023), the asphalt plant APN Nijmegen (closed end 2023), VDL Nedcar's car plant
    (the last cars in February 2024; its halls now house defence production), the Delfzijl methanol
    plant (idle), Damco's aluminium smelter (closed 2021), the asphalt plant Asfaltnu
    Zwijndrecht and Grasdrogerij Hartog's grass dryer (both idle in 2022 by their EUTL record:
    1 and 7 t against 2,296 and 5,150 t a year in 2019-2021); Nyrstar Budel, idle from January
    2024, restarted in May 2024 and runs; sites of which an event stops only some units
    (Chemelot's Olefins 3, Dow's LHC-3) emit less, and so do Holland Malt Eemshaven, off gas
    on heat pumps since March 2024, Saint-Gobain Etten-Leur, whose hybrid furnace runs
    since September 2024, and Philip Morris Bergen op Zoom, whose heat pumps and hybrid
    boilers run since 2024. Yara's line C, idle since 2021, had no
    share of the 2022 emissions, so Yara is as in its base year."""
    base = site_emissions(cat)["verified_emissions"]
    ds = results.dataset
    for scenario in DEFAULTS:
        stopped = _stopped_sites(results, scenario)
        assert stopped == {
            "damco_aluminium_delfzijl",
            "gunvor_rotterdam",
            "indorama_europoort",
            "bunge_loders_croklaan_maasvlakte",
            "westlake_epoxy_pernis",
            "stora_enso_de_hoop_eerbeek",
            "lyondellbasell_covestro_maasvlakte",
            "biomethanol_delfzijl",
            "solidus_hoogkerk",
            "solidus_bad_nieuweschans",
            "vdl_nedcar_born",
            "wienerberger_de_vlijt_winterswijk",
            "electric_glass_fiber_westerbroek",
            "asfalt_productie_nijmegen",
            "asfaltnu_zwijndrecht",
            "grasdrogerij_hartog_lambertschaag",
        }
        em = ds["direct_emissions"].sel(scenario=scenario, year=2025)
        per_site = pd.Series(em.values, index=ds["site"].values).groupby(level=0).sum()
        per_site = per_site.reindex(base.index)
        assert (per_site[sorted(stopped)] == 0.0).all()
        partly = [
            "chemelot",
            "dow_terneuzen",
            "holland_malt_eemshaven",
            "saint_gobain_etten_leur",
            "philip_morris_bergen_op_zoom",
        ]
        assert (per_site[partly] < base[partly]).all()
        keep = base.index.difference(sorted(stopped)).difference(partly)
        rel = (per_site[keep] - base[keep]).abs() / base[keep].where(base[keep] > 0)
        assert rel.max() < 0.01, rel.sort_values().tail()


def test_national_base_total_is_exact_without_events(cat: Catalogue) -> None:
    """With ``events: none`` the first model year reproduces the base year's 45.23 Mt
    exactly; with the decided events it is lower by the base-year emissions of the plants
    they stop, of Holland Malt Eemshaven, whose kilns run on heat pumps since March 2024 (a
    route change before the first model year: no emissions in 2025), and by 76.2 % of the
    unit of Saint-Gobain Etten-Leur that its hybrid furnace's electrodes took over (electric
    in the first model year), and by what Philip Morris Bergen op Zoom's heat pumps and
    hybrid boilers (in operation 2024) save: at least the heat pumps' 2,500 t, and less than
    all of it (the hybrid boilers burn gas in the hours power is dearer)."""
    (sc,) = resolve(["current-policy"])
    lv = sc.levers.model_copy(update={"events": "none", "name": "none"})
    none = type(sc)(name="none", levers=lv, chain=("none",), origin="test")
    inp = build_inputs(cat, [none])
    ds = simulate(inp).dataset
    total = float(ds["direct_emissions"].sel(year=2025).sum())
    assert total == pytest.approx(site_emissions(cat)["verified_emissions"].sum(), rel=1e-12)
    decided = build_inputs(cat, [sc])
    stopped = decided.levers.availability[0, :, 0] == 0
    em1 = simulate(decided).dataset["direct_emissions"].sel(year=2025).values[0]
    with_events = float(em1.sum())
    em0 = ds["direct_emissions"].sel(year=2025).values[0]
    malt = ds["plant"].values == "holland_malt_eemshaven/process_heat_low"
    assert em0[malt].sum() > 30e3
    furnace = ds["plant"].values == "saint_gobain_etten_leur/glass/melter_electrodes"
    cut = em0[furnace].sum() * (1 - 0.132361 / 0.55626)
    pmi = ds["plant"].values == "philip_morris_bergen_op_zoom/process_heat_low"
    saved = float(em0[pmi].sum() - em1[pmi].sum())
    assert 2_500.0 < saved < float(em0[pmi].sum())
    expected = total - em0[stopped | malt].sum() - cut - saved
    assert with_events == pytest.approx(expected, rel=1e-12)


def test_batch_equals_separate_runs(cat: Catalogue, results: Results) -> None:
    for name in DEFAULTS:
        alone = kruispunt.run(name, catalogue=cat).dataset
        together = results.dataset.sel(scenario=[name])
        for var in ("direct_emissions", "route_index", "production", "gov_cash_flow"):
            np.testing.assert_array_equal(alone[var].values, together[var].values)


def test_capacities_never_exceeded(results: Results) -> None:
    use = results.dataset["infra_use"].values
    cap = results.dataset["infra_capacity"].values
    assert (use <= cap * (1 + 1e-9) + 1e-6).all()


def test_production_plus_imports_equals_demand(results: Results) -> None:
    ds = results.dataset
    domestic = (
        ds["production"]
        .groupby("plant_product")
        .sum()
        .rename(plant_product="product")
        .reindex(product=ds["product"].values, fill_value=0.0)
    )
    np.testing.assert_allclose(
        (domestic + ds["imports"]).values, ds["demand"].values, rtol=1e-9, atol=1e-6
    )


def test_provenance_is_recorded(cat: Catalogue, results: Results) -> None:
    prov = results.provenance
    assert prov["data_hash"] == cat.data_hash
    assert set(prov["scenarios"]) == set(DEFAULTS)
    assert prov["scenarios"]["high-ambition"]["chain"] == ["high-ambition", "current-policy"]
    assert prov["kruispunt_version"]


def test_higher_eua_lowers_cumulative_emissions_on_real_data(cat: Catalogue) -> None:
    scenarios = resolve(["current-policy"])
    base = simulate(build_inputs(cat, scenarios)).dataset
    lever = scenarios[0].levers.model_copy(update={"eua_price_scale": 2.0})
    high = simulate(
        build_inputs(
            cat,
            [type(scenarios[0])(name="high-eua", levers=lever, chain=("high-eua",), origin="test")],
        )
    ).dataset
    assert float(high["direct_emissions"].sum()) <= float(base["direct_emissions"].sum())


def test_committed_projects_start_on_their_date(cat: Catalogue, results: Results) -> None:
    """Air Liquide's Porthos capture starts in Porthos's first full year, 2027 (injection aimed
    for autumn 2026: events.csv air_liquide_smr2_ccs_2027); in 2026 no Rotterdam plant stores
    CO2, from 2027 the four customers store within Porthos's 2.5 Mt/yr."""
    ds = results.dataset.sel(scenario="current-policy")
    plant = "air_liquide_botlek/hydrogen/smr2"  # the unit with the committed capture
    routes = [str(ds["route"].values[i]) for i in ds["route_index"].sel(plant=plant).values]
    assert routes[:3] == ["smr", "smr", "smr_ccs"]
    assert int(ds["switch_reason"].sel(plant=plant, year=2027)) == REASON["committed_project"]
    # Porthos (2.5 Mt/yr) serves the Rotterdam capturers; Yara ships to Northern Lights
    at_porthos = ds["site"].values != "yara_sluiskil"
    stored = ds["stored_co2"].values[at_porthos]
    years = list(ds["year"].values)
    porthos = 2.5e6
    assert stored[:, years.index(2026)].sum() == 0.0
    assert 0 < stored[:, years.index(2027)].sum() <= porthos


def test_nobian_salt_plants_run_electric_from_2030(results: Results) -> None:
    """Nobian's binding maatwerk agreement (19 Dec 2024; Rijksoverheid and VNCI, 19 Dec
    2024): the Delfzijl and Hengelo salt plants go off gas and fully onto electricity, near
    zero CO2 by 2030, the gas-fired salt plants replaced by two large electric heat pumps
    (Expression of Principles, 12 Dec 2022). Every scenario runs them from 2030 as a committed
    project on vapour recompression with electric boilers for the other steam, with no direct
    emissions, and they stay on it for the 15 years a decided project binds its plant."""
    routes = {
        "nobian_delfzijl/process_heat_low": "mvr_salt_chlor_alkali_low",
        "nobian_hengelo/process_heat_low": "mvr_salt_low",
    }
    for scenario in DEFAULTS:
        ds = results.dataset.sel(scenario=scenario)
        for plant, route in routes.items():
            idx = ds["route_index"].sel(plant=plant)
            assert str(ds["route"].values[int(idx.sel(year=2029))]) == "gas_boiler_low"
            assert str(ds["route"].values[int(idx.sel(year=2030))]) == route
            reason = int(ds["switch_reason"].sel(plant=plant, year=2030))
            assert reason == REASON["committed_project"]
            em = ds["direct_emissions"].sel(plant=plant)
            assert float(em.sel(year=2025)) > 1e5
            assert float(em.sel(year=2030)) == 0.0
            # bound to the project for 15 years: it does not leave it for biomass boilers
            held = {str(ds["route"].values[int(r)]) for r in idx.sel(year=slice(2030, 2044))}
            assert held == {route}


def test_cosun_plants_meet_their_binding_agreement_by_2030(
    cat: Catalogue, results: Results
) -> None:
    """Cosun's binding maatwerk agreement (18 Dec 2025, rijksoverheid_cosun_2025): -167 kt
    CO2/yr by 2030 against 2018-2021 at Vierverlaten, Steenderen and Venray. Vierverlaten and
    Steenderen run electric boilers from 2030 in every default scenario, committed, for the 15
    years a decided project binds them. Their boilers serve the electrifiable share of the heat
    (0.82 in 2030, 0.90 from 2035; the letter's national figures), the rest stays on gas.
    Venray (Rixona Oostrum) is left to its own economics: it takes a hybrid heat pump once
    Noord-Limburg's grid has room, in 2030 (the Boxmeer station), in every default scenario
    (under no new policy 2033 from the network tariffs' change of Dec 2026 until heat from
    electricity earned the heat benchmark's allocation from 2026, the same month). The three
    plants then cut about 177-180 kt against their 2018-2021 mean (EUTL, 229.2 kt) in 2030,
    the agreement's 167 kt met (about 162 kt without Venray's heat pump), and more than 167 kt
    to 2044 (the years the decided route binds)."""
    ins, years = cat.installations, cat.installation_years
    sites = ("suiker_unie_vierverlaten", "aviko_steenderen", "rixona_oostrum")
    ids = ins[ins["site_id"].isin(sites)]["installation_id"]
    ref = years[years["installation_id"].isin(ids) & years["year"].between(2018, 2021)]
    reference = float(ref["verified_emissions"].sum()) / 4
    assert reference == pytest.approx(229.2e3, rel=1e-3)
    plants = [f"{site}/process_heat_low" for site in sites]
    for scenario in DEFAULTS:
        ds = results.dataset.sel(scenario=scenario)
        for plant in plants[:2]:
            idx = ds["route_index"].sel(plant=plant)
            assert str(ds["route"].values[int(idx.sel(year=2029))]) == "gas_boiler_low"
            held = {str(ds["route"].values[int(r)]) for r in idx.sel(year=slice(2030, 2044))}
            assert held == {"eboiler_low"}
            reason = int(ds["switch_reason"].sel(plant=plant, year=2030))
            assert reason == REASON["committed_project"]
        em = ds["direct_emissions"].sel(plant=plants).sum("plant")
        venray = ds["route"].values[ds["route_index"].sel(plant=plants[2]).values]
        first = int(ds["year"].values[np.argmax(venray == "heat_pump_hybrid_low_food")])
        assert first == 2030
        cut_2030 = reference - float(em.sel(year=2030))
        assert 167e3 < cut_2030 < 181e3
        assert (reference - em.sel(year=slice(first, 2044)) > 167e3).all()  # while bound


def test_commitments_can_be_switched_off(cat: Catalogue) -> None:
    (sc,) = resolve(["current-policy"])
    # the decided route changes of events.csv commit too (Yara's line E): off with them
    lv = sc.levers.model_copy(update={"commitments": False, "events": "none", "name": "free"})
    free = type(sc)(name="free", levers=lv, chain=("free",), origin="test")
    ds = simulate(build_inputs(cat, [free])).dataset
    assert float(ds["stored_co2"].sel(year=2026).sum()) == 0.0


def test_batches_of_any_size_give_the_same_results(cat: Catalogue, results: Results) -> None:
    for size in (1, 2):
        split = kruispunt.run(DEFAULTS, catalogue=cat, batch_size=size).dataset
        for var in ("direct_emissions", "route_index", "gov_cash_flow", "infra_use"):
            np.testing.assert_array_equal(split[var].values, results.dataset[var].values)


def test_northern_lights_serves_only_yara(cat: Catalogue) -> None:
    inp = build_inputs(cat, resolve(["current-policy"]))
    q = inp.pools.names.index("co2_storage/northern_lights_yara")
    users = {inp.coords.plant_site[p] for p in np.flatnonzero(inp.pools.plants[q])}
    assert users == {"yara_sluiskil"}


def test_energy_tax_by_bracket_for_a_large_user(results: Results) -> None:
    # 2025 rates (Wbm art. 59 as in force in 2025, as Scholt Energy's table gives them): gas
    # 0.57816 / 0.31573 / 0.20347 / 0.05385 EUR/m3 with brackets at 170,000 / 1,000,000 /
    # 10,000,000 m3 (until December 2026 rounded to 0.5782 / 0.3157 / 0.2035 / 0.0539);
    # electricity 0.10154 / 0.06937 / 0.03868 / 0.00321 EUR/kWh with brackets at 10,000 /
    # 50,000 / 10,000,000 kWh (Scholt Energy's table; until December 2026 the 2024 rates
    # above 10,000 kWh were held, 0.09037 / 0.03943 / 0.00188 in euro of 2024).
    # 69 % of the ammonia plants' gas is feedstock (tax_exemptions.csv, MIDDEN TC0072), whose
    # taxable quantity is nil (Directive 2003/96/EC art. 2(4)(b)); the taxable rest goes
    # through the brackets from zero. Yara's three ammonia units are one complex (the
    # complex rule): their combined use goes through the brackets once, and each unit pays
    # its share of use.
    ds = results.dataset.sel(scenario="current-policy", year=2025)
    units = [f"yara_sluiskil/ammonia/ammonia_{u}" for u in "cde"]
    gas = ds["energy"].sel(plant=units, carrier="natural_gas").values / 0.03165 * (1 - 0.69)
    kwh = ds["energy"].sel(plant=units, carrier="electricity").values / 0.0036
    gas_m3, all_kwh = float(gas.sum()), float(kwh.sum())

    def gas_brackets(m3: float) -> float:
        return 170_000 * 0.57816 + 830_000 * 0.31573 + 9_000_000 * 0.20347 + (m3 - 1e7) * 0.05385

    def electricity_brackets(k: float) -> float:
        return 10_000 * 0.10154 + 40_000 * 0.06937 + 9_950_000 * 0.03868 + (k - 1e7) * 0.00321

    assert gas[2] > 1e7 and kwh[2] > 1e7  # unit E alone is in the top brackets too
    want = gas_brackets(gas_m3) * gas / gas_m3 + electricity_brackets(all_kwh) * kwh / all_kwh
    np.testing.assert_allclose(ds["energy_tax"].sel(plant=units).values, want, rtol=1e-9)
    # against each unit through the brackets alone, the complex saves the lower brackets'
    # excess over the top rate once for the second unit in the top brackets (D; C is idle
    # in 2025): 170,000 x (0.57816 - 0.05385) + 830,000 x (0.31573 - 0.05385) + 9,000,000 x
    # (0.20347 - 0.05385) = 1,653,073.1 EUR on gas, and on electricity 10,000 x (0.10154 -
    # 0.00321) + 40,000 x (0.06937 - 0.00321) + 9,950,000 x (0.03868 - 0.00321) = 356,556.2 EUR
    assert gas[0] == 0.0 and kwh[0] == 0.0 and gas[1] > 1e7 and kwh[1] > 1e7
    alone = sum(gas_brackets(g) for g in gas[1:]) + sum(electricity_brackets(k) for k in kwh[1:])
    saved = alone - float(ds["energy_tax"].sel(plant=units).sum())
    assert saved == pytest.approx(1_653_073.1 + 356_556.2, abs=1.0)


@pytest.fixture(scope="module")
def nine(cat: Catalogue) -> Results:
    """The three default scenarios at each price set (central, low, high)."""
    from kruispunt.assemble import build_inputs as build
    from kruispunt.scenarios import Scenario

    runs = []
    for name in DEFAULTS:
        base = resolve([name])[0]
        for prices in ("central", "low", "high"):
            lv = base.levers.model_copy(update={"price_set": prices, "name": f"{name}-{prices}"})
            runs.append(
                Scenario(name=f"{name}-{prices}", levers=lv, chain=base.chain, origin=base.origin)
            )
    return simulate(build(cat, runs))


def test_few_plants_change_route_three_times(nine: Results) -> None:
    """Real plants rarely change their route three times in 25 years, and hardly ever within
    15. Until December 2026, high ambition at low prices had 73 plants with three changes (63
    of them paid by a CCfD to go back to the biomass they had left when their SDE++ ran out:
    docs/model.md, "Support pays once for a route"), then 14 under high ambition at central
    prices (heat plants on a hybrid boiler paid by the SDE++ to run its electric boiler in
    every hour: "Support pays for new installations"), then at most 6 in a run (heat plants
    that left a knife-edge award a year or two after it: "Contracts held").

    Now, with a plant weighing the payments it keeps over the years they still run ("Contracts
    held") and no permits for new solid-biomass combustion (route parameter ``new_permits``),
    within any 15 years at most two plants a run change three times: Shell Pernis until Dec
    2026, whose two decided projects (Porthos capture 2026, Holland Hydrogen 1 2027) were
    followed by post-combustion capture under high ambition (2033; since Porthos starts in its
    first full year both projects start in 2027, one route), and, since electrolysis costs what
    Dutch projects cost (Dec 2026), the Zeeland Refinery adding step to step (e-boilers 2028,
    capture at its hydrogen units 2032, network hydrogen 2036; since capture at hydrogen units
    is open only to Pernis and ExxonMobil, Dec 2026, it goes from e-boilers to post-combustion
    capture). Over the 25 years high ambition
    at low prices has 14 (at most 4 elsewhere): heat plants that go to a heat pump or a hybrid
    boiler (2026-2031), to an e-boiler a support round pays (2032-2033), and back when its
    contract ends (2049-2050), an e-boiler without support being dearer than the heat pump or
    hybrid at low gas prices (since electrolysis costs what Dutch projects cost, December 2026,
    one more: Rosier Sas van Gent, whose e-boiler a round now pays in 2032 rather than 2035,
    back to its heat pump in 2049). The fourth at high ambition at central prices is the Zeeland
    Refinery (there post-combustion capture with network hydrogen in 2036).

    Since refinery hydrogen is outside the industry RFNBO obligation (Dec 2026: 26 kt required,
    not 52) the three merchant electrolysers of high ambition at high prices (Air Products
    Botlek Boyneweg 2029, Air Liquide Bergen op Zoom and Eastman Middelburg 2035) make 26.2 kt,
    just above it: the premium swings between the marginal electrolyser's need and the users'
    partial need when one of them leaves. Until the clearing weighed a seller's need as what
    keeps it whole (Dec 2026: its whole gap over what it sells, and the amount that lifts
    staying with the option to close later to its best alternative, ``OptionValues.
    stay_need``) Air Products left for capture in 2040 and built a new electrolyser in 2042,
    the other two went back to capture in 2047, and that run had 6; now they stay.

    With the refinery route (Dec 2026: a refinery's renewable hydrogen earns transport units,
    valued at the HBE proxy of 1,332 EUR/t) high ambition at low prices has 15: VPR Europoort
    buys network hydrogen from 2030 (decided 2026), is indifferent in 2030 between staying and
    capture at its hydrogen units, which a near-zero SDE++ award tips (capture 2034), and goes
    back to network hydrogen in 2038, the units' value tipping it again: each choice compares
    annual values over windows that start at different years, so a knife-edge plant can turn
    back (docs/model.md, "Known gaps"). Since TenneT's release on the Noord-Brabant grid (Dec
    2026, a grid zone) it has 18: four Brabant heat plants (DAF Eindhoven, Heineken Den Bosch,
    Mars Veghel, Nutricia Haps) that waited for the grid until 2034 now take a heat pump or
    hybrid boiler in 2028 and follow the same pattern (a paid e-boiler 2032, back in 2049).
    Since the routes that idle a refinery's reformers are closed to BP Rotterdam and VPR,
    which have none (Dec 2026), it has 21: BP's two crude units take e-boilers (2029) and
    post-combustion capture (2033) and go back to the plain refinery in 2048, when the
    capture's support ends at the low EUA path; VPR, which bought network hydrogen from 2030
    before, turns back from its e-boilers in 2030 (a 2027 decision at a knife-edge), captures
    from 2035 and goes back in 2050.

    Since a hybrid boiler pays the network tariff on its rated power (Dec 2026: half the kW
    tariff on the time-bound right, 0.5 of its rated power, not the 0.228 it runs on power)
    the heat plants that took a hybrid in 2028-2031 take a heat pump instead where the waste
    heat allows, and a support round pays them an e-boiler in 2032-2033 (before, the hybrid
    already held the e-boiler, which "Support pays for new installations" left unpaid). When
    the 15-year CCfD ends (2047-2050) an e-boiler without support is dearer than the heat pump
    or gas, and they go back: high ambition at low prices has 40, at central prices 14, at high
    prices 10; no run has any plant with three changes within 15 years. Since a heat pump can
    stand beside a hybrid boiler (Dec 2026, ``heat_pump_hybrid_low``) most of those plants take
    that pair and come back to it at the contract's end: 36 at low prices, 9 at central, none
    at high. A heat pump beside an e-boiler alone is not a route of the model, so such a plant
    leaves its heat pump for the paid e-boiler rather than keeping it. Since each scenario
    runs its own hybrid mix (Dec 2026: high ambition's CO2-heffing puts its hybrids on power
    3,000 h a year to 2033, not the reference's 2,000), staying on the pair is worth more
    there and fewer plants take the paid e-boiler: 24 at low prices, 1 at central, none at
    high. Since a paper mill can run its e-boiler as a hybrid beside its gas boiler (Dec 2026,
    ``paper_hybrid_boiler``) high ambition has 9 at central prices (two mills take the hybrid,
    a round pays them the all-electric boiler two years later, and they go back at the
    contract's end) and 19 at low (11 before: heat plants take the rounds the mills' all-electric
    boilers took)."""
    ds = nine.dataset
    route = ds["route_index"].sel(year=slice(2025, 2050)).values  # (S, P, Y)
    moved = np.diff(route, axis=-1) != 0
    changes = moved.sum(axis=-1)
    per_run = dict(zip(ds.scenario.values, (changes >= 3).sum(axis=-1), strict=True))
    assert max(per_run.values()) <= 24, per_run
    # high ambition has many, the other packages few
    assert sorted(per_run.values())[-4] <= 4, per_run
    count = np.cumsum(np.pad(moved, ((0, 0), (0, 0), (1, 0))), axis=-1)
    in_15 = (count[..., 15:] - count[..., :-15]).max(axis=-1)  # most changes in 15 years
    fast = dict(zip(ds.scenario.values, (in_15 >= 3).sum(axis=-1), strict=True))
    assert max(fast.values()) <= 2, fast


def test_a_plant_keeps_its_co2_store_until_its_new_route_starts(nine: Results) -> None:
    """A plant that decides to move to a route served by another CO2 store keeps storing in
    the one it holds while it builds: its pool changes when the new route starts, not at
    the decision. In high ambition Shell Pernis decides in 2027 on post-combustion capture
    served by Aramis (from 2031) and until then stores what its Porthos route captures (it
    vented about 0.44 Mt/yr in 2027-2030 while Aramis had no capacity, until session 8).
    Property over the nine runs: before 2040 (Porthos, the first store, runs 2027-2041), a
    plant that stored CO2 last year on the route it still runs, and captures at least as
    much this year, stores it."""
    ds = nine.dataset
    captured = ds["captured_co2"].values  # (S, P, Y)
    stored = ds["stored_co2"].values
    route = ds["route_index"].values
    same = route[..., 1:] == route[..., :-1]
    kept_on = same & (stored[..., :-1] > 0) & (captured[..., 1:] >= captured[..., :-1] - 1e-6)
    gap = np.where(kept_on, captured[..., 1:] - stored[..., 1:], 0.0)
    pernis = [str(p).startswith("shell_pernis/refinery") for p in ds.plant.values]
    ha = [str(s).startswith("high-ambition") for s in ds.scenario.values]
    years = ds.year.values[1:]
    sel = (years >= 2027) & (years <= 2030)
    # Shell Pernis in high ambition: everything captured 2027-2030 is stored
    np.testing.assert_allclose(
        stored[np.ix_(ha, pernis)][..., 1:][..., sel],
        captured[np.ix_(ha, pernis)][..., 1:][..., sel],
    )
    assert captured[np.ix_(ha, pernis)][..., 1:][..., sel].min() > 1e5
    early = years < 2040
    assert gap[..., early].max() <= 0.01 * captured[..., 1:][..., early].max()


def _asphalt_plants_running(cat: Catalogue, ds: xr.Dataset) -> list[str]:
    """Asphalt plants that run in 2025 and burnt at least 100 t in their base year (one
    plant emitted 1 t on an allocation of 1,927 t: it did not run in 2022 and is idle from
    then, events.csv)."""
    base = site_emissions(cat)["verified_emissions"]
    return [
        str(p)
        for p, site in zip(ds["plant"].values, ds["site"].values, strict=True)
        if "asfalt" in str(p)
        and float(base.get(str(site), 0.0)) >= 100.0
        and float(ds["production"].sel(plant=p, year=2025)) > 0
    ]


@pytest.mark.parametrize("until", [2030, 2050])
def test_asphalt_plants_run_on(cat: Catalogue, results: Results, until: int) -> None:
    """No Dutch asphalt plant has announced a closure, and asphalt is not traded across
    borders. To 2030: with their activity (NACE 23.99) at risk of carbon leakage they keep
    free allocation; with it phased out as for a sector not at risk, 16 of the 24 closed in
    2028 under current policy (the others moved to biomass). To 2050: they earn their
    branch's operating profit, 2.13 times their energy bill (building materials, ABN AMRO on
    CBS, 2019: branch_profits.csv), not a zero margin on their heat; before, 16 of them
    closed between 2036 and 2050 under every default scenario as free allocation ended.
    Every asphalt plant running in 2025 runs through ``until`` in every
    default scenario."""
    for scenario in DEFAULTS:
        ds = results.dataset.sel(scenario=scenario)
        running = _asphalt_plants_running(cat, ds)
        assert len(running) >= 20
        prod = ds["production"].sel(plant=running, year=slice(2025, until))
        assert bool((prod > 0).all()), scenario


def _committed_cuts(
    cat: Catalogue, results: Results, plant: str, year: int, routes: tuple[str, str]
) -> list[float]:
    """For a plant's decided route change in ``year`` (``routes``: before, after): in every
    default scenario its site emits its base year the year before, the plant runs the routes
    before and from ``year`` as a committed project; the site's cut in ``year`` against its
    base year, one per scenario."""
    site = plant.split("/")[0]
    base = float(site_emissions(cat).loc[site, "verified_emissions"])
    cuts = []
    for scenario in DEFAULTS:
        ds = results.dataset.sel(scenario=scenario)
        at_site = ds["site"].values.astype(str) == site
        em = ds["direct_emissions"].isel(plant=np.flatnonzero(at_site)).sum("plant")
        assert float(em.sel(year=year - 1)) == pytest.approx(base, rel=1e-6)
        for y, route in zip((year - 1, year), routes, strict=True):
            idx = int(ds["route_index"].sel(plant=plant, year=y))
            assert str(ds["route"].values[idx]) == route
        assert int(ds["switch_reason"].sel(plant=plant, year=year)) == REASON["committed_project"]
        cuts.append(1.0 - float(em.sel(year=year)) / base)
    return cuts


def test_rockwool_melting_lines_run_electric_from_2027(cat: Catalogue, results: Results) -> None:
    """Rockwool Roermond electrifies the melting of two production lines by 2025-2027 (works
    under way; ANP, 28 Feb 2024): -80 % CO2 on those lines, more than half of the site. The
    two lines are a unit carrying 0.5 / 0.8 = 0.625 of the site's base-year emissions (rule
    U5). In every default scenario the site emits its base year until 2026 and that unit
    runs electric from 2027 as a decided project; the model's electric route cuts 76 % (0.132
    against 0.556 tCO2/t), so the site loses 0.625 x 0.76 = 47.6 % of its CO2, within a few
    per cent of the half the company gives."""
    lines = "rockwool_roermond/glass/lines_electrified"
    routes = ("gas_glass_furnace", "electric_glass_furnace")
    for cut in _committed_cuts(cat, results, lines, 2027, routes):
        assert cut == pytest.approx(0.625 * (1.0 - 0.132361 / 0.55626), abs=2e-3)


def test_sappi_e_boilers_run_from_2026(cat: Catalogue, results: Results) -> None:
    """Sappi Maastricht's second e-boiler (20 MW, commissioning planned for Nov 2025) was
    approved and under construction; with the first (2021-22) the mill expects -14 % of its
    CO2 by 2026 and -30 % by 2030 (TAPPI, Sappi release). The steam of the 2026 cut is a unit
    carrying 0.14 of the mill's base-year emissions (rule U5 with the e-boiler route emitting
    nothing), the further 2030 cut a unit of 0.16 whose route the model chooses (an
    expectation, not a decided project). In every default scenario the mill emits its base
    year in 2025 and 14 % less from 2026 on, the first unit on ``paper_eboiler`` as a decided
    project. Before, the mill stayed on gas at 150.8 kt/yr to 2030 and beyond."""
    unit = "sappi_maastricht/paper/eboilers_2026"
    for cut in _committed_cuts(cat, results, unit, 2026, ("paper_gas_steam", "paper_eboiler")):
        assert cut == pytest.approx(0.14, abs=1e-6)


def test_paper_mills_on_e_boilers_run_them_as_hybrids_not_back_on_gas(
    cat: Catalogue, results: Results
) -> None:
    """A paper mill's e-boiler sits beside the gas boiler it keeps (Sappi Maastricht's switch
    between gas and power with the price): ``paper_hybrid_boiler`` runs the e-boiler of
    ``paper_eboiler`` on power and the gas boiler of ``paper_gas_steam`` on gas, and a mill on
    ``paper_eboiler`` reaches it at no cost. So a mill that ran the all-electric boiler never
    goes back to gas alone: in every default scenario no paper plant runs ``paper_gas_steam``
    after a year on ``paper_eboiler``, and Sappi's 2026 unit moves on to the hybrid once its
    decided period ends. Until December 2026 (c8800bf) the model had no hybrid for paper, and
    under current policy Sappi's 2026 unit went back to gas in 2041, Essity Cuijk in 2043 and
    Crown van Gelder in 2046 (at 2040s prices steam from gas with its EUA costs less than
    steam from power)."""
    inputs = cat.route_inputs.set_index(["route_id", "carrier_id", "year"])["value"]
    for carrier, alone in (("electricity", "paper_eboiler"), ("natural_gas", "paper_gas_steam")):
        hybrid = inputs.loc["paper_hybrid_boiler", carrier]
        assert (hybrid == inputs.loc[alone, carrier].reindex(hybrid.index).ffill()).all()
    params = cat.route_parameters.set_index(["route_id", "parameter"])["value"]
    assert params.loc[("paper_hybrid_boiler", "flexible_load")].item() == 1
    assert (
        params.loc[("paper_hybrid_boiler", "emission_factor")].item()
        == params.loc[("paper_gas_steam", "emission_factor")].item()
    )
    retro = cat.route_retrofits
    from_eboiler = retro[
        (retro.route_id == "paper_hybrid_boiler") & (retro.retrofit_of == "paper_eboiler")
    ]
    assert len(from_eboiler) == 1 and from_eboiler.capex_add.item() == 0

    ds = results.dataset
    names = [str(r) for r in ds["route"].values]
    gas, electric = names.index("paper_gas_steam"), names.index("paper_eboiler")
    hybrid = names.index("paper_hybrid_boiler")
    paper = ds["sector"].values == "paper"
    route = ds["route_index"].values[:, paper]  # (scenario, plant, year)
    was_electric = np.maximum.accumulate(route == electric, axis=-1)
    assert not (was_electric & (route == gas)).any()
    sappi = ds["route_index"].sel(plant="sappi_maastricht/paper/eboilers_2026")
    years = ds["year"].values
    assert (sappi.sel(year=years[years >= 2026]).isin([electric, hybrid])).all()
    assert (sappi.sel(year=2050) == hybrid).all()


def test_rfnbo_sellers_do_not_flicker(results: Results) -> None:
    """The RFNBO market's need of a plant already on a qualifying route is its gap to the
    best option without this market, where staying without the market keeps the option to
    run on and close later (``OptionValues.stay_without``). Taking only the market's revenue
    off a staying value whose exit option was weighed with it overstated the need by last
    year's revenue, so sellers alternated: Air Liquide Botlek's electrolyser sold 45, 0, 40
    and 0 MEUR in 2047-2050 and Eastman Middelburg's 0, 18, 0 and 16 (need about 3,200 EUR/t
    after a year of sales, 1,700 after a year without, against a premium of 2,700-3,300). In
    every default scenario no plant now sells in a year and the year after next but not in
    between, and an electrolyser sells in every year of the obligation from 2030: Air
    Products Botlek's (Boyneweg). Until the model's 2025 became history (Dec 2026) it was Air
    Liquide Botlek's, from 2031 (that plant now decides on capture in 2026, runs it from 2030
    and is still building when the market takes its first sellers); then Air Products
    Botlek's; then, with the 2025 energy-tax rates on electricity above 10,000 kWh (Dec 2026),
    Eastman Middelburg's, electrolysing from 2029 on the Zeeland grid Cargill Bergen op
    Zoom's hybrid boiler left. Since no new solid-biomass boilers are permitted (Dec 2026,
    second revision) the Zeeland heat plants that burnt biomass take that grid with hybrid
    boilers and a heat pump from 2028 (Cargill and Philip Morris Bergen op Zoom, Rosier),
    Eastman captures from 2031 and electrolyses from 2035, and Air Products sells again.

    Since electrolysis costs what Dutch projects cost (Dec 2026: TNO's 12-14 EUR/kg, the
    validation page) no hydrogen plant built an electrolyser under current policy while the
    merchant projects without an investment decision (Eneco, H2Next) counted as supply: Air
    Products Botlek captures at its older reformer from 2031. With the decided projects alone
    (Dec 2026) the obligation is short, and Air Liquide Bergen op Zoom and Eastman Middelburg
    electrolysed for it (from 2033); since the required volume is the obligated users' own
    use and they pay for it (7 Dec 2026), Eastman alone; since the projects awarded OWE
    support supply (Dec 2026) none: the users take what they owe. The obligation's sellers were the
    refineries, and since their hydrogen is outside the industry target (RED III Art. 22a(1),
    Dec 2026) users meet it by taking renewable hydrogen for part of their use, and no
    refinery earns the premium in any scenario.

    The refineries on green hydrogen (Shell Pernis's Holland Hydrogen 1 from 2030; BP
    Rotterdam's two crude units and VPR on network hydrogen from 2031, the Zeeland Refinery from
    2036) sold in every year to 2050 under current policy until then. Until December 2026
    (earlier) Shell Pernis sold nothing in 2046, BP and the
    Zeeland Refinery nothing in 2047 and VPR nothing in 2050, while each made the same renewable
    hydrogen: in the year's clearing the users' partial supply (:meth:`RfnboMandate.
    market_supply`), its need falling every year with the network hydrogen price, passed below
    their needs (their gaps to leaving the green hydrogen, rising as its asset ages) and took
    their place. The plants' output of a year now counts against the obligation before users
    take any in part (``tests/policy/test_rfnbo_partial.py``)."""
    ds = results.dataset
    years = ds["year"].values
    for scenario in ds["scenario"].values:
        revenue = ds["premium_revenue"].sel(scenario=scenario).values  # (plant, year)
        # a premium of the engine's tie-breaker (STAY_BONUS, 1e-6 EUR per unit: a seller
        # whose gap is zero sets it, e.g. in the procured glass market under high ambition,
        # 0.09-3.1 EUR/yr a plant) is not a sale; a sale pays at least 0.1 cent a unit
        production = ds["production"].sel(scenario=scenario).values
        sells = revenue > 1e-3 * production
        gap = sells[:, :-2] & ~sells[:, 1:-1] & sells[:, 2:]
        flicker = {
            (str(scenario), f"{ds['plant'].values[p]} {years[y + 1]}")
            for p, y in zip(*np.nonzero(gap), strict=True)
        }
        assert not flicker, (scenario, sorted(flicker))
    # refinery hydrogen is outside the industry obligation (RED III Art. 22a(1)): no refinery
    # earns its premium in any default scenario; what refineries earn is the refinery route's
    # transport units (tests/policy/test_refinery_route.py), none without that route
    refinery = ds["plant_product"].values.astype(str) == "refinery_throughput"
    nnp = ds.sel(scenario="no-new-policy")["premium_revenue"].values
    assert float(nnp[refinery].sum()) == 0.0
    # with the decided supply projects alone (Holland Hydrogen 1, ELYgator; Dec 2026) the
    # obligation was short of renewable hydrogen, and Eastman Middelburg electrolysed for it
    # from 2033, selling in every year it ran it (with Air Liquide Bergen op Zoom until the
    # users paid for their obligation, 7 Dec 2026). Since the projects awarded OWE support
    # supply (Dec 2026) the users take all they owe in part at a premium below the cap, and no
    # hydrogen plant builds an electrolyser or sells
    cp = ds.sel(scenario="current-policy")
    hydrogen = cp["plant_product"].values.astype(str) == "hydrogen"
    revenue = cp["premium_revenue"].values
    routes = cp["route"].values.astype(str)[cp["route_index"].values]
    assert float(revenue[hydrogen].sum()) == 0.0
    assert not (routes[hydrogen] == "electrolysis").any()
    assert str(routes[list(cp["plant"].values).index("eastman_middelburg/hydrogen"), -1]) == (
        "smr_ccs"
    )
    plant = "air_products_botlek_boyneweg/hydrogen"
    route = cp["route_index"].sel(plant=plant, year=2031)
    assert str(cp["route"].values[int(route)]) == "smr_ccs"


def test_dispersed_sites_wait_for_the_regional_grid(cat: Catalogue, results: Results) -> None:
    """Cluster 6 (the dispersed sites) has no room for new electric load until 2034: the
    regional grids are full for large users in every province but the east of Groningen and
    parts of Friesland (Dec 2024), 9.1 GW of offtake requests wait (1 Jul 2025), and the
    expansion takes about ten years (``infrastructure.csv``). Before, the cluster had no grid
    figure and took 644 MW of new load by 2027 (28 plants, mostly hybrid boilers); now, in
    every default scenario, none before 2034 outside the Noord-Brabant zone, and those plants
    are on the waiting list from 2026, the first year plants decide for themselves
    (``decisions_from``; 2025 is history, with no one waiting): 44 under current policy, 48
    under high ambition and 9 under no new policy, where without the SDE++ few heat plants
    want a hybrid boiler since it pays the kW tariff on its rated power (11-32 before).
    Since December 2026 the cluster's only room before 2034 is TenneT's release on
    the Noord-Brabant grid (zone ``tennet_noord_brabant``: 200, 400, then 805 MW from 2026,
    2027 and 2028), open to its 17 Brabant sites alone; from 2032 the Groningen 110 kV grid
    (zone ``tennet_groningen``, its 14 sites) and from 2033 TenneT's delayed reinforcements
    in Gelderland, Utrecht and the Flevopolder (zone ``tennet_utrecht_gelderland_flevopolder``,
    its 39 sites), from 2030 Noord-Limburg's (the Boxmeer station, zone
    ``tennet_noord_limburg``, its 7 sites) and from 2034 Midden- and Zuid-Limburg's
    (Graetheide 380 kV, zone ``tennet_midden_zuid_limburg``, its 18 sites); Zuid-Holland's 8
    sites wait for their province's expansions until 2035 (zone ``tennet_zuid_holland``;
    ``tests/engine/test_grid_zones.py``)."""
    ds = results.dataset
    before = ds["year"] < 2034
    zones = (
        "tennet_noord_brabant",
        "tennet_groningen",
        "tennet_utrecht_gelderland_flevopolder",
        "tennet_noord_limburg",
        "tennet_midden_zuid_limburg",
        "tennet_zuid_holland",
    )
    zone_sites = cat.sites.loc[cat.sites["grid_zone"].isin(zones), "site_id"]
    in_zone = np.isin(ds["site"].values, sorted(zone_sites))
    room = np.where(ds["year"].values >= 2028, 805.0, 0.0)
    room[ds["year"].values == 2026], room[ds["year"].values == 2027] = 200.0, 400.0
    # from 2030 a zone of the cluster is not limited by the data (Noord-Limburg's, the Boxmeer
    # station), so neither is the cluster's sum of its pools
    room[ds["year"].values >= 2030] = np.inf
    decided = list(ds["reason"].values).index("committed_project")
    for scenario in ds["scenario"].values:
        grid = dict(scenario=scenario, cluster="cluster6", resource="grid")
        capacity = ds["infra_capacity"].sel(grid).values[before.values]
        np.testing.assert_array_equal(capacity, room[before.values])
        # the cluster's new load before 2034 is the zone's plants' alone (the plants elsewhere
        # that add load, Cosun's, Sappi's, Rockwool's, PepsiCo's, Nobian Hengelo's, do so
        # on a decided project whose connection came with the decision), within its room
        use = ds["infra_use"].sel(grid).values[before.values]
        peak = ds["peak_load"].sel(scenario=scenario).values[:, before.values]
        own = in_zone & ~(ds["switch_reason"].sel(scenario=scenario).values == decided).any(1)
        zone_load = np.maximum(peak[own] - peak[own, :1], 0.0).sum(axis=0)
        np.testing.assert_allclose(use, zone_load, atol=1e-6)
        assert (use <= capacity + 1e-6).all()
        waiting = ds["grid_waiting"].sel(scenario=scenario)
        assert float(waiting.sel(year=2025).max()) == 0.0
        on_list = waiting.sel(year=2026).where(ds["plant_cluster"] == "cluster6", drop=True)
        assert int((on_list > 0).sum()) >= 9


def test_no_new_solid_biomass_combustion(results: Results) -> None:
    """No permit is granted for a new solid-biomass boiler or furnace decided from 2025
    (route parameter ``new_permits``, ``assumption_no_new_biomass_permits``: its NOx against
    the nitrogen rulings of the Raad van State; SABIC Bergen op Zoom's pellet plant annulled
    and dropped), and no plant burns biomass today, so in every default scenario no plant
    burns any. Until December 2026 (second revision) 29 plants decided in 2026 to burn
    pellets from 2028, 14 more from 2029, and the model's plants burnt 15.2 PJ in 2030 and
    47.5 PJ/yr from 2040 (current policy, central), a wave nothing in reality resembles
    (docs/model.md, "Solid biomass: no new permits")."""
    ds = results.dataset
    bio = ds["energy"].sel(carrier="biomass")
    assert float(bio.max()) == 0.0
    names = ds["route"].values[ds["route_index"].values]
    solid = ["biomass_boiler_low", "biomass_furnace_medium", "biomass_furnace_high"]
    assert not np.isin(names, [*solid, "paper_biomass_boiler"]).any()


def test_a_scenario_granting_biomass_permits_from_2030(cat: Catalogue, tmp_path: Path) -> None:
    """The scenario lever ``permits_from`` reopens what the data's ``new_permits`` closes:
    with permits for the four solid-biomass routes from 2030 (the letter's temporary
    admission of nitrogen deposition, as a test), no plant decides on one before 2030 and
    some do from then on, so biomass burns only from 2030 plus the routes' lead time."""
    solid = ["biomass_boiler_low", "biomass_furnace_medium", "biomass_furnace_high"]
    routes = [*solid, "paper_biomass_boiler"]
    path = tmp_path / "permits.yaml"
    path.write_text(
        "name: biomass-permits-2030\nbase: current-policy\npermits_from:\n"
        + "".join(f"  {r}: 2030\n" for r in routes),
        encoding="utf-8",
    )
    inputs = build_inputs(cat, resolve([str(path)]))
    r_of = {r: i for i, r in enumerate(inputs.coords.routes)}
    assert inputs.levers.permits_from[0, [r_of[r] for r in routes]].tolist() == [2030] * 4
    ds = simulate(inputs).dataset
    names = ds["route"].values[ds["route_index"].values[0]]  # (P, Y)
    on = np.isin(names, routes)
    lead = int(inputs.routes.lead_time[[r_of[r] for r in routes]].min())
    years = ds["year"].values
    assert on.any(), "no plant took a permit"
    assert not on[:, years < 2030 + lead].any()
    bio = ds["energy"].sel(carrier="biomass").isel(scenario=0).sum("plant")
    assert float(bio.sel(year=slice(None, 2029 + lead)).max()) == 0.0
    assert float(bio.sel(year=2040)) > 0.0


def test_no_option_column_is_padding_only(cat: Catalogue) -> None:
    """The widest plants fill the last option column (the refineries' ten routes): every
    ``(S, P, K)`` array of the engine is a column narrower than the count of a product's
    routes plus one made it (11 until December 2026)."""
    options = build_inputs(cat, resolve(["current-policy"])).plants.options
    assert (options >= 0).any(axis=0).all()
    assert options.shape[1] == int((options >= 0).sum(axis=1).max())


def test_heat_projects_built_at_food_plants_run(results: Results) -> None:
    """Two food plants that the model sent to biomass or hybrid boilers have built their own
    projects (``events.csv``): Holland Malt Eemshaven went fully off gas on heat pumps fed by
    its kilns' waste heat (opened 14 Mar 2024; the model had it on gas until a hybrid boiler
    in 2032), and PepsiCo Broek op Langedijk heats its fryers with electric heaters and a heat
    store from spring 2026 (the model had a biomass boiler in 2028; it has no heat-battery
    route and takes the hybrid boiler). In every default scenario Holland Malt emits nothing
    and burns no biomass from 2025, its electricity 0.33 / 0.925 = 0.357 GJ per GJ of heat
    (the stated 67 % saving on the gas a 0.925-efficient boiler burnt), and PepsiCo runs the
    hybrid boiler from 2026 to at least 2035 (a heat pump may join it) and burns no biomass."""
    ds = results.dataset
    malt = "holland_malt_eemshaven/process_heat_low"
    pepsi = "pepsico_broek_op_langedijk/process_heat_low"
    for scenario in ds["scenario"].values:
        one = ds.sel(scenario=scenario)
        route = one["route"].values
        malt_routes = set(route[one["route_index"].sel(plant=malt).values])
        assert malt_routes == {"heat_pump_malting_low"}
        assert float(one["direct_emissions"].sel(plant=malt).max()) == 0.0
        assert float(one["energy"].sel(plant=malt, carrier="biomass").max()) == 0.0
        heat = one["production"].sel(plant=malt, year=2030)
        power = one["energy"].sel(plant=malt, carrier="electricity", year=2030)
        assert float(power / heat) == pytest.approx(0.33 / 0.925, rel=1e-4)
        pep = route[one["route_index"].sel(plant=pepsi).sel(year=slice(2026, 2035)).values]
        assert pep[0] == "hybrid_boiler_low"
        assert set(pep) <= {"hybrid_boiler_low", "heat_pump_hybrid_low_food"}
        assert route[int(one["route_index"].sel(plant=pepsi, year=2025))] == "gas_boiler_low"
        assert float(one["energy"].sel(plant=pepsi, carrier="biomass").max()) == 0.0


def test_botlek_steam_network_supplies_lyondellbasell_from_2026(
    cat: Catalogue, results: Results
) -> None:
    """The Botlek steam network's extension (contracts signed Apr 2024, ready early 2026)
    replaces at least 50 million m3 of gas a year with AVR's and Cabot's recovered steam,
    LyondellBasell the larger of its two buyers. The unit of LyondellBasell Botlek's steam
    that at least half of it stands for carries 25e6 m3 x 31.65 MJ/m3 x 55.0 kgCO2/GJ =
    43,518.75 t of the site's 281,841 t (rule U5, 0.154409). In every default scenario the
    site emits its base year in 2025, that unit 0.154409 of it, and about 15.4 % less in 2026
    (the rest of the plant moves a little with its own production), that unit buying all its
    steam (one GJ of heat a GJ) and emitting and burning nothing to 2050; bought heat is open
    to that unit alone."""
    unit = "lyondell_botlek/process_heat_low/steam_network"
    rest = "lyondell_botlek/process_heat_low/own_boilers"
    for cut in _committed_cuts(cat, results, unit, 2026, ("gas_boiler_low", "bought_heat_low")):
        assert cut == pytest.approx(43_518.75 / 281_841, abs=2e-3)
    ds = results.dataset
    for scenario in DEFAULTS:
        first = float(ds["direct_emissions"].sel(scenario=scenario, plant=unit, year=2025))
        assert first == pytest.approx(0.154409 * 281_841, rel=1e-6)
        one = ds.sel(scenario=scenario, year=slice(2026, 2050))
        assert float(one["direct_emissions"].sel(plant=unit).max()) == 0.0
        routes = set(one["route"].values[one["route_index"].sel(plant=unit).values])
        assert routes == {"bought_heat_low"}
        heat = one["production"].sel(plant=unit)
        bought = one["energy"].sel(plant=unit, carrier="heat")
        assert np.allclose(bought.values, heat.values, rtol=1e-12)
        assert float(one["energy"].sel(plant=unit, carrier="natural_gas").max()) == 0.0
        others = set(one["route"].values[one["route_index"].sel(plant=rest).values])
        assert "bought_heat_low" not in others
    inputs = build_inputs(cat, resolve(["current-policy"]))
    labels = list(ds["plant"].values.astype(str))
    route_ids = ds["route"].values.astype(str)

    def options(plant: str) -> set[str]:
        row = inputs.plants.options[labels.index(plant)]
        return {str(route_ids[r]) for r in row[row >= 0]}

    assert "bought_heat_low" in options(unit)
    assert "bought_heat_low" not in options(rest) and "hybrid_boiler_low" in options(rest)


def test_saint_gobain_hybrid_furnace_cuts_the_plant_a_fifth(
    cat: Catalogue, results: Results
) -> None:
    """Isover's hybrid glass-wool furnace at Etten-Leur (half its heat from electrodes) is in
    production since 16 Sep 2024: CO2 of the plant -20 % (Gevelbouw.info, Nov 2024). The
    model has only an all-electric furnace (1 - 0.132361 / 0.55626 = 76.2 % cut), so the unit
    that switches is the share of the site that gives -20 % at that cut, 0.262449 (rule U5).
    In every default scenario that unit runs the electric furnace from 2025, the first model
    year, as a decided project, and the site emits 80 % of its 2022 figure in 2025."""
    site = "saint_gobain_etten_leur"
    unit = f"{site}/glass/melter_electrodes"
    base = float(site_emissions(cat).loc[site, "verified_emissions"])
    ds = results.dataset
    for scenario in DEFAULTS:
        one = ds.sel(scenario=scenario, year=2025)
        assert str(one["route"].values[int(one["route_index"].sel(plant=unit))]) == (
            "electric_glass_furnace"
        )
        at_site = np.flatnonzero(one["site"].values.astype(str) == site)
        em = float(one["direct_emissions"].isel(plant=at_site).sum())
        assert em / base == pytest.approx(0.80, abs=1e-5)


def test_shell_moerdijk_new_cracker_furnaces_cut_a_tenth_from_2026(
    cat: Catalogue, results: Results
) -> None:
    """Project Skyline's eight new cracker furnaces (ready for start-up at the end of 2025)
    cut about 10 % of the Moerdijk complex's CO2 (Oil & Gas Journal, Sep 2020; Calderys). The
    saving is booked where the bought gas falls, at the site's utilities: a unit carrying 0.1
    of the site's 2022 emissions (rule U5) raises its steam from what the new furnaces free
    from 2026, buying no fuel. In every default scenario the site emits its base year in 2025
    and 10 % less in 2026 (the cracker and the other units run on as before that year), that
    unit buys no gas and emits nothing to 2050, and no other plant may take the route."""
    unit = "shell_moerdijk/process_heat_low/skyline_steam"
    routes = ("gas_boiler_low", "recovered_heat_low")
    for cut in _committed_cuts(cat, results, unit, 2026, routes):
        assert cut == pytest.approx(0.10, abs=2e-3)
    ds = results.dataset
    route_names = ds["route"].values.astype(str)
    for scenario in DEFAULTS:
        one = ds.sel(scenario=scenario, year=slice(2026, 2050))
        assert set(route_names[one["route_index"].sel(plant=unit).values]) == {routes[1]}
        assert float(one["direct_emissions"].sel(plant=unit).max()) == 0.0
        assert float(one["energy"].sel(plant=unit).max()) == 0.0
        others = one["route_index"].drop_sel(plant=unit).values
        assert not (route_names[others] == routes[1]).any()


def test_only_refineries_with_a_pure_co2_stream_capture_at_hydrogen_units(
    results: Results,
) -> None:
    """MIDDEN gives a high-purity CO2 stream at the hydrogen units of Shell Pernis and
    ExxonMobil only (BP and the Zeeland Refinery none; VPR is a condensate splitter), so the
    routes that capture it are open to those two sites alone (route_sites.csv, Dec 2026),
    each to the site whose share it captures.
    Before, BP's two crude units and VPR took the route in 2031 and the Zeeland Refinery in
    2032 and stayed on that small capture; now BP and the Zeeland Refinery capture
    post-combustion from 2036 under current policy (from 2035 while the central power price
    after 2030 was the gas-at-the-margin formula, and from 2036 before that until the network
    tariffs from 2027 grew from 2025's level, Dec 2026)."""
    ds = results.dataset
    names = ds["route"].values[ds["route_index"].values]  # (S, P, Y)
    # each site at its own share of the stream (MIDDEN: Pernis 20.8 %, ExxonMobil 4.8 %)
    for h2units, site in (
        (
            ["refinery_ccs_h2units", "refinery_ccs_h2units_green_h2", "refinery_ccs_postcomb_hh1"],
            "shell_pernis",
        ),
        (["refinery_ccs_h2units_esso"], "esso_botlek"),
    ):
        on = np.isin(names, h2units).any(axis=(0, 2))
        assert {str(s) for s in ds["site"].values[on]} == {site}
    cp = ds.sel(scenario="current-policy")
    routes = cp["route"].values
    for plant, year in (
        ("bp_rotterdam/refinery_throughput/cdu1", 2036),
        ("zeeland_refinery/refinery_throughput", 2036),
    ):
        path = routes[cp["route_index"].sel(plant=plant).values]
        first = int(cp["year"].values[np.argmax(path == "refinery_ccs_postcomb")])
        assert first == year


def test_porthos_first_year_from_its_four_customers(results: Results) -> None:
    """Porthos's four customers store 2.36 Mt in 2027, its first full year, within its 2.5
    Mt/yr (porthos_sde_2021), and Shell Pernis is the largest of them, as Shell said when
    the subsidy was awarded ("Shell is met de raffinaderij in Pernis de grootste deelnemer",
    Reformatorisch Dagblad, May 2021): each refinery captures its own MIDDEN high-purity
    stream (Pernis 1,130 kt/yr, ExxonMobil 142; with the national 10 % at both the four
    stored 2.01 Mt and Air Liquide's plant was the largest)."""
    cp = results.dataset.sel(scenario="current-policy", year=2027)
    stored = cp["stored_co2"].groupby("site").sum() / 1e6
    four = ["air_liquide_botlek", "air_products_botlekweg", "esso_botlek", "shell_pernis"]
    total = float(stored.sel(site=four).sum())
    assert 2.3 <= total <= 2.5
    assert stored.sel(site=four).idxmax().item() == "shell_pernis"
    assert float(stored.sel(site="shell_pernis")) == pytest.approx(0.925, abs=0.01)
    assert float(stored.sel(site="esso_botlek")) == pytest.approx(0.123, abs=0.005)


def test_only_refineries_with_a_reformer_may_idle_it(inp: ModelInputs) -> None:
    """The routes that idle a refinery's steam reformers and buy their hydrogen
    (refinery_green_h2, refinery_ccs_postcomb_green_h2) are offered only where MIDDEN has a
    reformer: Shell Pernis (47.2 kt H2/yr), ExxonMobil (26.3) and the Zeeland Refinery (92).
    BP Rotterdam has none and VPR is a condensate splitter (route_sites.csv, Dec 2026); the
    other refinery routes stay open to every refinery."""
    routes = list(inp.coords.routes)
    site = np.asarray(inp.coords.plant_site)
    refinery = np.asarray(["/refinery_throughput" in p for p in inp.coords.plants])
    for route in ("refinery_green_h2", "refinery_ccs_postcomb_green_h2"):
        offered = (inp.plants.options == routes.index(route)).any(axis=1)
        assert set(site[offered]) == {"shell_pernis", "esso_botlek", "zeeland_refinery"}
    postcomb = (inp.plants.options == routes.index("refinery_ccs_postcomb")).any(axis=1)
    assert {"bp_rotterdam", "vpr_energy_europoort"} <= set(site[postcomb & refinery])


def _refused_decisions(inp: ModelInputs, ds: xr.Dataset) -> list[tuple[str, str, int, int]]:
    """Decided projects (``Levers.commit_route``, ``follow_route``) a run did not start on
    their date: (plant, route, year, scenario index)."""
    route = ds["route_index"].values  # (S, P, Y)
    first = int(inp.coords.years[0])
    lv = inp.levers
    out = []
    for which, when in ((lv.commit_route, lv.commit_year), (lv.follow_route, lv.follow_year)):
        s, p = np.nonzero(which >= 0)
        at = np.maximum(when[s, p] - first, 0)
        for j in np.flatnonzero(route[s, p, at] != which[s, p]):
            plant, name = inp.coords.plants[p[j]], inp.coords.routes[which[s[j], p[j]]]
            out.append((plant, name, int(when[s[j], p[j]]), int(s[j])))
    return out


def test_every_decided_project_starts_on_its_date_in_every_future(cat: Catalogue) -> None:
    """A decided project (an FID, a binding contract: events.csv ``decided``) starts in its
    year in every default scenario and in every future of a small ensemble of the default
    specification (16 futures x 3 packages). Two defects this found (Dec 2026): the
    ensemble's storage factor shrank Porthos and Yara's Northern Lights contract below their
    customers' claims, and Yara's plant E, whose capture at its base-year output is just
    under its 0.8 Mt/yr contract, lost the whole project where ammonia demand was above
    today's."""
    from kruispunt.uncertainty.futures import FutureBuilder
    from kruispunt.uncertainty.run import plan
    from kruispunt.uncertainty.spec import load_spec

    defaults = build_inputs(cat, resolve(DEFAULTS))
    assert int((defaults.levers.commit_route >= 0).sum()) >= 3 * 15
    assert _refused_decisions(defaults, simulate(defaults).dataset) == []
    loaded = load_spec()
    k = 16
    p = plan(loaded, method="lhs", n=k, seed=20250917, batch_size=k)
    runs = FutureBuilder(loaded.spec.factors, p.packages, p.catalogue).batch(
        range(k), p.values[:k], p.seeds[:k]
    )
    futures = build_inputs(p.catalogue, runs)
    assert _refused_decisions(futures, simulate(futures).dataset) == []
