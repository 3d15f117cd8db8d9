"""The demand-side markets: the clearing premium, the RFNBO obligation, procurement and labels.

Hand-computed cases (issue 11, point 3): the clearing premium of a three-supplier market; an
RFNBO obligation (RED III Art. 22a as the Netherlands implements it: 4 % of the hydrogen
industry uses outside refining, Green Growth package April 2025) met by the cheapest suppliers
first; volumes never above supply; the premium buyers pay equals what producers receive.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kruispunt
from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.demand import market_outcomes
from kruispunt.policy.clearing import clearing_premium, market_sales, required_volume
from kruispunt.policy.procurement import procurement_cap
from kruispunt.scenarios import Scenario, resolve
from kruispunt.schemas.config import DemandLevers, LabelLever, ScenarioFile


def test_three_supplier_market_hand_computed() -> None:
    """A: 40 t needing 0 EUR/t (green already cheaper), B: 50 t needing 120, C: 60 t needing
    300 (need = the yearly gap over the whole volume; B's gap 6,000, C's 18,000 EUR/yr).

    - 90 t required: A then B cover it exactly; the premium is B's gap per unit, 120 EUR/t.
    - 70 t required: A sells 40 t, 30 t are left; B's gap over 30 t is 200 EUR/t, C's
      600; B is marginal and the premium 200 EUR/t (a plant switches all its output but
      sells only 30 t at the premium).
    - 30 t required: A alone; the premium is 0.
    """
    need, vol = [0.0, 120.0, 300.0], [40.0, 50.0, 60.0]
    c = clearing_premium(need, vol, 90.0)
    assert c.premium == pytest.approx(120.0)
    assert c.sold.tolist() == [40.0, 50.0, 0.0]
    c = clearing_premium(need, vol, 70.0)
    assert c.premium == pytest.approx(200.0)
    assert c.sold.tolist() == [40.0, 30.0, 0.0]
    assert c.served == pytest.approx(70.0)
    assert c.rank[:2].tolist() == [0.0, 1.0] and np.isinf(c.rank[2])
    c = clearing_premium(need, vol, 30.0)
    assert c.premium == 0.0
    assert c.sold.tolist() == [30.0, 0.0, 0.0]


def test_short_market_clears_at_the_cap() -> None:
    """200 t required of 150 t supply: everyone sells all; the premium is the cap (500 EUR/t,
    a mandate's penalty) or, without a cap, the highest gap (300)."""
    need, vol = [0.0, 120.0, 300.0], [40.0, 50.0, 60.0]
    capped = clearing_premium(need, vol, 200.0, cap=500.0)
    assert capped.premium == 500.0 and capped.served == 150.0
    assert clearing_premium(need, vol, 200.0).premium == 300.0
    # a supplier needing more than the cap does not sell
    c = clearing_premium(need, vol, 200.0, cap=250.0)
    assert c.sold.tolist() == [40.0, 50.0, 0.0] and c.premium == 250.0


def test_procurement_cap_excludes_a_supplier_above_its_mki_value() -> None:
    """Procurement pays at most the MKI shadow price x CO2 saved: 50 EUR/t x (2.0 - 0.5) =
    75 EUR/t for B, 50 x (2.0 - 1.0) = 50 for C. B needs 60 (sells), C needs 70 (does not);
    90 t required of A 40 t + B 50 t: premium 60."""
    own = procurement_cap(50.0, 2.0, np.array([0.0, 0.5, 1.0]))
    assert own.tolist() == [100.0, 75.0, 50.0]
    c = clearing_premium([0.0, 60.0, 70.0], [40.0, 50.0, 60.0], 90.0, own_cap=own)
    assert c.premium == pytest.approx(60.0)
    assert c.sold.tolist() == [40.0, 50.0, 0.0]


def test_rfnbo_obligation_met_by_the_cheapest_suppliers_first() -> None:
    """A 4 % obligation on 1.3 Mt = 52,000 t RFNBO. Suppliers (gap per tonne of their whole
    renewable hydrogen): an electrolyser 20,000 t at 1,000 EUR/t (gap 20 MEUR/yr), a DRI
    plant buying network hydrogen 40,000 t at 2,500 (100 MEUR/yr), an ammonia plant 110,000 t
    at 1,500 (165 MEUR/yr).

    Step 1 (52,000 t left): per tonne sold 1,000; 2,500; 165e6/52,000 = 3,173 -> the
    electrolyser, 20,000 t. Step 2 (32,000 t left): DRI 100e6/32,000 = 3,125, ammonia
    165e6/32,000 = 5,156 -> the DRI plant sells 32,000 t. Premium 3,125 EUR/t; the ammonia
    plant, cheapest per tonne of its own output, is too big for the volume left."""
    required = float(required_volume(0.04, 1.3e6))
    assert required == pytest.approx(52_000.0)
    c = clearing_premium([1000.0, 2500.0, 1500.0], [20_000.0, 40_000.0, 110_000.0], required)
    assert c.sold.tolist() == [20_000.0, 32_000.0, 0.0]
    assert c.premium == pytest.approx(100e6 / 32_000.0)
    # buyers pay, producers receive: the same money
    paid = market_sales([20_000.0, 40_000.0, 110_000.0], required, c.premium, rank=c.rank)
    assert paid.tolist() == pytest.approx([20_000.0 * 3125.0, 32_000.0 * 3125.0, 0.0])
    assert paid.sum() == pytest.approx(c.premium * required)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.just(0.0), st.floats(1e-3, 1e4)),
            st.one_of(st.just(0.0), st.floats(1e-3, 1e5)),
            st.one_of(st.just(0.0), st.floats(1e-3, 1e4)),
        ),
        min_size=1,
        max_size=12,
    ),
    st.one_of(st.just(0.0), st.floats(1e-3, 5e5)),
    st.one_of(st.just(float("inf")), st.floats(0, 1e4, allow_nan=False)),
)
def test_volumes_never_above_supply_or_requirement(
    suppliers: list[tuple[float, float, float]], required: float, cap: float
) -> None:
    """Whatever the suppliers: each sells at most its volume, the market at most the
    requirement; every supplier that sells is covered (premium x sold >= its gap, within its
    cap); the year's sales, at the cleared premium, pay each supplier what the market pays."""
    need = np.array([s[0] for s in suppliers])
    vol = np.array([s[1] for s in suppliers])
    own = np.array([s[2] for s in suppliers])
    c = clearing_premium(need, vol, required, cap=cap, own_cap=own)
    assert np.all(c.sold <= vol + 1e-9)
    assert c.served <= required * (1 + 1e-9) + 1e-9
    taken = c.sold > 0
    paid_per_unit = np.minimum(c.premium, own)
    short = c.served < required * (1 - 1e-9)
    if not short:
        covered = paid_per_unit[taken] * c.sold[taken]
        assert np.all(covered >= need[taken] * vol[taken] * (1 - 1e-9) - 1e-9)
    paid = market_sales(vol, required, c.premium, own, c.rank)
    assert paid.sum() <= c.premium * required * (1 + 1e-9) + 1e-6
    assert np.all(paid >= 0)


