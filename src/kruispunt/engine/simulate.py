"""The transition engine: route choice and stock turnover, vectorised over scenarios.

``simulate(inputs)`` runs every scenario of a :class:`~kruispunt.inputs.ModelInputs` in
batches (bounded memory) and returns :class:`~kruispunt.results.Results`. The only Python
loop that depends on the data size is the one over years; everything inside a year is an
array operation over (scenario, plant, option), plus short loops over clusters, resources
and instruments.

Each year (DESIGN.md §3, ``docs/model.md``):

1. pending switches whose construction is finished start (:func:`decide.start_pending`);
2. every plant that may decide values each option open to it (:mod:`valuation`);
3. support rounds, in the registry's order (:mod:`rounds`);
4. scarce infrastructure and the biomass supply are allocated and each plant chooses
   (:func:`decide.choose`);
5. the decisions apply: switch now, later, close, or renew (:func:`decide.apply`);
6. plants whose CO2 store has ended look for another, or vent;
7. the year is accounted, each instrument booking its own cash flows (:mod:`accounting`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from kruispunt.engine import decide
from kruispunt.engine.accounting import Outputs, account
from kruispunt.engine.context import BatchContext
from kruispunt.engine.infrastructure import Infrastructure, SupplyPrice
from kruispunt.engine.rounds import Evaluation, award, evaluate, run_rounds
from kruispunt.engine.state import KEEP, PlantState
from kruispunt.engine.valuation import OptionValues, Valuation
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import Instrument, SupportScheme
from kruispunt.policy.registry import INSTRUMENTS, flows, instrument_names
from kruispunt.results import Results
from kruispunt.vocabulary import BIOMASS, CO2_STORAGE, GRID, REASON_CODE

F = npt.NDArray[np.float64]

DEFAULT_BATCH = 200


def _commit_projects(ctx: BatchContext, infra: Infrastructure, st: PlantState) -> None:
    """Projects already decided start on their date; their capacity is reserved first. Their
    grid connection was contracted with the decision, before the grid's capacity for new load
    of the model years: their load counts as existing load, not against that capacity
    (:func:`kruispunt.engine.accounting.existing_route`); so does a decided follow-up
    project's (Holland Hydrogen 1's own electrolyser at Shell Pernis, FID 2022)."""
    lv = ctx.inputs.levers
    committed = lv.commit_route >= 0
    if not committed.any():
        return
    years = ctx.inputs.coords.years
    route = np.where(committed, lv.commit_route, st.route)
    start = np.clip(lv.commit_year - years[0], 0, ctx.Y - 1)
    demand, _ = infra.demand(0, route, st.route, infra.peak_production(0), start=start)
    demand[GRID] = 0.0
    # decided capture projects claim at most what their contract store holds (Yara's 0.8
    # Mt/yr at Northern Lights; Porthos's 2.5 shared by its four customers): beyond that
    # they vent, they are not refused
    demand[CO2_STORAGE] = infra.fit_contracts(demand[CO2_STORAGE], start, committed)
    refused, given = infra.allocate(demand, start, np.ones_like(demand[0]), committed, commit=True)
    ok = committed & ~refused
    st.pending = np.where(ok, route, st.pending)
    st.pending_start = np.where(ok, lv.commit_year, st.pending_start)
    st.pending_cover = np.where(ok, lv.commit_grant, st.pending_cover)
    st.pending_reason = np.where(ok, REASON_CODE["committed_project"], st.pending_reason).astype(
        np.int8
    )
    st.pending_pool = np.where(ok[..., None] & (given >= 0), given, KEEP)
    # a follow-up project after the committed one (same plant), its capacity reserved next
    follow = ok & (lv.follow_route >= 0)
    if not follow.any():
        return
    after = np.where(follow, lv.follow_route, route)
    f_start = np.clip(lv.follow_year - years[0], 0, ctx.Y - 1)
    demand, _ = infra.demand(0, after, route, infra.peak_production(0), start=f_start)
    demand[GRID] = 0.0  # contracted with its decision, as the committed project's
    demand[CO2_STORAGE] = infra.fit_contracts(demand[CO2_STORAGE], f_start, follow)
    refused, given = infra.allocate(demand, f_start, np.ones_like(demand[0]), follow, commit=True)
    ok = follow & ~refused
    st.follow = np.where(ok, lv.follow_route, st.follow)
    st.follow_start = np.where(ok, lv.follow_year, st.follow_start)
    st.follow_pool = np.where(ok[..., None] & (given >= 0), given, KEEP)
    # the committed route's use, which a follow-up's new pools were not asked for
    # (:func:`decide.carry_claims`; its grid was contracted with the decision)
    moves = ok[..., None] & (given >= 0)
    moves[..., GRID] = False
    s, p = np.nonzero(moves.any(axis=-1))
    if s.size:
        peak = infra.peak_production(0)[s, p, None]
        use = decide.old_use(ctx, infra, route[s, p], s, p, 0) * peak
        st.follow_claim[s, p] = np.where(moves[s, p], use, 0.0)


@dataclass
class YearView:
    """A year's decision as an observer sees it, after the choice and before it applies
    (the plants' state is still the year's starting state, but for scarce-capacity claims)."""

    i: int
    ctx: BatchContext
    valuation: Valuation
    state: PlantState
    values: OptionValues
    """Option values before support."""
    evaluation: Evaluation
    """Feasibility, gaps and each round's awards."""
    supported: F
    """Option values with the awarded support ``(S, P, K)`` [EUR/yr]."""
    choice: decide.Choice
    start_year: npt.NDArray[np.int64]
    """Year each switch starts ``(S, P)``."""
    supply: SupplyPrice
    """The biomass supply-curve price the plants weighed."""
    infra: Infrastructure
    """The scarce capacity, with the year's grants reserved (what a refused option found
    left: :meth:`~kruispunt.engine.infrastructure.Infrastructure.room_left`)."""


