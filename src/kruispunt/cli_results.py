"""Command-line commands over the results store, exports and reports.

Register them in ``kruispunt.cli``::

    app.add_typer(results_app, name="results")      # kruispunt results list|show|delete|repair
    app.command()(compare)                           # kruispunt compare RUN_A RUN_B
    app.command("export")(export)                    # kruispunt export RUN --format iamc

and call :func:`print_summary` after ``kruispunt run``. User errors (unknown run, unknown
format, unwritable output, a damaged store) print one line naming the problem and exit with
code 2. Every number comes from :mod:`kruispunt.metrics`. Read commands (``list``, ``show``,
``export``, ``compare``) open the store read-only: they never create or change it, and work
on a store the user cannot write. Outputs are checked before anything is read or computed.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kruispunt.cli_errors import user_errors
from kruispunt.cli_options import StoreOption
from kruispunt.display import compared, number
from kruispunt.errors import KruispuntError
from kruispunt.files import (
    move_into_place,
    nearest_existing,
    not_a_folder,
    output_target,
    temporary_beside,
)
from kruispunt.vocabulary import SCENARIO

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from kruispunt.results import Results
    from kruispunt.scenarios import Scenario
    from kruispunt.store import Store

__all__ = [
    "check_distinct",
    "check_output_file",
    "check_scenario_years",
    "compare",
    "export",
    "print_summary",
    "results_app",
    "write_outputs",
]


results_app = typer.Typer(
    rich_markup_mode="markdown",
    help="List, show, delete and repair stored runs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _console(stderr: bool = False) -> Console:
    """A console, new at each use: a console reads the width (``COLUMNS``) and the colour
    settings when it is made, so one kept for the process would keep the first command's."""
    from rich.console import Console

    return Console(stderr=stderr)


RunArgument = Annotated[
    str, typer.Argument(help="Run id, unique id prefix, run name or 'latest'.", show_default=False)
]


def _store(path: Path | None, *, write: bool = False) -> Store:
    """The store at ``path``: read-only unless ``write``; never created here."""
    from kruispunt.store import Store

    reader = Store(path, readonly=True)  # refuses a missing or damaged store
    return Store(reader.root) if write else reader


# --- outputs ----------------------------------------------------------------------------------


def check_output_file(path: Path, what: str) -> Path:
    """Check, writing nothing, that the file ``path`` can be written (or replaced); returns
    it (``~`` expanded). A link is checked as the file it points to, which is written.

    A missing parent folder is fine if it can be created; a folder, a special file, an
    unwritable file, or a parent that is a file or an unwritable folder are refused.

    Raises
    ------
    KruispuntError
        Naming the path and what is wrong with it.
    """
    given = path.expanduser()
    try:
        target = output_target(given)  # through a link: the file it points to is written
    except OSError as exc:  # a link into a folder that does not exist
        raise KruispuntError(f"cannot write {what} {given}: {exc.strerror or exc}") from None
    if target.is_dir():
        raise KruispuntError(
            f"cannot write {what} {target}: it is a folder; give a file name "
            f"(e.g. {target / ('report.html' if what == 'report' else 'out')})"
        )
    if target.exists():
        if not target.is_file():
            raise KruispuntError(f"cannot write {what} {target}: it is not a regular file")
        if not os.access(target, os.W_OK):
            raise KruispuntError(f"cannot write {what} {target}: the file is not writable")
        kind = _OWN_KINDS.get(what)
        if kind is not None and not _is_kind(target, kind[0]):
            raise KruispuntError(
                f"cannot write {what} {target}: the file exists and is not {kind[1]}, so it "
                "is not replaced; give a new file name, or remove it first"
            )
    _check_parent(target, what)
    return given


_OWN_KINDS: dict[str, tuple[str, str]] = {
    "report": ("html", "an HTML page"),
    "csv": ("csv", "a CSV table"),
}
"""Outputs that replace an existing file only if it is of the kind they write (a mistyped
name must not overwrite a log or a document); the exports check theirs when they write."""


