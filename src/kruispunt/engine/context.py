"""What every step of a batch shares: the inputs, per-route paths over the valuation horizon,
discount rates and the instruments' parameters (the engine's side of
:class:`kruispunt.policy.base.Context`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

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
G = TypeVar("G", bound=np.generic)


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
    mix: ScenarioMix
    """Each scenario's mix of the flexible loads: the quantities above are at the reference
    mix (:class:`kruispunt.inputs.FlexibleMix`)."""


@dataclass(frozen=True)
class ScenarioMix:
    """The route quantities a flexible load's yearly mix changes, in each scenario's own mix
    (:class:`kruispunt.inputs.FlexibleMix`): a hybrid boiler runs more hours on power where
    power is cheap against gas and its CO2. :class:`RouteData` holds the reference mix;
    ``rows`` are the flexible routes whose mix differs from it in some scenario (none: every
    array here is the reference's, with a leading axis of 1)."""

    rows: I
    """Flexible routes whose mix differs from the reference in some scenario ``(n,)``."""
    of: I
    """Position of each route in :attr:`rows` ``(R,)`` (-1: not there)."""
    emitted: F
    """``(S|1, R, Ye)`` direct emissions after capture [tCO2/product]."""
    electricity: F
    """``(S|1, R, Ye)`` electricity used [GJ/product]."""
    share: F
    """``(S|1, R, Ye)`` share of the year on power (0: not a flexible load)."""
    inputs: F
    """``(S, n, C, Ye)`` inputs of :attr:`rows`."""
    priced: F
    """``(S, n, C, Ye)`` price-weighted inputs of :attr:`rows` (:attr:`RouteData.priced`)."""

    @property
    def any(self) -> bool:
        """Whether some scenario runs a mix other than the reference's."""
        return bool(self.rows.size)

    def at(self, values: npt.NDArray[G], route: I, t: int | I) -> npt.NDArray[G]:
        """``values`` ``(S|1, R, Ye)`` of each scenario's ``route`` in year index ``t``
        (``route`` leading with its scenario axis, ``(S|1, ...)``; ``t`` broadcast against
        it)."""
        if values.shape[0] == 1:
            return np.asarray(values[0][route, t], dtype=values.dtype)
        route = np.asarray(route)
        S, R, Ye = values.shape
        s = np.arange(S).reshape((S,) + (1,) * (route.ndim - 1))
        # one gather by position in the flattened array (faster than indexing by three)
        at = (s * R + route) * Ye + t
        return np.asarray(np.take(values.reshape(-1), at), dtype=values.dtype)

    def use(self, base: F, c: int) -> F:
        """Use of carrier ``c`` per unit of product of every route ``(S|1, R, Ye)``, from
        ``base`` ``(R, C, Ye)`` (:attr:`RouteData.inputs`) and each scenario's own mix."""
        out = base[:, c, :][None]
        if self.any:
            out = np.repeat(out, self.inputs.shape[0], axis=0)
            out[:, self.rows] = self.inputs[:, :, c, :]
        return np.asarray(out, dtype=np.float64)

    def inputs_of(self, base: F, s: I, route: I, t: int) -> F:
        """Inputs per unit ``(n, C)`` of the entries ``(s, route)`` ``(n,)`` in year index
        ``t``, from ``base`` ``(R, C, Ye)`` (:attr:`RouteData.inputs`) and each scenario's
        own mix."""
        out = np.array(base[route, :, t], dtype=np.float64)
        if self.any:
            pos = self.of[route]
            on = pos >= 0
            out[on] = self.inputs[s[on], pos[on], :, t]
        return out

    def fix(self, out: F, flex: F, route: I) -> None:
        """Write each scenario's mix ``flex`` ``(S, n, ...)`` into ``out`` ``(S, P, ...)``
        where a plant runs one of :attr:`rows` (``route`` ``(S, P)``)."""
        pos = self.of[route]
        s, p = np.nonzero(pos >= 0)
        if s.size:
            out[s, p] = flex[s, pos[s, p]]

    def path(self, base: F, flex: F, price: F, less: F | None = None) -> F:
        """Per unit of product ``(S, R, Ye)``: the inputs ``base`` ``(R, C, Ye)`` less
        ``less`` (exports, ``(R, C, Ye)`` or broadcasting) times the carrier prices ``price``
        ``(S, C, Ye)``, summed over the carriers; the rows with a mix of their own from
        ``flex`` ``(S, n, C, Ye)``."""
        if less is None:
            out = np.einsum("rcy,scy->sry", base, price)
        else:
            out = np.einsum("rcy,scy->sry", base - less, price)
        if self.any:
            if less is not None and less.shape[0] > 1:
                flex = flex - less[self.rows][None]
            elif less is not None:
                flex = flex - less
            out[:, self.rows] = np.einsum("sncy,scy->sny", flex, price)
        return np.asarray(out, dtype=np.float64)


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
        emitted = ef * (1.0 - cap)
        elec = inputs_e[:, inp.carriers.is_electricity, :].sum(axis=1)
        weight = None if routes.price_weight is None else self.ext(routes.price_weight)
        self.route = RouteData(
            emitted=emitted,
            captured=ef * cap,
            electricity=elec,
            hydrogen=inputs_e[:, inp.carriers.is_hydrogen, :].sum(axis=1)
            + (0.0 if routes.own_hydrogen is None else self.ext(routes.own_hydrogen)),
            biomass=inputs_e[:, inp.carriers.is_biomass, :].sum(axis=1),
            grid=(
                inputs_e[:, inp.carriers.is_electricity, :].sum(axis=1)
                if routes.rated_power is None
                else self.ext(routes.rated_power)
            ),
            inputs=inputs_e,
            priced=inputs_e if weight is None else inputs_e * weight,
            exports=(
                self.ext(routes.exports)
                if routes.exports is not None
                else np.zeros((1, 1, 1))  # broadcasts as nothing exported
            ),
            mix=self._mix(inputs_e, ef, cap, emitted, elec, weight),
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
            headroom = np.where(
                plants.base_production > 0, plants.capacity / plants.base_production, np.inf
            )
        self.demand = np.ascontiguousarray(
            np.moveaxis(
                np.minimum(inp.markets.demand_scale[:, plants.product, :], headroom[:, None]), -1, 0
            )
        )
        """Each plant's demand scale ``(Y, S, P)``: its product's, at most the plant's capacity
        over its base-year production (demand beyond what the plant can make is imported)."""

    def _mix(
        self, inputs_e: F, ef: F, cap: F, emitted: F, elec: F, weight: F | None
    ) -> ScenarioMix:
        """:class:`ScenarioMix` of the batch: its flexible routes whose mix differs from the
        reference's in some scenario, the rest read from the reference's route quantities
        over the horizon (inputs, emission factor, capture rate, emissions, electricity and
        price weight, as :class:`RouteData` holds them)."""
        inp = self.inputs
        routes = inp.routes
        flex = inp.flexible
        share = np.zeros((1, self.R, inputs_e.shape[-1]))
        if routes.power_share is not None:
            share[0] = self.ext(routes.power_share)
        rows = np.zeros(0, dtype=np.int64)
        if flex is not None:
            own = self.ext(flex.inputs)
            differs = (own != inputs_e[flex.routes][None]).any(axis=(0, 2, 3))
            differs |= (self.ext(flex.emission_factor) != ef[flex.routes][None]).any(axis=(0, 2))
            if weight is not None:
                differs |= (self.ext(flex.price_weight) != weight[flex.routes][None]).any(
                    axis=(0, 2, 3)
                )
            differs |= (self.ext(flex.share) != share[0][flex.routes][None]).any(axis=(0, 2))
            at = np.flatnonzero(differs)
            rows = flex.routes[at]
        of = np.full(self.R, -1, dtype=np.int64)
        of[rows] = np.arange(rows.size)
        C = inputs_e.shape[1]
        if not rows.size:
            empty = np.zeros((self.S, 0, C, inputs_e.shape[-1]))
            return ScenarioMix(rows, of, emitted[None], elec[None], share, empty, empty)
        assert flex is not None
        own_in = self.ext(flex.inputs[:, at])
        own_pr = own_in * self.ext(flex.price_weight[:, at])
        own_ef = self.ext(flex.emission_factor[:, at]) * (1.0 - cap[rows])
        emitted_s = np.repeat(emitted[None], self.S, axis=0)
        emitted_s[:, rows] = own_ef
        elec_s = np.repeat(elec[None], self.S, axis=0)
        elec_s[:, rows] = own_in[:, :, inp.carriers.is_electricity].sum(axis=2)
        share_s = np.repeat(share, self.S, axis=0)
        share_s[:, rows] = self.ext(flex.share[:, at])
        return ScenarioMix(rows, of, emitted_s, elec_s, share_s, own_in, own_pr)

    def output(self, i: int) -> F:
        """What each plant makes in year index ``i`` if it runs ``(S, P)`` [product/yr]: its
        base-year production times the product's demand scale, at most its capacity (demand
        beyond it is imported), times its availability."""
        inp = self.inputs
        return np.asarray(
            inp.plants.base_production[None, :] * self.demand[i] * inp.levers.availability[:, :, i],
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
