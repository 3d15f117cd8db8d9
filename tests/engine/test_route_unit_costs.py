"""Unit cost of each route added or changed for issue 9, computed by hand from its sources.

For every route the test writes the source's own figures (MIDDEN v3 ``tc.json`` rows by
technology id, the MPP steel business cases and capex sheet, DEA, CBS, Platts, DISR) and the
derivation stated in the route's note, and compares the result with what the model sees:
the route's arrays in :class:`kruispunt.inputs.ModelInputs` (after the catalogue's unit
conversion and assembly) for ``current-policy`` in 2030. The per-unit cost is

    energy and feedstock at the year's carrier prices + CO2 captured x transport and storage
    + variable opex + fixed opex + capex x annuity factor(discount rate, lifetime)

per unit of product at full load (capacity and fixed costs per unit of annual capacity). Carrier
prices are inputs of the model, not route parameters, so the hand computation reads them from
the model; everything route-specific is written out here. Money is in the euro year of its
source unless the package has a deflator table, in which case :func:`eur` converts it as the
catalogue does.
"""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.inputs import ModelInputs
from kruispunt.scenarios import resolve

YEAR = 2030
RATE = 0.07
"""Cost of capital, ``finance.discount_rate`` (MPP steel model), as the model uses it."""
GAS_EF = 0.198
"""Natural gas, tCO2/MWh (carriers.csv, technology-data)."""
OIL_EF = 0.2571
"""Oil products, tCO2/MWh (carriers.csv, technology-data)."""
TS = 33.41
"""CO2 transport and storage, EUR2020/t (policy ccs.transport_storage_cost)."""
GJ_PER_MWH = 3.6
GJ_PER_KW_YEAR = 365.25 * 24 * 3.6e-3
"""One kW for a (Julian) year in GJ: the year of the model's unit registry."""


@pytest.fixture(scope="module")
def inp(cat: Catalogue) -> ModelInputs:
    inputs = build_inputs(cat, resolve(["current-policy"]))
    assert float(inputs.finance.discount_rate[0]) == pytest.approx(RATE)
    return inputs


def eur(cat: Catalogue, currency_year: int) -> float:
    """Factor from euro of ``currency_year`` to the model's euro: 1 while the package carries
    no deflators (money stays in its source's year), else the CPI ratio (index 2025 = 100)."""
    if "deflators" not in cat.tables:
        return 1.0
    index = cat.tables["deflators"].set_index("year")["value"]
    return float(index[2025] / index[currency_year])


def crf(life: float) -> float:
    return RATE / (1.0 - (1.0 + RATE) ** -life)


def price(inp: ModelInputs, carrier: str) -> float:
    """Carrier price in 2030 [EUR per GJ, or per t for materials]."""
    c = inp.coords.carriers.index(carrier)
    y = list(inp.coords.years).index(YEAR)
    return float(inp.markets.price[0, c, y])


def model(inp: ModelInputs, route: str) -> dict[str, float]:
    """What the model holds for ``route`` in 2030: unit cost and CO2 per unit of product."""
    r = inp.coords.routes.index(route)
    y = list(inp.coords.years).index(YEAR)
    rt = inp.routes
    ef, cap = float(rt.emission_factor[r, y]), float(rt.capture_rate[r, y])
    weight = np.ones_like(rt.inputs) if rt.price_weight is None else rt.price_weight
    net = rt.inputs[r, :, y] * weight[r, :, y] - (
        rt.exports[r, :, y] if rt.exports is not None else 0.0
    )
    energy = float(net @ inp.markets.price[0, :, y])
    cost = (
        energy
        + ef * cap * float(inp.markets.co2_ts_cost[0, y])
        + float(rt.variable_opex[r, y])
        + float(rt.fixed_opex[r, y])
        + float(rt.capex[r, y]) * crf(float(rt.lifetime[r]))
    )
    return {"cost": cost, "ef": ef, "captured": ef * cap}


def check(got: dict[str, float], cost: float, ef: float, captured: float = 0.0) -> None:
    assert got["ef"] == pytest.approx(ef, rel=1e-5)
    assert got["captured"] == pytest.approx(captured, rel=1e-5, abs=1e-12)
    assert got["cost"] == pytest.approx(cost, rel=1e-5)


# --- refineries -------------------------------------------------------------------------------
# Refinery emission factor: 2022 EUTL verified emissions of the six refinery sites / (MIDDEN
# crude distillation capacity x utilisation 0.82) (derived_refinery_ef_nl).
REF_EF = 11_864_823 / ((21000 + 9100 + 4500 + 20000 + 8630 + 3500) * 1e3 * 0.82)
# MIDDEN unit-type split of the five refineries' CO2, kt (derived_refinery_unit_shares).
SUM = 12731
F_FURN, F_BOIL, F_SMR = 4255 / SUM, 923 / SUM, 1220 / SUM
F_PC, F_HP = 9430 / SUM, (1130 + 142) / SUM
# per site, over the site's own units (MIDDEN pcd: Pernis 5,434.46 kt, ExxonMobil 2,983.89 kt)
F_HP_PERNIS, F_HP_ESSO = 1130 / 5434.46144, 142 / 2983.88816
REF_GAS = F_SMR * REF_EF / GAS_EF  # MWh/t, the reformers' natural gas
REF_OIL = (1 - F_SMR) * REF_EF / OIL_EF  # MWh/t, refinery fuel priced as oil