def _scenario(name: str, demand: DemandLevers) -> Scenario:
    sf = ScenarioFile(name=name, demand=demand)
    return Scenario(name=name, levers=sf, chain=(name,), origin="test")


def test_rfnbo_lever_sets_the_required_volume(cat: Catalogue) -> None:
    """current-policy: NL obligation 4 % of each obligated installation's hydrogen use, in the
    base year (the instrument follows each year's output): Yara Sluiskil's D and E
    (624,031.6 and 661,920.9 t NH3) and OCI's AFA-2 and AFA-3 (350,784.8 and 350,855.4 t) at
    0.178 t H2/t NH3, and the merchant reformers (Air Liquide Botlek 93,946.6 and 13,933.7 t,
    Air Products Botlekweg 57,828.0 and Boyneweg 12,476.9 t, Air Liquide Bergen op Zoom
    7,874.0 t, Eastman Middelburg 5,853.3 t): 545,703.9 t, so 21,828.2 t from 2030 (nothing
    before: the path 2026-2029 is not sourced; refineries are not obligated, RED III Art.
    22a(1)); red3: 42 % and 60 % from 2035 of the same; none: nothing. Qualifying: the
    electrolysis route's output (1 t per t) and an ammonia plant's network hydrogen (DECHEMA
    178 kg per t NH3), not a refinery's network or own-electrolyser hydrogen (it counts
    towards transport, Art. 25); refineries' reformers are not obligated (reformer_hydrogen
    0), an ammonia plant's are."""
    scenarios = [
        *resolve(["current-policy"], cat.path),
        _scenario("red3", DemandLevers(rfnbo="red3")),
        _scenario("none", DemandLevers(rfnbo="none")),
    ]
    inp = build_inputs(cat, scenarios)
    p = inp.instruments["rfnbo_mandate"]
    req = np.asarray(p["share"]) * np.asarray(p["use"])
    g = list(inp.coords.products).index("hydrogen")
    years = list(inp.coords.years)
    assert req[0, g, years.index(2029)] == 0.0
    use = 0.178 * (624_031.6 + 661_920.9 + 350_784.8 + 350_855.4) + (
        93_946.6 + 13_933.7 + 57_828.0 + 12_476.9 + 7_874.0 + 5_853.3
    )
    assert use == pytest.approx(545_703.9, abs=0.5)
    assert req[0, g, years.index(2030)] == pytest.approx(0.04 * use, rel=1e-6)
    assert req[0, g, years.index(2050)] == pytest.approx(0.04 * use, rel=1e-6)
    assert req[1, g, years.index(2030)] == pytest.approx(0.42 * use, rel=1e-6)
    assert req[1, g, years.index(2035)] == pytest.approx(0.60 * use, rel=1e-6)
    assert not req[2].any()
    routes = list(inp.coords.routes)
    q = np.asarray(p["qualify"])[0, g]
    assert q[routes.index("electrolysis")] == 1.0
    assert q[routes.index("green_h2_haber_bosch")] == pytest.approx(0.178, rel=2e-3)
    assert q[routes.index("smr")] == 0.0
    for refinery in ("refinery_green_h2", "refinery_ccs_h2units_green_h2"):
        assert q[routes.index(refinery)] == 0.0
    grey = np.asarray(p["reformer_hydrogen"])[0]
    assert grey[routes.index("refinery")] == 0.0
    assert grey[routes.index("smr_haber_bosch")] == pytest.approx(0.178)
    assert grey[routes.index("smr")] == 1.0
    assert np.asarray(p["cap"])[0, g, years.index(2030)] == 9000.0


