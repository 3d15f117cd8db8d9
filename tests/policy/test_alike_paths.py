"""Paths worked out once when their inputs are the same in every scenario
(:func:`kruispunt.policy.base.once_if_alike`) have the bits of the paths worked out for every
scenario (issue #12: a faster valuation, results identical)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from kruispunt.engine.context import BatchContext
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import alike_in_scenarios, once_if_alike
from kruispunt.policy.energy_tax import EnergyTax
from kruispunt.policy.network_tariff import (
    NetworkTariff,
    NetworkTariffRelief,
    flexible_routes,
    tariff_basis,
)
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.vocabulary import GJ_PER_MWH

F = npt.NDArray[np.float64]


def _bits(a: F) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def test_alike_in_scenarios_compares_bits() -> None:
    """Rows equal in value but not in bits (signed zeros, NaN payloads) are not alike; a
    single scenario or a broadcast row is."""
    a = np.array([[1.0, 0.0, np.nan], [1.0, 0.0, np.nan]])
    assert alike_in_scenarios(a)
    b = a.copy()
    b[1, 1] = -0.0
    assert not alike_in_scenarios(b)
    c = a.copy()
    c.view(np.uint64)[1, 2] += 1  # another NaN
    assert not alike_in_scenarios(c)
    assert alike_in_scenarios(a[:1])
    assert alike_in_scenarios(np.broadcast_to(b[:1], (5, 3)))
    assert alike_in_scenarios(np.array([[[2.0]], [[2.0]]]))


@pytest.mark.parametrize("seed", range(8))
def test_once_if_alike_equals_the_computation_for_every_scenario(seed: int) -> None:
    """Random rates and shares, alike or with one scenario changed: the bits of ``make`` on
    every scenario; stride 0 over the scenarios only when alike."""
    rng = np.random.default_rng(seed)
    S, R, Y = int(rng.integers(2, 6)), int(rng.integers(1, 7)), int(rng.integers(1, 9))
    use = rng.normal(size=(1, R, Y)) * 10.0
    use[rng.random(use.shape) < 0.2] = -0.0

    def make(rate: F, share: F) -> F:
        return np.asarray(use * rate[:, None, :] * (1.0 - share[:, None, :]), dtype=np.float64)

    rate = np.repeat(rng.normal(size=(1, Y)), S, axis=0)
    share = np.repeat(rng.uniform(size=(1, Y)), S, axis=0)
    got = once_if_alike(make, rate, share)
    assert got.strides[0] == 0
    assert _bits(got) == _bits(make(rate, share))
    rate[-1, -1] += 1.0
    got = once_if_alike(make, rate, share)
    assert got.strides[0] != 0
    assert _bits(got) == _bits(make(rate, share))


def _ctx(inp: ModelInputs, change: Callable[[dict[str, dict[str, F]]], None]) -> BatchContext:
    ctx = BatchContext(inp, INSTRUMENTS)
    params = {name: dict(p) for name, p in ctx._params.items()}  # type: ignore[attr-defined]
    change(params)
    ctx._params = params  # type: ignore[attr-defined]
    return ctx


def _nothing(params: dict[str, dict[str, F]]) -> None:
    return None


def _last_scenario_differs(params: dict[str, dict[str, F]]) -> None:
    """The last scenario's energy tax rates, exemptions and network tariffs changed, and a
    tariff relief in the first scenario only."""
    tax = params["energy_tax"]
    for name in ("rate", "bracket_rates", "exempt"):
        a = np.array(tax[name], dtype=np.float64)
        a[-1] = a[-1] * 0.5 + 0.01
        tax[name] = np.minimum(a, 1.0) if name == "exempt" else a
    rate = np.array(params["network_tariff"]["rate"], dtype=np.float64)
    rate[-1] *= 1.5
    params["network_tariff"]["rate"] = rate
    share = np.array(params["network_tariff_relief"]["share"], dtype=np.float64)
    share[0] = 0.25
    params["network_tariff_relief"]["share"] = share


@pytest.mark.parametrize("change", [_nothing, _last_scenario_differs])
def test_tax_and_tariff_paths_equal_the_formulas(
    package_inputs: ModelInputs, change: Callable[[dict[str, dict[str, F]]], None]
) -> None:
    """The energy tax's and network tariffs' paths have the bits of their formulas on every
    scenario: the route's taxed use times the extended rate; the electricity in MWh times
    the extended tariff (times the relief's share, or one less it); a flexible load's MWh
    are its kW basis (:func:`kruispunt.policy.network_tariff.tariff_basis`), a heat pump
    beside it charged whole."""
    ctx = _ctx(package_inputs, change)
    tax = EnergyTax(ctx)
    paths = tax.paths()
    for c in tax.taxed_flat:
        use = ctx.route.inputs[:, c, :][None] * (1.0 - tax.exempt[:, :, c])[..., None]
        want = use * ctx.ext(tax.param("rate")[:, c])[:, None, :]
        assert _bits(paths[f"c{c}"]) == _bits(want)
    rates = tax.param("bracket_rates")
    assert tax.bracketed.size
    for c in tax.bracketed:
        use = ctx.route.inputs[:, c, :][None] * (1.0 - tax.exempt[:, :, c])[..., None]
        for k in range(rates.shape[2]):
            want = use * ctx.ext(rates[:, c, k])[:, None, :]
            assert _bits(paths[f"c{c}_b{k}"]) == _bits(want)
    tariff = NetworkTariff(ctx)
    # a flat load is charged on its electricity, a flexible load (the hybrid boiler) on its
    # rated power times the share of the kW tariff it pays (network_tariff.tariff_basis)
    flexible = flexible_routes(ctx)
    assert flexible.any()
    elec = ctx.route.electricity
    given = ctx.inputs.routes.firm_power
    firm = None if given is None else ctx.ext(given)
    basis = tariff_basis(elec, ctx.route.grid, flexible, tariff.param("flexible_kw_share"), firm)
    mwh = elec[None] / GJ_PER_MWH + (basis - elec[None]) / GJ_PER_MWH
    without = np.zeros(len(flexible)) if given is None else given[:, 0]
    hybrid = np.flatnonzero(flexible & (without == 0))[0]
    pumped = np.flatnonzero(flexible & (without > 0))
    assert pumped.size  # a heat pump beside a hybrid: 1 x firm + 0.5 x the rest of its rating
    p = pumped[0]
    want_p = (without[p] + 0.5 * (ctx.route.grid[p, 0] - without[p])) / GJ_PER_MWH
    assert mwh[0, p, 0] == pytest.approx(want_p)
    assert mwh[0, hybrid, 0] == pytest.approx(0.5 * ctx.route.grid[hybrid, 0] / GJ_PER_MWH)
    assert mwh[0, hybrid, 0] > elec[hybrid, 0] / GJ_PER_MWH
    got = tariff.paths()
    for k, level in enumerate(("ehv", "hv")):
        rate = ctx.ext(tariff.rate[:, k])[:, None, :]
        assert _bits(got[level]) == _bits(mwh * rate)
    relief = NetworkTariffRelief(ctx)
    got = relief.paths()
    share = ctx.ext(relief.share)[:, None, :]
    for k, level in enumerate(("ehv", "hv")):
        rate = ctx.ext(relief.rate[:, k])[:, None, :]
        assert _bits(got[f"{level}_flat"]) == _bits(mwh * rate * share)
        assert _bits(got[f"{level}_rest"]) == _bits(mwh * rate * (1.0 - share))
    alike = change is _nothing
    assert (paths[f"c{tax.bracketed[0]}_b0"].strides[0] == 0) == alike
    assert (got["ehv_flat"].strides[0] == 0) == alike
