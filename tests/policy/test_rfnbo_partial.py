"""Partial conversion under the RFNBO obligation: users take renewable hydrogen for part of
their hydrogen use, a divisible supply at its own need per tonne.

The Dutch obligation (Wet jaarverplichting hernieuwbare brandstoffen van niet-biologische
oorsprong in de industrie, implementing RED III Art. 22a) is a share of each obligated
installation's annual hydrogen use, met with tradable units (Dentons; World Law Group, 17 Mar
2025; ``rfnbo.tradable_units`` in the policy sheet): a user need not convert a whole plant.
Hand-computed cases: a clearing with a lumpy switch, a running electrolyser and the divisible
partial supply; the 2030 partial need of the current-policy package; the obligation met
when supply suffices, the premium never above the cap, and more obligation never less
renewable hydrogen.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.policy.rfnbo_run import run_keeping_market

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import YearView, run_batch
from kruispunt.inputs import ModelInputs
from kruispunt.policy.clearing import ClearingMarket, clearing_premium, clearing_premiums
from kruispunt.policy.mandates import RfnboMandate, partial_need
from kruispunt.scenarios import Scenario, resolve
from kruispunt.vocabulary import HYDROGEN


def _every_project(cat: Catalogue, scenarios: list[Scenario]) -> ModelInputs:
    """The inputs of ``scenarios`` with every hydrogen supply project, the planned ones too
    (Eneco, H2Next, the Zeeland joint venture: supply only where announced events apply,
    since Dec 2026): the pools of the same scenarios with ``events: announced``, nothing else
    changed. The tests of the market's mechanics below run where supply suffices."""
    inp = build_inputs(cat, scenarios)
    plans = [
        replace(sc, levers=sc.levers.model_copy(update={"events": "announced"})) for sc in scenarios
    ]
    return replace(inp, pools=build_inputs(cat, plans).pools)


@pytest.fixture(scope="module")
def every(cat: Catalogue) -> ModelInputs:
    """Current policy with every supply project (:func:`_every_project`)."""
    return _every_project(cat, resolve(["current-policy"], cat.path))


def test_partial_supply_fills_what_a_lumpy_switch_would_leave_short() -> None:
    """52,000 t required (a toy: 4 % of 1.3 Mt). A running electrolyser (HH1-like, 21,900 t made
    anyway: need 0, divisible); an ammonia line that would switch whole, 100,000 t at a gap
    of 3,000 EUR/t over its whole output (300 MEUR/yr); users' partial supply at 6,000 EUR/t.

    The electrolyser sells 21,900 t; 30,100 t are left. The switch would cost 300e6 / 30,100
    = 9,967 EUR per t sold, the partial supply 6,000: the partial supply takes the 30,100 t
    and the premium is 6,000 EUR/t, below the 9,000 cap. Without it the switch is above the
    cap, the market is short and the premium is the cap (the defect of a lumpy supply). With
    200,000 t required the switch (3,000 per t over its whole output) is taken before the
    partial supply, which sells the last 78,100 t: the premium is 6,000, the marginal
    supplier's need."""
    need = [0.0, 3_000.0, 6_000.0]
    vol = [21_900.0, 100_000.0, 52_000.0]
    div = [True, False, True]
    c = clearing_premium(need, vol, 52_000.0, 9_000.0, divisible=div)
    assert c.premium == pytest.approx(6_000.0)
    assert c.sold.tolist() == pytest.approx([21_900.0, 0.0, 30_100.0])
    short = clearing_premium(need[:2], vol[:2], 52_000.0, 9_000.0, divisible=div[:2])
    assert short.premium == 9_000.0 and short.served == pytest.approx(21_900.0)
    big = clearing_premium(
        need, [21_900.0, 100_000.0, 200_000.0], 200_000.0, 9_000.0, divisible=div
    )
    assert big.premium == pytest.approx(6_000.0)
    assert big.sold.tolist() == pytest.approx([21_900.0, 100_000.0, 78_100.0])


