"""Command line: thin commands over the public API. User errors exit 2, no traceback.

Everything heavy is imported inside the command that needs it, so ``kruispunt --version``
and ``kruispunt --help`` load neither pandas nor xarray.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from kruispunt.cli_errors import user_errors
from kruispunt.cli_options import DataOption, StoreOption, check_data_folder
from kruispunt.errors import KruispuntError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from rich.console import Console

    from kruispunt.catalogue import Catalogue
    from kruispunt.catalogue.raw import RawPackage
    from kruispunt.errors import Problem
    from kruispunt.inputs import ModelInputs
    from kruispunt.scenarios import Scenario


app = typer.Typer(
    rich_markup_mode="markdown",
    help="Kruispunt: plant-level scenarios for the Dutch energy-intensive industry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Inspect, validate and build the data package.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")


def _out() -> Console:
    """A console on stdout, new at each use: a console reads the width (``COLUMNS``) and the
    colour settings when it is made, so one kept for the process would keep the first
    command's (in-process callers such as tests run many commands)."""
    from rich.console import Console

    return Console()


def _err() -> Console:
    """A console on stderr, new at each use (see :func:`_out`)."""
    from rich.console import Console

    return Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        from kruispunt import __version__

        print(f"kruispunt {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Kruispunt: plant-level scenarios for the Dutch energy-intensive industry."""


def _register_results_commands() -> None:
    from kruispunt.cli_results import compare, export, results_app

    app.add_typer(results_app, name="results")
    app.command()(compare)
    app.command("export")(export)


_register_results_commands()


def _register_premium_commands() -> None:
    from kruispunt.cli_premium import compare_instruments, green_premium

    app.command("green-premium")(green_premium)
    app.command("compare-instruments")(compare_instruments)


_register_premium_commands()


def _register_explore_commands() -> None:
    from kruispunt.uncertainty.cli import explore_app

    app.add_typer(explore_app, name="explore")


_register_explore_commands()


def _register_serve_command() -> None:
    from kruispunt.dashboard.command import serve

    app.command()(serve)


_register_serve_command()


def _mt(tonnes: float) -> str:
    return f"{tonnes / 1e6:,.3f}"


def _print_summary(path: Path | None, top: int) -> None:
    from rich.table import Table

    from kruispunt.catalogue import load_catalogue
    from kruispunt.catalogue.summary import base_year_summary

    out = _out()
    cat = load_catalogue(check_data_folder(path))
    s = base_year_summary(cat)
    out.print(
        f"[bold]Dutch energy-intensive industry, base year {s.year}[/] "
        f"(EU ETS verified emissions, data package {cat.data_hash[:12]})"
    )
    out.print(
        f"National total: [bold]{_mt(s.national)} Mt CO2[/] = {s.national:,} t, "
        f"{s.n_sites} sites, {s.n_installations_included} installations included, "
        f"{s.n_installations_excluded} excluded"
    )
    clusters = cat.clusters.set_index("cluster_id")["name"]
    sectors = cat.sectors.set_index("sector_id")["name"]
    for title, series, names in (
        ("By cluster", s.by_cluster, clusters),
        ("By sector", s.by_sector, sectors),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column("")
        table.add_column("Mt CO2", justify="right")
        table.add_column("share", justify="right")
        for key, value in series.items():
            table.add_row(str(names[cast(str, key)]), _mt(value), f"{value / s.national:.1%}")
        out.print(table)
    table = Table(title=f"Top {top} sites", title_justify="left")
    table.add_column("id")  # what explain and energy-bill take
    table.add_column("site")
    table.add_column("cluster")
    table.add_column("sector")
    table.add_column("inst.", justify="right")
    table.add_column("Mt CO2", justify="right")
    for site_id, row in s.sites.head(top).iterrows():
        table.add_row(
            str(site_id),
            str(row["name"]),
            str(row["cluster_id"]),
            str(row["sector_id"]),
            str(row["installations"]),
            _mt(row["verified_emissions"]),
        )
    out.print(table)
    excluded = ", ".join(f"{rule} {_mt(v)} Mt" for rule, v in s.excluded_by_rule.items())
    out.print(f"Excluded installations by rule ({s.year} emissions): {excluded}")


def _assemble(cat: Catalogue, scenarios: Sequence[Scenario], folder: Path) -> ModelInputs:
    """The engine's inputs for ``scenarios`` on the package in ``folder``.

    A package can pass every check of its tables and still lack what only the assembly asks
    for (a policy parameter an instrument needs, say): that is named with the package, as
    ``data validate`` names it.
    """
    from kruispunt.assemble import build_inputs
    from kruispunt.errors import DataPackageError
    from kruispunt.scenarios import ScenarioError

    try:
        return build_inputs(cat, scenarios)
    except (ScenarioError, DataPackageError):
        raise
    except KruispuntError as exc:
        names = ", ".join(sc.name for sc in scenarios)
        raise KruispuntError(
            f"data package {folder} passes its checks but cannot run {names}: {exc}"
        ) from None


@app.command()
@user_errors
def run(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Default scenario names (current-policy, no-new-policy, high-ambition) or YAML "
            "scenario files. Default: current-policy.",
            show_default=False,
        ),
    ] = None,
    store: StoreOption = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Where to write the HTML report (default: next to the run in the store).",
            show_default=False,
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="A name for the stored run.")] = None,
    data: DataOption = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Check the scenarios, the data package, the name, the store and the report "
            "path, assemble the inputs, then stop: nothing is run or written.",
        ),
    ] = False,
) -> None:
    """Run scenarios, store the results, write a report and print the summary.

    Every input and every output is checked before the model runs, and the run enters the
    store only once its report is written: a failure leaves the store as it was.
    """
    from kruispunt.cli_results import check_output_file
    from kruispunt.files import move_into_place, output_target, temporary_beside
    from kruispunt.scenarios import catalogue_ids, check_ids, resolve
    from kruispunt.store import check_can_write, check_run_name

    names = scenarios or ["current-policy"]
    check_run_name(name)
    if report is not None:
        check_output_file(report, "report")
    package = check_data_folder(data)
    resolved = resolve(names, package)  # every scenario error surfaces before any work
    root = check_can_write(store)
    from kruispunt.catalogue import load_catalogue

    cat = load_catalogue(data)
    for sc in resolved:
        check_ids(sc, **catalogue_ids(cat))
    inputs = _assemble(cat, resolved, package)
    if dry_run:
        _out().print(
            f"OK: {', '.join(sc.name for sc in resolved)} on data package {cat.data_hash[:12]}; "
            f"results store {root}; nothing was run or written (--dry-run)",
            soft_wrap=True,
            markup=False,
        )
        return

    from rich.progress import Progress

    from kruispunt.cli_results import print_summary
    from kruispunt.engine.simulate import simulate
    from kruispunt.reports import RunMeta, write_report
    from kruispunt.store import Store

    if len(resolved) > 1:
        with Progress(console=_err(), transient=True) as bar:
            task = bar.add_task("running scenarios", total=len(resolved))
            results = simulate(
                inputs, progress=lambda done, total: bar.update(task, completed=done)
            )
    else:
        results = simulate(inputs)
    target = Store(root)
    staged: list[Path] = []  # the report as written before the run is stored

    def write_outputs(run_id: str) -> None:
        from datetime import UTC, datetime

        meta = RunMeta(run_id, datetime.now(UTC).isoformat(timespec="seconds"), name)
        # a report that cannot be written is named as the report, not as the store (the
        # store wraps every OSError of a save as "cannot save run")
        where = target.report_path(run_id) if report is None else report.expanduser()
        try:
            if report is None:  # the store's report of the new run: a new file in the store
                staged.append(write_report(results, where, meta=meta))
            else:  # --report replaces its file only once the run is stored: a failure keeps it
                staged.append(temporary_beside(output_target(report)))
                write_report(results, staged[-1], meta=meta)
        except OSError as exc:
            raise KruispuntError(
                f"cannot write report {where}: {exc.strerror or exc}; the run is not stored"
            ) from None

    try:
        run_id = target.save(results, name=name, before_commit=write_outputs)
        shown = staged[-1]
        if report is not None:
            shown = report.expanduser()
            final = output_target(report)
            try:
                move_into_place(staged[-1], final)
            except OSError as exc:
                raise KruispuntError(
                    f"run {run_id} is stored in {target.root}, but its report could not be "
                    f"written to {report}: {exc.strerror or exc}"
                ) from None
    except BaseException:
        for path in staged:  # the store's report of a run not stored, or --report's draft
            path.unlink(missing_ok=True)
        raise
    print_summary(results, _out(), title=f"Run {run_id}")
    # plain prints: a path must not be wrapped over lines when the output is piped
    print(f"stored as {run_id} in {target.root}", flush=True)
    print(f"report: {shown}", flush=True)


