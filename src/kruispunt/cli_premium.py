"""Commands of the green-market analyses: ``kruispunt green-premium`` and
``kruispunt compare-instruments`` (thin wrappers over :mod:`kruispunt.api`)."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from kruispunt.cli_errors import user_errors
from kruispunt.cli_options import DataOption
from kruispunt.errors import KruispuntError
from kruispunt.files import nearest_existing
from kruispunt.vocabulary import FIRST_MODEL_YEAR, LAST_MODEL_YEAR, SCENARIO

__all__ = ["compare_instruments", "green_premium"]


def _catalogue(data: Path | None):  # type: ignore[no-untyped-def]
    from kruispunt.catalogue import load_catalogue

    if data is not None and not data.is_dir():
        raise KruispuntError(f"data package folder '{data}' does not exist")
    return load_catalogue(data)


def _check_years(years: list[int]) -> None:
    """Refuse, before any run, a ``--year`` outside the model years (else: empty tables) or
    given twice (else: shown once, as if the repeat were not there)."""
    seen: set[int] = set()
    for y in years:
        if not FIRST_MODEL_YEAR <= y <= LAST_MODEL_YEAR:
            raise KruispuntError(
                f"--year {y} is outside the model years {FIRST_MODEL_YEAR}-{LAST_MODEL_YEAR}"
            )
        if y in seen:
            raise KruispuntError(f"--year {y} is given twice; give each year once")
        seen.add(y)


def _print(frame, digits: int = 1) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 40):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:,.{digits}f}"), flush=True)


@user_errors
def green_premium(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Default scenario names or scenario files. Default: current-policy.",
            show_default=False,
        ),
    ] = None,
    year: Annotated[
        list[int] | None,
        typer.Option(help="Year(s) to show (repeat the option). Default: 2030 and 2040."),
    ] = None,
    reference_capex: Annotated[
        str,
        typer.Option(
            help="Capital of the grey reference route: 'sunk' (the plant exists) or "
            "'renewal' (its reinvestment)."
        ),
    ] = "sunk",
    csv_dir: Annotated[
        Path | None,
        typer.Option(
            help="Write every table (costs, premiums, by product, by site, end products, "
            "export gap) as CSV into this folder.",
            show_default=False,
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write the HTML report here.", show_default=False),
    ] = None,
    data: DataOption = None,
) -> None:
    """Green premium per product, site and year with its breakdown, its pass-through to end
    products and the CBAM export gap (docs/greenmarket.md)."""
    from kruispunt.api import export_gap, green_premiums
    from kruispunt.cli_results import check_output_file
    from kruispunt.premium import PREMIUM_COLUMNS, exposure_years

    if reference_capex not in ("sunk", "renewal"):
        raise KruispuntError(
            f"unknown --reference-capex '{reference_capex}'; allowed: sunk, renewal"
        )
    if report is not None:
        check_output_file(report, "report")
    if csv_dir is not None:
        _check_csv_dir(csv_dir)
        from kruispunt.cli_results import check_distinct

        check_distinct(
            *((csv_dir / f"{n}.csv", f"--csv-dir's {n}.csv") for n in CSV_TABLES),
            (report, "--report"),
        )
    names = scenarios or ["current-policy"]
    years = year or [2030, 2040]
    _check_years(years)
    cat = _catalogue(data)
    from kruispunt.cli_results import check_scenario_years
    from kruispunt.scenarios import resolve

    # a scenario's own years (else: empty tables)
    check_scenario_years(resolve(names, cat.path), years, given=bool(year))
    gp = green_premiums(names, catalogue=cat, reference_capex=reference_capex)  # type: ignore[arg-type]
    gap = export_gap(names, catalogue=cat)
    bp = gp.by_product[gp.by_product["year"].isin(years)]
    print("Green premium per product [EUR2025 per unit of product; negative: cheaper]")
    _print(bp[list(PREMIUM_COLUMNS)])
    ep = gp.end_products
    tot = ep[(ep["product"] == "total") & ep["year"].isin(years)].copy()
    tot["share_pct"] = tot["share"] * 100.0
    print("\nPass-through to end products [EUR per end product; share of its price in %]")
    _print(tot[[SCENARIO, "name", "year", "premium_eur", "price", "share_pct", "missing"]], 2)
    g = exposure_years(gap)
    summary = g.groupby([SCENARIO, "product", "year"])["exposure_meur"].sum().reset_index()
    print("\nCBAM export gap [MEUR/yr]")
    _print(
        summary.pivot_table(
            index=[SCENARIO, "product"], columns="year", values="exposure_meur"
        ).reset_index(),
        1,
    )
    if csv_dir is not None:
        tables = {
            "levelised_costs": gp.costs,
            "green_premiums": gp.premiums,
            "premium_by_product": gp.by_product,
            "premium_by_site": gp.by_site,
            "end_products": gp.end_products,
            "export_gap": gap,
        }
    page: Callable[[Path], None] | None = None
    if report is not None:
        from kruispunt.playing_field import bill_table, energy_bill
        from kruispunt.reports.premium import write_premium_report

        (first,) = resolve([names[0]], cat.path)
        bills = bill_table(energy_bill(None, first, years[0], catalogue=cat))

        def page(path: Path) -> None:
            write_premium_report(
                path,
                gp.by_product,
                gp.end_products,
                gap,
                years=years,
                bills=(bills, first.name, years[0]),
            )

    def write_report() -> None:
        if report is not None and page is not None:
            from kruispunt.cli_results import write_outputs

            write_outputs((report, "report", page))

    if csv_dir is not None:  # the tables and the report: both or neither
        _write_tables(csv_dir, tables, before_move=write_report)
        print(f"tables: {csv_dir}", flush=True)
    else:
        write_report()
    if report is not None:
        print(f"report: {report}", flush=True)


@user_errors
def compare_instruments(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Packages to compare (default scenario names or scenario files), the "
            "reference among them. Default: no-new-policy current-policy high-ambition.",
            show_default=False,
        ),
    ] = None,
    reference: Annotated[
        str, typer.Option(help="Scenario abatement and extra costs are measured against.")
    ] = "no-new-policy",
    year: Annotated[
        int | None, typer.Option(help="Target year (default 2030).", show_default=False)
    ] = None,
    in_year: Annotated[
        bool,
        typer.Option(
            "--in-year",
            help="Emissions and costs of the target year only (default: summed up to it).",
        ),
    ] = False,
    target: Annotated[
        float | None,
        typer.Option(help="Reduction to reach against the reference [MtCO2].", show_default=False),
    ] = None,
    deadweight: Annotated[
        bool,
        typer.Option(
            "--deadweight",
            help="Also run every package with each support instrument off to measure the "
            "support paid for switches that happen anyway (five runs).",
        ),
    ] = False,
    csv: Annotated[
        Path | None, typer.Option(help="Write the table to this CSV file.", show_default=False)
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the HTML report here.", show_default=False)
    ] = None,
    data: DataOption = None,
) -> None:
    """Policy packages side by side: cost to government, consumers and industry, cost per
    tonne abated against a reference, production lost to imports, deadweight."""
    from kruispunt.api import compare_instruments as compare
    from kruispunt.cli_results import check_distinct, check_output_file, write_outputs

    for path, what in ((csv, "csv"), (report, "report")):
        if path is not None:
            check_output_file(path, what)
    check_distinct((csv, "--csv"), (report, "--report"))
    from kruispunt.comparison import TARGET_YEAR

    given, year = year is not None, year if year is not None else TARGET_YEAR
    _check_years([year])
    if target is not None and not (math.isfinite(target) and 0 < target <= TARGET_MAX_MT):
        raise KruispuntError(
            f"--target {target}: give a reduction in MtCO2 above 0 and at most {TARGET_MAX_MT:g}"
        )
    names = scenarios or ["no-new-policy", "current-policy", "high-ambition"]
    cat = _catalogue(data)
    from kruispunt.scenarios import resolve

    # the reference by a scenario's name or as given (a file's path)
    resolved = resolve(names, cat.path)
    named = dict(zip(names, (sc.name for sc in resolved), strict=True))
    if reference not in named and reference not in named.values():
        raise KruispuntError(
            f"--reference '{reference}' is not among the scenarios compared: "
            + ", ".join(n if n == g else f"{g} ({n})" for n, g in named.items())
        )
    reference = named.get(reference, reference)
    from kruispunt.cli_results import check_scenario_years

    check_scenario_years(resolved, [year], given)
    table = compare(
        names,
        reference=reference,
        year=year,
        cumulative=not in_year,
        target_mt=target,
        deadweight=deadweight,
        catalogue=cat,
    )
    window = table.attrs["window"]
    print(
        f"Packages against {reference}, {window[0]}-{window[1]}"
        f"{' (target year only)' if in_year else ' (summed)'}; MEUR, Mt, EUR/tCO2"
    )
    shown = table.set_index(SCENARIO).T
    with __import__("pandas").option_context("display.width", 200):
        print(shown.to_string(float_format=lambda v: f"{v:,.2f}"), flush=True)
    import pandas as pd

    from kruispunt.reports.premium import write_premium_report

    empty = pd.DataFrame(columns=[SCENARIO, "product", "year"])
    outputs: list[tuple[Path, str, Callable[[Path], object]]] = []
    if csv is not None:
        outputs.append((csv, "csv", lambda p: table.to_csv(p, index=False)))
    if report is not None:
        outputs.append(
            (report, "report", lambda p: write_premium_report(p, empty, comparison=table))
        )
    write_outputs(*outputs)  # both or neither
    if csv is not None:
        print(f"table: {csv}", flush=True)
    if report is not None:
        print(f"report: {report}", flush=True)


TARGET_MAX_MT = 1000.0
"""Largest ``compare-instruments --target`` [MtCO2]: far above any reduction the model's
plants can make, below numbers that are typing errors."""

CSV_TABLES = (
    "levelised_costs",
    "green_premiums",
    "premium_by_product",
    "premium_by_site",
    "end_products",
    "export_gap",
)
"""The tables ``green-premium --csv-dir`` writes, each as ``<name>.csv``."""


def _check_csv_dir(csv_dir: Path) -> None:
    """Before the computation: ``--csv-dir`` must be (or become) a writable folder in which no
    table's file name is taken by a folder."""
    if csv_dir.exists() and not csv_dir.is_dir():
        raise KruispuntError(f"--csv-dir '{csv_dir}' is a file, not a folder")
    probe = (
        csv_dir
        if csv_dir.is_dir()
        else next((p for p in csv_dir.absolute().parents if p.exists()), Path("/"))
    )
    if not probe.is_dir():
        raise KruispuntError(f"--csv-dir '{csv_dir}': '{probe}' is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise KruispuntError(f"--csv-dir '{csv_dir}': folder '{probe}' is not writable")
    taken = [n for n in CSV_TABLES if (csv_dir / f"{n}.csv").is_dir()]
    if taken:
        raise KruispuntError(
            f"--csv-dir '{csv_dir}': {', '.join(f'{n}.csv' for n in taken)} is a folder; "
            "the tables are written as files of those names"
        )
    from kruispunt.cli_results import _is_kind

    foreign = [
        n
        for n in CSV_TABLES
        if (csv_dir / f"{n}.csv").is_file() and not _is_kind(csv_dir / f"{n}.csv", "csv")
    ]
    if foreign:
        raise KruispuntError(
            f"--csv-dir '{csv_dir}': {', '.join(f'{n}.csv' for n in foreign)} exists and is "
            "not a CSV table, so it is not replaced; move it or give another folder"
        )


def _write_tables(
    csv_dir: Path, tables: dict[str, Any], before_move: Callable[[], None] = lambda: None
) -> None:
    """Write every table into a temporary folder beside ``csv_dir``, then move them in: an
    interrupted or failed write leaves ``csv_dir`` as it was (each file is moved whole).
    ``before_move`` runs once they are written, before they move (another output of the same
    command: if it fails, no table is moved). The folders it makes for ``csv_dir`` are
    removed again when no table reaches them."""
    made = []  # the folders of csv_dir that do not exist yet, the deepest first
    folder, there = csv_dir, nearest_existing(csv_dir)
    while folder != there:
        made.append(folder)
        folder = folder.parent
    done = False
    try:
        csv_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".tables-", dir=csv_dir) as tmp:
            for name, frame in tables.items():
                frame.to_csv(Path(tmp) / f"{name}.csv", index=False)
            before_move()
            for name in tables:
                os.replace(Path(tmp) / f"{name}.csv", csv_dir / f"{name}.csv")
        done = True
    except OSError as exc:
        raise KruispuntError(
            f"cannot write the tables to {csv_dir}: {exc.strerror or exc}"
        ) from None
    finally:
        if not done:  # only folders left empty go (a table moved in before a failure stays)
            for empty in made:
                try:
                    empty.rmdir()
                except OSError:
                    break