def refinery_energy(inp: ModelInputs, oil: float, gas: float, el: float = 0.0) -> float:
    return GJ_PER_MWH * (
        oil * price(inp, "oil") + gas * price(inp, "natural_gas") + el * price(inp, "electricity")
    )


EL_MWH_PER_T_H2 = 53.6164
"""Electrolysis route's electricity in 2030, MWh/t H2 (33.333 / efficiency 0.6217, DEA 86 AEC
100 MW via PyPSA technology-data v0.14.0; derived_route_inputs)."""
EL_FOM = 367.235
"""Electrolysis route's fixed O&M in 2030, EUR2020/(t H2/yr)/yr (4 %/yr of capex)."""
EL_CAPEX = 9180.89 * 4.125295672511022
"""Electrolysis route's capex in 2030, EUR2020/(t H2/yr): the data sheet's 1,500 EUR/kW_e x
53.62 / 8.76 = 9,180.89, scaled so that its annuity at 7 % over 25 years is TNO's 5 EUR2024/kg
of capital in 2025 (derived_rfnbo_electrolysis_cost; rounded to 37,873.9 in the data)."""
EL_VOM = 2921.9
"""Electrolysis route's variable O&M in 2030, EUR2025/t H2: the running cost of renewable
hydrogen above the data sheet's (derived_rfnbo_electrolysis_cost)."""


def own_electrolyser(cat: Catalogue, inp: ModelInputs, h2_mwh: float, life: float) -> float:
    """Cost per unit of product of ``h2_mwh`` MWh of hydrogen made in the plant's own
    electrolyser (own_electrolysis_share 1, derived_own_electrolysis): its electricity at the
    electricity price, its fixed and variable O&M and its capex annuitised over the route's
    life."""
    t_h2 = h2_mwh * GJ_PER_MWH / 120
    return t_h2 * (
        GJ_PER_MWH * EL_MWH_PER_T_H2 * price(inp, "electricity")
        + EL_FOM * eur(cat, 2020)
        + EL_VOM
        + round(EL_CAPEX, 1) * eur(cat, 2020) * crf(life)
    )


def test_refinery(inp: ModelInputs) -> None:
    """Incumbent refinery: 0.2168 tCO2/t crude (was 0.151), fuel split into the reformers'
    gas (9.6 % of refinery CO2) and refinery fuel priced as oil; no capex or opex sourced."""
    assert REF_EF == pytest.approx(0.216833, rel=1e-5)
    check(model(inp, "refinery"), refinery_energy(inp, REF_OIL, REF_GAS), REF_EF)


@pytest.mark.parametrize(
    ("route", "share", "published"),
    [
        ("refinery_ccs_h2units", F_HP_PERNIS, 0.207932),
        ("refinery_ccs_h2units_esso", F_HP_ESSO, 0.047589),
    ],
)
def test_refinery_capture_at_its_own_hydrogen_units(
    cat: Catalogue, inp: ModelInputs, route: str, share: float, published: float
) -> None:
    """Capture of a refinery's own high-purity CO2 (MIDDEN TC0480: 17.3 EUR2020 per tCO2/yr,
    O&M 0.519 EUR2020 per tCO2/yr/yr excluding T&S, 125 kWh/tCO2, 20 years) at the site's
    own share, not the national 10 %: Shell Pernis 1,130 kt/yr of its units' 5,434.46 kt
    (reformer and residue gasifier), ExxonMobil 142 of 2,983.89 (its reformer)."""
    assert share == pytest.approx(published, abs=1e-6)
    cap = share * REF_EF
    cost = (
        refinery_energy(inp, REF_OIL, REF_GAS, 0.125 * cap)
        + cap * TS * eur(cat, 2020)
        + 0.519 * cap * eur(cat, 2020)
        + 17.3 * cap * eur(cat, 2020) * crf(20)
    )
    check(model(inp, route), cost, REF_EF, cap)


def test_refinery_ccs_postcomb(cat: Catalogue, inp: ModelInputs) -> None:
    """Post-combustion capture (MIDDEN TC0478, retrofit 327 EUR2021 per tCO2/yr; O&M 54.8
    EUR2020 incl. T&S at the Porthos tariff, less the model's own 33.41 T&S; 0.175 MWh
    electricity and 1.028 MWh heat per t from a gas boiler at 0.925) plus the hydrogen units
    (TC0480); 25 years."""
    pc, hp = F_PC * REF_EF, F_HP * REF_EF
    regen_gas = 1.028 * pc / 0.925
    ef = REF_EF + regen_gas * GAS_EF
    cost = (
        refinery_energy(inp, REF_OIL, REF_GAS + regen_gas, 0.175 * pc + 0.125 * hp)
        + (pc + hp) * TS * eur(cat, 2020)
        + ((54.8 - 33.41) * pc + 0.519 * hp) * eur(cat, 2020)
        + (327 * pc + 17.3 * hp) * eur(cat, 2021) * crf(25)
    )
    got = model(inp, "refinery_ccs_postcomb")
    check(got, cost, ef, pc + hp)
    assert got["captured"] / got["ef"] == pytest.approx(0.7228, abs=1e-4)


