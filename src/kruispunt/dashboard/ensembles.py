"""Stored ensembles (``kruispunt explore``) as the dashboard shows them: a list, each one's
robustness report and, for the API, its analysis in numbers.

An ensemble is analysed (:func:`kruispunt.uncertainty.analysis.analyse`) when first asked
for and kept while its finished batches stay the same: a run still adding batches is
analysed again on the next request. Nothing here imports the web framework.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kruispunt.dashboard.views import Loc, NotFound, _Memo
from kruispunt.errors import KruispuntError
from kruispunt.store import ENSEMBLES_DIR, Ensemble, ensemble_folders

if TYPE_CHECKING:
    from kruispunt.uncertainty.analysis import Analysis

__all__ = ["EnsembleCache"]


def _number(value: Any) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


class EnsembleCache:
    """The ensembles of a results store (``<store>/ensembles``)."""

    def __init__(self, store_root: Path) -> None:
        self.root = Path(store_root) / ENSEMBLES_DIR
        self._analysis = _Memo(4)
        self._html = _Memo(4)

    def listing(self) -> list[dict[str, Any]]:
        """Every stored ensemble, sorted by id: its design, size and how far it got; one
        whose manifest cannot be read is listed with the reason (``error``), not left out."""
        out = []
        for folder in ensemble_folders(self.root):
            try:
                out.append(_entry(Ensemble(folder)))
            except KruispuntError as exc:
                out.append({**_UNREADABLE, "ensemble_id": folder.name, "error": str(exc)})
        return out

    def ensemble(self, ref: str, loc: Loc = ("path", "ensemble_id")) -> Ensemble:
        """The stored ensemble named ``ref`` (an id of :meth:`listing`; never a path)."""
        ids = {f.name: f for f in ensemble_folders(self.root)}
        if ref not in ids:
            known = ", ".join(ids) or "none yet ('kruispunt explore run' makes one)"
            raise NotFound(loc, f"no ensemble '{ref}' in {self.root}; ensembles: {known}")
        return Ensemble(ids[ref])

    def analysis(self, ensemble: Ensemble) -> Analysis:
        """The ensemble's analysis, worked out again once more of its batches finished."""
        from kruispunt.uncertainty.analysis import analyse

        finished = tuple(ensemble.finished())
        if not finished:
            raise NotFound(
                ("path", "ensemble_id"),
                f"ensemble '{ensemble.folder.name}' has no finished batch yet: nothing to analyse",
            )
        return self._analysis.get((ensemble.folder.name, finished), lambda: analyse(ensemble))

    def report(self, ensemble: Ensemble) -> str:
        """The robustness report (``kruispunt explore analyse``'s) as one HTML page."""
        from kruispunt.reports.robustness import robustness_html

        key = (ensemble.folder.name, tuple(ensemble.finished()))
        return self._html.get(key, lambda: robustness_html(self.analysis(ensemble)))

    def detail(self, ensemble: Ensemble) -> dict[str, Any]:
        """The analysis in numbers: the robustness table, the most robust package per
        outcome, satisficing and each PRIM box of the futures missing a target."""
        a = self.analysis(ensemble)
        rob = a.robustness
        columns = [c for c in rob.columns if c not in ("package", "outcome", "unit", "goal")]
        robustness = [
            {
                "package": str(r["package"]),
                "outcome": str(r["outcome"]),
                "unit": str(r["unit"]),
                "goal": str(r["goal"]),
                "values": {c: _number(r[c]) for c in columns},
            }
            for r in rob.to_dict("records")
        ]
        boxes = []
        for outcome, found in a.prim.items():
            for package, res in found.items():
                limits = res.limits()
                boxes.append(
                    {
                        "outcome": outcome,
                        "package": package,
                        "coverage": res.box.coverage,
                        "density": res.box.density,
                        "mass": res.box.mass,
                        "base_density": res.base_density,
                        "restrictions": [
                            {
                                "factor": str(x["factor"]),
                                "lower": float(x["lower"]),
                                "upper": float(x["upper"]),
                                "min": float(x["min"]),
                                "max": float(x["max"]),
                                "qp_value": float(x["qp_value"]),
                            }
                            for x in limits.to_dict("records")
                        ],
                    }
                )
        return {
            **_entry(ensemble),
            "futures_analysed": a.n_futures,
            "futures_explored": a.n_explore,
            "outcomes": [{"name": o.name, "unit": o.unit, "goal": o.goal} for o in a.spec.outcomes],
            "most_robust": [
                {k: str(v) for k, v in r.items()} for r in a.most_robust.to_dict("records")
            ],
            "satisficing": [
                {
                    "package": str(r["package"]),
                    "share_all_targets": float(r["share_all_targets"]),
                    "targets": str(r["targets"]),
                }
                for r in a.satisficing.to_dict("records")
            ],
            "robustness": robustness,
            "prim_outcome": a.prim_outcome,
            "prim": boxes,
        }


_UNREADABLE: dict[str, Any] = {
    "specification": "",
    "method": "",
    "seed": None,
    "n_futures": 0,
    "batches_done": 0,
    "n_batches": 0,
    "complete": False,
    "shard": None,
    "packages": [],
}
"""The fields of an ensemble whose manifest cannot be read."""


def _entry(e: Ensemble) -> dict[str, Any]:
    m = e.manifest
    key = dict(m.get("key", {}))
    shard = m.get("shard")
    return {
        "ensemble_id": e.folder.name,
        "specification": str(dict(m.get("spec", {})).get("name", "")),
        "method": str(key.get("method", "")),
        "seed": int(key["seed"]) if "seed" in key else None,
        "n_futures": int(m.get("n_futures", 0)),
        "batches_done": len(e.finished()),
        "n_batches": e.n_batches,
        "complete": e.complete,
        "shard": None if not shard else f"{shard['i']}/{shard['n']}",
        "packages": [str(p) for p in m.get("packages", [])],
        "error": None,
    }