def test_partial_need_hand_computed() -> None:
    """2030, central prices (current policy): network hydrogen 73.6056 EUR/GJ x 120 GJ/t =
    8,832.67 EUR/t; steam reforming (route ``smr``) 157.895 GJ gas/t x 6.18098 EUR/GJ =
    975.94 plus 8.6842 tCO2/t x 138.167 EUR/tCO2 = 1,199.87, 2,175.81 EUR/t: the partial
    need is 6,656.86 EUR/t. Never negative."""
    grey = 157.89456 * 6.180982695613415 + 8.6842 * 138.16681632707764
    assert float(partial_need(73.60555555555557 * 120.0, grey)) == pytest.approx(6_656.86, abs=0.01)
    assert float(partial_need(1_000.0, 2_000.0)) == 0.0
    with pytest.raises(ValueError, match="NaN"):
        partial_need(np.nan, 1.0)


def test_the_package_clears_at_the_partial_need_and_meets_the_obligation(
    every: ModelInputs,
) -> None:
    """Current policy, central prices, every supply project: the obligation (26,000 t from
    2030) is met every year (plants' output sold + what users take in part = required), the
    premium never above the 9,000 EUR/t cap and, where users take some in part, equal to
    their need (the marginal supplier); in 2030 6,656.86 EUR/t
    (:func:`test_partial_need_hand_computed`)."""
    inp = every
    m, _ = run_keeping_market(inp)
    h2 = list(inp.coords.products).index("hydrogen")
    years = list(inp.coords.years)
    req = m.required_now[0, h2]
    on = req > 0
    assert on.sum() == len(years) - years.index(2030)
    met = m.sold[0, h2] + m.in_part[0, h2]
    assert met[on] == pytest.approx(req[on])
    assert (m.premium[0, h2] <= m.cap[0, h2] + 1e-9).all()
    part = m.in_part[0, h2] > 0
    assert part.any()
    assert m.premium[0, h2][part] == pytest.approx(m.part_need[0, h2][part])
    assert m.premium[0, h2, years.index(2030)] == pytest.approx(6_656.86, abs=0.01)
    assert (m.sold[0, h2] <= m.supplied[0, h2] + 1e-6).all()


def test_no_partial_share_is_the_old_market(cat: Catalogue) -> None:
    """``partial_share`` 0: no market supply (the lumpy market of before: short at the cap in
    2030 with nothing supplied of the 26,000 t, since a refinery's renewable hydrogen counts
    towards transport, not the industry target (RED III Art. 22a(1), Dec 2026): before that,
    19,970 t of 52,000 supplied, Shell Pernis's Holland Hydrogen 1 alone; 32,447 t with
    Air Products Botlek's 12,477 t of electrolysis until an option was weighed against
    staying over its own years (Dec 2026): Air Products now adds capture in 2031;
    46,174 t until the biomass supply open to the plants
    was cut to what existing users do not burn (Dec 2026): the heat users that no longer get
    biomass (Cargill Sas van Gent, SABIC Bergen op Zoom) take the Zeeland cluster's grid with
    hybrid boilers from 2027 (99 % used, was 34 %), and
    the electrolysers of Air Liquide Bergen op Zoom and Eastman Middelburg are refused it);
    32,447 t again since the model's 2025 is history (``decisions_from`` 2026, Dec 2026): Air
    Products Botlek (Boyneweg) sells 12,477 t from its electrolysis besides HH1's 19,970;
    38,300 t since the 2025 energy-tax rates on electricity above 10,000 kWh replaced the
    2024 ones (Dec 2026): the top bracket's 0.00321 EUR/kWh (was 0.00188 in euro of 2024)
    costs Cargill Bergen op Zoom's hybrid boiler 0.02 MEUR/yr more, it stays on gas, and
    Eastman Middelburg's electrolyser takes the Zeeland grid it leaves: 5,853 t more);
    32,447 t again since no new solid-biomass boilers are permitted (Dec 2026, second
    revision): the Zeeland heat plants that burnt biomass take that grid from 2028 (Cargill
    and Philip Morris Bergen op Zoom with hybrid boilers, Rosier with a heat pump), and
    Eastman's electrolyser waits until 2035); 19,970 t again, Holland Hydrogen 1 alone, since
    electrolysis costs what Dutch projects cost (Dec 2026): no other plant builds one by
    2030)."""
    inp = build_inputs(cat, resolve(["current-policy"], cat.path))
    params = dict(inp.instruments["rfnbo_mandate"])
    params["partial_share"] = np.zeros_like(params["partial_share"])
    inp = replace(inp, instruments={**inp.instruments, "rfnbo_mandate": params})
    m, _ = run_keeping_market(inp)
    h2 = list(inp.coords.products).index("hydrogen")
    i = list(inp.coords.years).index(2030)
    assert m.market_supply(h2, i) is None and m.in_part[0, h2].sum() == 0.0
    assert m.premium[0, h2, i] == 9_000.0
    assert m.supplied[0, h2, i] == 0.0


