"""Stored ensembles (``kruispunt explore``) as the dashboard shows them: a list, each one's
robustness report and, for the API, its analysis in numbers.

An ensemble is analysed (:func:`kruispunt.uncertainty.analysis.analyse`) when first asked
for and kept while its finished batches stay the same: a run still adding batches is
analysed again on the next request. Nothing here imports the web framework.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kruispunt.dashboard.views import BadInput, Loc, NotFound, _Memo, _plain
from kruispunt.errors import KruispuntError
from kruispunt.store import ENSEMBLES_DIR, Ensemble, ensemble_folders

if TYPE_CHECKING:
    import pandas as pd

    from kruispunt.uncertainty.analysis import Analysis
    from kruispunt.uncertainty.prim import PrimResult

__all__ = ["EnsembleCache"]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows with plain Python values, a number that is not finite as None."""
    return [{str(k): _plain(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _box(case: str, outcome: str, package: str, res: PrimResult) -> dict[str, Any]:
    return {
        "case": case,
        "outcome": outcome,
        "package": package,
        "coverage": _plain(res.box.coverage),
        "density": _plain(res.box.density),
        "mass": _plain(res.box.mass),
        "base_density": _plain(res.base_density),
        "restrictions": _records(res.limits()),
    }


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

    def count(self) -> int:
        """How many ensembles the store holds (their manifests not read)."""
        return len(ensemble_folders(self.root))

    def ensemble(self, ref: str, loc: Loc = ("path", "ensemble_id")) -> Ensemble:
        """The stored ensemble named ``ref`` (an id of :meth:`listing`; never a path)."""
        ids = {f.name: f for f in ensemble_folders(self.root)}
        if ref not in ids:
            known = ", ".join(ids) or "none yet ('kruispunt explore run' makes one)"
            raise NotFound(loc, f"no ensemble '{ref}' in {self.root}; ensembles: {known}")
        try:
            return Ensemble(ids[ref])
        except KruispuntError as exc:  # its manifest cannot be read
            raise BadInput(loc, str(exc)) from None

    def analysis(self, ensemble: Ensemble, finished: tuple[int, ...]) -> Analysis:
        """The ensemble's analysis on its ``finished`` batches, worked out again once more of
        them finished (:func:`_key`)."""
        from kruispunt.uncertainty.analysis import analyse

        if not finished:
            raise NotFound(
                ("path", "ensemble_id"),
                f"ensemble '{ensemble.folder.name}' has no finished batch yet: nothing to analyse",
            )
        try:
            return self._analysis.get(_key(ensemble, finished), lambda: analyse(ensemble))
        except KruispuntError as exc:  # a part of it cannot be read
            raise BadInput(("path", "ensemble_id"), str(exc)) from None

    def report(self, ensemble: Ensemble) -> str:
        """The robustness report (``kruispunt explore analyse``'s) as one HTML page."""
        from kruispunt.reports.robustness import robustness_html

        finished = tuple(ensemble.finished())
        return self._html.get(
            _key(ensemble, finished), lambda: robustness_html(self.analysis(ensemble, finished))
        )

    def detail(self, ensemble: Ensemble) -> dict[str, Any]:
        """The analysis in numbers: the robustness table, the most robust package per
        outcome, satisficing, the futures missing each target, each PRIM box (of the
        futures missing a target, and of those meeting it where those are the fewer), the
        tornado and, for a saltelli or morris design, the sensitivity indices."""
        finished = tuple(ensemble.finished())
        a = self.analysis(ensemble, finished)
        robustness = []
        for r in _records(a.robustness):
            ids = {k: r.pop(k) for k in ("package", "outcome", "unit", "goal", "n")}
            robustness.append({**ids, "values": r})
        boxes = [
            _box(case, outcome, package, res)
            for case, found in (("missing", a.prim), ("meeting", a.prim_met))
            for outcome, by_package in found.items()
            for package, res in by_package.items()
        ]
        return {
            **_entry(ensemble, finished),
            "complete": a.complete,
            "futures_analysed": a.n_futures,
            "futures_explored": a.n_explore,
            "outcomes": [{"name": o.name, "unit": o.unit, "goal": o.goal} for o in a.spec.outcomes],
            "most_robust": _records(a.most_robust),
            "satisficing": _records(a.satisficing),
            "robustness": robustness,
            "misses": _records(a.misses),
            "prim_outcome": a.prim_outcome,
            "prim": boxes,
            "tornado": _records(a.tornado),
            "sobol": _records(a.sobol),
            "morris": _records(a.morris),
        }


def _key(ensemble: Ensemble, finished: tuple[int, ...]) -> tuple[str, str, tuple[int, ...]]:
    """What an analysis of an ensemble rests on: its id, its manifest's creation time (an
    ensemble deleted and made again under its name is analysed anew) and its finished
    batches."""
    return ensemble.folder.name, str(ensemble.manifest.get("created")), finished


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


def _entry(e: Ensemble, finished: tuple[int, ...] | None = None) -> dict[str, Any]:
    m = e.manifest  # its fields' types checked when read (store.Ensemble)
    key = dict(m.get("key", {}))
    shard = m.get("shard")
    done = tuple(e.finished()) if finished is None else finished
    return {
        "ensemble_id": e.folder.name,
        "specification": str(dict(m.get("spec", {})).get("name", "")),
        "method": str(key.get("method", "")),
        "seed": key["seed"] if isinstance(key.get("seed"), int) else None,
        "n_futures": int(m.get("n_futures", 0)),
        "batches_done": len(done),
        "n_batches": e.n_batches,
        "complete": e.complete,
        "shard": None if not shard else f"{shard['i']}/{shard['n']}",
        "packages": list(m.get("packages", [])),
        "error": None,
    }
