"""The instrument protocol: what every policy instrument declares and provides.

An instrument is one module holding

- its pure accounting function(s), tested by hand (``ets_cost``, ``co2_heffing`` ...);
- one :class:`Instrument` subclass that the engine instantiates once per batch of scenarios.
  It declares the parameters it reads (:attr:`Instrument.parameters`, arrays in
  ``ModelInputs.instruments[name]``) and the government cash flows it books
  (:attr:`Instrument.flows`), and provides

  - :meth:`Instrument.paths`: yearly per-unit paths of each route, ``(S, R, Ye)``, built with
    the pure function; valuation takes their expectation over an option's life;
  - :meth:`Instrument.unit_cost`: the expected cost per unit of product of each option from
    those expected paths and the plant's own factors, again through the pure function;
  - :meth:`Instrument.account`: the year's cash flows of every plant, from the same function.

  Support schemes (:class:`SupportScheme`) also run a round in the decision step:
  :meth:`SupportScheme.offer` says what support each option could get, the engine allocates
  the budget, and :meth:`SupportScheme.award` records the contracts it pays later.

The engine loops over a registry of these classes (:mod:`kruispunt.policy.registry`); no
instrument formula is written in the engine or in ``assemble``. The engine-side objects an
instrument sees (:class:`Context`, :class:`OptionView`, :class:`YearState`,
:class:`Evaluation`) are protocols here, so this package does not import the engine.

Shapes: ``S`` scenarios, ``P`` plants, ``K`` options per plant, ``R`` routes, ``C`` carriers,
``G`` products, ``Y`` model years, ``Ye`` years over the valuation horizon (model years, then
the last year held).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from kruispunt.inputs import ModelInputs

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
G = TypeVar("G", bound=np.generic)
B = npt.NDArray[np.bool_]

PLANT_ITEMS = (
    "carbon_cost",
    "co2_levy",
    "energy_tax",
    "subsidies",
    "premium_revenue",
    "network_tariff",
    "obligation_cost",
)
"""Plant cash-flow result variables an instrument may book into [EUR/yr]; ``subsidies`` and
``premium_revenue`` are received, the others paid."""
PLANT_QUANTITIES = ("free_allocation",)
"""Plant quantity result variables an instrument may book [their result unit]."""


@dataclass(frozen=True)
class Parameter:
    """A parameter an instrument reads from ``ModelInputs.instruments[<name>]``.

    ``dims`` name the array's axes (scenario first where it varies by scenario; the batching
    of scenarios slices those). ``default`` fills the array when the inputs do not give it
    (``None``: required)."""

    name: str
    dims: tuple[str | int, ...]
    """Axis names (``scenario``, ``plant``, ``route``, ``carrier``, ``product``, ``cluster``,
    ``year``) or fixed sizes."""
    unit: str
    description: str
    default: float | None = None


@dataclass(frozen=True)
class Flow:
    """A government cash flow an instrument books: ``sign`` -1 for an outlay (the government
    pays), +1 for revenue."""

    name: str
    sign: Literal[-1, 1]
    description: str


@dataclass
class Booking:
    """What an instrument books for one year: plant items ``(S, P)`` [EUR/yr] keyed by result
    variable (:data:`PLANT_ITEMS`, :data:`PLANT_QUANTITIES`) and government flows [EUR/yr]
    keyed by flow name, positive when the government receives: ``(S, P)`` for a flow with each
    plant (recorded per plant in ``plant_flows`` and summed into ``gov_cash_flow``), ``(S,)``
    for a flow no plant pays or receives (CBAM on imported products)."""

    plant: dict[str, F] = field(default_factory=dict)
    gov: dict[str, F] = field(default_factory=dict)


@dataclass(frozen=True)
class HydrogenBought:
    """Renewable hydrogen obligated plants buy in place of hydrogen they make themselves in
    the year (:meth:`Instrument.hydrogen_bought`); plant arrays ``(S, P)``. The engine books
    it before any instrument's cash flows: the plant's direct emissions fall by ``co2`` and
    its captured CO2 by ``captured``, its
    carrier use changes by ``tonnes`` times :meth:`Instrument.swap_per_tonne` (the gas of the
    reformer no longer run out, the hydrogen bought in), its energy cost with it at the
    year's prices and its operating cost by ``opex``."""

    tonnes: F
    """Renewable hydrogen each plant buys [t H2/yr]."""
    co2: F
    """Direct emissions the hydrogen it no longer makes would have caused [tCO2/yr]."""
    captured: F
    """CO2 the plant's reformers would have captured on that hydrogen [tCO2/yr]."""
    opex: F
    """Variable operating cost of the reforming it no longer runs [EUR/yr]."""


