"""Option values on the few options each piece concerns give what the formulas over every
option gave, bit for bit (issue #12: a faster valuation, results identical).

The reference below is ``Valuation.option_values`` as it was before (every option's retrofit
capex, kept electrolyser, renewal annuity and closure value worked out on the whole
``(S, P, K)``); it is compared on every year of the three default scenarios, on the states the
engine reaches and on states with every plant moved to a random option and a random renewal
year (so that retrofits, kept electrolysers and renewals fall due in many places).
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import load_catalogue
from kruispunt.engine import simulate as simulate_module
from kruispunt.engine.state import PlantState
from kruispunt.engine.valuation import (
    STAY_BONUS,
    OptionValues,
    Valuation,
    _options_where,
    _own_electrolyser_routes,
    _retrofit_routes,
    kept_electrolyser,
    less_kept,
    option_of,
    pick,
    retrofit_capex,
)
from kruispunt.policy.energy_tax import EnergyTax
from kruispunt.scenarios import resolve

F = npt.NDArray[np.float64]


def _old_option_values(v: Valuation, t: int, st: PlantState, supply: Any) -> OptionValues:
    """``Valuation.option_values`` before issue #12's third pass (no breakdown)."""
    ctx = v.ctx
    inp = ctx.inputs
    routes = inp.routes
    cur = st.route
    opt = v.opt
    is_cur = opt[None] == cur[:, :, None]
    prod = ctx.output(t)[:, :, None]
    cap = inp.plants.capacity[None, :, None]
    _, net, net_stay = v._unit_costs(t, cur, supply, False)
    # staying over an option's years (December 2026): staying's cost from now less that from
    # the option's lead time, on every option that is not staying and has a lead time
    H = len(v.horizons)
    for j, lead in enumerate(v.leads):
        on = (routes.lead_time[opt] == lead)[None] & ~is_cur
        net = np.where(on, net + (net_stay[..., :1] - net_stay[..., 1 + H + j, None]), net)
    t_start = np.minimum(t + routes.lead_time[opt], ctx.Y - 1)
    crf = v.crf_k
    capex_new = routes.capex[opt, t_start][None] * crf * cap
    kept = kept_electrolyser(routes, cur[:, :, None], opt[None], t, t_start[None])
    if kept is not None:
        capex_new = less_kept(capex_new, kept, crf, cap, v._kept_free)
    retro: F | None = None
    if routes.retrofit_pair is not None:
        due_start = st.renewal[:, :, None] <= inp.coords.years[t_start][None]
        retro = retrofit_capex(routes, cur[:, :, None], opt[None], t_start[None], due_start)
    if retro is not None:
        capex_new = np.where(np.isnan(retro), capex_new, retro * crf * cap)
    capex_renew = routes.capex_renewal[opt, t][None] * crf * cap
    renewal_due = (st.renewal <= int(inp.coords.years[t]))[:, :, None]
    capital = np.where(is_cur, np.where(renewal_due, capex_renew, 0.0), capex_new)
    fixed = routes.fixed_opex[opt, t_start][None] * cap
    crf_cur = np.take_along_axis(ctx.crf_sr, cur, axis=1)[:, :, None]
    writeoff = np.where(is_cur, 0.0, st.book_value(t)[:, :, None] * crf_cur)
    if retro is not None:
        writeoff = np.where(np.isnan(retro), writeoff, 0.0)
    revenue = inp.markets.plant_price[:, :, None]
    contracts = v._contracts(t, cur, prod[..., 0])
    value = revenue - net
    value *= prod
    value -= fixed
    value -= capital
    value -= writeoff
    value += contracts[..., None] * is_cur
    if v.horizons:
        k_cur = option_of(opt, cur)
        stay = pick(value, k_cur)
        net_cur = pick(net, k_cur)
        best = v._exit_option(
            t, st, stay, net_cur, prod[..., 0], crf_cur[..., 0], net_stay[..., 1:]
        )
        value += np.where(is_cur, (best - stay)[..., None], 0.0)
    value = np.where(v.opt_closure[None], -writeoff - STAY_BONUS * cap, value)
    value += STAY_BONUS * cap * is_cur
    # each scenario's own mix of a flexible load (one row where all run the reference's)
    every = np.broadcast_to(ctx.route.mix.emitted, (cur.shape[0], *ctx.route.emitted.shape))
    em_cur = (np.take_along_axis(every[:, :, t], cur, axis=1) * ctx.route_calib(cur))[:, :, None]
    em_opt = every[:, opt, t_start] * v.calib_k
    abated = np.where(v.opt_closure[None], 0.0, em_cur - em_opt) * prod
    return OptionValues(
        value=value,
        production=np.broadcast_to(prod, value.shape),
        abated=abated,
        capex_annuity=capex_new,
        terms={},
    )


