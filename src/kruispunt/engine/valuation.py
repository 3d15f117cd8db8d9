"""Step 2 of the year: the value of every option open to every plant.

Value per year = (revenue per unit - expected net unit cost) x production - fixed opex -
capital, where the net unit cost is the operating cost (energy and feedstock at market
prices, CO2 transport and storage, variable opex) plus each instrument's expected unit cost
(:meth:`kruispunt.policy.base.Instrument.unit_cost`), and capital is the annuity of a new
route's investment, or of renewal when staying at a renewal moment, plus the annuity of
writing off the current asset's book value when leaving it. Expected terms are discounted
averages over the option's life from its start (perfect foresight) or today's values (myopic).

Staying keeps the option to close later: its value is the best of running its whole life and
running a few years only (:data:`EXIT_HORIZONS`) then closing, each as the present value of
those years spread over the route's life. A plant whose near-term margin is positive does not
close today for losses it expects in a decade; it closes when its margin over the coming
years turns negative, so closures come one unit at a time as margins fall.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kruispunt.engine.context import BatchContext
from kruispunt.engine.economics import annuity_factor
from kruispunt.engine.expectations import Expected, Windows
from kruispunt.engine.infrastructure import SupplyPrice
from kruispunt.engine.state import PlantState
from kruispunt.inputs import ModelInputs, Routes
from kruispunt.policy.base import Instrument, SupportScheme
from kruispunt.vocabulary import FAMILY

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]

STAY_BONUS = 1e-6
"""Tie-breaker [EUR/yr per unit of capacity]: equal values keep the current route."""
EXIT_HORIZONS: tuple[int, ...] = (1, 3, 10)
"""Years a plant may plan to run before closing, besides its route's whole life [yr]: the
grid on which the value of staying with the option to close later is maximised."""
OPERATING = "operating"
"""Name of the base term: energy and feedstock at market prices, CO2 transport and storage,
variable opex [EUR/product]."""
SUPPLY = "biomass_supply"
"""Name of the term of the biomass supply curve: the price of the step the plant's pool
reaches times the biomass it burns [EUR/product] (:class:`SupplyPrice`)."""
STAY_WINDOW = "stay_window"
"""Name of the term that weighs an option starting after its lead time against staying over
the same years [EUR/product]: staying's expected net unit cost from now less that from the
option's start (:meth:`Valuation.option_values`)."""
_BIOMASS_USE = ("", "biomass_use")
"""Key of the expected biomass per unit of each route [carrier/product]."""


