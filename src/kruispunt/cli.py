"""Command line: thin commands over the public API. User errors exit non-zero, no traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from kruispunt.errors import DataPackageError, KruispuntError

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(help="Kruispunt: plant-level scenarios for the Dutch energy-intensive industry.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
data_app = typer.Typer(help="Inspect, validate and build the data package.", no_args_is_help=True)
app.add_typer(data_app, name="data")

out = Console()
err = Console(stderr=True)

EXIT_INVALID_DATA = 1
EXIT_USAGE = 2


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a KruispuntError into a clear message and a non-zero exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DataPackageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(EXIT_INVALID_DATA) from None
        except KruispuntError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper


def _mt(tonnes: float) -> str:
    return f"{tonnes / 1e6:,.3f}"


def _print_summary(path: Path | None, top: int) -> None:
    from kruispunt.catalogue import load_catalogue
    from kruispunt.catalogue.summary import base_year_summary

    cat = load_catalogue(path)
    s = base_year_summary(cat)
    out.print(f"[bold]Dutch energy-intensive industry, base year {s.year}[/] "
              f"(EU ETS verified emissions, data package {cat.data_hash[:12]})")
    out.print(f"National total: [bold]{_mt(s.national)} Mt CO2[/] = {s.national:,} t, "
              f"{s.n_sites} sites, {s.n_installations_included} installations included, "
              f"{s.n_installations_excluded} excluded")
    clusters = cat.clusters.set_index("cluster_id")["name"]
    sectors = cat.sectors.set_index("sector_id")["name"]
    for title, series, names in (("By cluster", s.by_cluster, clusters),
                                 ("By sector", s.by_sector, sectors)):
        table = Table(title=title, title_justify="left")
        table.add_column("")
        table.add_column("Mt CO2", justify="right")
        table.add_column("share", justify="right")
        for key, value in series.items():
            table.add_row(str(names[key]), _mt(value), f"{value / s.national:.1%}")
        out.print(table)
    table = Table(title=f"Top {top} sites", title_justify="left")
    for col, just in (("site", "left"), ("operator", "left"), ("cluster", "left"),
                      ("sector", "left"), ("inst.", "right"), ("Mt CO2", "right")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for site_id, row in s.sites.head(top).iterrows():
        table.add_row(str(site_id), str(row["operator"]), str(row["cluster_id"]),
                      str(row["sector_id"]), str(row["installations"]),
                      _mt(row["verified_emissions"]))
    out.print(table)
    excluded = ", ".join(f"{rule} {_mt(v)} Mt" for rule, v in s.excluded_by_rule.items())
    out.print(f"Excluded installations by rule ({s.year} emissions): {excluded}")


@app.command()
@user_errors
def run(
    scenarios: Annotated[list[str] | None, typer.Argument(help="Scenario names or files.")] = None,
) -> None:
    """Run scenarios (until the engine lands: print the base-year summary)."""
    _print_summary(None, top=15)


@data_app.command("summary")
@user_errors
def data_summary(
    path: Annotated[Path | None, typer.Option(help="Data package folder (default: embedded).")]
    = None,
    top: Annotated[int, typer.Option(min=1, help="How many sites to list.")] = 15,
) -> None:
    """Base-year emissions by cluster and sector, counts of sites and installations, top sites."""
    _print_summary(path, top)


@data_app.command("validate")
@user_errors
def data_validate(
    path: Annotated[Path | None, typer.Argument(help="Data package folder (default: embedded).")]
    = None,
) -> None:
    """Run every check on the embedded data package or on a copy."""
    from kruispunt.catalogue.load import default_package_path, load_catalogue

    cat = load_catalogue(path)
    n = sum(len(df) for df in cat.tables.values())
    out.print(f"OK: {path or default_package_path()} passes every check "
              f"({len(cat.tables)} tables, {n:,} rows, sha256 {cat.data_hash[:12]})")


@data_app.command("build")
@user_errors
def data_build(
    raw: Annotated[Path, typer.Option(help="Folder of vendored raw data.")] = Path("data/raw"),
    curated: Annotated[Path, typer.Option(help="Folder of curated tables.")] = Path(
        "data/curated"),
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the package.")] = Path(
        "src/kruispunt/data/package"),
) -> None:
    """Rebuild the data package from raw and curated inputs (byte for byte reproducible)."""
    from kruispunt.catalogue.build import build_package

    for folder in (raw, curated):
        if not folder.is_dir():
            raise KruispuntError(f"folder not found: {folder} (run from the repository root "
                                 "or pass --raw/--curated)")
    counts = build_package(raw, curated, out_dir)
    out.print(f"built {out_dir}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def main() -> None:
    """Entry point of the ``kruispunt`` command."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
