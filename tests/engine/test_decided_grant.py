"""A decided project's grant is netted from the asset it pays for, never below zero.

Nobian's binding maatwerk agreement (Rijksoverheid, 19 Dec 2024) grants at most EUR 185 M
towards EUR 645 M of projects; the model's nearest route (an electric steam boiler) costs far
less than the real heat pumps, so the grant can exceed the route's capex. Toy plant
(:func:`kruispunt.testing.toy_inputs`): 1 Mt/yr, ``elec`` at 500 EUR/(t/yr), 500 MEUR.
"""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.engine import decide
from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import _buffers
from kruispunt.engine.state import PlantState
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.testing import toy_inputs

CAPEX = 500.0 * 1.0e6


def _start_elec(cover: float) -> tuple[PlantState, float]:
    inp = toy_inputs()
    ctx = BatchContext(inp, INSTRUMENTS)
    st = PlantState.initial(inp)
    out = _buffers(inp, ctx.S, INSTRUMENTS).view(ctx.S)
    out.clear(0)
    elec = inp.coords.routes.index("elec")
    mask = np.ones((1, 1), dtype=bool)
    decide._start(ctx, st, mask, np.full((1, 1), elec), np.full((1, 1), cover), 2025, out, 0)
    return st, float(out.plant["capex"][0][0, 0])


def test_grant_below_the_capex_is_netted_from_the_asset() -> None:
    st, spent = _start_elec(cover=200.0e6)
    assert spent == pytest.approx(CAPEX)  # the whole investment is spent and booked
    assert float(st.asset_capex[0, 0]) == pytest.approx(CAPEX - 200.0e6)
    assert float(st.book_value(0)[0, 0]) == pytest.approx(CAPEX - 200.0e6)


def test_grant_above_the_capex_leaves_no_book_value() -> None:
    st, spent = _start_elec(cover=700.0e6)
    assert spent == pytest.approx(CAPEX)
    assert float(st.asset_capex[0, 0]) == 0.0
    assert float(st.book_value(0)[0, 0]) == 0.0  # was an error: capex must be non-negative