def _old_feasible(v: Valuation, t: int, cur: Any, locked: Any = None) -> Any:
    """``Valuation.feasible`` before issue #12's third pass (with the retrofit-only onward
    rule for plants bound to a decided project, the campaign rule of December 2026, the
    routes reached only by retrofit of session 8, the history years before a scenario's
    ``decisions_from`` and the permits for new installations, ``Routes.permitted``)."""
    inp = v.ctx.inputs
    routes = inp.routes
    year = int(inp.coords.years[t])
    opt = v.opt
    start = year + routes.lead_time[opt]
    ok = v.opt_valid & (start >= routes.earliest_year[opt])
    if routes.permitted is not None:  # no permit for a new installation in the decision year
        ok = ok & routes.permitted[opt, t]
    needs_h2 = v.ctx.route.hydrogen[opt, t] > 0
    h2_year = inp.pools.hydrogen_year[:, inp.plants.cluster]
    h2_ok = ~needs_h2[None] | (start[None] >= h2_year[:, :, None])
    is_cur = opt[None] == cur[:, :, None]
    allowed = inp.levers.route_allowed[:, opt] | v.opt_closure[None]
    # a plant on a campaign starts no other route before its end; closure stays open
    held = (start[None] >= inp.levers.hold_year[:, :, None]) | v.opt_closure[None]
    # a route reached only by retrofit starts only from a running plant of its base
    only = routes.retrofit_only
    from_base = (
        np.ones_like(is_cur)
        if only is None
        else ~only[opt][None] | (routes.retrofit_pair[opt[None], cur[:, :, None]] >= 0)
    )
    own = (year >= inp.levers.decide_from)[:, None, None]  # history: no option but staying
    out = (ok[None] & h2_ok & allowed & held & from_base & own) | is_cur
    if locked is not None and locked.any():
        mixed = v.ctx.route.mix.emitted
        emitted = np.broadcast_to(mixed, (cur.shape[0], *mixed.shape[1:]))[:, :, t]  # (S, R)
        lower = emitted[:, opt] < np.take_along_axis(emitted, cur, axis=1)[:, :, None]
        onward = lower & ~v.opt_closure[None]
        pair = routes.retrofit_pair  # onward only by a retrofit of the decided route
        onward = (
            np.zeros_like(onward)
            if pair is None
            else onward & (pair[opt[None], cur[:, :, None]] >= 0)
        )
        out &= ~locked[:, :, None] | onward | is_cur
    return out


def _same_bits(a: F, b: F) -> bool:
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def _moved(v: Valuation, st: PlantState, rng: np.random.Generator) -> PlantState:
    """``st`` with every plant on a random option of its own and a random renewal year."""
    S, P = st.route.shape
    K = v.opt.shape[1]
    route = v.opt[np.arange(P)[None, :], rng.integers(0, K, size=(S, P))]
    years = v.ctx.inputs.coords.years
    renewal = rng.integers(int(years[0]) - 2, int(years[-1]) + 5, size=(S, P))
    return dataclasses.replace(st, route=route, renewal=renewal)


