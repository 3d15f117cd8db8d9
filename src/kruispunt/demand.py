"""Outcomes of the demand-side markets: premium, required volume, supply and sales per market
and year (the RFNBO obligation, green public procurement, labels).

``market_outcomes(scenarios)`` runs the scenarios with an observer on the engine's year loop
and reads each :class:`~kruispunt.policy.clearing.ClearingMarket` the run holds. Plants'
premium revenue is also in the results (``premium_revenue``); this table gives the markets'
side: what buyers pay equals what the suppliers receive.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from kruispunt.assemble import build_inputs
from kruispunt.catalogue.load import Catalogue, load_catalogue
from kruispunt.engine.simulate import YearView, run_batch
from kruispunt.policy.clearing import ClearingMarket
from kruispunt.scenarios import Scenario, resolve
from kruispunt.vocabulary import SCENARIO, YEAR

__all__ = ["market_outcomes"]

COLUMNS = ("premium", "required", "supplied", "sold", "paid", "expected", "in_part", "in_part_cost")
"""Per market and year: the year's premium [EUR per market unit] (the year's qualifying
output cleared against the year's required volume; zero when nothing is required), volume
required, qualifying output, volume sold [market unit/yr], what buyers pay [EUR/yr], and the
premium the year's decision round expects [EUR per market unit] (cleared against the volume
required ``LOOKAHEAD`` years ahead: what new supply is valued with); the volume the market's
own divisible supply sells (``in_part``: the RFNBO obligated users take for part of their
hydrogen use, :meth:`kruispunt.policy.mandates.RfnboMandate.market_supply`) [market unit/yr]
and what it costs them at its need [EUR/yr]. ``sold`` is the plants' output sold; ``sold +
in_part`` is at most ``required``."""


class _Keep:
    """Observer that keeps the run's markets (the same objects every year)."""

    def __init__(self) -> None:
        self.markets: list[ClearingMarket] = []

    def __call__(self, view: YearView) -> None:
        if not self.markets:
            self.markets = [
                inst for inst in view.valuation.instruments if isinstance(inst, ClearingMarket)
            ]


def market_outcomes(
    scenarios: Sequence[str | Scenario],
    catalogue: Catalogue | None = None,
    data: Path | None = None,
) -> pd.DataFrame:
    """One row per scenario, instrument, market (product) and year with a required volume or
    a premium: ``premium``, ``required``, ``supplied``, ``sold``, ``paid`` (see
    :data:`COLUMNS`).

    Examples
    --------
    >>> table = market_outcomes(["current-policy"])  # doctest: +SKIP
    >>> table.query("market == 'hydrogen' and year == 2030")  # doctest: +SKIP
    """
    cat = catalogue if catalogue is not None else load_catalogue(data)
    resolved = [s if isinstance(s, Scenario) else resolve([s], cat.path)[0] for s in scenarios]
    inputs = build_inputs(cat, resolved)
    products = list(inputs.coords.products)
    years = inputs.coords.years
    rows: list[dict[str, object]] = []
    for s, sc in enumerate(resolved):
        keep = _Keep()
        run_batch(inputs.select([s]), observer=keep)
        for m in keep.markets:
            for g in m.markets:
                for i, year in enumerate(years):
                    vals = {
                        "premium": m.premium[0, g, i],
                        "required": m.required_now[0, g, i],
                        "supplied": m.supplied[0, g, i],
                        "sold": m.sold[0, g, i],
                        "paid": m.paid[0, g, i],
                        "expected": m.expected[0, g, i],
                        "in_part": m.in_part[0, g, i],
                        "in_part_cost": m.in_part_cost[0, g, i],
                    }
                    if not any(v > 0 for v in vals.values()):
                        continue
                    rows.append(
                        {
                            SCENARIO: sc.name,
                            "instrument": m.name,
                            "market": products[g],
                            YEAR: int(year),
                            **{k: float(v) for k, v in vals.items()},
                        }
                    )
    cols = [SCENARIO, "instrument", "market", YEAR, *COLUMNS]
    return pd.DataFrame(rows, columns=cols).astype({YEAR: np.int64})
