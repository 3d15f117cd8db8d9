"""Hydrogen supply projects as scarce pools, and Shell Pernis's Holland Hydrogen 1 as a
decided project, with the Porthos capture in the same year or as its follow-up (issue 9,
points 1 and 8).

Hand figures from ``infrastructure.csv`` (kind ``hydrogen``): Holland Hydrogen 1 (Shell,
FID Jul 2022, nd_shell_hh1_2022) delivers up to 60 t/day = 21,900 t H2/yr from 2027
(shell_hh1_2025); ELYgator (Air Liquide, FID Jul 2025) 8,000 t/yr for Dutch users from 2028
(23,000 t/yr less the 15,000 t/yr TotalEnergies tolls for Antwerp,
newsbase_total_air_liquide_2025); Eneco 80,000 t/yr from 2029 (no FID;
schuttevaer_eneco_2023; only in a scenario with announced events). At the lower heating
value of 120 GJ/t: HH1 2.628e6 GJ/yr,
ELYgator 0.96e6 GJ/yr. The national network connects Rotterdam-Moerdijk in 2026, Zeeland, the
North Sea Canal and Noord-Nederland in 2030, Chemelot in 2033 and Cluster 6 never
(westerwoldeactueel_h2_2024).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.accounting import hydrogen_room
from kruispunt.engine.infrastructure import hydrogen_capacity
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.results import Results
from kruispunt.scenarios import resolve
from kruispunt.vocabulary import DECIDED_PROJECT_YEARS, GRID, HYDROGEN, NEVER, REASON_CODE

HH1 = "hydrogen/shell_holland_hydrogen_1"
PERNIS = "shell_pernis/refinery_throughput"


@pytest.fixture(scope="module")
def res(inp: ModelInputs) -> Results:
    return simulate(inp)


def _year(inp: ModelInputs, year: int) -> int:
    return list(inp.coords.years).index(year)


def test_projects_are_pools_with_capacity_dates_and_network_access(inp: ModelInputs) -> None:
    """One pool per project: HH1 0 before 2027 and 2.628e6 GJ/yr from then; ELYgator
    0.96e6 GJ/yr from 2028 (its Dutch share). Rotterdam's plants reach the Rotterdam projects at
    once (own pipelines), Zeeland's from 2030 (the later connection of the two clusters), Chemelot's
    from 2033, Cluster 6's never."""
    pools = inp.pools
    names = list(pools.names)
    q = names.index(HH1)
    assert pools.resource[q] == HYDROGEN
    cap = pools.capacity[0, q]
    assert cap[_year(inp, 2026)] == 0.0
    assert cap[_year(inp, 2027)] == pytest.approx(21_900 * 120)
    assert cap[-1] == pytest.approx(21_900 * 120)
    ely = names.index("hydrogen/air_liquide_elygator")
    assert pools.capacity[0, ely, _year(inp, 2027)] == 0.0
    assert pools.capacity[0, ely, _year(inp, 2028)] == pytest.approx(8_000 * 120)
    clusters = list(inp.coords.clusters)
    access = pools.access[0, q]
    assert access[clusters.index("rotterdam_moerdijk")] == 0
    assert access[clusters.index("zeeland")] == 2030
    assert access[clusters.index("chemelot")] == 2033
    assert access[clusters.index("cluster6")] >= NEVER
    # no unlimited hydrogen pool is left
    h2 = pools.resource == HYDROGEN
    assert np.isfinite(pools.capacity[:, h2]).all()


def test_a_project_without_an_investment_decision_supplies_only_with_announced_events(
    cat: Catalogue, inp: ModelInputs
) -> None:
    """A supply project without a final investment decision is a plan, as an announced event
    is (Dec 2026 audit: the default runs drew on Eneco's 80 kt/yr, a permit application,
    while Tata Steel's plan for a DRI plant stays out of them). The default runs have only
    Holland Hydrogen 1 (FID 2022) and ELYgator (FID 2025); with ``events: announced`` Eneco
    delivers 80,000 t/yr from 2029, HyCC's H2Next 28,750 from 2030 and Air Liquide and
    TotalEnergies' Zeeland project 30,000 from 2029."""
    names = list(inp.pools.names)
    undecided = {
        "hydrogen/eneco_electrolyser": (2029, 80_000),
        "hydrogen/hycc_h2next": (2030, 28_750),
        "hydrogen/air_liquide_total_zeeland": (2029, 30_000),
    }
    for name in undecided:
        assert (inp.pools.capacity[:, names.index(name)] == 0.0).all(), name
    for name in (HH1, "hydrogen/air_liquide_elygator"):
        assert inp.pools.capacity[0, names.index(name), -1] > 0, name
    base = resolve(["current-policy"])[0]
    plans = build_inputs(
        cat, [replace(base, levers=base.levers.model_copy(update={"events": "announced"}))]
    )
    cap = plans.pools.capacity[0]
    for name, (year, tonnes) in undecided.items():
        q = names.index(name)
        assert cap[q, _year(plans, year - 1)] == 0.0, name
        assert cap[q, _year(plans, year)] == pytest.approx(tonnes * 120), name


