"""The year step's fast paths of the third speed pass give what the code they replace gave,
bit for bit (issue #12: a faster engine, results identical).

Each test writes the replaced code out and compares on random inputs: the plants with an
eligible option found from the true options, the rounds keeping each plant's best option
between rounds, the first-fit allocation without its argument checks, the biomass supply
prices worked out on the options that burn biomass, the clearing of a market on its
qualifying suppliers only, a CCfD's indexed strike on the indexed contracts only, and the
evaluation's gap and need per tonne in place.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from kruispunt.engine.context import BatchContext, ScenarioMix
from kruispunt.engine.infrastructure import STEP_TOLERANCE, Infrastructure
from kruispunt.engine.rounds import best_supported, evaluate, plants_with_any, run_rounds
from kruispunt.engine.valuation import STAY_BONUS, option_of, pick
from kruispunt.policy.base import Offer, SupportScheme, expected_at
from kruispunt.policy.ccfd import ccfd_indexed_strike
from kruispunt.policy.clearing import clearing_premiums, market_sales_rows
from kruispunt.policy.grants import allocate_budget, allocate_first_fit, first_fit
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.testing import toy_inputs

SEEDS = range(12)


def _one_mix(emitted: Any) -> ScenarioMix:
    """A :class:`ScenarioMix` where every scenario runs the reference's mix, with the route
    emissions ``emitted`` ``(R, Ye)``."""
    R, Ye = emitted.shape
    none = np.zeros((1, 0, 1, Ye))
    return ScenarioMix(
        np.zeros(0, dtype=np.int64),
        np.full(R, -1, dtype=np.int64),
        emitted[None],
        np.zeros((1, R, Ye)),
        np.zeros((1, R, Ye)),
        none,
        none,
    )


def test_plants_with_any_by_hand() -> None:
    """Options (0, 2, 1), (1, 0, 0) and (1, 0, 1) hold: plants (0, 2) and (1, 0), once each,
    in row-major order."""
    mask = np.zeros((2, 3, 2), dtype=bool)
    mask[1, 0, 0] = mask[1, 0, 1] = mask[0, 2, 1] = True
    s, p = plants_with_any(mask)
    assert s.tolist() == [0, 1] and p.tolist() == [2, 0]


@pytest.mark.parametrize("seed", SEEDS)
def test_plants_with_any_is_nonzero_of_any(seed: int) -> None:
    rng = np.random.default_rng(seed)
    S, P, K = (int(x) for x in rng.integers(1, 9, size=3))
    mask = rng.random((S, P, K)) < rng.choice([0.0, 0.02, 0.3, 1.0])
    s_old, p_old = np.nonzero(mask.any(axis=-1))
    s, p = plants_with_any(mask)
    assert s.dtype == s_old.dtype and p.dtype == p_old.dtype
    assert np.array_equal(s, s_old) and np.array_equal(p, p_old)


def _old_run_rounds(ev: Any, schemes: list[Any]) -> np.ndarray:
    """run_rounds before the third pass: every round takes each plant's best option afresh."""
    value = ev.value
    for scheme in schemes:
        offer = scheme.offer(ev)
        if offer is None:
            continue
        best = np.argmax(value, axis=-1)
        pick_ = best.copy()
        applies = np.zeros(best.shape, dtype=bool)
        s_h, p_h = np.nonzero(offer.eligible.any(axis=-1))
        if s_h.size:
            value_h = value[s_h, p_h]
            eligible_h = offer.eligible[s_h, p_h]
            with_support = np.where(eligible_h, value_h + offer.support[s_h, p_h], value_h)
            pick_h = best_supported(with_support, offer.score[s_h, p_h], eligible_h)
            pick_[s_h, p_h] = pick_h
            chosen = eligible_h[np.arange(s_h.size), pick_h]
            applies[s_h, p_h] = ev.running[s_h, p_h] & chosen & (pick_h != best[s_h, p_h])
        if not applies.any():
            ev.won[scheme.name] = (applies, pick_)
            continue
        s_a, p_a = np.nonzero(applies)
        k_a = pick_[s_a, p_a]
        score = np.full(applies.shape, np.inf)
        score[s_a, p_a] = offer.score[s_a, p_a, k_a]
        claim = np.zeros(applies.shape)
        claim[s_a, p_a] = offer.claim[s_a, p_a, k_a]
        won = scheme.allocate(score, claim, offer.budget, applies, pick_)
        s_w, p_w = np.nonzero(won)
        if s_w.size:
            k_w = pick_[s_w, p_w]
            at = (s_w, p_w, k_w)
            value = value.copy()
            value[at] = np.where(offer.eligible[at], value[at] + offer.support[at], value[at])
        ev.won[scheme.name] = (won, pick_)
    return value