def test_refinery_eboilers(cat: Catalogue, inp: ModelInputs) -> None:
    """Boilers (7.3 % of refinery CO2) replaced by electric boilers: fuel x 0.85 (MIDDEN
    TC0380) / 0.99 (TC0463); capex 0.115 MEUR2019/MWth, O&M 2.3 kEUR2020/MWth/yr, 15 years."""
    fuel = F_BOIL * REF_EF / OIL_EF
    steam = 0.85 * fuel
    mwth = steam / 8760
    cost = (
        refinery_energy(inp, REF_OIL - fuel, REF_GAS, steam / 0.99)
        + 2.3e3 * mwth * eur(cat, 2020)
        + 0.115e6 * mwth * eur(cat, 2019) * crf(15)
    )
    check(model(inp, "refinery_eboilers"), cost, REF_EF * (1 - F_BOIL))


def test_refinery_electric_heat(cat: Catalogue, inp: ModelInputs) -> None:
    """Furnaces (33.4 %) electric at 0.99 instead of 0.90 (MIDDEN TC0382), 35-50 MEUR2017 per
    10 MW (mid 4.25 MEUR/MW), O&M 2 %, 20 years; plus the electric boilers (the capex row
    adds the boilers' EUR2019 part in EUR2017, as its note says)."""
    furn = F_FURN * REF_EF / OIL_EF
    boil = F_BOIL * REF_EF / OIL_EF
    el = furn * 0.90 / 0.99 + 0.85 * boil / 0.99
    capex_furn = 4.25e6 * (furn * 0.90 / 0.99) / 8760
    capex_boil = 0.115e6 * 0.85 * boil / 8760
    cost = (
        refinery_energy(inp, REF_OIL - furn - boil, REF_GAS, el)
        + (0.02 * capex_furn + 2.3e3 * 0.85 * boil / 8760) * eur(cat, 2017)
        + (capex_furn + capex_boil) * eur(cat, 2017) * crf(20)
    )
    check(model(inp, "refinery_electric_heat"), cost, REF_EF * (1 - F_FURN - F_BOIL))


def test_refinery_green_h2(inp: ModelInputs) -> None:
    """The reformers' hydrogen bought from the network: SMR CO2 / 8.99 tCO2 per t H2 (MIDDEN
    TC0374) x 33.33 MWh/t; no capex at the refinery (assumption), 25 years."""
    smr_co2 = F_SMR * REF_EF
    h2_mwh = smr_co2 / 8.99 * 100 / 3
    cost = refinery_energy(inp, REF_OIL, 0.0) + GJ_PER_MWH * h2_mwh * price(inp, "hydrogen")
    check(model(inp, "refinery_green_h2"), cost, REF_EF - smr_co2)


def test_refinery_ccs_h2units_green_h2(cat: Catalogue, inp: ModelInputs) -> None:
    """Shell Pernis with Holland Hydrogen 1 on top of its Porthos capture
    (derived_refinery_hh1_share): HH1 delivers 21.9 kt H2/yr (60 t/day, shell_hh1_2025) =
    2.628e6 GJ at 120 GJ/t; the refinery route's reformer hydrogen at Pernis's 24.433 Mt/yr
    is SMR CO2 / 8.99 t/t (TC0374) x 33.33 MWh/t x 3.6 GJ/MWh, so the share bought is their
    ratio (0.38779; the hydrogen rounded down to 0.02987 MWh/t); the reformers' gas and CO2
    fall by the same share. Captured: Pernis's 0.045087 t/t (its own 20.8 %) less the idled
    reformer CO2 in
    Pernis's own units (MIDDEN: 895 gasifier + 348 reformer kt/yr, HH1 = 21.9/47.2 of the
    reformer) x (1 - 0.46398 x 348 / 1243). Capex and O&M of the compression as
    refinery_ccs_h2units (17.3 and 0.519 EUR2020 per tCO2/yr of 0.045087 t/t), 125 kWh per
    t captured; 20 years; the hydrogen is HH1's own, made at its running cost (electricity,
    fixed and variable O&M) with the electrolyser's capex (derived_own_electrolysis)."""
    smr_co2 = F_SMR * REF_EF
    h2_full = smr_co2 / 8.99 * 100 / 3  # MWh/t
    share = 21_900 * 120 / (24_433_430.34 * h2_full * GJ_PER_MWH)
    assert share == pytest.approx(0.38779, abs=1e-5)
    h2 = 0.02987  # MWh/t, h2_full x share rounded down
    assert h2 <= h2_full * share
    full_cap = F_HP_PERNIS * REF_EF
    cap = full_cap * (1 - (21.9 / 47.2) * 348 / (895 + 348))
    ef = REF_EF - share * smr_co2
    cost = (
        refinery_energy(inp, REF_OIL, REF_GAS * (1 - share), 0.125 * cap)
        + own_electrolyser(cat, inp, h2, 20)
        + cap * TS * eur(cat, 2020)
        + 0.519 * full_cap * eur(cat, 2020)
        + 17.3 * full_cap * eur(cat, 2020) * crf(20)
    )
    got = model(inp, "refinery_ccs_h2units_green_h2")
    assert got["ef"] == pytest.approx(ef, rel=1e-4)
    assert got["captured"] == pytest.approx(cap, rel=1e-4)
    assert got["cost"] == pytest.approx(cost, rel=1e-4)


