"""The route and infrastructure data of issue 9: emission factors against published
capacities, the limits per cluster as the model assembles them, and the checks of the new
biomass supply table (a broken copy is refused, naming file, row and field)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kruispunt.catalogue import Catalogue
from kruispunt.catalogue.load import load_catalogue as load
from kruispunt.errors import DataPackageError, Problem
from kruispunt.inputs import ModelInputs
from tests.catalogue.conftest import read_rows, write_rows


def infra(cat: Catalogue, **where: str) -> pd.DataFrame:
    df = cat.infrastructure
    for col, value in where.items():
        df = df[df[col] == value]
    return df


def pool_capacity(inp: ModelInputs, name: str, years: list[int]) -> list[float]:
    q = inp.pools.names.index(name)
    idx = [list(inp.coords.years).index(y) for y in years]
    return [float(v) for v in inp.pools.capacity[0, q, idx]]


# --- emission factors and derived throughput --------------------------------------------------
def test_refinery_throughput_matches_middens_crude_capacity(cat: Catalogue) -> None:
    """With the NL refinery factor, the derived 2022 throughput of the six refineries is their
    MIDDEN crude distillation capacity (pcd.json: Pernis 21.0, ExxonMobil 9.1, Gunvor 4.5, BP
    20.0, Zeeland 8.63, VPR 3.5 Mt/yr) x MIDDEN's refinery utilisation 0.82, and below the
    capacity (the former 0.151 tCO2/t gave 78.5 Mt, above it)."""
    sp = cat.site_products
    throughput = sp[sp["product_id"] == "refinery_throughput"]["production"].sum()
    capacity = (21.0 + 9.1 + 4.5 + 20.0 + 8.63 + 3.5) * 1e6
    assert throughput == pytest.approx(0.82 * capacity, rel=1e-5)  # factor kept to 6 digits
    assert throughput < capacity


def test_cracker_factor_is_the_crackers_own(cat: Catalogue) -> None:
    """The cracker route carries MIDDEN's NL cracker factor (TC0261, 0.516 tCO2/t HVC) plus
    its imported steam (4.31 GJ/t from a gas boiler at 0.925, 0.055 tCO2/GJ), no longer the
    JRC-IDEES sector ratio (1.32 t/t) that folded in all basic chemicals."""
    rp = cat.route_parameters
    ef = rp[(rp["route_id"] == "naphtha_steam_cracker") & (rp["parameter"] == "emission_factor")]
    assert float(ef["value"].iloc[0]) == pytest.approx(0.516 + 4.31 / 0.925 * 0.055, rel=1e-5)


# --- CO2 storage ------------------------------------------------------------------------------
def test_porthos_serves_its_four_customers_only(cat: Catalogue, inp: ModelInputs) -> None:
    """Porthos (2.5 Mt/yr, 2027-2041) is booked by Air Liquide, Air Products, ExxonMobil and
    Shell (Shell release, 2021); equal shares add up to its capacity and the assembled pool
    admits exactly their sites."""
    con = cat.storage_contracts[cat.storage_contracts["project"] == "porthos"]
    assert set(con["site_id"]) == {
        "air_liquide_botlek",
        "air_products_botlekweg",
        "esso_botlek",
        "shell_pernis",
    }
    assert con["capacity"].sum() == pytest.approx(2.5e6)
    q = inp.pools.names.index("co2_storage/porthos")
    admitted = {inp.coords.plant_site[p] for p in np.flatnonzero(inp.pools.plants[q])}
    assert admitted == set(con["site_id"])


def test_aramis_starts_2031_in_phases(inp: ModelInputs) -> None:
    """Aramis: not before the end of 2030 (minister, 2025) so first injection year 2031;
    5 -> 14 Mt/yr (PBL CES 3.0 range, named assumption on the years) -> 22 Mt/yr design."""
    got = pool_capacity(inp, "co2_storage/aramis", [2030, 2031, 2032, 2033, 2035, 2050])
    assert got == [0.0, 5e6, 5e6, 14e6, 22e6, 22e6]
    q = inp.pools.names.index("co2_storage/aramis")
    access = dict(zip(inp.coords.clusters, inp.pools.access[0, q], strict=True))
    assert access["rotterdam_moerdijk"] == 2031
    assert access["zeeland"] == 2031
    assert access["noordzeekanaalgebied"] == 2031
    assert access["chemelot"] == 2033  # the DRC CO2 line, 2032-2033 (h2view_drc_2024)


def test_northern_lights_phase2_is_not_a_pool(inp: ModelInputs) -> None:
    """Northern Lights' total capacity (phase 2, >= 5 Mt/yr from 2028) is open to European
    contracts; Dutch sites reach it only through Yara's 0.8 Mt/yr contract."""
    assert "co2_storage/northern_lights" not in inp.pools.names
    assert pool_capacity(inp, "co2_storage/northern_lights_yara", [2026, 2040, 2041]) == [
        0.8e6,
        0.8e6,
        0.0,
    ]


