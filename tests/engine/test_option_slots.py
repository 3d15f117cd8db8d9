"""Option slots: unit costs worked out once per distinct (plant, route) pair and scattered back
to the padded ``(S, P, K)`` options give the bits of the padded computation (issue #12)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import load_catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.expectations import Expected, Windows
from kruispunt.engine.infrastructure import Infrastructure, SupplyPrice
from kruispunt.engine.valuation import (
    _BIOMASS_USE,
    OPERATING,
    OptionView,
    Positions,
    Slots,
    Terms,
    Valuation,
    less_kept,
)
from kruispunt.policy.base import choose_term
from kruispunt.policy.committed import CommittedSupport, grant_per_unit
from kruispunt.policy.ets import AllocationBasis
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.scenarios import resolve

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741


def test_slots_of_padded_options() -> None:
    """Three plants, options padded with the incumbent (route 0, 4, 2): the slots are the
    distinct (plant, route) pairs; padding maps to its plant's incumbent slot."""
    opt = np.array([[0, 1, 0, 0], [4, 2, 3, 4], [2, 1, 5, 7]])
    s = Slots.of_options(opt, n_routes=8)
    assert list(zip(s.plant.tolist(), s.route.tolist(), strict=True)) == [
        (0, 0), (0, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 5), (2, 7)
    ]  # fmt: skip
    assert np.array_equal(s.route[s.of], opt)
    assert np.array_equal(s.plant[s.of], np.repeat(np.arange(3)[:, None], 4, axis=1))
    # each slot's first option is an option of that slot
    assert np.array_equal(s.of.reshape(-1)[s.first], np.arange(len(s.plant)))


def test_skipped_options_have_no_slot_and_read_zero() -> None:
    """Options left out (a closure each, routes 6 and 7) have no slot: the other pairs keep
    their slots in the same order, their first options stay theirs, and a scattered slot
    array reads 0 at the options left out."""
    opt = np.array([[0, 1, 6, 0], [4, 2, 3, 6], [2, 7, 5, 2]])
    skip = np.isin(opt, [6, 7])
    s = Slots.of_options(opt, n_routes=8, skip=skip)
    full = Slots.of_options(opt, n_routes=8)
    kept = ~np.isin(full.route, [6, 7])
    assert np.array_equal(s.plant, full.plant[kept]) and np.array_equal(s.route, full.route[kept])
    assert np.array_equal(s.first, full.first[kept])
    assert s.skipped and not full.skipped
    assert np.array_equal(s.of[skip], np.full(3, len(s.plant)))
    b = np.arange(1.0, len(s.plant) + 1)[None].repeat(2, axis=0)  # (2, V), no zeros
    got = s.scatter(b)
    assert got.shape == (2, 3, 4)
    assert np.array_equal(got[:, skip], np.zeros((2, 3)))
    assert np.array_equal(got[:, ~skip], np.take(b, s.of[~skip], axis=-1))
    assert np.array_equal(s.route[s.of[~skip]], opt[~skip])


def test_gather_scatter_round_trip() -> None:
    """scatter(gather(a)) is ``a`` for any array equal on the copies of a pair (a function
    of scenario, plant and route), gather(scatter(b)) is ``b`` for any slot array; leading
    axes ride along."""
    rng = np.random.default_rng(7)
    P, K, R, S = 6, 5, 9, 3
    opt = rng.integers(0, R, size=(P, K))
    s = Slots.of_options(opt, R)
    per_pair = rng.normal(size=(S, P, R))
    a = np.take_along_axis(per_pair, np.broadcast_to(opt[None], (S, P, K)), axis=2)
    assert np.array_equal(s.scatter(s.gather(a)), a)
    b = rng.normal(size=(S, len(s.plant)))
    assert np.array_equal(s.gather(s.scatter(b)), b)
    one = rng.normal(size=(len(s.plant),))
    assert np.array_equal(s.gather(s.scatter(one)), one)