def test_a_larger_obligation_drives_its_users_out(cat: Catalogue) -> None:
    """The RED III target placed on industry (42 % in 2030, 60 % from 2035) against the Dutch 4 %,
    every supply project. Under 4 % the obligation is met every year (users take renewable
    hydrogen for part of their use; what they owe is what they took, so they buy no units).
    Under RED III's shares users owe 42-60 % of their hydrogen use at up to the 9,000 EUR/t
    cap: more than ammonia and merchant hydrogen earn, so the obligated plants import or close
    and the hydrogen they make in their own reformers falls to 0 by the end, while under 4 %
    it stays. Until Dec 2026 the users paid nothing for their obligation and more obligation
    never meant less renewable hydrogen; now the required volume follows the users out, and
    any year it is short the premium is the cap. With every project the supply now meets
    RED III's volume every year (130 kt in 2030): since Dec 2026 the users decide to leave
    before 2030 (they weigh the obligation from 2026), so fewer of them owe in 2030 (176.7 kt
    before, short); what they owe is then taken at their own need, below the cap, as long as
    any of them runs."""
    base = resolve(["current-policy"], cat.path)[0]
    red3 = Scenario(
        name="red3",
        levers=base.levers.model_copy(
            update={"demand": base.levers.demand.model_copy(update={"rfnbo": "red3"})}
        ),
        chain=base.chain,
        origin="test",
    )
    inp = _every_project(cat, [base, red3])
    m, out = run_keeping_market(inp)
    h2 = list(inp.coords.products).index("hydrogen")
    met = m.sold[:, h2] + m.in_part[:, h2]
    short = ~np.isclose(met, m.required_now[:, h2])
    assert (met <= m.required_now[:, h2] + 1e-6).all()
    assert not short[0].any()  # the Dutch 4 % is met every year
    assert m.premium[:, h2][short] == pytest.approx(m.cap[:, h2][short])
    owed = m.required_now[:, h2] > 0
    assert (m.required_now[1, h2] >= m.required_now[0, h2])[owed[1]].all()  # more owed
    assert (m.premium[1, h2][owed[1]] < m.cap[1, h2][owed[1]]).all()  # met below the cap
    last = m.made[:, -1]
    assert last[0] > 5e5 and last[1] == 0.0  # about 546 kt made under 4 %, none under RED III
    # once gone they stay gone: a user weighing a return owes its share at the premium the
    # supply gives all the users, not the 0 of an empty market
    ran = m.made[1] > 0
    gone = len(ran) - np.argmax(ran[::-1])  # the year after the last with any
    assert gone < len(ran) and not ran[gone:].any()
    # every year, the required volume is the share of what the connected users use
    years = inp.coords.years
    rows = np.arange(2)[:, None]
    for i, year in enumerate(years):
        use = m.uses[rows, out.route_index[i]] * out.plant["production"][i]
        use = np.where(year >= m.connected_from, use, 0.0).sum(axis=1)
        assert m.required_now[:, h2, i] == pytest.approx(m.owed_share[:, i] * use, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 20_000.0), min_size=1, max_size=6),
    st.lists(st.floats(1.0, 80_000.0), min_size=1, max_size=6),
    st.floats(0.0, 12_000.0),
    st.floats(1.0, 200_000.0),
    st.floats(1.0, 200_000.0),
)
def test_premium_within_cap_and_never_short_below_it(
    need: list[float], vol: list[float], part: float, req_a: float, req_b: float
) -> None:
    """Any lumpy suppliers plus the partial supply (need ``part``, volume the requirement):
    the premium is at most the 9,000 cap; the market is short only when the partial need is
    above the cap, so a larger requirement never sells less. (The premium itself need not
    rise with the requirement: a lumpy switch costs less per tonne sold when more is left.)"""
    n = min(len(need), len(vol))
    lo, hi = sorted((req_a, req_b))
    rows = []
    for req in (lo, hi):
        c = clearing_premiums(
            [[*need[:n], part]],
            [[*vol[:n], req]],
            req,
            9_000.0,
            divisible=np.array([False] * n + [True]),
        ).row(0)
        assert c.premium <= 9_000.0
        if part <= 9_000.0:
            assert c.served == pytest.approx(req)
        rows.append(c)
    if part <= 9_000.0:
        assert rows[1].served >= rows[0].served - 1e-6