def test_premium_paid_equals_premium_received_on_the_package(cat: Catalogue) -> None:
    """Every scenario: the market side (what buyers pay, kruispunt.demand) equals the plants'
    booked premium revenue in the results, year by year; sales never exceed the required
    volume nor the qualifying supply; a label on glass (10 % of buyers, cap 100 EUR/t) and
    procurement of steel run beside the RFNBO obligation, and RED III's shares, whose users
    are short at the cap (under current policy the supply projects, the OWE-awarded ones
    among them since Dec 2026, leave room for all the users owe)."""
    label = _scenario(
        "label",
        DemandLevers(
            labels={"glass": LabelLever(share=0.1, premium_cap=100.0)},
            procurement={"crude_steel": 0.1},
        ),
    )
    red3 = _scenario("red3", DemandLevers(rfnbo="red3"))
    scenarios = [*resolve(["current-policy"], cat.path), label, red3]
    table = market_outcomes(scenarios, catalogue=cat)
    ds = kruispunt.run(scenarios, catalogue=cat).dataset
    # refineries' premium revenue is the refinery route's transport units, paid by fuel
    # suppliers outside these markets (tests/policy/test_refinery_route.py)
    refinery = ds["plant_product"].values.astype(str) == "refinery_throughput"
    booked = ds["premium_revenue"].isel(plant=~refinery).sum("plant").to_pandas()
    paid = table.groupby(["scenario", "year"])["paid"].sum()
    for (scenario, year), amount in paid.items():
        assert booked.loc[scenario, year] == pytest.approx(amount, rel=1e-9, abs=1e-3)
    assert (table["sold"] <= table["required"] + 1e-6).all()
    assert (table["sold"] <= table["supplied"] + 1e-6).all()
    # the obligated users' own part: booked with its cost, within what is required
    assert table[["in_part", "in_part_cost"]].notna().all().all()
    assert (table["sold"] + table["in_part"] <= table["required"] + 1e-6).all()
    assert (table.query("in_part > 0")["in_part_cost"] > 0).all()
    h2 = table.query("scenario == 'current-policy' and market == 'hydrogen'")
    assert set(h2["instrument"]) == {"rfnbo_mandate"}
    # 4 % of the obligated users' use on the hydrogen network: Chemelot's OCI plants
    # (124,892.0 t of their 545,703.9 t) are exempt until it is connected in 2033
    required = h2.query("year >= 2030")["required"].tolist()
    assert required == pytest.approx([0.04 * 420_811.9] * 3 + [0.04 * 545_703.9] * 18, abs=0.01)
    # what the users pay for their obligation is what the producers earn in the market plus
    # the units short at the cap, paid to the state: the money balances every year
    users = ds["obligation_cost"].sum("plant").to_pandas()
    short = ds["gov_cash_flow"].sel(flow="rfnbo_shortfall_revenue").to_pandas()
    earned = table.query("market == 'hydrogen'").groupby(["scenario", "year"])["paid"].sum()
    for (scenario, year), amount in earned.items():
        balance = amount + short.loc[scenario, year]
        assert users.loc[scenario, year] == pytest.approx(balance, rel=1e-9, abs=1e-3)
    assert (short.loc["current-policy"] == 0.0).all()  # room for all the users owe
    assert short.loc["red3", 2030] > 0.0  # short at the cap in 2030
    # nothing required, no premium (the round of 2027 already expects one for 2030)
    assert (h2.query("required == 0")["premium"] == 0.0).all()
    assert h2.query("year == 2027")["expected"].item() > 0.0
    glass = table.query("scenario == 'label' and market == 'glass'")
    assert (glass["premium"] <= 100.0).all()


def test_a_label_market_moves_the_cheapest_plant_on_the_toy_model() -> None:
    """Two identical toy plants (1 Mt widget each, gas at EUA 100, myopic); a label asks 50 %
    of the 2 Mt use. Electrifying costs power 216 EUR/t + capex 500 EUR/(t/yr) x CRF(10 %,
    20 yr) = 58.73 EUR/t, against gas 100 + EUA 100 EUR/t: a gap of 74.73 EUR/t (the hand
    computation of test_instrument_protocol).
    The 1 Mt asked is one plant's output: the first plant switches in 2025 at a premium of
    74.73 EUR/t (plus the engine's tie-breaker), the second stays on gas. Once built, the
    electric plant would stay without the label while its write-off outweighs the 16 EUR/t
    that gas saves (216 - 200), so the premium falls to zero; as its book value falls, the
    premium that keeps it is at most those 16 EUR/t; at its renewal (2045, 20-year life) it
    needs the full 74.73 again."""
    from kruispunt.engine.simulate import simulate
    from kruispunt.testing import TOY_YEARS, toy_inputs

    Y = len(TOY_YEARS)
    label = {
        "qualify": np.array([[[0.0, 1.0, 0.0]]]),  # widget from the elec route
        "share": np.full((1, 1, Y), 0.5),
        "use": np.full((1, 1, Y), 2.0e6),
        "cap": np.full((1, 1, Y), 500.0),
    }
    inp = toy_inputs(eua=100.0, n_plants=2, instruments={"green_label": label})
    assert list(inp.coords.routes)[:2] == ["gas", "elec"]
    ds = simulate(inp).dataset
    route = ds["route_index"].values[0]  # (P, Y)
    assert (route[0] == 1).all() and (route[1] == 0).all()
    revenue = ds["premium_revenue"].values[0]
    assert revenue[0, 0] == pytest.approx(74.73e6, rel=1e-3)
    assert revenue[1].sum() == 0.0
    assert revenue[0, 1:15].max() <= 1.0  # the tie-breaker: 1e-6 EUR/yr per t of capacity
    assert 0.0 < revenue[0, 15:20].min() and revenue[0, 15:20].max() <= 16.0e6
    assert revenue[0, 20] == pytest.approx(74.73e6, rel=1e-3)


