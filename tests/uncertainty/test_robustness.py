"""Robustness metrics on a table small enough to follow by hand
(:mod:`kruispunt.uncertainty.robustness`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kruispunt.uncertainty.robustness import most_robust, robustness_table, satisficing
from kruispunt.uncertainty.spec import Outcome, Target

EMISSIONS = {  # four futures; b undefined in future 1
    "a": [8.0, 12.0, 9.0, 10.0],
    "b": [9.0, np.nan, 11.0, 10.0],
    "c": [9.0, 11.0, 10.0, 12.0],
}
KEPT = {"a": [0.9, 0.9, 0.7, 0.9], "b": [0.8, 0.9, 0.9, 0.7], "c": [0.9] * 4}


def _long(values: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    rows = [
        {"future": f, "package": pkg, "outcome": name, "value": v}
        for name, per_package in values.items()
        for pkg, vs in per_package.items()
        for f, v in enumerate(vs)
    ]
    return pd.DataFrame(rows)


def _outcome(name: str, goal: str, target: Target | None = None) -> Outcome:
    metric = "production_retained" if name == "kept" else "emissions"
    product = "ammonia" if name == "kept" else None
    return Outcome(name=name, metric=metric, product=product, year=2030, goal=goal, target=target)  # type: ignore[arg-type]


E = _outcome("e", "minimize", Target(max=10.0, assumption="test"))
E_RANKED = _outcome("e_no_target", "minimize")
K = _outcome("kept", "maximize", Target(min=0.8, assumption="test"))
TABLE = _long({"e": EMISSIONS, "e_no_target": EMISSIONS, "kept": KEPT})


def test_percentiles_skip_undefined_futures_and_interpolate_linearly() -> None:
    """a: 8, 12, 9, 10 sorted 8, 9, 10, 12; numpy's linear rule puts percentile q at position
    q/100 x 3: p5 8.15, p25 8.75, p50 9.5, p75 10.5, p95 11.7; mean 9.75. b's undefined
    future is left out: 9, 10, 11 (n 3, mean 10), q at q/100 x 2: 9.1, 9.5, 10, 10.5, 10.9."""
    t = robustness_table(TABLE, [E]).set_index("package")
    cols = ["p5", "p25", "p50", "p75", "p95"]
    assert t.loc["a", cols].tolist() == pytest.approx([8.15, 8.75, 9.5, 10.5, 11.7])
    assert t.loc["b", cols].tolist() == pytest.approx([9.1, 9.5, 10.0, 10.5, 10.9])
    assert (t.loc["a", "n"], t.loc["b", "n"]) == (4, 3)
    assert (t.loc["a", "mean"], t.loc["b", "mean"]) == (9.75, 10.0)


def test_regret_is_against_the_best_defined_package_of_each_future() -> None:
    """Best (lowest) per future: 8; 11 (c; b is undefined there); 9; 10. Regrets: a 0, 1,
    0, 0 (mean 0.25, p90 at position 2.7 of 0, 0, 0, 1: 0.7, max 1); b 1, -, 2, 0 (its
    undefined future left out: mean 1, p90 at 1.8 of 0, 1, 2: 1.8, max 2); c 1, 0, 1, 2
    (mean 1, p90 at 2.7 of 0, 1, 1, 2: 1.7)."""
    t = robustness_table(TABLE, [E]).set_index("package")
    cols = ["regret_mean", "regret_p90", "regret_max"]
    assert t.loc["a", cols].tolist() == pytest.approx([0.25, 0.7, 1.0])
    assert t.loc["b", cols].tolist() == pytest.approx([1.0, 1.8, 2.0])
    assert t.loc["c", cols].tolist() == pytest.approx([1.0, 1.7, 2.0])


def test_share_meeting_counts_an_undefined_future_as_missed() -> None:
    """At most 10: a meets in 3 of 4 futures; b in futures 0 and 3, its undefined future 1
    a miss: 2 of 4 (not 2 of 3); c in 2 of 4."""
    t = robustness_table(TABLE, [E]).set_index("package")
    assert t["share_meeting"].to_dict() == {"a": 0.75, "b": 0.5, "c": 0.5}


def test_most_robust_has_the_highest_share_or_without_a_target_the_lowest_regret() -> None:
    """With the target: a meets it most often (3/4 against 1/2). Without one: the lowest
    90th-percentile regret, a's 0.7 (b 1.8, c 1.7)."""
    table = robustness_table(TABLE, [E, E_RANKED])
    best = most_robust(table, [E, E_RANKED]).set_index("outcome")["package"]
    assert best.to_dict() == {"e": "a", "e_no_target": "a"}


def test_satisficing_needs_every_target_in_the_same_future() -> None:
    """e (at most 10) and kept (at least 0.8). a meets e in futures 0, 2, 3 and kept in 0,
    1, 3: both in 0 and 3, 2/4. b: e in 0 and 3, kept in 0 (0.8 at the target), 1, 2: both
    only in 0, 1/4. c: e in 0 and 2, kept everywhere: 2/4."""
    sat = satisficing(TABLE, [E, E_RANKED, K]).set_index("package")
    assert sat["share_all_targets"].to_dict() == {"a": 0.5, "b": 0.25, "c": 0.5}
    assert set(sat["targets"]) == {"e, kept"}
