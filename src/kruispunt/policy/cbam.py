"""CBAM: the carbon border charge on imports of CBAM goods.

An importer surrenders CBAM certificates, priced at the EUA price, for the
embedded emissions of the goods, reduced by the share of free allocation that EU
producers of the same good still receive; so the payable share rises as
``1 - cbam_factor`` while free allocation is phased out. A carbon price
effectively paid in the country of origin is deducted. Used to set import parity
prices for intermediates and products.

References
----------
Regulation (EU) 2023/956 (CBAM), Art. 9 (carbon price paid in the country of
origin) and Art. 31 (adjustment for free allocation).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import nonnegative as _nonnegative
from kruispunt.policy.base import Booking, Context, Flow, Instrument, OptionView, YearState

__all__ = ["Cbam", "cbam_charge", "import_intensity"]

FloatArray = NDArray[np.float64]


def cbam_charge(
    embedded_emissions_t: ArrayLike,
    eua_price: ArrayLike,
    cbam_factor: ArrayLike,
    carbon_price_paid_eur_per_t: ArrayLike = 0.0,
) -> FloatArray:
    """CBAM charge on imported goods.

    ``embedded_emissions_t * max(eua_price * (1 - cbam_factor) -
    carbon_price_paid_eur_per_t, 0)``; with no carbon price paid abroad this is
    ``embedded x EUA x (1 - free allocation factor)``.

    Parameters
    ----------
    embedded_emissions_t : array_like
        Embedded emissions of the imported quantity, non-negative (per tonne of
        product gives the charge per tonne). [t]
    eua_price : array_like
        CBAM certificate price, taken as the EUA price, non-negative. [EUR/t]
    cbam_factor : array_like
        Free-allocation factor for the good in the year, in [0, 1]: the share of
        the charge that is waived. [-]
    carbon_price_paid_eur_per_t : array_like, default 0
        Carbon price effectively paid in the country of origin, already net of
        any rebate there; non-negative. The deduction never makes the charge
        negative. [EUR/t]

    Returns
    -------
    numpy.ndarray
        Charge. [EUR]

    Raises
    ------
    ValueError
        If an amount or price is negative or NaN, or ``cbam_factor`` is outside
        [0, 1].

    Examples
    --------
    >>> float(cbam_charge(2.0, 80.0, 0.75))
    40.0
    >>> cbam_charge(2.0, 80.0, [0.0, 0.0], carbon_price_paid_eur_per_t=[30.0, 100.0])
    array([100.,   0.])
    """
    embedded = _nonnegative("embedded_emissions_t", embedded_emissions_t)
    price = _nonnegative("eua_price", eua_price)
    factor = np.asarray(cbam_factor, dtype=np.float64)
    if not np.all((factor >= 0.0) & (factor <= 1.0)):
        raise ValueError("cbam_factor must be in [0, 1] and not NaN")
    paid = _nonnegative("carbon_price_paid_eur_per_t", carbon_price_paid_eur_per_t)
    return np.asarray(embedded * np.maximum(price * (1.0 - factor) - paid, 0.0), dtype=np.float64)


def import_intensity(
    plant_product: NDArray[np.int64],
    base_emissions: ArrayLike,
    base_production: ArrayLike,
    n_products: int,
) -> FloatArray:
    """Embedded emissions assumed for imports of each product [tCO2/product], shape (G,).

    Assumption (no default values of the CBAM implementing acts are in the data yet): imports
    carry the production-weighted average base-year intensity of the Dutch plants making the
    product; 0 for products without production.

    Examples
    --------
    >>> import_intensity(np.array([0, 0, 1]), [2.0, 6.0, 0.0], [1.0, 3.0, 0.0], 2)
    array([2., 0.])
    """
    production = _nonnegative("base_production", base_production)
    emissions = np.where(production > 0, _nonnegative("base_emissions", base_emissions), 0.0)
    total_em = np.bincount(plant_product, weights=emissions, minlength=n_products)
    total_prod = np.bincount(plant_product, weights=production, minlength=n_products)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total_prod > 0, total_em / total_prod, 0.0)


class Cbam(Instrument):
    """CBAM on imported CBAM goods.

    Three effects: plants pay it on imported intermediates (HBI, ammonia ...) through their
    route inputs; the import-parity price of a CBAM good rises by the charge on its imports,
    which plants making it earn as revenue; and the government collects it on every import
    (intermediates and the imports that fill domestic demand). The charged share follows the
    EU ETS module's CBAM factor (``ets.cbam_factor``).
    """

    name = "cbam"
    flows = (
        Flow("cbam_revenue", 1, "CBAM the plants pay on imported intermediates."),
        Flow("cbam_import_revenue", 1, "CBAM on imports of products that fill demand."),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        self.factor = np.asarray(ctx.params("ets")["cbam_factor"], dtype=np.float64)  # (S, Y)
        per_carrier = inp.carriers.embedded * inp.carriers.cbam  # (C,)
        self.embedded = np.einsum("rcy,c->ry", inp.routes.inputs, per_carrier)  # (R, Y)
        products = inp.products.cbam
        intensity = import_intensity(
            inp.plants.product,
            inp.plants.base_emissions,
            inp.plants.base_production,
            len(products),
        )
        self.intensity = np.where(products, intensity, 0.0)  # (G,)

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        eua = ctx.ext(ctx.inputs.markets.eua)[:, None, :]
        factor = ctx.ext(self.factor)[:, None, :]
        parity = self.intensity[ctx.inputs.routes.product]  # (R,)
        return {
            "intermediates": cbam_charge(ctx.ext(self.embedded)[None], eua, factor),
            "parity": -cbam_charge(parity[None, :, None], eua, factor),
        }

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray:
        return np.asarray(x["intermediates"] + x["parity"], dtype=np.float64)

    def account(self, st: YearState) -> Booking:
        inp = self.ctx.inputs
        i = st.i
        eua = inp.markets.eua[:, i]
        factor = self.factor[:, i]
        on_inputs = cbam_charge(
            self.embedded[st.route, i] * st.activity, eua[:, None], factor[:, None]
        )
        G = len(self.intensity)
        plants = inp.plants
        domestic = np.zeros((st.production.shape[0], G))
        np.add.at(domestic.T, plants.product, st.production.T)
        base = np.bincount(plants.product, weights=plants.base_production, minlength=G)
        imports = np.maximum(base[None, :] * inp.markets.demand_scale[:, :, i] - domestic, 0.0)
        on_imports = cbam_charge(self.intensity[None, :] * imports, eua[:, None], factor[:, None])
        return Booking(
            plant={"carbon_cost": on_inputs},
            gov={"cbam_revenue": on_inputs, "cbam_import_revenue": on_imports.sum(axis=1)},
        )