class _Scheme(SupportScheme):
    """A round with a fixed random offer (strict rank order within a budget)."""

    def __init__(self, name: str, offer: Offer | None) -> None:
        self.name = name  # type: ignore[misc]
        self._offer = offer

    def offer(self, ev: Any) -> Offer | None:
        return self._offer

    def allocate(self, score: Any, claim: Any, budget: Any, applies: Any, pick: Any) -> Any:
        return allocate_budget(score, claim, budget, higher_is_better=False, eligible=applies)


@pytest.mark.parametrize("seed", SEEDS)
def test_rounds_keep_the_best_option_between_rounds(seed: int) -> None:
    """Three rounds (one offering nothing) on random values, offers and budgets: the same
    supported values and the same awards and picks as taking the best option afresh."""
    rng = np.random.default_rng(seed)
    S, P, K = int(rng.integers(1, 5)), int(rng.integers(1, 25)), int(rng.integers(2, 7))
    value = rng.normal(size=(S, P, K)) * 1e6
    value[rng.random(value.shape) < 0.2] = -np.inf
    running = rng.random((S, P)) < 0.8
    schemes = []
    for j in range(3):
        if j == 1:
            schemes.append(_Scheme("none", None))
            continue
        eligible = rng.random((S, P, K)) < 0.3
        offer = Offer(
            support=np.where(eligible, rng.exponential(2e6, (S, P, K)), 0.0),
            eligible=eligible,
            score=np.where(eligible, rng.exponential(100.0, (S, P, K)), np.inf),
            claim=rng.exponential(1e7, (S, P, K)),
            budget=rng.exponential(3e7, S),
        )
        schemes.append(_Scheme(f"s{j}", offer))
    old_ev = SimpleNamespace(value=value, running=running, won={})
    new_ev = SimpleNamespace(value=value.copy(), running=running, won={})
    expected = _old_run_rounds(old_ev, schemes)
    got = run_rounds(new_ev, schemes)  # type: ignore[arg-type]
    assert got.tobytes() == expected.tobytes()
    # the evaluation keeps the values without support: a later round's offer reads them
    assert new_ev.value.tobytes() == value.tobytes()
    assert old_ev.won.keys() == new_ev.won.keys()
    for name, (won, pick_) in old_ev.won.items():
        assert np.array_equal(new_ev.won[name][0], won)
        assert np.array_equal(new_ev.won[name][1], pick_)


@pytest.mark.parametrize("seed", SEEDS)
def test_first_fit_is_allocate_first_fit_without_the_checks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    S, n = int(rng.integers(1, 8)), int(rng.integers(1, 30))
    prio = rng.normal(size=(S, n))
    prio[rng.random((S, n)) < 0.3] = 1.0  # ties
    ok = rng.random((S, n)) < 0.5
    want = np.where(ok, rng.exponential(10.0, size=(S, n)), 0.0)
    left = rng.uniform(0.0, 80.0, size=S)
    left[rng.random(S) < 0.2] = np.inf
    expected = allocate_first_fit(prio, want, left, eligible=ok)
    assert np.array_equal(first_fit(prio, want, left.copy(), ok), expected)