def test_storage_levers_leave_decided_stores_alone(cat: Catalogue) -> None:
    """``co2_storage_delay`` and ``co2_storage_scale`` (the ensemble's CO2-storage factors,
    sourced on Aramis's open first phase) move the stores not yet decided: Aramis starts 3
    years later at half its size. Porthos (FID Oct 2023, 2.5 Mt/yr booked by its four
    customers) and Yara's Northern Lights contract (binding since Nov 2023, 0.8 Mt/yr) keep
    their dates and sizes: before Dec 2026 both were scaled too, so Porthos's customers no
    longer fitted in most futures."""
    from dataclasses import replace

    from kruispunt.assemble import build_inputs
    from kruispunt.scenarios import resolve

    base = resolve(["current-policy"])[0]
    infra_lv = base.levers.infrastructure.model_copy(
        update={"co2_storage_delay": 3, "co2_storage_scale": 0.5}
    )
    late = build_inputs(
        cat, [replace(base, levers=base.levers.model_copy(update={"infrastructure": infra_lv}))]
    )
    assert pool_capacity(late, "co2_storage/aramis", [2033, 2034, 2036, 2038]) == [
        0.0,
        2.5e6,
        7e6,
        11e6,
    ]
    assert pool_capacity(late, "co2_storage/porthos", [2026, 2027, 2041, 2042]) == [
        0.0,
        2.5e6,
        2.5e6,
        0.0,
    ]
    assert pool_capacity(late, "co2_storage/northern_lights_yara", [2025, 2026, 2040]) == [
        0.0,
        0.8e6,
        0.8e6,
    ]
    q = late.pools.names.index("co2_storage/northern_lights_yara")
    assert late.pools.access[0, q, list(late.coords.clusters).index("zeeland")] == 2026


# --- grid -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cluster", "path"),
    [
        # Rotterdam port: full for large users from Dec 2024 (570 MW in Nov 2022, taken by then);
        # the 1,800 MW requested once Simonshaven is in (2029)
        ("rotterdam_moerdijk", {2025: 0.0, 2028: 0.0, 2029: 1800.0, 2050: 1800.0}),
        # Zeeland: 425 of the 715 MW waiting list connectable (2024); 3,500 MW requested by 2035
        ("zeeland", {2025: 425.0, 2034: 425.0, 2035: 3500.0}),
        # Noord-Holland full for large users since 18 Oct 2023; room from 2031, MW unpublished:
        # not limited by the data (the data's 1e6 MW, the schema's maximum, read as +inf)
        ("noordzeekanaalgebied", {2025: 0.0, 2030: 0.0, 2031: np.inf}),
        # Groningen 110 kV full since end 2023; new connections from 2032
        ("noord_nederland", {2031: 0.0, 2032: np.inf}),
        # Limburg waiting list; Graetheide 380 kV 2031-2034 (latest year)
        ("chemelot", {2033: 0.0, 2034: np.inf}),
    ],
)
def test_grid_room_for_new_load_per_cluster(
    inp: ModelInputs, cluster: str, path: dict[int, float]
) -> None:
    """The assembled grid pool of each congested cluster follows the operators' published
    freeze and relief years [MW of new load]; it never shrinks."""
    name = f"grid/{cluster}"
    assert pool_capacity(inp, name, list(path)) == list(path.values())
    room = inp.pools.capacity[0, inp.pools.names.index(name)]
    assert (room[1:] >= room[:-1]).all()


def test_dispersed_sites_wait_for_the_regional_grid(inp: ModelInputs) -> None:
    """Cluster 6 (dispersed sites on regional grids, one pool): no room for new load until
    2034 (every province but east Groningen and parts of Friesland full for large users, Dec
    2024; expansion about ten years), then not limited by the data (+inf: the data's 1e6 MW,
    the schema's maximum)."""
    q = inp.pools.names.index("grid/cluster6")
    years = inp.coords.years
    capacity = inp.pools.capacity[0, q]
    assert (capacity[years < 2034] == 0.0).all()
    assert (capacity[years >= 2034] == np.inf).all()