def test_the_years_premium_is_zero_before_the_obligation_and_the_round_looks_ahead() -> None:
    """Two identical toy plants (1 Mt widget each; electrifying costs a gap of 74.73 EUR/t,
    the hand computation of test_instrument_protocol); a label asks nothing before 2030 and
    25 % of the 2 Mt use, 0.5 Mt, from 2030 (cap 500 EUR/t).

    - The round of 2027 clears against the volume of 2030 (LOOKAHEAD 3 years): the first
      plant's gap, 74.73 MEUR/yr, over the 0.5 Mt it would sell is 149.46 EUR/t, below the
      cap: the expected premium; the plant switches at once (lead time 0). The rounds of
      2025 and 2026 see nothing required in 2028 and 2029: no premium.
    - The year's premium clears the year's output against the year's required volume: zero
      in 2027-2029 (nothing is required; nothing is paid, whatever the round expects).
    - From 2030 the 1 Mt of the electric plant covers the 0.5 Mt asked: the premium is its
      gap to leaving the built route (the tie-breaker alone while its write-off outweighs
      the 16 EUR/t that gas saves), not the cap; it is paid on 0.5 Mt. At the renewal
      (2047) it needs its whole gap again: 149.46 EUR/t."""
    from kruispunt.engine.simulate import YearView, run_batch
    from kruispunt.policy.clearing import ClearingMarket
    from kruispunt.testing import TOY_YEARS, toy_inputs

    Y = len(TOY_YEARS)
    share = np.where(TOY_YEARS >= 2030, 0.25, 0.0)[None, None, :]
    label = {
        "qualify": np.array([[[0.0, 1.0, 0.0]]]),
        "share": share,
        "use": np.full((1, 1, Y), 2.0e6),
        "cap": np.full((1, 1, Y), 500.0),
    }
    inp = toy_inputs(eua=100.0, n_plants=2, instruments={"green_label": label})
    kept: list[ClearingMarket] = []

    def keep(view: YearView) -> None:
        if not kept:
            kept.extend(i for i in view.valuation.instruments if isinstance(i, ClearingMarket))

    out = run_batch(inp, observer=keep)
    (m,) = [i for i in kept if i.name == "green_label"]
    y = {int(year): i for i, year in enumerate(TOY_YEARS)}
    assert m.expected[0, 0, y[2025]] == 0.0 and m.expected[0, 0, y[2026]] == 0.0
    assert m.expected[0, 0, y[2027]] == pytest.approx(2 * 74.73, rel=1e-3)
    route = np.asarray(out.route_index[:, 0]).T  # (P, Y)
    assert (route[0, y[2027] :] == 1).all() and (route[1] == 0).all()
    assert (route[0, : y[2027]] == 0).all()
    assert not m.premium[0, 0, : y[2030]].any()
    assert not m.paid[0, 0, : y[2030]].any()
    late = m.premium[0, 0, y[2030] :]
    assert late[:5].max() <= 1e-5  # the tie-breaker per t, far below the cap
    # as the book value falls the gap to leaving rises, to the full gap at the renewal
    # (20-year life from 2027): 74.73 MEUR/yr over the 0.5 Mt sold
    assert m.premium[0, 0, y[2047]] == pytest.approx(2 * 74.73, rel=1e-3)
    assert late.max() == pytest.approx(2 * 74.73, rel=1e-3)
    sold = m.sold[0, 0, y[2030] :]
    assert sold == pytest.approx(np.full(sold.shape, 0.5e6))
    assert m.paid[0, 0, y[2030] :] == pytest.approx(late * 0.5e6)


def test_a_plant_offers_its_smaller_option_when_only_a_little_is_left() -> None:
    """A refinery can buy network hydrogen for all its reformers (9,425 t at 6,075 EUR/t) or
    only a share (2,950 t at 6,500 EUR/t); 46,174 t are already covered at no premium and
    52,000 t required (the RFNBO obligation's 4 % of 1.3 Mt). 5,826 t are left: the large
    option would cost 6,075 x 9,425 / 5,826 = 9,828 EUR per t sold, above the 9,000 cap;
    the small one 6,500 per t over its 2,950 t. One option per plant: the small one is
    taken, the rest of the 5,826 t is short, so the premium is the cap; without the plant
    grouping the large option would be refused and the small one never seen."""
    need = [0.0, 6075.0, 6500.0]
    vol = [46_174.0, 9_425.0, 2_950.0]
    c = clearing_premium(need, vol, 52_000.0, 9_000.0, group=[0, 1, 1])
    assert c.sold.tolist() == pytest.approx([46_174.0, 0.0, 2_950.0])
    assert c.premium == 9_000.0
    # 2,950 t left: the large option costs 6,075 x 9,425 / 2,950 = 19,409 per t sold, the
    # small one covers it exactly and is the marginal supplier at 6,500 EUR/t
    c = clearing_premium(need, vol, 46_174.0 + 2_950.0, 10_000.0, group=[0, 1, 1])
    assert c.premium == pytest.approx(6_500.0)
    assert c.sold.tolist() == pytest.approx([46_174.0, 0.0, 2_950.0])


