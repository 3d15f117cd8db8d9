"""Tests for kruispunt.policy.ets: free allocation as Directive 2003/87/EC writes it.

Worked examples W1-W4 and W12 are in the project's research notes
(``research/law/worked_examples.md``); each test cites the article and the source of its
figures.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests.policy.conftest import one_plant_unit_cost

from kruispunt.assemble import build_inputs
from kruispunt.catalogue.load import load_catalogue
from kruispunt.engine.accounting import YearRecord
from kruispunt.engine.context import BatchContext
from kruispunt.inputs import ModelInputs
from kruispunt.policy.ets import (
    EuEts,
    activity_level_ratio,
    allocation_shares,
    cap_share,
    ets_cost,
    free_allocation,
    updated_benchmark,
)
from kruispunt.scenarios import resolve
from kruispunt.testing import TOY_YEARS, toy_inputs

FAST = settings(max_examples=50, deadline=None)
Y = len(TOY_YEARS)


def test_free_allocation_hand_computed() -> None:
    # CBAM good in 2026: 1.0e6 * 0.9 * 0.975 = 877 500
    assert float(free_allocation(1.0e6, 0.9, 0.975, True)) == pytest.approx(877_500.0)
    # not a CBAM good, default factor 1: 1.0e6 * 0.9 * 1 = 900 000
    assert float(free_allocation(1.0e6, 0.9, 0.975, False)) == pytest.approx(900_000.0)


def test_free_allocation_applies_the_cross_sectoral_correction() -> None:
    # Art. 10a(5): 1.0e6 * 1 * 0.975 (CBAM 2026) * 0.9 (CSCF) = 877 500; with 20 % withheld
    # for the audit condition, 877 500 * 0.8 = 702 000
    assert float(free_allocation(1.0e6, 1.0, 0.975, True, cscf=0.9)) == pytest.approx(877_500.0)
    out = free_allocation(1.0e6, 1.0, 0.975, True, cscf=0.9, conditionality=0.2)
    assert float(out) == pytest.approx(702_000.0)
    # the not-at-risk factor and the CSCF multiply: 2.0e6 * 0.3 * 0.5 = 300 000
    out = free_allocation(2.0e6, 1.0, 0.975, False, non_cl_factor=0.3, cscf=0.5)
    assert float(out) == pytest.approx(300_000.0)


def test_not_at_risk_share_never_exceeds_the_at_risk_share() -> None:
    """Art. 10b(4): the non-CL share (here 0.3) holds until the at-risk share, falling with
    the cap after 2030 (4.4 %/yr of the 2030 cap, zero in 2039: 1 - k/9 in 2030 + k), is
    below it: 2036 gives 3/9 > 0.3, so 0.3; 2037 gives 2/9, 2038 1/9 and 2039 0."""
    years = np.arange(2025, 2041)
    Y = years.size
    params = {
        "cap_reference_year": np.array([2030.0]),
        "lrf": np.full((1, Y), 0.044),
        "cap_zero_year": np.array([2039.0]),
        "cl_end_year": np.array([2040.0]),
        "follows_cap": np.array([1.0]),
        "non_cl_share": np.full((1, Y), 0.3),
    }
    share_cl, share_non = allocation_shares(params, years)
    at = {int(y): i for i, y in enumerate(years)}
    assert share_cl[0, at[2030]] == 1.0 and share_non[0, at[2030]] == pytest.approx(0.3)
    assert share_cl[0, at[2036]] == pytest.approx(3 / 9)
    assert share_non[0, at[2036]] == pytest.approx(0.3)
    for year, left in ((2037, 2 / 9), (2038, 1 / 9), (2039, 0.0)):
        assert share_cl[0, at[year]] == pytest.approx(left)
        assert share_non[0, at[year]] == pytest.approx(left)
    assert np.all(share_non <= share_cl)


def test_free_allocation_picks_factor_per_plant() -> None:
    # [CBAM: 1e6 * 1 * 0.5, non-CBAM without leakage status: 2e6 * 1 * 0.3] = [5e5, 6e5]
    out = free_allocation([1.0e6, 2.0e6], 1.0, 0.5, [True, False], non_cl_factor=0.3)
    np.testing.assert_allclose(out, [5.0e5, 6.0e5])
    # CBAM factor per scenario (scenario, 1) against plants (plant,)
    out = free_allocation([1.0e6, 2.0e6], 1.0, [[1.0], [0.0]], [True, False])
    np.testing.assert_allclose(out, [[1.0e6, 2.0e6], [0.0, 2.0e6]])


# --- W1: the benchmark update rule --------------------------------------------------------


def _round3(value: object) -> float:
    """Rounded to three decimals, half up, as the benchmark annexes print them."""
    exact = Decimal(f"{float(value):.9f}")  # type: ignore[arg-type]
    return float(exact.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


W1 = [
    # product, 2013-20 value, 2021-25 published, 2026-30 published, 2021-25 rate, 2026-30 rate
    ("hot_metal", 1.328, 1.288, 1.248, 0.002, 0.003),
    ("coke", 0.286, 0.217, 0.143, 0.05, 0.05),
    ("eaf_carbon_steel", 0.283, 0.215, 0.142, 0.05, 0.05),
    ("eaf_high_alloy_steel", 0.352, 0.268, 0.176, 0.05, 0.05),
    ("sintered_ore_2026", 0.171, None, 0.086, None, 0.05),
    ("ammonia_2021", 1.619, 1.570, None, 0.0, None),
]


@pytest.mark.parametrize(("product", "start", "v21", "v26", "r21", "r26"), W1)
def test_w1_benchmark_update_rule_reproduces_published_values(
    product: str,
    start: float,
    v21: float | None,
    v26: float | None,
    r21: float | None,
    r26: float | None,
) -> None:
    """Worked example W1 (law example): Directive 2003/87/EC Art. 10a(2)(a)-(e) and last
    subparagraph: 2021-25 = BM2013 x (1 - r x 15), r in [0.2 %, 1.6 %] (hot metal 0.2 %);
    2026-30 = BM2013 x (1 - r x 20), r in [0.3 %, 2.5 %]. Published values: Impl. Reg. (EU)
    2021/447 and 2026/1412 as quoted by Eurometal (May 2026) and a code repository quoting the
    OJ; 2013-20 values (Decision 2011/278/EU) as listed in public code. Rates above the cap
    (0.05) land on the cap, below the floor (0.0) on the floor."""
    if v21 is not None:
        assert _round3(updated_benchmark(start, r21, 15, 0.002, 0.016)) == v21
    if v26 is not None:
        assert _round3(updated_benchmark(start, r26, 20, 0.003, 0.025)) == v26


def test_w1_package_benchmarks_lie_within_the_update_rule() -> None:
    """Every 2021-25 and 2026-30 benchmark of the data package with a 2013-20 starting value
    lies within what Art. 10a(2) allows (rates at the floor and cap, values rounded to three
    decimals), as W1 asks of the table."""
    bm = load_catalogue(None).ets_benchmarks
    value = {(str(r.benchmark_id), int(r.period)): float(r.value) for r in bm.itertuples()}
    bounds = {2021: (15, 0.002, 0.016), 2026: (20, 0.003, 0.025)}
    checked = 0
    for (product, period), v in value.items():
        start = value.get((product, 2013))
        if period not in bounds or start is None:
            continue
        n, lo, hi = bounds[period]
        low = float(updated_benchmark(start, hi, n, lo, hi))
        high = float(updated_benchmark(start, lo, n, lo, hi))
        assert low - 5e-4 <= v <= high + 5e-4, (product, period, v, low, high)
        checked += 1
    assert checked >= 10


# --- W2: free allocation with the CBAM factor, the audit conditionality, non-CL ------------


def test_w2_hot_metal_allocation_with_the_cbam_factor(package_inputs: ModelInputs) -> None:
    """Worked example W2 (law example): Art. 10a(1a) CBAM factor, Art. 10a(2) benchmark
    (hot metal 2026-30: 1.248, Impl. Reg. (EU) 2026/1412), CSCF 1; HAL 1,000,000 t hot metal.
    CBAM factors from the data package (Art. 10a(1a), read verbatim)."""
    hand = {2026: 1_216_800, 2027: 1_185_600, 2028: 1_123_200, 2029: 967_200, 2030: 642_720}
    hand[2034] = 0
    inp = package_inputs
    factor = inp.instruments["ets"]["cbam_factor"][0]
    years = list(inp.coords.years)
    for year, expected in hand.items():
        out = free_allocation(1.248 * 1.0e6, 1.0, factor[years.index(year)], True)
        assert float(out) == pytest.approx(expected, abs=1e-6)
    # the 20 % energy-audit conditionality of Art. 10a(1): 2026 x 0.8 = 973 440
    audit = free_allocation(1.248e6, 1.0, 0.975, True, conditionality=0.2)
    assert float(audit) == pytest.approx(973_440.0)


def test_w2_non_cl_factor_path_of_the_package(package_inputs: ModelInputs) -> None:
    """Worked example W2, last line: Art. 10b(4), 30 % in 2026 falling by equal amounts to 0
    in 2030 (0.30, 0.225, 0.15, 0.075, 0), and 30 % in 2021-2025."""
    inp = package_inputs
    share = inp.instruments["ets"]["non_cl_share"][0]
    years = list(inp.coords.years)
    got = [share[years.index(y)] for y in range(2025, 2032)]
    np.testing.assert_allclose(got, [0.30, 0.30, 0.225, 0.15, 0.075, 0.0, 0.0])


# --- W3: the 15 % activity-level rule ------------------------------------------------------


def test_w3_activity_level_rule() -> None:
    """Worked example W3: Art. 10a(20) and Impl. Reg. (EU) 2019/1842 Art. 2(1): HAL 1.00 Mt;
    years t-2, t-1 = 0.88 and 0.90 Mt -> average 0.89 (-11 %) -> no adjustment; 0.80 and
    0.80 Mt (-20 %) -> adjusted. The size of the adjustment (2019/1842 Art. 5) was not read: the
    test asserts the trigger, and the stated default (the same percentage)."""
    out = activity_level_ratio([(0.88 + 0.90) / 2, (0.80 + 0.80) / 2], 1.0)
    np.testing.assert_allclose(out, [1.0, 0.8])
    # exactly at the threshold: no adjustment ('more than 15 %'); above, in both directions
    np.testing.assert_allclose(activity_level_ratio([0.85, 1.16, 1.15], 1.0), [1.0, 1.16, 1.0])
    # a 5 % rounding step as a parameter: -21 % -> -20 %
    assert float(activity_level_ratio(0.79, 1.0, step=0.05)) == pytest.approx(0.8)


# --- W4: route changes move allocation ------------------------------------------------------


def test_w4_route_benchmarks_of_the_package(package_inputs: ModelInputs) -> None:
    """Worked example W4 (law example, secondary inputs): Delegated Reg. (EU) 2024/873 puts DRI
    under the hot-metal benchmark from 2026: 1.0 Mt DRI x 1.248 x 0.975 = 1,216,800 (same as
    hot metal); coke and sinter sub-installations are lost on a switch; scrap-EAF 1.0 Mt x
    0.142 x 0.975 = 138,450. Route amounts: MIDDEN TC0023/24/37 (t per t crude steel)."""
    inp = package_inputs
    bm = inp.instruments["ets"]["route_benchmark"][0]
    routes = list(inp.coords.routes)
    t26 = list(inp.coords.years).index(2026)
    # scrap EAF: only the EAF benchmark
    scrap = bm[routes.index("scrap_eaf"), t26]
    assert scrap == pytest.approx(0.142)
    assert float(free_allocation(scrap * 1.0e6, 1.0, 0.975, True)) == pytest.approx(138_450.0)
    # DRI-EAF: 0.98 t DRI per t of its own steel at the hot-metal benchmark, on the 73.0479 %
    # not melted from scrap (Tata's 30 % scrap charge), + the EAF; no coke or sinter
    assert bm[routes.index("h2_dri_eaf"), t26] == pytest.approx(
        0.98 * (1 - 0.269521) * 1.248 + 0.142, rel=1e-5
    )
    dri = free_allocation(1.248 * 1.0e6, 1.0, 0.975, True)
    assert float(dri) == pytest.approx(1_216_800.0)
    # the blast furnace: hot metal, coke and sinter, per t crude steel, both periods
    t25 = list(inp.coords.years).index(2025)
    bf = routes.index("bf_bof")
    assert bm[bf, t25] == pytest.approx(0.884 * 1.288 + 0.28288 * 0.217 + 0.5304 * 0.157)
    assert bm[bf, t26] == pytest.approx(0.884 * 1.248 + 0.28288 * 0.143 + 0.5304 * 0.086)
    # an import route has no mapping (and its output is not domestic)
    assert np.isnan(bm[routes.index("ammonia_import")]).all()


# --- W12: CBAM factor paths, law and proposal -----------------------------------------------


def test_w12_cbam_factor_paths_law_and_proposal(package_inputs: ModelInputs) -> None:
    """Worked example W12: Art. 10a(1a) (0.975, 0.95, 0.90, 0.775, 0.515, 0.39, 0.265, 0.14,
    0 for 2026-2034) against Proposal COM(2026) 616 (0.975, 0.95, 0.915, 0.81, 0.59, 0.48,
    0.375, 0.27, 0.15 for 2034-2037, 0 from 2038). Payable share 1 - f in 2030: 0.485 (law)
    against 0.41 (proposal)."""
    law = [0.975, 0.95, 0.90, 0.775, 0.515, 0.39, 0.265, 0.14, 0.0, 0.0, 0.0, 0.0, 0.0]
    prop = [0.975, 0.95, 0.915, 0.81, 0.59, 0.48, 0.375, 0.27, 0.15, 0.15, 0.15, 0.15, 0.0]
    inp = package_inputs
    years = list(inp.coords.years)
    idx = [years.index(y) for y in range(2026, 2039)]
    factor = inp.instruments["ets"]["cbam_factor"]
    np.testing.assert_allclose(factor[0, idx], law)
    np.testing.assert_allclose(factor[1, idx], prop)
    np.testing.assert_allclose(factor[2:, idx], [law, law])
    t30 = years.index(2030)
    assert 1 - factor[0, t30] == pytest.approx(0.485)
    assert 1 - factor[1, t30] == pytest.approx(0.41)
    assert factor[:, years.index(2025)].tolist() == [1.0] * 4


def test_cap_share_after_2030() -> None:
    """Assumption ``assumption_ets_post_2030``: allocation falls with the cap. Directive
    2003/87/EC Art. 9: LRF 4.4 % from 2028, cap zero in 2039 (NEa) -> the 2035 cap is
    (2039 - 2035) / (2039 - 2030) = 4/9 of 2030's. Proposal COM(2026) 616: 3.7 % 2031-35 ->
    2035 keeps 1 - 5 x 0.037 / (0.044 x 9) = 0.5328."""
    years = np.arange(2030, 2041)
    law = cap_share(years, np.full(11, 0.044), 2030, 2039)
    np.testing.assert_allclose(law[[0, 5, 9, 10]], [1.0, 4 / 9, 0.0, 0.0])
    lrf = np.where(years > 2035, 0.017, np.where(years > 2030, 0.037, 0.044))
    assert cap_share(years, lrf, 2030, 2039)[5] == pytest.approx(1 - 0.185 / 0.396)


def test_rules_after_2030_of_the_package(package_inputs: ModelInputs) -> None:
    """Directive 2003/87/EC Art. 10b(1) gives allocation to sectors at risk of carbon leakage
    'until 2030'; Art. 9 and the NEa put the cap at zero in 2039. The scenario lever
    ``ets_after_2030``: falls with the cap (default, assumption_ets_post_2030: 2035 = 4/9 of
    2030, 0 from 2039), ends (0 from 2031) or held (1). Proposal COM(2026) 616: allocation
    until 2040 with the cap falling by 3.7 %, then 1.7 % of the reference cap a year (2035:
    0.5328; 2040: 1 - (5 x 0.037 + 5 x 0.017) / (0.044 x 9) = 0.3182; after 2040 still with
    the cap). Sectors not at risk: 0 from 2030 in every case."""
    inp = package_inputs
    years = np.asarray(inp.coords.years)
    share_cl, share_non = allocation_shares(inp.instruments["ets"], years)
    at = {y: list(years).index(y) for y in (2030, 2031, 2035, 2039, 2040, 2041)}
    law, prop, ends, held = share_cl
    assert law[at[2030]] == 1.0 and law[at[2035]] == pytest.approx(4 / 9)
    assert law[at[2039]] == 0.0
    assert prop[at[2035]] == pytest.approx(1 - 0.185 / 0.396)
    assert prop[at[2040]] == pytest.approx(1 - 0.27 / 0.396)
    assert 0 < prop[at[2041]] < prop[at[2040]]
    assert ends[at[2030]] == 1.0 and ends[at[2031]] == 0.0
    assert (held == 1.0).all()
    assert (share_non[:, at[2030] :] == 0.0).all()


# --- the instrument: state across years, route changes, imports ------------------------------


def _toy_ets(**params: npt.NDArray[np.float64]) -> tuple[EuEts, BatchContext]:
    """The toy model (one plant of 1 Mt/yr on 'gas', 'elec', closure) with EU ETS parameters;
    base-year allocation 1.5 t/t."""
    inp = toy_inputs(
        base_free_allocation=1.5e6, instruments={"ets": {k: v for k, v in params.items()}}
    )
    ctx = BatchContext(inp, (EuEts,))
    return EuEts(ctx), ctx


def _year(
    ctx: BatchContext, i: int, route: int, production: float, started: bool = False
) -> YearRecord:
    domestic = bool(ctx.inputs.routes.domestic[route])
    return YearRecord(
        i=i,
        year=int(TOY_YEARS[i]),
        route=np.array([[route]]),
        calib=np.ones((1, 1)),
        activity=np.array([[production]]),
        production=np.array([[production if domestic else 0.0]]),
        emissions=np.zeros((1, 1)),
        use=np.zeros((1, 1, 2)),
        started=np.array([[started]]),
        stored=np.zeros((1, 1)),
    )


def _bench(gas: float, elec: float) -> dict[str, npt.NDArray[np.float64]]:
    bm = np.full((1, 3, Y), np.nan)
    bm[0, 0], bm[0, 1] = gas, elec
    base = np.array([[gas, elec, np.nan]])
    return {"route_benchmark": bm, "route_benchmark_base": base}


def test_route_change_moves_allocation_and_imports_get_none() -> None:
    """Art. 10a: allocation = sum over the route's sub-installations of benchmark x HAL; a
    route change moves it (W4: coke and sinter are lost, the new route gets its own
    benchmark); a plant that stops producing gets none (Art. 10a(19)). Toy: base-year EUTL
    allocation 1.5 t/t, of which 1.2 t/t explained by the 'gas' benchmark (residual 0.3 t/t
    on today's route); 'elec' is mapped at 0.2 t/t."""
    ets, ctx = _toy_ets(**_bench(1.2, 0.2))
    # today's route: benchmark 1.2 + the plant's residual 0.3 = 1.5 t/t x 1 Mt
    assert float(ets.allocation(_year(ctx, 0, 0, 1.0e6))[0, 0]) == pytest.approx(1.5e6)
    # the switch to 'elec' starts: 0.2 t/t x 1 Mt (the residual stays with today's route)
    assert float(ets.allocation(_year(ctx, 1, 1, 1.0e6, True))[0, 0]) == pytest.approx(0.2e6)
    # closure (output not domestic): nothing
    assert float(ets.allocation(_year(ctx, 2, 2, 0.0, True))[0, 0]) == 0.0


def test_capture_variant_keeps_the_plants_other_sub_installations(
    package_inputs: ModelInputs,
) -> None:
    """A capture retrofit keeps the installation's sub-installations, so the plant's part of
    its base-year allocation the benchmarks do not explain stays; a change of process does
    not. Toy: today's 'gas' and 'gas_ccs' share their mapping (1.2 t/t), the plant's EUTL
    allocation is 1.5 t/t -> 1.5 t/t on both; 'elec' (0.2 t/t) gets 0.2. Package: BF-BOF and
    its capture variant share a group, H2-DRI does not."""
    bm = np.full((1, 4, Y), np.nan)
    bm[0, 0], bm[0, 1], bm[0, 3] = 1.2, 0.2, 1.2
    params = {
        "route_benchmark": bm,
        "route_benchmark_base": np.array([[1.2, 0.2, np.nan, 1.2]]),
        "route_group": np.array([[0.0, np.nan, np.nan, 0.0]]),
    }
    inp = toy_inputs(n_plants=2, base_free_allocation=1.5e6, ccs=True, instruments={"ets": params})
    ctx = BatchContext(inp, (EuEts,))
    ets = EuEts(ctx)
    # the options of both plants (1, P, K) and the routes they run (S, P)
    options = ets.basis.of(np.array([[[0, 3, 1], [3, 1, 0]]]), 0)
    np.testing.assert_allclose(options, [[[1.5, 1.5, 0.2], [1.5, 0.2, 1.5]]])
    np.testing.assert_allclose(ets.basis.of(np.array([[3, 1]]), 0), [[1.5, 0.2]])
    group = package_inputs.instruments["ets"]["route_group"][0]
    routes = list(package_inputs.coords.routes)
    assert group[routes.index("bf_bof")] == group[routes.index("bf_bof_ccs")]
    assert np.isnan(group[routes.index("h2_dri_eaf")])
    assert group[routes.index("smr")] == group[routes.index("smr_ccs")]
    assert np.isnan(group[routes.index("electrolysis")])


def test_activity_rule_keeps_state_across_years() -> None:
    """Worked example W3 through the instrument (Art. 10a(20)): HAL 1 Mt; production of 0.88
    and 0.90 Mt keeps the allocation at 1.5 t/t x 1 Mt; after 0.80 and 0.80 Mt it falls by
    20 %, and it comes back once the rolling average does."""
    ets, ctx = _toy_ets(**_bench(1.2, 0.2), base_factor=np.array([[1.0]]))
    # base allocation 1.5 t/t; benchmark 1.2 -> residual 0.3 -> 1.5 t/t on today's route
    # the allocation of a year follows the production of the two years before it
    prod = [1.0e6, 0.88e6, 0.90e6, 0.80e6, 0.80e6, 1.0e6, 1.0e6]
    got = [float(ets.allocation(_year(ctx, i, 0, q))[0, 0]) for i, q in enumerate(prod)]
    hal = 1.5e6
    # year 3: mean(0.90, 0.88) = 0.89 (-11 %) -> none; year 4: mean(0.80, 0.90) = 0.85, exactly
    # -15 % -> none; year 5: mean(0.80, 0.80) = 0.80 -> x 0.8; year 6: mean(1.0, 0.8) -> back
    np.testing.assert_allclose(got, [hal, hal, hal, hal, hal, 0.8 * hal, hal])


def test_allocation_after_2030_falls_with_the_cap() -> None:
    """``assumption_ets_post_2030`` with Art. 10b(1) (allocation until 2030) and Art. 9 (cap
    zero in 2039): 2035 gets 4/9 of the allocation, 2039 nothing; with the rule off
    (follows_cap 0) nothing after 2030. Plants not at risk of carbon leakage: Art. 10b(4)."""
    years = TOY_YEARS
    common = {
        "cl_end_year": np.array([2030.0]),
        "cap_reference_year": np.array([2030.0]),
        "cap_zero_year": np.array([2039.0]),
        "lrf": np.full((1, Y), 0.044),
    }
    ets, ctx = _toy_ets(**common)
    t = {y: list(years).index(y) for y in (2030, 2035, 2039)}
    alloc = {y: float(ets.allocation(_year(ctx, i, 0, 1.0e6))[0, 0]) for y, i in t.items()}
    assert alloc[2030] == pytest.approx(1.5e6)
    assert alloc[2035] == pytest.approx(1.5e6 * 4 / 9)
    assert alloc[2039] == 0.0
    ets, ctx = _toy_ets(**common, follows_cap=np.array([0.0]))
    assert float(ets.allocation(_year(ctx, t[2035], 0, 1.0e6))[0, 0]) == 0.0
    # not at risk: the non-CL share (0.3 in the base year already in the EUTL figure)
    non_cl = np.full((1, Y), 0.3)
    ets, ctx = _toy_ets(
        carbon_leakage=np.array([[0.0]]), non_cl_share=non_cl, base_factor=np.array([[0.3]])
    )
    assert float(ets.allocation(_year(ctx, 0, 0, 1.0e6))[0, 0]) == pytest.approx(1.5e6)


def test_valuation_counts_the_allocation_the_rule_gives() -> None:
    """The valuation's expected allocation per unit is the accounting's at the HAL: staying on
    'gas' (1.5 t/t) against switching to 'elec' (0.2 t/t), EUA 100 EUR/t, myopic."""
    inp = toy_inputs(eua=100.0, base_free_allocation=1.5e6, instruments={"ets": _bench(1.2, 0.2)})
    ctx = BatchContext(inp, (EuEts,))
    ets = EuEts(ctx)
    cost = one_plant_unit_cost(ets, 0, [0, 1])
    # gas: 1 t/t x 100 - 1.5 x 100 = -50; elec: 0 - 0.2 x 100 = -20 [EUR/t]
    np.testing.assert_allclose(cost, [[[-50.0, -20.0]]])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"benchmark_allocation_t": -1.0},
        {"activity_ratio": -0.1},
        {"cbam_factor": 1.1},
        {"cbam_factor": np.nan},
        {"non_cl_factor": -0.2},
        {"cscf": 1.5},
        {"conditionality": -0.1},
    ],
)
def test_free_allocation_rejects_invalid_input(kwargs: dict[str, float]) -> None:
    args: dict[str, object] = {
        "benchmark_allocation_t": 1.0e6,
        "activity_ratio": 1.0,
        "cbam_factor": 0.5,
        "is_cbam_good": True,
        "non_cl_factor": 1.0,
    }
    args.update(kwargs)
    with pytest.raises(ValueError):
        free_allocation(**args)  # type: ignore[arg-type]


