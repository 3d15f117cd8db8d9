"""Deadweight of support instruments, by hand on the toy model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.engine.simulate import simulate
from kruispunt.errors import KruispuntError
from kruispunt.metrics import deadweight
from kruispunt.testing import TOY_YEARS, toy_inputs


def test_sde_paid_after_the_unsupported_switch_is_deadweight() -> None:
    # EUA 10 x (y - 2025), myopic: without support the toy plant electrifies in 2043. An SDE++
    # round in 2025 (max 400 EUR/t) covers the 174.73 EUR/t gap at once: it switches in 2025
    # and is paid 174.73 EUR/t x 1 Mt for 25 years (2025-2049). The payments from 2043 on
    # (7 of 25 years) go to a switch that happens anyway: deadweight share 7/25.
    eua = {2025: 0.0, 2050: 250.0}
    budget = {2025: 1e12, 2026: 0.0}
    with_ = toy_inputs(eua=eua, sde_budget=budget, sde_max=400.0)
    with_ = replace(
        with_,
        instruments={
            **with_.instruments,
            "sde": {**with_.instruments["sde"], "duration": np.array([25.0])},
        },
    )
    without = toy_inputs(eua=eua)
    a, b = simulate(with_), simulate(without)
    assert int(a.dataset["route_index"].values[0, 0, 0]) == 1
    first = int(np.argmax(b.dataset["route_index"].values[0, 0] == 1))
    assert int(TOY_YEARS[first]) == 2043
    table = deadweight(a, b, "sde_outlay")
    row = table.iloc[0]
    yearly = 174.73 * 1.0e6
    assert row["paid_meur"] == pytest.approx(25 * yearly / 1e6, rel=1e-3)
    assert row["deadweight_meur"] == pytest.approx(7 * yearly / 1e6, rel=1e-3)
    assert row["deadweight_share"] == pytest.approx(7 / 25)


def test_deadweight_names_an_unknown_flow() -> None:
    res = simulate(toy_inputs())
    with pytest.raises(KruispuntError, match="unknown flow 'sde'"):
        deadweight(res, res, "sde")