@pytest.fixture(scope="module")
def batch() -> tuple[BatchContext, Valuation, Infrastructure]:
    cat = load_catalogue()
    inputs = build_inputs(cat, resolve(["current-policy", "no-new-policy", "high-ambition"]))
    ctx = BatchContext(inputs, tuple(INSTRUMENTS))
    active = [cls(ctx) for cls in INSTRUMENTS]
    return ctx, Valuation(ctx, active), Infrastructure(ctx)


def _padded_unit_costs(
    v: Valuation, t: int, cur: I, supply: SupplyPrice
) -> tuple[dict[str, F], F, F]:
    """The unit costs on the padded ``(S, P, K)`` options, term by term (the computation
    before option slots), for comparison."""
    is_cur = v.opt[None] == cur[:, :, None]
    opts = OptionView(t, v.opt[None], v.calib_k)
    stay_shape = (*cur.shape, 1 + len(v.horizons) + len(v.leads))
    now = OptionView(
        t,
        np.broadcast_to(cur[..., None], stay_shape),
        np.broadcast_to(v.ctx.route_calib(cur)[..., None], stay_shape),
    )
    at = np.arange(cur.shape[0])[:, None] * v.ctx.R + cur

    def x_of(name: str, current: bool) -> Mapping[str, F]:
        terms = v.terms_of.get(name, ())
        if current:
            return {term: v._stay_terms((name, term), t, at) for term in terms}
        return {term: v.new[(name, term)][t][:, v.opt] for term in terms}

    def life(c: F | float) -> F:
        a = np.asarray(c)
        return a[..., 0, None] if a.ndim else a

    terms: dict[str, F] = {}
    total_new = v.new[("", OPERATING)][t][:, v.opt]
    total_cur = v._stay_terms(("", OPERATING), t, at)
    terms[OPERATING] = np.where(is_cur, life(total_cur), total_new)
    bio_new = supply.option * v.new[_BIOMASS_USE][t][:, v.opt]
    bio_cur = supply.current[..., None] * v._stay_terms(_BIOMASS_USE, t, at)
    total_cur[..., 1:] += bio_cur[..., 1:]
    term = np.where(is_cur, life(bio_cur), bio_new)
    if term.any():
        terms["biomass_supply"] = term
        total_new += bio_new
        total_cur[..., 0] += bio_cur[..., 0]
    for inst in v.valued:
        c_new = inst.unit_cost(x_of(inst.name, False), opts)
        c_cur = inst.unit_cost(x_of(inst.name, True), now)
        if np.ndim(c_new) == 0 and np.ndim(c_cur) == 0 and c_new == 0 and c_cur == 0:
            total_cur[..., 1:] += c_cur
            continue
        terms[inst.name] = np.where(is_cur, life(c_cur), c_new)
        total_new += c_new
        total_cur += c_cur
    return terms, np.where(is_cur, life(total_cur), total_new), total_cur


@pytest.mark.parametrize("t", [0, 6, 15])
def test_unit_costs_on_slots_equal_the_padded_computation(
    batch: tuple[BatchContext, Valuation, Infrastructure], t: int
) -> None:
    """The three default scenarios, plants on today's route and on another option: every
    term, the total and the staying costs have the bits of the padded computation, but at
    the closures a plant is not on (no slot: a closure's value is its write-off alone,
    ``Valuation.option_values``), where they are 0; about half of the option slots are
    padding, and every plant has a closure."""
    ctx, v, infra = batch
    assert len(v.slots.plant) < 0.7 * v.opt.size
    assert np.array_equal(v.opt_closure.sum(axis=1), np.ones(ctx.P))
    today = np.broadcast_to(ctx.inputs.plants.incumbent[None], (ctx.S, ctx.P)).copy()
    moved = today.copy()
    moved[1] = v.opt[:, 1]  # a scenario with every plant on its second option
    for cur in (today, moved):
        pool = np.full((ctx.S, ctx.P), -1, dtype=np.int64)
        supply = infra.supply_prices(t, cur, pool, v.opt)
        got_terms, got, got_cur = v._unit_costs(t, cur, supply, breakdown=True)
        want_terms, want, want_cur = _padded_unit_costs(v, t, cur, supply)
        # a closure the plant is not on: 0 (its unit costs worked out for nothing before)
        left_out = v.opt_closure[None] & (v.opt[None] != cur[:, :, None])
        assert left_out.any()
        want_terms = {k: np.where(left_out, 0.0, ref) for k, ref in want_terms.items()}
        want = np.where(left_out, 0.0, want)
        assert got_terms.keys() == want_terms.keys()
        for name, ref in want_terms.items():
            assert np.array_equal(got_terms[name], ref), name
        assert np.array_equal(got, want)
        assert np.array_equal(got_cur, want_cur)
        _, total, total_cur = v._unit_costs(t, cur, supply, breakdown=False)
        assert np.array_equal(total, want)
        assert np.array_equal(total_cur, want_cur)


