"""IKC eligibility and energy-tax exemptions as the embedded data package gives them."""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.inputs import ModelInputs
from kruispunt.policy.energy_tax import plant_taxable_share
from kruispunt.scenarios import resolve


@pytest.fixture(scope="module")
def inputs(cat: Catalogue) -> ModelInputs:
    return build_inputs(cat, resolve(["current-policy"]))


def _plant(inputs: ModelInputs, name: str) -> int:
    """The plant ``name`` (site/product), or its first unit where the site has several."""
    plants = inputs.coords.plants
    if name in plants:
        return plants.index(name)
    return next(i for i, p in enumerate(plants) if p.startswith(name + "/"))


def test_ikc_eligibility_follows_the_nace_list(inputs: ModelInputs) -> None:
    """2020/C 317/04 Annex I (industrie_klima_spk_2020): basic iron and steel (24.10) and
    other inorganic basic chemicals (20.13, Nobian's chlor-alkali) are listed; the Dutch scheme
    excludes energy carriers from fossil feedstock (refineries 19.20, SMR hydrogen 20.11,
    avm_ikc_2022); fertilisers (20.15) left the list in 2021; organic basic chemicals (20.14,
    the crackers) return in 2026 (C/2026/196) but only where a scenario applies them."""
    ikc = inputs.instruments["ikc"]
    eligible = ikc["eligible"][0] > 0
    for name in ("tata_steel_ijmuiden/crude_steel", "nobian_rotterdam/process_heat_low"):
        assert eligible[_plant(inputs, name)], name
    for name in (
        "shell_pernis/refinery_throughput",
        "air_liquide_botlek/hydrogen",
        "yara_sluiskil/ammonia",
        "chemelot/ammonia",
        "dow_terneuzen/hvc",
    ):
        assert not eligible[_plant(inputs, name)], name
    assert ikc["eligible_new"][0, _plant(inputs, "dow_terneuzen/hvc")] == 0.0


def test_ikc_baseline_of_plants_without_modelled_electricity(inputs: ModelInputs) -> None:
    """Fall-back eligible electricity = 0.8 x baseline consumption (2020/C 317/04, Annex II):
    Tata at 0.294 MWh/t of base-year crude steel (MIDDEN M006, derived_ikc_steel_electricity)
    and Nobian Botlek at 1,790,381 MWh/yr (MIDDEN M128, derived_ikc_nobian_electricity)."""
    mwh = inputs.instruments["ikc"]["baseline_mwh"][0]
    tata = [i for i, p in enumerate(inputs.coords.plants) if p.startswith("tata_steel_ijmuiden/")]
    assert len(tata) == 2  # BF6 and BF7, each at its own base-year output
    for unit in tata:
        steel = inputs.plants.base_production[unit]
        assert mwh[unit] == pytest.approx(0.8 * 0.294 * steel)
    assert mwh[_plant(inputs, "nobian_rotterdam/process_heat_low")] == pytest.approx(
        0.8 * 1_790_381
    )


def test_new_sectors_only_with_the_lever(cat: Catalogue) -> None:
    """The 2026 additions (20.14) at 75 % from 2026 when subsidies.ikc_new_sectors is on."""
    from kruispunt.scenarios import Scenario
    from kruispunt.schemas.config import ScenarioFile

    base = resolve(["current-policy"])[0]
    levers = base.levers.model_copy(
        update={"subsidies": base.levers.subsidies.model_copy(update={"ikc_new_sectors": True})}
    )
    assert isinstance(levers, ScenarioFile)
    on = build_inputs(cat, [Scenario(name="on", levers=levers, chain=("on",), origin="test")])
    ikc = on.instruments["ikc"]
    assert ikc["eligible_new"][0, _plant(on, "dow_terneuzen/hvc")] == 1.0
    years = list(on.coords.years)
    assert ikc["aid_intensity_new"][0, years.index(2025)] == 0.0
    assert ikc["aid_intensity_new"][0, years.index(2026)] == pytest.approx(0.75)
    assert ikc["aid_intensity"][0, years.index(2026)] == pytest.approx(0.80)