AWARDED = {
    "hydrogen/rwe_eemshydrogen": (2029, 5_750),
    "hydrogen/volth2_delfzijl": (2029, 5_000),
    "hydrogen/uniper_h2maasvlakte": (2031, 10_000),
}
"""The supply projects awarded OWE production support without a final investment decision
(infrastructure.csv ``support_award_year``): RWE Eemshydrogen 50 MW x 115 t/MW and VoltH2
Delfzijl's 5,000 t/yr (OWE 2023, deadline 2028: from 2029), Uniper's H2Maasvlakte first
phase, 10,000 t/yr (OWE 2024, deadline mid-2030: from 2031)."""


def test_a_project_awarded_public_support_supplies_in_the_default_runs(
    cat: Catalogue, inp: ModelInputs
) -> None:
    """An OWE award is the state's decision, its payments already in the default runs: the
    awarded projects supply there from their first full year (nothing the year before), as
    with ``events: announced``; the delay lever moves them 3 years (Eneco, a plan, stays
    out of the default runs)."""
    names = list(inp.pools.names)
    for name, (year, tonnes) in AWARDED.items():
        cap = inp.pools.capacity[0, names.index(name)]
        assert cap[_year(inp, year - 1)] == 0.0, name
        assert cap[_year(inp, year)] == pytest.approx(tonnes * 120), name
        assert cap[-1] == pytest.approx(tonnes * 120), name
    assert (inp.pools.capacity[:, names.index("hydrogen/eneco_electrolyser")] == 0).all()
    base = resolve(["current-policy"])[0]
    infra = base.levers.infrastructure.model_copy(update={"hydrogen_delay": 3})
    late = build_inputs(
        cat, [replace(base, levers=base.levers.model_copy(update={"infrastructure": infra}))]
    )
    for name, (year, tonnes) in AWARDED.items():
        cap = late.pools.capacity[0, names.index(name)]
        assert cap[_year(late, year + 2)] == 0.0, name
        assert cap[_year(late, year + 3)] == pytest.approx(tonnes * 120), name


def test_the_obligation_is_met_once_the_awarded_projects_supply(res: Results) -> None:
    """With the awarded projects' 10,750 t/yr from 2029 the network has room for the users'
    whole obligation of 2030 (4 % of the connected users' use, 16,832.5 t; Chemelot exempt
    to 2033): they take all of it in part and none is paid short at the cap (before Dec 2026,
    with ELYgator and what Holland Hydrogen 1 leaves alone, 9.93 kt were taken and 6.9 kt
    paid short)."""
    ds = res.dataset.sel(scenario="current-policy")
    short = ds["gov_cash_flow"].sel(flow="rfnbo_shortfall_revenue")
    assert float(np.abs(short).sum()) == 0.0
    took = ds["hydrogen_bought"].sum("plant")
    assert float(took.sel(year=2030)) == pytest.approx(16_832.5, abs=0.5)


def test_hydrogen_delay_moves_undecided_projects_and_connections_only(cat: Catalogue) -> None:
    """With ``hydrogen_delay`` = 3 and announced projects: Eneco (no FID) delivers from 2032
    instead of 2029; HH1 (FID 2022) still from 2027; Zeeland reaches HH1 from 2033,
    Rotterdam still at once."""
    base = resolve(["current-policy"])[0]
    infra = base.levers.infrastructure.model_copy(update={"hydrogen_delay": 3})
    lv = base.levers.model_copy(update={"infrastructure": infra, "events": "announced"})
    late = build_inputs(cat, [replace(base, levers=lv)])
    names = list(late.pools.names)
    eneco, hh1 = names.index("hydrogen/eneco_electrolyser"), names.index(HH1)
    cap = late.pools.capacity[0]
    assert cap[eneco, _year(late, 2031)] == 0.0
    assert cap[eneco, _year(late, 2032)] == pytest.approx(80_000 * 120)
    assert cap[hh1, _year(late, 2027)] == pytest.approx(21_900 * 120)
    clusters = list(late.coords.clusters)
    assert late.pools.access[0, hh1, clusters.index("zeeland")] == 2033
    assert late.pools.access[0, hh1, clusters.index("rotterdam_moerdijk")] == 0