def test_positions_read_what_the_year_holds() -> None:
    """Positions gathers, with one take, the entries ``year(t)[s, route, window]`` of an
    expected term, for a path that differs by scenario and for one alike in every scenario
    (worked out once per distinct rate, read without copying its rows onto every scenario):
    the same bits as indexing the full year."""
    rng = np.random.default_rng(3)
    S, R, Y, extra = 6, 5, 4, 3
    rate = np.array([0.03, 0.07, 0.03, 0.07, 0.05, 0.05])
    lead = np.array([0, 2, 1, 0, 3])
    life = np.array([3, 9, 2, 14, 5])
    zero = np.zeros_like(lead)
    windows = [(lead, life), (zero, life), (zero, np.minimum(life, 1)), (zero, np.minimum(life, 3))]
    w = Windows(rate, windows, Y + extra, Y, np.zeros(S, dtype=bool))
    one = rng.normal(size=(1, R, Y + extra))
    slot_route = rng.integers(0, R, size=(1, 7))
    cur = rng.integers(0, R, size=(S, 4))
    opt = rng.integers(0, R, size=(1, 4, 3))
    rows = np.arange(S)
    for values in (np.broadcast_to(one, (S, R, Y + extra)), rng.normal(size=(S, R, Y + extra))):
        e = Expected(w, values)
        assert e.alike == (values.strides[0] == 0)
        new = Positions(w, slot_route, 0, R, len(windows))
        stay = Positions(w, cur, np.arange(1, len(windows)), R, len(windows))
        every = Positions(w, opt, 0, R, len(windows))
        for t in (0, 2, Y - 1):
            year = e.year(t)
            assert np.array_equal(new.take(e, t), year[rows[:, None], slot_route[0], 0])
            assert np.array_equal(stay.take(e, t), year[rows[:, None], cur, 1:])
            assert np.array_equal(every.take(e, t), year[:, opt[0], 0])


def test_terms_are_read_when_first_asked_for() -> None:
    """Terms gathers a term on first reading only, once, and knows no other term."""
    read: list[str] = []

    def gather(term: str) -> F:
        read.append(term)
        return np.full(2, float(len(term)))

    x = Terms(["a", "bb", "ccc"], gather, lambda terms, which: np.zeros(2))
    assert list(x) == ["a", "bb", "ccc"] and len(x) == 3 and read == []
    assert np.array_equal(x["bb"], [2.0, 2.0])
    assert x["bb"] is x["bb"]
    assert read == ["bb"]
    with pytest.raises(KeyError):
        x["d"]
    with pytest.raises(KeyError):
        x.choose(("a", "d"), np.zeros(2, dtype=np.intp))
    assert read == ["bb"]


def _engine_terms(at: Positions, terms: list[Expected], t: int) -> Terms:
    """The terms ``k0, k1, ...`` at ``at`` in year ``t``, as the valuation gives them."""
    by_name = {f"k{i}": e for i, e in enumerate(terms)}
    return Terms(
        list(by_name),
        lambda k: at.take(by_name[k], t),
        lambda ks, which: at.choose([by_name[k] for k in ks], which, t),
    )