def test_ikc_budget_held_to_2030_then_ends(inputs: ModelInputs) -> None:
    """Each budget in the year of the costs it compensates, the year before its round: the
    round of 2026 (129.2 MEUR, nominal) pays for 2025, 2027's (200) for 2026, 2028's (about
    150) for 2027, and 150 is held for the costs of 2028-2030 (assumption_ikc_budget_to_2030),
    none after; in euro of 2025 at deflators.csv's index (2026 102.0, 2027 104.04, 2028
    106.1208, 2031 112.6162): 129.2 / 1.02 = 126.667, 200 / 1.0404 = 192.234, 150 / 1.061208 =
    141.347 and 150 / 1.126162 = 133.196 MEUR. The round of 2025 (167.4) paid for 2024, before
    the first model year."""
    budget = inputs.instruments["ikc"]["budget"][0]
    years = list(inputs.coords.years)
    want = {2025: 129.2 / 1.02, 2026: 200.0 / 1.0404, 2027: 150.0 / 1.061208}
    want[2030] = 150.0 / 1.126162
    for year, meur in want.items():
        assert budget[years.index(year)] == pytest.approx(meur * 1e6, rel=1e-6), year
    assert budget[years.index(2031)] == 0.0


def test_energy_tax_exemptions_by_route_and_plant(inputs: ModelInputs) -> None:
    """tax_exemptions.csv: feedstock shares (ammonia 0.69, SMR 0.858), the cracker's own fuel
    gas outside the tax (Wbm art. 50), electrolytic electricity exempt (art. 64(4)); plant
    rules: gas in the kilns of ceramics (NACE 23) and the furnaces of basic metals (24), and
    the CHP share of a site's gas within the year's cap per kWh (art. 64(1)(a)) at 30.9 %
    electrical efficiency: 0.2808 Nm3/kWh in 2025, 0.2808 x 35.17 x 0.309 / 3.6 = 0.848 of
    the power plants' gas; 0.2635 from 2026 (the law as in force from 1 January 2026): 0.796."""
    et = inputs.instruments["energy_tax"]
    routes, carriers = inputs.coords.routes, inputs.coords.carriers
    gas, elec = carriers.index("natural_gas"), carriers.index("electricity")
    ex = et["exempt"][0]
    assert ex[routes.index("smr_haber_bosch"), gas] == pytest.approx(0.69)
    assert ex[routes.index("smr"), gas] == pytest.approx(0.858)
    assert ex[routes.index("naphtha_steam_cracker"), gas] == 1.0
    assert ex[routes.index("chlor_alkali_membrane"), elec] == 1.0
    assert ex[routes.index("gas_boiler_low"), gas] == 0.0
    plant = et["plant_exempt"][0][:, gas]
    assert plant[_plant(inputs, "wienerberger_haaften/process_heat_high")] == 1.0
    assert plant[_plant(inputs, "nyrstar_budel/process_heat_high")] == 1.0
    delfzijl = _plant(inputs, "nobian_delfzijl/process_heat_low")
    assert plant[delfzijl] == 0.0  # the CHP rule is not a sector rule: it changes by year
    # Delesto CHP: 405,706 of the site's 407,328 t verified in 2022
    power = 405_706 / 407_328
    assert et["chp_share"][0][delfzijl, gas] == pytest.approx(power)
    years = list(inputs.coords.years)
    for year, cap in ((2025, 0.2808), (2026, 0.2635), (2050, 0.2635)):
        i = years.index(year)
        assert et["chp_cover"][0, i] == pytest.approx(cap * 35.17 * 0.309 / 3.6)
        keep = plant_taxable_share(et, i)[0]
        assert keep[delfzijl, gas] == pytest.approx(1 - power * cap * 35.17 * 0.309 / 3.6)
        assert np.all((keep >= 0) & (keep <= 1))
    assert np.all((plant >= 0) & (plant <= 1))


