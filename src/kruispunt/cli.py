"""Command line: thin commands over the public API. User errors exit non-zero, no traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.table import Table

from kruispunt.cli_errors import user_errors
from kruispunt.errors import KruispuntError

app = typer.Typer(
    help="Kruispunt: plant-level scenarios for the Dutch energy-intensive industry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Inspect, validate and build the data package.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def _version(value: bool) -> None:
    if value:
        from kruispunt import __version__

        out.print(f"kruispunt {__version__}")
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


def _register_serve_command() -> None:
    from kruispunt.dashboard.command import serve

    app.command()(serve)


_register_serve_command()

out = Console()
err = Console(stderr=True)


def _mt(tonnes: float) -> str:
    return f"{tonnes / 1e6:,.3f}"


def _print_summary(path: Path | None, top: int) -> None:
    from kruispunt.catalogue import load_catalogue
    from kruispunt.catalogue.summary import base_year_summary

    cat = load_catalogue(path)
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
    table.add_column("site")
    table.add_column("cluster")
    table.add_column("sector")
    table.add_column("inst.", justify="right")
    table.add_column("Mt CO2", justify="right")
    for _, row in s.sites.head(top).iterrows():
        table.add_row(
            str(row["name"]),
            str(row["cluster_id"]),
            str(row["sector_id"]),
            str(row["installations"]),
            _mt(row["verified_emissions"]),
        )
    out.print(table)
    excluded = ", ".join(f"{rule} {_mt(v)} Mt" for rule, v in s.excluded_by_rule.items())
    out.print(f"Excluded installations by rule ({s.year} emissions): {excluded}")


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
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="Results store folder (default: $KRUISPUNT_STORE or the user data folder).",
            show_default=False,
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Where to write the HTML report (default: next to the run in the store).",
            show_default=False,
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="A name for the stored run.")] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Data package folder (default: embedded).", show_default=False),
    ] = None,
) -> None:
    """Run scenarios, store the results, write a report and print the summary."""
    from rich.progress import Progress

    from kruispunt.assemble import build_inputs
    from kruispunt.catalogue import load_catalogue
    from kruispunt.cli_results import print_summary
    from kruispunt.engine.simulate import simulate
    from kruispunt.reports import RunMeta, write_report
    from kruispunt.scenarios import resolve
    from kruispunt.store import Store

    names = scenarios or ["current-policy"]
    cat = load_catalogue(data)
    resolved = resolve(names, cat.path)  # every scenario error surfaces before any work
    inputs = build_inputs(cat, resolved)
    target = Store(store)
    if len(resolved) > 1:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("running scenarios", total=len(resolved))
            results = simulate(
                inputs, progress=lambda done, total: bar.update(task, completed=done)
            )
    else:
        results = simulate(inputs)
    run_id = target.save(results, name=name)
    report_path = report if report is not None else target.root / "reports" / f"{run_id}.html"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    write_report(results, report_path, meta=RunMeta.from_record(target.show(run_id)))
    print_summary(results, out, title=f"Run {run_id}")
    # plain prints: a path must not be wrapped over lines when the output is piped
    print(f"stored as {run_id} in {target.root}", flush=True)
    print(f"report: {report_path}", flush=True)


@data_app.command("summary")
@user_errors
def data_summary(
    path: Annotated[
        Path | None, typer.Option(help="Data package folder (default: embedded).")
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="How many sites to list.")] = 15,
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
    """Run every check on the embedded data package or on a copy."""
    from kruispunt.catalogue.load import default_package_path, load_catalogue

    cat = load_catalogue(path)
    n = sum(len(df) for df in cat.tables.values())
    out.print(
        f"OK: {path or default_package_path()} passes every check "
        f"({len(cat.tables)} tables, {n:,} rows, sha256 {cat.data_hash[:12]})"
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

    for folder in (raw, curated):
        if not folder.is_dir():
            raise KruispuntError(
                f"folder not found: {folder} (run from the repository root or pass --raw/--curated)"
            )
    counts = build_package(raw, curated, out_dir)
    out.print(f"built {out_dir}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def main() -> None:
    """Entry point of the ``kruispunt`` command."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