def test_ets_cost_hand_computed() -> None:
    # (1.2e6 - 1.0e6) * 80 = 1.6e7
    assert float(ets_cost(1.2e6, 1.0e6, 80.0)) == pytest.approx(1.6e7)
    # (5.9e6 - 4.0e6) * 73.37 = 1.39403e8
    assert float(ets_cost(5.9e6, 4.0e6, 73.37)) == pytest.approx(1.39403e8)


def test_ets_cost_surplus_revenue_only_when_sold() -> None:
    # surplus of 2e5: (1.0e6 - 1.2e6) * 80 = -1.6e7 when sold, 0 when not
    assert float(ets_cost(1.0e6, 1.2e6, 80.0)) == pytest.approx(-1.6e7)
    assert float(ets_cost(1.0e6, 1.2e6, 80.0, sell_surplus=False)) == 0.0
    # a shortfall is unaffected by the flag
    assert float(ets_cost(1.2e6, 1.0e6, 80.0, sell_surplus=False)) == pytest.approx(1.6e7)


def test_ets_cost_zero_and_invalid() -> None:
    assert float(ets_cost(0.0, 0.0, 80.0)) == 0.0
    assert float(ets_cost(1.0e6, 0.0, 0.0)) == 0.0
    for bad in [(-1.0, 0.0, 80.0), (1.0, -1.0, 80.0), (1.0, 0.0, -80.0), (np.nan, 0.0, 80.0)]:
        with pytest.raises(ValueError):
            ets_cost(*bad)