# --- hydrogen supply --------------------------------------------------------------------------
def test_hydrogen_supply_projects(cat: Catalogue) -> None:
    """Electrolyser projects as supply per cluster [t H2/yr] in their first full year: Holland
    Hydrogen 1 (2027), ELYgator (2028), Eneco (2029), H2Next (2030) in Rotterdam-Moerdijk;
    Air Liquide/TotalEnergies Zeeland (2029); the OWE-awarded RWE Eemshydrogen (50 MW x 115
    t/MW) and VoltH2 Delfzijl (50 MW, the OWE 2023 round's most, about 5 kt) in
    Noord-Nederland (2029) and Uniper's H2Maasvlakte (100 MW, about 10 kt, 2031, so not in
    2030's sum). Each has its
    electrolyser MW. ELYgator supplies Dutch users 8 kt/yr of its 23: TotalEnergies tolls 130
    of its 200 MW (15 kt/yr) for its Antwerp platform (newsbase_total_air_liquide_2025). The
    projects awarded OWE support without an investment decision carry their award year."""
    sup = infra(cat, kind="hydrogen", parameter="supply_capacity")
    mw = infra(cat, kind="hydrogen", parameter="electrolyser_capacity")
    assert set(sup["project"]) == set(mw["project"])
    in_2030 = sup[sup["year"] <= 2030].sort_values("year").groupby("project").last()
    per_cluster = in_2030.groupby("cluster_id")["value"].sum()
    assert per_cluster["rotterdam_moerdijk"] == pytest.approx(21900 + 8000 + 80000 + 28750)
    assert per_cluster["zeeland"] == pytest.approx(30000)
    assert per_cluster["noord_nederland"] == pytest.approx(5750 + 5000)
    assert mw["value"].sum() == pytest.approx(200 + 200 + 800 + 250 + 250 + 50 + 50 + 100)
    award = infra(cat, kind="hydrogen", parameter="support_award_year")
    years = dict(zip(award["project"], award["value"], strict=True))
    assert years == {"rwe_eemshydrogen": 2024, "volth2_delfzijl": 2024, "uniper_h2maasvlakte": 2025}


# --- biomass supply ---------------------------------------------------------------------------
def test_biomass_supply_is_what_existing_users_do_not_burn(cat: Catalogue) -> None:
    """Open to the model's plants (``derived_biomass_supply_open``): step 1 is the domestic
    clean woody biomass NL exported in 2022 (CBS 85899NED [TJ]: clean residual wood 988, bark
    443; AB wood, C wood and the repeated shreds row left out: only A wood is biomass under the
    Activiteitenbesluit/Bal, InfoMil and RVO) at the chips price, from
    2025; steps 2-12 are what the power plants co-fired in 2022 (CBS 82004NED: 46,035 TJ),
    freed when both RWE plants' SDE+ co-firing grants end in 2027, in tranches of the fastest
    growth of biomass in NL's company boilers (CBS 82004NED: 35,156 - 30,560 = 4,596 TJ from
    2018 to 2019), one a year from 2028, the remainder last, at the Ensoc pellet-over-chips
    difference except in the high price set. What company boilers (43,310 TJ) and households
    burn is not in it."""
    bs = cat.biomass_supply.sort_values("step")
    assert set(bs["scope"]) == {"national"} and list(bs["step"]) == list(range(1, 13))
    tranche = (35156 - 30560) * 1e3
    assert list(bs["quantity"]) == pytest.approx(
        [(988 + 443) * 1e3] + [tranche] * 10 + [46035e3 - 10 * tranche]
    )
    assert bs["quantity"].iloc[1:].sum() == pytest.approx(46035e3)
    assert list(bs["from_year"].fillna(0)) == [0, *range(2028, 2039)]
    pellet = 200 / 17.5 - 50 / 7.2
    assert list(bs["price_adder"]) == pytest.approx([0.0] + [pellet] * 11, rel=1e-4)
    assert list(bs["adder_not_in_set"].fillna("")) == [""] + ["high"] * 11


