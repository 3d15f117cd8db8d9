"""Fixtures of the policy tests: the data package's inputs, built once per session."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue.load import load_catalogue
from kruispunt.engine.accounting import YearRecord
from kruispunt.engine.valuation import OptionView
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import Instrument
from kruispunt.scenarios import Scenario, resolve
from kruispunt.schemas.config import ScenarioFile
from kruispunt.testing import TOY_YEARS


@pytest.fixture(scope="session")
def package_inputs() -> ModelInputs:
    """The embedded data package's inputs: current-policy, then scenarios with
    ``ets_rules: proposal_2026`` (Proposal COM(2026) 616), ``ets_after_2030: ends`` and
    ``ets_after_2030: held``."""
    cat = load_catalogue(None)
    scenarios = [*resolve(["current-policy"], cat.path)]
    for sf in (
        ScenarioFile(name="proposal", ets_rules="proposal_2026"),
        ScenarioFile(name="ends", ets_after_2030="ends"),
        ScenarioFile(name="held", ets_after_2030="held"),
    ):
        scenarios.append(Scenario(name=sf.name, levers=sf, chain=(sf.name,), origin="test"))
    return build_inputs(cat, scenarios)


def one_plant_year(i: int, route: int, activity: float, emissions: float = 0.0) -> YearRecord:
    """A toy year (:func:`kruispunt.testing.toy_inputs`, year index ``i``) of one plant on
    ``route`` with ``activity`` = production and ``emissions`` [tCO2/yr], as an instrument's
    booking (``account``) reads it."""
    return YearRecord(
        i=i,
        year=int(TOY_YEARS[i]),
        route=np.full((1, 1), route, dtype=np.int64),
        calib=np.ones((1, 1)),
        activity=np.full((1, 1), activity),
        production=np.full((1, 1), activity),
        emissions=np.full((1, 1), emissions),
        use=np.zeros((1, 1, 2)),
        started=np.zeros((1, 1), dtype=bool),
        stored=np.zeros((1, 1)),
    )


def one_plant_unit_cost(
    instrument: Instrument, t: int, routes: list[int], calib: float = 1.0
) -> npt.NDArray[np.float64]:
    """``instrument``'s expected unit cost ``(1, 1, K)`` [EUR/product] of one toy plant in
    year index ``t`` on each of ``routes`` (its options), from the instrument's paths in that
    year (a myopic window), the plant's emissions ``calib`` times its route's."""
    x = {k: v[:, :, t][:, routes][:, None, :] for k, v in instrument.paths().items()}
    view = OptionView(t, np.array([[routes]]), np.full((1, 1, len(routes)), calib))
    return np.asarray(instrument.unit_cost(x, view), dtype=np.float64)
