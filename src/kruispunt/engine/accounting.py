"""Step 7 of the year: what happened, plant by plant. The physical flows and the costs that are
not an instrument's (energy at market prices, opex, CO2 transport and storage) are booked
here; each instrument books its own cash flows
(:meth:`kruispunt.policy.base.Instrument.account`) into the plant items and the government
cash flow. Buffers are year-first ``(Y, S, P)`` so that each year writes one contiguous
block."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kruispunt.engine.context import BatchContext
from kruispunt.engine.infrastructure import Infrastructure
from kruispunt.engine.state import PlantState
from kruispunt.policy.base import PLANT_ITEMS, PLANT_QUANTITIES, Instrument
from kruispunt.vocabulary import BIOMASS, CO2_STORAGE, GJ_PER_MWH, GRID, HOURS_PER_YEAR, HYDROGEN

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]

FLOAT_OUTPUTS = (
    "production",
    "direct_emissions",
    "captured_co2",
    "stored_co2",
    "indirect_emissions",
    "electric_load",
    "peak_load",
    "grid_waiting",
    "capex",
    "opex",
    "energy_cost",
    "hydrogen_bought",
    *PLANT_ITEMS,
    *PLANT_QUANTITIES,
)
"""Per scenario, plant and year results the year loop fills (see schemas/results.csv)."""


@dataclass
class YearRecord:
    """One year's physical flows (the engine's :class:`kruispunt.policy.base.YearState`)."""

    i: int
    year: int
    route: I
    calib: F
    activity: F
    production: F
    emissions: F
    use: F
    started: B
    stored: F
    pending: I | None = None
    hydrogen_room: F | None = None


class Outputs:
    """Year-first result buffers of a batch, allocated once for the largest batch and reused
    (fresh memory is costly to touch); :meth:`view` gives the buffers of a batch of ``S``."""

    def __init__(self, S: int, P: int, Y: int, C: int, Q: int, flows: Sequence[str]) -> None:
        self.plant: dict[str, F] = {name: np.zeros((Y, S, P)) for name in FLOAT_OUTPUTS}
        self.activity = np.zeros((Y, S, P))
        """Output of each plant's route, imported output included [product/yr]."""
        self.route_index = np.zeros((Y, S, P), dtype=np.int16)
        self.switch_reason = np.zeros((Y, S, P), dtype=np.int8)
        self.flows = list(flows)
        self.gov = np.zeros((Y, S, len(self.flows)))
        self.plant_flows = np.zeros((Y, S, P, len(self.flows)))
        """Each flow with each plant (the plant's side of the government's cash flow)."""
        self.pool_use = np.zeros((Y, S, Q))
        self.use = np.zeros((S, P, C))
        """Scratch: the current year's use of every carrier ``(S, P, C)``."""

    def view(self, S: int) -> Outputs:
        """The first ``S`` scenarios' buffers, as left by the last batch: each year is zeroed
        by :meth:`clear` when the year loop reaches it (while it is about to be written, so
        the zeros are still in cache when the year's results land on them)."""
        out = object.__new__(Outputs)
        out.plant = {name: buf[:, :S] for name, buf in self.plant.items()}
        out.activity = self.activity[:, :S]
        out.route_index = self.route_index[:, :S]
        out.switch_reason = self.switch_reason[:, :S]
        out.flows = self.flows
        out.gov = self.gov[:, :S]
        out.plant_flows = self.plant_flows[:, :S]
        out.pool_use = self.pool_use[:, :S]
        out.use = self.use[:S]
        return out

    def clear(self, i: int) -> None:
        """Zero year ``i`` of every result buffer (every write of the year loop goes to the
        current year's block)."""
        buffers: list[npt.NDArray[Any]] = [
            *self.plant.values(),
            self.activity,
            self.route_index,
            self.switch_reason,
            self.gov,
            self.plant_flows,
            self.pool_use,
        ]
        for buf in buffers:
            buf[i] = 0


