"""Properties of the engine on random toy systems (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kruispunt.engine.simulate import simulate
from kruispunt.policy.ccfd import Ccfd
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.policy.sde import Sde
from kruispunt.testing import TOY_YEARS as YEARS
from kruispunt.testing import toy_inputs

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def toy_config(draw: Any, subsidies: bool = True, scarce: bool = True) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    caps = draw(st.lists(st.floats(1e5, 5e6), min_size=n, max_size=n))
    start = draw(st.floats(0, 200))
    slope = draw(st.floats(0, 15))
    cfg: dict[str, Any] = dict(
        n_plants=n,
        capacity=np.array(caps),
        eua={2025: start, 2050: start + 25 * slope},
        product_price=draw(st.floats(150, 800)),
        lead_time=draw(st.integers(0, 3)),
        myopic=draw(st.booleans()),
        ccs=draw(st.booleans()),
        co2_capacity=draw(st.sampled_from([0.0, 1e6, 3e6, np.inf] if scarce else [0.0, np.inf])),
        grid_capacity=draw(
            st.sampled_from([0.0, 200.0, 1000.0, np.inf] if scarce else [0.0, np.inf])
        ),
        elec_price=draw(st.floats(10, 30)),
    )
    if subsidies:
        # one SDE++ round (2025) and one CCfD budget, often binding, so that the payments can
        # be compared with each budget
        cfg["sde_budget"] = {2025: draw(st.floats(0, 2e9)), 2026: 0.0}
        cfg["sde_max"] = draw(st.floats(0, 400))
        flag = st.sampled_from([0.0, 1.0])
        cfg["instruments"] = {
            "ccfd": {
                "strike": np.array([draw(st.floats(0, 300))]),
                "budget": np.array([draw(st.floats(0, 5e9))]),
                # every CCfD design (issue 14): pay-as-bid, two-sided, indexed, additionality
                "pay_as_bid": np.array([draw(flag)]),
                "markup": np.array([draw(st.floats(0, 0.5))]),
                "two_sided": np.array([draw(flag)]),
                "indexation": np.array([draw(flag)]),
                "index_cap": np.array([draw(st.floats(0, 1))]),
                "additionality": np.array([draw(flag)]),
                "additionality_threshold": np.array([draw(st.floats(0, 20))]),
            },
            "sde": {"base_price_share": np.array([draw(st.floats(0, 1))])},
        }
        # energy prices that move, so that indexation and the SDE++ correction move
        cfg["gas_price"] = {2025: draw(st.floats(5, 20)), 2050: draw(st.floats(5, 20))}
    return cfg


@SETTINGS
@given(toy_config())
def test_capacities_and_budgets_never_exceeded(cfg: dict[str, Any]) -> None:
    inp = toy_inputs(**cfg)
    ds = simulate(inp).dataset
    use = ds["infra_use"].values
    cap = ds["infra_capacity"].values
    assert (use <= cap * (1 + 1e-9) + 1e-6).all()
    outlay = -ds["gov_cash_flow"].sel(flow="sde_outlay").values.sum()
    assert outlay <= inp.instruments["sde"]["budget"][0, 0] * (1 + 1e-9) + 1e-6
    ccfd = -ds["gov_cash_flow"].sel(flow="ccfd_outlay").values.sum()
    assert ccfd <= inp.instruments["ccfd"]["budget"][0] * (1 + 1e-9) + 1e-6


class _Kept:
    """Support schemes that keep their last instance, to read what they awarded."""

    sde: Sde | None = None
    ccfd: Ccfd | None = None


class _KeptSde(Sde):
    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        _Kept.sde = self


class _KeptCcfd(Ccfd):
    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        _Kept.ccfd = self


@SETTINGS
@given(toy_config())
def test_support_payments_never_exceed_what_was_claimed(cfg: dict[str, Any]) -> None:
    """SDE++ pays at most the sum of the awarded maximum claims ((base - base price) x volume
    x term); a CCfD at most the worst cases it reserved, whatever its design."""
    swap = {Sde: _KeptSde, Ccfd: _KeptCcfd}
    instruments = [swap.get(cls, cls) for cls in INSTRUMENTS]
    ds = simulate(toy_inputs(**cfg), instruments=instruments).dataset
    assert _Kept.sde is not None and _Kept.ccfd is not None
    sde = -ds["gov_cash_flow"].sel(flow="sde_outlay").values.sum()
    assert sde <= _Kept.sde.claimed[0] * (1 + 1e-9) + 1e-6
    ccfd = -ds["gov_cash_flow"].sel(flow="ccfd_outlay").values.sum()
    assert ccfd <= _Kept.ccfd.reserved[0] * (1 + 1e-9) + 1e-6
    assert _Kept.ccfd.reserved[0] <= cfg["instruments"]["ccfd"]["budget"][0] * (1 + 1e-9) + 1e-6


@SETTINGS
@given(toy_config())
def test_domestic_production_plus_imports_equals_demand(cfg: dict[str, Any]) -> None:
    ds = simulate(toy_inputs(**cfg)).dataset
    domestic = ds["production"].sum("plant").values
    np.testing.assert_allclose(
        domestic + ds["imports"].values[:, 0], ds["demand"].values[:, 0], rtol=1e-12
    )
    assert (ds["imports"].values >= 0).all()


@SETTINGS
@given(toy_config(subsidies=False, scarce=False), st.floats(1.0, 100.0))
def test_higher_eua_never_raises_cumulative_emissions(cfg: dict[str, Any], extra: float) -> None:
    """Holds where capacity is not rationed. Where a pool is rationed by value per unit of
    capacity, a higher EUA can reorder the queue so that a large emitter loses its slot to
    small ones (a knapsack effect); docs/model.md shows such a case."""
    low = simulate(toy_inputs(**cfg)).dataset["direct_emissions"].values.sum()
    high_cfg = dict(cfg, eua={y: v + extra for y, v in cfg["eua"].items()})
    high = simulate(toy_inputs(**high_cfg)).dataset["direct_emissions"].values.sum()
    assert high <= low * (1 + 1e-12) + 1e-6


@SETTINGS
@given(toy_config())
def test_same_inputs_same_results(cfg: dict[str, Any]) -> None:
    a = simulate(toy_inputs(**cfg)).dataset
    b = simulate(toy_inputs(**cfg)).dataset
    assert a.identical(b)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 99), st.integers(0, 2**31 - 1))
def test_scenario_alone_equals_inside_a_batch_of_100(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    batch = []
    for _ in range(100):
        start, slope = rng.uniform(0, 200), rng.uniform(0, 15)
        batch.append(
            toy_inputs(
                n_plants=3,
                capacity=np.array([1e6, 2e6, 5e5]),
                ccs=True,
                co2_capacity=float(rng.choice([1e6, 3e6])),
                eua={2025: start, 2050: start + 25 * slope},
                product_price=float(rng.uniform(150, 800)),
                sde_budget={2025: float(rng.uniform(0, 5e9)), 2026: 0.0},
                sde_max=float(rng.uniform(0, 400)),
                myopic=bool(rng.integers(2)),
            )
        )
    together = batch[0].concat(batch[1:])
    together = replace(
        together, coords=replace(together.coords, scenarios=tuple(f"s{i}" for i in range(100)))
    )
    in_batch = simulate(together, batch_size=100).dataset.isel(scenario=[k])
    alone = simulate(batch[k]).dataset
    for name in alone.data_vars:
        np.testing.assert_array_equal(in_batch[name].values, alone[name].values, err_msg=name)
    assert len(YEARS) == in_batch.sizes["year"]