def test_choose_reads_each_entrys_pick() -> None:
    """Positions.choose gives the bits of numpy.choose over each term's gather, for terms
    worked out on every scenario's rows, on the distinct rates' rows, and a mix; and
    choose_term gives the same on the engine's terms and on a plain mapping."""
    rng = np.random.default_rng(9)
    S, R, Y, extra = 6, 5, 4, 3
    rate = np.array([0.03, 0.07, 0.03, 0.07, 0.05, 0.05])
    lead = np.array([0, 2, 1, 0, 3])
    life = np.array([3, 9, 2, 14, 5])
    zero = np.zeros_like(lead)
    windows = [(lead, life), (zero, life), (zero, np.minimum(life, 3))]
    w = Windows(rate, windows, Y + extra, Y, np.zeros(S, dtype=bool))

    def alike() -> Expected:
        return Expected(w, np.broadcast_to(rng.normal(size=(1, R, Y + extra)), (S, R, Y + extra)))

    def apart() -> Expected:
        return Expected(w, rng.normal(size=(S, R, Y + extra)))

    slot_route = rng.integers(0, R, size=(1, 8))
    cur = rng.integers(0, R, size=(S, 4))
    new = Positions(w, slot_route, 0, R, len(windows))
    stay = Positions(w, cur, np.arange(1, len(windows)), R, len(windows))
    for terms in ([alike(), alike(), alike()], [apart(), apart()], [alike(), apart(), alike()]):
        n = len(terms)
        for at, which in (
            (new, rng.integers(0, n, size=(S, 8))),
            (stay, rng.integers(0, n, size=(S, 4, 1))),
            (new, rng.integers(0, 2, size=(S, 8)).astype(bool)),
        ):
            for t in (0, Y - 1):
                want = np.choose(which.astype(np.intp), [at.take(e, t) for e in terms])
                assert np.array_equal(at.choose(terms, which, t), want)
                x = _engine_terms(at, terms, t)
                names = list(x)
                plain = {k: x[k] for k in names}
                assert np.array_equal(choose_term(x, tuple(names), which), want)
                assert np.array_equal(choose_term(plain, tuple(names), which), want)


@pytest.mark.parametrize("t", [0, 6, 15])
def test_instrument_shortcuts_equal_the_full_computation(
    batch: tuple[BatchContext, Valuation, Infrastructure], t: int
) -> None:
    """The three default scenarios: the committed grant worked out on the options of the
    committed route only (0 once every payment is made), and the allocation basis of staying
    worked out once per plant and broadcast over the windows, have the bits of the
    computation on every element."""
    ctx, v, _ = batch
    inp = ctx.inputs
    committed = next(i for i in v.valued if isinstance(i, CommittedSupport))
    cur = np.broadcast_to(inp.plants.incumbent[None], (ctx.S, ctx.P)).copy()
    cur[1] = v.opt[:, 1]
    stay_shape = (*cur.shape, 1 + len(v.horizons))
    now = OptionView(
        t,
        np.broadcast_to(cur[..., None], stay_shape),
        np.broadcast_to(ctx.route_calib(cur)[..., None], stay_shape),
    )
    slots = OptionView(t, v.slots.route[None], np.ones((1, len(v.slots.route))), v.slots.plant)
    left = ctx.params("committed")["plant_outlay"][:, :, t:].sum(axis=-1)
    for view in (slots, now):
        tied = view.route == view.plant(inp.levers.commit_route)
        rate = np.reshape(inp.finance.discount_rate, (-1,) + (1,) * (view.route.ndim - 1))
        value = grant_per_unit(
            view.plant(left),
            rate,
            inp.routes.lifetime[view.route],
            view.plant(inp.plants.base_production),
        )
        want = np.where(tied, -value, 0.0)
        assert tied.any()
        got = committed.unit_cost({}, view)  # 0 once every payment is made (t 6 and 15)
        assert np.array_equal(np.broadcast_to(got, want.shape), want)
        assert np.ndim(got) == 0 or left.any()
    shared = AllocationBasis.shared(ctx)
    fresh = AllocationBasis(ctx, ctx.params("ets"))  # no memo of the broadcast routes
    full = np.ascontiguousarray(now.route)
    assert np.array_equal(shared.uses_benchmark(now.route, t), fresh.uses_benchmark(full, t))
    assert np.array_equal(shared.own_part(now.route, t), fresh.own_part(full, t))
    assert np.array_equal(shared.of(now.route, t), fresh.of(full, t))