def account(
    ctx: BatchContext,
    infra: Infrastructure,
    instruments: Sequence[Instrument],
    st: PlantState,
    i: int,
    vented: B,
    out: Outputs,
) -> None:
    """Book year ``i``: physical flows, base costs, infrastructure use and every instrument's
    cash flows."""
    inp = ctx.inputs
    rt = ctx.route
    plants = inp.plants
    cur = st.route
    live = ~st.closed
    activity = np.where(live, ctx.output(i), 0.0)
    calib = ctx.route_calib(cur)
    captured_all = rt.captured[cur, i] * calib * activity
    captured = np.where(vented, 0.0, captured_all)
    emitted = rt.mix.at(rt.mix.emitted, cur, i)
    emissions = emitted * calib * activity + np.where(vented, captured_all, 0.0)
    parts: list[tuple[int, F]] | None = None
    if st.claims:
        captured, emissions, parts = _claimed(ctx, infra, st, i, captured, emissions)
    # what a contract store cannot take (a decided project above its contract) is vented
    over, parts = infra.over_contract(i, st.pool[..., CO2_STORAGE], captured, parts)
    if over is not None:
        captured = captured - over
        emissions = emissions + over
    # each plant's route's inputs gathered into the scratch buffer, then scaled in place
    # (``cur`` holds route indices: "clip" changes none, and unlike "raise" needs no copy)
    use = np.take(inp.routes.inputs[:, :, i], cur, axis=0, out=out.use, mode="clip")
    mix = rt.mix
    if mix.any:  # a flexible load in its scenario's own mix
        mix.fix(use, mix.inputs[..., i], cur)
    np.multiply(use, activity[..., None], out=use)
    elec = use[..., inp.carriers.is_electricity].sum(-1)
    h2 = use[..., inp.carriers.is_hydrogen].sum(-1)
    if inp.routes.own_hydrogen is not None:  # made in the plant's own electrolyser
        h2 = h2 + inp.routes.own_hydrogen[cur, i] * activity
    biomass = use[..., inp.carriers.is_biomass].sum(-1)
    peak = rt.grid[cur, i] * activity
    production = activity * inp.routes.domestic[cur]
    record = YearRecord(
        i=i,
        year=int(inp.coords.years[i]),
        route=cur,
        calib=calib,
        activity=activity,
        production=production,
        emissions=emissions,
        use=use,
        started=st.started,
        stored=captured,  # set below, once the hydrogen bought and the stores are known
        pending=st.pending,
        hydrogen_room=hydrogen_room(infra.hydrogen_capacity, h2),
    )
    # renewable hydrogen bought in place of hydrogen a plant makes itself (the RFNBO
    # obligation): booked before any instrument's cash flows, which see its lower emissions
    # and gas use
    bought, swap_cost, saved_opex, less_captured = _hydrogen_bought(ctx, instruments, record)
    captured -= np.minimum(less_captured, captured)
    if parts:  # less capture comes off the part the held store takes first
        parts = infra.claim_parts_of(parts, captured)
    _pool_use(ctx, infra, st, i, activity, peak, h2, captured, parts, out)
    supply_cost = _supply_cost(infra, st, biomass, out.pool_use[i])
    stored = np.where(st.pool[..., CO2_STORAGE] >= 0, captured, 0.0)
    record.stored = stored
    o = out.plant
    out.route_index[i] = cur
    out.activity[i] = activity
    o["production"][i] = production
    o["direct_emissions"][i] = emissions
    o["captured_co2"][i] = captured
    o["stored_co2"][i] = stored
    o["indirect_emissions"][i] = elec * inp.markets.grid_emission_factor[:, i][:, None]
    o["electric_load"][i] = elec / GJ_PER_MWH / HOURS_PER_YEAR
    o["peak_load"][i] = peak / GJ_PER_MWH / infra.load_hours
    fixed = inp.routes.fixed_opex[cur, i] * plants.capacity[None]
    o["opex"][i] = (
        np.where(live, inp.routes.variable_opex[cur, i] * activity + fixed, 0.0)
        + stored * inp.markets.co2_ts_cost[:, i][:, None]
        - saved_opex
    )
    o["hydrogen_bought"][i] = bought
    market = _market_cost(ctx, i)
    o["energy_cost"][i] = (
        np.take_along_axis(market, cur, axis=1) * activity + supply_cost + swap_cost
    )
    for inst in instruments:
        booking = inst.account(record)
        for item, amount in booking.plant.items():
            o[item][i] += amount
        for flow, amount in booking.gov.items():
            f = out.flows.index(flow)
            if amount.ndim == 2:
                out.plant_flows[i, :, :, f] += amount
                amount = amount.sum(axis=1)
            out.gov[i, :, f] += amount


