"""Fixtures of the policy tests: the data package's inputs, built once per session."""

from __future__ import annotations

import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue.load import load_catalogue
from kruispunt.inputs import ModelInputs
from kruispunt.scenarios import Scenario, resolve
from kruispunt.schemas.config import ScenarioFile


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