def test_market_supply_is_off_in_the_other_markets() -> None:
    """Only the RFNBO obligation has a market supply (procurement and labels sell whole
    products made by plants)."""
    assert ClearingMarket.market_supply is not RfnboMandate.market_supply
    assert any(p.name == "partial_share" for p in RfnboMandate.parameters)
    assert not any(p.name == "partial_share" for p in ClearingMarket.parameters)


def _red3(base: Scenario, events: str | None = None) -> Scenario:
    """``base`` with RED III's shares on industry (lever ``red3``), and ``events`` if given."""
    update: dict[str, object] = {"demand": base.levers.demand.model_copy(update={"rfnbo": "red3"})}
    if events is not None:
        update["events"] = events
    return Scenario(
        name="red3", levers=base.levers.model_copy(update=update), chain=base.chain, origin="test"
    )


def test_plants_output_counts_before_what_users_take_in_part(cat: Catalogue) -> None:
    """The renewable hydrogen the plants make in a year is made whatever it sells (the year's
    decisions are taken): it counts against the obligation before users take any for part of
    their use, who fill only what it leaves. Current policy with RED III's shares on industry
    (lever ``red3``) and every supply project, with one seller made certain: Air Liquide
    Botlek's SMR 2 committed to electrolysis from 2031 (no plant electrolyses on its own under
    RED III since the required volume ahead follows the users' decided exits, Dec 2026: OCI's
    AFA-2 no longer makes green ammonia for 2042-2043 on a premium that the others' leaving
    took away). In every year users take at most the required volume less the plants' output,
    all of the plants' output sells where it is below the required volume, and the seller earns
    a premium in every year it makes some while the plants' output is below the required
    volume. Before (Dec 2026) the users' partial need, falling every year with the network
    hydrogen price, fell below the refineries' needs (their gaps to leaving their routes) and
    took their place for a year: Shell Pernis earned nothing in 2046, BP Rotterdam's two crude
    units and Zeeland Refinery nothing in 2047, while each made the same renewable hydrogen."""
    red3 = _red3(resolve(["current-policy"], cat.path)[0])
    inp = _every_project(cat, [red3])
    p = list(inp.coords.plants).index("air_liquide_botlek/hydrogen/smr2")
    years = inp.coords.years
    lv = inp.levers
    route = lv.commit_route.copy()
    year = lv.commit_year.copy()
    route[:, p] = list(inp.coords.routes).index("electrolysis")
    year[:, p] = 2031
    inp = replace(inp, levers=replace(lv, commit_route=route, commit_year=year))
    m, out = run_keeping_market(inp)
    h2 = list(inp.coords.products).index("hydrogen")
    req, made = m.required_now[0, h2], m.supplied[0, h2]
    assert (m.in_part[0, h2] <= np.maximum(req - made, 0.0) + 1e-6).all()
    below = (made < req) & (made > 0)
    assert below.sum() >= 5  # the electrolyser makes less than RED III asks, most years
    assert m.sold[0, h2][below] == pytest.approx(made[below])
    earned = m.premium[0, h2][below] * m.sold[0, h2][below]
    assert (earned > 0).all()
    assert (
        out.route_index[years >= 2031, 0, p] == list(inp.coords.routes).index("electrolysis")
    ).any()


