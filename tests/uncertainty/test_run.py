"""Ensembles on the real engine: identical outcomes whatever the batching, backend or sharding;
resume after an interruption; the command line."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kruispunt.catalogue import load_catalogue
from kruispunt.errors import KruispuntError
from kruispunt.limits import ENSEMBLE_MAX_FUTURES
from kruispunt.store import ENSEMBLES_DIR, Ensemble, merge_ensembles
from kruispunt.uncertainty.backends import Dask, Processes, Sequential
from kruispunt.uncertainty.run import Plan, explore, plan, tasks
from kruispunt.uncertainty.spec import LoadedSpec, load_spec
from tests.uncertainty.conftest import local_dask_client

N = 4  # futures: x 3 packages = 12 engine runs per ensemble


@pytest.fixture(scope="module")
def loaded() -> LoadedSpec:
    return load_spec()


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    return load_catalogue()


def _plan(loaded: LoadedSpec, cat, **kw) -> Plan:  # type: ignore[no-untyped-def]
    return plan(loaded, n=N, seed=123, catalogue=cat, **kw)


@pytest.fixture(scope="module")
def reference(loaded, catalogue, tmp_path_factory) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("ref")
    summary = explore(_plan(loaded, catalogue, batch_size=2), store_root=root)
    out = summary.ensemble.outcomes()
    assert len(out) == N * 3 * len(loaded.spec.outcomes)
    assert summary.ensemble.complete
    return out


def test_same_outcomes_with_one_batch_and_with_two_workers(
    loaded, catalogue, reference, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    one = explore(_plan(loaded, catalogue, batch_size=N), store_root=tmp_path / "a")
    pd.testing.assert_frame_equal(one.ensemble.outcomes(), reference, check_exact=True)
    two = explore(
        _plan(loaded, catalogue, batch_size=2), backend=Processes(2), store_root=tmp_path / "b"
    )
    assert two.ran == 2
    pd.testing.assert_frame_equal(two.ensemble.outcomes(), reference, check_exact=True)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_same_outcomes_on_a_local_dask_cluster(loaded, catalogue, reference, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with local_dask_client(threads=2) as client:
        res = explore(
            _plan(loaded, catalogue, batch_size=2), backend=Dask(client), store_root=tmp_path
        )
    pd.testing.assert_frame_equal(res.ensemble.outcomes(), reference, check_exact=True)


def test_two_shards_merged_equal_one_run(loaded, catalogue, reference, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shards = [
        explore(_plan(loaded, catalogue, batch_size=2, shard=(i, 2)), store_root=tmp_path).ensemble
        for i in range(2)
    ]
    assert [s.finished() for s in shards] == [[0], [1]]
    with pytest.raises(Exception, match="do not cover every batch: 1 of 2 missing"):
        merge_ensembles(shards[:1], tmp_path / ENSEMBLES_DIR)
    merged = merge_ensembles(shards, tmp_path / ENSEMBLES_DIR)
    assert merged.complete and merged.folder.name == shards[0].manifest["base_id"]
    pd.testing.assert_frame_equal(merged.outcomes(), reference, check_exact=True)
    futures = merged.futures()
    assert futures["seed"].nunique() == N  # one recorded seed per future
    assert merged.manifest["key"]["seed"] == 123


def test_interrupted_run_resumes_from_finished_batches(
    loaded, catalogue, reference, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    p = _plan(loaded, catalogue, batch_size=2)
    calls = []

    def stop_after_first(done: int, total: int) -> None:
        calls.append(done)
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        explore(p, store_root=tmp_path, progress=stop_after_first)
    folder = tmp_path / ENSEMBLES_DIR / p.ensemble_id
    assert Ensemble(folder).finished() == [0]
    assert not list((folder / "batches").glob(".tmp-*"))
    seen: list[tuple[int, int]] = []
    again = explore(p, store_root=tmp_path, progress=lambda d, t: seen.append((d, t)))
    assert (again.ran, again.skipped) == (1, 1)
    assert seen == [(1, 2), (2, 2)]  # the finished batch counts from the start
    pd.testing.assert_frame_equal(again.ensemble.outcomes(), reference, check_exact=True)


@pytest.mark.parametrize("kind", ["outcomes", "trajectories"])
def test_a_damaged_batch_is_named_and_redone_as_its_message_says(
    loaded, catalogue, reference, tmp_path, kind
) -> None:  # type: ignore[no-untyped-def]
    """A batch part cut short once gave a pyarrow traceback, and a resumed run counted the
    batch as finished. Reading names it and says what to do; done, the run redoes it."""
    import re

    from kruispunt.errors import KruispuntError

    p = _plan(loaded, catalogue, batch_size=2)
    folder = explore(p, store_root=tmp_path).ensemble.folder
    part = folder / "batches" / f"{kind}-000001.parquet"
    part.write_bytes(part.read_bytes()[:60])
    read = Ensemble(folder).outcomes if kind == "outcomes" else Ensemble(folder).trajectories
    with pytest.raises(KruispuntError, match=f"batches/{kind}-000001.parquet cannot be read") as e:
        read()
    (todo,) = re.findall(r"delete (batches/\S+) and (batches/\S+) and run", str(e.value))
    for name in todo:
        (folder / name).unlink()
    again = explore(p, store_root=tmp_path)
    assert (again.ran, again.skipped) == (1, 1)
    pd.testing.assert_frame_equal(again.ensemble.outcomes(), reference, check_exact=True)


def test_each_package_runs_apart_with_the_outcomes_of_one_engine_call(
    loaded, catalogue, reference
) -> None:  # type: ignore[no-untyped-def]
    """A batch runs each package's futures through the engine on its own (the packages'
    levers then alike across an engine batch); the outcomes and trajectories are bit for bit
    those of every package of the futures in one engine call, as batches ran before
    December 2026."""
    from kruispunt.assemble import build_inputs
    from kruispunt.engine.simulate import simulate
    from kruispunt.uncertainty.futures import FutureBuilder
    from kruispunt.uncertainty.outcomes import outcome_values, trajectory_values
    from kruispunt.uncertainty.run import Context, Task, run_task

    p = _plan(loaded, catalogue, batch_size=N)
    futures = np.arange(N, dtype=np.int64)
    names = list(p.packages.names)
    runs = FutureBuilder(loaded.spec.factors, p.packages, catalogue).batch(
        futures, p.values, p.seeds
    )
    together = simulate(build_inputs(catalogue, runs), batch_size=len(runs))
    wide = outcome_values(together, loaded.spec.outcomes)
    ctx = Context(
        spec=loaded.spec,
        packages=p.packages,
        data_path=str(catalogue.path),
        data_hash=catalogue.data_hash,
        code_hash=str(p.key["code_hash"]),
        store_root="",
        keep_full=0,
        ensemble_id=p.ensemble_id,
    )
    res = run_task(Task(ctx, 0, futures, p.values, p.seeds))
    apart = res.outcomes.pivot_table(index=["future", "package"], columns="outcome", values="value")
    for k, (f, name) in enumerate((f, n) for f in futures for n in names):
        got = apart.loc[(f, name), list(wide.columns)].to_numpy()
        np.testing.assert_array_equal(got, wide.iloc[k].to_numpy())
    sizes = together.dataset.sizes
    assert res.site_years == sizes["scenario"] * sizes["plant"] * sizes["year"]
    # the outcomes of the stored run, read back, are these
    mine = res.outcomes.sort_values(["future", "package", "outcome"], kind="stable")
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), reference, check_exact=True)
    traj = trajectory_values(together, loaded.spec.trajectories)
    assert loaded.spec.trajectories and len(res.trajectories) == len(traj)
    by_name = {
        r.name: (int(f), n)
        for r, (f, n) in zip(runs, ((f, n) for f in futures for n in names), strict=True)
    }
    want = {
        (m, *by_name[s], int(y)): v
        for s, m, y, v in traj[["scenario", "metric", "year", "value"]].itertuples(index=False)
    }
    got = {
        (m, int(f), n, int(y)): v
        for f, n, m, y, v in res.trajectories[
            ["future", "package", "metric", "year", "value"]
        ].itertuples(index=False)
    }
    assert got == want


def test_keep_full_stores_each_package_s_runs_of_the_kept_futures(
    loaded, catalogue, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """``keep_full=K`` stores the full results of futures below K, one run per package and
    batch holding those futures' scenarios."""
    from kruispunt.store import Store

    p = _plan(loaded, catalogue, batch_size=2)
    explore(p, store_root=tmp_path, keep_full=3)
    store = Store(tmp_path)
    runs = store.list()
    names = list(p.packages.names)
    want = {f"{p.ensemble_id}/futures-{a}-{b}/{n}" for a, b in ((0, 1), (2, 2)) for n in names}
    assert set(runs["name"]) == want
    for rid, name in zip(runs["run_id"], runs["name"], strict=True):
        ds = store.load(rid).dataset
        first, last = (int(x) for x in name.split("/")[1].split("-")[1:])
        assert ds.sizes["scenario"] == last - first + 1
        package = name.split("/")[-1]
        assert all(package in str(s) for s in ds["scenario"].values)