def test_biomass_supply_by_year_as_the_model_assembles_it(inp: ModelInputs) -> None:
    """The national pool holds 1.431 PJ/yr in 2025-2027, then adds one tranche of 4.596 PJ a
    year (6.027 PJ in 2028, 1.431 + 3 x 4.596 = 15.219 PJ in 2030, 1.431 + 8 x 4.596 =
    38.199 PJ in 2035) to 1.431 + 46.035 = 47.466 PJ/yr from 2038 (before: 8.653 PJ in step 1,
    with the AB wood; before that, all 54.688 PJ from 2028; before that, 92.09 PJ/yr in every
    year)."""
    years = [2025, 2027, 2028, 2029, 2030, 2035, 2037, 2038, 2050]
    got = pool_capacity(inp, "biomass/national", years)
    step1, tranche = 1.431e6, 4.596e6
    want = [step1, step1] + [step1 + k * tranche for k in (1, 2, 3, 8, 10)] + [47.466e6] * 2
    assert got == pytest.approx(want)
    # what opens each year is the sourced tranche, never more
    every = pool_capacity(inp, "biomass/national", list(range(2025, 2051)))
    assert max(np.diff(every)) == pytest.approx(tranche)


def test_pellet_step_price_per_price_set(cat: Catalogue) -> None:
    """The pellet steps cost +4.4841 EUR2025/GJ (Ensoc: 200/17.5 - 50/7.2) on top of the
    biomass carrier in the central and low sets, whose biomass is a chips price (Ensoc chips
    6.95 EUR2021/GJ; JRC ENSPRESO residue chips 17.33 EUR2025/MWh), and +0 in the high set,
    whose biomass carrier is already the Argus pellet price cif NWE (12.806 EUR2025/GJ): the
    pellet premium is not counted twice. The high set's carrier price is the pellet price
    itself, 246 USD/t / 1.13 USD/EUR / 17 GJ/t."""
    from kruispunt.assemble import build_inputs
    from kruispunt.scenarios import Scenario, resolve

    base = resolve(["current-policy"])[0]
    scen = [
        Scenario(
            name=ps,
            levers=base.levers.model_copy(update={"price_set": ps, "name": ps}),
            chain=base.chain,
            origin=base.origin,
        )
        for ps in ("central", "low", "high")
    ]
    pools = build_inputs(cat, scen).pools
    q = pools.names.index("biomass/national")
    pellet = 200 / 17.5 - 50 / 7.2  # 4.4841 EUR2025/GJ
    for s, want in enumerate((pellet, pellet, 0.0)):
        assert pools.step_price[s, q, 0] == 0.0
        assert pools.step_price[s, q, 1:12] == pytest.approx([want] * 11, rel=1e-4)
    prices = cat.carrier_prices
    high = prices[(prices["carrier_id"] == "biomass") & (prices["price_set"] == "high")]
    assert float(high["value"].iloc[0]) == pytest.approx(246 / 1.13 / 17, rel=1e-4)
    assert str(high["source"].iloc[0]) == "argus_pellets_2023"


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(DataPackageError) as info:
        load(path)
    return [p for p in info.value.problems if p.check == "check_biomass_supply"]


