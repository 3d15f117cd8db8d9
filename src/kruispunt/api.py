"""The public Python API: ``kruispunt.run(scenario) -> Results``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from kruispunt.assemble import build_inputs
from kruispunt.catalogue.load import Catalogue, load_catalogue
from kruispunt.engine.simulate import DEFAULT_BATCH, simulate
from kruispunt.results import Results
from kruispunt.scenarios import Scenario, resolve


def run(
    scenarios: str | Scenario | Sequence[str | Scenario] = "current-policy",
    *,
    catalogue: Catalogue | None = None,
    data: Path | str | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Run one or more scenarios on a data package.

    Parameters
    ----------
    scenarios : str, Scenario or sequence of them
        Default scenario names (``current-policy``, ``no-new-policy``, ``high-ambition``),
        paths of scenario YAML files, or resolved :class:`~kruispunt.scenarios.Scenario`.
    catalogue : Catalogue, optional
        An already loaded data package (saves the load time in loops).
    data : path, optional
        Folder of a data package to load instead of the embedded one.
    batch_size : int
        Scenarios per engine batch (memory bound; results do not depend on it).

    Returns
    -------
    Results
        Per scenario, plant and year; provenance in ``results.provenance``.

    Examples
    --------
    >>> import kruispunt
    >>> res = kruispunt.run("current-policy")  # doctest: +SKIP
    >>> res.dataset["direct_emissions"].sum(["plant"]).sel(year=2030)  # doctest: +SKIP
    """
    cat = catalogue if catalogue is not None else load_catalogue(data)
    items = [scenarios] if isinstance(scenarios, (str, Scenario)) else list(scenarios)
    names = [s for s in items if isinstance(s, str)]
    resolved = iter(resolve(names, cat.path)) if names else iter(())
    final = [next(resolved) if isinstance(s, str) else s for s in items]
    return simulate(build_inputs(cat, final), batch_size=batch_size, progress=progress)