def test_changed_code_is_never_resumed_into(loaded, catalogue, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The ensemble id carries a fingerprint of the package's code, so that batches run by
    other code (an edited install, a checkout between releases: the version number alone
    does not change) are not resumed into; a worker whose code differs from the plan's
    refuses the batch, naming both hashes, and writes nothing."""
    import kruispunt.uncertainty.run as run_module
    from kruispunt.errors import KruispuntError
    from kruispunt.version import code_hash

    assert len(code_hash()) == 64 and code_hash() == code_hash()
    p = _plan(loaded, catalogue, batch_size=2)
    assert p.key["code_hash"] == code_hash()
    monkeypatch.setattr(run_module, "code_hash", lambda: "0" * 64)
    other = _plan(loaded, catalogue, batch_size=2)
    assert other.ensemble_id != p.ensemble_id
    # a worker on other code than the plan's (here: the plan's is the real one)
    with pytest.raises(KruispuntError, match="0000000000.*planned with " + code_hash()[:12]):
        explore(p, store_root=tmp_path)
    assert not list((tmp_path / ENSEMBLES_DIR / p.ensemble_id / "batches").glob("*.parquet"))


def test_outcomes_follow_the_metrics(loaded, catalogue, reference) -> None:  # type: ignore[no-untyped-def]
    """Retained shares are fractions; cumulative emissions exceed any single year's; without
    new policy the government pays only the money committed to date (events.csv): its fixed
    payments from 2025, the same in every future, plus the Porthos SDE++ award, paid by the
    SDE++ rule and so lower when the EUA of the future is higher, never above its EUR 2.1 bn
    (of 2021) maximum."""
    w = reference.pivot_table(index=["future", "package"], columns="outcome", values="value")
    assert ((w["retained_crude_steel_2035"] >= 0) & (w["retained_crude_steel_2035"] <= 1)).all()
    assert (w["cumulative_emissions"] > w["emissions_2030"]).all()
    committed = w.xs("no-new-policy", level="package")["government_cost"]
    ev = catalogue.events
    fixed = ev[(ev["status"] == "decided") & (ev["year"] >= 2025)]["public_money"].sum() / 1e6
    cpi = catalogue.deflators.set_index("year")["value"]
    porthos = 2.1e3 * cpi[2025] / cpi[2021]
    assert (committed >= fixed - 1e-6).all() and (committed <= fixed + porthos).all()
    assert committed.max() > committed.min()  # the award follows each future's EUA
    assert np.isfinite(w.to_numpy()).all()


def kruispunt(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KRUISPUNT_STORE": str(store), "COLUMNS": "160"}
    return subprocess.run(
        [sys.executable, "-m", "kruispunt", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_cli_help_gives_the_default_batch_size(tmp_path: Path) -> None:
    from kruispunt.uncertainty.run import DEFAULT_BATCH_FUTURES

    res = kruispunt("explore", "run", "--help", store=tmp_path)
    assert res.returncode == 0
    assert f"(default {DEFAULT_BATCH_FUTURES})" in " ".join(res.stdout.split())


def test_cli_bad_spec_exits_2_naming_file_and_line_and_writes_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    text = (
        load_spec().path.read_text("utf-8").replace("    low: 0.05\n", "    low: 0.05\n    lo: 1\n")
    )
    spec.write_text(text, encoding="utf-8")
    store = tmp_path / "store"
    proc = kruispunt("explore", "run", str(spec), "--n", "2", store=store)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"error: {spec}, line " in proc.stderr and "'factors.9.lo': unknown key" in proc.stderr
    assert not (store / ENSEMBLES_DIR).exists() or not list((store / ENSEMBLES_DIR).iterdir())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--scheduler", "no-port"), "error: --scheduler 'no-port': not a scheduler address"),
        (("--report", "{file}/r.html"), "error: cannot write report {file}/r.html: {file} is not"),
        (("--store", "{file}/store"), "error: cannot create results store at {file}/store"),
        (("--name", "../escape"), "error: --name '../escape': an ensemble id is"),
        (("--name", "a/b"), "error: --name 'a/b': an ensemble id is"),
        (("--name", ".hidden"), "error: --name '.hidden': an ensemble id is"),
        (
            ("--scheduler", "tcp://127.0.0.1:1", "--workers", "2"),
            "error: --workers and --scheduler: give one",
        ),
    ],
    ids=["scheduler", "report", "store", "name-up", "name-slash", "name-hidden", "both"],
)
def test_cli_bad_destination_exits_2_before_any_work_and_writes_nothing(
    tmp_path: Path, extra: tuple[str, str], message: str
) -> None:
    """A scheduler address distributed cannot parse, a report or store path under a file, a
    --name that is not one plain folder name (``../escape`` wrote the ensemble outside the
    ensembles folder): one message naming it, exit code 2, no ensemble folder (the backend
    is entered and the paths and name checked before the ensemble is created)."""
    file = tmp_path / "a-file"
    file.write_text("", encoding="utf-8")
    store = tmp_path / "store"
    args = [a.format(file=file) for a in extra]
    workers = [] if "--scheduler" in args else ["--workers", "1"]
    proc = kruispunt("explore", "run", "--n", "2", *workers, *args, store=store)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert message.format(file=file) in proc.stderr
    assert not (store / ENSEMBLES_DIR).exists() and not (store / "escape").exists()


def test_cli_list_names_a_missing_store_and_says_when_it_holds_no_ensemble(
    tmp_path: Path,
) -> None:
    """``explore list`` on a store that does not exist is a user error (it printed an empty
    table and exited 0, where ``results list`` names the missing store); on a store without
    ensembles it says so."""
    missing = kruispunt("explore", "list", store=tmp_path / "nowhere")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert f"error: no results store at {tmp_path / 'nowhere'}: the folder does not exist" in (
        missing.stderr
    )
    assert not (tmp_path / "nowhere").exists()
    empty = kruispunt("explore", "list", store=tmp_path)
    assert empty.returncode == 0, empty.stderr
    assert "no ensembles in" in empty.stdout


def test_cli_analyse_of_an_unfinished_ensemble_says_what_it_covers(tmp_path: Path) -> None:
    """One shard of two (one future of two): its analysis runs on the finished future and
    says so, on the terminal and in the report (it read as if the ensemble were whole)."""
    store = tmp_path / "store"
    shard = kruispunt(
        "explore", "run", "--n", "2", "--batch-size", "1", "--workers", "1", "--shard", "0/2",
        store=store,
    )  # fmt: skip
    assert shard.returncode == 0, shard.stderr
    (folder,) = (store / ENSEMBLES_DIR).iterdir()
    listing = " ".join(kruispunt("explore", "list", store=store).stdout.split())
    assert "no: shard 0/2, finished (merge the shards)" in listing  # once "yes"
    report = tmp_path / "partial.html"
    out = kruispunt("explore", "analyse", folder.name, "--report", str(report), store=store)
    assert out.returncode == 0, out.stderr
    assert f"note: {folder.name} is incomplete: 1 of 2 futures finished" in " ".join(
        out.stderr.split()
    )
    assert "Incomplete ensemble:</b> 1 of 2 futures finished" in report.read_text("utf-8")


def test_cli_run_analyses_and_writes_the_report(tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = kruispunt(
        "explore", "run", "--n", "3", "--batch-size", "3", "--workers", "1", store=store
    )
    assert proc.returncode == 0, proc.stderr
    assert "Most robust package per outcome" in proc.stdout
    reports = list((store / "reports").glob("*-robustness.html"))
    assert len(reports) == 1
    page = reports[0].read_text("utf-8")
    assert "Robustness of policy packages" in page and "plotly" in page
    assert "Incomplete ensemble" not in page and "incomplete" not in proc.stderr
    listing = kruispunt("explore", "list", store=store)
    assert "3/1" not in listing.stdout and "yes" in listing.stdout


def test_an_edited_package_scenario_file_gives_a_new_ensemble(tmp_path: Path) -> None:
    """The ensemble's id covers its packages as resolved: a package's scenario file edited
    between two shards (or before a resume) once mixed old and new runs in one ensemble."""
    (tmp_path / "pkg.yaml").write_text("name: pkga\nbase: current-policy\n", encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    text = load_spec().path.read_text(encoding="utf-8")
    start = text.index("packages:")
    end = text.index("outcomes:")
    spec.write_text(
        text[:start] + "packages:\n  - {name: pkg-a, scenario: pkg.yaml}\n\n" + text[end:],
        encoding="utf-8",
    )
    first = plan(load_spec(spec), n=4, batch_size=4, seed=1)
    (tmp_path / "pkg.yaml").write_text(
        "name: pkga\nbase: current-policy\ndemand_scale: {crude_steel: 0.3}\n", encoding="utf-8"
    )
    second = plan(load_spec(spec), n=4, batch_size=4, seed=1)
    assert first.key["spec_hash"] == second.key["spec_hash"]
    assert first.ensemble_id != second.ensemble_id


def test_more_shards_than_batches_are_refused() -> None:
    loaded = load_spec()
    with pytest.raises(KruispuntError, match=r"--shard 0/4: the ensemble has 1 batch"):
        plan(loaded, n=4, batch_size=4, seed=1, shard=(0, 4))
    assert plan(loaded, n=8, batch_size=4, seed=1, shard=(1, 2)).batches == range(1, 2)


@pytest.mark.parametrize(("method", "per"), [("saltelli", 19), ("morris", 18)])
def test_a_design_of_more_futures_than_the_limit_is_refused(method: str, per: int) -> None:
    """Saltelli and Morris draw several futures per n (d + 2 and d + 1 for the default
    specification's 17 factors): an n within the limit of futures could ask for 190 million
    futures, and the process was killed for its memory with no message. The plan refuses
    it before drawing, naming n, the futures and the largest n allowed."""
    loaded = load_spec()
    assert len(loaded.spec.factors) == 17
    most = ENSEMBLE_MAX_FUTURES // per
    with pytest.raises(KruispuntError) as info:
        plan(loaded, method=method, n=most + 1, seed=1)  # type: ignore[arg-type]
    said = str(info.value)
    assert f"gives {(most + 1) * per:,} futures with the {method} sampler" in said
    assert f"so n at most {most:,}" in said


def test_the_limit_refused_from_the_command_line(tmp_path: Path) -> None:
    proc = kruispunt(
        "explore", "run", "--n", "10000000", "--sampler", "saltelli", store=tmp_path / "store"
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "gives 190,000,000 futures with the saltelli sampler" in proc.stderr
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [("--n", "100000000000"), ("--seed", "9" * 300), ("--workers", "1" + "0" * 30)],
)
def test_numeric_options_beyond_their_limits_are_user_errors(
    tmp_path: Path, option: str, value: str
) -> None:
    proc = kruispunt("explore", "run", option, value, store=tmp_path / "store")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert option in proc.stderr and "less than or equal to" in proc.stderr, proc.stderr
    assert not (tmp_path / "store").exists()


def test_a_resumed_batch_does_not_keep_its_full_runs_twice(loaded, catalogue, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A batch whose process was killed after it stored its kept runs, before its outcomes,
    runs again on resume: it once stored the kept runs a second time (a name matching two
    runs)."""
    from kruispunt.store import Store

    p = _plan(loaded, catalogue, batch_size=2)
    explore(p, store_root=tmp_path, keep_full=1)
    before = sorted(Store(tmp_path).list()["name"])
    folder = tmp_path / ENSEMBLES_DIR / p.ensemble_id / "batches"
    for part in folder.glob("*-000000.parquet"):  # batch 0 unfinished, as if killed
        part.unlink()
    explore(p, store_root=tmp_path, keep_full=1)
    after = sorted(Store(tmp_path).list()["name"])
    assert after == before and len(before) == len(p.packages.names)


def test_an_ensemble_runs_in_one_process_at_a_time(loaded, catalogue, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two processes on one ensemble both computed every batch; the second is now refused
    while the first holds the ensemble. A later run clears the temporary files a killed one
    left in its batches folder and resumes."""
    import fcntl

    p = _plan(loaded, catalogue, batch_size=2)
    explore(p, store_root=tmp_path)
    folder = tmp_path / ENSEMBLES_DIR / p.ensemble_id
    left = folder / "batches" / ".tmp-outcomes-000000.parquet-abc123"
    left.write_bytes(b"half")
    fd = os.open(folder / ".run-lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(KruispuntError, match="is being run by another process"):
            explore(p, store_root=tmp_path)
    finally:
        os.close(fd)
    assert left.exists()
    summary = explore(p, store_root=tmp_path)
    assert summary.ran == 0 and not left.exists()


def test_batches_cover_every_future_once_with_its_own_seed(loaded, catalogue) -> None:  # type: ignore[no-untyped-def]
    """5 futures in batches of 2: 3 batches (2, 2, 1), each task carrying its futures'
    recorded seeds and values; the batch size is part of the ensemble's identity (a resume
    never mixes batches of two sizes)."""
    p = plan(loaded, n=5, seed=7, batch_size=2, catalogue=catalogue)
    assert p.n_batches == 3
    got = list(tasks(p, None, set()))  # type: ignore[arg-type]
    assert [t.futures.tolist() for t in got] == [[0, 1], [2, 3], [4]]
    table = p.futures_table().set_index("future")
    for t in got:
        assert t.seeds.tolist() == table.loc[t.futures, "seed"].tolist()
        assert np.array_equal(t.values, p.values[t.futures])
    assert table["seed"].nunique() == 5
    assert [t.batch for t in tasks(p, None, {1})] == [0, 2]  # type: ignore[arg-type]
    other = plan(loaded, n=5, seed=7, batch_size=3, catalogue=catalogue)
    assert other.n_batches == 2 and other.ensemble_id != p.ensemble_id


def test_a_shard_s_progress_counts_its_own_batches(loaded, catalogue, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """3 batches in 2 shards: the second runs batches 1 and 2 and reports 0, 1, 2 of 2."""
    p = plan(loaded, n=3, seed=7, batch_size=1, shard=(1, 2), catalogue=catalogue)
    assert list(p.batches) == [1, 2]
    seen: list[tuple[int, int]] = []
    explore(p, store_root=tmp_path, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 2), (1, 2), (2, 2)]


def test_plan_refuses_a_batch_size_below_1_and_a_shard_beyond_the_last() -> None:
    loaded = load_spec()
    with pytest.raises(KruispuntError, match=r"^--batch-size must be at least 1$"):
        plan(loaded, n=4, batch_size=0, seed=1)
    for shard in ((2, 2), (-1, 2), (0, 0)):
        with pytest.raises(KruispuntError, match=rf"^--shard {shard[0]}/{shard[1]}: need 0 <= "):
            plan(loaded, n=4, batch_size=1, seed=1, shard=shard)


def test_a_name_is_the_ensemble_s_id_of_at_most_100_characters(loaded, catalogue) -> None:  # type: ignore[no-untyped-def]
    """``--name`` names the ensemble (its shards add their part); 100 characters are
    allowed, 101 are not."""
    p = _plan(loaded, catalogue, batch_size=2, name="mine")
    assert (p.ensemble_id, p.base_id) == ("mine", "mine")
    shard = _plan(loaded, catalogue, batch_size=2, name="mine", shard=(1, 2))
    assert (shard.ensemble_id, shard.base_id) == ("mine.shard-1of2", "mine")
    assert _plan(loaded, catalogue, name="a" * 100).ensemble_id == "a" * 100
    with pytest.raises(KruispuntError, match="an ensemble id is 1-100 letters"):
        _plan(loaded, catalogue, name="a" * 101)


def test_the_recorded_futures_and_manifest_are_the_design_s(loaded, catalogue) -> None:  # type: ignore[no-untyped-def]
    """Future i's seed is ``future_seed(root, i)`` as the manifest says; the futures table
    holds each factor's unit-cube position (``u_<factor>``) and its value; a shard's manifest
    names its batches: 5 futures in batches of 2, shard 1 of 2 runs batches 1 and 2."""
    from kruispunt.uncertainty.futures import future_seed
    from kruispunt.uncertainty.run import _manifest

    p = plan(loaded, n=5, seed=7, batch_size=2, shard=(1, 2), catalogue=catalogue)
    assert p.seeds.tolist() == [future_seed(7, i) for i in range(5)]
    table = p.futures_table()
    for j, f in enumerate(loaded.spec.factors):
        np.testing.assert_array_equal(table[f"u_{f.name}"], p.design.u[:, j])
        np.testing.assert_array_equal(table[f.name], p.values[:, j])
    m = _manifest(p)
    assert (m["n_futures"], m["n_batches"]) == (5, 3)
    assert m["shard"] == {"i": 1, "n": 2, "batches": [1, 3]}
    assert m["key"]["seed"] == 7 and m["key"]["batch_size"] == 2


def test_a_worker_on_another_data_package_refuses_the_batch(loaded, catalogue) -> None:  # type: ignore[no-untyped-def]
    from kruispunt.uncertainty.run import Context, Task, run_task

    p = _plan(loaded, catalogue, batch_size=N)
    ctx = Context(
        spec=loaded.spec,
        packages=p.packages,
        data_path=str(catalogue.path),
        data_hash="0" * 64,
        code_hash=str(p.key["code_hash"]),
        store_root="",
        keep_full=0,
        ensemble_id=p.ensemble_id,
    )
    want = f"has hash {catalogue.data_hash[:12]}, the ensemble was planned on 000000000000"
    with pytest.raises(KruispuntError, match=want):
        run_task(Task(ctx, 0, np.arange(N, dtype=np.int64), p.values, p.seeds))


class _Stamped(Sequential):
    """In this process; every batch reports 10 site-years, 2 s of work and 0.5 s in the
    engine (made up, so that the totals are known)."""

    def imap_unordered(self, fn, tasks):  # type: ignore[no-untyped-def]
        for res in super().imap_unordered(fn, tasks):
            yield dataclasses.replace(res, site_years=10, seconds=2.0, engine_seconds=0.5)


def test_the_summary_adds_up_the_batches_run(loaded, catalogue, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two batches: the summary's site-years, worker and engine seconds are the sums of
    the two batches' (20, 4 s, 1 s), not the last batch's or the engine's for the worker's."""
    p = plan(loaded, n=2, seed=123, batch_size=1, catalogue=catalogue)
    summary = explore(p, backend=_Stamped(), store_root=tmp_path)
    assert (summary.ran, summary.skipped) == (2, 0)
    assert (summary.site_years, summary.seconds, summary.engine_seconds) == (20, 4.0, 1.0)


def test_a_store_that_cannot_be_written_is_refused_before_the_design_is_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the largest --n the design took 91 s and 3.7 GB before an unwritable store was
    named (or a MemoryError traceback with less memory): the store is checked first, and a
    design too large for memory is named with --n."""
    import kruispunt.uncertainty.run as run_module
    from tests.cli_helpers import invoke

    def never(*args: object, **kw: object) -> None:
        raise AssertionError("the design was drawn before the store was checked")

    file = tmp_path / "a-file"
    file.write_text("", encoding="utf-8")
    monkeypatch.setattr(run_module, "plan", never)
    out = invoke("explore", "run", "--n", "10000000", "--store", f"{file}/store")
    assert out.code == 2 and out.crashed is None, out
    assert f"cannot create results store at {file}/store" in out.stderr

    def short_of_memory(*args: object, **kw: object) -> None:
        raise MemoryError

    monkeypatch.setattr(run_module, "plan", short_of_memory)
    out = invoke("explore", "run", "--n", "10000000", "--store", str(tmp_path / "store"))
    assert out.code == 2 and out.crashed is None, out
    assert "not enough memory to draw the design of --n 10000000 futures" in out.stderr
