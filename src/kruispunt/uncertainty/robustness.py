"""Robustness of each package across futures: percentiles, targets met, regret, satisficing.

Inputs are the long outcome table of an ensemble (``future, package, outcome, value``) and
the outcome definitions of its specification. Definitions:

- **share meeting target**: the fraction of futures in which the package's outcome meets
  the outcome's target (futures where the outcome is undefined, NaN, count as not met);
- **regret** of a package in a future: how much worse it does than the best package in
  that same future (``value - min`` for outcomes to minimise, ``max - value`` to maximise);
  reported as mean, 90th percentile and maximum over futures (Savage's minimax regret);
- **satisficing**: the share of futures in which the package meets every target at once.

Most robust package per outcome (:func:`most_robust`): with a target, the highest share
meeting it (ties: lower 90th-percentile regret); without a target, the lowest
90th-percentile regret. Outcomes with goal ``none`` are described, not ranked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kruispunt.uncertainty.spec import Outcome

PERCENTILES = (5, 25, 50, 75, 95)


def wide(outcomes: pd.DataFrame, name: str) -> pd.DataFrame:
    """Values of one outcome as a (future x package) table."""
    part = outcomes[outcomes["outcome"] == name]
    return part.pivot(index="future", columns="package", values="value").sort_index()


def regret(values: pd.DataFrame, goal: str) -> pd.DataFrame:
    """Regret of each package (column) in each future (row) against the best package.

    Examples
    --------
    >>> v = pd.DataFrame({"a": [1.0, 5.0], "b": [2.0, 3.0]})
    >>> regret(v, "minimize").to_numpy().tolist()
    [[0.0, 1.0], [2.0, 0.0]]
    """
    if goal == "minimize":
        return values.sub(values.min(axis=1), axis=0)
    if goal == "maximize":
        return values.rsub(values.max(axis=1), axis=0)
    raise ValueError(f"regret needs goal minimize or maximize, not '{goal}'")


def _met(values: pd.DataFrame, o: Outcome) -> pd.DataFrame:
    assert o.target is not None
    t = o.target
    met = values <= t.max if t.max is not None else values >= t.min
    return met & values.notna()


def robustness_table(outcomes: pd.DataFrame, definitions: Sequence[Outcome]) -> pd.DataFrame:
    """One row per package and outcome: percentiles, target share and regret.

    Columns: ``package, outcome, unit, goal, n, mean, p5 .. p95, target, share_meeting,
    regret_mean, regret_p90, regret_max`` (target columns NaN without a target, regret
    columns NaN for goal ``none``).
    """
    rows = []
    for o in definitions:
        v = wide(outcomes, o.name)
        if v.empty:
            continue
        r = regret(v, o.goal) if o.goal != "none" else None
        met = _met(v, o) if o.target is not None else None
        for pkg in v.columns:
            col = v[pkg].to_numpy(dtype=np.float64)
            ok = col[~np.isnan(col)]
            row: dict[str, object] = {
                "package": pkg,
                "outcome": o.name,
                "unit": o.unit,
                "goal": o.goal,
                "n": int(ok.size),
                "mean": float(ok.mean()) if ok.size else np.nan,
            }
            for q in PERCENTILES:
                row[f"p{q}"] = float(np.percentile(ok, q)) if ok.size else np.nan
            target: float | None = np.nan
            if o.target is not None:
                target = o.target.max if o.target.max is not None else o.target.min
            row["target"] = target
            row["share_meeting"] = float(met[pkg].mean()) if met is not None else np.nan
            if r is not None:
                rc = r[pkg].to_numpy(dtype=np.float64)
                rc = rc[~np.isnan(rc)]
                row["regret_mean"] = float(rc.mean()) if rc.size else np.nan
                row["regret_p90"] = float(np.percentile(rc, 90)) if rc.size else np.nan
                row["regret_max"] = float(rc.max()) if rc.size else np.nan
            else:
                row["regret_mean"] = row["regret_p90"] = row["regret_max"] = np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def satisficing(outcomes: pd.DataFrame, definitions: Sequence[Outcome]) -> pd.DataFrame:
    """Share of futures in which each package meets every target at once.

    Returns columns ``package, share_all_targets, targets`` (the outcomes with a target).
    """
    targeted = [o for o in definitions if o.target is not None]
    if not targeted:
        return pd.DataFrame(columns=["package", "share_all_targets", "targets"])
    all_met: pd.DataFrame | None = None
    for o in targeted:
        met = _met(wide(outcomes, o.name), o)
        all_met = met if all_met is None else (all_met & met)
    assert all_met is not None
    names = ", ".join(o.name for o in targeted)
    return pd.DataFrame(
        {
            "package": list(all_met.columns),
            "share_all_targets": [float(all_met[c].mean()) for c in all_met.columns],
            "targets": names,
        }
    )


def most_robust(table: pd.DataFrame, definitions: Sequence[Outcome]) -> pd.DataFrame:
    """The most robust package per ranked outcome and the criterion used (module doc)."""
    rows = []
    for o in definitions:
        part = table[table["outcome"] == o.name]
        if part.empty or o.goal == "none":
            continue
        if o.target is not None:
            best = part.sort_values(
                ["share_meeting", "regret_p90"], ascending=[False, True], kind="stable"
            ).iloc[0]
            criterion = (
                f"meets the target in {best['share_meeting']:.0%} of futures "
                f"(90th-percentile regret {best['regret_p90']:.3g} {o.unit})"
            )
        else:
            best = part.sort_values("regret_p90", kind="stable").iloc[0]
            criterion = f"lowest 90th-percentile regret, {best['regret_p90']:.3g} {o.unit}"
        rows.append({"outcome": o.name, "package": best["package"], "criterion": criterion})
    return pd.DataFrame(rows, columns=["outcome", "package", "criterion"])