def test_divisible_offers_clear_at_the_marginal_suppliers_need() -> None:
    """An RFNBO obligation of 52,000 t (4 % of 1.3 Mt) against four producers already making
    RFNBO, 53,400 t in all (the order of the model's 2043 supply): A 16,119 t needing 0 (bound
    to a decided project), B 7,874 t at 3,569 EUR/t, C 12,477 t at 3,751, D 16,930 t at
    3,543. Divisible (a producer sells part of its output as RFNBO): cheapest first, A, D, B
    = 40,923 t, then the last 11,077 t of C's 12,477 at C's own 3,751 EUR/t: the premium is
    3,751, C the marginal supplier, paid 41.5 MEUR/yr of its 46.8 MEUR/yr gap. Whole offers
    (C's gap spread over what it sells, the model's plants since Dec 2026): 3,751 x 12,477 /
    11,077 = 4,225 EUR/t, which keeps C whole."""
    need = [0.0, 3569.0, 3751.0, 3543.0]
    vol = [16_119.0, 7_874.0, 12_477.0, 16_930.0]
    c = clearing_premium(need, vol, 52_000.0, 9_000.0, divisible=True)
    assert c.premium == pytest.approx(3_751.0)
    assert c.sold.tolist() == pytest.approx([16_119.0, 7_874.0, 11_077.0, 16_930.0])
    assert c.served == pytest.approx(52_000.0)
    whole = clearing_premium(need, vol, 52_000.0, 9_000.0)
    assert whole.premium == pytest.approx(3_751.0 * 12_477.0 / 11_077.0)
    paid = market_sales(vol, 52_000.0, c.premium, rank=c.rank)
    assert paid.sum() == pytest.approx(3_751.0 * 52_000.0)
    # short (a 3 kt plant fewer than required): every offer sells all at the cap
    short = clearing_premium(need, vol, 60_000.0, 9_000.0, divisible=True)
    assert short.premium == 9_000.0 and short.served == pytest.approx(53_400.0)


def test_a_switch_stays_whole_in_a_divisible_market() -> None:
    """Only the output a plant makes anyway is divisible (ClearingMarket.divisible): 46,174 t
    already covered at no premium, 5,826 t left; a plant that would switch 62,453 t (an
    ammonia line to electrolytic hydrogen) at 4,825 EUR/t needs 4,825 x 62,453 / 5,826 =
    51,722 EUR per t sold, above the 9,000 cap, so the market is short and the premium is
    the cap; were its switch divisible it would be the marginal supplier at 4,825, though
    selling 5,826 t of its 62,453 pays 28 MEUR/yr of its 301 MEUR/yr gap."""
    need = [0.0, 4825.0]
    vol = [46_174.0, 62_453.0]
    c = clearing_premium(need, vol, 52_000.0, 9_000.0, divisible=[True, False])
    assert c.premium == 9_000.0 and c.sold.tolist() == pytest.approx([46_174.0, 0.0])
    c = clearing_premium(need, vol, 52_000.0, 9_000.0, divisible=True)
    assert c.premium == 4_825.0 and c.sold.tolist() == pytest.approx([46_174.0, 5_826.0])
    assert 4_825.0 * 5_826.0 < 0.1 * 4_825.0 * 62_453.0


def test_plants_offer_whole_in_every_market() -> None:
    """A plant's offer is whole in every market, the RFNBO obligation's running producers
    too (since Dec 2026: a producer weighing whether to stay needs its whole gap from what it
    sells); the RFNBO obligation's divisible supply is the users' partial conversion, which
    only it has."""
    from kruispunt.policy.clearing import ClearingMarket
    from kruispunt.policy.labels import GreenLabel
    from kruispunt.policy.mandates import RfnboMandate
    from kruispunt.policy.procurement import GreenProcurement

    assert not RfnboMandate.divisible
    assert not GreenProcurement.divisible and not GreenLabel.divisible
    assert RfnboMandate.market_supply is not ClearingMarket.market_supply


def test_a_plant_expects_the_premium_in_the_year_its_route_starts() -> None:
    """One toy plant (1 Mt widget; electrifying costs a gap of 74.73 EUR/t), two years to
    build; a label asks 75 % of the 2 Mt use, 1.5 Mt, in every year (cap 500 EUR/t): more
    than the plant makes, so the premium is the cap. The round of 2025 takes the plant; it
    builds in 2025-2026 and runs the electric route from 2027, selling its 1 Mt at 500 EUR/t:
    500 MEUR/yr. In 2027 it has sold nothing on the route yet; it expects the premium the
    2026 round cleared with its output in it (500 EUR/t) on the 1 Mt it makes, 500 MEUR/yr,
    what it then earns (the value of staying from 2028). Until December 2026 it expected
    last year's sales, nil, in the year its route started: the Zeeland Refinery left its
    green hydrogen in the year it started it (current policy, low prices, 2037)."""
    from kruispunt.engine.simulate import YearView, run_batch
    from kruispunt.policy.clearing import ClearingMarket
    from kruispunt.testing import TOY_YEARS, toy_inputs

    Y = len(TOY_YEARS)
    label = {
        "qualify": np.array([[[0.0, 1.0, 0.0]]]),
        "share": np.full((1, 1, Y), 0.75),
        "use": np.full((1, 1, Y), 2.0e6),
        "cap": np.full((1, 1, Y), 500.0),
    }
    inp = toy_inputs(eua=100.0, lead_time=2, instruments={"green_label": label})
    kept: dict[int, float] = {}

    def keep(view: YearView) -> None:
        (m,) = [i for i in view.valuation.instruments if i.name == "green_label"]
        assert isinstance(m, ClearingMarket)
        # what staying on its route is worth to the plant in the market (the same call the
        # valuation makes; the state is the year's starting state)
        value = m.contract_value(view.i, view.state.route, view.values.production[..., 0])
        assert value is not None
        kept[int(TOY_YEARS[view.i])] = float(value[0, 0])

    out = run_batch(inp, observer=keep)
    route = np.asarray(out.route_index[:, 0, 0])
    assert route[:2].tolist() == [0, 0] and (route[2:] == 1).all()
    assert kept[2025] == kept[2026] == 0.0
    assert kept[2027] == pytest.approx(500e6)
    assert kept[2028] == pytest.approx(500e6)


