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
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy.base import Booking, Flow, Instrument, OptionView, Parameter, YearState
from kruispunt.vocabulary import SCENARIO

__all__ = ["CommittedSupport", "grant_per_unit"]

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
        crf = np.where(r > 0, r / (1.0 - (1.0 + r) ** -n), 1.0 / n)
        out = np.where(cap > 0, g * crf / np.where(cap > 0, cap, 1.0), 0.0)
    return np.asarray(out, dtype=np.float64)


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
    )

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
        option of the committed route (negative: revenue)."""
        plant = self.param("plant_outlay")
        if not plant.any():
            return 0.0
        inp = self.ctx.inputs
        left = plant[:, :, opt.t :].sum(axis=-1)  # (S, P)
        tied = opt.route == opt.plant(inp.levers.commit_route)
        rate = inp.finance.discount_rate
        value = grant_per_unit(
            opt.plant(left),
            np.reshape(rate, (-1,) + (1,) * (np.ndim(opt.route) - 1)),
            inp.routes.lifetime[opt.route],
            opt.plant(inp.plants.base_production),
        )
        return np.asarray(np.where(tied, -value, 0.0), dtype=np.float64)

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
        return Booking(plant=plant, gov=gov)