class ScenarioMixPaths(Protocol):
    """The route quantities a flexible load's yearly mix changes, in each scenario's own mix
    (:class:`kruispunt.engine.context.ScenarioMix`); ``S|1``: a leading axis of 1 where no
    scenario runs a mix other than the reference's."""

    @property
    def any(self) -> bool:
        """Whether some scenario runs a mix other than the reference's."""
        ...

    @property
    def emitted(self) -> F:
        """``(S|1, R, Ye)`` direct emissions after capture [tCO2/product]."""
        ...

    @property
    def electricity(self) -> F:
        """``(S|1, R, Ye)`` electricity [GJ/product]."""
        ...

    @property
    def share(self) -> F:
        """``(S|1, R, Ye)`` share of the year a flexible load runs on power [-]."""
        ...

    @property
    def inputs(self) -> F:
        """``(S, n, C, Ye)`` inputs of the routes with a mix of their own."""
        ...

    def at(self, values: npt.NDArray[G], route: I, t: int | I) -> npt.NDArray[G]:
        """``values`` ``(S|1, R, Ye)`` of each scenario's ``route`` in year index ``t``."""
        ...

    def use(self, base: F, c: int) -> F:
        """Use of carrier ``c`` of every route ``(S|1, R, Ye)`` in each scenario's mix."""
        ...

    def inputs_of(self, base: F, s: I, route: I, t: int) -> F:
        """Inputs ``(n, C)`` of the entries ``(s, route)`` in year index ``t``."""
        ...

    def path(self, base: F, flex: F, price: F, less: F | None = None) -> F:
        """Inputs times carrier prices, summed over the carriers ``(S, R, Ye)``."""
        ...


class RoutePaths(Protocol):
    """Per-route physical quantities per unit of product over the horizon, ``(R, Ye)``, at
    the reference mix of a flexible load (:attr:`mix`: each scenario's own)."""

    @property
    def mix(self) -> ScenarioMixPaths:
        """The quantities a flexible load's mix changes, in each scenario's own mix."""
        ...

    @property
    def emitted(self) -> F:
        """Direct emissions after capture [tCO2/product]."""
        ...

    @property
    def captured(self) -> F:
        """Captured CO2 [tCO2/product]."""
        ...

    @property
    def electricity(self) -> F:
        """Electricity [GJ/product]."""
        ...

    @property
    def hydrogen(self) -> F:
        """Hydrogen [carrier unit/product]."""
        ...

    @property
    def grid(self) -> F:
        """Electricity at full load, the grid capacity a unit of annual product needs
        [GJ/product] (a flexible load: its rated power; others: their electricity)."""
        ...

    @property
    def inputs(self) -> F:
        """Every carrier, ``(R, C, Ye)`` [carrier/product]."""
        ...


class Context(Protocol):
    """What an instrument sees of a batch of scenarios (built once per batch)."""

    @property
    def inputs(self) -> ModelInputs: ...

    @property
    def route(self) -> RoutePaths: ...

    @property
    def horizon(self) -> int:
        """Extra years held after the last model year for valuation."""
        ...

    def ext(self, values: F) -> F:
        """``values`` with its last (year) axis extended over the valuation horizon."""
        ...

    def params(self, instrument: str) -> Mapping[str, npt.NDArray[np.generic]]:
        """The parameter arrays of an instrument (declared defaults filled in)."""
        ...

    def output(self, i: int) -> F:
        """What each plant makes in year index ``i`` if it runs ``(S, P)`` [product/yr]:
        base-year production times its demand scale (at most its capacity) and availability."""
        ...


