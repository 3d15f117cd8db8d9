"""Instruments that cost nothing over the options' windows say so without reading their terms
at every option (issue #12: a faster valuation, results identical).

The CO2 levy after its tariff falls below the reference price (Belastingplan 2026: 78.67
EUR/t from 2026, below the EUA from 2027), the indirect-cost compensation after its budgets
end, CISAF's relief after 2030, the network-tariff relief when the scenario grants none and a
committed grant once paid return a unit cost of 0 rather than an array of zeros; the engine
then skips adding it. The runs are the same, element for element and sign for sign, as with
every term read at every option.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import load_catalogue
from kruispunt.engine.simulate import run_batch
from kruispunt.engine.valuation import Terms
from kruispunt.inputs import ModelInputs
from kruispunt.policy import cisaf, co2_levy, ikc
from kruispunt.policy.base import term_is_zero
from kruispunt.policy.committed import grant_per_unit
from kruispunt.scenarios import resolve


@pytest.fixture(scope="module")
def three() -> ModelInputs:
    return build_inputs(
        load_catalogue(), resolve(["current-policy", "no-new-policy", "high-ambition"])
    )


def _outputs(inputs: ModelInputs) -> dict[str, Any]:
    out = run_batch(inputs)
    got = {k: v.copy() for k, v in out.plant.items()}
    got.update(route=out.route_index.copy(), gov=out.gov.copy(), pools=out.pool_use.copy())
    return got


def test_runs_are_the_same_as_with_every_term_read(
    three: ModelInputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The three default scenarios, every output of every year: the same bits (signs of zero
    included) with the zero unit costs as with every term read at every option; and the
    shortcut is taken (the CO2 levy costs nothing in most years)."""
    calls = {"zero": 0}
    real = term_is_zero

    def counting(x: Any, term: str) -> bool:
        zero = real(x, term)
        calls["zero"] += zero
        return zero

    for module in (co2_levy, ikc, cisaf):
        monkeypatch.setattr(module, "term_is_zero", counting)
    fast = _outputs(three)
    assert calls["zero"] > 0
    for module in (co2_levy, ikc, cisaf):
        monkeypatch.setattr(module, "term_is_zero", lambda x, term: False)
    slow = _outputs(three)
    assert fast.keys() == slow.keys()
    for key, a in fast.items():
        b = slow[key]
        assert a.shape == b.shape and a.tobytes() == b.tobytes(), key


def test_engine_terms_answer_from_the_year_without_gathering() -> None:
    """``Terms.is_zero`` asks the year's values (``zero``) and never gathers the term; without
    them it reads the gathered term. An unknown term is a KeyError either way."""
    read: list[str] = []

    def gather(term: str) -> np.ndarray:
        read.append(term)
        return np.array([0.0, -0.0]) if term == "a" else np.array([1.0, 0.0])

    def choose(terms: tuple[str, ...], which: Any) -> np.ndarray:
        raise AssertionError("not used")

    x = Terms(("a", "b"), gather, choose, lambda term: term == "a")
    assert term_is_zero(x, "a") and not term_is_zero(x, "b")
    assert read == []
    y = Terms(("a", "b"), gather, choose)
    assert term_is_zero(y, "a") and not term_is_zero(y, "b")
    assert read == ["a", "b"]
    with pytest.raises(KeyError):
        x.is_zero("c")


@settings(max_examples=50, deadline=None)
@given(
    rate=st.floats(0.0, 0.3),
    life=st.floats(0.0, 60.0),
    output=st.floats(0.0, 1e8),
)
def test_a_grant_with_nothing_left_is_worth_nothing(
    rate: float, life: float, output: float
) -> None:
    """The committed grant's shortcut (no money left: unit cost 0) is the formula's value:
    nothing left is worth 0 per unit at any rate, life and output (a rate so small that
    ``(1 + rate)^-life`` rounds to 1, 8.9e-287, gave NaN before: 0 / 0 in the recovery
    factor)."""
    assert float(grant_per_unit(0.0, rate, life, output)) == 0.0