def test_a_seller_does_not_build_on_users_who_have_decided_to_leave(cat: Catalogue) -> None:
    """The required volume a round clears against for the years ahead counts each user on the
    route it is building (0 once it imports or closes), not on the one it runs until its
    switch starts. Current policy with RED III's shares and every announced event: until Dec
    2026 OCI's AFA-3 came back from importing to make green ammonia in 2036 on the cap premium
    of a market whose other users had decided to leave, and imported again from 2038 (AFA-2
    likewise in 2042-2043). No ammonia plant runs green-hydrogen Haber-Bosch for a short
    spell now: a spell that starts lasts at least four years or to 2050."""
    inp = build_inputs(cat, [_red3(resolve(["current-policy"], cat.path)[0], "announced")])
    _, out = run_keeping_market(inp)
    green = list(inp.coords.routes).index("green_h2_haber_bosch")
    on = out.route_index[:, 0] == green  # (Y, P)
    Y = on.shape[0]
    for q in np.flatnonzero(on.any(axis=0)):
        runs = np.diff(np.concatenate([[0], on[:, q].astype(int), [0]]))
        starts, ends = np.flatnonzero(runs == 1), np.flatnonzero(runs == -1)
        for a, b in zip(starts, ends, strict=True):
            assert b - a >= 4 or b == Y, (inp.coords.plants[q], a, b)


def test_users_see_the_obligation_before_its_first_year_is_in_the_rounds_view(
    cat: Catalogue,
) -> None:
    """The obligation's shares are law years before the first one binds (2030): a round whose
    lookahead (three years) falls short of 2030 sets what users expect to pay from what they
    would owe in 2030, at the cap, so the decisions of 2026 and 2027 weigh it like the later
    ones. Until Dec 2026 users expected nothing until the 2027 round had cleared, and under
    RED III's shares four merchant reformers (Air Liquide Bergen op Zoom and Botlek's SMR/ATR,
    Air Products Boyneweg, Eastman Middelburg) decided capture in 2027, ran it from 2031 and
    closed in 2032; now they close in 2031 without building it. Under RED III no capture route
    a plant starts is left within four years (the three default runs, under the Dutch 4 %,
    are the same bit for bit)."""
    red3 = _red3(resolve(["current-policy"], cat.path)[0])
    inp = build_inputs(cat, [red3])
    h2 = list(inp.coords.products).index("hydrogen")
    at_2030 = list(inp.coords.years).index(2030)
    expect: dict[int, float] = {}
    cap: list[float] = []

    def watch(view: YearView) -> None:
        for inst in view.valuation.instruments:
            if isinstance(inst, RfnboMandate):
                expect[int(inp.coords.years[view.i])] = float(inst.expect[0])
                cap[:] = [float(inst.cap[0, h2, at_2030])]

    out = run_batch(inp, observer=watch)
    # the rounds of 2025 and 2026 look to 2028 and 2029, which have no share
    assert cap[0] > 0
    assert expect[2025] == pytest.approx(cap[0])
    assert expect[2026] == pytest.approx(cap[0])
    routes = inp.coords.routes
    ccs = np.array([r.endswith("_ccs") for r in routes])
    on = ccs[out.route_index[:, 0]]  # (Y, P)
    started = on & ~np.vstack([on[:1], on[:-1]])  # a capture route begins that year
    Y = on.shape[0]
    for y, p in zip(*np.nonzero(started[1:]), strict=True):
        run = on[y + 1 :, p]
        length = int(np.argmin(run)) if not run.all() else Y - (y + 1)
        assert length >= 4 or y + 1 + length == Y, (inp.coords.plants[p], y + 1, length)


