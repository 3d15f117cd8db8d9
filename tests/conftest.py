"""Fixtures shared by the test packages: the embedded data package, its inputs and the
default scenarios' run."""

from __future__ import annotations

import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue, load_catalogue
from kruispunt.inputs import ModelInputs
from kruispunt.results import Results
from kruispunt.scenarios import resolve

DEFAULT_SCENARIOS = ("current-policy", "no-new-policy", "high-ambition")


@pytest.fixture(scope="session")
def cat() -> Catalogue:
    """The embedded data package's catalogue (loaded once; read-only in the tests)."""
    return load_catalogue()


@pytest.fixture(scope="session")
def inp(cat: Catalogue) -> ModelInputs:
    """The inputs of ``current-policy`` on the embedded data (built once; read-only)."""
    return build_inputs(cat, resolve(["current-policy"]))


@pytest.fixture(scope="session")
def default_results(cat: Catalogue) -> Results:
    """The run of the three default scenarios on the embedded data (once; read-only)."""
    import kruispunt

    return kruispunt.run(list(DEFAULT_SCENARIOS), catalogue=cat)