@app.command()
@user_errors
def explain(
    site: Annotated[
        str, typer.Argument(help="Site id (`kruispunt data summary --top N` lists them).")
    ],
    scenario: Annotated[
        str,
        typer.Option(help="Default scenario name or scenario file."),
    ] = "current-policy",
    year: Annotated[
        int | None,
        typer.Option(
            help="Decision year (default: the first year one of the site's plants decides to "
            "switch, else the first model year).",
            show_default=False,
        ),
    ] = None,
    data: DataOption = None,
    csv: Annotated[
        Path | None,
        typer.Option(help="Also write the options table to this CSV file.", show_default=False),
    ] = None,
) -> None:
    """Why a site chose what it chose: every option's value term by term, its feasibility
    and the reason it was or was not taken (docs/model.md)."""
    from kruispunt.cli_results import check_output_file, check_scenario_years, write_outputs

    if csv is not None:
        check_output_file(csv, "csv")
    package = check_data_folder(data)
    from kruispunt.scenarios import resolve

    (resolved,) = resolve([scenario], package)
    if year is not None:
        check_scenario_years([resolved], [year], given=True)
    from kruispunt.catalogue import load_catalogue
    from kruispunt.explain import explain as run_explain

    cat = load_catalogue(data)
    result = run_explain(site, resolved, year, catalogue=cat)
    print(result.to_text(), flush=True)
    if csv is not None:
        write_outputs((csv, "csv", lambda p: result.options.to_csv(p, index=False)))
        print(f"options: {csv}", flush=True)