@FAST
@given(
    emissions=st.floats(0.0, 1e7),
    allocation_share=st.floats(0.0, 1.0, exclude_max=True),
    price=st.floats(0.0, 500.0),
    step=st.floats(0.0, 200.0),
    sell=st.booleans(),
)
def test_ets_cost_monotone_in_price_when_short(
    emissions: float, allocation_share: float, price: float, step: float, sell: bool
) -> None:
    allocation = emissions * allocation_share  # free allocation < emissions (or both zero)
    low = float(ets_cost(emissions, allocation, price, sell_surplus=sell))
    high = float(ets_cost(emissions, allocation, price + step, sell_surplus=sell))
    assert high >= low >= 0.0


@FAST
@given(
    emissions=st.floats(0.0, 1e7),
    allocation=st.floats(0.0, 1e7),
    price=st.floats(0.0, 500.0),
)
def test_ets_cost_flag_only_changes_surplus(
    emissions: float, allocation: float, price: float
) -> None:
    sold = float(ets_cost(emissions, allocation, price))
    kept = float(ets_cost(emissions, allocation, price, sell_surplus=False))
    assert kept >= 0.0
    assert kept == pytest.approx(max(sold, 0.0))


@FAST
@given(
    benchmark=st.floats(0.0, 1e7),
    ratio=st.floats(0.0, 2.0),
    cbam=st.floats(0.0, 1.0),
    non_cl=st.floats(0.0, 1.0),
    is_cbam=st.booleans(),
)
def test_free_allocation_bounded_by_unreduced_allocation(
    benchmark: float, ratio: float, cbam: float, non_cl: float, is_cbam: bool
) -> None:
    out = float(free_allocation(benchmark, ratio, cbam, is_cbam, non_cl_factor=non_cl))
    assert 0.0 <= out <= benchmark * ratio * (1 + 1e-12)
    assert out == pytest.approx(benchmark * ratio * (cbam if is_cbam else non_cl))