def test_users_expect_the_premium_their_own_partial_supply_clears_at(cat: Catalogue) -> None:
    """Current policy: the round of 2027 looks at 2030, when users take renewable hydrogen for
    all they owe at their own need (6,656.85 EUR/t, below the 9,000 EUR/t cap). What they
    expect to pay is that need: the round clears their partial supply on what they would owe
    in 2030 (16.8 kt, the clusters on the network by then), not on the year's required
    volume (7.1 kt, Rotterdam's users alone in 2026), which left 9.7 kt short at the cap in
    the expectation of every round from 2027 to 2032 until Dec 2026. Each later round expects
    the need of its own lookahead year, which the market then clears at."""
    inp = build_inputs(cat, resolve(["current-policy"], cat.path))
    h2 = list(inp.coords.products).index("hydrogen")
    expect: dict[int, float] = {}

    def watch(view: YearView) -> None:
        for inst in view.valuation.instruments:
            if isinstance(inst, RfnboMandate):
                expect[int(inp.coords.years[view.i])] = float(inst.expect[0])

    run_batch(inp, observer=watch)
    m, _ = run_keeping_market(inp)
    years = list(inp.coords.years)
    assert expect[2027] == pytest.approx(6_656.85, abs=0.01)
    for year in range(2027, 2047):
        ahead = years.index(year + 3)
        assert expect[year] == pytest.approx(m.premium[0, h2, ahead], abs=0.01), year


def test_users_take_in_part_no_more_than_the_supply_projects_have_left(
    every: ModelInputs,
) -> None:
    """Users' renewable hydrogen comes from the same supply projects as the routes' (there is
    no hydrogen beyond them). With every project but Holland Hydrogen 1 at a twentieth of its
    capacity, 2030 has 21,900 (HH1) + 400 (ELYgator) + 4,000 (Eneco) + 1,437.5 (H2Next) +
    1,500 (the Zeeland joint venture) + 287.5 (RWE Eemshydrogen) + 250 (VoltH2 Delfzijl) =
    29,775 t; the routes take HH1's 19,969.7 t (Shell Pernis), so users take 9,805.3 t in
    part, not the whole 16,832.5 t obligation they take at full capacity (4 % of the
    420,811.9 t the obligated plants on the hydrogen network make: Chemelot's are exempt
    until it is connected in 2033; HH1's hydrogen, used in a refinery, does not count
    towards it): the obligation is short and the premium is the 9,000 EUR/t cap. In every
    year the routes' hydrogen plus what users take in part stays within the projects'
    capacity."""
    inp = every
    pools = inp.pools
    h2 = pools.resource == HYDROGEN
    cut = h2 & (np.asarray(pools.names) != "hydrogen/shell_holland_hydrogen_1")
    capacity = pools.capacity.copy()
    capacity[:, cut] *= 0.05
    m, out = run_keeping_market(replace(inp, pools=replace(pools, capacity=capacity)))
    full, _ = run_keeping_market(inp)
    g = list(inp.coords.products).index("hydrogen")
    i = list(inp.coords.years).index(2030)
    total = capacity[0, h2].sum(axis=0)  # (Y,) [GJ/yr]
    routes = out.pool_use[:, 0][:, h2].sum(axis=1)  # the routes' hydrogen, booked to pools
    assert total[i] / 120.0 == pytest.approx(29_775.0)
    assert routes[i] / 120.0 == pytest.approx(19_969.7, abs=1.0)
    assert full.in_part[0, g, i] == pytest.approx(0.04 * 420_811.9, abs=1.0)
    assert m.in_part[0, g, i] == pytest.approx(29_775.0 - 19_969.7, abs=1.0)
    assert m.premium[0, g, i] == 9_000.0
    assert (routes + m.in_part[0, g] * 120.0 <= total * (1 + 1e-9) + 1e-6).all()