@app.command("energy-bill")
@user_errors
def energy_bill(
    sites: Annotated[
        list[str] | None,
        typer.Argument(help="Site ids (default: the biggest sites by base-year emissions)."),
    ] = None,
    scenario: Annotated[
        str, typer.Option(help="Default scenario name or scenario file.")
    ] = "current-policy",
    year: Annotated[
        int | None,
        typer.Option(help="Model year of prices and rates (default 2025).", show_default=False),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="How many sites without SITES.")] = 5,
    data: DataOption = None,
    csv: Annotated[
        Path | None,
        typer.Option(help="Also write the bill by component to this CSV file.", show_default=False),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Also write the bill table as an HTML page here.", show_default=False),
    ] = None,
) -> None:
    """A site's energy bill in NL against BE, DE and FR for the same consumption: commodity,
    energy tax, network tariff and indirect-cost compensation (docs/model.md)."""
    from kruispunt.cli_results import (
        check_distinct,
        check_output_file,
        check_scenario_years,
        write_outputs,
    )

    if csv is not None:
        check_output_file(csv, "csv")
    if report is not None:
        check_output_file(report, "report")
    check_distinct((csv, "--csv"), (report, "--report"))
    twice = sorted({s for s in sites or [] if (sites or []).count(s) > 1})
    if twice:
        named = ", ".join(repr(s) for s in twice)
        raise KruispuntError(f"site {named} given twice; give each site once")
    package = check_data_folder(data)
    from kruispunt.scenarios import resolve

    (resolved,) = resolve([scenario], package)
    from kruispunt.playing_field import BILL_YEAR

    given, year = year is not None, year if year is not None else BILL_YEAR
    check_scenario_years([resolved], [year], given)
    from kruispunt.catalogue import load_catalogue
    from kruispunt.playing_field import bill_table
    from kruispunt.playing_field import energy_bill as bill

    cat = load_catalogue(data)
    bills = bill(sites or None, resolved, year, top=top, catalogue=cat)
    table = bill_table(bills)
    print(
        f"Energy bill {year} ({resolved.name}): electricity per MWh by component [EUR/MWh], "
        "gas energy tax per MWh, whole bill and gap to NL [MEUR/yr]; reference: published "
        "total per MWh of electricity (E-Bridge for EZK, a check)",
        flush=True,
    )
    print(table.round(2).to_string(line_width=250), flush=True)
    from kruispunt.reports.premium import write_bill_report

    outputs: list[tuple[Path, str, Callable[[Path], object]]] = []
    if csv is not None:
        outputs.append((csv, "csv", lambda p: bills.to_csv(p, index=False)))
    if report is not None:
        outputs.append(
            (report, "report", lambda p: write_bill_report(p, table, resolved.name, year))
        )
    write_outputs(*outputs)  # both or neither
    if csv is not None:
        print(f"bill: {csv}", flush=True)
    if report is not None:
        print(f"report: {report}", flush=True)


@data_app.command("summary")
@user_errors
def data_summary(
    path: Annotated[
        Path | None, typer.Option(help="Data package folder (default: embedded).")
    ] = None,
    top: Annotated[
        int, typer.Option(min=1, help="How many sites to list (with their ids), biggest first.")
    ] = 15,
) -> None:
    """Base-year emissions by cluster and sector, counts of sites and installations, top sites."""
    _print_summary(path, top)