def test_a_market_in_a_batch_with_scenarios_that_require_nothing_equals_each_alone() -> None:
    """A batch of three toy scenarios (two plants; electrifying's gap 74.73 EUR/t): the
    label asks 50 % of the use in the first, nothing in the second, 25 % in the third (at
    a higher EUA), as an ensemble batch mixes packages with and without a market. Each
    scenario's results and market outcomes are those it gets alone, and the second has none
    (no premium, nothing sold or paid, no revenue)."""
    from dataclasses import replace

    from kruispunt.engine.simulate import YearView, run_batch, simulate
    from kruispunt.inputs import ModelInputs
    from kruispunt.policy.clearing import ClearingMarket
    from kruispunt.testing import TOY_YEARS, toy_inputs

    Y = len(TOY_YEARS)

    def label(share: float) -> dict[str, np.ndarray]:
        return {
            "qualify": np.array([[[0.0, 1.0, 0.0]]]),
            "share": np.full((1, 1, Y), share),
            "use": np.full((1, 1, Y), 2.0e6),
            "cap": np.full((1, 1, Y), 500.0),
        }

    alone = [
        toy_inputs(eua=eua, n_plants=2, instruments={"green_label": label(share)})
        for eua, share in ((100.0, 0.5), (100.0, 0.0), (120.0, 0.25))
    ]
    together = alone[0].concat(alone[1:])
    together = replace(together, coords=replace(together.coords, scenarios=("a", "b", "c")))

    def market(inputs: ModelInputs) -> ClearingMarket:
        """The label market of a run of ``inputs``, with its outcomes of every year."""
        kept: list[ClearingMarket] = []

        def keep(view: YearView) -> None:
            if not kept:
                kept.extend(i for i in view.valuation.instruments if i.name == "green_label")

        run_batch(inputs, observer=keep)
        return kept[0]

    m = market(together)
    ds = simulate(together).dataset
    assert ds["premium_revenue"].values[1].sum() == 0.0
    assert not m.paid[1].any() and not m.premium[1].any() and not m.sold[1].any()
    assert ds["premium_revenue"].values[0].sum() > 0.0  # the label moves a plant
    for k, one in enumerate(alone):
        solo = simulate(one).dataset
        for name in solo.data_vars:
            np.testing.assert_array_equal(ds[name].values[k], solo[name].values[0], err_msg=name)
        m1 = market(one)
        for field in ("premium", "expected", "sold", "paid", "supplied", "required_now"):
            np.testing.assert_array_equal(getattr(m, field)[k], getattr(m1, field)[0], field)


def test_a_supplier_needing_exactly_the_cap_is_taken() -> None:
    # one supplier whose gap per unit is the cap itself (100): buyers pay up to the cap, so
    # it sells its 10 units
    out = clearing_premium([100.0], [10.0], 10.0, cap=100.0)
    np.testing.assert_array_equal(out.sold, [10.0])
    # just above the cap it is not taken
    out = clearing_premium([100.5], [10.0], 10.0, cap=100.0)
    np.testing.assert_array_equal(out.sold, [0.0])


def test_sales_are_paid_the_premium_at_most_each_suppliers_own_cap() -> None:
    """80 t and 40 t offered against 60 t required at 100 EUR/t, the second taken first: it
    sells its 40 t at 100 (4,000 EUR/yr), the first the last 20 t at its own cap of 50 EUR/t
    (procurement's MKI value of the CO2 it saves): 1,000 EUR/yr, not 2,000."""
    paid = market_sales([80.0, 40.0], 60.0, 100.0, own_cap=[50.0, np.inf], rank=[1.0, 0.0])
    assert paid.tolist() == pytest.approx([1_000.0, 4_000.0])


def _label(share: np.ndarray) -> dict[str, np.ndarray]:
    """A toy label on the electric route's widget, 2 Mt/yr of use, cap 500 EUR/t."""
    Y = share.shape[-1]
    return {
        "qualify": np.array([[[0.0, 1.0, 0.0]]]),
        "share": share,
        "use": np.full((1, 1, Y), 2.0e6),
        "cap": np.full((1, 1, Y), 500.0),
    }