def test_the_awarded_projects_leave_room_for_the_obligation_in_2030(inp: ModelInputs) -> None:
    """The default runs count the supply projects past their investment decision (Holland
    Hydrogen 1, ELYgator) and, since Dec 2026, those awarded OWE support (RWE Eemshydrogen
    5,750 t and VoltH2 Delfzijl 5,000 t from 2029). In 2030 the routes take 19,969.7 t of
    HH1's 21,900 t (Shell Pernis): 40,650 t less that leaves 20,680.3 t, so users take all
    16,832.5 t the Dutch obligation asks of the users on the hydrogen network, and the
    premium is their own need per tonne (the network price less a grey reformer's running
    cost, 6,656.85 EUR/t), below the 9,000 EUR/t cap. Before, with HH1 and ELYgator alone,
    users took the 9,930.3 t left and the premium was the cap. Users never take more than the
    projects have left."""
    m, out = run_keeping_market(inp)
    g = list(inp.coords.products).index("hydrogen")
    i = list(inp.coords.years).index(2030)
    h2 = inp.pools.resource == HYDROGEN
    total = inp.pools.capacity[0, h2].sum(axis=0)  # (Y,) [GJ/yr]
    routes = out.pool_use[:, 0][:, h2].sum(axis=1)
    assert total[i] / 120.0 == pytest.approx(21_900.0 + 8_000.0 + 5_750.0 + 5_000.0)
    assert routes[i] / 120.0 == pytest.approx(19_969.7, abs=1.0)
    assert m.in_part[0, g, i] == pytest.approx(0.04 * 420_811.9, abs=1.0)
    assert m.sold[0, g, i] + m.in_part[0, g, i] == pytest.approx(m.required_now[0, g, i])
    assert m.premium[0, g, i] == pytest.approx(6_656.85, abs=0.01)
    assert (routes + m.in_part[0, g] * 120.0 <= total * (1 + 1e-9) + 1e-6).all()


def test_users_take_in_part_no_more_than_their_reformers_make(inp: ModelInputs) -> None:
    """Current policy, 2030: the obligation asks 21,828.2 t before the first year is accounted
    (4 % of the 545,703.9 t of hydrogen the obligated plants use in the base year) and users
    may meet all of it in part (partial share 1). When the obligated plants make only 10,000 t in
    their own reformers, users take 10,000 t in part, not 26,000 t (each tonne taken replaces
    a tonne they make); with 4,000 t left at the supply projects, 4,000 t."""
    market = RfnboMandate(BatchContext(inp, (RfnboMandate,)))
    g, i = list(inp.coords.products).index("hydrogen"), list(inp.coords.years).index(2030)
    assert market.req[0, g, i] == pytest.approx(0.04 * 545_703.9, abs=0.01)
    assert market.partial[0, g, i] == 1.0
    market.own_made = np.array([10_000.0])
    supply = market.market_supply(g, i)
    assert supply is not None
    assert supply[1].tolist() == [10_000.0]
    market.room = np.full(market.room.shape, 4_000.0)
    supply = market.market_supply(g, i)
    assert supply is not None
    assert supply[1].tolist() == [4_000.0]