def _is_kind(path: Path, kind: str) -> bool:
    """Whether the existing file ``path`` looks like an output of ``kind`` (``html`` or
    ``csv``) from its first bytes; an empty file is anything."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if not head.strip():
        return True
    if kind == "html":
        return head.lstrip().lower().startswith((b"<!doctype html", b"<html"))
    try:  # csv: text whose first line has columns
        first = head.decode("utf-8").lstrip("\ufeff").splitlines()[0]
    except (UnicodeDecodeError, IndexError):
        return False
    return "," in first and "\x00" not in first


def _check_parent(target: Path, what: str) -> None:
    parent = nearest_existing(target.parent)
    if not parent.is_dir():
        raise KruispuntError(f"cannot write {what} {target}: {not_a_folder(parent)}")
    if not os.access(parent, os.W_OK):
        raise KruispuntError(f"cannot write {what} {target}: folder {parent} is not writable")


def _check_output_folder(path: Path, what: str) -> Path:
    target = path.expanduser()
    if target.exists() and not target.is_dir():
        raise KruispuntError(
            f"cannot write {what} {target}: it is a file (this format writes a folder of parts)"
        )
    if target.is_dir() and not os.access(target, os.W_OK):
        raise KruispuntError(f"cannot write {what} {target}: the folder is not writable")
    _check_parent(target, what)
    return target


def _broken_folder(store: Path | None) -> Path:
    """Where the ``broken/`` folder of the store at ``store`` is."""
    from kruispunt.store import default_root

    return (store.expanduser() if store is not None else default_root()) / "broken"


def check_distinct(*outputs: tuple[Path | None, str]) -> None:
    """Refuse two outputs of one command that name the same file (the second would silently
    replace the first): ``(path, option)`` pairs, None for an output not asked for."""
    seen: dict[Path, str] = {}
    for path, option in outputs:
        if path is None:
            continue
        key = path.expanduser().resolve()
        if key in seen:
            raise KruispuntError(f"{seen[key]} and {option} name the same file {path}")
        seen[key] = option


def check_scenario_years(scenarios: Sequence[Scenario], years: Sequence[int], given: bool) -> None:
    """Each year in ``years`` within every scenario's own years; else a KruispuntError naming
    the year as ``--year`` (``given``) or as the command's default, the scenario, its years,
    and what to do."""
    for sc in scenarios:
        first, last = sc.levers.start_year, sc.levers.end_year
        outside = [y for y in years if not first <= y <= last]
        if outside:
            asked = f"--year {outside[0]}" if given else f"the default year {outside[0]}"
            raise KruispuntError(
                f"{asked} is outside the years of scenario '{sc.name}', {first}-{last}; "
                "give --year within them"
            )


def write_outputs(*outputs: tuple[Path, str, Callable[[Path], object]]) -> None:
    """Write each ``(path, what, write)`` output whole or not at all: ``write`` writes the
    content to the temporary file it is given, beside the target; once every one is written
    they replace their targets. On an error (a full disk, a folder that turned read-only) the
    temporary files are removed, no target is touched and the error names the output. Should
    a later rename fail after an earlier one succeeded, the earlier targets are put back as
    they were (from a hard link kept of each until the end), so the outputs are all new or
    all as before.

    Raises
    ------
    KruispuntError
        ``cannot write <what> <path>: <reason>``.
    """
    done: list[tuple[Path, Path]] = []
    kept: list[tuple[bool, Path | None]] = []  # each target: had a file, a link to it
    replaced = 0
    try:
        for path, what, write in outputs:
            target = path
            try:
                target = output_target(path)
                tmp = temporary_beside(target)
                done.append((tmp, target))
                write(tmp)
            except OSError as exc:
                raise KruispuntError(
                    f"cannot write {what} {target}: {exc.strerror or exc}"
                ) from None
        if len(done) > 1:
            kept = [_keep_old(target) for _, target in done]
        for (tmp, target), (_, what, _) in zip(done, outputs, strict=True):
            try:
                move_into_place(tmp, target)
            except OSError as exc:
                _put_back([t for _, t in done[:replaced]], kept[:replaced])
                raise KruispuntError(
                    f"cannot write {what} {target}: {exc.strerror or exc}"
                ) from None
            replaced += 1
    finally:
        for tmp, _ in done:
            with contextlib.suppress(OSError):
                tmp.unlink()
        for _, old in kept:
            if old is not None:
                with contextlib.suppress(OSError):
                    old.unlink()


def _keep_old(target: Path) -> tuple[bool, Path | None]:
    """Whether ``target`` has a file, and a hard link to it beside it to put it back with
    (None where it has none, or where it cannot be linked: such a file cannot be put back)."""
    if not target.exists():
        return False, None
    try:
        link = temporary_beside(target)
        link.unlink()
        os.link(target, link)
    except OSError:
        return True, None
    return True, link


def _put_back(targets: list[Path], kept: list[tuple[bool, Path | None]]) -> None:
    """Undo the renames over ``targets``: each old file back from its link, a target that
    was new removed (one whose old file could not be linked stays new)."""
    for target, (existed, old) in zip(targets, kept, strict=True):
        with contextlib.suppress(OSError):
            if old is not None:
                os.replace(old, target)
            elif not existed:
                target.unlink()


# --- formatting -------------------------------------------------------------------------------


def _storage_cell(peak: pd.DataFrame, scenario: str) -> str:
    """Peak CO2 storage use with the capacity and utilisation of that same year."""
    import pandas as pd

    row = peak[peak[SCENARIO] == scenario].iloc[0]
    if row["peak_year"] is None or pd.isna(row["peak_year"]):
        return "nothing stored"
    use, cap = float(row["peak_use_mtco2"]), float(row["capacity_mtco2"])
    share = number(float(row["utilisation_share"]), "fraction")
    return f"{number(use)} of {number(cap)} in {int(row['peak_year'])} ({share})"


def _fullest_cell(fullest: pd.DataFrame, results: Results, scenario: str, resource: str) -> str:
    """The pool of ``resource`` that used the most of its capacity, with that share and year
    ("none used" where no pool with a limit was used; "none with a limit" where none has
    one)."""
    from kruispunt.reports.charts import pool_label

    rows = fullest[(fullest[SCENARIO] == scenario) & (fullest["resource"] == resource)]
    if rows.empty:
        return "none with a limit"
    row = rows.iloc[0]
    if float(row["max_utilisation_share"]) == 0.0:
        return "none used"
    name = pool_label(results, str(row["pool"]), str(row["cluster"]))
    share = number(float(row["max_utilisation_share"]), "fraction")
    return f"{name} {share} ({int(row['max_utilisation_year'])})"


def print_summary(results: Results, console: Console | None = None, title: str = "Summary") -> None:
    """Print the headline table of a run (from :func:`kruispunt.metrics.key_indicators`).

    One column per scenario: direct emissions 2030/2035/2040/2050 against the industry
    targets (which cover all industry, not only the EU ETS plants the model holds),
    demand produced domestically vs imported, electricity and hydrogen demand, CO2 storage
    use against capacity and the cumulative government cash flow.
    """
    from kruispunt import metrics

    console = console or _console()
    ki = metrics.key_indicators(results)
    scenarios = [str(s) for s in ki[SCENARIO]]
    values: dict[str, dict[str, float]] = {
        s: {col: float(ki[col].iloc[i]) for col in metrics.KEY_INDICATORS}
        for i, s in enumerate(scenarios)
    }
    from rich.table import Table

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
                return number(e)
            verdict = (
                f"[green]{abs(g):.2f} under the all-industry target[/]"  # on it: 0.00, not -0.00
                if g <= 0
                else f"[red]{g:.2f} over the all-industry target[/]"
            )
            return f"{number(e)} (target {number(t)}, {verdict})"

        return cell

    def kept(y: int) -> Callable[[dict[str, float]], str]:
        return lambda v: (
            f"{number(v[f'share_kept_{y}'], 'fraction')} / "
            f"{number(v[f'share_imported_{y}'], 'fraction')}"
        )

    def demand(c: str) -> Callable[[dict[str, float]], str]:
        return lambda v: f"{number(v[f'{c}_2030_twh'])} → {number(v[f'{c}_2050_twh'])}"

    for y in metrics.KEY_YEARS:
        row(f"Direct emissions {y}, ETS plants vs all-industry target [Mt CO2/yr]", emissions(y))
    for y in (2030, 2050):
        row(f"Products in t: made here / imported {y} [share of tonnes]", kept(y))
    row("Electricity use of the routes 2030 → 2050 [TWh/yr]", demand("electricity"))
    row("Hydrogen bought 2030 → 2050 (not own electrolysers') [TWh/yr]", demand("hydrogen"))
    peak = metrics.storage_peak(results)
    table.add_row(
        "CO2 storage: peak use against that year's capacity [Mt CO2/yr]",
        *(_storage_cell(peak, s) for s in scenarios),
    )
    fullest = metrics.fullest_pools(results)
    for resource, what in (("grid", "grid for new load"), ("co2_storage", "CO2 store")):
        table.add_row(
            f"Fullest {what}: most of its capacity used (year)",
            *(_fullest_cell(fullest, results, s, resource) for s in scenarios),
        )
    row(
        "Government cash flow, cumulative [M EUR]",
        lambda v: number(v["gov_cash_flow_cumulative_meur"]),
    )
    console.print(table)


# --- results app ------------------------------------------------------------------------------


@results_app.command("list")
@user_errors
def list_runs(store: StoreOption = None) -> None:
    """List stored runs, oldest first."""
    from rich.table import Table

    from kruispunt.store import STORE_ENV, default_root

    out = _console()
    if store is None and not os.environ.get(STORE_ENV) and not default_root().exists():
        out.print(
            f"no runs yet: {default_root()} does not exist ('kruispunt run' creates it)",
            soft_wrap=True,
            markup=False,
        )
        return
    st = _store(store)
    runs = st.entries()
    if not runs:
        out.print(f"no runs in {st.root}", soft_wrap=True, markup=False)
        return
    table = Table(title=f"Runs in {st.root}", title_justify="left")
    table.add_column("run_id", no_wrap=True)
    for col in ("name", "created", "scenarios", "version", "data"):
        table.add_column(col)
    for rec in runs:
        name = rec["name"]
        table.add_row(
            str(rec["run_id"]),
            "" if name is None else str(name),
            str(rec["created"])[:19],
            ", ".join(rec["scenarios"]),
            str(rec["kruispunt_version"]),
            str(rec["data_hash"])[:12],
        )
    out.print(table)


@results_app.command("show")
@user_errors
def show(run_id: RunArgument, store: StoreOption = None) -> None:
    """Provenance, parts and summary of one run."""
    from rich.table import Table

    out = _console()
    st = _store(store)
    info = st.show(run_id)
    results = st.load(info["run_id"])  # a damaged part is named before anything is printed
    table = Table(title=f"Run {info['run_id']}", title_justify="left", show_header=False)
    table.add_column("")
    table.add_column("")
    prov = info["provenance"]
    for key, value in (
        ("name", info["name"] or ""),
        ("created", info["created"]),
        ("kruispunt version", info["kruispunt_version"]),
        ("data hash", info["data_hash"]),
        ("seed", info["seed"]),
        ("scenarios", ", ".join(info["scenarios"])),
        ("created by", prov.get("created_by") if isinstance(prov, dict) else None),
        ("dimensions", ", ".join(f"{k} {v}" for k, v in info["dims"].items())),
        ("size", f"{info['size_bytes']:,} bytes"),
        ("path", info["path"]),
    ):
        table.add_row(key, str(value))
    out.print(table)
    parts = Table(title="Parts", title_justify="left")
    for col in ("part", "file", "rows", "bytes"):
        parts.add_column(col, justify="right" if col in ("rows", "bytes") else "left")
    for p in info["parts"]:
        parts.add_row(p["part"], p["file"], f"{p['rows']:,}", f"{p['bytes']:,}")
    out.print(parts)
    print_summary(results)


@results_app.command("delete")
@user_errors
def delete(
    run_id: RunArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    store: StoreOption = None,
) -> None:
    """Delete a stored run."""
    st = _store(store, write=True)
    rid = st.resolve(run_id)
    if not yes and not typer.confirm(f"Delete run {rid}?", default=False):
        _console().print("nothing deleted")
        raise typer.Exit(1)
    st.delete(rid)
    _console().print(f"deleted {rid}", soft_wrap=True, markup=False)
    # the report ``kruispunt run`` wrote beside it (a report written elsewhere is the user's)
    report = st.report_path(rid)
    with contextlib.suppress(FileNotFoundError):
        report.unlink()
        _console().print(f"deleted its report {report}", soft_wrap=True, markup=False)


@results_app.command("repair")
@user_errors
def repair(store: StoreOption = None) -> None:
    """Rebuild the run catalogue from the runs' manifests; set broken runs aside.

    Every run folder is read whole. Runs that read are catalogued again; broken ones (a
    missing or damaged part or manifest) are moved to the store's broken/ folder, and so is
    the old catalogue. Saves and deletes that start meanwhile wait for it.
    """
    from kruispunt.store import Store

    report = Store.repair(store)
    out = _console()
    lines = [f"set aside {name}: {reason}" for name, reason in report.set_aside]
    lines += [
        f"dropped {rid}: the old catalogue listed it but its folder is missing"
        for rid in report.dropped
    ]
    if report.old_catalogue is not None:
        lines.append(f"old catalogue kept as {report.old_catalogue}")
    aside = (
        f"; {len(report.set_aside)} set aside in {_broken_folder(store)}"
        if report.set_aside
        else ""
    )
    lines.append(f"rebuilt the run catalogue: {len(report.runs)} run(s){aside}")
    if report.ensembles:
        lines.append(f"{len(report.ensembles)} ensemble(s) left as they are (ensembles/)")
    for line in lines:
        out.print(line, soft_wrap=True, markup=False, highlight=False)


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
            help="HTML report to write (default: compare-RUN_A-RUN_B.html).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Key indicators of two runs side by side, with differences, and an overlaid report.

    Each scenario of run A is compared with run B's of the same name; the others in order.
    """
    from rich.table import Table

    from kruispunt import metrics
    from kruispunt.reports.charts import aligned_scenarios
    from kruispunt.reports.html import RunMeta, write_report

    st = _store(store)
    ida, idb = st.resolve(run_a), st.resolve(run_b)
    target = check_output_file(report_path or Path(f"compare-{ida}-{idb}.html"), "report")
    a, b = st.load(ida), st.load(idb)
    # the report's site table is of one year both runs hold (the last they share)
    ya = [int(y) for y in a.dataset["year"].values]
    yb = [int(y) for y in b.dataset["year"].values]
    shared = sorted(set(ya) & set(yb))
    if not shared:
        raise KruispuntError(
            f"runs {ida} ({ya[0]}-{ya[-1]}) and {idb} ({yb[0]}-{yb[-1]}) share no model "
            "year; compare runs whose years overlap"
        )
    ka, kb = metrics.key_indicators(a), metrics.key_indicators(b)
    table = Table(title=f"A = {ida}   B = {idb}", title_justify="left")
    table.add_column("indicator")
    rows_a = {str(r[SCENARIO]): r for r in ka.to_dict("records")}
    rows_b = {str(r[SCENARIO]): r for r in kb.to_dict("records")}
    pairs = aligned_scenarios([list(rows_a), list(rows_b)])  # the same name together
    for sa, sb in pairs:
        table.add_column(f"A: {sa or '–'}", justify="right")
        table.add_column(f"B: {sb or '–'}", justify="right")
        table.add_column("B − A", justify="right")
    for label, shown, cells in compared(rows_a, rows_b, pairs, metrics.KEY_INDICATORS):
        table.add_row(f"{label} [{shown}]", *(text for cell in cells for text in cell))
    _console().print(table)
    written = write_report(
        a,
        target,
        compare_with=b,
        labels=("A", "B"),
        title="Kruispunt: run A compared with run B",
        meta=RunMeta.from_record(st.show(ida)),
        compare_meta=RunMeta.from_record(st.show(idb)),
        year=shared[-1],
    )
    print(f"report: {written}", flush=True)  # plain: never wrapped when piped


_DEFAULT_SUFFIX = {"iamc": "-iamc.csv", "csv": "-csv", "parquet": "-parquet", "netcdf": ".nc"}
_FILE_FORMATS = ("iamc", "netcdf")


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
            "default: the run id plus a suffix, in the current folder.",
            show_default=False,
        ),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Export a stored run: IAMC table, CSV or Parquet folder, or netCDF file."""
    if format not in _DEFAULT_SUFFIX:
        raise KruispuntError(
            f"unknown export format '{format}'; allowed: {', '.join(_DEFAULT_SUFFIX)}"
        )
    st = _store(store)
    rid = st.resolve(run)
    target = output or Path(f"{rid}{_DEFAULT_SUFFIX[format]}")
    if format in _FILE_FORMATS:
        check_output_file(target, "export")
    else:
        _check_output_folder(target, "export")
    from kruispunt.export import export as export_results

    written = export_results(st.load(rid), target, format)  # type: ignore[arg-type]
    _console().print(f"exported {rid} as {format}: {written}", soft_wrap=True, markup=False)