def _old_supply_prices(infra: Infrastructure, i: int, route: Any, held: Any, opt: Any) -> Any:
    """Infrastructure.supply_prices before the third pass: every option's claim worked out
    (a held claim at its own price, as since the claim prices)."""
    ctx = infra.ctx
    inp = ctx.inputs
    S, P, K = ctx.S, ctx.P, opt.shape[1]
    option = np.zeros((S, P, K))
    current = np.zeros((S, P))
    rt = ctx.route
    peak = infra.peak_production(i)
    start = np.minimum(i + inp.routes.lead_time[opt], ctx.Y - 1)
    use_now = rt.biomass[route, i] * peak
    need = np.maximum(rt.biomass[opt, start][None] * peak[..., None] - use_now[..., None], 0)
    start_year = inp.coords.years[start]
    served = np.zeros((S, P, K), dtype=bool)
    for q in map(int, infra.supply_pools):
        reserved = infra._reserved_peak(q, i)
        access = infra.access[:, q, :, None]
        cand = (start_year[None] >= access) & inp.pools.plants[q][None, :, None]
        left, _ = infra._window(q, np.full(S, i, dtype=np.int64))
        fits = cand & (need <= left[:, None, None] * (1.0 + STEP_TOLERANCE))
        price = infra._claim_prices(q, reserved, need)
        option = np.where(cand & ~served, price, option)
        served |= fits
        mine = held == q
        if mine.any():  # each claim at the price it was granted at (claim_price)
            current = np.where(mine, infra.claim_price, current)
    option = np.where((need <= 0) & (held >= 0)[..., None], current[..., None], option)
    return option, current


@pytest.mark.parametrize("seed", SEEDS)
def test_supply_prices_on_the_biomass_options_only(seed: int) -> None:
    """The toy with a biomass route and a two-step supply (1.2e7 GJ at +0, 1e7 at +4):
    random reservations, routes, pools held and option tables; the option and current
    prices are those of the old method, byte for byte."""
    rng = np.random.default_rng(seed)
    P = int(rng.integers(1, 7))
    steps = ((1.2e7, 0.0), (1.0e7, 4.0))
    inp = toy_inputs(n_scenarios=2, n_plants=P, bio=True, biomass_supply=steps)
    infra = Infrastructure(BatchContext(inp, tuple(INSTRUMENTS)))
    S, Y = infra.ctx.S, infra.ctx.Y
    q = int(infra.supply_pools[0])
    reserved = infra.committed.copy()
    reserved[:, q, :] = rng.choice([0.0, 5e6, 1.2e7, 2e7], size=(S, 1))
    infra.committed = reserved
    R = len(inp.routes.family)
    route = rng.integers(0, R, size=(S, P))
    held = np.where(rng.random((S, P)) < 0.4, q, -1)
    infra.claim_price = np.where(held >= 0, rng.choice([0.0, 4.0], size=(S, P)), 0.0)
    opt = rng.integers(0, R, size=(P, int(rng.integers(1, 6))))
    for i in (0, int(rng.integers(0, Y))):
        old_option, old_current = _old_supply_prices(infra, i, route, held, opt)
        got = infra.supply_prices(i, route, held, opt)
        assert got.option.tobytes() == old_option.tobytes()
        assert got.current.tobytes() == old_current.tobytes()