def test_a_label_supports_an_option_with_the_premium_on_what_it_sells() -> None:
    """Two toy plants (electrifying's gap 74.73 EUR/t); a label asks 25 % of the 2 Mt use,
    0.5 Mt, from 2030. The round of 2027 clears the first plant's 1 Mt at 74.73 MEUR/yr over
    the 0.5 Mt it sells, 149.46 EUR/t: its electric option is offered 149.46 x 0.5 Mt = 74.73
    MEUR/yr, its gap (``kruispunt explain``'s support), not 149.46 x its whole 1 Mt."""
    from kruispunt.explain import explain
    from kruispunt.testing import TOY_YEARS, toy_inputs

    share = np.where(TOY_YEARS >= 2030, 0.25, 0.0)[None, None, :]
    inp = toy_inputs(eua=100.0, n_plants=2, instruments={"green_label": _label(share)})
    rows = explain("site0", inputs=inp, year=2027).options
    elec = rows[(rows["plant"] == "site0/widget") & (rows["route"] == "elec")].iloc[0]
    assert elec["support"] == pytest.approx(74.73e6, rel=1e-3)
    assert bool(elec["chosen"])


def test_what_a_plant_on_a_qualifying_route_expects_to_keep() -> None:
    """A toy label from 2030 (0.5 Mt of 2 Mt), one plant of 1 Mt/yr on the electric route.
    In 2030, the market's first year with a volume (none in 2029), the plant keeps what the
    2029 round offered it for staying (here 7 MEUR/yr), not its 2029 earnings (nil). In 2031
    it keeps its 2030 earnings (30 MEUR/yr). A plant whose route started in 2031 (it ran gas
    in 2030) has sold nothing yet: it expects the premium the 2030 round cleared (60 EUR/t,
    not the 2031 round's 0, not yet run) on its 1 Mt, 60 MEUR/yr."""
    from kruispunt.engine.context import BatchContext
    from kruispunt.policy.labels import GreenLabel
    from kruispunt.policy.registry import INSTRUMENTS
    from kruispunt.testing import TOY_YEARS, toy_inputs

    years = list(TOY_YEARS)
    share = np.where(TOY_YEARS >= 2030, 0.25, 0.0)[None, None, :]
    inp = toy_inputs(instruments={"green_label": _label(share)})
    m = GreenLabel(BatchContext(inp, tuple(INSTRUMENTS)))
    elec, output = np.array([[1]]), np.array([[1.0e6]])
    t = years.index(2030)
    m.ran = elec
    m.offered[0, 0, 0], m.earned[0, 0, 0] = 7.0e6, 0.0
    assert m.contract_value(t, elec, output)[0, 0] == pytest.approx(7.0e6)
    m.earned[0, 0, 0] = 30.0e6
    assert m.contract_value(t + 1, elec, output)[0, 0] == pytest.approx(30.0e6)
    m.ran = np.array([[0]])
    m.expected[0, 0, t], m.expected[0, 0, t + 1] = 60.0, 0.0
    assert m.contract_value(t + 1, elec, output)[0, 0] == pytest.approx(60.0e6)


def test_a_plant_bound_to_a_decided_switch_sells_its_output_at_no_need() -> None:
    """A toy label asks 0.5 Mt in 2030 (cap 500 EUR/t); two plants on the electric route make
    1 Mt each, needing 100 and 50 EUR/t on their whole output to stay. Plant 0 has decided to
    leave its route (it runs it through the year): its output sells at no need, covers the
    0.5 Mt alone and the premium is 0; nobody is paid. At its 100 EUR/t (200 per t sold of
    0.5 Mt) plant 1 (50 x 1 Mt / 0.5 Mt = 100 per t sold) would be taken at 100 EUR/t."""
    from types import SimpleNamespace

    from kruispunt.engine.context import BatchContext
    from kruispunt.policy.labels import GreenLabel
    from kruispunt.policy.registry import INSTRUMENTS
    from kruispunt.testing import TOY_YEARS, toy_inputs

    share = np.where(TOY_YEARS >= 2030, 0.25, 0.0)[None, None, :]
    inp = toy_inputs(n_plants=2, instruments={"green_label": _label(share)})
    m = GreenLabel(BatchContext(inp, tuple(INSTRUMENTS)))
    t = list(TOY_YEARS).index(2030)
    m.need_now[0, 0] = [100.0, 50.0]
    st = SimpleNamespace(
        i=t,
        route=np.array([[1, 1]]),
        production=np.array([[1.0e6, 1.0e6]]),
        pending=np.array([[0, -1]]),
    )
    revenue = m.account(st).plant["premium_revenue"]  # type: ignore[arg-type]
    assert m.premium[0, 0, t] == 0.0
    assert m.rank[0, 0].tolist() == [0.0, np.inf]
    assert revenue.tolist() == [[0.0, 0.0]]


def test_the_markets_own_supply_is_a_supplier_of_its_own() -> None:
    """Two plants offer 1 t each, needing 0 and 10 EUR/t; the market's own divisible supply 5 t
    at 50 EUR/t. 3 t required: the plants sell their 1 t each and the market's supply the last
    1 t at its 50 EUR/t, the premium (taking the second plant does not close it out)."""
    from kruispunt.engine.context import BatchContext
    from kruispunt.policy.clearing import clearing_premiums
    from kruispunt.policy.labels import GreenLabel
    from kruispunt.policy.registry import INSTRUMENTS
    from kruispunt.testing import TOY_YEARS, toy_inputs

    class Supplied(GreenLabel):
        def market_supply(self, g: int, t: int) -> tuple[np.ndarray, np.ndarray]:
            return np.array([50.0]), np.array([5.0])

    share = np.full((1, 1, len(TOY_YEARS)), 0.25)
    inp = toy_inputs(n_plants=2, instruments={"green_label": _label(share)})
    m = Supplied(BatchContext(inp, tuple(INSTRUMENTS)))
    need, vol, own, group, div, extra = m._with_market_supply(
        0, 0, np.array([[0.0, 10.0]]), np.ones((1, 2)), np.full((1, 2), np.inf), np.arange(2), None
    )
    assert extra and group.tolist() == [0, 1, 2]
    c = clearing_premiums(need, vol, 3.0, np.inf, own, group=group, divisible=div)
    assert c.sold.tolist() == [[1.0, 1.0, 1.0]]
    assert c.premium.tolist() == [50.0]