def test_pernis_runs_porthos_capture_with_holland_hydrogen_1(
    inp: ModelInputs, res: Results
) -> None:
    """Shell Pernis: capture at the hydrogen units for Porthos and Holland Hydrogen 1 both from
    2027, their first full year (shell_pernis_porthos_2027, shell_pernis_hh1_2027), one committed
    route that holds both; its hydrogen at peak output, 0.02987 MWh/t x 3.6 GJ/MWh x 24,433,430
    t/yr = 2.62737e6 GJ/yr, is reserved in the HH1 pool and fits in HH1's 2.628e6; the year's
    use is booked on it from 2027."""
    ds = res.dataset
    plants = [str(p) for p in ds["plant"].values]
    p = plants.index(PERNIS)
    routes = [str(r) for r in ds["route"].values]
    route = ds["route_index"].values[0, p]
    assert routes[route[_year(inp, 2026)]] == "refinery"
    assert routes[route[_year(inp, 2027)]] == "refinery_ccs_h2units_green_h2"
    reason = ds["switch_reason"].values[0, p]
    assert reason[_year(inp, 2027)] == REASON_CODE["committed_project"]
    use = _h2(ds, "infra_use", "rotterdam_moerdijk")
    peak = 0.02987 * 3.6 * float(inp.plants.base_production[p])  # reserved at peak output
    assert peak == pytest.approx(2.62737e6, rel=1e-5)
    assert peak <= 21_900 * 120
    # the year's use follows the refineries' demand outlook (0.96483 in 2027: 1 -> 0.912075
    # in 2030, linear)
    g = inp.coords.products.index("refinery_throughput")
    scale = float(inp.markets.demand_scale[0, g, _year(inp, 2027)])
    assert scale == pytest.approx(1 - 2 / 5 * (1 - 0.912075), rel=1e-5)
    assert use[_year(inp, 2026)] == 0.0
    assert use[_year(inp, 2027)] == pytest.approx(peak * scale, rel=1e-6)
    cap = _h2(ds, "infra_capacity", "rotterdam_moerdijk")
    assert cap[_year(inp, 2027)] == pytest.approx(21_900 * 120)  # HH1 alone in 2027


def test_a_later_decided_route_is_the_plants_follow_up_project(cat: Catalogue) -> None:
    """A second decided route change of a committed plant in a later year is its follow-up:
    with Holland Hydrogen 1 moved to 2028 and Pernis's Porthos row made the route change it
    records (capture at its hydrogen units, 2027), Pernis runs the capture from 2027 and HH1 on
    top from 2028, both committed projects (the data had this order until Porthos moved to its
    first full year, Dec 2026).

    Pernis's capture without HH1 claims its whole high-purity stream at peak output, 0.207932
    of its 5.30 Mt/yr (1.10 Mt/yr), and with the other three customers' claims that is just
    over Porthos's 2.5 Mt/yr: the four decided claims are cut in one proportion to fit
    (``Infrastructure.fit_contracts``; until Dec 2026 Pernis's project was refused and the
    plant stayed on the plain refinery). The claims are at peak output; the refineries make
    3.5 % less in 2027 than today, so Porthos stores 2.49 Mt, within its 2.5."""
    ev = cat.events.copy()
    porthos = ev["event_id"] == "shell_pernis_porthos_2027"
    ev.loc[porthos, "kind"] = "route_change"
    ev.loc[porthos, "route_id"] = "refinery_ccs_h2units"
    ev.loc[ev["event_id"] == "shell_pernis_hh1_2027", "year"] = 2028
    inp = build_inputs(
        replace(cat, tables={**cat.tables, "events": ev}), resolve(["current-policy"])
    )
    p = list(inp.coords.plants).index(PERNIS)
    r = {str(name): i for i, name in enumerate(inp.coords.routes)}
    assert inp.levers.commit_route[0, p] == r["refinery_ccs_h2units"]
    assert inp.levers.commit_year[0, p] == 2027
    assert inp.levers.follow_route[0, p] == r["refinery_ccs_h2units_green_h2"]
    assert inp.levers.follow_year[0, p] == 2028
    ds = simulate(inp).dataset
    routes = [str(x) for x in ds["route"].values]
    route = ds["route_index"].values[0, p]
    reason = ds["switch_reason"].values[0, p]
    assert [routes[route[_year(inp, y)]] for y in (2026, 2027, 2028)] == [
        "refinery",
        "refinery_ccs_h2units",
        "refinery_ccs_h2units_green_h2",
    ]
    assert reason[_year(inp, 2027)] == reason[_year(inp, 2028)] == REASON_CODE["committed_project"]
    # Rotterdam's only store in 2027 is Porthos (Aramis from 2031)
    use = ds["infra_use"].sel(resource="co2_storage", cluster="rotterdam_moerdijk").values[0]
    assert 2.45e6 <= use[_year(inp, 2027)] <= 2.5e6