@pytest.mark.parametrize("seed", SEEDS)
def test_clearing_on_the_qualifying_suppliers_only(seed: int) -> None:
    """Leaving out the suppliers without qualifying output in any row (the clearing
    market's accounts) keeps the premium, and each other supplier's sales, rank and pay;
    those left out would sell nothing, be ranked nowhere and be paid 0."""
    rng = np.random.default_rng(seed)
    S, N = int(rng.integers(1, 6)), int(rng.integers(2, 40))
    qualifying = rng.random(N) < 0.3
    qualifying[0] = True
    volume = np.where(qualifying, rng.exponential(50.0, (S, N)), 0.0)
    volume[rng.random((S, N)) < 0.2] = 0.0
    need = rng.exponential(100.0, (S, N))
    need[rng.random((S, N)) < 0.2] = np.inf
    required = rng.exponential(80.0, S) * (rng.random(S) < 0.8)
    cap = np.where(rng.random(S) < 0.5, np.inf, rng.exponential(150.0, S))
    own = np.where(rng.random((S, N)) < 0.3, rng.exponential(150.0, (S, N)), np.inf)
    divisible = rng.random((S, N)) < 0.5
    full = clearing_premiums(need, volume, required, cap, own, divisible=divisible)
    paid_full = market_sales_rows(volume, required, full.premium, own, full.rank)
    cols = np.flatnonzero((volume != 0.0).any(axis=0))
    sub = clearing_premiums(
        need[:, cols], volume[:, cols], required, cap, own[:, cols], divisible=divisible[:, cols]
    )
    paid_sub = market_sales_rows(volume[:, cols], required, sub.premium, own[:, cols], sub.rank)
    assert sub.premium.tobytes() == full.premium.tobytes()
    assert sub.sold.tobytes() == full.sold[:, cols].tobytes()
    assert sub.rank.tobytes() == full.rank[:, cols].tobytes()
    assert paid_sub.tobytes() == paid_full[:, cols].tobytes()
    others = np.setdiff1d(np.arange(N), cols)
    assert np.all(np.isinf(full.rank[:, others])) and not np.any(full.sold[:, others])
    paid = np.zeros((S, N))
    paid[:, cols] = paid_sub
    assert paid.tobytes() == paid_full.tobytes()


@pytest.mark.parametrize("seed", SEEDS)
def test_indexed_strike_on_the_contracts_only(seed: int) -> None:
    """Plants without a contract (strike, extra use and reference prices 0) keep strike 0
    under the indexation at finite prices: working the indexed strike out on the contracts
    only gives every plant's strike of the full formula."""
    rng = np.random.default_rng(seed)
    S, P, C = int(rng.integers(1, 5)), int(rng.integers(1, 20)), int(rng.integers(1, 8))
    contract = rng.random((S, P)) < 0.3
    indexed = rng.random(S) < 0.7
    strike = np.where(contract, rng.uniform(50.0, 300.0, (S, P)), 0.0)
    extra = np.where(contract[..., None], rng.normal(0.0, 5.0, (S, P, C)), 0.0)
    ref = np.where(contract[..., None], rng.uniform(10.0, 100.0, (S, P, C)), 0.0)
    price = rng.uniform(0.0, 150.0, (S, C))
    cap = rng.uniform(0.0, 1.0, S)
    full = ccfd_indexed_strike(strike, extra, price[:, None, :], ref, cap[:, None])
    expected = np.where(indexed[:, None], full, strike)
    s, p = np.nonzero(contract & indexed[:, None])
    got = strike.copy()
    got[s, p] = ccfd_indexed_strike(strike[s, p], extra[s, p], price[s], ref[s, p], cap[s])
    assert got.tobytes() == expected.tobytes()


def test_expected_at_reads_the_engine_window_or_gathers() -> None:
    """An evaluation with ``expected_on`` (the engine's) is read at the options' routes; one
    without is gathered and indexed: the same values."""
    routes = np.broadcast_to(np.array([[[2, 0, 1]]]), (2, 1, 3))
    table = np.array([[10.0, 11.0, 12.0], [20.0, 21.0, 22.0]])  # (S, R)
    gathered = table[np.arange(2)[:, None, None], routes]

    class Plain:
        def __init__(self) -> None:
            self.routes = routes

        def expected(self, instrument: str, term: str) -> np.ndarray:
            return gathered

    class Engine(Plain):
        def expected_on(self, instrument: str, term: str, s: Any, route: Any) -> np.ndarray:
            return table[s, route]

    at = (np.array([0, 1, 1]), np.array([0, 0, 0]), np.array([0, 2, 1]))
    assert expected_at(Plain(), "i", "t", at).tolist() == [12.0, 21.0, 20.0]  # type: ignore[arg-type]
    assert expected_at(Engine(), "i", "t", at).tolist() == [12.0, 21.0, 20.0]  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", SEEDS)
