"""Steps 1, 4 and 5 of the year: start what is pending, choose within the infrastructure
limits, and apply the decisions (switch now, later after the lead time, close with a year's
notice, or renew the current route at its renewal moment)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kruispunt.engine.accounting import Outputs, existing_route
from kruispunt.engine.context import BatchContext
from kruispunt.engine.infrastructure import Infrastructure
from kruispunt.engine.state import KEEP, PlantState
from kruispunt.engine.valuation import kept_electrolyser, option_of, pick, retrofit_capex
from kruispunt.vocabulary import (
    BIOMASS,
    CO2_STORAGE,
    DECIDED_PROJECT_YEARS,
    FAMILY,
    GRID,
    HYDROGEN,
    REASON_CODE,
    RESOURCES,
)

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]

MAX_PASSES = 3
"""Times a plant refused capacity may fall back to its next best option in one year."""
CLOSURE_NOTICE = 1
"""A closure decided in one year takes effect the next (production runs out the year)."""


@dataclass
class Choice:
    """What each plant chose in a year ``(S, P)``."""

    option: I
    """Chosen option (index along K)."""
    route: I
    switching: B
    """Plants that leave their route (a switch or a closure)."""
    waited: B
    """Plants refused scarce capacity for a preferred option this year."""
    refused: B
    """``(S, P, K)`` options refused scarce capacity this year."""
    refused_by: npt.NDArray[np.uint8]
    """``(S, P, K)`` the resources that refused each option this year, a bit each: bit ``r``
    set where :data:`kruispunt.vocabulary.RESOURCES` ``[r]`` refused it (0: none)."""
    grid_asked: F
    """``(S, P)`` new grid capacity [MW] asked for by the first option the grid refused this
    year (0: the grid refused the plant nothing)."""
    pool: I
    """``(S, P, resource)`` the pool each switching plant takes (-1: gives up; ``KEEP``: no
    change) when its new route starts (:func:`apply`)."""
    claim: F
    """``(S, P, resource)`` the use of each switching plant's current route at its peak,
    which a new pool of the resource was not asked for (:func:`carry_claims`; 0: none)."""


def _start(
    ctx: BatchContext, st: PlantState, mask: B, route: I, cover: F, year: int, out: Outputs, i: int
) -> None:
    """Plants in ``mask`` start running ``route`` now: investment spent, asset on the books
    net of what grants paid, renewal due after the route's life; a retrofit of the running
    route (:func:`~kruispunt.engine.valuation.retrofit_capex`) spends its added capex only
    and adds it to the kept asset, whose vintage and renewal year stay."""
    routes = ctx.inputs.routes
    # worked out on the starting plants only (few); the others keep their state
    s, p = np.nonzero(mask)
    r, c = route[s, p], st.route[s, p]
    capacity = ctx.inputs.plants.capacity[p]
    closing = routes.family[r] == FAMILY["closure"]
    capex = np.where(closing, 0.0, routes.capex[r, i] * capacity)
    kept = kept_electrolyser(routes, c, r, i, i)
    if kept is not None:  # the electrolyser the plant runs is kept, not bought again
        capex = capex - np.where(closing, 0.0, kept * capacity)
    # a retrofit of the running route adds its capex to the kept asset: vintage, renewal
    # year and book value stay (unless its renewal fell due: renewed with the retrofit)
    renewal = st.renewal[s, p]
    retro = retrofit_capex(routes, c, r, i, renewal <= year)
    asset = st.asset_capex[s, p]
    new = np.ones(s.shape, dtype=bool)
    if retro is not None:
        capex = np.where(np.isnan(retro), capex, retro * capacity)
        keep = ~np.isnan(retro) & (renewal > year)
        new = ~keep
        asset = np.where(keep, np.maximum(asset + capex - cover[s, p], 0.0), asset)
    booked = out.plant["capex"][i]
    booked[s, p] += capex
    st.asset_capex = st.asset_capex.copy()
    # a grant larger than the route's capex (a decided project whose real investment is more
    # than the model's route costs, Nobian's electric salt plants) leaves no book value
    st.asset_capex[s, p] = np.where(new, np.maximum(capex - cover[s, p], 0.0), asset)
    st.asset_start = st.asset_start.copy()
    st.asset_start[s, p] = np.where(new, year, st.asset_start[s, p])
    life = np.round(routes.lifetime[r]).astype(np.int64)
    st.renewal = st.renewal.copy()
    st.renewal[s, p] = np.where(new, year + life, renewal)
    # the route each starting plant ran until now is one it has left
    moved = r != c
    st.left[s[moved], p[moved], c[moved]] = True
    st.route = np.where(mask, route, st.route)
    st.closed[s, p] |= closing
    st.started |= mask


def take_pools(pool: I, change: I) -> I:
    """``pool`` ``(S, P, resource)`` after a switch's ``change`` (:data:`KEEP`: none).

    Examples
    --------
    >>> take_pools(np.array([[[0, -1, 2]]]), np.array([[[KEEP, 1, -1]]]))
    array([[[ 0,  1, -1]]])
    """
    return np.where(change == KEEP, pool, change)


CLAIMED = (GRID, CO2_STORAGE, HYDROGEN)
"""The resources whose pools keep a claim when a plant moves to another pool of them
(biomass: one national supply, :meth:`Infrastructure.release_supply`)."""


def old_use(ctx: BatchContext, infra: Infrastructure, route: I, rows: I, plants: I, i: int) -> F:
    """What the plants ``plants`` of scenarios ``rows`` ``(n,)`` running ``route`` ``(n,)``
    use in year index ``i`` per unit of peak production, as their pools hold it ``(n,
    resource)``: :meth:`Infrastructure.use_now`, the grid load above the route they hold a
    connection for (:func:`~kruispunt.engine.accounting.existing_route`), the new load a
    grid zone books (:func:`~kruispunt.engine.accounting._pool_use`)."""
    use = infra.use_now(route, i, plants)
    base = infra.use_now(existing_route(ctx)[rows, plants], i, plants)
    use[GRID] = np.maximum(use[GRID] - base[GRID], 0.0)
    return use.T


def carry_claims(st: PlantState, mask: B, change: I, old: F, resource: I) -> None:
    """The pools of the plants in ``mask`` after a switch starts, before ``st.pool`` takes
    the switch's pools ``change`` ``(S, P, resource)`` (:data:`KEEP`: none); ``resource``
    ``(Q,)`` is each pool's resource.

    A plant moving its use of a resource to another pool keeps the part its old route used,
    at its peak, ``old`` ``(S, P, resource)``, in the pool it held: the new pool was asked
    for the extra only (:meth:`~kruispunt.engine.infrastructure.Infrastructure.demand`).
    That part is a claim (:attr:`PlantState.claim`) on the old pool, less what earlier pools
    of the resource already keep; a claim on the pool it moves to becomes part of what that
    pool holds for it. A plant giving up a resource (a route that uses none of it) gives up
    its claims on that resource's pools.

    Examples
    --------
    Esso Rotterdam on Porthos (pool 1) capturing 0.4 Mt/yr moves to a route capturing 1.0
    Mt/yr on Aramis (pool 0), which reserved the extra 0.6: Porthos keeps 0.4.

    >>> from types import SimpleNamespace
    >>> st = SimpleNamespace(pool=np.array([[[-1, 1, -1, -1]]]), claim=np.zeros((1, 1, 2)),
    ...                      claims=False)
    >>> carry_claims(st, np.array([[True]]), np.array([[[KEEP, 0, KEEP, KEEP]]]),
    ...              np.array([[[0.0, 0.4e6, 0.0, 0.0]]]), np.array([1, 1]))
    >>> st.claim
    array([[[     0., 400000.]]])
    """
    for res in CLAIMED:
        new = change[..., res]
        held = st.pool[..., res]
        mine = resource == res  # (Q,) this resource's pools
        if st.claims:
            gone = mask & (new == -1)
            if gone.any():
                s, p = np.nonzero(gone)
                st.claim[s[:, None], p[:, None], np.flatnonzero(mine)[None, :]] = 0.0
        moving = mask & (new >= 0) & (held >= 0) & (new != held)
        if not moving.any():
            continue
        s, p = np.nonzero(moving)
        claim = st.claim[s, p]  # (n, Q)
        kept = np.maximum(old[s, p, res] - claim[:, mine].sum(axis=-1), 0.0)
        claim[np.arange(s.size), held[s, p]] += kept
        claim[np.arange(s.size), new[s, p]] = 0.0
        st.claim[s, p] = claim
        st.claims = st.claims or bool((kept > 0).any())


def start_pending(
    ctx: BatchContext, infra: Infrastructure, st: PlantState, i: int, out: Outputs
) -> None:
    """Step 1: switches whose construction is finished start (and give back the pools they
    give up, :meth:`Infrastructure.release`)."""
    year = int(ctx.inputs.coords.years[i])
    st.started = np.zeros_like(st.closed)
    st.idle = ctx.inputs.levers.availability[:, :, i] <= 0
    starts = (st.pending >= 0) & (st.pending_start <= year)
    # a decided project binds its plant for DECIDED_PROJECT_YEARS from its start
    decided = starts & (st.pending_reason == REASON_CODE["committed_project"])
    st.locked_until = np.where(decided, year + DECIDED_PROJECT_YEARS, st.locked_until)
    st.locked = year < st.locked_until
    if not starts.any():
        return
    route = np.where(starts, st.pending, st.route)
    infra.release(i, starts, st.pending_pool, st.pool)
    carry_claims(st, starts, st.pending_pool, st.pending_claim, ctx.inputs.pools.resource)
    st.pool = take_pools(st.pool, np.where(starts[..., None], st.pending_pool, KEEP))
    st.pending_pool = np.where(starts[..., None], KEEP, st.pending_pool)
    out.switch_reason[i] = np.where(starts, st.pending_reason, out.switch_reason[i])
    _start(ctx, st, starts, route, st.pending_cover, year, out, i)
    st.pending = np.where(starts, -1, st.pending)
    st.pending_cover = np.where(starts, 0.0, st.pending_cover)
    # a decided follow-up project is pending as soon as the committed one has started
    follows = starts & (st.follow >= 0)
    if follows.any():
        st.pending = np.where(follows, st.follow, st.pending)
        st.pending_start = np.where(follows, st.follow_start, st.pending_start)
        st.pending_reason = np.where(
            follows, REASON_CODE["committed_project"], st.pending_reason
        ).astype(np.int8)
        st.pending_pool = np.where(follows[..., None], st.follow_pool, st.pending_pool)
        st.pending_claim = np.where(follows[..., None], st.follow_claim, st.pending_claim)
        st.follow = np.where(follows, -1, st.follow)
        st.follow_pool = np.where(follows[..., None], KEEP, st.follow_pool)


def choose(
    ctx: BatchContext, infra: Infrastructure, value: F, opt: I, st: PlantState, i: int
) -> Choice:
    """Step 4: the best option of every plant that the pools can serve. A plant refused
    capacity takes its next best option, up to :data:`MAX_PASSES` times; the grants of the
    final pass are reserved."""
    S, P, K = value.shape
    cur = st.route
    cur_k = option_of(opt, cur)
    running = st.running
    peak = infra.peak_production(i)
    waited = np.zeros((S, P), dtype=bool)
    refused_k = np.zeros((S, P, K), dtype=bool)
    refused_by = np.zeros((S, P, K), dtype=np.uint8)
    grid_asked = np.zeros((S, P))
    plants = np.arange(P)[None, :]
    v_cur = pick(value, cur_k)
    own = False  # ``value`` is still the caller's array
    choice = np.argmax(value, axis=-1)
    route = opt[plants, choice]
    demand, start = infra.demand(i, route, cur, peak)
    for n_pass in range(MAX_PASSES + 1):
        switching = running & (choice != cur_k)
        gain = pick(value, choice) - v_cur
        refused, given = infra.allocate(demand, start, gain, switching, commit=False)
        first = infra.refused_by[GRID] & (grid_asked <= 0.0)
        grid_asked = np.where(first, demand[GRID], grid_asked)
        any_refused = bool(refused.any())
        if any_refused:
            s_r, p_r = np.nonzero(refused)
            k_r = choice[s_r, p_r]
            refused_k[s_r, p_r, k_r] = True
            for res in range(len(RESOURCES)):  # which resources refused it, a bit each
                bit = infra.refused_by[res][s_r, p_r].astype(np.uint8) * np.uint8(1 << res)
                refused_by[s_r, p_r, k_r] |= bit
        if any_refused and n_pass < MAX_PASSES:
            waited |= refused
            if not own:
                value = value.copy()
                own = True
            value[s_r, p_r, k_r] = -np.inf
            # only the refused plants' values changed: their next best option, its route and
            # what it asks for
            choice[s_r, p_r] = np.argmax(value[s_r, p_r], axis=-1)
            route[s_r, p_r] = opt[p_r, choice[s_r, p_r]]
            demand[:, s_r, p_r], start[s_r, p_r] = infra.demand(
                i, route[s_r, p_r], cur[s_r, p_r], peak[s_r, p_r], plants=p_r
            )
            continue
        first = infra.refused_by[GRID] & (grid_asked <= 0.0)
        grid_asked = np.where(first, demand[GRID], grid_asked)
        waited |= refused
        if not any_refused:
            # the same plants ask for the same again: the grants just found are reserved
            infra.commit_planned()
            break
        switching &= ~refused
        refused, given = infra.allocate(demand, start, gain, switching, commit=True)
        switching &= ~refused
        break
    newly = switching[..., None] & (given >= 0)
    # a plant leaving for a route that uses none of a resource gives up its pool, and what
    # it reserved there, when the new route starts (:meth:`Infrastructure.release`); one
    # whose new route still uses it, asking nothing more, keeps its pool (its use is booked
    # there). The biomass claim is held until the plant stops burning biomass
    # (:meth:`Infrastructure.release_supply`)
    still = infra.uses(route, start).transpose(1, 2, 0)
    released = switching[..., None] & ~newly & ~still
    released[..., BIOMASS] = False
    pool = np.where(newly, given, np.where(released, -1, KEEP))
    # a plant given a pool other than the one it holds keeps its current use there
    # (:func:`carry_claims`), worked out for these only (few)
    claim = np.zeros((S, P, len(RESOURCES)))
    moves = (newly & (st.pool >= 0))[..., list(CLAIMED)].any(axis=-1)
    if moves.any():
        s_m, p_m = np.nonzero(moves)
        use = old_use(ctx, infra, cur[s_m, p_m], s_m, p_m, i) * peak[s_m, p_m, None]
        claim[s_m, p_m] = np.where((newly & (st.pool >= 0))[s_m, p_m], use, 0.0)
    return Choice(
        option=choice,
        route=route,
        switching=switching,
        waited=waited,
        refused=refused_k,
        refused_by=refused_by,
        grid_asked=grid_asked,
        pool=pool,
        claim=claim,
    )


def schedule(
    ctx: BatchContext, st: PlantState, ch: Choice, i: int
) -> tuple[B, I, npt.NDArray[np.int8]]:
    """When each switch starts: now (no lead time), after its lead time, or a closure after
    :data:`CLOSURE_NOTICE`; returns the switches that start now, the start years and the
    reason codes."""
    routes = ctx.inputs.routes
    year = int(ctx.inputs.coords.years[i])
    family = routes.family[ch.route]
    closing = ch.switching & (family == FAMILY["closure"])
    renewal_due = st.renewal <= year
    reason = np.where(renewal_due, REASON_CODE["reinvestment"], REASON_CODE["off_cycle_switch"])
    reason = np.where(family == FAMILY["import"], REASON_CODE["import_intermediate"], reason)
    reason = np.where(closing, REASON_CODE["closure"], reason).astype(np.int8)
    lead = np.where(closing, CLOSURE_NOTICE, routes.lead_time[ch.route])
    now = ch.switching & (lead <= 0)
    start_year = year + np.where(now, 0, lead)
    return now, start_year, reason


def apply(
    ctx: BatchContext,
    infra: Infrastructure,
    st: PlantState,
    ch: Choice,
    i: int,
    now: B,
    start_year: I,
    reason: npt.NDArray[np.int8],
    cover: F,
    out: Outputs,
) -> None:
    """Step 5: switches with a lead time become pending, the others start now; plants that
    stay at a renewal moment renew their asset; plants refused capacity are marked waiting."""
    routes = ctx.inputs.routes
    year = int(ctx.inputs.coords.years[i])
    running = st.running
    renewal_due = st.renewal <= year
    later = ch.switching & ~now
    st.pending = np.where(later, ch.route, st.pending)
    st.pending_start = np.where(later, start_year, st.pending_start)
    st.pending_reason = np.where(later, reason, st.pending_reason)
    st.pending_cover = np.where(later, cover, st.pending_cover)
    st.pending_pool = np.where(later[..., None], ch.pool, st.pending_pool)
    st.pending_claim = np.where(later[..., None], ch.claim, st.pending_claim)
    if now.any():
        infra.release(i, now, ch.pool, st.pool)
    carry_claims(st, now, ch.pool, ch.claim, ctx.inputs.pools.resource)
    st.pool = take_pools(st.pool, np.where(now[..., None], ch.pool, KEEP))
    if now.any():
        out.switch_reason[i] = np.where(now, reason, out.switch_reason[i])
        _start(ctx, st, now, np.where(now, ch.route, st.route), cover, year, out, i)
    renewing = running & renewal_due & ~ch.switching
    if renewing.any():
        capex = routes.capex_renewal[st.route, i] * ctx.inputs.plants.capacity[None]
        out.plant["capex"][i] += np.where(renewing, capex, 0.0)
        st.asset_capex = np.where(renewing, capex, st.asset_capex)
        st.asset_start = np.where(renewing, year, st.asset_start)
        life = np.round(routes.lifetime[st.route]).astype(np.int64)
        st.renewal = np.where(renewing, year + life, st.renewal)
        out.switch_reason[i] = np.where(renewing, REASON_CODE["reinvestment"], out.switch_reason[i])
    waiting = ch.waited & ~ch.switching & (out.switch_reason[i] == 0)
    out.switch_reason[i] = np.where(
        waiting, REASON_CODE["waiting_for_infrastructure"], out.switch_reason[i]
    )
    out.plant["grid_waiting"][i] = np.where(waiting, ch.grid_asked, 0.0)