@FAST
@given(avg=st.floats(0.0, 3.0), step=st.sampled_from([0.0, 0.05, 0.15]))
@example(avg=0.85, step=0.0)  # |0.85 - 1| is 0.15000000000000002 in floating point
def test_activity_ratio_is_one_within_the_threshold(avg: float, step: float) -> None:
    """Within the threshold (a change of exactly 15 % included, up to rounding of the
    relative change) the ratio is 1; beyond it the ratio follows the activity."""
    ratio = float(activity_level_ratio(avg, 1.0, 0.15, step))
    if abs(avg - 1.0) <= 0.15 + 1e-12:
        assert ratio == 1.0
    else:
        assert ratio == pytest.approx(avg, abs=step / 2 + 1e-9)


def test_bad_benchmark_data_are_refused_with_file_row_and_field() -> None:
    """A route mapped to a benchmark the table lacks, or a sector without carbon-leakage
    status, is refused with the file, row and field, never run as 0."""
    from dataclasses import replace as dc_replace

    from kruispunt.errors import KruispuntError

    cat = load_catalogue(None)
    scenarios = [*resolve(["current-policy"], cat.path)]
    ra = cat.route_allocation.copy()
    ra.loc[ra.index[0], "benchmark_id"] = "no_such_benchmark"
    broken = dc_replace(cat, tables={**cat.tables, "route_allocation": ra})
    with pytest.raises(KruispuntError, match=r"route_allocation.csv row 2 \[benchmark_id\]"):
        build_inputs(broken, scenarios)
    policy = cat.policy[cat.policy["parameter"].astype(str) != "carbon_leakage_food"]
    broken = dc_replace(cat, tables={**cat.tables, "policy": policy})
    with pytest.raises(KruispuntError, match=r"eu_ets\.carbon_leakage_food"):
        build_inputs(broken, scenarios)


