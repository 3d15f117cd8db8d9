"""``kruispunt explore``: run, merge, list and analyse ensembles over deep uncertainty."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kruispunt.cli_errors import user_errors
from kruispunt.cli_options import StoreOption
from kruispunt.errors import KruispuntError
from kruispunt.limits import ENSEMBLE_MAX_FUTURES, ENSEMBLE_MAX_SEED, ENSEMBLE_MAX_WORKERS

explore_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Ensembles over deep uncertainty: robustness, scenario discovery, sensitivity "
    "(docs/robustness.md).",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)


def _parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise KruispuntError(f"--shard '{text}': expected i/N, e.g. 0/2") from None
    if not (n >= 1 and 0 <= i < n):
        raise KruispuntError(f"--shard '{text}': need 0 <= i < N")
    return i, n


def _root(store: Path | None) -> Path:
    from kruispunt.store import default_root

    return Path(store) if store is not None else default_root()


def _find(ref: str, store: Path | None) -> Path:
    from kruispunt.store import ENSEMBLES_DIR

    path = Path(ref)
    if (path / "manifest.json").is_file():
        return path
    candidate = _root(store) / ENSEMBLES_DIR / ref
    if (candidate / "manifest.json").is_file():
        return candidate
    raise KruispuntError(
        f"unknown ensemble '{ref}': neither a folder with manifest.json nor an ensemble in "
        f"{_root(store) / ENSEMBLES_DIR} (see 'kruispunt explore list')"
    )


def _print_analysis(store: Path | None, folder: Path, report: Path | None) -> None:
    from kruispunt.reports.robustness import write_robustness_report
    from kruispunt.store import Ensemble
    from kruispunt.uncertainty.analysis import analyse

    path = report or _default_report(store, folder.name)
    _check_report(path)  # before the analysis, which takes a while on a large ensemble
    ens = Ensemble(folder)
    a = analyse(ens)
    if not a.complete:
        err.print(
            f"note: {folder.name} is incomplete: {a.n_futures} of {a.n_design} futures "
            "finished; the analysis covers those only (run the same 'kruispunt explore run' "
            "again to finish it, or merge its shards)"
        )
    table = Table(title="Most robust package per outcome", title_justify="left")
    for c in ("outcome", "package", "criterion"):
        table.add_column(c)
    for _, row in a.most_robust.iterrows():
        table.add_row(str(row["outcome"]), str(row["package"]), str(row["criterion"]))
    out.print(table)
    for case, found in (("missing", a.prim), ("meeting", a.prim_met)):
        for outcome, boxes in found.items():
            for pkg, res in boxes.items():
                out.print(f"PRIM, {pkg} {case} {outcome}: {res.describe()}")
    try:
        write_robustness_report(a, path)
    except OSError as exc:  # the path passed its check; the ensemble stays as stored
        raise KruispuntError(
            f"cannot write report {path}: {exc.strerror or exc}; the ensemble is stored "
            f"in {folder}: write its report with 'kruispunt explore analyse {folder} "
            "--report PATH'"
        ) from None
    out.print(f"robustness report: {path}")


def _default_report(store: Path | None, ensemble_id: str) -> Path:
    """Where the robustness report of an ensemble goes without ``--report``."""
    return _root(store) / "reports" / f"{ensemble_id}-robustness.html"


def _check_report(report: Path | None) -> None:
    """Refuse a report path that cannot be written before any work is done (the run's
    batches, the analysis)."""
    if report is not None:
        from kruispunt.cli_results import check_output_file

        check_output_file(report, "report")


@explore_app.command("run")
@user_errors
def run(
    spec: Annotated[
        Path | None,
        typer.Argument(help="Uncertainty specification (YAML). Default: the packaged one."),
    ] = None,
    sampler: Annotated[
        str | None,
        typer.Option(help="lhs, sobol, random, saltelli or morris (default: the spec's)."),
    ] = None,
    n: Annotated[
        int | None,
        typer.Option(
            "--n",
            min=1,
            max=ENSEMBLE_MAX_FUTURES,
            help="Futures (saltelli: base samples; morris: trajectories).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=ENSEMBLE_MAX_SEED, help="Root seed (default: the spec's)."),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            min=1, help="Futures per batch (default 64); each package's run together in the engine."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=ENSEMBLE_MAX_WORKERS, help="Worker processes (default: every core)."
        ),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a Dask scheduler to run the batches on.")
    ] = None,
    shard: Annotated[
        str | None, typer.Option(help="Run only shard i of N (i/N); merge the shards after.")
    ] = None,
    store: StoreOption = None,
    name: Annotated[str | None, typer.Option(help="Ensemble id (default: derived).")] = None,
    keep_full: Annotated[
        int, typer.Option(min=0, help="Also store full results of the first K futures.")
    ] = 0,
    report: Annotated[
        Path | None, typer.Option(help="Where to write the robustness report.", show_default=False)
    ] = None,
) -> None:
    """Run (or resume) an ensemble, streaming each batch to the store; then analyse it."""
    _check_report(report)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from kruispunt.store import check_can_write
    from kruispunt.uncertainty.backends import Backend, Dask, Processes, Sequential
    from kruispunt.uncertainty.run import DEFAULT_BATCH_FUTURES, explore, plan
    from kruispunt.uncertainty.sampling import METHODS
    from kruispunt.uncertainty.spec import load_spec

    if sampler is not None and sampler not in METHODS:
        raise KruispuntError(f"--sampler '{sampler}': allowed {', '.join(METHODS)}")
    if scheduler is not None and workers is not None:
        raise KruispuntError(
            "--workers and --scheduler: give one (the Dask scheduler's workers run the batches)"
        )
    loaded = load_spec(spec)
    # the store first: drawing the design of millions of futures takes minutes and gigabytes
    check_can_write(store)
    try:
        p = plan(
            loaded,
            method=sampler,
            n=n,
            seed=seed,
            batch_size=DEFAULT_BATCH_FUTURES if batch_size is None else batch_size,
            shard=_parse_shard(shard),
            name=name,
        )
    except MemoryError:
        raise KruispuntError(
            f"not enough memory to draw the design of --n {n} futures; give a smaller --n, or "
            "run it in shards (--shard i/N) on machines with more memory"
        ) from None
    if report is None and p.shard is None:  # the default report, before any batch runs
        _check_report(_default_report(store, p.ensemble_id))
    backend: Backend
    if scheduler is not None:
        backend = Dask(scheduler)
    elif workers == 1:
        backend = Sequential()
    else:
        backend = Processes(workers)
    out.print(
        f"ensemble [bold]{p.ensemble_id}[/]: {p.n_futures} futures x {len(p.packages.names)} "
        f"packages, {len(p.batches)} of {p.n_batches} batches of {p.batch_size}"
    )
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn())
    finished = [0]

    def progress(done: int, total: int) -> None:
        finished[0] = done
        bar.update(task, completed=done, total=total)

    try:
        with Progress(*columns, TimeRemainingColumn(), console=err, transient=True) as bar:
            task = bar.add_task("batches", total=len(p.batches))
            summary = explore(
                p, backend=backend, store_root=store, keep_full=keep_full, progress=progress
            )
    except KeyboardInterrupt:
        err.print(
            f"interrupted: {finished[0]} of {len(p.batches)} batches are finished and kept; "
            "run the same command again to resume",
            soft_wrap=True,
            markup=False,
        )
        raise typer.Exit(130) from None
    out.print(
        f"ran {summary.ran} batches ({summary.skipped} already finished), stored in "
        f"{summary.ensemble.folder}"
    )
    if p.shard is not None:
        out.print("shard done; combine the shards with 'kruispunt explore merge'")
        return
    _print_analysis(store, summary.ensemble.folder, report)


@explore_app.command("merge")
@user_errors
def merge(
    shards: Annotated[list[str], typer.Argument(help="Shard folders or ensemble ids.")],
    store: StoreOption = None,
    report: Annotated[
        Path | None, typer.Option(help="Where to write the robustness report.", show_default=False)
    ] = None,
) -> None:
    """Combine the shards of one ensemble into a complete ensemble, then analyse it."""
    _check_report(report)
    from kruispunt.store import ENSEMBLES_DIR, Ensemble, merge_ensembles

    parts = [Ensemble(_find(s, store)) for s in shards]
    merged = merge_ensembles(parts, _root(store) / ENSEMBLES_DIR)
    out.print(f"merged {len(parts)} shards into {merged.folder}")
    _print_analysis(store, merged.folder, report)


@explore_app.command("analyse")
@user_errors
def analyse_cmd(
    ensemble: Annotated[str, typer.Argument(help="Ensemble folder or id.")],
    store: StoreOption = None,
    report: Annotated[
        Path | None, typer.Option(help="Where to write the robustness report.", show_default=False)
    ] = None,
) -> None:
    """Robustness, PRIM and sensitivity of a stored ensemble; writes the report."""
    _check_report(report)
    _print_analysis(store, _find(ensemble, store), report)


@explore_app.command("list")
@user_errors
def list_cmd(store: StoreOption = None) -> None:
    """Stored ensembles and how many of their batches are finished."""
    from kruispunt.store import ENSEMBLES_DIR, Ensemble, ensemble_folders, require_store_folder

    root = _root(store).expanduser()
    require_store_folder(root, creates="'kruispunt explore run'")
    found = ensemble_folders(root / ENSEMBLES_DIR)
    if not found:
        out.print(f"no ensembles in {root / ENSEMBLES_DIR} ('kruispunt explore run' makes one)")
        return
    table = Table()
    for c in ("ensemble", "futures", "batches done", "complete"):
        table.add_column(c)
    unreadable = []
    for folder in found:
        try:
            e = Ensemble(folder)
        except KruispuntError as exc:  # listed, not hiding the others
            table.add_row(folder.name, "", "", "cannot be read")
            unreadable.append(str(exc))
            continue
        shard = e.manifest.get("shard")
        state = "yes" if e.complete else "no"
        if shard:  # a shard is part of an ensemble: complete once its shards are merged
            state = f"no: shard {shard['i']}/{shard['n']}" + (
                ", finished (merge the shards)" if e.complete else ""
            )
        table.add_row(
            e.folder.name,
            str(e.manifest.get("n_futures")),
            f"{len(e.finished())}/{e.n_batches}",
            state,
        )
    out.print(table)
    for why in unreadable:
        out.print(f"cannot be read: {why}", markup=False, soft_wrap=True)
