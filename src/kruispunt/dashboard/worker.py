"""What a worker process does for one run of the dashboard.

Runs in a process of the pool of :class:`~kruispunt.dashboard.jobs.JobManager`, never in the
web server's process, so a long run cannot slow a page. Progress goes back through a queue
that the pool hands to every worker when it starts (:func:`init`). A run loads the data
package, resolves the scenarios (defaults and saved files), runs the engine, stores the
results and writes the HTML report next to them, as ``kruispunt run`` does.

Nothing here imports the web framework.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

__all__ = ["RunOutcome", "init", "run_job"]

RunOutcome = dict[str, Any]
"""``{"ok": True, "run_id": ...}`` or ``{"ok": False, "error": "<message>"}``."""

_QUEUE: Any = None


def init(queue: Any) -> None:
    """Pool initialiser: keep the progress queue and import the engine once per worker."""
    global _QUEUE
    _QUEUE = queue
    import kruispunt.assemble
    import kruispunt.engine.simulate
    import kruispunt.reports  # noqa: F401


_LAST: dict[str, tuple[str, float]] = {}
REPORT_EVERY_S = 0.1
"""Progress messages of one stage are sent at most this often [s] (a new stage at once)."""


def _report(job_id: str, stage: str, fraction: float) -> None:
    if _QUEUE is None:
        return
    now = time.monotonic()
    last = _LAST.get(job_id)
    if last is not None and last[0] == stage and now - last[1] < REPORT_EVERY_S and fraction < 1:
        return
    _LAST[job_id] = (stage, now)
    _QUEUE.put((job_id, stage, min(max(fraction, 0.0), 1.0)))


def _busy(job_id: str, seconds: float) -> None:
    """The test hook's long run: keep one CPU busy for ``seconds``, as a heavy engine run
    would, reporting progress as it goes."""
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        sum(i * i for i in range(20_000))
        _report(job_id, "working (test delay)", 0.1 + 0.1 * elapsed / seconds)


def run_job(
    job_id: str,
    scenarios: list[str],
    name: str | None,
    store_root: str,
    data: str | None,
    scenario_dir: str,
    delay_s: float = 0.0,
) -> RunOutcome:
    """Run ``scenarios`` (default or saved names), store the results, write the report.

    Returns the run id, or the error message for the user; never raises.
    """
    from kruispunt.errors import KruispuntError

    try:
        return _run(job_id, scenarios, name, store_root, data, scenario_dir, delay_s)
    except KruispuntError as exc:
        return {"ok": False, "error": str(exc)}
    except Exception as exc:  # a bug: said plainly, never a traceback in a page
        return {"ok": False, "error": f"the run failed unexpectedly: {type(exc).__name__}: {exc}"}
    finally:
        _LAST.pop(job_id, None)


def _run(
    job_id: str,
    scenarios: list[str],
    name: str | None,
    store_root: str,
    data: str | None,
    scenario_dir: str,
    delay_s: float,
) -> RunOutcome:
    from kruispunt.assemble import build_inputs
    from kruispunt.catalogue import load_catalogue
    from kruispunt.dashboard.builder import SavedScenarios, ScenarioIds
    from kruispunt.engine.simulate import simulate
    from kruispunt.reports import RunMeta, write_report
    from kruispunt.store import Store

    _report(job_id, "loading the data package", 0.02)
    cat = load_catalogue(data)
    _report(job_id, "resolving scenarios", 0.1)
    ids = ScenarioIds(
        frozenset(cat.carriers["carrier_id"]),
        frozenset(cat.products["product_id"]),
        frozenset(cat.routes["route_id"]),
    )
    library, _ = SavedScenarios(cat.path, Path(scenario_dir), ids).library()
    resolved = [library.resolve(s) for s in scenarios]
    if delay_s > 0:
        _busy(job_id, delay_s)
    _report(job_id, "building inputs", 0.2)
    inputs = build_inputs(cat, resolved)
    _report(job_id, "simulating", 0.3)
    results = simulate(
        inputs,
        progress=lambda done, total: _report(job_id, "simulating", 0.3 + 0.4 * done / total),
    )
    _report(job_id, "storing the results", 0.75)
    store = Store(store_root)
    run_id = store.save(results, name=name)
    _report(job_id, "writing the report", 0.85)
    write_report(
        results,
        store.report_path(run_id),
        title=f"Kruispunt results: {', '.join(results.scenarios)}",
        meta=RunMeta.from_record(store.show(run_id)),
    )
    _report(job_id, "done", 1.0)
    return {"ok": True, "run_id": run_id}