def test_biomass_supply_unknown_scope_refused(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    line = edit_cell("biomass_supply", "scope", "atlantis", lambda r: r["step"] == "2")
    (p,) = [p for p in _problems(package_copy) if p.field == "scope"]
    assert (p.file.endswith("biomass_supply.csv"), p.row, p.field) == (True, line, "scope")
    assert "'atlantis' is neither 'national' nor a cluster id" in p.message


def test_biomass_supply_gap_in_steps_refused(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    edit_cell("biomass_supply", "step", "13", lambda r: r["step"] == "12")
    (p,) = _problems(package_copy)
    assert p.field == "step" and "11, 13], not 1..12" in p.message


def test_biomass_supply_falling_price_refused(package_copy: Path) -> None:
    path = package_copy / "biomass_supply.csv"
    header, rows = read_rows(path)
    rows[1]["price_adder"] = "-1"
    rows[0]["price_adder"] = "2"
    rows[1]["price_adder"] = "1"
    write_rows(path, header, rows)
    (p,) = _problems(package_copy)
    assert (p.row, p.field) == (3, "price_adder")
    assert "1 of step 2 is below step 1's 2" in p.message


def test_biomass_supply_price_falling_in_one_price_set_refused(package_copy: Path) -> None:
    """Step 2's adder counted in every set but step 3's left out of the high set: in the high
    set the curve would fall from 4.4841 to 0, refused at step 3's row, naming the set."""
    path = package_copy / "biomass_supply.csv"
    header, rows = read_rows(path)
    rows[1]["adder_not_in_set"] = ""
    write_rows(path, header, rows)
    (p,) = _problems(package_copy)
    assert (p.file.endswith("biomass_supply.csv"), p.row, p.field) == (True, 4, "price_adder")
    assert "0 of step 3 is below step 2's 4.4841 in the high price set" in p.message


def test_biomass_supply_price_falling_in_the_low_price_set_refused(package_copy: Path) -> None:
    """Each of the three price sets is checked: with step 1 at +1 EUR/GJ everywhere and the
    pellet steps left out of the low set instead of the high one, the low set's curve falls
    from 1 to 0 at step 2."""
    path = package_copy / "biomass_supply.csv"
    header, rows = read_rows(path)
    rows[0]["price_adder"] = "1"
    for r in rows[1:]:
        assert r["adder_not_in_set"] == "high"
        r["adder_not_in_set"] = "low"
    write_rows(path, header, rows)
    (p,) = _problems(package_copy)
    assert (p.file.endswith("biomass_supply.csv"), p.row, p.field) == (True, 3, "price_adder")
    assert p.message == (
        "price_adder 0 of step 2 is below step 1's 1 in the low price set (adder_not_in_set): "
        "a supply curve does not fall"
    )


def test_biomass_supply_unknown_price_set_refused(package_copy: Path) -> None:
    path = package_copy / "biomass_supply.csv"
    header, rows = read_rows(path)
    rows[1]["adder_not_in_set"] = "medium"
    write_rows(path, header, rows)
    with pytest.raises(DataPackageError) as info:
        load(package_copy)
    (p,) = [p for p in info.value.problems if p.field == "adder_not_in_set"]
    assert (p.file.endswith("biomass_supply.csv"), p.row) == (True, 3)
    assert "medium" in p.message


def test_biomass_supply_step_opening_before_the_step_below_refused(package_copy: Path) -> None:
    """Step 2 open from 2026 but step 1 only from 2030: the cheaper step would be priced on
    supply that is not there, so the table is refused at step 2's row."""
    path = package_copy / "biomass_supply.csv"
    header, rows = read_rows(path)
    rows[0]["from_year"], rows[1]["from_year"] = "2030", "2026"
    write_rows(path, header, rows)
    (p,) = _problems(package_copy)
    assert (p.file.endswith("biomass_supply.csv"), p.row, p.field) == (True, 3, "from_year")
    assert "from_year 2026 of step 2 of scope 'national' is before step 1's 2030" in p.message


def test_biomass_supply_step_open_every_year_above_a_later_step_refused(
    package_copy: Path,
) -> None:
    path = package_copy / "biomass_supply.csv"
    header, rows = read_rows(path)
    rows[0]["from_year"], rows[1]["from_year"] = "2028", ""
    write_rows(path, header, rows)
    (p,) = _problems(package_copy)
    assert p.field == "from_year" and "blank (every year) of step 2" in p.message


def test_biomass_supply_from_year_not_a_year_refused(package_copy: Path) -> None:
    """A ``from_year`` that is no integer is named by file, row and field."""
    path = package_copy / "biomass_supply.csv"
    header, rows = read_rows(path)
    rows[1]["from_year"] = "soon"
    write_rows(path, header, rows)
    with pytest.raises(DataPackageError) as info:
        load(package_copy)
    (p,) = [p for p in info.value.problems if p.field == "from_year"]
    assert (p.file.endswith("biomass_supply.csv"), p.row, p.check) == (True, 3, "check_types")


def test_malting_heat_pump_costs_are_the_food_heat_pumps(cat: Catalogue) -> None:
    """``heat_pump_malting_low`` (Holland Malt Eemshaven only) is the food industry's heat pump
    (DEA 302.b) without its waste-heat cap: its cost, life and lead-time rows repeat
    ``heat_pump_low_food``'s, value for value, so the two cannot drift apart; it has no
    ``max_share`` or ``electrifiable_share`` (it serves all the plant's heat)."""
    rp = cat.route_parameters
    keep = ["parameter", "year", "value", "unit"]

    def rows(route: str) -> pd.DataFrame:
        r = rp[rp["route_id"] == route]
        r = r[~r["parameter"].isin(["max_share", "max_share_food", "electrifiable_share"])]
        return r[keep].sort_values(["parameter", "year"]).reset_index(drop=True)

    malt, food = rows("heat_pump_malting_low"), rows("heat_pump_low_food")
    assert len(malt) == 15
    pd.testing.assert_frame_equal(malt, food)
    own = set(rp.loc[rp["route_id"] == "heat_pump_malting_low", "parameter"])
    assert not own & {"max_share", "max_share_food", "electrifiable_share"}
