"""Labels: a share of buyers willing to pay a premium for low-carbon product, up to a cap.

A label (a green-steel or low-carbon-cement claim, a product passport) lets the buyers who
value it pay more for the labelled product. The volume is the willing buyers' share of the
product's domestic use; the premium clears as any demand-side market
(:mod:`kruispunt.policy.clearing`), capped at the buyers' willingness to pay
(:func:`kruispunt.policy.clearing.required_volume`). Off by default: no sourced share or
willingness to pay for Dutch industrial products (the scenario lever ``demand.labels`` sets
both).
"""

from __future__ import annotations

from kruispunt.policy.clearing import ClearingMarket

__all__ = ["GreenLabel"]


class GreenLabel(ClearingMarket):
    """Label premiums: willing buyers pay up to their cap for low-carbon product; booked as
    ``premium_revenue``."""

    name = "green_label"