def _hydrogen_bought(
    ctx: BatchContext, instruments: Sequence[Instrument], record: YearRecord
) -> tuple[F, F, F, F]:
    """Book the renewable hydrogen plants buy in place of their own grey hydrogen
    (:meth:`kruispunt.policy.base.Instrument.hydrogen_bought`) into the year's flows, in
    place: the record's emissions fall by the CO2 it avoids, its carrier use changes by the
    tonnes times the instrument's :meth:`~kruispunt.policy.base.Instrument.swap_per_tonne`.
    Returns the tonnes bought, the change of energy cost at the year's prices, the variable
    O&M saved and the CO2 no longer captured ``(S, P)`` [t/yr], [EUR/yr], [EUR/yr],
    [tCO2/yr]."""
    inp = ctx.inputs
    i = record.i
    shape = record.emissions.shape
    bought, cost, opex, captured = (np.zeros(shape) for _ in range(4))
    for inst in instruments:
        got = inst.hydrogen_bought(record)
        if got is None or not got.tonnes.any():
            continue
        swap = type(inst).swap_per_tonne(inp)
        if swap is None:
            continue
        record.emissions -= got.co2
        record.use += got.tonnes[..., None] * swap[:, i]
        cost += got.tonnes * (inp.markets.price[:, :, i] @ swap[:, i])[:, None]
        bought += got.tonnes
        opex += got.opex
        captured += got.captured
    return bought, cost, opex, captured


def hydrogen_room(capacity: F | None, h2: F) -> F | None:
    """``(S, Y)`` network hydrogen left in each year if the plants' routes use what they use
    this year [carrier/yr]: the supply projects' capacity (``capacity`` ``(S, Y)``,
    :func:`kruispunt.engine.infrastructure.hydrogen_capacity`) less the hydrogen the routes
    use ``h2`` ``(S, P)`` (bought and made in the plants' own electrolysers, each of which
    holds a pool), at least 0; None without hydrogen pools. One national figure: what a
    project has left may still be out of a user's reach (a cluster not yet connected to the
    network)."""
    if capacity is None:
        return None
    return np.asarray(np.maximum(capacity - h2.sum(axis=1)[:, None], 0.0), dtype=np.float64)


def existing_route(ctx: BatchContext) -> I:
    """``(S, P)`` the route whose grid load each plant holds a connection for: a project
    already decided (``commit_route``, contracted with the decision) where the plant has one,
    its decided follow-up project (``follow_route``) where it has one, else today's route."""
    lv = ctx.inputs.levers
    inc = np.broadcast_to(ctx.inputs.plants.incumbent[None, :], lv.commit_route.shape)
    held = np.where(lv.commit_route >= 0, lv.commit_route, inc)
    return np.asarray(np.where(lv.follow_route >= 0, lv.follow_route, held), dtype=np.int64)


def _market_cost(ctx: BatchContext, i: int) -> F:
    """Energy and feedstock bought at market prices per unit of each route in year index
    ``i``, less the carriers it exports ``(S, R)`` [EUR/product]; a flexible load in its
    scenario's own mix (:meth:`kruispunt.engine.context.ScenarioMix.path` on the year)."""
    rt = ctx.route
    year = slice(i, i + 1)
    exports = rt.exports if rt.exports.shape[-1] == 1 else rt.exports[..., year]  # (1, 1, 1): none
    price = ctx.inputs.markets.price[..., year]
    return rt.mix.path(rt.priced[..., year], rt.mix.priced[..., year], price, less=exports)[..., 0]