# --- carbon-leakage status per activity (Delegated Decision (EU) 2019/708) ------------------


def _status(inp: ModelInputs) -> dict[str, float]:
    cl = np.asarray(inp.instruments["ets"]["carbon_leakage"])[0]
    return dict(zip(inp.coords.plants, cl.tolist(), strict=True))


def test_carbon_leakage_status_follows_the_activity(package_inputs: ModelInputs) -> None:
    """The list names activities: the asphalt plants (NACE 23.99) are at risk in 'other
    manufacturing', which is not; the breweries (NACE 11.05) are not in 'food', which is;
    a potato processor (NACE 10.31) keeps its sector's status, as does DSM Delft (21.10)."""
    status = _status(package_inputs)
    asphalt = [p for p in status if p.startswith(("asfalt", "kws_asfalt", "strabag_asfalt"))]
    assert len(asphalt) >= 20
    assert all(status[p] == 1.0 for p in asphalt)
    for brewery in ("heineken_zoeterwoude", "bavaria_lieshout", "grolsch_enschede"):
        assert status[f"{brewery}/process_heat_low"] == 0.0
    assert status["huhtamaki_franeker/paper"] == 0.0  # moulded fibre, NACE 17.29
    assert status["dsm_delft/process_heat_low"] == 0.0
    potato = [p for p in status if p.startswith("aviko_steenderen")]
    assert potato and all(status[p] == 1.0 for p in potato)


