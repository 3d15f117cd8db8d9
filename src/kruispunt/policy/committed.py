"""Public money committed to date: support already awarded or agreed (events.csv).

The SDE++ reservation for Porthos's customers, maatwerk agreements (Nobian, Cosun, Yara's
contribution), the state's share in Aramis, the grant for the hydrogen network, IPCEI and
OWE awards: money the government pays whatever the model's plants decide, by payment year as
the data package gives it. It enters the government cash flow, not the plants' valuation
(its conditions are not modelled), and the model's own schemes do not award it again (the
Porthos captures are commitments, not SDE++ awards of the model).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kruispunt.policy.base import Booking, Flow, Instrument, Parameter, YearState
from kruispunt.vocabulary import SCENARIO

__all__ = ["CommittedSupport"]


class CommittedSupport(Instrument):
    """Committed public money, paid by year [EUR/yr]."""

    name = "committed"
    calibrated = False
    parameters = (
        Parameter(
            "outlay",
            (SCENARIO, "year"),
            "EUR",
            "Public money committed to date paid in the year (events.csv, euro of the model).",
            0.0,
        ),
    )
    flows = (
        Flow(
            "committed_outlay",
            -1,
            "Public money committed to date (awards, maatwerk, state shares; events.csv).",
        ),
    )

    def account(self, st: YearState) -> Booking:
        paid: NDArray[np.float64] = self.param("outlay")[:, st.i]
        if not paid.any():
            return Booking()
        return Booking(gov={"committed_outlay": -paid})