@pytest.mark.parametrize("t", [0, 15])
def test_allocation_basis_memo_follows_the_routes(
    batch: tuple[BatchContext, Valuation, Infrastructure], t: int
) -> None:
    """The basis of the plants' routes is worked out once a year for the EU ETS allocation and
    the CO2 levy's rights: asked for two route arrays in turn in one year (the routes before
    and after the year's switches), and then the first again, it gives each array's own
    basis, the bits of a basis that has seen neither; the next year's routes too."""
    ctx, v, _ = batch
    inp = ctx.inputs
    before = np.broadcast_to(inp.plants.incumbent[None], (ctx.S, ctx.P)).copy()
    after = before.copy()
    after[1] = v.opt[:, 1]
    shared = AllocationBasis(ctx, ctx.params("ets"))
    got = [shared.of(before, t), shared.of(after, t), shared.of(before, t)]
    fresh = AllocationBasis(ctx, ctx.params("ets"))
    assert not np.array_equal(fresh.of(before, t), fresh.of(after, t))
    for route, basis in zip((before, after, before), got, strict=True):
        want = AllocationBasis(ctx, ctx.params("ets")).of(route, t)
        assert np.array_equal(basis.view(np.uint64), want.view(np.uint64))
    nxt = AllocationBasis(ctx, ctx.params("ets")).of(after, t + 1)
    assert np.array_equal(shared.of(after, t + 1).view(np.uint64), nxt.view(np.uint64))


def test_new_on_reads_the_entries_of_the_year(
    batch: tuple[BatchContext, Valuation, Infrastructure],
) -> None:
    """Valuation.new_on (a support round's reads at a few awarded plants) gives the bits of
    the year laid out for every scenario, ``new[key][t][s, route]``, for every expected term
    (alike in every scenario or not) at random scenarios and routes."""
    ctx, v, _ = batch
    rng = np.random.default_rng(29)
    s = rng.integers(0, ctx.S, size=40)
    route = rng.integers(0, ctx.R, size=40)
    assert any(e.alike for e in v._expected.values())
    assert not all(e.alike for e in v._expected.values())
    for t in (0, 9, 9, 20):
        for key in v.new:
            want = v.new[key][t][s, route]
            got = v.new_on(key, t, s, route)
            assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


def test_less_kept_equals_the_formula() -> None:
    """less_kept gives the bits of ``capex - kept * crf * cap`` on random options with a few
    kept electrolysers (one of them -0, one NaN) and signed zeros in the capex, plain or
    not."""
    rng = np.random.default_rng(13)
    S, P, K = 4, 6, 5
    capex = rng.normal(size=(S, P, K)) * 1e6
    capex[0, 0, 0] = -0.0
    capex[1, 1, 1] = 0.0
    crf = rng.uniform(0.05, 0.2, size=(S, P, K))
    cap = rng.uniform(1e3, 1e6, size=(1, P, 1))
    kept = np.zeros((S, P, K))
    kept[rng.random((S, P, K)) < 0.1] = 2.5e3
    kept[2, 3, 4] = -0.0
    kept[3, 2, 1] = np.nan
    want = capex - kept * crf * cap
    for plain in (True, False):
        got = less_kept(capex, kept, crf, cap, plain)
        assert np.array_equal(got.view(np.uint64), want.view(np.uint64))
    none = np.zeros((S, P, K))
    assert less_kept(capex, none, crf, cap, True) is capex