def test_the_cap_scale_sets_the_cap_and_a_lower_cap_never_more_hydrogen(cat: Catalogue) -> None:
    """``demand.rfnbo_shortfall_cap_scale`` (the ensembles' uncertain cap, an assumption of
    9,000 EUR/t) multiplies the cap in every year of the obligation; across 0.5, 1 and 2 the
    renewable hydrogen used never falls as the cap rises. At half the cap no user takes any
    in 2030 (the partial need of the reformers' users, 6,656.85 EUR/t, is above 4,500: Dec
    2026) and the premium is the cap; at the cap of the data and above it the users take all
    they owe at their need (the supply projects, the OWE-awarded ones among them, leave room:
    Dec 2026; before, they bound and a short market paid the cap, 9,000 and 18,000)."""
    base = resolve(["current-policy"], cat.path)[0]
    scales = (0.5, 1.0, 2.0)
    scenarios = []
    for x in scales:
        demand = base.levers.demand.model_copy(update={"rfnbo_shortfall_cap_scale": x})
        lv = base.levers.model_copy(update={"name": f"cap-{x}", "demand": demand})
        scenarios.append(Scenario(name=f"cap-{x}", levers=lv, chain=base.chain, origin="test"))
    inp = build_inputs(cat, scenarios)
    h2 = list(inp.coords.products).index("hydrogen")
    years = np.asarray(inp.coords.years)
    cap = inp.instruments["rfnbo_mandate"]["cap"][:, h2]
    for s, x in enumerate(scales):
        assert cap[s] == pytest.approx(np.full(len(years), 9_000.0 * x))
    m, _ = run_keeping_market(inp)
    used = m.supplied[:, h2] + m.in_part[:, h2]
    assert (np.diff(used, axis=0) >= -1e-6).all()
    i = int(np.flatnonzero(years == 2030)[0])
    assert used[0, i] == 0.0 < used[1, i] == used[2, i]
    assert m.premium[:, h2, i] == pytest.approx([4_500.0, 6_656.85, 6_656.85], abs=0.01)


def test_the_default_ensemble_samples_the_cap(cat: Catalogue) -> None:
    """The default specification's factor ``rfnbo_shortfall_cap`` (triangular 0.5-1.6 around
    1) sets the lever in every package's futures; the assembled cap is 9,000 EUR/t times it
    under the packages with the obligation; no new policy has none (no cap, no share)."""
    from kruispunt.uncertainty.futures import FutureBuilder
    from kruispunt.uncertainty.run import plan
    from kruispunt.uncertainty.spec import load_spec

    loaded = load_spec()
    j = [f.name for f in loaded.spec.factors].index("rfnbo_shortfall_cap")
    p = plan(loaded, method="lhs", n=16, seed=3, batch_size=16)
    builder = FutureBuilder(loaded.spec.factors, p.packages, p.catalogue)
    values = p.values[:, j]
    assert ((values >= 0.5) & (values <= 1.6)).all() and values.std() > 0.15
    scenarios = [builder.scenario(k, 0, p.values[0], int(p.seeds[0])) for k in range(3)]
    for sc in scenarios:
        assert sc.levers.demand.rfnbo_shortfall_cap_scale == pytest.approx(values[0])
    inp = build_inputs(cat, scenarios)
    h2 = list(inp.coords.products).index("hydrogen")
    mandate = inp.instruments["rfnbo_mandate"]
    assert [sc.name for sc in scenarios] == [f"{n}-f0000000" for n in p.packages.names]
    for s, name in enumerate(p.packages.names):
        on = name != "no-new-policy"
        assert mandate["share"][s, h2].any() == on
        cap = 9_000.0 * values[0] if on else np.inf
        assert mandate["cap"][s, h2] == pytest.approx(np.full(len(inp.coords.years), cap))