def test_refinery_ccs_postcomb_green_h2(cat: Catalogue, inp: ModelInputs) -> None:
    """Post-combustion capture with the reformers idled and their hydrogen from the network
    (derived_refinery_postcomb_h2): refinery_ccs_postcomb's post-combustion capture and
    regeneration heat unchanged; the reformers' gas and CO2 (9.6 % of refinery CO2) gone,
    neither emitted nor captured; the high-purity capture keeps only the gasifier's part
    (MIDDEN: Pernis 1,130 kt of its 895 gasifier + 348 reformer, Esso 142 from its reformer:
    1,130 x 895/1,243 of 1,272); the reformers' hydrogen bought (TC0374: SMR CO2 / 8.99 x
    33.33 MWh/t); capex and O&M of refinery_ccs_postcomb, 25 years."""
    pc, hp = F_PC * REF_EF, F_HP * REF_EF
    hp_left = hp * (1130 * 895 / 1243) / 1272
    regen_gas = 1.028 * pc / 0.925
    smr_co2 = F_SMR * REF_EF
    ef = REF_EF + regen_gas * GAS_EF - smr_co2
    h2_mwh = smr_co2 / 8.99 * 100 / 3
    cost = (
        refinery_energy(inp, REF_OIL, regen_gas, 0.175 * pc + 0.125 * hp_left)
        + GJ_PER_MWH * h2_mwh * price(inp, "hydrogen")
        + (pc + hp_left) * TS * eur(cat, 2020)
        + ((54.8 - 33.41) * pc + 0.519 * hp) * eur(cat, 2020)
        + (327 * pc + 17.3 * hp) * eur(cat, 2021) * crf(25)
    )
    got = model(inp, "refinery_ccs_postcomb_green_h2")
    check(got, cost, ef, pc + hp_left)
    # the idled reformers' CO2 leaves both sides: less emitted than refinery_ccs_postcomb
    # by the reformers' uncaptured CO2, less captured by their high-purity part
    post = model(inp, "refinery_ccs_postcomb")
    assert post["captured"] - got["captured"] == pytest.approx(hp - hp_left, rel=1e-4)
    assert (post["ef"] - post["captured"]) - (got["ef"] - got["captured"]) == pytest.approx(
        smr_co2 - (hp - hp_left), rel=1e-4
    )


def test_refinery_ccs_postcomb_hh1(cat: Catalogue, inp: ModelInputs) -> None:
    """Post-combustion capture with Holland Hydrogen 1's share of the reformers' hydrogen
    (Shell Pernis's step on from refinery_ccs_h2units_green_h2 that keeps HH1;
    derived_refinery_postcomb_h2): refinery_ccs_postcomb with the reformers' gas and CO2 down
    by 0.38779 and the high-purity capture of refinery_ccs_h2units_green_h2 (x (1 - 21.9/47.2
    x 348/1,243)); 0.02987 MWh/t of hydrogen made in HH1, Shell's own electrolyser
    (derived_own_electrolysis); capex and O&M of refinery_ccs_postcomb."""
    pc, hp = F_PC * REF_EF, F_HP_PERNIS * REF_EF
    share = 0.38779
    hp_left = hp * (1 - (21.9 / 47.2) * 348 / 1243)
    regen_gas = 1.028 * pc / 0.925
    ef = REF_EF + regen_gas * GAS_EF - share * F_SMR * REF_EF
    cost = (
        refinery_energy(
            inp, REF_OIL, regen_gas + REF_GAS * (1 - share), 0.175 * pc + 0.125 * hp_left
        )
        + own_electrolyser(cat, inp, 0.02987, 25)
        + (pc + hp_left) * TS * eur(cat, 2020)
        + ((54.8 - 33.41) * pc + 0.519 * hp) * eur(cat, 2020)
        + (327 * pc + 17.3 * hp) * eur(cat, 2021) * crf(25)
    )
    check(model(inp, "refinery_ccs_postcomb_hh1"), cost, ef, pc + hp_left)


# --- crackers ---------------------------------------------------------------------------------
STEAM_GAS = 4.31 / 0.925  # GJ gas per t HVC for the imported steam (gas boiler)
CRACKER_EF = 0.516 + STEAM_GAS * GAS_EF / GJ_PER_MWH
HVC_PER_ETHYLENE = 1 + 0.591 + 0.0304 + 0.00348 + 0.0957 + 0.243  # MIDDEN TC0432 outputs
NAPHTHA_GJ = 1.29 * 44.5


def test_naphtha_steam_cracker(cat: Catalogue, inp: ModelInputs) -> None:
    """MIDDEN TC0261 (NL crackers, Shell Moerdijk): 0.516 tCO2/t HVC, electricity 0.587 GJ,
    naphtha 1.29 t (44.5 GJ/t), capex 417 and O&M 20.9 EUR2017 per t/yr, 25 years; plus its
    4.31 GJ/t imported steam raised in a gas boiler (0.925). The furnaces' fuel, 8.28 GJ/t of
    methane-rich gas from the feed (TC0261; TC0405: 22.1 GJ fuel gas per t ethylene from own
    off-gases), is paid with the naphtha: only the steam's gas is bought."""
    assert CRACKER_EF == pytest.approx(0.77227, rel=1e-5)
    cost = (
        NAPHTHA_GJ * price(inp, "naphtha")
        + STEAM_GAS * price(inp, "natural_gas")
        + 0.587 * price(inp, "electricity")
        + 20.9 * eur(cat, 2017)
        + 417 * eur(cat, 2017) * crf(25)
    )
    check(model(inp, "naphtha_steam_cracker"), cost, CRACKER_EF)


