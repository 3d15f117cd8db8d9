"""SDE++: operating subsidy for the unprofitable top, allocated in budgeted rounds.

The subsidy per unit of output is the base amount (basisbedrag, fixed for the
contract) minus the yearly correction amount (correctiebedrag, the market value
of the output), where the correction amount never counts below the base price
(basisprijs). So the subsidy per unit lies between 0 and ``base_amount -
base_price``. Applications in a round are ranked by subsidy intensity per tonne
of CO2 avoided, cheapest first, and awarded while the budget lasts.

References
----------
Besluit stimulering duurzame energieproductie en klimaattransitie (SDE++);
RVO, "SDE++ kenmerken". Budgets and phase ceilings come from the data package.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import nonnegative as _nonnegative
from kruispunt.policy.base import (
    Booking,
    Context,
    Evaluation,
    Flow,
    Offer,
    Parameter,
    SupportScheme,
    YearState,
    remaining_share,
)
from kruispunt.policy.grants import allocate_budget
from kruispunt.vocabulary import SCENARIO

__all__ = ["Sde", "allocate_round", "sde_payment", "sde_subsidy_per_unit"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


def sde_subsidy_per_unit(
    base_amount: ArrayLike, correction_amount: ArrayLike, base_price: ArrayLike
) -> FloatArray:
    """Subsidy per unit of output in one year.

    ``clip(base_amount - max(correction_amount, base_price), 0, base_amount - base_price)``

    Parameters
    ----------
    base_amount : array_like
        Basisbedrag: cost price of the technology, fixed in the contract.
        [EUR/t] (or EUR/kWh, EUR/GJ: any output unit, used consistently)
    correction_amount : array_like
        Correctiebedrag: market value of the output in the year (energy price,
        avoided ETS cost). May be any finite value. [EUR/t]
    base_price : array_like
        Basisprijs: floor under the correction amount, non-negative and not
        above ``base_amount``. [EUR/t]

    Returns
    -------
    numpy.ndarray
        Subsidy per unit of output, in ``[0, base_amount - base_price]``. [EUR/t]

    Raises
    ------
    ValueError
        If ``base_price`` is negative, ``base_amount < base_price``, or any
        input is NaN.

    Examples
    --------
    >>> float(sde_subsidy_per_unit(120.0, 70.0, 50.0))
    50.0
    >>> sde_subsidy_per_unit(120.0, [30.0, 130.0], 50.0)
    array([70.,  0.])
    """
    base = np.asarray(base_amount, dtype=np.float64)
    correction = np.asarray(correction_amount, dtype=np.float64)
    floor = _nonnegative("base_price", base_price)
    if np.any(np.isnan(base)) or np.any(np.isnan(correction)):
        raise ValueError("base_amount and correction_amount must not be NaN")
    if not np.all(base >= floor):
        raise ValueError("base_amount must not be below base_price")
    return np.asarray(
        np.clip(base - np.maximum(correction, floor), 0.0, base - floor), dtype=np.float64
    )


def sde_payment(
    subsidy_per_unit: ArrayLike,
    production: ArrayLike,
    max_eligible_production: ArrayLike | None = None,
) -> FloatArray:
    """Yearly SDE++ payment: subsidy per unit times eligible production.

    The contract caps the subsidised volume per year (subsidiabele productie);
    output above the cap earns nothing.

    Parameters
    ----------
    subsidy_per_unit : array_like
        From :func:`sde_subsidy_per_unit`, non-negative. [EUR/t]
    production : array_like
        Output in the year, non-negative. [t/yr]
    max_eligible_production : array_like, optional
        Subsidised volume cap per year, non-negative. Default: no cap. [t/yr]

    Returns
    -------
    numpy.ndarray
        Payment. [EUR/yr]

    Examples
    --------
    >>> float(sde_payment(50.0, 1.2e6, 1.0e6))
    50000000.0
    >>> sde_payment(50.0, [0.5e6, 2.0e6])
    array([2.5e+07, 1.0e+08])
    """
    per_unit = _nonnegative("subsidy_per_unit", subsidy_per_unit)
    volume = _nonnegative("production", production)
    if max_eligible_production is not None:
        volume = np.minimum(
            volume, _nonnegative("max_eligible_production", max_eligible_production)
        )
    return np.asarray(per_unit * volume, dtype=np.float64)


def allocate_round(
    subsidy_per_t_co2: ArrayLike,
    requested_eur: ArrayLike,
    budget_eur: ArrayLike,
    max_per_t: ArrayLike | None = None,
) -> NDArray[np.bool_]:
    """Award an SDE++ round: cheapest subsidy per tonne first, within the budget.

    Rule: applications above ``max_per_t`` are ineligible. The rest are ranked by
    subsidy intensity ascending (ties: lower index first) and awarded in that
    order while the cumulative requested amount fits the budget. The first
    application that does not fit closes the round: it and every application
    ranked behind it are rejected, even smaller ones that would still fit (strict
    rank order, as SDE++ does). The last axis lists the applications; leading
    axes (scenario first) are independent rounds, each with its own budget. See
    :mod:`kruispunt.policy.grants`.

    Parameters
    ----------
    subsidy_per_t_co2 : array_like
        Subsidy intensity per application, shape ``(..., n)``; NaN raises.
        [EUR/tCO2]
    requested_eur : array_like
        Maximum subsidy over the contract (the budget claim), non-negative. [EUR]
    budget_eur : array_like
        Round budget per scenario, broadcasting against the leading axes. [EUR]
    max_per_t : array_like, optional
        Ceiling on the subsidy intensity per round (the highest phase of the
        round); broadcasts against the leading axes, like ``budget_eur``.
        Default: no ceiling. [EUR/tCO2]

    Returns
    -------
    numpy.ndarray of bool
        Awarded mask, shape ``leading + (n,)``.

    Examples
    --------
    Intensities 120, 60, 300 (ceiling 250) rank applications 1, 0; 3e8 + 5e8
    exceeds 7e8, so only application 1 is awarded:

    >>> allocate_round([120.0, 60.0, 300.0], [5e8, 3e8, 1e8], 7e8, max_per_t=250.0)
    array([False,  True, False])
    >>> allocate_round([120.0, 60.0, 300.0], [5e8, 3e8, 1e8], 8e8, max_per_t=250.0)
    array([ True,  True, False])
    """
    intensity = np.asarray(subsidy_per_t_co2, dtype=np.float64)
    eligible: NDArray[np.bool_] | None = None
    if max_per_t is not None:
        ceiling = np.asarray(max_per_t, dtype=np.float64)
        if np.any(np.isnan(ceiling)):
            raise ValueError("max_per_t must not be NaN")
        # One ceiling per round: shape of the leading axes, applied to the whole row.
        eligible = intensity <= ceiling[..., np.newaxis]
    return allocate_budget(
        intensity, requested_eur, budget_eur, higher_is_better=False, eligible=eligible
    )


class Sde(SupportScheme):
    """SDE++ rounds: an operating subsidy for the unprofitable top of low-carbon options.

    In a year with a round, every plant whose best option becomes a low-carbon option with
    the subsidy applies; the subsidy covers the option's value gap against staying (the
    fossil reference) for the subsidy duration, and applications above the round's highest
    intensity per tonne are not eligible. :func:`allocate_round` awards the cheapest per
    tonne first within the budget, which each award claims at its maximum over the term.
    Awarded plants are paid :func:`sde_payment` from the start of the route, for the
    duration, while they run the route they were awarded for.
    """

    name = "sde"
    parameters = (
        Parameter("budget", (SCENARIO, "year"), "EUR", "Round budget (0: no round).", 0.0),
        Parameter(
            "max_per_t",
            (SCENARIO, "year"),
            "EUR/tCO2",
            "Highest subsidy intensity of the round.",
            0.0,
        ),
        Parameter("duration", (SCENARIO,), "yr", "Subsidy duration.", 15.0),
    )
    flows = (Flow("sde_outlay", -1, "SDE++ subsidy paid."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        S, P = self.param("budget").shape[0], len(ctx.inputs.plants.product)
        self.unit = np.zeros((S, P))
        self.route = np.full((S, P), -1, dtype=np.int64)
        self.start = np.zeros((S, P), dtype=np.int64)
        self.end = np.zeros((S, P), dtype=np.int64)
        self._offer: Offer | None = None
        self._max = np.zeros(S)

    def offer(self, ev: Evaluation) -> Offer | None:
        budget = self.param("budget")[:, ev.t]
        if not (budget > 0).any():
            return None
        max_t = self.param("max_per_t")[:, ev.t][:, None, None]
        ok = ev.low_carbon & (ev.need_per_t <= max_t) & (budget > 0)[:, None, None]
        support = np.where(ok, ev.gap, 0.0)
        self._max = self.param("max_per_t")[:, ev.t]
        self._offer = Offer(
            support=support,
            eligible=ok,
            score=ev.need_per_t,
            claim=support * self.param("duration")[:, None, None],
            budget=budget,
        )
        return self._offer

    def allocate(
        self, score: FloatArray, claim: FloatArray, budget: FloatArray, applies: BoolArray
    ) -> BoolArray:
        # plants that do not apply rank behind the round's ceiling: never awarded
        intensity = np.where(applies, score, np.inf)
        return allocate_round(intensity, np.where(applies, claim, 0.0), budget, self._max)

    def award(self, ev: Evaluation, won: BoolArray, pick: IntArray, start_year: IntArray) -> None:
        assert self._offer is not None
        yearly = np.take_along_axis(self._offer.support, pick[..., None], -1)[..., 0]
        prod = ev.production[..., 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = np.where(prod > 0, yearly / prod, 0.0)
        route = np.take_along_axis(ev.routes, pick[..., None], -1)[..., 0]
        self.unit = np.where(won, unit, self.unit)
        self.route = np.where(won, route, self.route)
        self.start = np.where(won, start_year, self.start)
        duration = self.param("duration").astype(np.int64)[:, None]
        self.end = np.where(won, start_year + duration, self.end)
        return None

    def contract_value(self, t: int, route: IntArray, production: FloatArray) -> FloatArray | None:
        if not (self.route >= 0).any():
            return None
        inp = self.ctx.inputs
        year = int(inp.coords.years[t])
        held = (self.route >= 0) & (route == self.route) & (self.start <= year)
        life = np.maximum(np.round(inp.routes.lifetime[route]).astype(np.int64), 1)
        share = remaining_share(
            self.end - year, life, inp.finance.discount_rate, inp.finance.myopic
        )
        return np.asarray(np.where(held, self.unit * production * share, 0.0), dtype=np.float64)

    def account(self, st: YearState) -> Booking:
        if not (self.route >= 0).any():
            return Booking()
        active = (self.start <= st.year) & (st.year < self.end) & (st.route == self.route)
        paid = sde_payment(self.unit * active, st.activity)
        return Booking(plant={"subsidies": paid}, gov={"sde_outlay": -paid})
