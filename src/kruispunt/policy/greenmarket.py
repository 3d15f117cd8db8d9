"""Green-market creation: revenue from a green premium paid under a mandate or procurement.

A mandate, green public procurement (MKI/MPG) or a label lets a low-carbon
producer sell part of its output at a premium over the conventional price. The
premium and the share of output that finds a premium-paying buyer are scenario
levers from the data package; both default to zero, so the revenue is zero
unless a scenario sets them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy.base import Booking, Context, Instrument, OptionView, Parameter, YearState
from kruispunt.vocabulary import FAMILY, LOW_CARBON_FAMILIES, SCENARIO

__all__ = ["GreenPremium", "green_premium_revenue"]

FloatArray = NDArray[np.float64]


def green_premium_revenue(
    production: ArrayLike,
    premium_per_unit: ArrayLike = 0.0,
    mandate_share: ArrayLike = 0.0,
) -> FloatArray:
    """Extra revenue from selling low-carbon output at a green premium.

    ``production * mandate_share * premium_per_unit``.

    Parameters
    ----------
    production : array_like
        Output that qualifies as low-carbon, non-negative (pass 0 for routes
        that do not qualify). [t/yr]
    premium_per_unit : array_like, default 0
        Green premium over the conventional product price, non-negative.
        [EUR/t]
    mandate_share : array_like, default 0
        Share of the qualifying output sold into the mandated or procured
        market, in [0, 1]. [-]

    Returns
    -------
    numpy.ndarray
        Premium revenue. [EUR/yr]

    Raises
    ------
    ValueError
        If production or premium is negative or NaN, or the share is outside
        [0, 1].

    Examples
    --------
    >>> float(green_premium_revenue(1.0e6, 200.0, 0.25))
    50000000.0
    >>> float(green_premium_revenue(1.0e6))
    0.0
    """
    volume = np.asarray(production, dtype=np.float64)
    premium = np.asarray(premium_per_unit, dtype=np.float64)
    share = np.asarray(mandate_share, dtype=np.float64)
    if not np.all(volume >= 0.0):
        raise ValueError("production must be non-negative and not NaN")
    if not np.all(premium >= 0.0):
        raise ValueError("premium_per_unit must be non-negative and not NaN")
    if not np.all((share >= 0.0) & (share <= 1.0)):
        raise ValueError("mandate_share must be in [0, 1] and not NaN")
    return np.asarray(volume * share * premium, dtype=np.float64)


class GreenPremium(Instrument):
    """A green premium on low-carbon output, paid by buyers under a mandate or procurement.

    Low-carbon routes (families in :data:`kruispunt.vocabulary.LOW_CARBON_FAMILIES`) earn
    :func:`green_premium_revenue` per unit of output; plants value it as revenue and the
    yearly accounting books it as ``premium_revenue`` (no government flow: buyers pay).
    """

    name = "green_premium"
    parameters = (
        Parameter(
            "premium",
            (SCENARIO, "product"),
            "EUR/product",
            "Premium for low-carbon product.",
            0.0,
        ),
        Parameter(
            "share",
            (SCENARIO, "product"),
            "1",
            "Share of low-carbon output that earns the premium.",
            0.0,
        ),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        routes = ctx.inputs.routes
        self.low = np.isin(routes.family, [FAMILY[f] for f in LOW_CARBON_FAMILIES])  # (R,)
        self.active = bool((self.param("premium") * self.param("share")).any())

    def _per_unit(self) -> FloatArray:
        """Premium revenue per unit of output of each route ``(S, R)`` [EUR/product]."""
        product = self.ctx.inputs.routes.product
        return green_premium_revenue(
            self.low.astype(float)[None, :],
            self.param("premium")[:, product],
            self.param("share")[:, product],
        )

    def paths(self) -> dict[str, FloatArray]:
        if not self.active:
            return {}
        per_unit = self._per_unit()
        Ye = self.ctx.route.emitted.shape[-1]
        return {"revenue": np.repeat(per_unit[:, :, None], Ye, axis=-1)}

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray | float:
        return np.asarray(-x["revenue"], dtype=np.float64) if self.active else 0.0

    def account(self, st: YearState) -> Booking:
        if not self.active:
            return Booking()
        rows = np.arange(st.route.shape[0])[:, None]
        revenue = self._per_unit()[rows, st.route] * st.production
        return Booking(plant={"premium_revenue": revenue})