def test_cracker_e_compressors(cat: Catalogue, inp: ModelInputs) -> None:
    """Electric compressors (MIDDEN TC0432, SABIC): 483 kEUR2019 capex and 9.65 kEUR2019 O&M
    per kt ethylene/yr, +4.86 GJ electricity and -4.01 GJ steam per t ethylene, per t HVC with
    1.9636 t HVC/t ethylene, on the cracker they serve: the route renews the cracker (TC0261:
    417 EUR2017/(t/yr), 25 years) and keeps its O&M (20.9 EUR2017/(t/yr)/yr), so a switch at the
    cracker's renewal cannot skip the renewal. The route's rows are in EUR2017: 417 + 483 /
    1.9636 x 75.6068 / 78.8914 (CPI 2017 / 2019) = 652.738 and 20.9 + 9.65 / 1.9636 x 75.6068 /
    78.8914 = 25.6099."""
    saved_gas = 4.01 / HVC_PER_ETHYLENE / 0.925
    to_2017 = 75.6068 / 78.8914
    assert eur(cat, 2019) / eur(cat, 2017) == pytest.approx(to_2017, rel=1e-9)
    capex = (417 + 483 / HVC_PER_ETHYLENE * to_2017) * eur(cat, 2017)
    assert capex == pytest.approx(652.738 * eur(cat, 2017), rel=1e-6)
    cost = (
        NAPHTHA_GJ * price(inp, "naphtha")
        + (STEAM_GAS - saved_gas) * price(inp, "natural_gas")
        + (0.587 + 4.86 / HVC_PER_ETHYLENE) * price(inp, "electricity")
        + (20.9 + 9.65 / HVC_PER_ETHYLENE * to_2017) * eur(cat, 2017)
        + capex * crf(25)
    )
    ef = CRACKER_EF - saved_gas * GAS_EF / GJ_PER_MWH
    check(model(inp, "cracker_e_compressors"), cost, ef)


def test_cracker_ccs_postcomb(cat: Catalogue, inp: ModelInputs) -> None:
    """Post-combustion capture on the cracker furnaces (MIDDEN TC0262, tc.json 569ed7a): 85 %
    of TC0261's 0.516 tCO2/t HVC captured (residual 0.0774), fuel 8.28 -> 11.2 GJ/t (the 2.92
    GJ/t more is bought gas for solvent regeneration, 5.7 GJ/tCO2; its CO2 not captured, as
    refinery_ccs_postcomb's regeneration heat), electricity 0.587 -> 1.0 GJ/t, retrofit capex
    0.03 MEUR2019 per kt HVC/yr, O&M 2 % of it (TC0262: 1-3 %; its O&M range also holds the
    Porthos tariff, which the model charges per stored t), 25 years. The route renews the
    cracker (417 EUR2017) and keeps its O&M (20.9), as cracker_e_compressors. By hand:
    capex 417 + 30 x 75.6068 / 78.8914 = 445.751 EUR2017; ef 0.77227 + 2.92 x 0.055 =
    0.93287; captured 0.4386."""
    to_2017 = 75.6068 / 78.8914
    regen_gas = 11.2 - 8.28
    captured = 0.85 * 0.516
    assert captured == pytest.approx(0.516 - 0.0774, rel=1e-3)
    ef = CRACKER_EF + regen_gas * GAS_EF / GJ_PER_MWH
    assert ef == pytest.approx(0.93287, rel=1e-5)
    capex = (417 + 30 * to_2017) * eur(cat, 2017)
    assert capex == pytest.approx(445.751 * eur(cat, 2017), rel=1e-6)
    cost = (
        NAPHTHA_GJ * price(inp, "naphtha")
        + (STEAM_GAS + regen_gas) * price(inp, "natural_gas")
        + 1.0 * price(inp, "electricity")
        + captured * TS * eur(cat, 2020)
        + (20.9 + 0.02 * 30 * to_2017) * eur(cat, 2017)
        + capex * crf(25)
    )
    got = model(inp, "cracker_ccs_postcomb")
    check(got, cost, ef, captured)
    r = inp.coords.routes.index("cracker_ccs_postcomb")
    assert int(inp.routes.earliest_year[r]) == 2030


def test_electric_steam_cracker(cat: Catalogue, inp: ModelInputs) -> None:
    """Electric cracker (MIDDEN TC0264: 0.68 MEUR2019 per kt HVC/yr, O&M 0.014, 8.08 GJ
    electricity, 18 years, no direct CO2) with its 4.33 GJ/t steam from electric boilers
    (TC0463: 0.115 MEUR2019/MWth, 2.3 kEUR2020/MWth/yr, 0.99); the methane-rich gas its
    furnaces no longer burn, 8.28 GJ/t (TC0261), is exported at the natural-gas price."""
    mwth = 4.33 / (8760 * GJ_PER_MWH)
    cost = (
        NAPHTHA_GJ * price(inp, "naphtha")
        + (8.08 + 4.33 / 0.99) * price(inp, "electricity")
        - 8.28 * price(inp, "natural_gas")
        + (14 + 2.3e3 * mwth) * eur(cat, 2019)
        + (680 + 0.115e6 * mwth) * eur(cat, 2019) * crf(18)
    )
    check(model(inp, "electric_steam_cracker"), cost, 0.0)


