"""The public Python API: ``kruispunt.run(scenario) -> Results``; green premiums, the CBAM
export gap and the comparison of policy packages (:func:`green_premiums`,
:func:`export_gap`, :func:`compare_instruments`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from kruispunt.assemble import build_inputs
from kruispunt.catalogue.load import Catalogue, load_catalogue
from kruispunt.comparison import TARGET_YEAR
from kruispunt.engine.simulate import DEFAULT_BATCH, simulate
from kruispunt.inputs import ModelInputs
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


@dataclass(frozen=True)
class GreenPremiums:
    """Green premiums of a set of scenarios (:func:`green_premiums`).

    Attributes
    ----------
    costs : DataFrame
        Levelised cost of every route of every plant and year, term by term
        (:func:`kruispunt.premium.levelised_costs`) [EUR/product].
    premiums : DataFrame
        Premium of each low-carbon route over the plant's grey reference, with its breakdown
        (:func:`kruispunt.premium.green_premium`) [EUR/product].
    by_product, by_site : DataFrame
        The cheapest low-carbon premium per plant, production-weighted per product (the
        national figure) and per site (:func:`kruispunt.premium.product_premium`).
    end_products : DataFrame
        The national premium carried into end products, in euro and as a share of their
        price (:func:`kruispunt.premium.end_product_premium`).
    """

    costs: pd.DataFrame
    premiums: pd.DataFrame
    by_product: pd.DataFrame
    by_site: pd.DataFrame
    end_products: pd.DataFrame


def _inputs(
    scenarios: str | Scenario | Sequence[str | Scenario],
    catalogue: Catalogue | None,
    data: Path | str | None,
) -> tuple[Catalogue, list[Scenario], ModelInputs]:
    cat = catalogue if catalogue is not None else load_catalogue(data)
    items = [scenarios] if isinstance(scenarios, (str, Scenario)) else list(scenarios)
    names = [s for s in items if isinstance(s, str)]
    resolved = iter(resolve(names, cat.path)) if names else iter(())
    final = [next(resolved) if isinstance(s, str) else s for s in items]
    return cat, final, build_inputs(cat, final)


def green_premiums(
    scenarios: str | Scenario | Sequence[str | Scenario] = "current-policy",
    *,
    catalogue: Catalogue | None = None,
    data: Path | str | None = None,
    reference_capex: Literal["sunk", "renewal"] = "sunk",
) -> GreenPremiums:
    """Green premium per product, site and year, and its pass-through to end products.

    Parameters
    ----------
    scenarios : str, Scenario or sequence of them
        As :func:`run`.
    catalogue, data : optional
        As :func:`run`.
    reference_capex : {"sunk", "renewal"}
        Capital of the grey reference route (:func:`kruispunt.premium.levelised_costs`).

    Examples
    --------
    >>> import kruispunt
    >>> gp = kruispunt.green_premiums("current-policy")  # doctest: +SKIP
    >>> gp.by_product.query("year == 2030")[["product", "premium"]]  # doctest: +SKIP
    """
    from kruispunt import premium

    cat, _, inputs = _inputs(scenarios, catalogue, data)
    costs = premium.levelised_costs(inputs, reference_capex=reference_capex)
    prem = premium.green_premium(costs)
    by_product = premium.product_premium(prem)
    return GreenPremiums(
        costs=costs,
        premiums=prem,
        by_product=by_product,
        by_site=premium.product_premium(prem, by="site"),
        end_products=premium.end_product_premium(
            by_product, cat.tables["end_products"], cat.tables["end_product_materials"]
        ),
    )


def export_gap(
    scenarios: str | Scenario | Sequence[str | Scenario] = "current-policy",
    *,
    catalogue: Catalogue | None = None,
    data: Path | str | None = None,
) -> pd.DataFrame:
    """Cost exposure of CBAM goods' extra-EU exports as free allocation phases out, per
    plant and year (:func:`kruispunt.premium.export_gap`): runs the scenarios first."""
    from kruispunt import premium

    _, _, inputs = _inputs(scenarios, catalogue, data)
    return premium.export_gap(inputs, simulate(inputs))


def compare_instruments(
    scenarios: Sequence[str | Scenario] = ("no-new-policy", "current-policy", "high-ambition"),
    *,
    reference: str = "no-new-policy",
    year: int = TARGET_YEAR,
    cumulative: bool = True,
    target_mt: float | None = None,
    deadweight: bool = False,
    catalogue: Catalogue | None = None,
    data: Path | str | None = None,
) -> pd.DataFrame:
    """Policy packages side by side against a reference
    (:func:`kruispunt.comparison.compare_instruments`).

    Parameters
    ----------
    scenarios : sequence of str or Scenario
        The packages, the reference among them.
    reference, year, cumulative, target_mt
        As :func:`kruispunt.comparison.compare_instruments`.
    deadweight : bool
        Also run each package with each support instrument switched off and report the
        support paid for switches that happen anyway (:func:`kruispunt.analysis.deadweights`;
        five runs instead of one).
    """
    from kruispunt.analysis import deadweights
    from kruispunt.comparison import compare_instruments as compare

    cat, resolved, inputs = _inputs(list(scenarios), catalogue, data)
    results = simulate(inputs)
    dw = deadweights(cat, resolved) if deadweight else None
    return compare(
        results,
        reference,
        year=year,
        cumulative=cumulative,
        target_mt=target_mt,
        deadweight=dw,
    )