def test_evaluate_gap_and_need_in_place(seed: int) -> None:
    """evaluate's gap ``max(v_stay - value, 0) + bonus x capacity`` and need per tonne
    ``gap / abated`` where it abates (inf elsewhere), worked out in place, equal the
    formulas written out, on values with infeasible options."""
    rng = np.random.default_rng(seed)
    S, P, K, R = int(rng.integers(1, 5)), int(rng.integers(1, 20)), 4, 6
    opt = rng.integers(0, R, size=(P, K))
    cur = opt[np.arange(P), rng.integers(0, K, size=P)][None].repeat(S, axis=0)
    capacity = rng.uniform(1e5, 1e6, P)
    ctx = SimpleNamespace(
        inputs=SimpleNamespace(
            plants=SimpleNamespace(capacity=capacity),
            coords=SimpleNamespace(years=np.arange(2025, 2030)),
            routes=SimpleNamespace(retrofit_pair=None, retrofit_capex=None),
        ),
        route=SimpleNamespace(mix=_one_mix(rng.uniform(0.0, 2.0, (R, 5)))),
        route_calib=lambda route: np.ones(route.shape),
    )
    valuation = SimpleNamespace(
        ctx=ctx, opt=opt, crf_k=np.ones((S, P, K)), opt_low=rng.random((P, K)) < 0.5
    )
    abated = rng.normal(0.0, 1e5, (S, P, K))
    abated[rng.random(abated.shape) < 0.2] = 0.0
    ov = SimpleNamespace(
        value=rng.normal(0.0, 1e6, (S, P, K)),
        abated=abated,
        production=np.ones((S, P, K)),
        capex_annuity=np.zeros((S, P, K)),
        stay_without=None,
        stay_need=None,
    )
    feasible = rng.random((S, P, K)) < 0.8
    ev = evaluate(valuation, 1, cur, np.ones((S, P), dtype=bool), ov, feasible)  # type: ignore[arg-type]
    value = np.where(feasible, ov.value, -np.inf)
    v_stay = pick(value, option_of(opt, cur))[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.maximum(v_stay - value, 0.0) + STAY_BONUS * capacity[None, :, None]
        need = np.where(abated > 0, gap / abated, np.inf)
    assert ev.gap.tobytes() == gap.tobytes()
    assert ev.need_per_t.tobytes() == need.tobytes()
    low = valuation.opt_low[None] & feasible & (abated > 0)
    assert np.array_equal(ev.low_carbon, low)


@pytest.mark.parametrize("seed", SEEDS)
def test_demand_of_listed_plants_is_the_full_demand_there(seed: int) -> None:
    """``Infrastructure.demand`` on a flat list of plants (choose's refused plants) gives the
    numbers of the full ``(S, P)`` demand at those plants, their emission calibration
    included (plants whose verified emissions differ from their route's factor)."""
    rng = np.random.default_rng(seed)
    S, P = 3, int(rng.integers(1, 7))
    inp = toy_inputs(n_scenarios=S, n_plants=P, bio=True, ccs=True)
    # some plants run gas with capture today: their captured CO2 is calibrated
    ccs = list(inp.coords.routes).index("gas_ccs")
    incumbent = np.where(rng.random(P) < 0.5, ccs, inp.plants.incumbent)
    factor = rng.uniform(0.05, 0.2, P)
    plants = replace(
        inp.plants, incumbent=incumbent, base_emissions=inp.plants.base_production * factor
    )
    infra = Infrastructure(BatchContext(replace(inp, plants=plants), tuple(INSTRUMENTS)))
    R = len(inp.routes.family)
    r_new, r_old = rng.integers(0, R, size=(2, S, P))
    i = int(rng.integers(0, infra.ctx.Y))
    peak = infra.peak_production(i)
    full, start = infra.demand(i, r_new, r_old, peak)
    s, p = np.nonzero(rng.random((S, P)) < 0.5)
    flat, flat_start = infra.demand(i, r_new[s, p], r_old[s, p], peak[s, p], plants=p)
    assert np.any(infra.ctx.calib != 1.0) or not np.any(incumbent == ccs)
    assert flat.tobytes() == full[:, s, p].tobytes()
    assert np.array_equal(flat_start, start[s, p])