def test_option_values_equal_the_formulas_over_every_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every year of the three default scenarios: value, abatement and capex annuity of every
    option have the bits of the reference, on the engine's states and on moved ones; so do
    the feasible options (on moved routes, with random locks too)."""
    inputs = build_inputs(
        load_catalogue(), resolve(["current-policy", "no-new-policy", "high-ambition"])
    )
    rng = np.random.default_rng(2026)
    new = Valuation.option_values
    seen = {"years": 0, "retro": 0, "kept": 0, "h2": 0}

    def both(
        self: Valuation, t: int, st: PlantState, breakdown: bool = False, supply: Any = None
    ) -> OptionValues:
        got = new(self, t, st, breakdown, supply)
        for state in (st, _moved(self, st, rng)):
            ov = new(self, t, state, False, supply) if state is not st else got
            want = _old_option_values(self, t, state, supply)
            for name in ("value", "abated", "capex_annuity", "production"):
                assert _same_bits(getattr(ov, name), getattr(want, name)), (name, t)
            routes = self.ctx.inputs.routes
            assert routes.retrofit_pair is not None
            cur = state.route[..., None]
            seen["retro"] += int((routes.retrofit_pair[self.opt[None], cur] >= 0).sum())
            kept = kept_electrolyser(routes, cur, self.opt[None], t, t)
            seen["kept"] += int(np.count_nonzero(kept))
        seen["years"] += 1
        return got

    feasible = Valuation.feasible

    def feasible_both(self: Valuation, t: int, cur: Any, locked: Any = None) -> Any:
        got = feasible(self, t, cur, locked)
        assert np.array_equal(got, _old_feasible(self, t, cur, locked))
        moved = self.opt[np.arange(cur.shape[1])[None, :], rng.integers(0, 3, size=cur.shape)]
        lock = rng.random(cur.shape) < 0.3
        assert np.array_equal(feasible(self, t, moved, lock), _old_feasible(self, t, moved, lock))
        seen["h2"] += int((self.ctx.route.hydrogen[self.opt, t] > 0).sum())
        return got

    monkeypatch.setattr(Valuation, "option_values", both)
    monkeypatch.setattr(Valuation, "feasible", feasible_both)
    simulate_module.simulate(inputs)
    assert seen["h2"] > 0  # options that need a hydrogen connection
    assert seen["years"] == inputs.coords.years.size
    assert seen["retro"] > 0  # retrofit options were valued against their base
    assert seen["kept"] > 0  # and options keeping an electrolyser


def _routes(**fields: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "lifetime": np.ones(4),
        "own_hydrogen": None,
        "electrolyser_capex": None,
        "retrofit_pair": None,
        "retrofit_capex": None,
    }
    base.update(fields)
    return SimpleNamespace(**base)


def test_routes_that_can_keep_an_electrolyser_or_retrofit() -> None:
    """Four routes: route 2 makes own hydrogen from the second year, route 3 retrofits
    route 0; nothing without the tables."""
    own = np.zeros((4, 3))
    own[2, 1:] = 5.0
    pair = np.full((4, 4), -1)
    pair[3, 0] = 0
    assert not _own_electrolyser_routes(_routes()).any()
    assert not _retrofit_routes(_routes()).any()
    r = _routes(
        own_hydrogen=own,
        electrolyser_capex=np.ones((4, 3)),
        retrofit_pair=pair,
        retrofit_capex=np.ones((1, 3)),
    )
    assert _own_electrolyser_routes(r).tolist() == [False, False, True, False]  # type: ignore[arg-type]
    assert _retrofit_routes(r).tolist() == [False, False, False, True]  # type: ignore[arg-type]
    opt = np.array([[0, 3, 0], [2, 1, 3]])
    assert _options_where(opt, _retrofit_routes(r)).tolist() == [1, 5]  # type: ignore[arg-type]
    assert _options_where(opt, _own_electrolyser_routes(r)).tolist() == [3]  # type: ignore[arg-type]


def test_energy_tax_brackets_of_staying_on_one_column(monkeypatch: pytest.MonkeyPatch) -> None:
    """The energy tax of staying (the current route repeated over the windows, stride 0)
    worked out on one column has the bits of the computation on every window, in every year
    of the three default scenarios."""
    inputs = build_inputs(
        load_catalogue(), resolve(["current-policy", "no-new-policy", "high-ambition"])
    )
    calls = {"n": 0}
    new = EnergyTax.unit_cost

    def both(self: EnergyTax, x: Any, opt: Any) -> Any:
        got = new(self, x, opt)
        route = np.asarray(opt.route)
        if opt.plants is None and route.ndim == 3 and route.strides[-1] == 0:
            full = dataclasses.replace(opt, route=np.ascontiguousarray(route))
            assert _same_bits(got, new(self, x, full))
            calls["n"] += 1
        return got

    monkeypatch.setattr(EnergyTax, "unit_cost", both)
    simulate_module.simulate(inputs)
    assert calls["n"] == inputs.coords.years.size


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.just(0.0), st.just(-0.0), st.floats(allow_nan=True, width=64)),
            min_size=4,
            max_size=4,
        ),
        min_size=2,
        max_size=6,
    ),
    st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_zero_costs_added_once_give_the_bits_of_one_addition_each(
    rows: list[list[float]], zero_after: list[bool]
) -> None:
    """``Valuation._unit_costs`` adds the zero of every instrument that costs nothing once,
    after the others: adding +0.0 turns -0.0 into +0.0 and changes nothing else, so it is
    idempotent and commutes with the other additions (x + y is -0.0 only when both are)."""
    terms = [np.array(r) for r in rows]
    each = terms[0].copy()
    once = terms[0].copy()
    with np.errstate(all="ignore"):  # inf - inf, overflow: the same either way
        for term, zero in zip(terms[1:], zero_after, strict=False):
            each += term
            once += term
            if zero:
                each += 0.0
        if any(zero_after[: len(terms) - 1]):
            once += 0.0
    assert each.tobytes() == once.tobytes()