# Alternative feed (derived_cracker_feed_supply): national supply / feed of the five crackers
# that can run (base-year production at 85 % of nameplate, rule U4 of SITES.md: 6,604.0 kt HVC/yr
# x 1.29 t/t = 8,519.1 kt naphtha/yr).
CRACKER_FEED_KT = (1572548 + 1573715 + 1065284 + 1377826 + 2180000) * 0.85 * 1.29 / 1e3


def _cofeed_cost(cat: Catalogue, inp: ModelInputs, feed: str, share: float) -> float:
    """The naphtha steam cracker with ``share`` of its feed (energy for energy) replaced by
    ``feed``; switching renews the cracker (417 EUR2017/(t/yr), TC0261, 25 years)."""
    return (
        NAPHTHA_GJ * ((1 - share) * price(inp, "naphtha") + share * price(inp, feed))
        + STEAM_GAS * price(inp, "natural_gas")
        + 0.587 * price(inp, "electricity")
        + 20.9 * eur(cat, 2017)
        + 417 * eur(cat, 2017) * crf(25)
    )


def test_cracker_pyrolysis_oil_cofeed(cat: Catalogue, inp: ModelInputs) -> None:
    """Pyrolysis oil from plastic waste: 50 kt/yr (Shell Moerdijk upgrader) / 8,519.1 kt =
    0.59 % of the feed, priced as naphtha per GJ (assumption_pyrolysis_oil_price: a floor, the
    assessments are paywalled), so the unit cost is the incumbent's with a renewed cracker.
    Fossil carbon: the scope-1 factor stays 0.77227 tCO2/t."""
    share = 50 / CRACKER_FEED_KT
    assert share == pytest.approx(0.005869, rel=1e-3)
    assert price(inp, "pyrolysis_oil") == pytest.approx(price(inp, "naphtha"))
    cost = _cofeed_cost(cat, inp, "pyrolysis_oil", share)
    check(model(inp, "cracker_pyrolysis_oil_cofeed"), cost, CRACKER_EF)
    assert model(inp, "cracker_pyrolysis_oil_cofeed")["cost"] == pytest.approx(
        model(inp, "naphtha_steam_cracker")["cost"]
    )


def test_cracker_bio_naphtha_cofeed(cat: Catalogue, inp: ModelInputs) -> None:
    """Bio-naphtha: Neste Rotterdam 1.4 Mt/yr x 0.066 / 0.9765 (DEA 91) = 94.6 kt/yr /
    8,519.1 kt = 1.11 % of the feed, at its used-cooking-oil floor: 1,203.92 USD/t (Argus,
    2025) / 1.13 USD/EUR (ECB 2025) / (44 GJ/t / 3.6) = 87.17 EUR/MWh = 24.21 EUR/GJ. Its
    furnace CO2 is biogenic: 0.77227 - 0.011104 x 0.516 = 0.76654 tCO2/t. In 2030 the
    premium over naphtha, (24.21 - 12.86) x 0.6375 GJ/t = 7.24 EUR/t HVC, buys 0.00573 tCO2/t:
    about 1,260 EUR/tCO2."""
    share = 1.4e6 * 0.066 / 0.9765 / 1e3 / CRACKER_FEED_KT
    assert share == pytest.approx(0.011104, rel=1e-3)
    assert price(inp, "bio_naphtha") == pytest.approx(1203.92 / 1.13 / (44 / 3.6) / 3.6, rel=1e-4)
    cost = _cofeed_cost(cat, inp, "bio_naphtha", share)
    ef = CRACKER_EF - share * 0.516
    check(model(inp, "cracker_bio_naphtha_cofeed"), cost, ef)
    extra = cost - model(inp, "naphtha_steam_cracker")["cost"]
    assert extra / (CRACKER_EF - ef) == pytest.approx(1260, rel=0.01)


# --- steel ------------------------------------------------------------------------------------
def test_bf_bof_coking_coal(cat: Catalogue, inp: ModelInputs) -> None:
    """Blast furnace with coking coal as coking coal (MPP 'BAT BF-BOF': met coal 0.4415 t,
    coke 4.754 + thermal coal 1.352 GJ priced as coal, natural gas 0.234 GJ, iron ore 1.121 t,
    scrap 0.255 t (no price yet); other opex 129.7 and GF capex 1066.85 EUR2020/(t/yr),
    40 years)."""
    cost = (
        0.441493 * price(inp, "coking_coal")
        + (4.75371 + 1.35170) * price(inp, "coal")
        + 0.233872 * price(inp, "natural_gas")
        + 1.12065 * price(inp, "iron_ore")
        + 0.255 * price(inp, "scrap")
        + 129.745 * eur(cat, 2020)
        + 1066.85 * eur(cat, 2020) * crf(40)
    )
    check(model(inp, "bf_bof"), cost, 1.79421)


