"""Hypothesis profiles of the fuzzing suite.

``KRUISPUNT_FUZZ=ci`` (the default) keeps the whole suite to a few tens of seconds and is
derandomised, so CI sees the same cases every run; ``KRUISPUNT_FUZZ=deep`` runs twenty times
as many random cases (minutes) and keeps failures in Hypothesis' example database::

    KRUISPUNT_FUZZ=deep pytest tests/fuzz --hypothesis-show-statistics
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("KRUISPUNT_FUZZ", "ci")
if PROFILE not in ("ci", "deep"):
    raise ValueError(f"KRUISPUNT_FUZZ={PROFILE!r}; allowed: ci, deep")

DEEP_FACTOR = 20

_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}


def fuzz(examples: int) -> settings:
    """Settings for a fuzz test: ``examples`` cases in CI, twenty times as many when deep."""
    if PROFILE == "deep":
        return settings(max_examples=examples * DEEP_FACTOR, **_COMMON)  # type: ignore[arg-type]
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        **_COMMON,  # type: ignore[arg-type]
    )
