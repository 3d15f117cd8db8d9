"""Fixtures shared by the test packages: the embedded data package and its inputs."""

from __future__ import annotations

import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue, load_catalogue
from kruispunt.inputs import ModelInputs
from kruispunt.scenarios import resolve


@pytest.fixture(scope="session")
def cat() -> Catalogue:
    """The embedded data package's catalogue (loaded once; read-only in the tests)."""
    return load_catalogue()


@pytest.fixture(scope="session")
def inp(cat: Catalogue) -> ModelInputs:
    """The inputs of ``current-policy`` on the embedded data (built once; read-only)."""
    return build_inputs(cat, resolve(["current-policy"]))
