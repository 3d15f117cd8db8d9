"""CBAM: the carbon border adjustment on imports of CBAM goods.

An importer surrenders CBAM certificates, priced at the EUA price, for the embedded emissions
of the goods minus the free-allocation adjustment: the CBAM factor of the year times the
cross-sectoral correction factor times the CBAM benchmark of the good (Regulation (EU)
2023/956 Art. 22 and 31; Implementing Regulation (EU) 2025/2620: FAA = CBAM factor x CSCF x
benchmark x quantity). Embedded emissions are the actual ones where the importer has verified
data, else the default values with a mark-up of 10 % (2026), 20 % (2027) and 30 % (2028 on)
(Implementing Regulation (EU) 2025/2621). A carbon price effectively paid in the country of
origin is deducted (Art. 9), never below zero.

The model uses CBAM three ways (``docs/model.md``, "CBAM"): plants pay it on imported
intermediates (HBI, ammonia) through their route inputs; the import-parity price of a CBAM
good rises by the charge on its imports, which plants earn on the share of their output sold
in the EU (the regulation has no export adjustment); and the government collects it on the
imported intermediates and on the imports that fill domestic demand beyond what plants supply
(made here or imported through an intermediate route, so no import is charged twice).

References
----------
Regulation (EU) 2023/956 (CBAM), Art. 7, 9, 21, 22 and 31; Implementing Regulations (EU)
2025/2620 (free-allocation adjustment, CBAM benchmarks) and 2025/2621 (default values).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import fraction as _fraction
from kruispunt.policy._validate import nonnegative as _nonnegative
from kruispunt.policy.base import (
    Booking,
    Context,
    Flow,
    Instrument,
    OptionView,
    Parameter,
    YearState,
)
from kruispunt.policy.ets import allocation_shares, base_allocation_per_unit
from kruispunt.vocabulary import SCENARIO

__all__ = ["Cbam", "cbam_certificates", "cbam_charge", "default_value", "import_intensity"]

FloatArray = NDArray[np.float64]


def cbam_certificates(
    embedded_emissions_t: ArrayLike,
    benchmark_t: ArrayLike,
    cbam_factor: ArrayLike,
    cscf: ArrayLike = 1.0,
) -> FloatArray:
    """CBAM certificates to surrender for an imported quantity (Regulation (EU) 2023/956
    Art. 22 and 31; Implementing Regulation (EU) 2025/2620).

    ``max(embedded - cbam_factor x cscf x benchmark, 0)``: the embedded emissions minus the
    free allocation EU producers of the good still receive (the free-allocation adjustment).

    Parameters
    ----------
    embedded_emissions_t : array_like
        Embedded emissions of the quantity (per tonne gives certificates per tonne),
        non-negative. [tCO2]
    benchmark_t : array_like
        CBAM benchmark times the quantity, non-negative. [tCO2]
    cbam_factor : array_like
        CBAM factor of the year (share of free allocation kept), in [0, 1]. [-]
    cscf : array_like, default 1
        Cross-sectoral correction factor, in [0, 1]. [-]

    Returns
    -------
    numpy.ndarray
        Certificates. [tCO2]

    Examples
    --------
    Worked example W5(a): embedded 1.2 t/t, benchmark 1 t/t, 2026 -> 0.225 t/t; W5(b):
    1,000 t ammonia at 2.0 t/t against the benchmark 1.522 -> 516.05 certificates:

    >>> round(float(cbam_certificates(1.2, 1.0, 0.975)), 6)
    0.225
    >>> round(float(cbam_certificates(2000.0, 1522.0, 0.975)), 6)
    516.05
    """
    embedded = _nonnegative("embedded_emissions_t", embedded_emissions_t)
    benchmark = _nonnegative("benchmark_t", benchmark_t)
    factor = _fraction("cbam_factor", cbam_factor)
    correction = _fraction("cscf", cscf)
    return np.asarray(np.maximum(embedded - factor * correction * benchmark, 0.0))


def cbam_charge(
    embedded_emissions_t: ArrayLike,
    benchmark_t: ArrayLike,
    eua_price: ArrayLike,
    cbam_factor: ArrayLike,
    cscf: ArrayLike = 1.0,
    carbon_price_paid_eur_per_t: ArrayLike = 0.0,
) -> FloatArray:
    """CBAM charge on an imported quantity (Regulation (EU) 2023/956 Art. 9, 21, 22, 31).

    ``max(certificates x eua_price - carbon_price_paid x embedded, 0)`` with the certificates
    of :func:`cbam_certificates`; the certificate price is the EUA price (Art. 21).

    Parameters
    ----------
    embedded_emissions_t, benchmark_t, cbam_factor, cscf
        As :func:`cbam_certificates`.
    eua_price : array_like
        CBAM certificate price, taken as the EUA price, non-negative. [EUR/tCO2]
    carbon_price_paid_eur_per_t : array_like, default 0
        Carbon price effectively paid in the country of origin per tonne of embedded
        emissions, net of rebates (Art. 9; only with actual emissions), non-negative. [EUR/t]

    Returns
    -------
    numpy.ndarray
        Charge. [EUR]

    Raises
    ------
    ValueError
        If an amount or price is negative or NaN, or a factor is outside [0, 1].

    Examples
    --------
    Worked example W5(b): 516.05 certificates at the Q1-2026 price 75.36 EUR/t:

    >>> round(float(cbam_charge(2000.0, 1522.0, 75.36, 0.975)), 2)
    38889.53
    >>> cbam_charge(2.0, 1.0, 80.0, 0.0, carbon_price_paid_eur_per_t=[30.0, 100.0])
    array([100.,   0.])
    """
    certificates = cbam_certificates(embedded_emissions_t, benchmark_t, cbam_factor, cscf)
    price = _nonnegative("eua_price", eua_price)
    paid = _nonnegative("carbon_price_paid_eur_per_t", carbon_price_paid_eur_per_t)
    embedded = np.asarray(embedded_emissions_t, dtype=np.float64)
    return np.asarray(np.maximum(certificates * price - paid * embedded, 0.0), dtype=np.float64)


def default_value(value: ArrayLike, markup: ArrayLike) -> FloatArray:
    """Embedded emissions declared with a default value: ``value x (1 + markup)``
    (Implementing Regulation (EU) 2025/2621: +10 % in 2026, +20 % in 2027, +30 % from 2028).

    Examples
    --------
    Worked example W6: grey clinker, 'other countries', 1.410 t/t:

    >>> default_value(1.41, [0.10, 0.20, 0.30]).round(3)
    array([1.551, 1.692, 1.833])
    """
    return np.asarray(
        _nonnegative("value", value) * (1.0 + _nonnegative("markup", markup)), dtype=np.float64
    )


def import_intensity(
    plant_product: NDArray[np.int64],
    base_emissions: ArrayLike,
    base_production: ArrayLike,
    n_products: int,
) -> FloatArray:
    """Production-weighted average over the plants of each product ``(G,)`` of a per-plant
    quantity per unit (e.g. base-year emissions per unit) [per product]; 0 for products
    without production.

    Assumption (no actual import data): imports of a CBAM good carry the Dutch plants'
    average base-year intensity, as actual data (no default-value mark-up).

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

    Certificates per tonne are embedded emissions minus the free-allocation adjustment
    (:func:`cbam_certificates`), with the EU ETS module's CBAM factor, correction factor and
    post-2030 share. Imported intermediates carry their carrier's embedded emissions (actual,
    or default values with the mark-up). Imports of a CBAM good carry the Dutch plants'
    average base-year intensity; where the data give no CBAM benchmark for a good, its
    benchmark is the ETS benchmark allocation of its current route, else the Dutch plants'
    average base-year allocation per unit (both named assumptions). CBAM applies from its
    start year when the scenario keeps it.
    """

    name = "cbam"
    parameters = (
        Parameter(
            "active",
            (SCENARIO, "year"),
            "1",
            "1 in the years the definitive CBAM applies (from 2026), 0 before or when the "
            "scenario switches it off.",
            default=1.0,
        ),
        Parameter(
            "benchmark",
            (SCENARIO, "product", "year"),
            "tCO2/product",
            "CBAM benchmark of each good (Impl. Reg. (EU) 2025/2620); NaN: the Dutch plants' "
            "average base-year allocation per unit.",
            default=float("nan"),
        ),
        Parameter(
            "carrier_benchmark",
            (SCENARIO, "carrier", "year"),
            "tCO2/carrier",
            "CBAM benchmark of imported intermediates (a cbam.benchmark_<carrier> row); NaN: "
            "that of the good the carrier is (carriers.csv cbam_good, its fallback included), "
            "else no adjustment.",
            default=float("nan"),
        ),
        Parameter(
            "carrier_default",
            (SCENARIO, "carrier"),
            "tCO2/carrier",
            "CBAM default value of an imported intermediate declared without actual data "
            "(Impl. Reg. (EU) 2025/2621); NaN: the carrier table's (actual) factor.",
            default=float("nan"),
        ),
        Parameter(
            "default_markup",
            (SCENARIO, "year"),
            "1",
            "Mark-up on default values: 10 % (2026), 20 % (2027), 30 % (2028 on).",
            default=0.0,
        ),
        Parameter(
            "export_share",
            (SCENARIO, "product"),
            "1",
            "Share of each good's output sold outside the EU, which gets no import-parity uplift.",
            default=0.0,
        ),
    )
    flows = (
        Flow("cbam_revenue", 1, "CBAM the plants pay on imported intermediates."),
        Flow("cbam_import_revenue", 1, "CBAM on imports of products that fill demand."),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        plants = inp.plants
        ets = ctx.params("ets")
        years = np.asarray(inp.coords.years)
        share_cl, _ = allocation_shares(ets, years)
        self.factor = np.asarray(ets["cbam_factor"], dtype=np.float64) * share_cl  # (S, Y)
        self.cscf = np.asarray(ets["cscf"], dtype=np.float64)  # (S, Y)
        self.active = self.param("active") > 0.5  # (S, Y)
        table = (inp.carriers.embedded * inp.carriers.cbam)[None, :, None]  # (1, C, 1)
        default = self.param("carrier_default")[:, :, None]  # (S, C, 1)
        declared = default_value(
            np.nan_to_num(default), self.param("default_markup")[:, None, :]
        )  # (S, C, Y)
        cbam_c = inp.carriers.cbam[None, :, None]
        self.embedded_c = np.where(cbam_c, np.where(np.isnan(default), table, declared), 0.0)
        G = len(inp.products.cbam)
        intensity = import_intensity(
            plants.product, plants.base_emissions, plants.base_production, G
        )
        self.intensity = np.where(inp.products.cbam, intensity, 0.0)  # (G,)
        per_unit = base_allocation_per_unit(plants.base_free_allocation, plants.base_production)
        fallback = import_intensity(
            plants.product, per_unit * plants.base_production, plants.base_production, G
        )
        bm = self.param("benchmark")  # (S, G, Y)
        self.benchmark_g = np.where(np.isnan(bm), fallback[None, :, None], bm)
        good = inp.carriers.good  # (C,), -1: none
        of_good = self.benchmark_g[:, np.maximum(good, 0), :]  # (S, C, Y)
        own = self.param("carrier_benchmark")  # (S, C, Y)
        self.benchmark_c = np.nan_to_num(
            np.where(np.isnan(own) & (good >= 0)[None, :, None], of_good, own)
        )
        self.sold_in_eu = 1.0 - self.param("export_share")  # (S, G)
        self._charges: tuple[FloatArray, FloatArray] | None = None
        """:meth:`_per_unit_charges`, worked out at the first year's booking (every year's)."""

    def _per_unit_charges(self) -> tuple[FloatArray, FloatArray]:
        """CBAM charge per unit of each carrier ``(S, C, Y)`` and of each good's imports
        ``(S, G, Y)`` [EUR/unit]."""
        eua = self.ctx.inputs.markets.eua[:, None, :]
        f = self.factor[:, None, :]
        cscf = self.cscf[:, None, :]
        on = self.active[:, None, :]
        carrier = cbam_charge(self.embedded_c, self.benchmark_c, eua, f, cscf)
        good = cbam_charge(self.intensity[None, :, None], self.benchmark_g, eua, f, cscf)
        return np.where(on, carrier, 0.0), np.where(on, good, 0.0)

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        carrier, good = self._per_unit_charges()
        product = ctx.inputs.routes.product
        parity = good[:, product, :] * self.sold_in_eu[:, product, None]  # (S, R, Y)
        return {
            "intermediates": ctx.route.mix.path(
                ctx.route.inputs, ctx.route.mix.inputs, ctx.ext(carrier)
            ),
            "parity": -ctx.ext(parity),
        }

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray:
        return np.asarray(x["intermediates"] + x["parity"], dtype=np.float64)

    def account(self, st: YearState) -> Booking:
        inp = self.ctx.inputs
        i = st.i
        if self._charges is None:
            self._charges = self._per_unit_charges()
        carrier, good = self._charges
        on_inputs = np.einsum("spc,sc->sp", st.use, carrier[:, :, i])
        G = len(self.intensity)
        plants = inp.plants
        supplied = np.zeros((st.activity.shape[0], G))
        np.add.at(supplied.T, plants.product, st.activity.T)
        base = np.bincount(plants.product, weights=plants.base_production, minlength=G)
        imports = np.maximum(base[None, :] * inp.markets.demand_scale[:, :, i] - supplied, 0.0)
        on_imports = imports * good[:, :, i]
        return Booking(
            plant={"carbon_cost": on_inputs},
            gov={"cbam_revenue": on_inputs, "cbam_import_revenue": on_imports.sum(axis=1)},
        )