def test_ng_dri_eaf_ccs(cat: Catalogue, inp: ModelInputs) -> None:
    """MPP 'DRI-EAF+CCUS': emissivity 0.851643 tCO2/t before capture, 0.766479 captured,
    natural gas 14.0008 GJ, electricity 5.51222 GJ, DRI-grade ore 1.59375 t; GF capex 824.607
    and other opex 143.917 EUR2020/(t/yr) in 2030; 40 years; 26.9521 % of the output melted
    from scrap (Tata's 30 % scrap charge, :func:`scrap_melt_cost`), its CO2 not captured."""
    own = (
        14.0008 * price(inp, "natural_gas")
        + 5.51222 * price(inp, "electricity")
        + 1.59375 * price(inp, "iron_ore")
        + 0.766479 * TS * eur(cat, 2020)
        + 143.917 * eur(cat, 2020)
        + 824.607 * eur(cat, 2020) * crf(40)
    )
    cost = (1 - W_SCRAP) * own + W_SCRAP * scrap_melt_cost(cat, inp)
    ef = (1 - W_SCRAP) * 0.851643 + W_SCRAP * 0.163169
    check(model(inp, "ng_dri_eaf_ccs"), cost, ef, (1 - W_SCRAP) * 0.851643 * 0.9)


def test_ng_dri_eaf_hp_capture(cat: Catalogue, inp: ModelInputs) -> None:
    """Gas DRI + EAF (MPP 'DRI-EAF': 0.851643 tCO2/t, gas 14.0008 GJ, electricity 2.17037 GJ,
    ore 1.59375 t, GF capex 698.342 and other opex 118.271 EUR2020/(t/yr), 40 years) whose
    CO2-removal stream is compressed and stored: 0.30 tCO2/t DRI (Midrex: CO2 removal from the
    top-gas fuel takes out 0.25-0.35 t/t DRI) x 0.98 t DRI/t steel (MIDDEN TC0037) = 0.294
    t/t, compression MIDDEN TC0480 (17.3 EUR2020/(tCO2/yr), 0.519 O&M, 0.125 MWh/tCO2). By
    hand: capex 698.342 + 5.0862 = 703.428; opex 118.271 + 0.1526 = 118.424; electricity
    2.17037 + 0.1323 = 2.30267 GJ/t; capture rate 0.294 / 0.851643 = 0.3452. Then 26.9521 % of
    the output melted from scrap (:func:`scrap_melt_cost`): factor 0.730479 x 0.851643 +
    0.269521 x 0.163169 = 0.666085 t/t, captured 0.730479 x 0.294 = 0.214761 t/t."""
    captured = 0.30 * 0.98
    own = (
        14.0008 * price(inp, "natural_gas")
        + (2.17037 + 0.125 * captured * GJ_PER_MWH) * price(inp, "electricity")
        + 1.59375 * price(inp, "iron_ore")
        + captured * TS * eur(cat, 2020)
        + (118.271 + 0.519 * captured) * eur(cat, 2020)
        + (698.342 + 17.3 * captured) * eur(cat, 2020) * crf(40)
    )
    cost = (1 - W_SCRAP) * own + W_SCRAP * scrap_melt_cost(cat, inp)
    ef = (1 - W_SCRAP) * 0.851643 + W_SCRAP * 0.163169
    got = model(inp, "ng_dri_eaf_hp_capture")
    check(got, cost, ef, (1 - W_SCRAP) * captured)
    # 0.214761 t/t of 0.666085: the DRI part's stream only
    assert got["captured"] / got["ef"] == pytest.approx(0.3224, abs=1e-4)


# Tata Steel's 30 % scrap in the DRI-EAF's charge (derived_dri_scrap_charge): the share w of
# output melted from scrap, w x 1.13832 t scrap / (w x 1.13832 + (1 - w) x 0.98 t DRI) = 0.30.
W_SCRAP = 0.3 * 0.98 / (0.7 * 1.13832 + 0.3 * 0.98)


def scrap_melt_cost(cat: Catalogue, inp: ModelInputs) -> float:
    """MPP 'EAF' per t of steel melted from scrap: 1.13832 t scrap, 1.48308 GJ gas, 2.28582 GJ
    electricity; other opex 62.9861 and capex 210 EUR2020/(t/yr), 40 years."""
    return (
        1.13832 * price(inp, "scrap")
        + 1.48308 * price(inp, "natural_gas")
        + 2.28582 * price(inp, "electricity")
        + 62.9861 * eur(cat, 2020)
        + 210.0 * eur(cat, 2020) * crf(40)
    )


def test_scrap_melt_share_of_the_dri_routes() -> None:
    """w = 0.294 / 1.090824 = 0.269521: 30 % scrap in the charge."""
    assert W_SCRAP == pytest.approx(0.269521, rel=1e-6)
    assert W_SCRAP * 1.13832 / (W_SCRAP * 1.13832 + (1 - W_SCRAP) * 0.98) == pytest.approx(0.3)


# --- ammonia ----------------------------------------------------------------------------------
def test_ammonia_import_grey(inp: ModelInputs) -> None:
    """Grey ammonia CFR NW Europe: 510 USD/t, the midpoint of the 2024 NWE range 460-560
    (fertilizerpricing.com; Platts 490 on 8 Jul 2024) / 1.0824 USD/EUR (ECB 2024), euro of 2024
    to 2025 x 100 / 96.8054 (CBS CPI); no domestic emissions (CBAM on its 2.1384 tCO2/t
    embedded emissions is the CBAM instrument's term, outside this cost)."""
    eur2025 = 510 / 1.0824 * 100 / 96.8054
    assert price(inp, "ammonia_import_grey") == pytest.approx(eur2025, rel=1e-5)
    check(model(inp, "ammonia_import_grey"), eur2025, 0.0)
    c = inp.coords.carriers.index("ammonia_import_grey")
    assert bool(inp.carriers.cbam[c]) and inp.carriers.embedded[c] == pytest.approx(2.1384)


