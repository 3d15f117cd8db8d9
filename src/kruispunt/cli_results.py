"""Command-line commands over the results store, exports and reports.

Register them in ``kruispunt.cli``::

    app.add_typer(results_app, name="results")      # kruispunt results list|show|delete
    app.command()(compare)                           # kruispunt compare RUN_A RUN_B
    app.command("export")(export)                    # kruispunt export RUN --format iamc

and call :func:`print_summary` after ``kruispunt run``. User errors (unknown run, unknown
format, unwritable output) print one line naming the problem and exit with code 2.
Every number comes from :mod:`kruispunt.metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from kruispunt import metrics
from kruispunt.cli_errors import user_errors
from kruispunt.errors import KruispuntError
from kruispunt.results import Results
from kruispunt.store import Store
from kruispunt.vocabulary import SCENARIO

__all__ = ["compare", "export", "print_summary", "results_app"]


results_app = typer.Typer(
    help="List, show and delete stored runs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_out = Console()
_err = Console(stderr=True)

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Results store folder (default: $KRUISPUNT_STORE or the user data folder).",
        show_default=False,
    ),
]
RunArgument = Annotated[
    str, typer.Argument(help="Run id, unique id prefix, run name or 'latest'.", show_default=False)
]


def _store(path: Path | None) -> Store:
    return Store(path)


# --- formatting -------------------------------------------------------------------------------


def _num(value: float, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "–"
    if math.isinf(value):
        return "unlimited" if value > 0 else "−unlimited"
    if unit == "fraction":
        return f"{value:.1%}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _diff(a: float, b: float, unit: str) -> str:
    d = b - a
    if not math.isfinite(d):
        return "–"
    if unit == "fraction":
        return f"{d * 100:+.1f} pp"
    return f"{d:+,.0f}" if abs(d) >= 100 else f"{d:+,.2f}"


def _storage_cell(peak: pd.DataFrame, scenario: str) -> str:
    """Peak CO2 storage use with the capacity and utilisation of that same year."""
    row = peak[peak[SCENARIO] == scenario].iloc[0]
    if row["peak_year"] is None or pd.isna(row["peak_year"]):
        return "nothing stored"
    use, cap = float(row["peak_use_mtco2"]), float(row["capacity_mtco2"])
    share = _num(float(row["utilisation_share"]), "fraction")
    return f"{_num(use)} of {_num(cap)} in {int(row['peak_year'])} ({share})"


def print_summary(results: Results, console: Console | None = None, title: str = "Summary") -> None:
    """Print the headline table of a run (from :func:`kruispunt.metrics.key_indicators`).

    One column per scenario: direct emissions 2030/2035/2040/2050 against the industry
    targets (which cover all industry, not only the EU ETS plants the model holds),
    demand produced domestically vs imported, electricity and hydrogen demand, CO2 storage
    use against capacity and the cumulative government cash flow.
    """
    console = console or _out
    ki = metrics.key_indicators(results)
    scenarios = [str(s) for s in ki[SCENARIO]]
    values: dict[str, dict[str, float]] = {
        s: {col: float(ki[col].iloc[i]) for col in metrics.KEY_INDICATORS}
        for i, s in enumerate(scenarios)
    }
    table = Table(title=title, title_justify="left")
    table.add_column("indicator")
    for s in scenarios:
        table.add_column(s, justify="right")

    def row(label: str, cell: Callable[[dict[str, float]], str]) -> None:
        table.add_row(label, *(cell(values[s]) for s in scenarios))

    def emissions(y: int) -> Callable[[dict[str, float]], str]:
        def cell(v: dict[str, float]) -> str:
            e, t, g = (v[f"{k}_{y}_mtco2"] for k in ("emissions", "target", "gap"))
            if math.isnan(t):
                return _num(e)
            verdict = (
                f"[green]{-g:.2f} under the all-industry target[/]"
                if g <= 0
                else f"[red]{g:.2f} over the all-industry target[/]"
            )
            return f"{_num(e)} (target {_num(t)}, {verdict})"

        return cell

    def kept(y: int) -> Callable[[dict[str, float]], str]:
        return lambda v: (
            f"{_num(v[f'share_kept_{y}'], 'fraction')} / "
            f"{_num(v[f'share_imported_{y}'], 'fraction')}"
        )

    def demand(c: str) -> Callable[[dict[str, float]], str]:
        return lambda v: f"{_num(v[f'{c}_2030_twh'])} → {_num(v[f'{c}_2050_twh'])}"

    for y in metrics.KEY_YEARS:
        row(f"Direct emissions {y}, ETS plants vs all-industry target [Mt CO2/yr]", emissions(y))
    for y in (2030, 2050):
        row(f"Products in t: made here / imported {y} [share of tonnes]", kept(y))
    for carrier in ("electricity", "hydrogen"):
        row(f"{carrier.capitalize()} demand 2030 → 2050 [TWh/yr]", demand(carrier))
    peak = metrics.storage_peak(results)
    table.add_row(
        "CO2 storage: peak use against that year's capacity [Mt CO2/yr]",
        *(_storage_cell(peak, s) for s in scenarios),
    )
    row(
        "Government cash flow, cumulative [M EUR]",
        lambda v: _num(v["gov_cash_flow_cumulative_meur"]),
    )
    console.print(table)


# --- results app ------------------------------------------------------------------------------


@results_app.command("list")
@user_errors
def list_runs(store: StoreOption = None) -> None:
    """List stored runs, oldest first."""
    st = _store(store)
    runs = st.list()
    if runs.empty:
        _out.print(f"no runs in {st.root}")
        return
    table = Table(title=f"Runs in {st.root}", title_justify="left")
    table.add_column("run_id", no_wrap=True)
    for col in ("name", "created", "scenarios", "version", "data"):
        table.add_column(col)
    for rec in runs.to_dict("records"):
        name = rec["name"]
        table.add_row(
            str(rec["run_id"]),
            "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name),
            str(rec["created"])[:19],
            str(rec["scenarios"]),
            str(rec["kruispunt_version"]),
            str(rec["data_hash"])[:12],
        )
    _out.print(table)


@results_app.command("show")
@user_errors
def show(run_id: RunArgument, store: StoreOption = None) -> None:
    """Provenance, parts and summary of one run."""
    st = _store(store)
    info = st.show(run_id)
    table = Table(title=f"Run {info['run_id']}", title_justify="left", show_header=False)
    table.add_column("")
    table.add_column("")
    prov = info["provenance"]
    for key, value in (
        ("name", info["name"]),
        ("created", info["created"]),
        ("kruispunt version", info["kruispunt_version"]),
        ("data hash", info["data_hash"]),
        ("seed", info["seed"]),
        ("scenarios", ", ".join(info["scenarios"])),
        ("created by", prov.get("created_by")),
        ("dimensions", ", ".join(f"{k} {v}" for k, v in info["dims"].items())),
        ("size", f"{info['size_bytes']:,} bytes"),
        ("path", info["path"]),
    ):
        table.add_row(key, str(value))
    _out.print(table)
    parts = Table(title="Parts", title_justify="left")
    for col in ("part", "file", "rows", "bytes"):
        parts.add_column(col, justify="right" if col in ("rows", "bytes") else "left")
    for p in info["parts"]:
        parts.add_row(p["part"], p["file"], f"{p['rows']:,}", f"{p['bytes']:,}")
    _out.print(parts)
    print_summary(st.load(info["run_id"]))


@results_app.command("delete")
@user_errors
def delete(
    run_id: RunArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    store: StoreOption = None,
) -> None:
    """Delete a stored run."""
    st = _store(store)
    rid = st.resolve(run_id)
    if not yes and not typer.confirm(f"Delete run {rid}?", default=False):
        _out.print("nothing deleted")
        raise typer.Exit(1)
    st.delete(rid)
    _out.print(f"deleted {rid}")


# --- compare and export -----------------------------------------------------------------------


@user_errors
def compare(
    run_a: Annotated[
        str, typer.Argument(help="First run (id, prefix, name or 'latest').", show_default=False)
    ],
    run_b: Annotated[str, typer.Argument(help="Second run.", show_default=False)],
    store: StoreOption = None,
    report_path: Annotated[
        Path | None,
        typer.Option(
            "--report",
            "--report-path",
            help="HTML report to write (default: compare-<a>-<b>.html).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Key indicators of two runs side by side, with differences, and an overlaid report."""
    from kruispunt.reports.html import RunMeta, write_report

    st = _store(store)
    ida, idb = st.resolve(run_a), st.resolve(run_b)
    a, b = st.load(ida), st.load(idb)
    ka, kb = metrics.key_indicators(a), metrics.key_indicators(b)
    table = Table(title=f"A = {ida}   B = {idb}", title_justify="left")
    table.add_column("indicator")
    pairs = list(range(max(len(ka), len(kb))))
    for i in pairs:
        sa = ka[SCENARIO].iloc[i] if i < len(ka) else "–"
        sb = kb[SCENARIO].iloc[i] if i < len(kb) else "–"
        table.add_column(f"A: {sa}", justify="right")
        table.add_column(f"B: {sb}", justify="right")
        table.add_column("B − A", justify="right")
    for col, (label, unit) in metrics.KEY_INDICATORS.items():
        cells = []
        for i in pairs:
            va = float(ka[col].iloc[i]) if i < len(ka) else math.nan
            vb = float(kb[col].iloc[i]) if i < len(kb) else math.nan
            cells += [_num(va, unit), _num(vb, unit), _diff(va, vb, unit)]
        shown = "%" if unit == "fraction" else unit
        table.add_row(f"{label} [{shown}]", *cells)
    _out.print(table)
    target = report_path or Path(f"compare-{ida}-{idb}.html")
    written = write_report(
        a,
        target,
        compare_with=b,
        labels=("A", "B"),
        title="Kruispunt: run A compared with run B",
        meta=RunMeta.from_record(st.show(ida)),
        compare_meta=RunMeta.from_record(st.show(idb)),
    )
    print(f"report: {written}", flush=True)  # plain: never wrapped when piped


_DEFAULT_SUFFIX = {"iamc": "-iamc.csv", "csv": "-csv", "parquet": "-parquet", "netcdf": ".nc"}


@user_errors
def export(
    run: RunArgument,
    format: Annotated[
        str, typer.Option("--format", "-f", help="iamc, csv, parquet or netcdf.")
    ] = "iamc",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File (iamc, netcdf) or folder (csv, parquet); "
            "default: <run id> plus a suffix, in the current folder.",
            show_default=False,
        ),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Export a stored run: IAMC table, CSV or Parquet folder, or netCDF file."""
    from kruispunt.export import FORMATS
    from kruispunt.export import export as export_results

    if format not in FORMATS:
        raise KruispuntError(f"unknown export format '{format}'; allowed: {', '.join(FORMATS)}")
    st = _store(store)
    rid = st.resolve(run)
    target = output or Path(f"{rid}{_DEFAULT_SUFFIX[format]}")
    written = export_results(st.load(rid), target, format)  # type: ignore[arg-type]
    _out.print(f"exported {rid} as {format}: {written}")
