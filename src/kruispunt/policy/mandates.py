"""Mandates: a required low-carbon share of a product's domestic use by year.

First application: the RFNBO obligation for hydrogen used in industry. Directive (EU)
2018/2001 as amended by Directive (EU) 2023/2413 (RED III), Art. 22a(1): renewable fuels of
non-biological origin (RFNBO) make up at least 42 % of the hydrogen used in industry in 2030
and 60 % in 2035, binding on the member state. The Netherlands places an obligation on
industrial hydrogen users (Wet jaarverplichting hernieuwbare brandstoffen van niet-biologische
oorsprong in de industrie, from 1 January 2026; Kamerstuk 31239 nr. 417): by the Green Growth
package of April 2025 about 4 % of an industrial user's hydrogen in 2030, the rest of the
member-state target to come from production tenders and demand support.

The market is the product ``hydrogen`` counted in tonnes: a route qualifies by the renewable
hydrogen it makes or uses (the electrolysis route's output; the network hydrogen, carrier
``hydrogen``, of the routes that use it: a refinery's or ammonia plant's hydrogen, hydrogen
DRI). The obligation clears as any demand-side market (:mod:`kruispunt.policy.clearing`).
"""

from __future__ import annotations

from kruispunt.policy.clearing import ClearingMarket

__all__ = ["RfnboMandate"]


class RfnboMandate(ClearingMarket):
    """The RFNBO obligation for industrial hydrogen (RED III Art. 22a as NL implements it).

    The required volume is the obligation's share of industrial hydrogen use
    (:func:`kruispunt.policy.clearing.required_volume`: 4 % of 1.3 Mt is 52 kt). Obligated
    users buy RFNBO up to it from the cheapest renewable-hydrogen routes; the premium (per
    tonne of hydrogen) is capped at the cost of falling short (``cap``). Paid by the
    obligated users, received by the plants whose routes make or use renewable hydrogen;
    booked as ``premium_revenue``."""

    name = "rfnbo_mandate"
    divisible = True
    """Electrolytic hydrogen is divisible: a producer sells part of its output as RFNBO. The
    output of a running renewable-hydrogen route (and of one being built) sells at its need
    per tonne and the marginal supplier sells only what is left, so the premium is the
    marginal supplier's need when that output covers the obligation. A switch stays whole:
    the model's routes convert a whole plant (or HH1's share of Pernis's hydrogen), so a
    plant that would sell only part of its new output does not cover its gap; when the
    year's output falls short the premium is the cap (``rfnbo.shortfall_cap``)."""
