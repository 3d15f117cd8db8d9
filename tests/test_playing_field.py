"""The level playing field on the real data package: each site's connection level and network
tariff, the relief levers' parameters, and the NL against BE/DE/FR energy bill, by hand."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.errors import KruispuntError
from kruispunt.inputs import ModelInputs
from kruispunt.playing_field import bill_table, energy_bill, energy_bills, neighbour_value
from kruispunt.policy.energy_tax import bracketed_tax, plant_taxable_share
from kruispunt.policy.ikc import previous_year_price
from kruispunt.scenarios import resolve
from tests.cli_helpers import assert_user_error, invoke

TATA = "tata_steel_ijmuiden"
TATA_MWH = 1_847_550.0
"""Tata Steel IJmuiden's baseline electricity (ikc_baselines.csv)."""
EHV_2025 = 78.84 * 1000.0 / 8000.0
"""EUR/MWh: the derived 2024 kW tariff 85.7 EUR/kW, -8 % for EHV users in 2025 (78.844,
78.84 in policy.csv), over 8,000 h."""


@pytest.fixture(scope="module")
def inputs(cat: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> ModelInputs:
    folder = tmp_path_factory.mktemp("sc")
    path = Path(folder) / "relief.yaml"
    path.write_text(
        "name: relief\nbase: current-policy\nsubsidies:\n  network_tariff_relief: 0.5\n"
        "  network_tariff_band_reduction: true\n  cisaf_start: 2027\n",
        encoding="utf-8",
    )
    return build_inputs(cat, resolve(["current-policy", str(path)], cat.path))


def _plants(inputs: ModelInputs, site: str) -> list[int]:
    return [p for p, s in enumerate(inputs.coords.plant_site) if s == site]


def test_tata_is_on_ehv_and_its_tariff_by_hand(inputs: ModelInputs) -> None:
    """Tata's baseline peak is 1,847,550 / 8,000 = 230.9 MW >= 100 MW: EHV (as TenneT's two
    380 kV customer bays at Zeestraat). Its 2025 tariff: 9.855 EUR/MWh, 18.21 MEUR a year."""
    tariff = inputs.instruments["network_tariff"]
    plants = _plants(inputs, TATA)
    assert (tariff["ehv"][0, plants] == 1.0).all()
    assert float(np.sum(tariff["baseline_mwh"][0, plants])) == pytest.approx(TATA_MWH)
    t = list(inputs.coords.years).index(2025)
    assert float(tariff["rate"][0, 0, t]) == pytest.approx(EHV_2025)
    assert TATA_MWH * EHV_2025 == pytest.approx(18.2076e6, rel=1e-4)
    # the outlook: -10 % in 2026 (nominal; the catalogue deflates it to EUR2025)
    assert float(tariff["rate"][0, 0, t + 1]) < float(tariff["rate"][0, 0, t]) * 0.9
    # a small site is on HV: Dow Terneuzen's HV rate 86.04 (85.7 x 1.004) / 8 = 10.755 EUR/MWh
    dow = _plants(inputs, "dow_terneuzen")
    assert (tariff["ehv"][0, dow] == 0.0).all()
    assert float(tariff["rate"][0, 1, t]) == pytest.approx(86.04 / 8.0)


def test_relief_levers_parameters(inputs: ModelInputs) -> None:
    """Scenario 'relief': the state pays 50 % of every tariff; band-load rule on (a plant
    above 10 GWh at the assumed 8,000 h keeps 10 %); CISAF from 2027 for three years
    (2027-2029), 50 % of the price on 50 % of consumption, for the IKC sectors."""
    relief = inputs.instruments["network_tariff_relief"]
    np.testing.assert_allclose(relief["share"][0], 0.0)
    np.testing.assert_allclose(relief["share"][1], 0.5)
    assert float(relief["band_share"][0]) == 1.0
    assert float(relief["band_share"][1]) == pytest.approx(0.1)  # 8,000 h: 10 %
    assert float(relief["band_min_mwh"][1]) == pytest.approx(10_000.0)
    cisaf = inputs.instruments["cisaf"]
    years = np.asarray(inputs.coords.years)
    granted = years[cisaf["price_share"][1] > 0]
    assert list(granted) == [2027, 2028, 2029]
    assert not (cisaf["price_share"][0] > 0).any()
    assert (cisaf["eligible"][1, _plants(inputs, TATA)] == 1.0).all()


def test_neighbour_value_holds_the_latest_row() -> None:
    t = pd.DataFrame(
        {
            "country": ["DE"] * 2,
            "carrier": ["electricity"] * 2,
            "component": ["energy_tax"] * 2,
            "year": [2024, 2030],
            "value": [0.5, 2.0],
        }
    )
    assert neighbour_value(t, "DE", "electricity", "energy_tax", 2031) == 2.0
    assert neighbour_value(t, "DE", "electricity", "energy_tax", 2027) == 0.5
    assert neighbour_value(t, "DE", "electricity", "energy_tax", 2020) == 0.5  # the earliest
    assert np.isnan(neighbour_value(t, "BE", "electricity", "energy_tax", 2031))


def test_tata_energy_bill_2025_by_hand(cat: Catalogue, inputs: ModelInputs) -> None:
    """Tata 2025, electricity 1,847,550 MWh: NL network 9.855 EUR/MWh (18.21 MEUR); abroad
    20 % of it (Aurora: up to 80 % lower); energy tax abroad 0.50 EUR/MWh (DE StromStG para.
    9b, BE excise above 100 GWh, FR reduced accise); IKC 0.75 x 0.45 tCO2/MWh x EUA of 2024 x
    0.8 x 1,847,550 MWh, the same per MWh abroad (assumption); commodity the same everywhere."""
    bills = energy_bills(inputs.select([0]), cat.tables["country_energy_costs"], [TATA], 2025)
    e = bills[bills["carrier"] == "electricity"].set_index(["country", "component"])
    assert e.loc[("NL", "network"), "meur"] == pytest.approx(TATA_MWH * EHV_2025 / 1e6)
    assert e.loc[("DE", "network"), "meur"] == pytest.approx(0.2 * TATA_MWH * EHV_2025 / 1e6)
    table = cat.tables["country_energy_costs"]
    for country in ("BE", "DE", "FR"):
        # 0.50 EUR/MWh in the source's euro year (BE 2022, DE 2024, FR 2025), in EUR2025
        rate = neighbour_value(table, country, "electricity", "energy_tax", 2025)
        assert 0.5 <= rate < 0.5 * 1.12
        assert e.loc[(country, "energy_tax"), "eur_per_mwh"] == pytest.approx(rate)
        assert e.loc[(country, "commodity"), "meur"] == pytest.approx(
            e.loc[("NL", "commodity"), "meur"]
        )
    assert e.loc[("FR", "energy_tax"), "eur_per_mwh"] == pytest.approx(0.5)
    eua_2024 = float(previous_year_price(inputs.markets.eua)[0, 0])
    ikc = 0.75 * 0.45 * eua_2024 * 0.8 * TATA_MWH
    assert e.loc[("NL", "compensation"), "meur"] == pytest.approx(-ikc / 1e6)
    # E-Bridge's 32 EUR/MWh (2024 euro) in EUR2025
    assert 32.0 < e.loc[("FR", "reference_total"), "eur_per_mwh"] < 32.0 * 1.06
    table = bill_table(bills)
    assert table.loc[(TATA, "NL"), "gap_to_nl_meur"] == 0.0
    # DE's gap: network 0.8 x 18.21 MEUR, electricity tax and the gas tax difference
    assert table.loc[(TATA, "DE"), "gap_to_nl_meur"] < -0.8 * TATA_MWH * EHV_2025 / 1e6


def test_german_band_load_rule_ends_with_2028(cat: Catalogue, inputs: ModelInputs) -> None:
    """The StromNEV, and its band-load rule, expire at the end of 2028 and the Bundesnetzagentur
    does not continue the rule (kpmg_agnes_2025): Tata's German network charge is 20 % of the
    NL tariff in 2028 and the whole tariff from 2029 (no successor counted)."""
    table = cat.tables["country_energy_costs"]
    for year, share in ((2028, 0.2), (2029, 1.0), (2040, 1.0)):
        bills = energy_bills(inputs.select([0]), table, [TATA], year)
        e = bills[bills["carrier"] == "electricity"].set_index(["country", "component"])
        nl = e.loc[("NL", "network"), "meur"]
        assert nl > 0.0
        assert e.loc[("DE", "network"), "meur"] == pytest.approx(share * nl, rel=1e-12)
        # BE and FR keep Aurora's 'up to 80 % lower'
        assert e.loc[("BE", "network"), "meur"] == pytest.approx(0.2 * nl, rel=1e-12)


def test_energy_bill_api_defaults_to_the_biggest_sites(cat: Catalogue) -> None:
    bills = energy_bill(year=2030, top=2, catalogue=cat)
    assert bills["site"].nunique() == 2
    assert TATA in set(bills["site"])
    with pytest.raises(KruispuntError, match="unknown site"):
        energy_bill("nowhere", catalogue=cat)
    with pytest.raises(KruispuntError, match="outside the model years"):
        energy_bill(TATA, year=2060, catalogue=cat)


def test_relief_levers_in_the_bill(cat: Catalogue, inputs: ModelInputs) -> None:
    """Scenario 'relief' in 2028, Tata (1,847,550 MWh, above 10 GWh): the state pays
    1 - (1 - 0.5) x 0.1 = 95 % of the network tariff; CISAF (2027-2029) at the model's 2028
    power price p: 0.5 x (p - max(50, 0.5 p)) per MWh consumed (at p = 87.5: 18.75)."""
    relief = inputs.select([1])
    bills = energy_bills(relief, cat.tables["country_energy_costs"], [TATA], 2028)
    e = bills[bills["carrier"] == "electricity"].set_index(["country", "component"])
    t = list(inputs.coords.years).index(2028)
    rate = float(inputs.instruments["network_tariff"]["rate"][1, 0, t])
    price = float(inputs.markets.price[1, inputs.carriers.is_electricity, t].mean()) * 3.6
    cisaf = 0.5 * (price - max(50.0, 0.5 * price))
    expected = -(0.95 * rate + cisaf) * TATA_MWH
    assert e.loc[("NL", "relief"), "meur"] == pytest.approx(expected / 1e6)
    assert e.loc[("DE", "relief"), "meur"] == 0.0
    plain = energy_bills(inputs.select([0]), cat.tables["country_energy_costs"], [TATA], 2028)
    assert (plain[plain["component"] == "relief"]["meur"] == 0.0).all()


def test_a_component_not_found_adds_no_gap(cat: Catalogue, inputs: ModelInputs) -> None:
    """BE and FR gas taxes are not in the table: their bill takes the NL gas tax (no gap from
    it) and says so; DE's gas tax is (5.50 EUR/MWh reduced rate, in EUR2025)."""
    bills = energy_bills(inputs.select([0]), cat.tables["country_energy_costs"], [TATA], 2025)
    table = bill_table(bills)
    assert table.loc[(TATA, "BE"), "not_found"] == "natural_gas/energy_tax"
    assert table.loc[(TATA, "DE"), "not_found"] == ""
    gas = bills[(bills["carrier"] == "natural_gas") & (bills["component"] == "energy_tax")]
    nl_gas = float(gas[gas["country"] == "NL"]["meur"].iloc[0])
    elec = bills[
        (bills["carrier"] == "electricity")
        & bills["component"].isin(["commodity", "energy_tax", "network", "compensation", "relief"])
    ]
    be_elec = float(elec[elec["country"] == "BE"]["meur"].sum())
    gas_commodity = float(
        bills[
            (bills["carrier"] == "natural_gas")
            & (bills["country"] == "BE")
            & (bills["component"] == "commodity")
        ]["meur"].iloc[0]
    )
    assert table.loc[(TATA, "BE"), "bill_meur"] == pytest.approx(be_elec + gas_commodity + nl_gas)


def test_energy_bill_command_writes_its_report(tmp_path: Path) -> None:
    """``kruispunt energy-bill SITE --report`` writes the bill table as a page: one row per
    country, the NL row first, with the gap to NL."""
    out = invoke("energy-bill", TATA, "--year", "2025", "--report", str(tmp_path / "bill.html"))
    assert out.code == 0, out.stderr
    text = (tmp_path / "bill.html").read_text("utf-8")
    assert "Energy bill NL against BE, DE and FR (current-policy, 2025)" in text
    cells = [text.index(f"<td>{c}</td>") for c in ("NL", "BE", "DE", "FR")]
    assert cells == sorted(cells)
    assert "gap_to_nl_meur" in text


def test_energy_bill_command_refuses_a_site_given_twice() -> None:
    """Once a pandas traceback ("cannot handle a non-unique multi-index")."""
    out = invoke("energy-bill", TATA, TATA)
    assert_user_error(out, f"site '{TATA}' given twice")


def test_bill_abroad_by_hand_with_a_price_gap_the_gas_exemption_and_last_year_s_eua(
    cat: Catalogue, inputs: ModelInputs
) -> None:
    """Tata in 2030:
    - a German power price 10 EUR/MWh above NL's adds 10 x 1,847,552 MWh = 18.48 MEUR;
    - Germany's gas tax (5.68 EUR/MWh) falls only on the share of Tata's gas NL taxes too
      (its metallurgical gas is exempt in both: Wbm art. 64, EnergieStG para. 51);
    - the indirect-cost compensation pays at the EUA of 2029 (the year before the
      compensation year, as the IKC rule does), on 0.8 of the baseline MWh."""
    table = cat.tables["country_energy_costs"].copy()
    de = (table["country"] == "DE") & (table["carrier"] == "electricity")
    table.loc[de & (table["component"] == "commodity_differential"), "value"] = 10.0
    one = inputs.select([0])
    bills = energy_bills(one, table, [TATA], 2030).set_index(["country", "carrier", "component"])
    mwh = bills.loc[("NL", "electricity", "commodity"), "mwh"]
    gap = bills.loc[("DE", "electricity", "commodity"), "meur"]
    assert gap - bills.loc[("NL", "electricity", "commodity"), "meur"] == pytest.approx(
        10.0 * mwh / 1e6
    )
    t, plants = list(one.coords.years).index(2030), _plants(one, TATA)
    tax = one.instruments["energy_tax"]
    gas = list(one.coords.carriers).index("natural_gas")
    route = one.plants.incumbent[plants]
    use = one.routes.inputs[route, gas, t] * one.plants.base_production[plants]
    kept = (1 - tax["exempt"][0, route, gas]) * plant_taxable_share(tax, t)[0, plants, gas]
    share = float((use * kept).sum() / use.sum())
    assert 0.3 < share < 0.9
    rate = neighbour_value(table, "DE", "natural_gas", "energy_tax", 2030)
    got = bills.loc[("DE", "natural_gas", "energy_tax"), "eur_per_mwh"]
    assert got == pytest.approx(rate * share)
    ikc = one.instruments["ikc"]
    eua_2029 = float(one.markets.eua[0, t - 1])
    assert eua_2029 != float(one.markets.eua[0, t])
    aid = float(ikc["aid_intensity"][0, t]) * float(ikc["co2_factor"][0, t])
    assert aid > 0
    eligible = np.asarray(ikc["eligible"][0, plants]) > 0.5
    baseline = float((np.asarray(ikc["baseline_mwh"][0, plants]) * eligible).sum())
    assert baseline == pytest.approx(0.8 * TATA_MWH)  # the fall-back benchmark EF = 0.8
    assert bills.loc[("NL", "electricity", "compensation"), "meur"] == pytest.approx(
        -aid * eua_2029 * baseline / 1e6
    )


def test_a_report_path_that_is_a_folder_is_refused_before_the_bill(tmp_path: Path) -> None:
    """Checked before the bill is computed: nothing is printed and nothing is written."""
    out = invoke("energy-bill", TATA, "--report", str(tmp_path))
    assert_user_error(out, f"cannot write report {tmp_path}: it is a folder; give a file name")
    assert out.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_the_nl_gas_tax_goes_through_the_brackets_per_complex(
    cat: Catalogue, inputs: ModelInputs
) -> None:
    """Tata's two blast furnaces are one complex (``tata_steel_ijmuiden/crude_steel/*``): their
    taxable gas goes through the brackets together, once through the low first brackets, not
    twice (in 2025 about 3.1 MEUR against 4.8 MEUR bracket by bracket per furnace)."""
    one = inputs.select([0])
    bills = energy_bills(one, cat.tables["country_energy_costs"], [TATA], 2025)
    got = bills.set_index(["country", "carrier", "component"]).loc[
        ("NL", "natural_gas", "energy_tax"), "meur"
    ]
    t, plants = list(one.coords.years).index(2025), _plants(one, TATA)
    tax = one.instruments["energy_tax"]
    gas = list(one.coords.carriers).index("natural_gas")
    route = one.plants.incumbent[plants]
    use = one.routes.inputs[route, gas, t] * one.plants.base_production[plants]
    keep = plant_taxable_share(tax, t)[0, plants, gas]
    taxable = use * (1 - tax["exempt"][0, route, gas]) * keep
    thresholds = np.asarray(tax["thresholds"][0, gas])
    rates = np.asarray(tax["bracket_rates"][0, gas, :, t])
    joint = bracketed_tax(taxable.sum(), thresholds, rates)
    apart = sum(bracketed_tax(u, thresholds, rates) for u in taxable)
    assert len(plants) == 2 and apart - joint > 1e6
    assert got == pytest.approx(joint / 1e6)
    assert bill_table(bills).loc[(TATA, "NL"), "elec_gwh"] == pytest.approx(TATA_MWH / 1e3)


def test_a_site_outside_the_ikc_list_gets_neither_compensation_nor_cisaf(
    cat: Catalogue, inputs: ModelInputs
) -> None:
    """Yara Sluiskil (NACE 20.15, not on the 2021 list) has an IKC baseline (720,133 MWh) but no
    compensation; under 'relief' in 2028 it gets the network relief (95 % of its tariff: it is
    above 10 GWh) and no CISAF, which is for the IKC sectors."""
    yara = _plants(inputs, "yara_sluiskil")
    ikc = inputs.instruments["ikc"]
    assert float(np.sum(ikc["baseline_mwh"][0, yara])) == pytest.approx(720_133.4, abs=1.0)
    assert not (ikc["eligible"][:, yara] > 0.5).any()
    assert not (inputs.instruments["cisaf"]["eligible"][1, yara] > 0.5).any()
    relief = inputs.select([1])
    bills = energy_bills(relief, cat.tables["country_energy_costs"], ["yara_sluiskil"], 2028)
    e = bills[bills["carrier"] == "electricity"].set_index(["country", "component"])
    assert e.loc[("NL", "compensation"), "meur"] == 0.0
    t = list(relief.coords.years).index(2028)
    tariff = relief.instruments["network_tariff"]
    ehv = np.asarray(tariff["ehv"][0, yara]) > 0.5
    rate = np.where(ehv, tariff["rate"][0, 0, t], tariff["rate"][0, 1, t])
    e_idx = list(relief.coords.carriers).index("electricity")
    route = relief.plants.incumbent[yara]
    use = relief.routes.inputs[route, e_idx, t] * relief.plants.base_production[yara]
    mwh = np.maximum(use, np.asarray(tariff["baseline_mwh"][0, yara]) * 3.6) / 3.6
    assert mwh.sum() > 10_000.0
    assert e.loc[("NL", "relief"), "meur"] == pytest.approx(-0.95 * float((rate * mwh).sum()) / 1e6)


def test_a_carrier_the_site_does_not_use_has_no_price_per_mwh(
    cat: Catalogue, inputs: ModelInputs
) -> None:
    """Aldel Delfzijl (closed 2021) uses no natural gas on its route: its gas rows cost 0 MEUR
    and have no price per MWh (NaN, not 0 EUR/MWh)."""
    bills = energy_bills(
        inputs.select([0]), cat.tables["country_energy_costs"], ["damco_aluminium_delfzijl"], 2025
    )
    gas = bills[(bills["carrier"] == "natural_gas") & bills["component"].isin(["commodity"])]
    assert len(gas) == 4 and (gas["mwh"] == 0.0).all() and (gas["meur"] == 0.0).all()
    assert gas["eur_per_mwh"].isna().all()


def test_energy_bill_command_defaults_to_2025_and_the_five_biggest_sites(
    cat: Catalogue, tmp_path: Path
) -> None:
    """Without SITES, --year or --top: 2025 and the five sites with the largest base-year
    emissions; --csv writes the bill by component, one column per field and no index."""
    from kruispunt.catalogue.summary import base_year_summary

    csv = tmp_path / "bill.csv"
    out = invoke("energy-bill", "--csv", str(csv))
    assert out.code == 0, out.stderr
    assert out.stdout.startswith("Energy bill 2025 (current-policy): electricity per MWh")
    assert out.stdout.splitlines()[-1] == f"bill: {csv}"
    bills = pd.read_csv(csv)
    assert list(bills.columns) == [
        "site", "country", "carrier", "component", "mwh", "eur_per_mwh", "meur"
    ]  # fmt: skip
    biggest = list(base_year_summary(cat).sites.index[:5])
    assert sorted(bills["site"].unique()) == sorted(biggest)


def test_a_csv_path_that_is_a_folder_is_refused_before_the_bill(tmp_path: Path) -> None:
    out = invoke("energy-bill", TATA, "--csv", str(tmp_path))
    assert_user_error(out, f"cannot write csv {tmp_path}: it is a folder; give a file name")
    assert out.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_part_year_plant_s_bill_pays_its_campaign_kw(cat: Catalogue, inputs: ModelInputs) -> None:
    """Were Tata (1,847,550 MWh) to run 4,380 h a year, its NL network tariff per MWh would be
    0.5 x 8,760 / 4,380 + 0.5 = 1.5 times its EHV rate; under the relief scenario the state
    would pay half of it and no band-load relief (4,380 h are short of the rule's 7,000
    full-load hours): 0.5 x 1.5 x rate per MWh, not 0.95 x rate."""
    hours = inputs.plants.load_hours().copy()
    hours[_plants(inputs, TATA)] = 4380.0
    part = replace(inputs, plants=replace(inputs.plants, operating_hours=hours))
    t = list(inputs.coords.years).index(2028)
    rate = float(inputs.instruments["network_tariff"]["rate"][1, 0, t])
    table = cat.tables["country_energy_costs"]
    e = energy_bills(part.select([1]), table, [TATA], 2028)
    e = e[e["carrier"] == "electricity"].set_index(["country", "component"])
    assert e.loc[("NL", "network"), "meur"] == pytest.approx(1.5 * rate * TATA_MWH / 1e6)
    price = float(inputs.markets.price[1, inputs.carriers.is_electricity, t].mean()) * 3.6
    cisaf = 0.5 * (price - max(50.0, 0.5 * price))
    expected = -(0.5 * 1.5 * rate + cisaf) * TATA_MWH
    assert e.loc[("NL", "relief"), "meur"] == pytest.approx(expected / 1e6)
    # the embedded data's campaign plants: Cosun Dinteloord runs 3,240 h
    (cosun,) = _plants(inputs, "cosun_dinteloord")
    assert float(inputs.plants.load_hours()[cosun]) == 3240.0