def test_an_activity_row_overrides_its_sector_and_any_activity_at_risk_counts() -> None:
    """Without the NACE 23.99 row the asphalt plants take their sector's status (not at
    risk). Set to 0, the row also takes Rockwool out, although its sector (glass and mineral
    wool) is at risk: 23.99 is its only activity, and an activity's row decides before its
    sector."""
    from dataclasses import replace as dc_replace

    cat = load_catalogue(None)
    scenarios = [*resolve(["current-policy"], cat.path)]
    name = cat.policy["parameter"].astype(str)
    without = cat.policy[name != "carbon_leakage_nace_2399"]
    inp = build_inputs(dc_replace(cat, tables={**cat.tables, "policy": without}), scenarios)
    status = _status(inp)
    assert status["asfalt_productie_tiel/process_heat_medium"] == 0.0
    assert status["heineken_zoeterwoude/process_heat_low"] == 0.0
    zero = cat.policy.copy()
    zero.loc[name == "carbon_leakage_nace_2399", "value"] = 0
    inp = build_inputs(dc_replace(cat, tables={**cat.tables, "policy": zero}), scenarios)
    status = _status(inp)
    assert status["asfalt_productie_tiel/process_heat_medium"] == 0.0
    rockwool = [p for p in status if p.startswith("rockwool")]
    assert rockwool and all(status[p] == 0.0 for p in rockwool)  # its only activity: 23.99


def test_activity_rows_agree_with_the_registry() -> None:
    """Each ``carbon_leakage_nace_<class>`` row agrees with what the Dutch installations of
    that class were given in 2021 and 2022 (EUTL): free allocation of at least 0.5 of
    verified emissions for a class at risk (the full benchmark allocation), at most 0.35 for
    one not at risk (30 % of it, Art. 10b(4))."""
    cat = load_catalogue(None)
    inst = cat.installations
    inst = inst[inst["included"].astype(bool) & inst["site_id"].notna()]
    years = cat.installation_years
    rows = cat.policy[cat.policy["parameter"].astype(str).str.startswith("carbon_leakage_nace_")]
    assert len(rows) >= 10
    for parameter, value in zip(rows["parameter"], rows["value"].astype(float), strict=True):
        digits = str(parameter).rsplit("_", 1)[1]
        ids = inst.loc[inst["nace"].astype(str) == f"{digits[:2]}.{digits[2:]}", "installation_id"]
        assert len(ids), parameter
        for year in (2021, 2022):
            r = years[(years["year"] == year) & years["installation_id"].isin(ids)]
            ratio = r["free_allocation"].sum() / r["verified_emissions"].sum()
            if value == 1.0:
                assert ratio >= 0.5, (parameter, year, ratio)
            else:
                assert ratio <= 0.35, (parameter, year, ratio)


