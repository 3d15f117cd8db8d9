"""Carbon contracts for difference (CCfD), in the designs in use.

The government pays the gap between a contracted strike price and the EUA price for each
tonne abated (:func:`ccfd_payment`). The designs a scenario chooses between:

- **uniform strike**: one strike price for every contract (a fixed carbon-price guarantee);
- **pay-as-bid**: each award's strike is its own bid, the cost of avoiding a tonne with the
  project (the German Klimaschutzverträge: "Die Unternehmen erklären mit ihrem Gebot, mit
  welchen Kosten sie planen, um eine Tonne CO2 ... zu vermeiden. Wer dabei am günstigsten
  kalkuliert, erhält einen Klimaschutzvertrag", BMWK; the EU proposal COM(2026) 616 Art.
  10ce(3): a strike "determined through competitive bidding"), :func:`ccfd_bid`. The scenario's
  strike price is then the highest bid accepted;
- **one- or two-sided**: a one-sided contract only pays; a two-sided one also claws the
  difference back when the EUA is above the strike (KSV: "Sobald die klimafreundliche
  Produktion gegenüber der herkömmlichen kostengünstiger wird, müssen die Unternehmen die
  erzielten Mehreinnahmen an den Staat zahlen"). The claw-back starts at the strike, as in
  the KSV; the EU proposal COM(2026) 616 Art. 10ce(3) only lets the Commission require the
  repayment of excess support once the carbon price surpasses the strike "by more than a
  pre-determined percentage", a threshold no design here carries;
- **energy-price indexation** (KSV: "Dieser Vertragspreis wird dynamisch angepasst.
  Abhängig von ... dem ETS-Preis oder den aktuellen Energieträgerkosten"):
  :func:`ccfd_indexed_strike` moves the strike by the project's extra use of each carrier per
  tonne avoided times the change in that carrier's price against the price expected at the
  award, so the contract carries the energy-price risk of the switch; the move is capped (the
  KSV's "maximale Dynamisierungskomponente"; its size is a scenario assumption);
- **additionality test**: no award where the switch happens without the contract: an option
  whose need per tonne is at most a threshold (it pays against staying by itself), or a plant
  whose best option without the contract is itself a low-carbon switch.

Every award reserves its worst case from the budget (the EUA at zero for the whole term, at
the highest strike the contract can reach), so payments never exceed the budget; the tonnes
paid never exceed the tonnes contracted.
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
    expected_at,
)
from kruispunt.vocabulary import SCENARIO

__all__ = ["Ccfd", "ccfd_bid", "ccfd_indexed_strike", "ccfd_payment", "ccfd_reservation"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


def ccfd_payment(
    strike_price: ArrayLike,
    eua_price: ArrayLike,
    abated_t: ArrayLike,
    two_sided: bool = False,
) -> FloatArray:
    """Payment under a carbon contract for difference in one year.

    ``(strike_price - eua_price) * abated_t``, floored at zero unless ``two_sided``
    (COM(2026) 616 Art. 10ce(3): the difference between the strike price and the carbon
    price, paid on the verified reductions; KSV: the payment reverses when the green process
    becomes cheaper).

    Parameters
    ----------
    strike_price : array_like
        Contracted carbon price, non-negative. [EUR/t]
    eua_price : array_like
        Reference EUA price of the year, non-negative. [EUR/t]
    abated_t : array_like
        Tonnes abated that the contract covers, non-negative. [t/yr]
    two_sided : bool, default False
        If True, the plant pays back ``(eua_price - strike_price) * abated_t``
        when the EUA price is above the strike price (negative payment).

    Returns
    -------
    numpy.ndarray
        Payment from government to plant; negative is a payment back. [EUR/yr]

    Examples
    --------
    >>> float(ccfd_payment(150.0, 80.0, 1.0e5))
    7000000.0
    >>> ccfd_payment(150.0, 200.0, 1.0e5), ccfd_payment(150.0, 200.0, 1.0e5, two_sided=True)
    (array(0.), array(-5000000.))
    """
    strike = _nonnegative("strike_price", strike_price)
    price = _nonnegative("eua_price", eua_price)
    abated = _nonnegative("abated_t", abated_t)
    gap = strike - price
    if not two_sided:
        gap = np.maximum(gap, 0.0)
    return np.asarray(gap * abated, dtype=np.float64)


def ccfd_bid(expected_eua: ArrayLike, need_per_t: ArrayLike, markup: ArrayLike = 0.0) -> FloatArray:
    """A pay-as-bid strike: the expected EUA plus the project's need per tonne, marked up.

    ``expected_eua + (1 + markup) * need_per_t``. The need per tonne is the support the
    project needs on top of the EUA it already earns (its unprofitable top per tonne avoided),
    so the bid is its full cost of avoiding a tonne (the KSV's Basis-Vertragspreis); the
    mark-up is the bidder's margin on the support it asks.

    Parameters
    ----------
    expected_eua : array_like
        EUA the bidder expects over the contract. [EUR/tCO2]
    need_per_t : array_like
        Unprofitable top per tonne avoided, non-negative. [EUR/tCO2]
    markup : array_like
        Share added to the need, non-negative. [-]

    Examples
    --------
    >>> float(ccfd_bid(80.0, 40.0, 0.1))
    124.0
    """
    need = _nonnegative("need_per_t", need_per_t)
    return np.asarray(
        np.asarray(expected_eua, dtype=np.float64) + (1.0 + _nonnegative("markup", markup)) * need,
        dtype=np.float64,
    )


def ccfd_indexed_strike(
    strike_price: ArrayLike,
    extra_use_per_t: ArrayLike,
    prices: ArrayLike,
    reference_prices: ArrayLike,
    cap: ArrayLike | None = None,
) -> FloatArray:
    """The strike of the year under energy-price indexation.

    ``strike + sum_c extra_use_per_t[c] x (prices[c] - reference_prices[c])``, clipped to
    ``[0, strike x (1 + cap)]``. ``extra_use_per_t`` is the project's use of each carrier less
    the reference route's, per tonne avoided (positive for the electricity or hydrogen it
    adds, negative for the gas it saves): when power gets dearer than expected at the award
    the strike rises, when gas gets dearer it falls, so the contract carries the energy-price
    risk of the switch (the KSV's dynamisation of the contract price with the energy-carrier
    costs; the KSV's own indices were not read: this is the model's formula).

    Parameters
    ----------
    strike_price : array_like
        Strike at the award (the bid), non-negative. [EUR/tCO2]
    extra_use_per_t : array_like
        Extra use per tonne avoided, last axis the carriers. [carrier unit/tCO2]
    prices, reference_prices : array_like
        Carrier prices of the year and those expected at the award, last axis the carriers.
        [EUR/carrier unit]
    cap : array_like, optional
        Highest rise of the strike as a share of it (default: no cap). [-]

    Returns
    -------
    numpy.ndarray
        Strike of the year. [EUR/tCO2]

    Examples
    --------
    A switch that adds 10 MWh of power and saves 5 MWh of gas per tonne avoided, strike 100;
    power 10 EUR/MWh dearer, gas 4 EUR/MWh dearer than at the award: 100 + 100 - 20 = 180,
    capped at 1.5 x 100:

    >>> float(ccfd_indexed_strike(100.0, [10.0, -5.0], [60.0, 34.0], [50.0, 30.0]))
    180.0
    >>> float(ccfd_indexed_strike(100.0, [10.0, -5.0], [60.0, 34.0], [50.0, 30.0], cap=0.5))
    150.0
    """
    strike = _nonnegative("strike_price", strike_price)
    change = np.sum(
        np.asarray(extra_use_per_t, dtype=np.float64)
        * (np.asarray(prices, dtype=np.float64) - np.asarray(reference_prices, dtype=np.float64)),
        axis=-1,
    )
    top = np.inf if cap is None else strike * (1.0 + _nonnegative("cap", cap))
    return np.asarray(np.clip(strike + change, 0.0, top), dtype=np.float64)


def ccfd_reservation(
    strike_price: ArrayLike, abated_t: ArrayLike, years: ArrayLike, cap: ArrayLike = 0.0
) -> FloatArray:
    """The worst case of a contract, reserved from the budget at the award.

    ``strike x (1 + cap) x abated_t x years``: the EUA at zero for the whole term, at the
    highest strike the contract can reach (``cap`` the indexation's highest rise, 0 without
    indexation). Payments of the contract can never exceed it.

    Examples
    --------
    >>> float(ccfd_reservation(200.0, 1.0e6, 15))
    3000000000.0
    >>> float(ccfd_reservation(200.0, 1.0e6, 15, cap=0.5))
    4500000000.0
    """
    return np.asarray(
        _nonnegative("strike_price", strike_price)
        * (1.0 + _nonnegative("cap", cap))
        * _nonnegative("abated_t", abated_t)
        * _nonnegative("years", years),
        dtype=np.float64,
    )


class Ccfd(SupportScheme):
    """Carbon contracts for difference in the scenario's design (module docstring).

    A plant applies when the expected payments over the option's life cover the option's
    value gap against staying: uniform strike, :func:`ccfd_payment` on the expected gap
    between the strike and the EUA, the need per tonne not above the strike; pay-as-bid, its
    bid (:func:`ccfd_bid`) covers its need and may not exceed the scenario's strike (the
    highest bid accepted). Plants awarded SDE++ in the same year do not apply; with the
    additionality test, options needing at most the threshold per tonne and plants whose best
    option without support is already a low-carbon switch do not either. Awards are ranked by
    the need per tonne; each reserves :func:`ccfd_reservation` from the budget. The contract
    pays :func:`ccfd_payment` at the year's strike (:func:`ccfd_indexed_strike` with
    indexation) for the tonnes abated against the emissions per unit of the route the plant
    left, up to the tonnes contracted, while it runs the route it was awarded for.
    """

    name = "ccfd"
    parameters = (
        Parameter(
            "strike",
            (SCENARIO,),
            "EUR/tCO2",
            "Strike price (uniform), or the highest bid accepted (pay-as-bid); NaN: no CCfDs.",
            np.nan,
        ),
        Parameter("budget", (SCENARIO,), "EUR", "Budget over the contracts.", 0.0),
        Parameter("duration", (SCENARIO,), "yr", "Contract duration.", 15.0),
        Parameter("pay_as_bid", (SCENARIO,), "1", "1: each strike is its bid; 0: uniform.", 0.0),
        Parameter("markup", (SCENARIO,), "1", "Bid mark-up on the need per tonne.", 0.0),
        Parameter("two_sided", (SCENARIO,), "1", "1: payments back above the strike.", 0.0),
        Parameter("indexation", (SCENARIO,), "1", "1: energy-price indexation of the strike.", 0.0),
        Parameter(
            "index_cap",
            (SCENARIO,),
            "1",
            "Highest rise of an indexed strike, as a share of the strike at award.",
            0.0,
        ),
        Parameter("additionality", (SCENARIO,), "1", "1: additionality test.", 0.0),
        Parameter(
            "additionality_threshold",
            (SCENARIO,),
            "EUR/tCO2",
            "Need per tonne at or below which an option is not additional.",
            0.0,
        ),
    )
    flows = (Flow("ccfd_outlay", -1, "CCfD payments."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        strike = self.param("strike")
        S, P = strike.shape[0], len(ctx.inputs.plants.product)
        self.strike = np.nan_to_num(strike, nan=0.0)
        self.left = np.where(np.isnan(strike), 0.0, self.param("budget"))
        self.bid = self.param("pay_as_bid") > 0
        self.two = self.param("two_sided") > 0
        self.indexed = self.param("indexation") > 0
        self.cap = np.where(self.indexed, self.param("index_cap"), 0.0)
        uses = ctx.route.inputs.any(axis=(0, 2))
        self.carriers = np.flatnonzero(uses) if self.indexed.any() else np.zeros(0, np.int64)
        """Carriers whose prices the indexation follows (those any route uses)."""
        C = len(self.carriers)
        self.contract = np.zeros((S, P))  # strike at award [EUR/tCO2]
        self.tonnes = np.zeros((S, P))  # tonnes contracted per year [tCO2/yr]
        self.per_unit = np.zeros((S, P))  # tonnes contracted per unit of output [tCO2/product]
        self.reference = np.zeros((S, P))  # emissions per unit of the route left [tCO2/product]
        self.extra = np.zeros((S, P, C))  # extra use per tonne avoided [carrier/tCO2]
        self.ref_price = np.zeros((S, P, C))  # prices expected at award [EUR/carrier]
        self.route = np.full((S, P), -1, dtype=np.int64)
        self.start = np.zeros((S, P), dtype=np.int64)
        self.end = np.zeros((S, P), dtype=np.int64)
        self.reserved = np.zeros(S)
        """Sum of the awards' worst cases [EUR]: payments never exceed it."""
        self._o: dict[str, FloatArray] = {}

    def paths(self) -> dict[str, FloatArray]:
        if not (self.left > 0).any():
            return {}  # no contracts in this batch: nothing to value
        ctx = self.ctx
        eua = ctx.ext(ctx.inputs.markets.eua)  # (S, Ye)
        S, Ye = eua.shape
        R = ctx.route.emitted.shape[0]

        def per_route(values: FloatArray) -> FloatArray:
            return np.broadcast_to(values[:, None, :], (S, R, Ye))

        one = ccfd_payment(self.strike[:, None], eua, 1.0)
        two = ccfd_payment(self.strike[:, None], eua, 1.0, two_sided=True)
        # two-sided where bids need the expected EUA: strike - E[payment] (one term, not two)
        signed = (self.two | self.bid)[:, None]
        out = {"payment_per_t": per_route(np.where(signed, two, one))}
        price = ctx.ext(ctx.inputs.markets.price)
        for c in self.carriers:
            out[f"price_{c}"] = per_route(price[:, c])
        return out

    def offer(self, ev: Evaluation) -> Offer | None:
        if not (self.left > 0).any():
            return None
        shape = ev.need_per_t.shape
        # the candidates: low-carbon options in a scenario with budget left, of a plant not
        # awarded SDE++ this year; everything else is not eligible (worked out on these only)
        cand = ev.supportable & (self.left > 0)[:, None, None] & ~ev.awarded("sde")[..., None]
        at = np.nonzero(cand)
        s = at[0]
        need = ev.need_per_t[at]
        markup = self.param("markup")[s]
        expected_pay = expected_at(ev, self.name, "payment_per_t", at)
        ceiling = self.strike[s]
        expected_eua = ceiling - expected_pay  # where it is two-sided
        finite = np.isfinite(need)
        with np.errstate(invalid="ignore"):
            bid = ccfd_bid(expected_eua, np.where(finite, need, 0.0), markup)
        bid = np.where(finite, bid, np.inf)
        pab = self.bid[s]
        strike = np.where(pab, bid, ceiling)
        # expected payment per tonne: the bid's expected difference (its need, marked up), or
        # the uniform strike's expected payments over the option's life
        per_t = np.where(pab, (1.0 + markup) * need, expected_pay)
        abated = ev.abated[at]
        support = np.where(np.isfinite(per_t), per_t, 0.0) * abated
        ok = (support >= ev.gap[at]) & np.where(pab, bid <= ceiling, need <= ceiling)
        test = (self.param("additionality") > 0)[s]
        if test.any():
            value = ev.value[at[0], at[1]]
            best = np.argmax(value, axis=-1)
            switches_anyway = ev.low_carbon[at[0], at[1], best]
            trivial = need <= self.param("additionality_threshold")[s]
            ok &= ~(test & (trivial | switches_anyway))
        reservation = ccfd_reservation(
            np.where(ok, strike, 0.0),
            np.maximum(abated, 0.0),
            self.param("duration")[s],
            self.cap[s],
        )
        eligible = np.zeros(shape, dtype=bool)
        eligible[at] = ok
        self._o = {
            "strike": self._dense(shape, at, np.where(ok, strike, 0.0), 0.0),
            "reservation": self._dense(shape, at, reservation, 0.0),
        }
        return Offer(
            support=self._dense(shape, at, np.where(ok, support, 0.0), 0.0),
            eligible=eligible,
            score=self._dense(shape, at, np.where(ok, need, np.inf), np.inf),
            claim=self._o["reservation"],
            budget=self.left,
        )

    @staticmethod
    def _dense(
        shape: tuple[int, ...], at: tuple[IntArray, ...], values: FloatArray, fill: float
    ) -> FloatArray:
        """``values`` at the candidates ``at``, ``fill`` elsewhere."""
        out = np.zeros(shape) if fill == 0.0 else np.full(shape, fill)  # zeros: not touched
        out[at] = values
        return out

    def _at(self, values: NDArray[np.generic], pick: IntArray) -> FloatArray:
        return np.asarray(np.take_along_axis(values, pick[..., None], -1)[..., 0], np.float64)

    def award(self, ev: Evaluation, won: BoolArray, pick: IntArray, start_year: IntArray) -> None:
        route = self._at(ev.routes, pick).astype(np.int64)
        self.contract = np.where(won, self._at(self._o["strike"], pick), self.contract)
        tonnes = self._at(ev.abated, pick)
        self.tonnes = np.where(won, tonnes, self.tonnes)
        prod = self._at(ev.production, pick)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.per_unit = np.where(won, np.where(prod > 0, tonnes / prod, 0.0), self.per_unit)
        self.reference = np.where(won, ev.emitted_current, self.reference)
        if len(self.carriers):
            ctx = self.ctx
            with np.errstate(divide="ignore", invalid="ignore"):
                per_t = np.where(tonnes > 0, prod / tonnes, 0.0)  # product per tonne avoided
            # the won plants only (everyone else keeps what it had)
            s_w, p_w = np.nonzero(won)
            mix, base = ctx.route.mix, ctx.route.inputs  # each scenario's mix
            new = mix.inputs_of(base, s_w, route[s_w, p_w], ev.t)[:, self.carriers]
            left = mix.inputs_of(base, s_w, ev.current[s_w, p_w], ev.t)[:, self.carriers]
            extra = (new - left) * per_t[s_w, p_w, None]
            self.extra[s_w, p_w] = extra
            # read at the won options only
            at = (s_w, p_w, pick[s_w, p_w])
            for j, c in enumerate(self.carriers):
                self.ref_price[s_w, p_w, j] = expected_at(ev, self.name, f"price_{c}", at)
        self.route = np.where(won, route, self.route)
        self.start = np.where(won, start_year, self.start)
        duration = np.round(self.param("duration")).astype(np.int64)[:, None]
        self.end = np.where(won, start_year + duration, self.end)
        worst = np.where(won, self._at(self._o["reservation"], pick), 0.0).sum(axis=1)
        self.left = self.left - worst
        self.reserved = self.reserved + worst
        return None

    def _paid(self, i: int, abated: FloatArray) -> FloatArray:
        """The contracts' payments in year index ``i`` for ``abated`` tonnes ``(S, P)``."""
        markets = self.ctx.inputs.markets
        strike = self.contract
        if len(self.carriers):
            price = markets.price[:, self.carriers, i]  # (S, C)
            if np.isfinite(price).all():
                # the indexed contracts only: a plant without a contract has strike, extra use
                # and reference prices 0, so its indexed strike is its strike (0)
                s, p = np.nonzero((self.route >= 0) & self.indexed[:, None])
                strike = strike.copy()
                strike[s, p] = ccfd_indexed_strike(
                    strike[s, p], self.extra[s, p], price[s], self.ref_price[s, p], self.cap[s]
                )
            else:
                indexed = ccfd_indexed_strike(
                    strike, self.extra, price[:, None, :], self.ref_price, self.cap[:, None]
                )
                strike = np.where(self.indexed[:, None], indexed, strike)
        eua = markets.eua[:, i][:, None]
        return np.asarray(
            np.where(
                self.two[:, None],
                ccfd_payment(strike, eua, abated, two_sided=True),
                ccfd_payment(strike, eua, abated),
            ),
            dtype=np.float64,
        )

    def _paid_at(self, i: int, at: tuple[IntArray, IntArray], abated: FloatArray) -> FloatArray:
        """:meth:`_paid` of the contracts at the plants ``at`` (scenario, plant indices) for
        their ``abated`` tonnes, one per plant."""
        markets = self.ctx.inputs.markets
        s = at[0]
        strike = self.contract[at]
        if len(self.carriers):
            price = markets.price[:, self.carriers, i][s]  # (n, C)
            indexed = ccfd_indexed_strike(
                strike, self.extra[at], price, self.ref_price[at], self.cap[s]
            )
            strike = np.where(self.indexed[s] & (self.route[at] >= 0), indexed, strike)
        eua = markets.eua[s, i]
        two = self.two[s]
        return np.asarray(
            np.where(
                two,
                ccfd_payment(strike, eua, abated, two_sided=True),
                ccfd_payment(strike, eua, abated),
            ),
            dtype=np.float64,
        )

    def contract_value(self, t: int, route: IntArray, production: FloatArray) -> FloatArray | None:
        if not (self.route >= 0).any():
            return None
        per_unit, tonnes = self.per_unit, self.tonnes
        return self.kept_value(
            t,
            route,
            self.route,
            self.start,
            self.end,
            lambda i, at: self._paid_at(
                i, at, np.minimum(per_unit[at] * production[at], tonnes[at])
            ),
        )

    def account(self, st: YearState) -> Booking:
        if not (self.route >= 0).any():
            return Booking()
        active = (self.start <= st.year) & (st.year < self.end) & (st.route == self.route)
        reference = self.reference * active
        abated = np.minimum(np.maximum(reference * st.activity - st.emissions, 0.0), self.tonnes)
        paid = self._paid(st.i, abated)
        return Booking(plant={"subsidies": paid}, gov={"ccfd_outlay": -paid})
