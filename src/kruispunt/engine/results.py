"""Collect the batches' year-first outputs into one :class:`~kruispunt.results.Results`.

Final arrays are allocated once for the whole run; each batch writes its slice (no
concatenation at the end). Labels travel as coordinates (route families, units, cluster
names, reasons, flow signs), provenance as attributes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import xarray as xr

from kruispunt.engine.accounting import FLOAT_OUTPUTS, Outputs
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import Instrument
from kruispunt.policy.registry import flows
from kruispunt.results import Results, result_variables
from kruispunt.version import __version__
from kruispunt.vocabulary import (
    CARRIER,
    CLUSTER,
    FAMILIES,
    FLOW,
    PLANT,
    POOL,
    PRODUCT,
    REASON,
    RESOURCE,
    RESOURCES,
    ROUTE,
    SCENARIO,
    SWITCH_REASONS,
    YEAR,
)

F = npt.NDArray[np.float64]


_GONE: F = np.empty((0, 0, 0))
"""What a released buffer of :class:`Outputs` is replaced by (:meth:`Collector.add`)."""


class Collector:
    """Result arrays of a run, filled batch by batch."""

    def __init__(self, inputs: ModelInputs, instruments: Sequence[type[Instrument]]) -> None:
        self.inputs = inputs
        self.flows = flows(instruments)
        swaps = [s for s in (cls.swap_per_tonne(inputs) for cls in instruments) if s is not None]
        self.swap = sum(swaps[1:], swaps[0]) if swaps else None
        """Change of a plant's carrier use per tonne of hydrogen bought ``(C, Y)``
        (:meth:`kruispunt.policy.base.Instrument.swap_per_tonne`)."""
        S, P, Y = inputs.n_scenarios, len(inputs.plants.product), len(inputs.coords.years)
        C, Q = len(inputs.coords.carriers), len(inputs.pools.names)
        self.plant = {name: np.empty((S, P, Y)) for name in FLOAT_OUTPUTS}
        self.route_index = np.empty((S, P, Y), dtype=np.int16)
        self.switch_reason = np.empty((S, P, Y), dtype=np.int8)
        self.energy = np.empty((S, P, Y, C))
        self.gov = np.empty((S, len(self.flows), Y))
        self.plant_flows = np.empty((S, P, len(self.flows), Y))
        self.pool_use = np.empty((S, Q, Y))

    def add(self, idx: npt.NDArray[np.int64], out: Outputs, release: bool = False) -> None:
        """Write a batch's outputs (year-first) into rows ``idx``. With ``release``, each of
        ``out``'s buffers is dropped from it as soon as it is copied (the last batch: its
        buffers and the results are not all held at once)."""
        sl = slice(int(idx[0]), int(idx[-1]) + 1)
        self.plant_flows[sl] = np.moveaxis(out.plant_flows, 0, -1)
        if release:
            out.plant_flows = _GONE
        for name in list(out.plant):
            self.plant[name][sl] = np.moveaxis(out.plant[name], 0, -1)
            if release:
                del out.plant[name]
        route_index = np.moveaxis(out.route_index, 0, -1)
        self.route_index[sl] = route_index
        self.switch_reason[sl] = np.moveaxis(out.switch_reason, 0, -1)
        # energy and feedstock use: the route's inputs times its output, in the final layout,
        # gathered straight into the result (no temporary of its size)
        per_unit = np.moveaxis(self.inputs.routes.inputs, 1, 2)  # (R, Y, C)
        R, Y, C = per_unit.shape
        energy = self.energy[sl]
        np.take(
            per_unit.reshape(R * Y, C),
            route_index.astype(np.intp) * Y + np.arange(Y),
            axis=0,
            out=energy,
            mode="clip",  # indices are valid; "raise" would gather through a buffer
        )
        flex = self.inputs.flexible
        if flex is not None:  # a flexible load in its scenario's own mix
            of = np.full(R, -1, dtype=np.int64)
            of[flex.routes] = np.arange(flex.routes.size)
            pos = of[route_index]
            s, p, y = np.nonzero(pos >= 0)
            if s.size:
                energy[s, p, y] = flex.inputs[idx[s], pos[s, p, y], :, y]
        np.multiply(energy, np.moveaxis(out.activity, 0, -1)[..., None], out=energy)
        if self.swap is not None:  # renewable hydrogen bought in place of the plant's own
            bought = self.plant["hydrogen_bought"][sl]
            buyers = np.flatnonzero(bought.any(axis=(0, 2)))
            if buyers.size:
                energy[:, buyers] += bought[:, buyers, :, None] * self.swap.T
        self.gov[sl] = np.moveaxis(out.gov, 0, -1)
        self.pool_use[sl] = np.moveaxis(out.pool_use, 0, -1)
        if release:
            out.activity = out.use = out.gov = out.pool_use = _GONE

    def coords(self) -> dict[str, object]:
        inp = self.inputs
        c = inp.coords
        g = inp.plants.product
        return {
            SCENARIO: list(c.scenarios),
            PLANT: list(c.plants),
            YEAR: c.years,
            CARRIER: list(c.carriers),
            PRODUCT: list(c.products),
            CLUSTER: list(c.clusters),
            RESOURCE: list(RESOURCES),
            FLOW: [f.name for f in self.flows],
            ROUTE: list(c.routes),
            REASON: list(SWITCH_REASONS),
            "site": (PLANT, list(c.plant_site)),
            "site_name": (PLANT, list(c.site_names or c.plant_site)),
            "plant_product": (PLANT, [c.products[i] for i in g]),
            "plant_cluster": (PLANT, [c.clusters[i] for i in inp.plants.cluster]),
            "sector": (PLANT, list(c.plant_sector)),
            "carrier_unit": (CARRIER, list(c.carrier_units)),
            "carrier_use": (CARRIER, list(c.carrier_uses)),
            "product_unit": (PRODUCT, list(c.product_units)),
            "cluster_name": (CLUSTER, list(c.cluster_names)),
            POOL: list(inp.pools.names),
            "pool_resource": (POOL, [RESOURCES[r] for r in inp.pools.resource]),
            "pool_cluster": (POOL, [c.clusters[h] for h in inp.pools.host]),
            "route_family": (ROUTE, [FAMILIES[f] for f in inp.routes.family]),
            "route_product": (ROUTE, [c.products[i] for i in inp.routes.product]),
            "route_excluded": (ROUTE, [r in inp.routes.excluded for r in c.routes]),
            "flow_sign": (FLOW, [f.sign for f in self.flows]),
        }

    def _product_flows(self) -> tuple[F, F]:
        """Demand and imports per product ``(S, G, Y)``."""
        inp = self.inputs
        G = len(inp.coords.products)
        onehot = np.zeros((len(inp.plants.product), G))
        onehot[np.arange(len(inp.plants.product)), inp.plants.product] = 1.0
        base = inp.plants.base_production @ onehot
        demand = base[None, :, None] * inp.markets.demand_scale
        domestic = np.einsum("spy,pg->sgy", self.plant["production"], onehot)
        return demand, np.maximum(demand - domestic, 0.0)

    def _infrastructure(self) -> tuple[F, F]:
        """Capacity and use per cluster and resource ``(S, L, 3, Y)``: pools summed by the
        cluster that hosts them (inf + x stays inf)."""
        inp = self.inputs
        pools = inp.pools
        shape = (inp.n_scenarios, len(inp.coords.clusters), len(RESOURCES), len(inp.coords.years))
        capacity, use = np.zeros(shape), np.zeros(shape)
        for q in range(len(pools.names)):
            capacity[:, pools.host[q], pools.resource[q]] += pools.capacity[:, q]
            use[:, pools.host[q], pools.resource[q]] += self.pool_use[:, q]
        return capacity, use

    def results(self) -> Results:
        inp = self.inputs
        spy = (SCENARIO, PLANT, YEAR)
        data: dict[str, tuple[tuple[str, ...], npt.NDArray[np.generic]]] = {
            name: (spy, arr) for name, arr in self.plant.items()
        }
        data["route_index"] = (spy, self.route_index)
        data["switch_reason"] = (spy, self.switch_reason)
        data["energy"] = ((SCENARIO, PLANT, YEAR, CARRIER), self.energy)
        demand, imports = self._product_flows()
        data["demand"] = ((SCENARIO, PRODUCT, YEAR), demand)
        data["imports"] = ((SCENARIO, PRODUCT, YEAR), imports)
        capacity, use = self._infrastructure()
        data["infra_capacity"] = ((SCENARIO, CLUSTER, RESOURCE, YEAR), capacity)
        data["infra_use"] = ((SCENARIO, CLUSTER, RESOURCE, YEAR), use)
        data["pool_capacity"] = ((SCENARIO, POOL, YEAR), inp.pools.capacity.copy())
        data["pool_use"] = ((SCENARIO, POOL, YEAR), self.pool_use)
        data["gov_cash_flow"] = ((SCENARIO, FLOW, YEAR), self.gov)
        data["plant_flows"] = ((SCENARIO, PLANT, FLOW, YEAR), self.plant_flows)
        data["emission_target"] = ((YEAR,), inp.emission_target)
        ds = xr.Dataset(
            {k: xr.Variable(dims, values) for k, (dims, values) in data.items()},
            coords=self.coords(),
        )
        for name, var in result_variables().items():
            ds[name].attrs["units"] = var.unit
            ds[name].attrs["description"] = var.description
        scenarios = (
            dict(zip(inp.coords.scenarios, [json.loads(s) for s in inp.scenario_json], strict=True))
            if inp.scenario_json
            else {}
        )
        ds.attrs.update(
            {
                "kruispunt_version": __version__,
                "data_hash": inp.data_hash,
                "euro_year": int(inp.euro_year),
                "scenarios": json.dumps(scenarios, sort_keys=True),
                "seed": json.dumps(
                    {s: int(x) for s, x in zip(inp.coords.scenarios, inp.levers.seeds, strict=True)}
                ),
                "created_by": "kruispunt.engine.simulate",
            }
        )
        return Results(ds)