def test_hydrogen_taxed_as_gas_then_at_its_own_rate(inputs: ModelInputs) -> None:
    """Belastingplan 2025: hydrogen taxed as natural gas until 2026 (bp2025_mvt_waterstof),
    from 2026 at the business electricity rate of the top bracket (deloitte_bp2025)."""
    et = inputs.instruments["energy_tax"]
    c = inputs.coords.carriers
    years = list(inputs.coords.years)
    h2, gas, elec = c.index("hydrogen"), c.index("natural_gas"), c.index("electricity")
    y25, y26 = years.index(2025), years.index(2026)
    assert et["rate"][0, h2, y25] == pytest.approx(et["bracket_rates"][0, gas, 3, y25])
    assert et["rate"][0, h2, y26] == pytest.approx(et["bracket_rates"][0, elec, 3, y26])


def test_product_margins_from_the_package(cat: Catalogue, inputs: ModelInputs) -> None:
    """Through-cycle margins = mean of the sourced years in euro of 2025 (product_markets.csv,
    deflated by the catalogue); HVC is indexed to naphtha at the cracker route's 57.405 GJ/t
    (1.29 t x 44.5 GJ/t, MIDDEN TC0261), the refinery margin to nothing (crude is not
    modelled), steel to iron ore 1.12065 t/t and coking coal 0.441493 t/t (MPP BF-BOF)."""
    market = inputs.instruments["market"]
    pm = cat.tables["product_markets"]
    g = inputs.coords.products.index
    c = inputs.coords.carriers.index
    for product in ("hvc", "refinery_throughput", "crude_steel"):
        rows = pm[(pm["product_id"] == product) & (pm["parameter"] == "margin")]
        assert market["margin"][0, g(product)] == pytest.approx(rows["value"].mean())
    assert np.isnan(market["margin"][0, g("ammonia")])
    assert market["indexed_input"][0, g("hvc"), c("naphtha")] == pytest.approx(57.405)
    assert not market["indexed_input"][0, g("refinery_throughput")].any()
    steel = market["indexed_input"][0, g("crude_steel")]
    assert steel[c("iron_ore")] == pytest.approx(1.12065)
    assert steel[c("coking_coal")] == pytest.approx(0.441493)
    assert market["pass_through"][0, g("refinery_throughput")] == pytest.approx(0.9)


def test_events_apply_in_every_scenario(cat: Catalogue) -> None:
    """Decided events (events.csv): SABIC's Olefins 3 closed in 2024 and Dow's LHC-3 idled
    from 2025 produce nothing from the first model year in every default scenario; Yara's
    line E runs with capture from 2026. Tata's announced DRI plan for blast furnace 7 (2030)
    applies only with ``events: announced``."""
    inp = build_inputs(cat, resolve(["current-policy", "no-new-policy", "high-ambition"]))
    plants = inp.coords.plants
    for name in ("chemelot/hvc/sabic_olefins3", "dow_terneuzen/hvc/lhc3"):
        assert (inp.levers.availability[:, plants.index(name)] == 0).all(), name
    assert (inp.levers.availability[:, plants.index("dow_terneuzen/hvc/lhc1")] == 1).all()
    yara = plants.index("yara_sluiskil/ammonia/ammonia_e")
    route = inp.coords.routes.index("smr_haber_bosch_ccs")
    assert (inp.levers.commit_route[:, yara] == route).all()
    assert (inp.levers.commit_year[:, yara] == 2026).all()
    bf7 = plants.index("tata_steel_ijmuiden/crude_steel/bf7")
    assert (inp.levers.commit_route[:, bf7] == -1).all()
    from kruispunt.scenarios import Scenario

    base = resolve(["current-policy"])[0]
    levers = base.levers.model_copy(update={"events": "announced"})
    announced = Scenario(name="announced", levers=levers, chain=("announced",), origin="test")
    inp2 = build_inputs(cat, [announced])
    assert inp2.levers.commit_route[0, bf7] == inp2.coords.routes.index("ng_dri_eaf")
    assert inp2.levers.commit_year[0, bf7] == 2030