Observer = Callable[[YearView], None]


def run_batch(
    inputs: ModelInputs,
    instruments: Sequence[type[Instrument]] = INSTRUMENTS,
    buffers: Outputs | None = None,
    observer: Observer | None = None,
) -> Outputs:
    """Run one batch of scenarios year by year; returns its year-first outputs (in
    ``buffers`` when given: reused memory for a batch of at most their size). An
    ``observer`` is called with every year's :class:`YearView` (used by
    :mod:`kruispunt.explain`)."""
    classes = tuple(instruments)
    ctx = BatchContext(inputs, classes)
    if buffers is None:
        buffers = _buffers(inputs, ctx.S, classes)
    active = [cls(ctx) for cls in classes]
    schemes = [inst for inst in active if isinstance(inst, SupportScheme)]
    valuation = Valuation(ctx, active)
    infra = Infrastructure(ctx)
    st = PlantState.initial(inputs)
    out = buffers.view(ctx.S)
    infra.reserve_base_use(st.route, st.pool)
    _commit_projects(ctx, infra, st)
    for i in range(ctx.Y):
        out.clear(i)
        decide.start_pending(ctx, infra, st, i, out)
        infra.release_supply(i, st.route, st.pending, st.pool)
        running = st.running
        supply = infra.supply_prices(i, st.route, st.pool[..., BIOMASS], valuation.opt)
        # an observer (kruispunt explain) reads the terms the year's values were made of
        ov = valuation.option_values(i, st, breakdown=observer is not None, supply=supply)
        ev = evaluate(
            valuation,
            i,
            st.route,
            running,
            ov,
            valuation.feasible(i, st.route, st.locked),
            st.pending,
            st.left,
            partial(infra.storage_from, i, valuation.opt, st.route),
        )
        value = run_rounds(ev, schemes)
        if observer is not None:
            _ = ev.storage_from  # as the rounds saw it, before the year's grants are reserved
        choice = decide.choose(ctx, infra, value, valuation.opt, st, i)
        now, start_year, reason = decide.schedule(ctx, st, choice, i)
        if observer is not None:
            view = YearView(i, ctx, valuation, st, ov, ev, value, choice, start_year, supply, infra)
            observer(view)
        cover = award(ev, schemes, choice.switching, choice.option, start_year)
        decide.apply(ctx, infra, st, choice, i, now, start_year, reason, cover, out)
        claim = st.claim if st.claims else None
        vented = infra.storage_moves(i, st.route, st.closed, st.pool, claim)
        if claim is not None:
            infra.claims_move(i, st.closed, st.pool, claim)
        account(ctx, infra, active, st, i, vented, out)
    return out


def _buffers(inputs: ModelInputs, S: int, classes: tuple[type[Instrument], ...]) -> Outputs:
    c = inputs.coords
    return Outputs(
        S,
        len(c.plants),
        len(c.years),
        len(c.carriers),
        len(inputs.pools.names),
        [f.name for f in flows(classes)],
    )


def simulate(
    inputs: ModelInputs,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int, int], None] | None = None,
    instruments: Sequence[type[Instrument]] = INSTRUMENTS,
) -> Results:
    """Run every scenario of ``inputs`` and return documented :class:`Results`.

    Parameters
    ----------
    inputs : ModelInputs
        Inputs over S scenarios (an ensemble of one is a single run).
    batch_size : int
        Scenarios per batch; bounds memory. Results do not depend on it.
    progress : callable, optional
        Called as ``progress(n_done, n_total)`` after each batch.
    instruments : sequence of Instrument classes
        The policy instruments to run (default: :data:`kruispunt.policy.registry.INSTRUMENTS`).
    """
    from kruispunt.engine.results import Collector

    n = inputs.n_scenarios
    if n == 0:
        raise ValueError("no scenarios to run")
    inputs.check()
    instrument_names(instruments)
    collector = Collector(inputs, instruments)
    buffers: Outputs | None = _buffers(inputs, min(batch_size, n), tuple(instruments))
    for lo in range(0, n, batch_size):
        idx = np.arange(lo, min(lo + batch_size, n))
        # one batch of every scenario runs on the inputs as they are (a batch reads its
        # inputs, it never writes them: tests/engine/test_simulate.py)
        out = run_batch(inputs if idx.size == n else inputs.select(idx), instruments, buffers)
        last = lo + batch_size >= n
        if last:  # its buffers go as they are copied into the results
            buffers = None
        collector.add(idx, out, release=last)
        del out
        if progress is not None:
            progress(int(idx[-1]) + 1, n)
    return collector.results()
