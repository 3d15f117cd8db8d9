"""The plants' state between years (:mod:`kruispunt.engine.state`)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from kruispunt.engine.state import PlantState


def test_book_value_now_and_some_years_later() -> None:
    """An asset of 100 EUR started in 2025 on a route of 10 years' life: in 2027 (t = 2) it
    is worth 80; five years after that 30; ten years after, nothing."""
    st = SimpleNamespace(
        years=np.arange(2025, 2041),
        asset_start=np.array([[2025]]),
        asset_capex=np.array([[100.0]]),
        route_life=np.array([10.0]),
        route=np.array([[0]]),
    )
    book = PlantState.book_value
    assert book(st, 2)[0, 0] == pytest.approx(80.0)  # type: ignore[arg-type]
    assert book(st, 2, later=5)[0, 0] == pytest.approx(30.0)  # type: ignore[arg-type]
    assert book(st, 2, later=10)[0, 0] == 0.0  # type: ignore[arg-type]
