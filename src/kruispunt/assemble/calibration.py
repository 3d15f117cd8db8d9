"""Calibration of plant revenue on revealed viability.

Assumption: every plant that operates in the base year covers its full cost of staying under
the first model year's conditions as the data package gives them (its reference scenario:
prices, taxes, EU ETS net of the plant's own free allocation, CO2-heffing, CBAM) plus the
annuity of renewing its route. Its revenue per unit is set to that cost and held constant in
real terms, so that decisions respond to changes from today (in every scenario alike) rather
than to unobserved differences between plants. The cost is the engine's own valuation of
staying (:func:`kruispunt.engine.valuation.cost_of_staying`), so each instrument's formula
is written once. Temporary support with an announced end (IKC, ``Instrument.calibrated`` False)
is left out: a plant that ran before the scheme reopened does not owe its viability to it, and
its end must not read as a loss that closes the plant at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kruispunt.engine.context import BatchContext
from kruispunt.engine.valuation import cost_of_staying
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import Instrument
from kruispunt.policy.registry import INSTRUMENTS

F = npt.NDArray[np.float64]


def plant_revenue(
    reference: ModelInputs, instruments: Sequence[type[Instrument]] = INSTRUMENTS
) -> F:
    """Revenue per unit of each plant's product ``(P,)`` [EUR/product]: its full cost of
    staying under ``reference`` (one scenario, myopic)."""
    if reference.n_scenarios != 1:
        raise ValueError("the reference for calibration is one scenario")
    classes = tuple(instruments)
    ctx = BatchContext(reference, classes)
    return cost_of_staying(ctx, [cls(ctx) for cls in classes if cls.calibrated])