class OptionView(Protocol):
    """The options being valued in one decision year, all arrays of one shape: ``(S, P, K)``
    for every option of every plant, or ``(S, P)`` for the route a plant runs; or, when
    :attr:`plants` is given, ``(S, V)`` (leading axis 1 where the same in every scenario)
    for a flat list of ``V`` distinct (plant, route) slots."""

    t: int
    """Index of the decision year."""
    route: I
    """Route index of each option."""
    calib: F
    """Emission calibration: verified base-year emissions over the route's factor for the
    plant's current route, 1 for other routes [-]."""
    plants: I | None
    """Plant of each slot along the last axis ``(V,)`` (a flat list of slots); None: the
    plant axis is the second, as above. :meth:`plant` broadcasts either way."""

    def plant(self, values: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        """A per-plant array, ``(P,)`` or ``(S, P)``, broadcast against the options' shape."""
        ...


class YearState(Protocol):
    """What happened in one year, for accounting; plant arrays are ``(S, P)``."""

    i: int
    """Index of the year."""
    year: int
    route: I
    """Route each plant runs."""
    calib: F
    activity: F
    """Output of the plant's route [product/yr] (zero when closed; imported output included)."""
    production: F
    """Domestic production [product/yr]."""
    emissions: F
    """Direct emissions after capture, including vented CO2 [tCO2/yr]."""
    use: F
    """Use of every carrier, ``(S, P, C)`` [carrier/yr]."""
    started: B
    """Plants whose new route started this year."""
    stored: F
    """CO2 each plant's capture put into a store [tCO2/yr] (none of what it vented, nor of
    what it no longer captures on hydrogen it bought instead of making it)."""
    pending: I | None
    """Route each plant is building once the year's decisions are made (-1: none; a switch
    decided this year included), None where not known."""
    hydrogen_room: F | None
    """``(S, Y)`` network hydrogen the supply projects (the hydrogen pools) have left in
    each year if the plants' routes use what they use in this one [carrier/yr]; None where
    not known (no limit)."""


class Evaluation(Protocol):
    """The option values of one decision year, as the support rounds see them; arrays
    ``(S, P, K)`` unless said otherwise."""

    t: int
    year: int
    routes: I
    """Route index of each option."""
    value: F
    """Value of each option after the rounds so far [EUR/yr] (``-inf`` where infeasible)."""
    gap: F
    """Value lost against staying, plus the tie-breaker: the unprofitable top [EUR/yr]."""
    need_per_t: F
    """``gap`` per tonne abated (inf where nothing is abated) [EUR/tCO2]."""
    abated: F
    """Emissions the option avoids against the current route [tCO2/yr]."""
    production: F
    """Production of the option [product/yr]."""
    capex_annuity: F
    """Annuity of the option's investment [EUR/yr]."""
    crf: F
    """Capital recovery factor of the option [1/yr]."""
    low_carbon: B
    """Feasible low-carbon options that abate."""
    supportable: B
    """The ``low_carbon`` options support may pay for: not a route the plant has run and
    left in the model's years (a contract would pay again for abatement the plant had and
    gave up; ``docs/model.md``, "Support pays once for a route")."""
    installs: B
    """Options that put a new installation into use: not a move to a retrofit of the current
    route that adds nothing (the SDE++ subsidises new installations only)."""
    running: B
    """``(S, P)`` plants that may decide this year."""
    emitted_current: F
    """``(S, P)`` emissions per unit of the route each plant runs now [tCO2/product]."""
    current: I
    """``(S, P)`` route index each plant runs now (the fossil reference of its options)."""
    stay_without: Callable[[F], F] | None
    """The value of staying ``(S, P)`` [EUR/yr] less a yearly amount ``(S, P)`` the plant
    keeps by staying (a contract's value), with the option to close later weighed again on
    that lower value (None: not known; then subtract the amount)."""
    stay_need: Callable[[F, F], F] | None
    """``stay_need(amount, target)``: the least yearly amount ``(S, P)`` [EUR/yr] earned while
    running the current route, in place of ``amount``, that makes staying (with the option to
    close later) worth ``target`` (None: not known; then ``target`` less
    :attr:`stay_without`)."""

    @property
    def storage_from(self) -> I | None:
        """First calendar year a CO2 store could take each option on: a store the plant may use
        with room for the CO2 it would capture (the option's start year where it captures no more
        than today; :data:`kruispunt.vocabulary.NEVER` where no store can; None: not known)."""
        ...

    def expected(self, instrument: str, term: str) -> F:
        """An instrument's expected path ``term`` for every option ``(S, P, K)``."""
        ...

    def awarded(self, instrument: str) -> B:
        """``(S, P)`` plants awarded support by an earlier round of this year."""
        ...


@dataclass
class Offer:
    """What a support round offers every option, ``(S, P, K)``, and its budget ``(S,)``."""

    support: F
    """Value added to the option if awarded [EUR/yr]."""
    eligible: B
    score: F
    """Ranking score, lowest first (support per tonne)."""
    claim: F
    """Amount an award takes from the budget [EUR]."""
    budget: F
    """Budget of the round per scenario [EUR]."""
    held: B | None = None
    """Options ``(S, P, K)`` the plant already holds an award for (an SDE++ award waiting for
    its project within the realisation period): an application already made, so picking the
    option takes the award up even where its support does not decide the choice (the plant
    builds what it was awarded for and the award's terms pay whenever the market is below
    them). None: the scheme holds no awards."""


class Instrument:
    """Base class of every instrument; see the module docstring for the protocol.

    Subclasses set :attr:`name`, :attr:`parameters` and :attr:`flows`, and override the hooks
    they need (the defaults add nothing)."""

    name: ClassVar[str] = ""
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    flows: ClassVar[tuple[Flow, ...]] = ()
    calibrated: ClassVar[bool] = True
    """Whether plant revenue is calibrated with the instrument's term (False for temporary
    support with an announced end, on which revealed viability does not rest: IKC)."""
    bills_energy: ClassVar[bool] = False
    """Whether the instrument's term is part of a plant's energy bill (energy tax, network
    tariff): the energy cost a branch's operating profit is measured against
    (:func:`kruispunt.engine.valuation.first_year_costs`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.p = ctx.params(self.name)

    def paths(self) -> dict[str, F]:
        """Yearly per-unit paths ``(S, R, Ye)`` [EUR/product or a quantity], keyed by term."""
        return {}

    def unit_cost(self, x: Mapping[str, F], opt: OptionView) -> F | float:
        """Expected cost per unit of product of each option [EUR/product] (negative:
        revenue), from the expected paths ``x[term]`` gathered at the options."""
        return 0.0

    def account(self, st: YearState) -> Booking:
        """The year's cash flows of every plant and of the government."""
        return Booking()

    def hydrogen_bought(self, st: YearState) -> HydrogenBought | None:
        """Renewable hydrogen plants buy in the year in place of hydrogen they make
        themselves, booked by the engine before the instruments' cash flows (``st`` holds the
        year's flows before it); None: none (every instrument but the RFNBO obligation)."""
        return None

    @classmethod
    def swap_per_tonne(cls, inputs: ModelInputs) -> F | None:
        """Change of a plant's carrier use per tonne of :meth:`hydrogen_bought` ``(C, Y)``
        [carrier/t H2] (the result ``energy`` adds it); None when the instrument buys none."""
        return None

    def param(self, name: str) -> npt.NDArray[np.float64]:
        """A float parameter of this instrument."""
        return np.asarray(self.p[name], dtype=np.float64)


def term_is_zero(x: Mapping[str, F], term: str) -> bool:
    """Whether the expected term ``term`` is zero at every option (+0 or -0), so that an
    instrument whose unit cost it scales may return 0 without reading it. The engine's
    terms (:class:`kruispunt.engine.valuation.Terms`) answer from the year's values of every
    route and window, without gathering them at the options; a plain mapping is read.

    Examples
    --------
    >>> term_is_zero({"a": np.array([0.0, -0.0]), "b": np.array([0.0, 2.0])}, "a")
    True
    >>> term_is_zero({"a": np.array([0.0, -0.0]), "b": np.array([0.0, 2.0])}, "b")
    False
    """
    is_zero = getattr(x, "is_zero", None)
    if is_zero is not None:
        return bool(is_zero(term))
    return not np.any(x[term])


def choose_term(x: Mapping[str, F], terms: tuple[str, ...], which: I | B) -> F:
    """For each option, the expected term ``terms[which]`` [the terms' unit]: ``which``
    (integer or boolean, broadcasting against the terms) picks one of ``terms`` element by
    element, as :func:`numpy.choose` of ``x[term]`` for every term. The engine's terms
    (:class:`kruispunt.engine.valuation.Terms`) read each option's pick with one gather
    rather than gathering every term; a plain mapping gives the same values.

    Examples
    --------
    >>> x = {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([10.0, 20.0, 30.0])}
    >>> choose_term(x, ("a", "b"), np.array([True, False, True]))
    array([10.,  2., 30.])
    """
    choose = getattr(x, "choose", None)
    if choose is not None:
        return np.asarray(choose(terms, which), dtype=np.float64)
    index = np.asarray(which, dtype=np.intp)
    return np.asarray(np.choose(index, [x[term] for term in terms]), dtype=np.float64)


def expected_at(
    ev: Evaluation, instrument: str, term: str, at: tuple[npt.NDArray[np.signedinteger[Any]], ...]
) -> F:
    """``ev.expected(instrument, term)[at]`` for a flat list of options ``at`` (scenario,
    plant, option) ``(n,)``: the engine's evaluation reads them at their routes
    (``expected_on``, the per-route window the full gather reads) without gathering every
    option; any other evaluation gathers and indexes.

    Examples
    --------
    >>> class Ev:
    ...     routes = np.array([[[0, 1]]])
    ...     def expected(self, instrument, term):
    ...         return np.array([[[10.0, 20.0]]])
    >>> at = (np.array([0]), np.array([0]), np.array([1]))
    >>> expected_at(Ev(), "x", "y", at)
    array([20.])
    """
    on = getattr(ev, "expected_on", None)
    if on is None:
        return np.asarray(ev.expected(instrument, term)[at], dtype=np.float64)
    return np.asarray(on(instrument, term, at[0], ev.routes[at]), dtype=np.float64)


def alike_in_scenarios(values: npt.NDArray[np.generic]) -> bool:
    """Whether ``values`` (leading scenario axis) hold the same bits in every scenario.

    Examples
    --------
    >>> alike_in_scenarios(np.array([[1.0, -0.0], [1.0, -0.0]]))
    True
    >>> alike_in_scenarios(np.array([[1.0, -0.0], [1.0, 0.0]]))
    False
    """
    a = np.asarray(values)
    if a.ndim == 0 or a.shape[0] <= 1 or a.strides[0] == 0:
        return True
    rows = np.ascontiguousarray(a).reshape(a.shape[0], -1)
    bits = rows.view(np.uint8).reshape(a.shape[0], -1)
    return bool((bits[1:] == bits[:1]).all())


def once_if_alike(make: Callable[..., F], *arrays: npt.NDArray[np.generic]) -> F:
    """``make(*arrays)``, every array and the result with a leading scenario axis ``S``: when
    every array holds the same bits in every scenario (:func:`alike_in_scenarios`), ``make``
    works on the first scenario's row only and its result is broadcast over the scenarios
    (read-only, stride 0). Element for element the arithmetic is the same, done once rather
    than ``S`` times; the valuation then also knows the path alike without comparing it
    (:class:`kruispunt.engine.expectations.Expected`).

    Examples
    --------
    >>> rate = np.array([[2.0, 3.0], [2.0, 3.0]])
    >>> out = once_if_alike(lambda r: r[:, None, :] * np.array([[1.0], [10.0]]), rate)
    >>> out.shape, out.strides[0], out[1].tolist()
    ((2, 2, 2), 0, [[2.0, 3.0], [20.0, 30.0]])
    """
    S = arrays[0].shape[0]
    if S > 1 and all(alike_in_scenarios(a) for a in arrays):
        one = np.asarray(make(*(a[:1] for a in arrays)), dtype=np.float64)
        return np.broadcast_to(one, (S, *one.shape[1:]))
    return np.asarray(make(*arrays), dtype=np.float64)


def remaining_share(
    remaining: npt.NDArray[np.int64], life: npt.NDArray[np.int64], rate: F, myopic: B
) -> F:
    """Share of a plant's valuation window a contract still pays, discounted: the present
    value of ``remaining`` years over that of ``life`` years at ``rate`` ``(S,)``; a myopic
    plant counts the whole year while the contract runs (it takes today's value).

    Examples
    --------
    >>> remaining_share(np.array([[5, 0]]), np.array([10]), np.array([0.0]), np.array([False]))
    array([[0.5, 0. ]])
    """
    n = np.minimum(np.maximum(remaining, 0), life).astype(np.float64)
    d = 1.0 / (1.0 + np.asarray(rate, dtype=np.float64))[:, None]
    full = np.asarray(life, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        fore = np.where(d < 1.0, (1.0 - d**n) / (1.0 - d**full), n / full)
    now = (remaining > 0).astype(np.float64)
    return np.asarray(np.where(np.asarray(myopic)[:, None], now, fore), dtype=np.float64)


class SupportScheme(Instrument):
    """An instrument that awards support in budgeted rounds during the decision step."""

    def offer(self, ev: Evaluation) -> Offer | None:
        """The support each option could get this year (None: no round this year)."""
        return None

    def allocate(self, score: F, claim: F, budget: F, applies: B, pick: I) -> B:
        """Award the applications ``(S, P)`` (``score``, ``claim`` of the option ``pick`` each
        plant applies with) in rank order within ``budget`` ``(S,)``; default: strict rank
        order (:func:`kruispunt.policy.grants.allocate_budget`). ``pick`` lets a scheme with
        sub-budgets (SDE++'s ring-fenced domains) see which option each plant applies with."""
        from kruispunt.policy.grants import allocate_budget

        return allocate_budget(score, claim, budget, higher_is_better=False, eligible=applies)

    def contract_value(self, t: int, route: I, production: F) -> F | None:
        """Expected yearly value [EUR/yr] a plant keeps by staying on ``route`` ``(S, P)``
        under the contracts this scheme has awarded (payments it would forfeit by leaving the
        route), for year index ``t`` and the plant's ``production`` ``(S, P)``; None when the
        scheme holds no contract."""
        return None

    def kept_value(
        self,
        t: int,
        route: I,
        contract_route: I,
        start: I,
        end: I,
        paid: Callable[[int, tuple[I, I]], F],
    ) -> F:
        """For :meth:`contract_value`: the yearly value ``(S, P)`` [EUR/yr] of the running
        contracts a plant keeps by staying on ``route``, from ``paid(i, at)``, the payments
        in year index ``i`` of the contracts at the plants ``at`` (scenario and plant
        indices), one per plant. A plant with perfect foresight weighs the payments it
        expects in each remaining year of the contract, annualised over those years:
        ``sum_{k<n} d^k paid(t+k) / sum_{k<n} d^k`` with ``n`` the years left, at most the
        route's life (beyond the model's last year, that year's payment held); a payment
        that does not change is kept whole. It stays while the contract pays and chooses
        again when it ends, so the payments are set against what leaving gains in the years
        they run, not spread over a whole new life of the route as the award spreads them
        (:func:`remaining_share`): spread that way, a contract sized to the gap no longer
        covered it a year after the award, and plants left the route they had just been
        paid to build. A myopic plant takes this year's payment while the contract runs
        (today's value). Worked out only where a plant runs a contract's route (zero
        elsewhere)."""
        inp = self.ctx.inputs
        years = inp.coords.years
        year = int(years[t])
        out = np.zeros(route.shape)
        held = (contract_route >= 0) & (route == contract_route) & (start <= year)
        rows, cols = np.nonzero(held)
        at: tuple[I, I] = (rows, cols)
        if not len(rows):
            return out
        s = rows
        Y = len(years)
        now = paid(t, at)
        myopic = np.asarray(inp.finance.myopic, dtype=bool)[s]
        life = np.maximum(np.round(inp.routes.lifetime[route[at]]).astype(np.int64), 1)
        remaining = end[at] - year
        left = np.minimum(np.maximum(remaining, 0), life)
        d = 1.0 / (1.0 + np.asarray(inp.finance.discount_rate, dtype=np.float64)[s])
        total = np.zeros(len(s))
        n = int(left[~myopic].max()) if (~myopic).any() else 0
        payments = {t: now}  # by year index: the last year's is asked for once
        for k in range(n):
            i = min(t + k, Y - 1)
            if i not in payments:
                payments[i] = paid(i, at)
            total += np.where(k < left, d**k * payments[i], 0.0)
        # annualised over the years the contract still pays (a plant stays while it runs and
        # chooses again when it ends), not over a whole new life of the route
        span = np.maximum(left, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            window = np.where(d < 1.0, (1.0 - d**span) / (1.0 - d), span.astype(np.float64))
        out[at] = np.where(myopic, now * (remaining > 0), np.where(left > 0, total / window, 0.0))
        return out

    def award(self, ev: Evaluation, won: B, pick: I, start_year: I) -> F | None:
        """Record the contracts of plants that switch with the support: ``won`` ``(S, P)``,
        the chosen option ``pick`` ``(S, P)`` and the year the route starts ``(S, P)``.
        Returns the investment the scheme pays at the start ``(S, P)`` [EUR] (lowers the
        asset's book value), or None."""
        return None