def _claimed(
    ctx: BatchContext, infra: Infrastructure, st: PlantState, i: int, captured: F, emissions: F
) -> tuple[F, F, list[tuple[int, F]]]:
    """The parts of each plant's ``captured`` CO2 that its claims on earlier stores keep
    there (a move between stores, :func:`kruispunt.engine.decide.carry_claims`): a part
    whose store has ended and found no other is vented. Returns the captured CO2 and the
    emissions after that, and the parts kept ``[(pool, (S, P))]``."""
    parts = []
    alive = ctx.inputs.pools.capacity[:, :, i] > 0
    for q, part in infra.claim_parts(st.claim, captured):
        lost = np.where(alive[:, q, None], 0.0, part)
        captured = captured - lost
        emissions = emissions + lost
        parts.append((q, part - lost))
    return captured, emissions, parts


def _pool_use(
    ctx: BatchContext,
    infra: Infrastructure,
    st: PlantState,
    i: int,
    activity: F,
    peak: F,
    h2: F,
    captured: F,
    parts: list[tuple[int, F]] | None,
    out: Outputs,
) -> None:
    """Use of the pools: new electric load (peak above today's route's, ``peak`` in GJ/yr at
    full load: a flexible load's rated power) and hydrogen per cluster, stored CO2 per store
    (``parts``, :func:`_claimed`): the parts that a plant's claims on earlier pools keep
    there, the rest in the pool it holds (biomass: :func:`_supply_cost`)."""
    inp = ctx.inputs
    rows = np.arange(ctx.S)[:, None]
    peak_base = ctx.route.grid[existing_route(ctx), i] * activity
    new_load = np.maximum(peak - peak_base, 0.0) / GJ_PER_MWH / infra.load_hours
    use = out.pool_use[i]
    # new load, hydrogen and stored CO2 are booked to the pool (grid zone, supply project,
    # store) a plant holds; new load and hydrogen without one (a plant that reserved nothing:
    # its load grew with its output) to its cluster's first pool of the resource
    grid_pool = st.pool[..., GRID]
    grid_pool = np.where(grid_pool >= 0, grid_pool, infra.cluster_pool[GRID][inp.plants.cluster])
    h2_pool = st.pool[..., HYDROGEN]
    h2_pool = np.where(h2_pool >= 0, h2_pool, infra.cluster_pool[HYDROGEN][inp.plants.cluster])
    booked: list[tuple[I, F]] = []
    for pool, amount, split in (
        (grid_pool, new_load, infra.claim_parts(st.claim, new_load, GRID) if st.claims else []),
        (h2_pool, h2, infra.claim_parts(st.claim, h2, HYDROGEN) if st.claims else []),
        (st.pool[..., CO2_STORAGE], captured, parts or []),
    ):
        # the parts that claims on earlier pools keep there, the rest in the pool held
        if split:
            booked += [(np.full_like(pool, q), part) for q, part in split]
            amount = amount - sum(part for _, part in split)
        booked.append((pool, amount))
    for pool, amount in booked:
        has = (pool >= 0) & (amount != 0)
        np.add.at(use, (np.broadcast_to(rows, has.shape)[has], pool[has]), amount[has])


def _supply_cost(infra: Infrastructure, st: PlantState, biomass: F, pool_use: F) -> F:
    """Biomass use of the plants holding each biomass pool, booked into ``pool_use``
    ``(S, Q)``, and what each plant pays on top of the market price ``(S, P)`` [EUR/yr]: its
    claim's price (:attr:`~kruispunt.engine.infrastructure.Infrastructure.claim_price`, the
    step its claim reached when granted) on every unit it burns."""
    held = st.pool[..., BIOMASS]
    cost = np.zeros_like(biomass)
    rows = np.arange(held.shape[0])[:, None]
    has = held >= 0
    if has.any():
        np.add.at(pool_use, (np.broadcast_to(rows, has.shape)[has], held[has]), biomass[has])
        cost = np.where(has, infra.claim_price * biomass, cost)
    return cost