def test_a_plant_whose_route_today_has_no_base_mapping_keeps_its_own_allocation() -> None:
    """Today's 'gas' has a benchmark path (1.2 t/t) but no base-year mapping: staying, the
    plant's allocation is its own EUTL figure, 1.5 t/t, not that plus the benchmark. EUA
    100, myopic: staying costs 1 x 100 - 1.5 x 100 = -50 EUR/t (not -170)."""
    bench = _bench(1.2, 0.2)
    bench["route_benchmark_base"] = np.array([[np.nan, 0.2, np.nan]])
    inp = toy_inputs(eua=100.0, base_free_allocation=1.5e6, instruments={"ets": bench})
    ctx = BatchContext(inp, (EuEts,))
    ets = EuEts(ctx)
    assert not ets.basis.uses_benchmark(np.array([[[0]]]), 0)[0, 0, 0]
    np.testing.assert_allclose(one_plant_unit_cost(ets, 0, [0]), [[[-50.0]]])


def test_a_new_route_with_a_mapping_replaces_an_unmapped_plants_own_allocation() -> None:
    """Art. 10a: allocation follows the sub-installations a plant runs. A plant whose route
    today has no base-year mapping keeps its own EUTL figure (1.5 t/t) on that route; on a
    route mapped to a benchmark (0.2 t/t) the benchmark replaces it, as it replaces a mapped
    plant's residual: 0.2 t/t, not 1.5 + 0.2 = 1.7. EUA 100, myopic: gas 1 x 100 - 1.5 x
    100 = -50 EUR/t, elec 0 - 0.2 x 100 = -20 EUR/t (not -170); booked 0.2 Mt on 1 Mt."""
    bench = _bench(1.2, 0.2)
    bench["route_benchmark_base"] = np.array([[np.nan, 0.2, np.nan]])
    inp = toy_inputs(eua=100.0, base_free_allocation=1.5e6, instruments={"ets": bench})
    ctx = BatchContext(inp, (EuEts,))
    ets = EuEts(ctx)
    np.testing.assert_allclose(ets.basis.of(np.array([[[0, 1]]]), 0), [[[1.5, 0.2]]])
    np.testing.assert_allclose(one_plant_unit_cost(ets, 0, [0, 1]), [[[-50.0, -20.0]]])
    booked = ets.allocation(_year(ctx, 1, 1, 1.0e6, True))
    assert float(booked[0, 0]) == pytest.approx(0.2e6)


def test_heat_from_electricity_earns_the_heat_allocation_from_2026() -> None:
    """FAR Art. 2(3) as Delegated Reg. (EU) 2024/873 writes it: from the 2026-2030 period the
    heat benchmark counts measurable heat whatever its source. Toy: a heat plant (product in
    GJ) with 1.5 t/GJ of its own EUTL allocation, no benchmark mapping; 'gas' emits 1 t/GJ,
    'elec' nothing. Before the rule (2025) 'elec' earns 1.5 x 0 / 1 = 0, from 2026 the whole
    1.5; a route that buys its heat (carrier heat) stays scaled by its emissions: 0."""
    Yn = len(TOY_YEARS)
    neutral = (TOY_YEARS >= 2026).astype(float)[None]
    for bought, want_2026 in ((0.0, 1.5), (1.0, 0.0)):
        params = {
            "heat_source_neutral": neutral,
            "route_bought_heat": np.array([[0.0, bought, 0.0]]),
        }
        inp = toy_inputs(base_free_allocation=1.5e6, instruments={"ets": params})
        inp = replace(inp, products=replace(inp.products, heat=np.array([True])))
        ets = EuEts(BatchContext(inp, (EuEts,)))
        options = np.array([[[0, 1]]])
        np.testing.assert_allclose(ets.basis.of(options, 0), [[[1.5, 0.0]]])
        np.testing.assert_allclose(ets.basis.of(options, 1), [[[1.5, want_2026]]])
        np.testing.assert_allclose(ets.basis.of(options, Yn - 1), [[[1.5, want_2026]]])


# 2026-2030 heat benchmark (IR 2026/1412): half its 2013-2020 value 62.3 tCO2/TJ (VIK, 1 Jun
# 2026: the fall-back benchmarks fall by the largest cut the rule allows, -50 %), against
# 47.3 tCO2/TJ in 2021-2025 (IR 2021/447)
FALLBACK_2026 = 0.5 * 62.3 / 47.3


def test_a_heat_plants_allocation_follows_the_fallback_benchmarks_of_2026() -> None:
    """The toy heat plant's own allocation, 1.5 t/GJ in 2025 (its fall-back sub-installations
    at the 2021-25 heat benchmark), is 1.5 x 31.15 / 47.3 = 0.9879 t/GJ from 2026 on every
    route that produces its heat; a plant of a product that is not heat keeps 1.5 t/t on
    every route (product benchmarks do not depend on the route). The
    market's average allocation per unit, which the product's price passes through, falls
    alike (the benchmarks are EU-wide)."""
    from kruispunt.policy.market import ProductMarket

    Yn = len(TOY_YEARS)
    update = np.where(TOY_YEARS >= 2026, FALLBACK_2026, 1.0)[None]
    params = {"heat_source_neutral": (TOY_YEARS >= 2026).astype(float)[None]}
    for heat, want in ((True, 1.5 * FALLBACK_2026), (False, 1.5)):
        inp = toy_inputs(
            base_free_allocation=1.5e6,
            instruments={"ets": {**params, "fallback_update": update}},
        )
        inp = replace(inp, products=replace(inp.products, heat=np.array([heat])))
        ctx = BatchContext(inp, (EuEts, ProductMarket))
        ets = EuEts(ctx)
        options = np.array([[[0, 1]]])
        first = 0.0 if heat else 1.5  # heat from electricity earns nothing before 2026
        np.testing.assert_allclose(ets.basis.of(options, 0), [[[1.5, first]]])
        np.testing.assert_allclose(ets.basis.of(options, 1), [[[want, want]]])
        np.testing.assert_allclose(ets.basis.of(options, Yn - 1), [[[want, want]]])
        per_unit = ProductMarket(ctx).allocation_per_unit()[0, 0]
        assert per_unit[0] == pytest.approx(1.5)
        assert per_unit[1] == pytest.approx(want)
    assert FALLBACK_2026 == pytest.approx(0.6586, abs=5e-5)