def test_committed_money_by_year(cat: Catalogue) -> None:
    """The decided payment rows of events.csv, by year, in euro of 2025, as a government
    outlay (``committed_outlay``, and ``committed_plant_outlay`` for the rows that name a
    modelled plant); announced rows (Aramis SDE++, Tata's 2 bn) only with
    ``events: announced``."""
    from kruispunt.engine.simulate import simulate
    from kruispunt.scenarios import Scenario

    ev = cat.events.dropna(subset=["public_money"])
    base = resolve(["current-policy"])[0]
    for choice, statuses in (("decided", {"decided"}), ("announced", {"decided", "announced"})):
        levers = base.levers.model_copy(update={"events": choice})
        sc = Scenario(name=choice, levers=levers, chain=(choice,), origin="test")
        ds = simulate(build_inputs(cat, [sc])).dataset
        gov = ds["gov_cash_flow"]
        flow = -gov.sel(flow="committed_outlay").values[0]
        if "committed_plant_outlay" in gov["flow"].values:
            flow = flow - gov.sel(flow="committed_plant_outlay").values[0]
        rows = ev[ev["status"].isin(statuses)]
        for year in (2025, 2026, 2030):
            expected = rows.loc[rows["year"] == year, "public_money"].sum()
            assert flow[year - 2025] == pytest.approx(expected), (choice, year)
    assert flow.sum() > 0


def test_no_sde_for_low_temperature_biomass_heat(inputs: ModelInputs) -> None:
    """No new SDE++ for heat of at most 100 C from woody biomass since 22 April 2022
    (Rijksoverheid, rijksoverheid_biomass_lt_heat_2022; ``sde_eligible`` 0 in
    route_parameters.csv): the low-temperature band's biomass boiler is no category; paper
    drying steam and the bands above 200 C stay hernieuwbare warmte (above the 100 C
    requirement), with the energy-and-carbon correction, as do the band's heat pumps."""
    from kruispunt.policy.sde import ENERGY_CARBON, NO_CATEGORY

    kind = dict(zip(inputs.coords.routes, inputs.instruments["sde"]["correction"][0], strict=True))
    assert kind["biomass_boiler_low"] == NO_CATEGORY
    for route in ("paper_biomass_boiler", "biomass_furnace_medium", "biomass_furnace_high"):
        assert kind[route] == ENERGY_CARBON, route
    assert kind["heat_pump_low"] == ENERGY_CARBON


def test_sde_window_is_the_period_plus_the_one_year_ontheffing(inputs: ModelInputs) -> None:
    """An award held for grid, biomass or storage room may start within the realisation
    period, 4 years (Besluit SDE(K) art. 59 lid 1 onder b; the project's assumption for
    every category), plus the one-year ontheffing (art. 62 lid 3: at most one year beyond
    the period; the Kamerbrief of 21 Apr 2020 granted it for a lack of grid capacity)."""
    window = inputs.instruments["sde"]["realisation_years"]
    assert np.all(window == 4.0 + 1.0)


def test_sde_rounds_award_the_year_after_they_open(cat: Catalogue) -> None:
    """A round opens in the autumn of its year and is decided in the next
    (``sde_pp.award_lag`` 1; the 2025 round's window was 7 Oct - 6 Nov 2025). Current policy
    awards the 2024 round (11.5 bn EUR) in 2025, the 2025 and 2026 rounds (8 bn each) in 2026
    and 2027, and nothing after. High ambition's extra rounds of 2027-2030 (8 bn EUR2025 each,
    a scenario assumption) award in 2028-2031. Budgets are in EUR2025 at their round's year
    (``deflators.csv``): 11.5 / 0.968054 = 11.8795 bn, 8 / 1.02 = 7.8431 bn. The 2024 round
    falls in 2025, history under ``decisions_from`` 2026, so it awards nothing."""
    current, high = resolve(["current-policy", "high-ambition"])
    inputs = build_inputs(cat, [current, high])
    years = list(inputs.coords.years)
    budget = inputs.instruments["sde"]["budget"]  # (S, Y) [EUR]
    expected = {2025: 11.5e9 / 0.968054, 2026: 8.0e9, 2027: 8.0e9 / 1.02}
    for y, year in enumerate(years):
        assert budget[0, y] == pytest.approx(expected.get(year, 0.0), rel=1e-6)
        more = 8.0e9 if 2028 <= year <= 2031 else 0.0
        assert budget[1, y] == pytest.approx(expected.get(year, 0.0) + more, rel=1e-6)
    assert current.levers.decisions_from == 2026
