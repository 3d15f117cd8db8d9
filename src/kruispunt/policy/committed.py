"""Public money committed to date: support already awarded or agreed (events.csv).

The SDE++ reservation for Porthos's customers, maatwerk agreements (Nobian, Cosun, Yara's
contribution, Tata Steel's Joint Letter of Intent), the state's share in Aramis, the grant for
the hydrogen network, IPCEI and OWE awards: money the government pays whatever the model's
plants decide, by payment year as the data package gives it, and the model's own schemes do
not award it again (the Porthos captures are commitments, not SDE++ awards of the model).

Money that names a modelled plant (a maatwerk agreement for a plant's committed project:
Tata Steel's up to EUR 2 bn for the DRI plant and EAF of phase 1, when the scenario applies
the announced plan) is that plant's: it is received as a subsidy in its payment years, the
project's asset is booked net of it (``Levers.commit_grant``), and in valuation the option of
the committed route carries the money still to be paid as a grant, annuitised over the
route's life (:func:`grant_per_unit`). Its conditions (a maatwerk agreement's emission
cuts and health measures) are not modelled.

An SDE++ award made to date that names its parties (the Porthos award of the 2020 round) is
paid as the scheme pays, not by a fixed profile: each year the subsidy per tonne is the base
amount minus the correction amount, the EUA of the year for CCS, never counted below the base
price (Besluit SDEK; the minister, 8 Feb 2021: "Bij CCS is dit laatste de ETS-prijs voor CO2"),
on the tonnes its parties capture, up to the award's eligible volume, for its term
(:func:`committed_sde_payment`); a party is paid on at most what its committed capture
route captures (the installation the award was granted for). When the EUA is above the base
amount it pays nothing
(Porthos, 9 Jun 2021: "Komt de ETS-prijs boven de kosten voor CCS, dan stopt de subsidie").
It is booked as ``committed_sde_outlay`` and received by the parties as a subsidy; it does not
enter valuation (the parties are bound to their decided capture projects).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy.base import (
    Booking,
    Context,
    Flow,
    Instrument,
    OptionView,
    Parameter,
    YearState,
)
from kruispunt.policy.sde import sde_subsidy_per_unit
from kruispunt.vocabulary import SCENARIO

__all__ = ["CommittedSupport", "committed_sde_payment", "grant_per_unit"]

F = NDArray[np.float64]


def grant_per_unit(left: ArrayLike, rate: ArrayLike, life: ArrayLike, output: ArrayLike) -> F:
    """Value of a grant still to be paid per unit of product [EUR/product]: the amount
    ``left`` [EUR] times the capital recovery factor ``rate / (1 - (1 + rate)^-life)`` (``1 /
    life`` at a zero rate), over the plant's yearly ``output`` [product/yr] (its base-year
    production); 0 where the output is 0. As a capex grant enters valuation: it lowers the
    annuity of the investment.

    Examples
    --------
    EUR 2 bn for a 3.5 Mt/yr plant over 40 years at 7 %: crf 0.0750091, 42.86 EUR/t.

    >>> round(float(grant_per_unit(2e9, 0.07, 40, 3.5e6)), 2)
    42.86
    >>> float(grant_per_unit(1e6, 0.0, 10, 1e5))
    1.0
    """
    g = np.asarray(left, dtype=np.float64)
    r = np.asarray(rate, dtype=np.float64)
    n = np.maximum(np.asarray(life, dtype=np.float64), 1.0)
    cap = np.asarray(output, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        # a rate so small that (1 + rate)^-life rounds to 1 is a zero rate (not rate / 0)
        den = 1.0 - (1.0 + r) ** -n
        crf = np.where((r > 0) & (den > 0), r / den, 1.0 / n)
        out = np.where(cap > 0, g * crf / np.where(cap > 0, cap, 1.0), 0.0)
    return np.asarray(out, dtype=np.float64)


def committed_sde_payment(
    base_amount: ArrayLike,
    base_price: ArrayLike,
    eua: ArrayLike,
    captured: ArrayLike,
    award: ArrayLike,
    volume: ArrayLike,
) -> F:
    """A year's payment of SDE++ CCS awards made to date, per party [EUR/yr].

    ``sde_subsidy_per_unit(base_amount, eua, base_price) x eligible`` (Besluit SDEK: subsidy =
    basisbedrag - correctiebedrag, the correctiebedrag not below the basisprijs; for CCS the
    correctiebedrag is the EUA), where ``eligible`` is the CO2 each party captures, scaled down
    pro rata when an award's parties together capture more than its eligible yearly volume
    (the subsidised production is capped per year).

    Parameters
    ----------
    base_amount, base_price : array_like
        The award's basisbedrag and basisprijs of each party ``(S, P)`` [EUR/tCO2].
    eua : array_like
        EUA price of the year, broadcasting with the parties (``(S, 1)``) [EUR/tCO2].
    captured : array_like
        CO2 each party captures in the year, 0 outside the award's term ``(S, P)`` [tCO2/yr].
    award : array_like
        Award of each party ``(S, P)`` (an index; -1: none).
    volume : array_like
        Eligible yearly volume of each party's award, shared by its parties ``(S, P)``
        [tCO2/yr].

    Returns
    -------
    numpy.ndarray
        Payment of each party ``(S, P)`` [EUR/yr].

    Examples
    --------
    Base amount 97.47, base price 29.24 EUR/t (the Porthos award, 80 and 24 EUR of 2021 in
    euro of 2025), 1.0 + 0.75 Mt captured against 2.5 Mt eligible: at an EUA of 80.22 the
    award pays 17.25 EUR/t, 30.19 MEUR; at 138.17 nothing; at 20 the base price floors it:
    68.23 EUR/t.

    >>> pay = lambda e: committed_sde_payment([[97.47, 97.47]], [[29.24, 29.24]], [[e]],
    ...                                      [[1.0e6, 0.75e6]], [[0, 0]], [[2.5e6, 2.5e6]])
    >>> [round(float(x) / 1e6, 4) for x in pay(80.22)[0]]
    [17.25, 12.9375]
    >>> float(pay(138.17).sum())
    0.0
    >>> round(float(pay(20.0).sum()) / 1.75e6, 2)
    68.23

    Parties capturing 3 Mt against 2.5 Mt eligible are paid on 2.5 Mt, pro rata:

    >>> x = committed_sde_payment([[90.0, 90.0]], [[30.0, 30.0]], [[80.0]], [[2.0e6, 1.0e6]],
    ...                           [[0, 0]], [[2.5e6, 2.5e6]])
    >>> [round(float(v) / 1e6, 4) for v in x[0]]
    [16.6667, 8.3333]
    """
    base = np.asarray(base_amount, dtype=np.float64)
    floor = np.asarray(base_price, dtype=np.float64)
    ids = np.asarray(award, dtype=np.int64)
    got = np.where(ids >= 0, np.maximum(np.asarray(captured, dtype=np.float64), 0.0), 0.0)
    cap = np.broadcast_to(np.asarray(volume, dtype=np.float64), got.shape)
    share = np.ones(got.shape)
    for a in np.unique(ids[ids >= 0]):
        mine = ids == a
        total = np.where(mine, got, 0.0).sum(axis=-1, keepdims=True)
        limit = np.max(np.where(mine, cap, 0.0), axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(total > limit, limit / np.where(total > 0, total, 1.0), 1.0)
        share = np.where(mine, np.broadcast_to(scale, got.shape), share)
    per_t = sde_subsidy_per_unit(
        np.maximum(base, floor),
        np.broadcast_to(np.asarray(eua, dtype=np.float64), got.shape),
        floor,
    )
    return np.asarray(per_t * got * share, dtype=np.float64)


class CommittedSupport(Instrument):
    """Committed public money, paid by year [EUR/yr]."""

    name = "committed"
    calibrated = False
    parameters = (
        Parameter(
            "outlay",
            (SCENARIO, "year"),
            "EUR",
            "Public money committed to date paid in the year that names no modelled plant "
            "(events.csv, euro of the model).",
            0.0,
        ),
        Parameter(
            "plant_outlay",
            (SCENARIO, "plant", "year"),
            "EUR",
            "Public money committed to date for a modelled plant, paid in the year (maatwerk "
            "rows of events.csv that name the plant, euro of the model).",
            0.0,
        ),
        Parameter(
            "sde_award",
            (SCENARIO, "plant"),
            "1",
            "SDE++ award made to date of which the plant is a party (an index; -1: none).",
            -1.0,
        ),
        Parameter(
            "sde_base",
            (SCENARIO, "plant"),
            "EUR/tCO2",
            "Base amount (basisbedrag) of the plant's SDE++ award to date.",
            0.0,
        ),
        Parameter(
            "sde_floor",
            (SCENARIO, "plant"),
            "EUR/tCO2",
            "Base price (basisprijs) of the plant's SDE++ award to date.",
            0.0,
        ),
        Parameter("sde_start", (SCENARIO, "plant"), "yr", "First year the award pays.", 0.0),
        Parameter(
            "sde_end", (SCENARIO, "plant"), "yr", "First year the award no longer pays.", 0.0
        ),
        Parameter(
            "sde_volume",
            (SCENARIO, "plant"),
            "tCO2/yr",
            "Eligible yearly volume of the plant's award, shared by its parties.",
            0.0,
        ),
    )
    flows = (
        Flow(
            "committed_outlay",
            -1,
            "Public money committed to date (awards, maatwerk, state shares; events.csv).",
        ),
        Flow(
            "committed_plant_outlay",
            -1,
            "Public money committed to date for a modelled plant (maatwerk; events.csv).",
        ),
        Flow(
            "committed_sde_outlay",
            -1,
            "SDE++ awarded to date (Porthos), paid by the SDE++ rule on the CO2 captured.",
        ),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._pays = bool(self.param("plant_outlay").any())
        """Whether some plant has committed money (a batch's parameters are fixed)."""
        self._left_memo: tuple[int, F] = (-1, np.empty((0, 0)))
        outlay = self.param("plant_outlay")  # (S, P, Y)
        self._outlay_at = np.nonzero(((outlay != 0) | np.signbit(outlay)).any(axis=-1))
        """The (scenario, plant) pairs with some committed money (or -0): every other pair's
        money left is a sum of +0."""
        self._outlay = np.ascontiguousarray(outlay[self._outlay_at])  # (n, Y)

    def paths(self) -> dict[str, F]:
        """No per-route path: the grant depends on the plant, not the route (an empty term,
        present only when some plant has money, so that valuation calls :meth:`unit_cost`)."""
        if not self.param("plant_outlay").any():
            return {}
        inp = self.ctx.inputs
        S, R, Y = inp.n_scenarios, len(inp.routes.family), len(inp.coords.years)
        return {"grant": self.ctx.ext(np.zeros((S, R, Y)))}

    def unit_cost(self, x: Mapping[str, F], opt: OptionView) -> F | float:
        """The money still to be paid for a plant's committed project, as a grant on the
        option of the committed route (negative: revenue). Worked out only on the options
        of the committed route (a few), element for element as on every option."""
        if not self._pays:
            return 0.0
        inp = self.ctx.inputs
        left = self._left(opt.t)  # (S, P)
        if not left.any():  # every committed payment made: nothing left to weigh
            return 0.0
        tied = opt.route == opt.plant(inp.levers.commit_route)
        rate = np.reshape(inp.finance.discount_rate, (-1,) + (1,) * (np.ndim(opt.route) - 1))
        *args, on = np.broadcast_arrays(
            opt.plant(left),
            rate,
            inp.routes.lifetime[opt.route],
            opt.plant(inp.plants.base_production),
            tied,
        )
        out = np.zeros(on.shape)
        out[on] = -grant_per_unit(*(np.asarray(a)[on] for a in args))
        return out

    def _left(self, t: int) -> F:
        """The committed money still to be paid to each plant from year index ``t`` on
        ``(S, P)`` [EUR] (kept for the year: valuation asks for it twice)."""
        if self._left_memo[0] != t:
            S, P = self.param("plant_outlay").shape[:2]
            left = np.zeros((S, P))  # the sum of the pairs with money, +0 for the others
            left[self._outlay_at] = self._outlay[:, t:].sum(axis=-1)
            self._left_memo = (t, left)
        return self._left_memo[1]

    def account(self, st: YearState) -> Booking:
        paid: F = self.param("outlay")[:, st.i]
        mine: F = self.param("plant_outlay")[:, :, st.i]
        gov: dict[str, F] = {}
        plant: dict[str, F] = {}
        if paid.any():
            gov["committed_outlay"] = -paid
        if mine.any():
            gov["committed_plant_outlay"] = -mine
            plant["subsidies"] = mine
        award = np.round(self.param("sde_award")).astype(np.int64)
        if (award >= 0).any():
            sde = self._sde_paid(st, award)
            gov["committed_sde_outlay"] = -sde  # per plant, as every flow with a plant
            plant["subsidies"] = plant.get("subsidies", 0.0) + sde
        return Booking(plant=plant, gov=gov)

    def _sde_paid(self, st: YearState, award: NDArray[np.int64]) -> F:
        """The year's payment of the SDE++ awards to date to each party ``(S, P)`` [EUR]:
        :func:`committed_sde_payment` on the CO2 the party captures and stores while the
        award runs (not what it vents, nor the capture of hydrogen it bought instead of
        making it under the RFNBO obligation)."""
        running = (award >= 0) & (self.param("sde_start") <= st.year)
        running &= st.year < self.param("sde_end")
        captured = st.stored
        # the award pays the capture of the installation it was granted for: at most what the
        # plant's committed capture route captures at the year's output (a later capture unit,
        # e.g. post-combustion capture at Shell Pernis, is a new installation, not this award's)
        commit = self.ctx.inputs.levers.commit_route
        granted = self.ctx.route.captured[np.maximum(commit, 0), st.i] * st.activity
        captured = np.where(commit >= 0, np.minimum(captured, granted), captured)
        return committed_sde_payment(
            self.param("sde_base"),
            self.param("sde_floor"),
            self.ctx.inputs.markets.eua[:, st.i][:, None],
            np.where(running, captured, 0.0),
            award,
            self.param("sde_volume"),
        )