def _round(running: bool):  # type: ignore[no-untyped-def]
    """The 2027 round of a toy label asking 0.5 Mt from 2030 (cap 500 EUR/t), for one plant of
    1 Mt/yr running the electric route: option values gas 800, electric 790, closure 0
    MEUR/yr, the electric one's including 3 MEUR/yr the plant expects to keep in the market
    (:meth:`ClearingMarket.contract_value`). Returns the market and its offer."""
    from types import SimpleNamespace

    from kruispunt.engine.context import BatchContext
    from kruispunt.policy.labels import GreenLabel
    from kruispunt.policy.registry import INSTRUMENTS
    from kruispunt.testing import TOY_YEARS, toy_inputs

    share = np.where(TOY_YEARS >= 2030, 0.25, 0.0)[None, None, :]
    inp = toy_inputs(instruments={"green_label": _label(share)})
    m = GreenLabel(BatchContext(inp, tuple(INSTRUMENTS)))
    m._kept[0, 0] = m._kept_by[0, 0, 0] = 3.0e6
    ev = SimpleNamespace(
        t=list(TOY_YEARS).index(2027),
        value=np.array([[[800.0e6, 790.0e6, 0.0]]]),
        routes=np.array([[[0, 1, 2]]]),
        production=np.full((1, 1, 3), 1.0e6),
        current=np.array([[1]]),
        running=np.array([[running]]),
    )
    return m, m.offer(ev)  # type: ignore[arg-type]


def test_a_round_supports_staying_by_the_premium_less_what_the_plant_keeps() -> None:
    """Without the market staying on the electric route is worth 790 - 3 = 787 against gas's
    800: a gap of 13 MEUR/yr (plus the 1 EUR/yr tie-breaker), 26 EUR/t over the 0.5 Mt it
    sells, the premium. Staying is offered 26 x 0.5 Mt = 13 MEUR/yr less the 3 it already
    counts: 10 MEUR/yr, which lifts it to 800."""
    m, offer = _round(running=True)
    t = 2
    assert m.expected[0, 0, t] == pytest.approx(26.0, rel=1e-6)
    assert offer is not None and bool(offer.eligible[0, 0, 1])
    assert offer.support[0, 0, 1] == pytest.approx(10.0e6, rel=1e-6)
    assert m.offered[0, 0, 0] == pytest.approx(13.0e6, rel=1e-6)


def test_a_plant_that_may_not_decide_offers_nothing_to_the_round() -> None:
    """The same plant, not deciding this year (``running`` False): it is no supplier of the
    round, the 0.5 Mt are short and the expected premium is the cap, 500 EUR/t; nothing is
    offered."""
    m, offer = _round(running=False)
    assert m.expected[0, 0, 2] == 500.0
    assert offer is None


def test_an_option_whose_need_is_above_its_own_cap_is_offered_nothing() -> None:
    """A toy gas plant of 1 Mt/yr (gas 800 MEUR/yr) in a market asking 1 Mt from 2030 (the
    2027 round): its electric option (700) needs 100 EUR/t, within its own cap of 150 (the
    most a supplier on it is paid, as procurement caps it); capture (720) needs 80 EUR/t,
    above its own cap of 50. The electric option is taken at 100 EUR/t and offered 100 x
    1 Mt = 100 MEUR/yr; capture is offered nothing and is not eligible (at 50 EUR/t it would
    have been offered 50 MEUR/yr, less than its 80 MEUR/yr gap)."""
    from types import SimpleNamespace

    from kruispunt.engine.context import BatchContext
    from kruispunt.policy.labels import GreenLabel
    from kruispunt.policy.registry import INSTRUMENTS
    from kruispunt.testing import TOY_YEARS, toy_inputs

    class Capped(GreenLabel):
        def own_cap(self, g: int, t: int) -> np.ndarray:
            return np.array([[np.inf, 150.0, np.inf, 50.0]])

    label = _label(np.where(TOY_YEARS >= 2030, 0.5, 0.0)[None, None, :])
    label["qualify"] = np.array([[[0.0, 1.0, 0.0, 1.0]]])
    inp = toy_inputs(ccs=True, instruments={"green_label": label})
    m = Capped(BatchContext(inp, tuple(INSTRUMENTS)))
    ev = SimpleNamespace(
        t=list(TOY_YEARS).index(2027),
        value=np.array([[[800.0e6, 700.0e6, 0.0, 720.0e6]]]),
        routes=np.array([[[0, 1, 2, 3]]]),
        production=np.full((1, 1, 4), 1.0e6),
        current=np.array([[0]]),
        running=np.array([[True]]),
    )
    offer = m.offer(ev)  # type: ignore[arg-type]
    assert m.expected[0, 0, 2] == pytest.approx(100.0, rel=1e-6)
    assert offer is not None
    assert offer.eligible[0, 0].tolist() == [False, True, False, False]
    assert offer.support[0, 0, 1] == pytest.approx(100.0e6, rel=1e-6)
    assert offer.support[0, 0, 3] == 0.0