def test_the_staying_basis_is_the_basis_of_every_year(package_inputs: ModelInputs) -> None:
    """``AllocationBasis.staying`` works the basis out once per run of years whose inputs
    are the same; on the data package it equals :meth:`AllocationBasis.of` of today's
    routes in every year, bit for bit (the benchmarks change with the allocation periods,
    the heat rule and the heat benchmarks' update in 2026)."""
    ctx = BatchContext(package_inputs, (EuEts,))
    basis = EuEts(ctx).basis
    inc = package_inputs.plants.incumbent
    route = np.broadcast_to(inc[None, :], (package_inputs.n_scenarios, inc.size))
    years = range(len(package_inputs.coords.years))
    each = np.stack([basis.of(route, t) for t in years], axis=-1)
    np.testing.assert_array_equal(basis.staying(), each)
    assert not np.array_equal(each[..., 0], each[..., -1])  # the basis does move


def test_the_package_cuts_heat_allocation_by_the_2026_benchmarks(
    package_inputs: ModelInputs,
) -> None:
    """The data package's factor: 1 to 2025, 0.6586 from 2026 to 2050."""
    years = list(package_inputs.coords.years)
    update = package_inputs.instruments["ets"]["fallback_update"][0]
    assert update[years.index(2025)] == 1.0
    np.testing.assert_allclose(update[years.index(2026) :], 0.6586)


def test_the_levy_counts_heat_from_electricity_in_2025_and_a_valuation_looks_a_year_ahead() -> None:
    """Regeling CO2-heffing industrie art. 25: the rights count heat from electricity in every
    year of the levy (a term of its own to 2024, inside the heat benchmark from 2025), while
    the EU ETS counts it from 2026. Toy heat plant on 'elec' in 2025 (1.5 t/GJ of its own
    allocation): the ETS basis 0, the levy's 1.5. A switch decided in 2025 runs from 2026, so
    the ETS values 'elec' in 2025 at the 2026 rule: its unit cost is -1.5 x EUA (100)."""
    from kruispunt.policy.co2_levy import Co2Heffing

    ets_neutral = (TOY_YEARS >= 2026).astype(float)[None]
    inp = toy_inputs(
        eua=100.0,
        base_free_allocation=1.5e6,
        instruments={
            "ets": {"heat_source_neutral": ets_neutral},
            "co2_levy": {
                "tariff": np.full((1, len(TOY_YEARS)), 200.0),
                "heat_source_neutral": np.ones((1, len(TOY_YEARS))),
            },
        },
    )
    inp = replace(inp, products=replace(inp.products, heat=np.array([True])))
    ctx = BatchContext(inp, (EuEts, Co2Heffing))
    ets, levy = EuEts(ctx), Co2Heffing(ctx)
    assert levy.basis is ets.basis  # one basis, two rules
    elec = np.array([[1]])
    assert float(ets.basis.of(elec, 0)[0, 0]) == 0.0
    assert float(ets.basis.of(elec, 0, heat=levy.heat[:, 0])[0, 0]) == pytest.approx(1.5)
    assert float(ets.basis.of(elec, 0)[0, 0]) == 0.0  # the memo keeps the two apart
    np.testing.assert_allclose(one_plant_unit_cost(ets, 0, [0, 1]), [[[100.0 - 150.0, -150.0]]])


def test_the_package_counts_heat_whatever_its_source_from_2026(
    package_inputs: ModelInputs,
) -> None:
    """The data package's rule year (2026) and the one heat route that buys its heat."""
    ets = package_inputs.instruments["ets"]
    years = list(package_inputs.coords.years)
    neutral = ets["heat_source_neutral"][0]
    assert neutral[years.index(2025)] == 0.0
    assert neutral[years.index(2026)] == 1.0
    assert neutral[-1] == 1.0
    routes = list(package_inputs.coords.routes)
    bought = {routes[r] for r in np.flatnonzero(ets["route_bought_heat"][0] > 0.5)}
    assert bought == {"bought_heat_low"}
    levy = package_inputs.instruments["co2_levy"]["heat_source_neutral"][0]
    assert (levy == 1.0).all()  # the levy counts it in every year, 2025 included


def test_a_plant_not_at_risk_values_its_allocation_at_its_own_share() -> None:
    """Art. 10b(4): a plant not at risk of carbon leakage gets the falling not-at-risk share
    (here 0.3 to 2026, then down to 0 in 2030) of its benchmark allocation, a plant at
    risk the full share; for a product outside CBAM the valuation's factors are those
    shares (times the correction, 1 in the toy): 0.3 and 1 in 2026, 0 and 1 in 2030."""
    non_cl = np.interp(TOY_YEARS, [2026, 2030], [0.3, 0.0])[None]
    ets, _ = _toy_ets(**_bench(1.2, 0.2), non_cl_share=non_cl)
    share_cl, share_non = allocation_shares(ets.p, TOY_YEARS)
    at = {y: list(TOY_YEARS).index(y) for y in (2026, 2030)}
    assert share_non[0, at[2026]] == pytest.approx(0.3) and share_non[0, at[2030]] == 0.0
    assert (share_cl[0, [at[2026], at[2030]]] == 1.0).all()
    np.testing.assert_allclose(ets.factor_non[0, 0], share_non[0])
    np.testing.assert_allclose(ets.factor_cl[0, 0], share_cl[0])
