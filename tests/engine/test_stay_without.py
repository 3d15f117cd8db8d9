"""The value of staying without a contract (``OptionValues.stay_without``): what the
demand-side markets weigh a plant's need against (``ClearingMarket.offer``)."""

from __future__ import annotations

import numpy as np

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import load_catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.state import PlantState
from kruispunt.engine.valuation import Valuation, option_of, pick
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.scenarios import resolve


def test_staying_without_a_contract_keeps_the_option_to_close_later() -> None:
    """On the data package (the three default scenarios, 2025): less nothing, staying is
    worth the current route's value; less an amount ``a >= 0`` it is worth at most that and at
    least that minus ``a`` (the option to close later can only soften the loss), falls as
    ``a`` grows, and for a large ``a`` running a few years and closing beats running the whole
    life for most plants (the exit horizons, weighed again): strictly more than staying's
    value minus ``a``."""
    inp = build_inputs(
        load_catalogue(), resolve(["current-policy", "no-new-policy", "high-ambition"])
    )
    ctx = BatchContext(inp, INSTRUMENTS)
    valuation = Valuation(ctx, [cls(ctx) for cls in INSTRUMENTS])
    assert valuation.horizons  # the default data weigh closing later
    st = PlantState.initial(inp)
    ov = valuation.option_values(0, st)
    assert ov.stay_without is not None
    stay = pick(ov.value, option_of(valuation.opt, st.route))
    scale = np.abs(stay) + 1e6
    np.testing.assert_allclose(ov.stay_without(np.zeros(stay.shape)), stay, rtol=1e-12, atol=1e-3)
    rng = np.random.default_rng(20261201)
    small = rng.random(stay.shape) * scale
    for a in (small, 2 * small, 10 * scale):
        got = ov.stay_without(a)
        assert np.all(got <= stay + 1e-6 * scale)
        assert np.all(got >= stay - a - 1e-6 * scale)
    assert np.all(ov.stay_without(2 * small) <= ov.stay_without(small) + 1e-6 * scale)
    large = ov.stay_without(10 * scale)
    softened = large > stay - 10 * scale + 1.0
    assert softened.mean() > 0.5, softened.mean()


def test_the_amount_that_keeps_a_plant_on_its_route() -> None:
    """``OptionValues.stay_need(a, target)`` inverts staying with the option to close later:
    earning it in place of ``a`` makes staying worth ``target`` exactly (where it is not
    already), and no less amount does. An amount earned only while running counts in full over
    the whole life and by the annuity's share at an exit horizon, so it is never less than
    ``target - stay_without(a)``, the need the RFNBO clearing used until Dec 2026 (Air Products
    Botlek's electrolyser under high ambition at high prices, 2039: 11.94 MEUR/yr against a real
    gap of 12.39). On the data package's three default scenarios in 2025."""
    inp = build_inputs(
        load_catalogue(), resolve(["current-policy", "no-new-policy", "high-ambition"])
    )
    ctx = BatchContext(inp, INSTRUMENTS)
    valuation = Valuation(ctx, [cls(ctx) for cls in INSTRUMENTS])
    st = PlantState.initial(inp)
    ov = valuation.option_values(0, st)
    assert ov.stay_without is not None and ov.stay_need is not None
    stay = pick(ov.value, option_of(valuation.opt, st.route))
    scale = np.abs(stay) + 1e6
    rng = np.random.default_rng(20261202)
    a = rng.random(stay.shape) * scale
    now = ov.stay_without(a)
    # worth it already: nothing needed
    np.testing.assert_allclose(ov.stay_need(a, now), 0.0, atol=1e-6 * scale.max())
    for lift in (0.1, 1.0, 5.0):
        target = now + lift * scale
        need = ov.stay_need(a, target)
        assert np.all(need >= target - now - 1e-6 * scale)  # never below the old need
        np.testing.assert_allclose(ov.stay_without(a - need), target, rtol=1e-9, atol=1e-3)
        assert np.all(ov.stay_without(a - 0.999 * need) < target)
    # somewhere the exit horizons make it strictly more than the old need
    target = now + 5.0 * scale
    assert np.any(ov.stay_need(a, target) > target - now + 1.0)
