"""Deadweight of support instruments, by hand on the toy model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.engine.simulate import simulate
from kruispunt.errors import KruispuntError
from kruispunt.metrics import deadweight
from kruispunt.testing import TOY_YEARS, toy_inputs


def test_sde_pays_no_deadweight_once_the_eua_covers_the_gap() -> None:
    # EUA 10 x (y - 2025), myopic: without support the toy plant electrifies in 2043. An SDE++
    # round in 2025 (max 400 EUR/t) covers the 174.73 EUR/t gap at once: it switches in 2025.
    # The scheme pays base amount - correction, the correction being the EUA on the 1 tCO2/t
    # avoided (policy.sde): 174.73 - 10 k EUR/t in year 2025 + k, nothing from 2043, the year
    # the plant would have switched anyway. So nothing is paid to a switch that happens anyway.
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
    outlay = -a.dataset["gov_cash_flow"].sel(flow="sde_outlay").values[0]
    k = np.arange(len(TOY_YEARS))
    assert outlay / 1e6 == pytest.approx(np.maximum(174.73 - 10.0 * k, 0.0), abs=0.01)
    row = deadweight(a, b, "sde_outlay").iloc[0]
    assert row["paid_meur"] == pytest.approx(outlay.sum() / 1e6, rel=1e-9)
    assert row["deadweight_meur"] == pytest.approx(0.0, abs=1e-9)
    assert row["deadweight_share"] == pytest.approx(0.0, abs=1e-12)


def test_deadweight_names_an_unknown_flow() -> None:
    res = simulate(toy_inputs())
    with pytest.raises(KruispuntError, match="unknown flow 'sde'"):
        deadweight(res, res, "sde")