# --- process heat -----------------------------------------------------------------------------
def test_hybrid_boiler_low(cat: Catalogue, inp: ModelInputs) -> None:
    """Hybrid boiler: an electric boiler (DEA 310.1: 1.0101 GJ electricity per GJ, 88.6295
    EUR2025/kW in 2030, FOM 1.29142 EUR/kW/yr) beside the kept gas boiler (DEA 311.1c: 1.07527
    GJ gas per GJ and 0.05500 / 0.93 tCO2/GJ in 2030, FOM 2.40566, VOM 1.2661 EUR/MWh); 25
    years. In 2030 the reference scenario's prices put the three cheapest bands of the
    price-duration curve on power (``tests/policy/test_flexible_load_policy.py`` checks the
    rule by hand): 2,000 of 8,760 h, at an average relative price of (500 x -0.1628 + 500 x
    0.0266 + 1,000 x 0.4976) / 2,000 = 0.21475 of the yearly average."""
    s = 2000 / 8760
    r = inp.coords.routes.index("hybrid_boiler_low")
    y = list(inp.coords.years).index(YEAR)
    assert inp.routes.power_share is not None
    assert float(inp.routes.power_share[r, y]) == pytest.approx(s)
    ratio = (500 * -0.1628 + 500 * 0.0266 + 1000 * 0.4976) / 2000
    cost = (
        (1 - s) * 1.07527 * price(inp, "natural_gas")
        + s * 1.0101 * ratio * price(inp, "electricity")
        + 1.2661 / GJ_PER_MWH
        + (1.29142 + 2.40566) / GJ_PER_KW_YEAR
        + 88.6295 / GJ_PER_KW_YEAR * crf(25)
    )
    check(model(inp, "hybrid_boiler_low"), cost, (1 - s) * 0.055 / 0.93)


# --- glass -----------------------------------------------------------------------------------
# MIDDEN's furnaces are per kt of molten glass; TC0009 (post-melting) takes 1.07 t molten glass
# per t of product, so every per-capacity figure is x 1.07 per t of glass.
MOLTEN_PER_T = 1.07
GLASS_GAS_GJ = 5.77996
"""Natural gas of the gas furnace per t glass (Hotmaps NL glass sites, derived_route_hotmaps)."""


def test_gas_glass_furnace(cat: Catalogue, inp: ModelInputs) -> None:
    """Gas furnace (MIDDEN TC0001, regenerative end-port with electric boosting): 0.15 MEUR2017
    per kt molten glass/yr, O&M 3 % of it, a 17-year campaign; fuel from Hotmaps."""
    cost = (
        GLASS_GAS_GJ * price(inp, "natural_gas")
        + 150 * 0.03 * MOLTEN_PER_T * eur(cat, 2017)
        + 150 * MOLTEN_PER_T * eur(cat, 2017) * crf(17)
    )
    check(model(inp, "gas_glass_furnace"), cost, 0.55626)


def test_electric_glass_furnace(cat: Catalogue, inp: ModelInputs) -> None:
    """All-electric cold-top furnace (MIDDEN TC0011): 0.35 MEUR2017 per kt molten glass/yr, O&M
    3 % of it, a 7-year campaign, from 2030; electricity 4,160 GJ per kt molten glass (TC0011)
    and the post-melting gas it does not replace, 542 GJ per kt product (TC0009); CO2: the
    carbonates' 0.102551 t/t (PyPSA-Earth sector ratios) plus that gas at 55.0 kg/GJ."""
    cost = (
        4.160 * MOLTEN_PER_T * price(inp, "electricity")
        + 0.542 * price(inp, "natural_gas")
        + 350 * 0.03 * MOLTEN_PER_T * eur(cat, 2017)
        + 350 * MOLTEN_PER_T * eur(cat, 2017) * crf(7)
    )
    check(model(inp, "electric_glass_furnace"), cost, 0.102551 + 0.542 * 0.0550)
    r = inp.coords.routes.index("electric_glass_furnace")
    assert int(inp.routes.earliest_year[r]) == 2030
    offered = {inp.coords.routes[k] for k in np.unique(inp.plants.options) if k >= 0}
    assert "electric_glass_furnace" in offered
    assert "electric_glass_furnace" not in set(inp.routes.excluded)


def test_every_new_route_is_complete_and_offered(inp: ModelInputs) -> None:
    """Every route added for issue 9 has the data the model needs to offer it (no route
    left out for a missing emission factor, capex, lifetime or unpriced input)."""
    new = {
        "ammonia_import_grey",
        "cracker_bio_naphtha_cofeed",
        "cracker_ccs_postcomb",
        "cracker_e_compressors",
        "cracker_pyrolysis_oil_cofeed",
        "electric_steam_cracker",
        "hybrid_boiler_low",
        "ng_dri_eaf_ccs",
        "ng_dri_eaf_hp_capture",
        "refinery_ccs_h2units",
        "refinery_ccs_h2units_esso",
        "refinery_ccs_h2units_green_h2",
        "refinery_ccs_postcomb",
        "refinery_ccs_postcomb_green_h2",
        "refinery_ccs_postcomb_hh1",
        "refinery_eboilers",
        "refinery_electric_heat",
        "refinery_green_h2",
    }
    assert not new & set(inp.routes.excluded)
    offered = {inp.coords.routes[r] for r in np.unique(inp.plants.options) if r >= 0}
    assert new <= offered