@data_app.command("validate")
@user_errors
def data_validate(
    path: Annotated[
        Path | None, typer.Argument(help="Data package folder (default: embedded).")
    ] = None,
) -> None:
    """Run every check on the embedded data package or on a copy.

    The checks cover ``datapackage.json`` (its shape, and each table's hash and row count),
    every table (types, bounds, ids, units, sources) and the default scenarios in
    ``scenarios.yaml``; last, the default scenarios' inputs are assembled, as ``run`` would.
    """
    from kruispunt.catalogue.checks import run_checks
    from kruispunt.catalogue.load import data_hash
    from kruispunt.catalogue.raw import read_raw
    from kruispunt.errors import DataPackageError
    from kruispunt.scenarios import package_problems

    folder = check_data_folder(path)
    raw = read_raw(folder)
    problems = run_checks(raw)

    def ids(table: str, column: str) -> set[str] | None:
        df = raw.tables.get(table)
        return set(df[column]) if df is not None and column in df.columns else None

    problems += package_problems(
        folder,
        carriers=ids("carriers", "carrier_id"),
        products=ids("products", "product_id"),
        routes=ids("routes", "route_id"),
    )
    if problems:
        raise DataPackageError(problems, str(folder))
    problems = _assembly_problems(raw, folder)
    if problems:
        raise DataPackageError(problems, str(folder))
    n = sum(len(df) for df in raw.tables.values())
    _out().print(
        f"OK: {folder} passes every check "
        f"({len(raw.tables)} tables, {n:,} rows, scenarios.yaml, sha256 {data_hash(folder)[:12]})",
        soft_wrap=True,
        markup=False,
    )


def _assembly_problems(raw: RawPackage, folder: Path) -> list[Problem]:
    """What stops the package's default scenarios from being assembled (``run`` would
    refuse them), once the tables and ``scenarios.yaml`` pass their checks."""
    from kruispunt.assemble import build_inputs
    from kruispunt.catalogue.load import from_checked
    from kruispunt.errors import Problem
    from kruispunt.scenarios import default_library

    cat = from_checked(raw, folder)
    library = default_library(folder)
    by_years: dict[tuple[int, int], list[Scenario]] = {}
    for name in library.names:
        sc = library.resolve(name)
        by_years.setdefault((sc.levers.start_year, sc.levers.end_year), []).append(sc)
    problems = []
    for group in by_years.values():  # scenarios run together share their years
        try:
            build_inputs(cat, group)
        except KruispuntError as exc:
            names = ", ".join(sc.name for sc in group)
            problems.append(
                Problem("build_inputs", str(folder), None, None, f"{names} cannot run: {exc}")
            )
    return problems


@data_app.command("rehash")
@user_errors
def data_rehash(
    path: Annotated[Path, typer.Argument(help="Folder of an edited copy of a data package.")],
) -> None:
    """Record the hashes and row counts of an edited copy's tables in its datapackage.json.

    The checks refuse a table whose bytes differ from the hash recorded in
    ``datapackage.json``. After editing a copy on purpose, run this, then
    ``kruispunt data validate PATH``. The embedded package is built, never edited.
    """
    from kruispunt.catalogue.build import rehash_package

    folder = check_data_folder(path)
    changed = rehash_package(folder)
    what = ", ".join(changed) if changed else "nothing changed"
    _out().print(
        f"recorded hashes and row counts in {folder / 'datapackage.json'}: {what}",
        soft_wrap=True,
        markup=False,
    )


@data_app.command("build")
@user_errors
def data_build(
    raw: Annotated[Path, typer.Option(help="Folder of vendored raw data.")] = Path("data/raw"),
    curated: Annotated[Path, typer.Option(help="Folder of curated tables.")] = Path("data/curated"),
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the package.")] = Path(
        "src/kruispunt/data/package"
    ),
) -> None:
    """Rebuild the data package from raw and curated inputs (byte for byte reproducible)."""
    from kruispunt.catalogue.build import build_package
    from kruispunt.scenarios import package_problems

    for folder in (raw, curated):
        if not folder.is_dir():
            raise KruispuntError(
                f"{'not a folder' if folder.exists() else 'folder not found'}: {folder} "
                "(run from the repository root or pass --raw/--curated)"
            )
    counts = build_package(raw, curated, out_dir, extra_checks=[package_problems])
    _out().print(f"built {out_dir}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def main() -> None:
    """Entry point of the ``kruispunt`` command."""
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except SystemExit as exc:
        # typer turns Ctrl-C into a silent exit 130 (an Exit raised from the interrupt); a
        # command that reports its own interruption raises its Exit from nothing
        context = exc.__context__
        if exc.code == 130 and isinstance(getattr(context, "__cause__", None), KeyboardInterrupt):
            print("interrupted", file=sys.stderr)
        raise
    except BrokenPipeError:  # output piped into a reader that stopped (``| head``): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