def _h2(ds: Any, var: str, cluster: str) -> np.ndarray:
    """Hydrogen ``infra_use`` or ``infra_capacity`` of a cluster's supply projects [GJ/yr]."""
    return np.asarray(ds[var].sel(resource="hydrogen", cluster=cluster).values[0])


def test_hydrogen_use_never_exceeds_supply(res: Results) -> None:
    """Every cluster's hydrogen use (of the projects it hosts) stays within their capacity in
    every year."""
    ds = res.dataset
    use = ds["infra_use"].sel(resource="hydrogen").values
    cap = ds["infra_capacity"].sel(resource="hydrogen").values
    assert (use <= cap * (1 + 1e-9) + 1e-6).all()


def test_a_decided_project_binds_its_plant(inp: ModelInputs, res: Results) -> None:
    """Pernis does not leave HH1 and its capture for a route that emits more while HH1 binds
    it, 15 years from 2027 (before, it left them for e-boilers in 2029:
    assumption_decided_project_term); it may move on to one that emits less (post-combustion
    capture). From 2042 it is free (current policy: it leaves HH1 in 2048, when the RFNBO
    premium no longer pays for HH1's hydrogen)."""
    ds = res.dataset
    p = [str(x) for x in ds["plant"].values].index(PERNIS)
    routes = [str(r) for r in ds["route"].values]
    bound = slice(_year(inp, 2027), _year(inp, 2027 + DECIDED_PROJECT_YEARS))
    seen = [routes[r] for r in ds["route_index"].values[0, p, bound]]
    emitted = {
        r: float(inp.routes.emission_factor[i, 0] * (1 - inp.routes.capture_rate[i, 0]))
        for i, r in enumerate(inp.coords.routes)
    }
    for a, b in pairwise(seen):
        assert emitted[b] <= emitted[a]


def test_explain_names_the_binding(cat: Catalogue) -> None:
    """In 2035 Pernis (HH1 from 2027: bound until 2042) may not go back to a route that emits
    more; explain says so."""
    from kruispunt.explain import explain

    ex = explain("shell_pernis", "current-policy", 2035, catalogue=cat)
    rows = ex.options.set_index("route")
    why = str(rows.loc["refinery_eboilers", "reason"])
    assert "bound to its decided project until 2042" in why


def test_explain_feasibility_is_the_engines_for_a_bound_plant(cat: Catalogue) -> None:
    """While HH1 binds Pernis, explain marks an option possible exactly where the engine's
    feasibility mask does (``Valuation.feasible``: onward only by a retrofit of the decided
    route that emits less). Before, explain let every route that emits less pass, so it
    showed capture with its own electrolyser (not a retrofit of HH1's configuration) as a
    choice the engine never offers."""
    from kruispunt.engine.simulate import run_batch
    from kruispunt.explain import explain

    (sc,) = resolve(["current-policy"])
    inputs = build_inputs(cat, [sc])
    p = list(inputs.coords.plants).index(PERNIS)
    year = 2035
    seen: dict[str, bool] = {}

    def observe(view: Any) -> None:
        if int(inputs.coords.years[view.i]) != year:
            return
        st = view.state
        assert st.locked[0, p]
        mask = view.valuation.feasible(view.i, st.route, st.locked)[0, p]
        for k, r in enumerate(view.valuation.opt[p]):
            if view.valuation.opt_valid[p, k]:
                seen[inputs.coords.routes[int(r)]] = bool(mask[k])

    run_batch(inputs, observer=observe)
    rows = explain("shell_pernis", "current-policy", year, catalogue=cat).options
    shown = dict(zip(rows["route"], rows["feasible"], strict=True))
    assert shown == seen
    assert any(not ok for ok in seen.values()) and sum(seen.values()) >= 2


def test_hydrogen_room_hand_computed() -> None:
    """Two hydrogen pools (10 and 5 GJ/yr, then 20 and 5) and a grid pool that does not
    count; the routes use 4 + 3 GJ/yr in one scenario and 40 in the other: 15 - 7 = 8 and
    25 - 7 = 18 GJ/yr left, and 0 (not negative) where the routes use more than all of it.
    No hydrogen pool: None (no limit)."""
    cap = np.array([[[10.0, 20.0], [5.0, 5.0], [100.0, 100.0]]] * 2)  # (S, Q, Y)
    pools = SimpleNamespace(resource=np.array([HYDROGEN, HYDROGEN, GRID]), capacity=cap)
    h2 = np.array([[4.0, 3.0], [40.0, 0.0]])  # (S, P)
    room = hydrogen_room(hydrogen_capacity(pools), h2)
    assert room is not None
    np.testing.assert_array_equal(room, [[8.0, 18.0], [0.0, 0.0]])
    grid_only = SimpleNamespace(resource=np.array([GRID]), capacity=cap[:, 2:])
    assert hydrogen_room(hydrogen_capacity(grid_only), h2) is None
