"""Support contracts go to the plants that switch to the option their round awarded
(:func:`kruispunt.engine.rounds.award`)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from kruispunt.engine.rounds import award


class _Recorder:
    """A scheme that records which plants it is asked to contract, and pays 10 each."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.final: np.ndarray | None = None

    def award(self, ev: Any, final: np.ndarray, choice: Any, start_year: Any) -> np.ndarray:
        self.final = final.copy()
        return np.where(final, 10.0, 0.0)


def test_a_contract_only_for_the_option_won_and_taken() -> None:
    """Four plants won round ``a`` for option 1. Plant 0 switches to it: a contract. Plant
    1 switches to option 2 instead (its award is not for that): none. Plant 2 stays: none.
    Plant 3 did not win and switches to 1: none. Round ``b`` ran nothing (no record)."""
    won = np.array([[True, True, True, False]])
    pick = np.array([[1, 1, 1, 1]])
    ev = SimpleNamespace(won={"a": (won, pick)})
    switching = np.array([[True, True, False, True]])
    choice = np.array([[1, 2, 0, 1]])
    a, b = _Recorder("a"), _Recorder("b")
    cover = award(ev, [a, b], switching, choice, np.full((1, 4), 2030))  # type: ignore[arg-type]
    assert a.final is not None and a.final.tolist() == [[True, False, False, False]]
    assert b.final is None
    assert cover.tolist() == [[10.0, 0.0, 0.0, 0.0]]
