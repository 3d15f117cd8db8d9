"""Calibration of plant revenue: sourced margins where the data give them, revealed viability
as the floor.

Products with a sourced margin (``product_markets.csv``; refining, cracking, steel): every
plant of the product earns one first-year price, the cost of the inputs the margin is a
spread over (``margin_scopes.csv``) plus the margin (the mean of the sourced years, a
through-cycle figure: :meth:`kruispunt.policy.market.ProductMarket.first_price`). A plant's
margin is that price less its own full cost of staying, so margins spread around the
sector's by each unit's cost position, and units close one at a time as costs rise. Where the
price is below a plant's cost, the plant still runs today, so its revenue is its cost (zero
margin): revealed viability is the floor.

Plants whose product has neither, in a NACE branch with a published operating profit over
energy cost (``branch_profits.csv``): revenue is that cost plus the ratio times the plant's
energy bill (:func:`kruispunt.policy.market.with_profit`); a scenario's
``branch_profit_scale`` multiplies the ratio.

Products with a sourced operating margin on sales but no spread (``operating_margin``: the
process heat of food and chemical plants, paper): revenue is that cost marked up to the
margin (:func:`kruispunt.policy.market.marked_up`), so the plant has the slack its firm
earns instead of none.

Other products (no sourced margin): every plant that operates in the base year covers its
full cost of staying under the first model year's conditions as the data package gives them
(its reference scenario: prices, taxes, EU ETS net of the plant's own free allocation,
CO2-heffing, CBAM) plus the annuity of renewing its route. Its revenue per unit is set to that
cost, so that decisions respond to changes from today (in every scenario alike) rather
than to unobserved differences between plants. Revenue then moves with the product market
(:mod:`kruispunt.policy.market`). The cost is the engine's own valuation of
staying (:func:`kruispunt.engine.valuation.first_year_costs`), so each instrument's formula
is written once. Temporary support with an announced end (IKC, ``Instrument.calibrated`` False)
is left out: a plant that ran before the scheme reopened does not owe its viability to it, and
its end must not read as a loss that closes the plant at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kruispunt.engine.context import BatchContext
from kruispunt.engine.valuation import first_year_costs
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import Instrument
from kruispunt.policy.market import ProductMarket
from kruispunt.policy.registry import INSTRUMENTS

F = npt.NDArray[np.float64]


def plant_revenue(
    reference: ModelInputs, instruments: Sequence[type[Instrument]] = INSTRUMENTS
) -> F:
    """Revenue per unit of each plant's product in the first year ``(P,)`` [EUR/product]: the
    product's first-year price where it has a sourced margin, at least the plant's full cost
    of staying under ``reference`` (one scenario, myopic); the cost plus its branch's
    operating profit where the branch has one; that cost marked up to the product's
    operating margin where one is sourced; the cost elsewhere (:func:`revenue_parts`)."""
    base, profit = revenue_parts(reference, instruments)
    return np.asarray(base + profit, dtype=np.float64)


def revenue_parts(
    reference: ModelInputs, instruments: Sequence[type[Instrument]] = INSTRUMENTS
) -> tuple[F, F]:
    """:func:`plant_revenue` as ``(base, profit)`` ``(P,)`` [EUR/product]: ``profit`` the
    branch's operating profit over energy cost times the plant's energy bill (0 where it
    has none or its product has a price), which a scenario's ``branch_profit_scale``
    multiplies; ``base`` the rest."""
    if reference.n_scenarios != 1:
        raise ValueError("the reference for calibration is one scenario")
    classes = tuple(instruments)
    ctx = BatchContext(reference, classes)
    built = [cls(ctx) for cls in classes]
    cost, energy = first_year_costs(ctx, [inst for inst in built if inst.calibrated])
    market = next((inst for inst in built if isinstance(inst, ProductMarket)), None)
    if market is None:
        return cost, np.zeros_like(cost)
    return market.calibrated_revenue(cost, energy)