@dataclass
class OptionView:
    """Options being valued (the engine's :class:`kruispunt.policy.base.OptionView`)."""

    t: int
    route: I
    calib: F
    plants: I | None = None

    def plant(self, values: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        if self.plants is not None:
            return np.take(values, self.plants, axis=-1)
        lead = values[None] if values.ndim == 1 else values
        return lead[..., None] if self.route.ndim == 3 else lead


class _YearOf:
    """One expected term, indexed by decision year (:class:`ExpectedTerms`)."""

    def __init__(self, expected: Expected, new: bool) -> None:
        self._expected, self._new = expected, new

    def __getitem__(self, t: int) -> F:
        year = self._expected.year(t)
        return year[..., 0] if self._new else year[..., 1:]


class ExpectedTerms(Mapping[tuple[str, str], _YearOf]):
    """The expected terms of a batch by key ``(instrument, term)``, each indexed by decision
    year: ``terms[key][t]``, worked out when a year is first asked for
    (:class:`kruispunt.engine.expectations.Expected`) rather than held for every year. The
    new-route window (the first) or the staying windows (the others)."""

    def __init__(self, expected: Mapping[tuple[str, str], Expected], new: bool) -> None:
        self._of = {key: _YearOf(e, new) for key, e in expected.items()}

    def __getitem__(self, key: tuple[str, str]) -> _YearOf:
        return self._of[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._of)

    def __len__(self) -> int:
        return len(self._of)


class Positions:
    """Where some entries ``(scenario, route, window)`` of an expected term lie in the term's
    year as it is worked out (:meth:`Expected.own_year`, ``(R, J, S')`` flattened), for the
    two layouts:
    every scenario's rows, or each distinct discount rate's for a path alike in the scenarios
    that discount alike (:attr:`Windows.alike_rows`). :meth:`take` reads the entries with one
    gather, without first copying an alike path's rows onto every scenario.

    Parameters
    ----------
    windows : Windows
        The batch's windows (``S`` scenarios).
    route : ndarray of int, shape ``(1|S, ...)``
        Route of each entry: ``(1, V)`` for one route per slot, ``(S, P)`` for each
        scenario's route of each plant, ``(1, P, K)`` for every option.
    window : ndarray of int or int
        Window of each entry (0: a new route's; 1: staying over the life; 2, ...: the exit
        horizons), broadcast after ``route``'s axes (``(H,)`` adds a last axis).
    n_routes, n_windows : int
        ``R`` and ``J`` of the term's year ``(S', R, J)``.
    """

    def __init__(
        self, windows: Windows, route: I, window: I | int, n_routes: int, n_windows: int
    ) -> None:
        route = np.asarray(route, dtype=np.int64)
        win = np.asarray(window, dtype=np.int64)
        S = len(windows.alike_rows)

        def at(rows: I, routes: I = route) -> I:
            lead = rows.reshape((S,) + (1,) * (routes.ndim - 1))
            n_rows = int(rows.max()) + 1 if rows.size else 0  # S or the distinct rates
            flat = routes * n_windows
            entry = flat[..., None] + win if win.ndim else flat + win
            return np.asarray(entry * n_rows + (lead[..., None] if win.ndim else lead))

        every = np.arange(S, dtype=np.int64)
        self.own = at(every)
        """Positions in a year of every scenario's rows ``(S, ...)``."""
        distinct = np.asarray(windows.alike_rows, dtype=np.int64)
        self.alike = at(distinct)
        """Positions in a year of the distinct rates' rows ``(S, ...)``."""
        self.mixed: I | None = None
        """Positions in a year of a mixed path (:attr:`Expected.mixed`): the distinct rates'
        rows, but on :attr:`Windows.own_routes` every scenario's rows after them."""
        own = windows.own_routes
        if own.size:
            where = np.full(n_routes, -1, dtype=np.int64)
            where[own] = np.arange(own.size)
            pos = where[route]
            n_rows = int(distinct.max()) + 1 if distinct.size else 0
            offset = n_routes * n_windows * n_rows
            part = offset + at(every, np.maximum(pos, 0))
            mine = pos >= 0
            self.mixed = np.where(mine[..., None] if win.ndim else mine, part, self.alike)

    def _layout(self, expected: Expected) -> I:
        """The positions of ``expected``'s entries in its year as it is worked out."""
        if expected.mixed:
            assert self.mixed is not None
            return self.mixed
        return self.alike if expected.alike else self.own

    def take(self, expected: Expected, t: int) -> F:
        """The entries of ``expected`` in decision year ``t``: the values :meth:`Expected.year`
        holds there, read from the rows they are worked out on."""
        return np.asarray(np.take(expected.own_year(t), self._layout(expected)), dtype=np.float64)

    def choose(self, expected: Sequence[Expected], which: I | B, t: int) -> F:
        """For each entry, the term ``expected[which]`` in decision year ``t`` (``which``
        broadcasting against the entries): :func:`numpy.choose` of :meth:`take` of every
        term, read with one gather from the terms' years side by side."""
        layout = {(e.alike, e.mixed) for e in expected}
        if len(layout) != 1:  # worked out on different rows: each term gathered
            index = np.asarray(which, dtype=np.intp)
            return np.asarray(np.choose(index, [self.take(e, t) for e in expected]))
        years = [e.own_year(t).reshape(-1) for e in expected]
        at = self._layout(expected[0])
        index = np.asarray(which, dtype=np.intp) * years[0].size + at
        return np.asarray(np.take(np.concatenate(years), index), dtype=np.float64)


class Terms(Mapping[str, F]):
    """An instrument's expected terms at the options being valued (``x`` of
    :meth:`kruispunt.policy.base.Instrument.unit_cost`), each gathered when the instrument
    first reads it: an instrument reads some of its paths only in its support round (the
    CCfD's reference prices), and a term never read is never gathered."""

    def __init__(
        self,
        names: Sequence[str],
        read: Callable[[str], F],
        choose: Callable[[tuple[str, ...], I | B], F],
        zero: Callable[[str], bool] | None = None,
    ) -> None:
        self._names = dict.fromkeys(names)
        self._read = read
        self._choose = choose
        self._zero = zero
        self._got: dict[str, F] = {}

    def is_zero(self, term: str) -> bool:
        """Whether the term is zero at every option (:func:`kruispunt.policy.base.term_is_zero`):
        from the year's values of every route and window where the engine has them (zero
        there is zero at every option), else from the gathered term."""
        if term not in self._names:
            raise KeyError(term)
        if self._zero is not None:
            return self._zero(term)
        return not np.any(self[term])

    def choose(self, terms: tuple[str, ...], which: I | B) -> F:
        """The term ``terms[which]`` at each option, with one gather
        (:func:`kruispunt.policy.base.choose_term`)."""
        for term in terms:
            if term not in self._names:
                raise KeyError(term)
        return self._choose(terms, which)

    def __getitem__(self, term: str) -> F:
        got = self._got.get(term)
        if got is None:
            if term not in self._names:
                raise KeyError(term)
            got = self._got[term] = self._read(term)
        return got

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass(frozen=True)
class Slots:
    """The distinct (plant, route) pairs among the option slots ``(P, K)``, as a flat list of
    ``V`` slots: plants have fewer options than the widest and the padding repeats the
    incumbent route, so about half of the ``(P, K)`` slots are copies. Per-unit terms are the
    same arithmetic for every copy of a pair (they depend on the scenario, the plant and the
    route only), so they are worked out once per slot and scattered back. Options left out
    (``skip``: closures, whose value is their write-off alone) have no slot and read 0."""

    plant: I
    """Plant of each slot ``(V,)``."""
    route: I
    """Route of each slot ``(V,)``."""
    of: I
    """Slot of each option ``(P, K)`` (``V`` for an option left out: a zero past the slots)."""
    first: I
    """Position of each slot's first option in the flattened ``(P, K)`` ``(V,)``."""
    skipped: bool = False
    """Whether some options have no slot."""

    @classmethod
    def of_options(cls, opt: I, n_routes: int, skip: B | None = None) -> Slots:
        """The slots of the option routes ``opt`` ``(P, K)`` (every entry a route index),
        but for the options ``skip`` ``(P, K)`` (None: none)."""
        P, K = opt.shape
        pair = (np.arange(P)[:, None] * n_routes + opt).reshape(-1)
        keep = np.ones(P * K, dtype=bool) if skip is None else ~np.asarray(skip).reshape(-1)
        uniq, first, inverse = np.unique(pair[keep], return_index=True, return_inverse=True)
        of = np.full(P * K, len(uniq), dtype=np.int64)
        of[keep] = np.asarray(inverse).reshape(-1)
        return cls(
            plant=np.asarray(uniq // n_routes, dtype=np.int64),
            route=np.asarray(uniq % n_routes, dtype=np.int64),
            of=of.reshape(P, K),
            first=np.asarray(np.flatnonzero(keep)[first], dtype=np.int64),
            skipped=not bool(keep.all()),
        )

    def gather(self, values: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        """``(..., P, K)`` -> ``(..., V)``: each slot's value at its first option."""
        flat = values.reshape(*values.shape[:-2], -1)
        return np.take(flat, self.first, axis=-1)

    def scatter(self, values: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        """``(..., V)`` -> ``(..., P, K)``: each option gets its slot's value (an option
        without a slot 0)."""
        if self.skipped:
            values = np.concatenate([values, np.zeros((*values.shape[:-1], 1), values.dtype)], -1)
        return np.take(values, self.of, axis=-1)


@dataclass
class OptionValues:
    """Values of every option ``(S, P, K)`` in one decision year."""

    value: F
    """[EUR/yr]"""
    production: F
    """[product/yr]"""
    abated: F
    """Emissions avoided against the current route [tCO2/yr]."""
    capex_annuity: F
    """Annuity of a new route's investment [EUR/yr]."""
    terms: dict[str, F]
    """Per-unit terms [EUR/product] (``operating`` and one per instrument) and the yearly
    items ``revenue``, ``fixed``, ``capital``, ``writeoff`` [EUR/yr]."""
    stay_without: Callable[[F], F] | None = None
    """The value of each plant's current route ``(S, P)`` [EUR/yr] less a yearly amount
    ``(S, P)`` it keeps by staying (a contract's value), with the option to close later
    weighed again on that lower value: what staying is worth without the contract (None:
    not known)."""
    stay_need: Callable[[F, F], F] | None = None
    """``stay_need(amount, target)``: the least yearly amount ``(S, P)`` [EUR/yr] a plant
    must earn while it runs its current route, in place of ``amount``, for staying (with the
    option to close later) to be worth ``target`` ``(S, P)``; 0 where staying without it is
    worth that already. An amount earned only while the plant runs counts in full over the
    whole life and by the share of the life's annuity at an exit horizon, so this is the
    inverse of :attr:`stay_without` plus the amount, not ``target - stay_without(amount)``
    (None: not known)."""


def _stay_functions(
    stay: F, bonus: F, exit_terms: tuple[Callable[[F], F], Callable[[F, F], F]] | None
) -> tuple[Callable[[F], F], Callable[[F, F], F]]:
    """:attr:`OptionValues.stay_without` and :attr:`OptionValues.stay_need` for the value of
    staying the whole life ``stay`` ``(S, P)`` [EUR/yr] and the tie-breaker ``bonus``
    ``(P,)``: with the exit horizons' value and its inverse (:meth:`Valuation._exit_terms`),
    or without them (then staying less an amount is just that)."""
    if exit_terms is None:

        def without(amount: F) -> F:
            return stay - amount + bonus

        def need(amount: F, target: F) -> F:
            return np.asarray(np.maximum(target - (stay - amount + bonus), 0.0))

        return without, need
    exits, needed = exit_terms

    def without_h(amount: F) -> F:
        return exits(stay - amount) + bonus

    def need_h(amount: F, target: F) -> F:
        return needed(stay - amount, target - bonus)

    return without_h, need_h


class Valuation:
    """Expected terms of every route, computed once per batch, and the option values."""

    def __init__(self, ctx: BatchContext, instruments: Sequence[Instrument]) -> None:
        self.ctx = ctx
        self.instruments = list(instruments)
        inp = ctx.inputs
        r = ctx.route
        fin = inp.finance
        lead = inp.routes.lead_time.astype(np.int64)
        zero = np.zeros_like(lead)
        markets = inp.markets
        operating = (
            r.mix.path(r.priced, r.mix.priced, ctx.ext(markets.price), less=r.exports)
            + r.captured[None] * ctx.ext(markets.co2_ts_cost)[:, None, :]
            + ctx.ext(inp.routes.variable_opex)[None]
        )
        paths: dict[tuple[str, str], F] = {("", OPERATING): operating}
        S = len(fin.discount_rate)
        paths[_BIOMASS_USE] = np.broadcast_to(r.biomass[None], (S, *r.biomass.shape))
        for inst in self.instruments:
            for term, path in inst.paths().items():
                paths[(inst.name, term)] = path
        self.horizons = tuple(h for h in EXIT_HORIZONS if h < int(ctx.life.max()))
        windows = [
            (lead, ctx.life),
            (zero, ctx.life),
            *((zero, np.minimum(ctx.life, h)) for h in self.horizons),
        ]
        self.leads = tuple(int(v) for v in np.unique(lead) if v > 0)
        """Lead times of the routes: staying is also valued from each, over its life, so
        that an option starting later is compared with staying over the same years."""
        windows += [(np.full_like(lead, v), ctx.life) for v in self.leads]
        own = r.mix.rows  # routes in each scenario's own mix (Expected.mixed)
        expect = Windows(fin.discount_rate, windows, operating.shape[-1], ctx.Y, fin.myopic, own)
        expected = {key: Expected(expect, path) for key, path in paths.items()}
        del paths
        self._expected = expected
        self._windows = expect
        self._n_windows = len(windows)
        self.new = ExpectedTerms(expected, new=True)
        """Expected terms of a new route, from its start over its life: ``new[key][t]``
        ``(S, R)`` in decision year ``t``."""
        self.stay = ExpectedTerms(expected, new=False)
        """Expected terms of staying on a route: ``stay[key][t]`` ``(S, R, 1 + H)`` over its
        whole life, then over each horizon ``h`` of :attr:`horizons` (running ``h`` years
        only), side by side so that one gather serves them all."""
        rate = fin.discount_rate[:, None]  # (S, 1)
        self.annuity_life = _present_value_factor(rate, ctx.life[None, :])  # (S, R)
        self.annuity_h = {
            h: _present_value_factor(rate, np.minimum(ctx.life, h)[None, :]) for h in self.horizons
        }
        self.terms_of: dict[str, list[str]] = {}
        """Each instrument's expected terms."""
        for inst_name, term in self.new:
            self.terms_of.setdefault(inst_name, []).append(term)
        self.valued = [inst for inst in self.instruments if inst.name in self.terms_of]
        """Instruments that add a term to the option values."""
        self.opt = np.where(
            inp.plants.options >= 0, inp.plants.options, inp.plants.incumbent[:, None]
        )
        self.opt_valid = inp.plants.options >= 0
        family = inp.routes.family[self.opt]
        self.opt_closure = family == FAMILY["closure"]
        self.opt_low = ctx.low_carbon[self.opt]
        self.calib_k = ctx.route_calib(self.opt[None])  # (1, P, K)
        self.slots = Slots.of_options(self.opt, ctx.R, skip=self.opt_closure)
        """The distinct (plant, route) slots of the options but closures: unit costs are
        worked out on these (:meth:`_unit_costs`). A closure's value is its write-off alone
        (:meth:`option_values`), so its unit costs, about a fifth of the slots', would be
        worked out for nothing: they are 0 in the terms."""
        self._slot_view_parts = (
            self.slots.route[None],
            np.asarray(self.slots.gather(self.calib_k), dtype=np.float64),
        )
        self.crf_k = ctx.crf_sr[:, self.opt]
        """Capital recovery factor of every option ``(S, P, K)`` [1/yr]."""
        cap = inp.plants.capacity
        self._kept_free = bool(
            np.all(np.isfinite(self.crf_k) & ~np.signbit(self.crf_k))
            and np.all(np.isfinite(cap) & ~np.signbit(cap))
        )
        """Whether the capital recovery factors and capacities are finite and not negative:
        then a zero kept electrolyser leaves an option's capex as it is (:func:`less_kept`)."""
        self._allowed: B = inp.levers.route_allowed[:, self.opt] | self.opt_closure[None]
        """Options the scenario allows (closure always) ``(S, P, K)``."""
        self._closure_at = np.asarray(np.flatnonzero(self.opt_closure), dtype=np.int64)
        """Closure options ``(P, K)`` flattened."""
        self._own_h2_at = _options_where(self.opt, _own_electrolyser_routes(inp.routes))
        """Options ``(P, K)`` flattened whose route makes hydrogen in its own electrolyser in
        some year: the only ones where a kept electrolyser can lessen the capex."""
        self._retro_at = _options_where(self.opt, _retrofit_routes(inp.routes))
        """Options ``(P, K)`` flattened whose route is a retrofit of some route: the only ones
        :func:`retrofit_capex` can price."""
        self._only_at, self._held = _feasibility_at(self.opt, inp)
        """The options ``(P, K)`` flattened whose route is reached only by retrofitting its
        base, and the plants on a campaign in some scenario: the only ones
        :meth:`feasible`'s retrofit-only and campaign rules concern."""
        self._at_slots = Positions(expect, self.slots.route[None], 0, ctx.R, len(windows))
        """Where the slots' new-route terms ``(S, V)`` lie in an expected term's year."""
        self._lead_at: tuple[I, B] | None = None  # :meth:`_stay_window`'s, once a batch
        self._at_options = Positions(expect, self.opt[None], 0, ctx.R, len(windows))
        """Where every option's new-route terms ``(S, P, K)`` lie in an expected term's year."""

    def _at_current(self, cur: I) -> Positions:
        """Where the terms of staying on the current routes ``cur`` ``(S, P)`` lie in an
        expected term's year: over the whole life, then each exit horizon ``(S, P, 1 + H)``."""
        J = self._n_windows
        return Positions(self._windows, cur, np.arange(1, J), self.ctx.R, J)

    def gather(self, key: tuple[str, str], t: int) -> F:
        """Expected term ``key`` of every option ``(S, P, K)`` (new-route window)."""
        return self._at_options.take(self._expected[key], t)

    def new_on(self, key: tuple[str, str], t: int, s: I, route: I) -> F:
        """Expected term ``key`` of a new route in decision year ``t`` at a flat list of
        scenarios ``s`` and routes ``route`` ``(n,)``: the entries ``new[key][t][s, route]``,
        read from the rows the term is worked out on
        (:meth:`kruispunt.engine.expectations.Expected.own_year`) without
        laying its year out for every scenario."""
        expected = self._expected[key]
        if expected.mixed:
            return np.asarray(expected.year(t)[s, route, 0], dtype=np.float64)
        rows = np.asarray(self._windows.alike_rows)[s] if expected.alike else s
        return np.asarray(expected.own_year(t)[route, 0, rows], dtype=np.float64)

    def stay_over_life(self, key: tuple[str, str], t: int) -> F:
        """Expected term ``key`` of staying on each route for its whole life from year ``t``
        ``(S, R)`` (the first column of :attr:`stay`; the exit horizons follow it)."""
        return np.asarray(self.stay[key][t][..., 0], dtype=np.float64)

    def _stay_terms(self, key: tuple[str, str], t: int, at: I) -> F:
        """Expected term ``key`` of staying on the current routes at ``at`` (positions in the
        flattened ``(S, R)``) ``(S, P, 1 + H)``: whole life, then each exit horizon."""
        yr = self._expected[key].year(t)  # the new-route window first, then staying's
        return np.asarray(np.take(yr.reshape(-1, yr.shape[-1]), at, axis=0)[..., 1:])

    def _exit_option(
        self,
        t: int,
        st: PlantState,
        stay_value: F,
        per_unit: F,
        prod: F,
        crf_cur: F,
        net_h: F,
    ) -> F:
        """Value of staying with the option to close later ``(S, P)`` [EUR/yr]: the best of
        ``stay_value`` (the whole life) and, for each horizon ``h``, the value of running ``h``
        years then closing: the present value of those years over the life's annuity factor,
        less the write-off of the book value left at the closure, annualised as a closure's
        write-off is and discounted to today. ``net_h`` ``(S, P, H)`` is the net unit cost
        of staying ``h`` years for each horizon."""
        return self._exit_terms(t, st, per_unit, prod, crf_cur, net_h)[0](stay_value)

    def _exit_terms(
        self, t: int, st: PlantState, per_unit: F, prod: F, crf_cur: F, net_h: F
    ) -> tuple[Callable[[F], F], Callable[[F, F], F]]:
        """:meth:`_exit_option` as a function of the value of staying the whole life
        ``(S, P)`` (the horizons' terms worked out once, for the engine's stay value and for
        the same stay less a contract's value, :attr:`OptionValues.stay_without`), and its
        inverse ``need(stay_value, target)``: the least yearly amount earned while running
        that lifts the best of staying the whole life and each exit horizon to ``target``
        (each piece is linear in the amount: slope 1 over the whole life, the horizon's
        annuity over the life's at a horizon), at least 0."""
        cur = st.route
        at = _flat_index(cur, self.ctx.R)
        life = np.take(self.annuity_life, at)
        rate = self.ctx.inputs.finance.discount_rate[:, None]
        parts = [
            (
                (per_unit - net_h[..., j]) * prod,
                np.take(self.annuity_h[h], at),
                st.book_value(t, h) * crf_cur * (1.0 + rate) ** -h,
            )
            for j, h in enumerate(self.horizons)
        ]

        def best_of(stay_value: F) -> F:
            best = stay_value
            for more, annuity, later in parts:
                value_h = stay_value + more
                best = np.maximum(best, value_h * annuity / life - later)
            return best

        def need(stay_value: F, target: F) -> F:
            least = target - stay_value
            for more, annuity, later in parts:
                with np.errstate(divide="ignore", invalid="ignore"):
                    at_h = np.where(
                        annuity > 0, (target + later) * life / annuity - stay_value - more, np.inf
                    )
                least = np.minimum(least, at_h)
            return np.asarray(np.maximum(least, 0.0), dtype=np.float64)

        return best_of, need

    def _unit_costs(
        self,
        t: int,
        cur: I,
        supply: SupplyPrice | None = None,
        breakdown: bool = True,
        is_cur: B | None = None,
    ) -> tuple[dict[str, F], F, F]:
        """Per-unit terms of every option and their sum ``(S, P, K)``: options valued as new
        routes, the current route as staying (the terms only with ``breakdown``); and the net
        unit cost of staying on the current route ``(S, P, 1 + H)``, over its whole life then
        over each exit horizon (:attr:`horizons`). New options' terms are worked out once
        per distinct (plant, route) slot (:class:`Slots`) and scattered back to the options:
        the same arithmetic, element for element, as on the padded ``(S, P, K)``. ``is_cur``:
        whether each option is the current route, when the caller has it."""
        slots = self.slots
        if is_cur is None:
            is_cur = self.opt[None] == cur[:, :, None]
        route_v, calib_v = self._slot_view_parts
        opts = OptionView(t, route_v, calib_v, plants=slots.plant)
        stay_shape = (*cur.shape, 1 + len(self.horizons) + len(self.leads))
        now = OptionView(
            t,
            np.broadcast_to(cur[..., None], stay_shape),
            np.broadcast_to(self.ctx.route_calib(cur)[..., None], stay_shape),
        )
        at_cur = self._at_current(cur)
        expected = self._expected

        def new_at(key: tuple[str, str]) -> F:
            """The new-route term ``key`` of every slot ``(S, V)``."""
            return self._at_slots.take(expected[key], t)

        def cur_at(key: tuple[str, str]) -> F:
            """The term ``key`` of staying on the current routes ``(S, P, 1 + H)``."""
            return at_cur.take(expected[key], t)

        def x_of(name: str, current: bool) -> Terms:
            at = at_cur if current else self._at_slots
            return Terms(
                self.terms_of.get(name, ()),
                lambda term: at.take(expected[(name, term)], t),
                lambda terms, which: at.choose([expected[(name, k)] for k in terms], which, t),
                lambda term: not expected[(name, term)].own_year(t).any(),
            )

        def life(c: F | float) -> F:
            """The whole-life column of the current route's ``c``, against the options."""
            a = np.asarray(c)
            return a[..., 0, None] if a.ndim else a

        def options(c: F | float) -> F:
            """A slot term ``(S|1, V)`` (or a number) on the options ``(S|1, P, K)``."""
            a = np.asarray(c, dtype=np.float64)
            return np.asarray(slots.scatter(a), dtype=np.float64) if a.ndim else a

        # the sums of new options' and of the current route's terms, chosen between once:
        # each option adds its terms in the same order as the breakdown lists them
        terms: dict[str, F] = {}
        total_new = new_at(("", OPERATING))  # (S, V)
        total_cur = cur_at(("", OPERATING))
        if breakdown:
            terms[OPERATING] = np.where(is_cur, life(total_cur), options(total_new))
        if supply is not None:
            bio_new = np.asarray(slots.gather(supply.option), dtype=np.float64) * new_at(
                _BIOMASS_USE
            )
            bio_cur = supply.current[..., None] * cur_at(_BIOMASS_USE)
            total_cur[..., 1:] += bio_cur[..., 1:]
            term = np.where(is_cur, life(bio_cur), options(bio_new))
            if term.any():
                if breakdown:
                    terms[SUPPLY] = term
                total_new += bio_new
                total_cur[..., 0] += bio_cur[..., 0]
        zero_added = False
        for inst in self.valued:
            c_new = inst.unit_cost(x_of(inst.name, False), opts)
            c_cur = inst.unit_cost(x_of(inst.name, True), now)
            if np.ndim(c_new) == 0 and np.ndim(c_cur) == 0 and c_new == 0 and c_cur == 0:
                # adding a zero changes -0.0 to +0.0 and nothing else; that commutes with
                # the other additions and is idempotent, so one addition after the loop
                # gives the same bits as one per instrument costing nothing (adding -0.0
                # changes nothing)
                zero_added |= not np.signbit(c_cur)
                continue
            if breakdown:
                terms[inst.name] = np.where(is_cur, life(c_cur), options(c_new))
            total_new += c_new
            total_cur += c_cur
        if zero_added:
            total_cur[..., 1:] += 0.0
        total = np.where(is_cur, life(total_cur), options(total_new))
        return terms, total, total_cur

    def _capex_new(self, t: int, cur: I, renewal: I, t_start: I) -> tuple[F, I, B | None]:
        """Capex annuity of every option as a new route ``(S, P, K)`` [EUR/yr] for plants on
        ``cur`` with their renewal years ``renewal`` ``(S, P)``, options starting in year
        index ``t_start`` ``(P, K)``: less the electrolyser a plant keeps
        (:func:`kept_electrolyser`), a retrofit of the current route at its added capex
        (:func:`retrofit_capex`). Each worked out on the few options whose route can have
        it. Also the options that are retrofits (flattened ``(P, K)``) and, on those, whether
        it applies ``(S, n)`` (None: no retrofit table): their asset is not written off."""
        ctx = self.ctx
        inp = ctx.inputs
        routes = inp.routes
        opt = self.opt
        cap = inp.plants.capacity[None, :, None]
        crf = self.crf_k
        capex_new = routes.capex[opt, t_start][None] * crf * cap
        S = cur.shape[0]
        flat_crf = crf.reshape(S, -1)
        flat_cap = inp.plants.capacity
        if self._kept_free:  # the plant keeps the electrolyser it runs: worked out on the
            # options whose route makes hydrogen in its own electrolyser (elsewhere +0 is kept)
            at = self._own_h2_at
            if at.size and routes.own_hydrogen is not None:
                sub_new, sub_start = opt.reshape(-1)[at], t_start.reshape(-1)[at]
                on = routes.own_hydrogen[sub_new, sub_start] > 0
                at, sub_new, sub_start = at[on], sub_new[on], sub_start[on]
                p = at // opt.shape[1]
                kept = kept_electrolyser(routes, cur[:, p], sub_new[None], t, sub_start[None])
                if kept is not None and at.size:
                    flat = capex_new.reshape(S, -1)
                    flat[:, at] = less_kept(flat[:, at], kept, flat_crf[:, at], flat_cap[p], True)
        else:
            kept = kept_electrolyser(routes, cur[:, :, None], opt[None], t, t_start[None])
            if kept is not None:
                capex_new = less_kept(capex_new, kept, crf, cap, False)
        # a retrofit of the current route adds its capex to the running plant (at the
        # plant's renewal moment: to the base's renewal); its asset is kept, not written off:
        # worked out on the few options whose route is a retrofit of some route
        retro_on: B | None = None
        at_r = self._retro_at
        if routes.retrofit_pair is not None and at_r.size:
            p_r = at_r // opt.shape[1]
            new_r, start_r = opt.reshape(-1)[at_r], t_start.reshape(-1)[at_r]
            due_start = renewal[:, p_r] <= inp.coords.years[start_r][None]
            retro = retrofit_capex(routes, cur[:, p_r], new_r[None], start_r[None], due_start)
            if retro is not None:
                retro_on = ~np.isnan(retro)
                flat = capex_new.reshape(S, -1)
                flat[:, at_r] = np.where(
                    retro_on, retro * flat_crf[:, at_r] * flat_cap[p_r], flat[:, at_r]
                )
        return capex_new, at_r, retro_on

    def option_values(
        self,
        t: int,
        st: PlantState,
        breakdown: bool = False,
        supply: SupplyPrice | None = None,
    ) -> OptionValues:
        """Value, production, abatement and capex annuity of every option in year ``t``, with
        the biomass supply-curve price ``supply`` (:meth:`Infrastructure.supply_prices`;
        None: no price step)."""
        ctx = self.ctx
        inp = ctx.inputs
        routes = inp.routes
        cur = st.route
        opt = self.opt
        is_cur = opt[None] == cur[:, :, None]
        prod = ctx.output(t)[:, :, None]
        cap = inp.plants.capacity[None, :, None]
        terms, net, net_stay = self._unit_costs(t, cur, supply, breakdown, is_cur)
        # capital: a new route pays its annuity; staying at a renewal moment pays renewal
        t_start = np.minimum(t + routes.lead_time[opt], ctx.Y - 1)  # (P, K)
        capex_new, retro_at, retro_on = self._capex_new(t, cur, st.renewal, t_start)
        # staying pays renewal when due: the current route's renewal capex annuity
        crf_cur = np.take(ctx.crf_sr, _flat_index(cur, ctx.R))[:, :, None]
        capex_renew = routes.capex_renewal[cur, t][:, :, None] * crf_cur * cap
        renewal_due = (st.renewal <= int(inp.coords.years[t]))[:, :, None]
        capital = np.where(is_cur, np.where(renewal_due, capex_renew, 0.0), capex_new)
        fixed = routes.fixed_opex[opt, t_start][None] * cap
        # leaving the current asset writes off its book value, annualised over its own life,
        # the same for every option (switch or closure)
        writeoff = np.where(is_cur, 0.0, st.book_value(t)[:, :, None] * crf_cur)
        S = cur.shape[0]
        if retro_on is not None:
            flat = writeoff.reshape(S, -1)
            flat[:, retro_at] = np.where(retro_on, 0.0, flat[:, retro_at])
        # an option that starts after its lead time is weighed against staying over the
        # same years (the years before it starts the plant stays either way)
        if self.leads:
            window = self._stay_window(net_stay, is_cur)
            net = net + window
            if breakdown:
                terms[STAY_WINDOW] = window
        revenue = inp.markets.plant_price[:, :, None]
        contracts = self._contracts(t, cur, prod[..., 0])  # kept only by staying
        # (revenue - net) * prod - fixed - capital - writeoff + contracts kept, in place
        value = revenue - net
        value *= prod
        value -= fixed
        value -= capital
        value -= writeoff
        value += contracts[..., None] * is_cur
        exit_gain = np.zeros(value.shape)
        k_cur = option_of(opt, cur)  # the current route's option
        stay = pick(value, k_cur)
        bonus = STAY_BONUS * inp.plants.capacity
        terms_h = None
        if self.horizons:
            net_cur = pick(net, k_cur)
            terms_h = self._exit_terms(
                t, st, net_cur, prod[..., 0], crf_cur[..., 0], net_stay[..., 1:]
            )
            exit_gain = np.where(is_cur, (terms_h[0](stay) - stay)[..., None], 0.0)
            value += exit_gain
        stay_without, stay_need = _stay_functions(stay, bonus, terms_h)

        # closing is never preferred at equal value: operating (stay or switch) wins ties
        # (written on the closure options only)
        at_c = self._closure_at
        p_c = at_c // opt.shape[1]
        value.reshape(S, -1)[:, at_c] = (
            -writeoff.reshape(S, -1)[:, at_c] - (STAY_BONUS * inp.plants.capacity)[p_c]
        )
        value += STAY_BONUS * cap * is_cur
        mix = ctx.route.mix
        em_cur = (mix.at(mix.emitted, cur, t) * ctx.route_calib(cur))[:, :, None]
        em_opt = mix.at(mix.emitted, opt[None], t_start[None]) * self.calib_k
        abated = em_cur - em_opt
        abated.reshape(S, -1)[:, at_c] = 0.0
        abated *= prod
        if breakdown:
            terms["contracts"] = np.where(is_cur, contracts[..., None], 0.0)
            terms["exit_option"] = exit_gain
            terms.update(
                revenue=np.broadcast_to(revenue * prod, value.shape),
                fixed=np.broadcast_to(fixed, value.shape),
                capital=capital,
                writeoff=np.broadcast_to(writeoff, value.shape),
            )
        return OptionValues(
            value=value,
            production=np.broadcast_to(prod, value.shape),
            abated=abated,
            capex_annuity=capex_new,
            terms=terms if breakdown else {},
            stay_without=stay_without,
            stay_need=stay_need,
        )

    def _stay_window(self, net_stay: F, is_cur: B) -> F:
        """Per unit, for every option ``(S, P, K)`` [EUR/product]: staying's expected net unit
        cost from now less that from the option's lead time (``net_stay`` ``(S, P, 1 + H +
        L)``: over the life, the exit horizons, then from each of :attr:`leads`); 0 for
        staying and for options without a lead time. A cost term of the option, negative
        where the option's years cost staying more."""
        # where each option's column from its lead time lies in the flattened net_stay, and
        # the options without a lead time: the same every year of the batch
        if self._lead_at is None or self._lead_at[0].shape != is_cur.shape:
            H = len(self.horizons)
            lead_k = self.ctx.inputs.routes.lead_time[self.opt]  # (P, K)
            col = np.zeros(self.opt.shape, dtype=np.int64)
            for j, v in enumerate(self.leads):
                col = np.where(lead_k == v, 1 + H + j, col)
            S, P, C = net_stay.shape
            rows = np.arange(S * P, dtype=np.int64).reshape(S, P, 1) * C
            self._lead_at = (rows + col[None], col == 0)
        at, no_lead = self._lead_at
        later = np.take(np.ascontiguousarray(net_stay).reshape(-1), at)  # net_stay[s, p, col]
        return np.asarray(
            np.where(is_cur | no_lead, 0.0, net_stay[..., :1] - later), dtype=np.float64
        )

    def _contracts(self, t: int, cur: I, prod: F) -> F:
        """Yearly value of the support contracts each plant keeps by staying ``(S, P)``."""
        total = np.zeros(cur.shape)
        for inst in self.instruments:
            if isinstance(inst, SupportScheme):
                kept = inst.contract_value(t, cur, prod)
                if kept is not None:
                    total += kept
        return total

    def feasible(self, t: int, cur: I, locked: B | None = None) -> B:
        """``(S, P, K)``: options that exist and can start in time (earliest year, hydrogen
        connection, the end of a campaign, allowed by the scenario, a permit for a new
        installation in the decision year, :meth:`ModelInputs.permitted`; a route reached only by
        retrofit, ``Routes.retrofit_only``, only from its running base); the current route
        always, and only it in a year before the scenario's first year of own decisions
        (``Levers.decide_from``: history, the events to date). A plant bound to a decided
        project (``locked`` ``(S, P)``, :data:`DECIDED_PROJECT_YEARS` from its start) may only
        move on by adding to it: to a retrofit of its route
        (``Routes.retrofit_pair``, Tata's DRI plant adding capture) that emits less (net of
        capture). It does not close, nor leave the project it has just built for another
        route that emits less (Nobian's electric salt plants for biomass boilers, Shell
        Pernis's Holland Hydrogen 1 supply for post-combustion capture without it)."""
        inp = self.ctx.inputs
        routes = inp.routes
        year = int(inp.coords.years[t])
        opt = self.opt
        start = year + routes.lead_time[opt]  # (P, K)
        ok = self.opt_valid & (start >= routes.earliest_year[opt])
        permitted = inp.permitted(t)  # no permit for a new installation (nitrogen)
        if permitted is not None and len(permitted) == 1:  # alike in every scenario
            ok &= permitted[0, opt]
        out: B = ok[None] & self._allowed  # (S, P, K)
        if permitted is not None and len(permitted) > 1:  # a scenario's own permits_from
            out &= permitted[:, opt]
        # a route that needs hydrogen starts no earlier than the plant's cluster is connected
        needs_h2 = np.flatnonzero(self.ctx.route.hydrogen[opt, t] > 0)
        if needs_h2.size:
            p = needs_h2 // opt.shape[1]
            h2_year = inp.pools.hydrogen_year[:, inp.plants.cluster[p]]  # (S, n)
            flat = out.reshape(out.shape[0], -1)
            flat[:, needs_h2] &= start.reshape(-1)[needs_h2][None] >= h2_year
        # a plant on a campaign (an asset renewed to run until a year: Tata's blast furnace 6)
        # starts no other route before it; it may close
        # (worked out on the plants with a campaign in some scenario: elsewhere the year is
        # 0 and every option starts after it)
        held = self._held
        if held.size:
            after = start[held][None] >= inp.levers.hold_year[:, held, None]
            out[:, held] &= after | self.opt_closure[held][None]
        # a route reached only by retrofitting its base starts only from a running base
        # (capture added to Tata Steel's gas DRI plant after it starts on gas): worked out on
        # the options whose route is reached only so (few)
        at = self._only_at
        if at.size and routes.retrofit_pair is not None:
            flat = out.reshape(out.shape[0], -1)
            base = cur[:, at // opt.shape[1]]
            flat[:, at] &= routes.retrofit_pair[opt.reshape(-1)[at][None], base] >= 0
        # before a scenario's first year of own decisions (``decisions_from``) its plants do
        # only what the events and the commitments record: staying is the one option
        history = inp.levers.decide_from > year  # (S,)
        if history.any():
            out &= ~history[:, None, None]
        is_cur: B = opt[None] == cur[:, :, None]
        out |= is_cur
        if locked is not None and locked.any():  # worked out on the plants locked somewhere
            bound = np.flatnonzero(locked.any(axis=0))
            opt_b, cur_b = opt[bound], cur[:, bound]
            mix = self.ctx.route.mix  # each scenario's mix of a flexible load
            emitted = mix.emitted[:, :, t]  # (S|1, R)
            lower = emitted[:, opt_b] < mix.at(mix.emitted, cur_b, t)[:, :, None]  # (S, n, K)
            onward = lower & ~self.opt_closure[bound][None]
            pair = inp.routes.retrofit_pair
            if pair is None:
                onward = np.zeros_like(onward)
            else:  # onward only by adding to the decided plant (a retrofit of it)
                onward &= pair[opt_b[None], cur_b[:, :, None]] >= 0
            out[:, bound] &= ~locked[:, bound, None] | onward | is_cur[:, bound]
        return out


def option_of(opt: I, route: I) -> I:
    """The option ``(S, P)`` of each plant whose route is ``route`` ``(S, P)``: the first
    ``k`` with ``opt[p, k] == route[s, p]`` (0 where no option is that route), as
    ``np.argmax(opt[None] == route[:, :, None], axis=-1)``, from a (plant, route) table
    instead of comparing every option.

    Examples
    --------
    >>> option_of(np.array([[3, 1, 3], [2, 0, 1]]), np.array([[3, 1], [1, 4]]))
    array([[0, 2],
           [1, 0]])
    """
    P, K = opt.shape
    plants = np.arange(P)
    table = np.zeros((P, max(int(opt.max()), int(route.max())) + 1), dtype=np.int64)
    for k in range(K - 1, -1, -1):  # the first option of a route is written last
        table[plants, opt[:, k]] = k
    return np.asarray(table[plants[None, :], route], dtype=np.int64)


def pick(values: F, k: I) -> F:
    """``values[s, p, k[s, p]]`` ``(S, P)`` of ``values`` ``(S, P, K)``, as
    ``np.take_along_axis(values, k[..., None], -1)[..., 0]`` (a gather on flat indices).

    Examples
    --------
    >>> pick(np.arange(12.0).reshape(2, 2, 3), np.array([[0, 2], [1, 1]]))
    array([[ 0.,  5.],
           [ 7., 10.]])
    """
    S, P, K = values.shape
    flat = np.arange(S * P, dtype=np.intp).reshape(S, P) * K + k
    return np.asarray(np.take(values.reshape(-1), flat), dtype=np.float64)


def _options_where(opt: I, routes: B) -> I:
    """Positions in the flattened options ``opt`` ``(P, K)`` whose route is one of ``routes``
    (a mask over the routes ``(R,)``).

    Examples
    --------
    >>> _options_where(np.array([[0, 2], [1, 2]]), np.array([False, False, True]))
    array([1, 3])
    """
    return np.asarray(np.flatnonzero(routes[opt]), dtype=np.int64)


def _feasibility_at(opt: I, inp: ModelInputs) -> tuple[I, I]:
    """Options ``(P, K)`` flattened whose route is reached only by retrofit (none without a
    retrofit table) and plants ``(P,)`` on a campaign in some scenario."""
    only = inp.routes.retrofit_only
    at = (
        _options_where(opt, only)
        if only is not None and inp.routes.retrofit_pair is not None
        else np.zeros(0, dtype=np.int64)
    )
    held = np.asarray(np.flatnonzero((inp.levers.hold_year > 0).any(axis=0)), dtype=np.int64)
    return at, held


def _own_electrolyser_routes(routes: Routes) -> B:
    """Routes ``(R,)`` that make hydrogen in their own electrolyser in some year and carry an
    electrolyser capex (:func:`kept_electrolyser` is +0 for every other new route)."""
    R = len(routes.lifetime)
    if routes.own_hydrogen is None or routes.electrolyser_capex is None:
        return np.zeros(R, dtype=np.bool_)
    return np.asarray((routes.own_hydrogen > 0).any(axis=-1), dtype=np.bool_)


def _retrofit_routes(routes: Routes) -> B:
    """Routes ``(R,)`` that are a retrofit of some route (:func:`retrofit_capex` is NaN for
    every other new route)."""
    R = len(routes.lifetime)
    if routes.retrofit_pair is None or routes.retrofit_capex is None:
        return np.zeros(R, dtype=np.bool_)
    return np.asarray((routes.retrofit_pair >= 0).any(axis=-1), dtype=np.bool_)


def _flat_index(cur: I, n_routes: int) -> I:
    """Positions of each scenario's routes ``cur`` ``(S, P)`` in a flattened ``(S, R)`` array
    of ``R = n_routes``: ``np.take(a, _flat_index(cur, R))`` is ``a[rows, cur]``, faster."""
    return np.arange(cur.shape[0])[:, None] * n_routes + cur


def _present_value_factor(rate: F, years: I) -> F:
    """``sum_{k < n} (1 + rate)^-k``: present value of one per year for ``n`` years, paid
    from the first (the weights of :func:`kruispunt.engine.expectations.window_average`)."""
    n = np.asarray(years, dtype=np.float64)
    r = np.broadcast_to(
        np.asarray(rate, dtype=np.float64), np.broadcast_shapes(rate.shape, n.shape)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        pv = (1.0 - (1.0 + r) ** -n) / r * (1.0 + r)
    return np.asarray(np.where(r > 0, pv, n), dtype=np.float64)


def first_year_costs(ctx: BatchContext, instruments: Sequence[Instrument]) -> tuple[F, F]:
    """Per unit of each plant on today's route in the first year, under the conditions of
    ``ctx`` (one scenario), ``(cost, energy)`` ``(P,)`` [EUR/product]: the full cost of
    staying (the net unit cost today, no expectations, fixed opex and the annuity of
    renewing the route) and, of it, the energy bill (carriers at first-year prices and the
    terms of the instruments that bill energy,
    :attr:`~kruispunt.policy.base.Instrument.bills_energy`: energy tax, network tariff), each
    instrument's term worked out once. The calibration of plant revenue rests on them
    (:mod:`kruispunt.assemble.calibration`): revealed viability on the cost, a branch's
    operating profit on the energy bill."""
    inp = ctx.inputs
    plants, routes = inp.plants, inp.routes
    inc = plants.incumbent
    prod = plants.base_production
    with np.errstate(divide="ignore", invalid="ignore"):
        cap_ratio = np.where(prod > 0, plants.capacity / np.maximum(prod, 1e-12), 1.0)
    cur = inc[None, :]
    view = OptionView(0, cur, ctx.route_calib(cur))
    r = ctx.route
    carriers = r.inputs[inc, :, 0] @ inp.markets.price[0, :, 0]
    net = (
        carriers + r.captured[inc, 0] * inp.markets.co2_ts_cost[0, 0] + routes.variable_opex[inc, 0]
    )[None]
    bill = carriers[None]
    for inst in instruments:
        x = {term: path[:, :, 0][:, inc] for term, path in inst.paths().items()}
        term = inst.unit_cost(x, view)
        net = net + term
        if inst.bills_energy:
            bill = bill + term
    capital = (
        routes.capex_renewal[inc, 0]
        * annuity_factor(inp.finance.discount_rate[0], np.maximum(routes.lifetime[inc], 1.0))
        * cap_ratio
    )
    cost = net[0] + routes.fixed_opex[inc, 0] * cap_ratio + capital
    return np.asarray(cost, dtype=np.float64), np.asarray(bill[0], dtype=np.float64)


def less_kept(capex: F, kept: F, crf: F, cap: F, plain: bool) -> F:
    """``capex - kept * crf * cap`` [EUR/yr] (arrays that broadcast together): an option's
    capex annuity less that of the electrolyser the plant keeps (:func:`kept_electrolyser`).
    With ``plain`` (``crf`` and ``cap`` finite and not negative, so that ``+0 * crf * cap``
    is +0, and subtracting +0 leaves every value as it is) worked out only where ``kept`` is
    not +0: a few options."""
    if not plain:
        return np.asarray(capex - kept * crf * cap, dtype=np.float64)
    on = (kept != 0) | np.signbit(kept)
    if not on.any():
        return capex
    full = np.broadcast_shapes(capex.shape, kept.shape, crf.shape, cap.shape)
    on = np.broadcast_to(on, full)
    out = np.array(np.broadcast_to(capex, full), dtype=np.float64)
    part = np.broadcast_to(kept, full)[on] * np.broadcast_to(crf, full)[on]
    out[on] -= part * np.broadcast_to(cap, full)[on]
    return out


def kept_electrolyser(routes: Routes, cur: I, new: I, t: int, t_new: I | int) -> F | None:
    """The electrolyser capex a plant does not pay again when it moves from route ``cur``
    to route ``new`` (arrays that broadcast together; ``new`` valued in year index
    ``t_new``) [EUR/(product/yr)]: the new route's electrolyser part
    (:attr:`kruispunt.inputs.Routes.electrolyser_capex`) where the current route already makes
    at least as much hydrogen in the plant's own electrolyser (a decided electrolyser, such
    as Holland Hydrogen 1, is sunk when its plant moves on with it); None when no route has
    one."""
    if routes.own_hydrogen is None or routes.electrolyser_capex is None:
        return None
    own_cur = routes.own_hydrogen[cur, t]
    own_new = routes.own_hydrogen[new, t_new]
    has = (own_new > 0) & (own_cur >= own_new * (1 - 1e-9))
    return np.asarray(np.where(has, routes.electrolyser_capex[new, t_new], 0.0), dtype=np.float64)


def retrofit_capex(routes: Routes, cur: I, new: I, t_new: I | int, due: B) -> F | None:
    """The capex a plant pays to move from route ``cur`` to route ``new`` where ``new`` is a
    retrofit of ``cur`` on the same physical plant (``Routes.retrofit_pair``, from
    ``route_retrofits.csv``), NaN elsewhere (arrays that broadcast together; ``new`` valued
    in year index ``t_new``) [EUR/(product/yr)]. The plant keeps its asset and pays the
    added capex only; where its asset's renewal falls due by the retrofit's start (``due``)
    it pays the base route's renewal too (renewal and retrofit at once: a retrofit does not
    skip the renewal that staying pays). None when no route is a retrofit."""
    if routes.retrofit_pair is None or routes.retrofit_capex is None:
        return None
    row = routes.retrofit_pair[new, cur]
    add = routes.retrofit_capex[np.maximum(row, 0), t_new]
    renew = np.where(due, routes.capex_renewal[cur, t_new], 0.0)
    return np.asarray(np.where(row >= 0, add + renew, np.nan), dtype=np.float64)
