"""What every step of a batch shares: the inputs, per-route paths over the valuation horizon,
discount rates and the instruments' parameters (the engine's side of
:class:`kruispunt.policy.base.Context`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kruispunt.engine.economics import annuity_factor
from kruispunt.engine.expectations import extend
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import Instrument
from kruispunt.policy.finance import cost_of_capital
from kruispunt.vocabulary import FAMILY, LOW_CARBON_FAMILIES, SCENARIO

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741


@dataclass(frozen=True)
class RouteData:
    """Per-route physical quantities per unit of product over the horizon, ``(R, Ye)``."""

    emitted: F
    captured: F
    electricity: F
    hydrogen: F
    """Hydrogen used, bought (carrier ``hydrogen``) and made in the plant's own electrolyser
    (:attr:`kruispunt.inputs.Routes.own_hydrogen`) [GJ/product]: its supply pool's claim."""
    biomass: F
    """Carriers drawn from the biomass supply [carrier/product]."""
    grid: F
    """Electricity at full load, the grid capacity a unit of annual product needs
    [GJ/product] (a flexible load: its rated power; others: their electricity use)."""
    inputs: F
    """``(R, C, Ye)``."""
    priced: F
    """``(R, C, Ye)`` inputs weighted by the price the route pays relative to the market's
    yearly average (:attr:`kruispunt.inputs.Routes.price_weight`): times the market price,
    the route's energy and feedstock cost."""
    exports: F
    """``(R, C, Ye)`` carriers exported, sold at their market price (zeros: none)."""


class BatchContext:
    """Shared state of one batch of scenarios.

    Parameters
    ----------
    inputs : ModelInputs
        The batch's inputs.
    instruments : sequence of Instrument classes
        The instruments the batch runs (their parameters are checked against the inputs).
    """

    def __init__(self, inputs: ModelInputs, instruments: tuple[type[Instrument], ...]) -> None:
        self.inputs = inputs
        inp = inputs
        routes = inp.routes
        self.S = inp.n_scenarios
        self.P = len(inp.plants.product)
        self.K = inp.n_options
        self.R = len(routes.family)
        self.Y = len(inp.coords.years)
        self.horizon = int(np.max(routes.lifetime) + np.max(routes.lead_time) + 1)
        inputs_e = self.ext(routes.inputs)
        ef, cap = self.ext(routes.emission_factor), self.ext(routes.capture_rate)
        self.route = RouteData(
            emitted=ef * (1.0 - cap),
            captured=ef * cap,
            electricity=inputs_e[:, inp.carriers.is_electricity, :].sum(axis=1),
            hydrogen=inputs_e[:, inp.carriers.is_hydrogen, :].sum(axis=1)
            + (0.0 if routes.own_hydrogen is None else self.ext(routes.own_hydrogen)),
            biomass=inputs_e[:, inp.carriers.is_biomass, :].sum(axis=1),
            grid=(
                inputs_e[:, inp.carriers.is_electricity, :].sum(axis=1)
                if routes.rated_power is None
                else self.ext(routes.rated_power)
            ),
            inputs=inputs_e,
            priced=(
                inputs_e
                if routes.price_weight is None
                else inputs_e * self.ext(routes.price_weight)
            ),
            exports=(
                self.ext(routes.exports)
                if routes.exports is not None
                else np.zeros((1, 1, 1))  # broadcasts as nothing exported
            ),
        )
        low = np.isin(routes.family, [FAMILY[f] for f in LOW_CARBON_FAMILIES])
        self.low_carbon = low
        finance = inp.finance
        # low-carbon routes get the risk-sharing reduction of the cost of capital
        self.rate_sr = cost_of_capital(
            finance.discount_rate[:, None], finance.risk_sharing[:, None] * low[None, :]
        )
        self.crf_sr = annuity_factor(self.rate_sr, routes.lifetime[None, :])  # (S, R)
        self.life = np.maximum(np.round(routes.lifetime).astype(np.int64), 1)
        self._params = {cls.name: self._fill(cls) for cls in instruments}
        # plant constants: verified base-year emissions over today's route's factor
        plants = inp.plants
        inc = plants.incumbent
        ef0 = routes.emission_factor[inc, 0] * (1.0 - routes.capture_rate[inc, 0])
        with np.errstate(divide="ignore", invalid="ignore"):
            self.calib = np.where(
                ef0 * plants.base_production > 0,
                plants.base_emissions / (ef0 * plants.base_production),
                1.0,
            )

    def output(self, i: int) -> F:
        """What each plant makes in year index ``i`` if it runs ``(S, P)`` [product/yr]: its
        base-year production times the product's demand scale and its availability."""
        inp = self.inputs
        g = inp.plants.product
        return np.asarray(
            inp.plants.base_production[None, :]
            * inp.markets.demand_scale[:, g, i]
            * inp.levers.availability[:, :, i],
            dtype=np.float64,
        )

    def ext(self, values: F) -> F:
        """``values`` with the last (year) axis held at its last value over the horizon."""
        return extend(values, self.horizon)

    def params(self, instrument: str) -> Mapping[str, npt.NDArray[np.generic]]:
        return self._params[instrument]

    def _sizes(self) -> dict[str, int]:
        inp = self.inputs
        return {
            SCENARIO: self.S,
            "plant": self.P,
            "route": self.R,
            "carrier": len(inp.coords.carriers),
            "product": len(inp.coords.products),
            "cluster": len(inp.coords.clusters),
            "year": self.Y,
        }

    def _fill(self, cls: type[Instrument]) -> dict[str, npt.NDArray[np.generic]]:
        """The instrument's parameters from the inputs, declared defaults for the others;
        ValueError when one is missing without a default or has the wrong shape."""
        given = self.inputs.instruments.get(cls.name, {})
        sizes = self._sizes()
        out: dict[str, npt.NDArray[np.generic]] = {}
        for par in cls.parameters:
            shape = tuple(d if isinstance(d, int) else sizes[d] for d in par.dims)
            if par.name in given:
                value = given[par.name]
                if value.shape != shape:
                    raise ValueError(
                        f"instrument '{cls.name}' parameter '{par.name}' has shape "
                        f"{value.shape}; expected {shape} ({', '.join(map(str, par.dims))})"
                    )
                out[par.name] = value
            elif par.default is None:
                raise ValueError(f"instrument '{cls.name}' needs parameter '{par.name}'")
            else:
                out[par.name] = np.full(shape, par.default)
        unknown = sorted(set(given) - {p.name for p in cls.parameters})
        if unknown:
            raise ValueError(f"instrument '{cls.name}' declares no parameter {unknown}")
        return out

    def route_calib(self, route: I, plants: I | None = None) -> F:
        """Emission calibration of plants running ``route`` ``(S, P)`` or ``(1, P, K)``: the
        plant's factor on today's route, 1 on any other; with ``plants``, of a flat list of
        plants ``(n,)`` running ``route`` ``(n,)``."""
        inc = self.inputs.plants.incumbent
        if plants is not None:
            return np.where(route == inc[plants], self.calib[plants], 1.0)
        if route.ndim == 3:
            return np.where(route == inc[None, :, None], self.calib[None, :, None], 1.0)
        return np.where(route == inc[None, :], self.calib[None, :], 1.0)
