"""Tests for kruispunt.store: exact round trips, the catalogue, crash safety, concurrency."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kruispunt import metrics
from kruispunt.errors import KruispuntError, ResultsTooOld
from kruispunt.results import Results
from kruispunt.store import (
    ENSEMBLES_DIR,
    STORE_ENV,
    WRITE_DELAY_ENV,
    Ensemble,
    Store,
    default_root,
    merge_ensembles,
    new_run_id,
    read_results_folder,
    write_results_folder,
)
from kruispunt.testing import assert_results_equal, synthetic_results

SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture(scope="module")
def res() -> Results:
    return synthetic_results(n_scenarios=2, n_plants=12, seed=5)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store")


# --- round trip ---------------------------------------------------------------------------------


def test_round_trip_is_exact(store: Store, res: Results) -> None:
    run_id = store.save(res, name="base")
    back = store.load(run_id)
    assert_results_equal(res, back)
    assert back.dataset["route_index"].dtype == np.int16
    assert back.dataset["switch_reason"].dtype == np.int8
    assert np.isnan(back.dataset["emission_target"].values).sum() == 24
    assert str(back.dataset["reason"].values[0]) == "none"


def test_a_run_is_saved_with_its_summary(store: Store, res: Results) -> None:
    run_id = store.save(res)
    summary = store.summary(run_id)
    assert metrics.summary_is_current(summary)
    assert json.dumps(summary) == json.dumps(metrics.run_summary(res))  # NaN == NaN here
    (store.runs_dir / run_id / "summary.json").unlink()  # a run saved by an older version
    assert store.summary(run_id) is None
    assert_results_equal(res, store.load(run_id))  # the parts alone are the run


def test_round_trip_of_unusual_attributes_and_values(store: Store, res: Results) -> None:
    ds = res.dataset.copy()
    ds.attrs = {
        **ds.attrs,
        "nested": {"a": [1, 2.5, None, "x"], "b": (True, np.float32(0.1))},
        "array": np.arange(6, dtype=np.int32).reshape(2, 3),
        "nan": float("nan"),
    }
    prod = ds["production"].values.copy()
    prod[0, 0, 0] = -0.0
    prod[0, 1, 1] = 5e-324
    prod[1, 2, 2] = np.nan
    ds["production"] = (ds["production"].dims, prod, ds["production"].attrs)
    odd = Results(ds)
    back = store.load(store.save(odd))
    assert_results_equal(odd, back)
    assert np.signbit(back.dataset["production"].values[0, 0, 0])
    assert isinstance(back.dataset.attrs["nested"]["b"], tuple)
    assert back.dataset.attrs["array"].dtype == np.int32


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_folder_codec_round_trip(tmp_path: Path, res: Results, fmt: str) -> None:
    write_results_folder(res, tmp_path, fmt)  # type: ignore[arg-type]
    assert (tmp_path / f"plant_year.{fmt}").is_file()
    assert_results_equal(res, read_results_folder(tmp_path))


def test_corrupt_part_is_detected(tmp_path: Path, res: Results) -> None:
    write_results_folder(res, tmp_path, "csv")
    lines = (tmp_path / "product_year.csv").read_text().splitlines()
    (tmp_path / "product_year.csv").write_text("\n".join([lines[0], lines[1], *lines[1:-1]]))
    with pytest.raises(KruispuntError, match="exactly once"):
        read_results_folder(tmp_path)


def test_a_run_stored_before_a_variable_was_added_says_to_run_again(
    tmp_path: Path, res: Results
) -> None:
    """A folder whose manifest lacks the pool variables (results stored before Dec 2026)
    is refused with the variables named, the version that wrote it and what to do."""
    write_results_folder(res, tmp_path, "parquet")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["variables"] = [
        v for v in manifest["variables"] if v["name"] not in ("pool_capacity", "pool_use")
    ]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(KruispuntError) as err:
        read_results_folder(tmp_path)
    text = str(err.value)
    assert text.startswith("results lack variables: pool_capacity, pool_use")
    assert f"written by kruispunt {res.dataset.attrs['kruispunt_version']}" in text
    assert "run their scenarios again" in text


def test_a_stored_run_of_an_earlier_version_is_not_called_damaged(
    store: Store, res: Results
) -> None:
    """Loaded from a store, such a run is said to be of an earlier version (not damaged),
    with the command that deletes it; a damaged part is still called damaged."""
    rid = store.save(res, name="old")
    path = store.runs_dir / rid / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["variables"] = [v for v in manifest["variables"] if v["name"] != "pool_use"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(KruispuntError) as err:
        store.load(rid)
    text = str(err.value)
    assert text.startswith(f"run {rid} was stored by an earlier version of kruispunt: ")
    assert "damaged" not in text and f"kruispunt results delete {rid}" in text
    broken = store.save(res, name="broken")
    (store.runs_dir / broken / "product_year.parquet").write_bytes(b"not parquet")
    with pytest.raises(KruispuntError, match=f"run {broken} is damaged"):
        store.load(broken)


# --- catalogue ----------------------------------------------------------------------------------


def test_list_show_delete(store: Store, res: Results) -> None:
    assert store.list().empty
    a = store.save(res, name="first")
    b = store.save(res.select("reference"), name="second")
    runs = store.list()
    assert runs["run_id"].tolist() == [a, b]
    assert runs["scenarios"].tolist() == ["reference, green_market", "reference"]
    assert runs["status"].eq("complete").all()
    assert runs["seed"].tolist() == ["5", "5"]
    info = store.show("second")
    assert info["run_id"] == b
    assert info["provenance"]["seed"] == 5
    assert info["provenance"]["scenarios"]["reference"]["name"] == "reference"
    assert {p["part"] for p in info["parts"]} >= {
        "plant_year",
        "plant_year_carrier",
        "product_year",
        "coords_plant",
    }
    assert store.resolve("latest") == b
    assert store.resolve(a[:24]) == a
    assert store.delete(a) == a
    assert store.list()["run_id"].tolist() == [b]
    assert not (store.runs_dir / a).exists()
    with pytest.raises(KruispuntError, match=f"unknown run '{a}'.*known runs: {b}"):
        store.load(a)


def test_ambiguous_name_is_an_error(store: Store, res: Results) -> None:
    store.save(res, name="same")
    store.save(res, name="same")
    with pytest.raises(KruispuntError, match="matches 2 runs"):
        store.load("same")


def test_run_ids_sort_by_time_and_are_unique() -> None:
    ids = [new_run_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == sorted(ids, key=lambda i: i.split("-")[0])
    assert new_run_id() > ids[-1]


def test_default_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "env-store"))
    assert default_root() == tmp_path / "env-store"
    assert Store().root == tmp_path / "env-store"
    assert Store(tmp_path / "arg").root == tmp_path / "arg"
    monkeypatch.delenv(STORE_ENV)
    assert default_root().name == "store"
    assert "kruispunt" in str(default_root())


def test_query_across_runs(store: Store, res: Results) -> None:
    a = store.save(res)
    b = store.save(res.select("green_market"))
    df = store.query(
        "SELECT run_id, scenario, year, sum(direct_emissions) / 1e6 AS mt "
        "FROM plant_year WHERE year = 2030 GROUP BY ALL ORDER BY ALL"
    )
    assert set(df["run_id"]) == {a, b}
    nat = metrics.emissions(res)
    nat = nat[nat["year"] == 2030].set_index("scenario")["emissions_mtco2"]
    for row in df.itertuples():
        assert row.mt == pytest.approx(nat[row.scenario], rel=1e-12)
    runs = store.query("SELECT run_id, status FROM runs ORDER BY run_id")
    assert runs["run_id"].tolist() == [a, b]
    part = store.read(a, "product_year")
    assert {"scenario", "product", "year", "demand", "imports"} <= set(part.columns)
    with pytest.raises(KruispuntError, match="query failed"):
        store.query("SELECT nonsense FROM nowhere")


def test_unwritable_root_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(KruispuntError, match="cannot create results store"):
        Store(blocker / "store")


# --- crash safety and concurrency ------------------------------------------------------------

SAVER = """
import sys, time
from kruispunt.store import Store
from kruispunt.testing import synthetic_results
root, start, n, plants = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
res = synthetic_results(n_scenarios=3, n_plants=plants)
time.sleep(max(0.0, start - time.time()))
for i in range(n):  # a fresh Store each time: its clean-up runs while the other process writes
    print(Store(root).save(res, name=f"p{i}"), flush=True)
"""


def _saver(
    root: Path, n: int = 1, plants: int = 300, start: float = 0.0, delay: str = ""
) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": SRC, WRITE_DELAY_ENV: delay}
    return subprocess.Popen(
        [sys.executable, "-c", SAVER, str(root), str(start), str(n), str(plants)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


HOLD_S = 3600
"""A write delay no test outlasts: a writer held at a stage stays there until it is killed."""


def _wait_for(cond: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    """Wait until ``cond()`` holds while ``proc`` runs; fail at once, with its error output,
    if it exits first. No deadline but a guard against a hang: how long a process takes to
    start on a loaded machine is not what these tests check."""
    end = time.monotonic() + 600
    while not cond():
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"the writer exited ({proc.returncode}) early: {err}")
        assert time.monotonic() < end, "the writer never reached the stage (hung?)"
        time.sleep(0.01)


def test_killed_saves_leave_no_half_run(tmp_path: Path, res: Results) -> None:
    """SIGKILL a save while it writes parts, and another between rename and catalogue insert.

    Each writer is held at its stage (a write delay of an hour, :data:`WRITE_DELAY_ENV`)
    until it is killed, so the kill lands at that stage however slow the machine is. Both
    writers run at once (in two stores) to keep the test fast.
    """
    stages = {"parts": f"{HOLD_S},0", "insert": f"0,{HOLD_S}"}
    roots = {stage: tmp_path / stage for stage in stages}
    for root in roots.values():
        Store(root)
    procs = {stage: _saver(roots[stage], delay=delay) for stage, delay in stages.items()}
    try:
        runs = roots["parts"] / "runs"
        _wait_for(
            lambda: any(any(d.glob("*.parquet")) for d in runs.glob(".tmp-*")), procs["parts"]
        )
        # opening the store meanwhile must not touch the live writer's folder
        assert Store(roots["parts"]).list().empty
        assert any(runs.glob(".tmp-*"))
        assert procs["parts"].poll() is None
        procs["parts"].send_signal(signal.SIGKILL)

        runs = roots["insert"] / "runs"
        _wait_for(lambda: any(not d.name.startswith(".") for d in runs.iterdir()), procs["insert"])
        assert Store(roots["insert"]).list().empty  # renamed but not catalogued: invisible
        assert procs["insert"].poll() is None
        procs["insert"].send_signal(signal.SIGKILL)
    finally:
        for proc in procs.values():
            proc.kill()
            proc.communicate(timeout=10)
    for stage, root in roots.items():
        assert procs[stage].returncode == -signal.SIGKILL
        assert any((root / "runs").iterdir())  # the dead writer left a folder behind
        store = Store(root)  # opening cleans up after it
        assert store.list().empty, stage
        assert list((root / "runs").iterdir()) == [], stage
        assert list((root / "locks").iterdir()) == [], stage
        with contextlib.closing(sqlite3.connect(root / "catalogue.sqlite")) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
        run_id = store.save(res)  # the store still works
        assert store.list()["run_id"].tolist() == [run_id]


def test_a_report_whose_save_was_killed_is_cleaned_with_it(store: Store, res: Results) -> None:
    """``kruispunt run`` writes a run's report before the run enters the catalogue; a save
    killed after that (its temporary folder, or its renamed folder without a row, and its
    lock file left behind) left the report in reports/ for good. Opening the store now
    removes it with the run's leftovers, and keeps the reports of stored runs and of folders
    the store does not manage."""
    kept = store.save(res)
    reports = store.root / "reports"
    reports.mkdir()
    store.report_path(kept).write_text("<html>kept</html>")
    tmp_id, renamed_id, stray_id = (new_run_id() for _ in range(3))
    (store.runs_dir / f".tmp-{tmp_id}").mkdir()  # killed before its rename
    (store.runs_dir / renamed_id).mkdir()  # killed between its rename and its insert
    (store.runs_dir / renamed_id / "manifest.json").write_text("{}")
    (store.runs_dir / stray_id).mkdir()  # copied in by hand: no lock file, not ours
    for rid in (tmp_id, renamed_id):
        (store.locks_dir / f"{rid}.lock").write_text("")  # their writers died
    for rid in (tmp_id, renamed_id, stray_id):
        store.report_path(rid).write_text("<html>orphan?</html>")
    again = Store(store.root)
    assert again.list()["run_id"].tolist() == [kept]
    assert sorted(p.name for p in reports.iterdir()) == sorted([f"{kept}.html", f"{stray_id}.html"])
    assert sorted(p.name for p in store.runs_dir.iterdir()) == sorted([kept, stray_id])
    assert list(store.locks_dir.iterdir()) == []


def test_a_live_saves_report_is_left_alone(store: Store) -> None:
    """The cleaning on open does not touch the report of a save that is still running (it
    holds its lock)."""
    import fcntl

    rid = new_run_id()
    (store.runs_dir / f".tmp-{rid}").mkdir()
    store.report_path(rid).parent.mkdir()
    store.report_path(rid).write_text("<html>in progress</html>")
    fd = os.open(store.locks_dir / f"{rid}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        Store(store.root)
        assert store.report_path(rid).exists()
        assert (store.runs_dir / f".tmp-{rid}").exists()
    finally:
        os.close(fd)


def test_unmanaged_folder_is_left_alone_and_invisible(store: Store) -> None:
    stray = store.runs_dir / "copied-by-hand"
    stray.mkdir()
    (stray / "note.txt").write_text("x")
    again = Store(store.root)
    assert stray.exists()
    assert again.list().empty


def test_two_processes_save_at_once(tmp_path: Path) -> None:
    root = tmp_path / "store"
    Store(root)
    start = time.time() + 0.5  # both start as soon as imported, at about the same time
    procs = [_saver(root, n=3, plants=30, start=start, delay="0.005,0.03") for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    ids = [line for out, _ in outputs for line in out.split()]
    store = Store(root)
    runs = store.list()
    assert sorted(runs["run_id"]) == sorted(ids)
    assert len(ids) == 6
    for run_id in ids:
        assert store.load(run_id).dataset.sizes["plant"] == 30
    with contextlib.closing(sqlite3.connect(root / "catalogue.sqlite")) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    manifest = json.loads((store.runs_dir / ids[0] / "manifest.json").read_text())
    assert manifest["run_id"] == ids[0]


# --- names, references and opening ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("latest", "reserved"),
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        (" base", "must not start or end with spaces"),
        ("two\nlines", "line break"),
        ("x" * 101, "at most 100"),
        ("20250101T120000123456Z-1a2b3c4d", "looks like a run id"),
    ],
)
def test_names_that_could_not_find_the_run_again(
    store: Store, res: Results, name: str, text: str
) -> None:
    from kruispunt.store import check_run_name

    with pytest.raises(KruispuntError, match=text):
        check_run_name(name)
    with pytest.raises(KruispuntError, match=text):
        store.save(res, name=name)
    assert store.entries() == []


def test_entries_match_list(store: Store, res: Results) -> None:
    store.save(res, name="a")
    store.save(res.select("green_market"))
    entries = store.entries()
    frame = store.list()
    assert [e["run_id"] for e in entries] == frame["run_id"].tolist()
    assert [", ".join(e["scenarios"]) for e in entries] == frame["scenarios"].tolist()
    assert entries[0]["name"] == "a" and entries[1]["name"] is None


def test_check_can_write_creates_nothing(tmp_path: Path) -> None:
    from kruispunt.store import check_can_write

    target = tmp_path / "a" / "b" / "store"
    assert check_can_write(target) == target
    assert not (tmp_path / "a").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(KruispuntError, match="is not a folder"):
        check_can_write(blocker / "store")
    with pytest.raises(KruispuntError, match="not a folder"):
        check_can_write(blocker)


def test_readonly_store_refuses_to_write(tmp_path: Path, res: Results) -> None:
    root = tmp_path / "store"
    run_id = Store(root).save(res)
    ro = Store(root, readonly=True)
    assert ro.load(run_id).scenarios == res.scenarios
    with pytest.raises(KruispuntError, match="read-only"):
        ro.save(res)
    with pytest.raises(KruispuntError, match="read-only"):
        ro.delete(run_id)


def test_a_damaged_manifest_is_named(tmp_path: Path, res: Results) -> None:
    root = tmp_path / "store"
    store = Store(root)
    run_id = store.save(res)
    manifest = root / "runs" / run_id / "manifest.json"
    data = json.loads(manifest.read_text())
    data["parts"]["plant_year"]["file"] = "../../../etc/passwd"
    manifest.write_text(json.dumps(data))
    with pytest.raises(KruispuntError, match=f"run {run_id} is damaged: .*malformed"):
        store.load(run_id)
    data["dims"]["plant"] = 10**12  # a size that would exhaust memory if trusted
    data["parts"]["plant_year"]["file"] = "plant_year.parquet"
    manifest.write_text(json.dumps(data))
    with pytest.raises(KruispuntError, match="rows, but its dimensions"):
        store.load(run_id)


def test_check_finds_a_part_cut_short_missing_or_replaced_without_reading_it(
    tmp_path: Path, res: Results
) -> None:
    """``check`` stands in for loading where a view shows the stored summary: each of three
    ways a part can be broken is named, with the part and the command to set the run aside,
    and a whole run passes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    store = Store(tmp_path / "store")
    run_id = store.save(res)
    store.check(run_id)
    folder = store.runs_dir / run_id
    part = folder / "plant_year.parquet"
    whole = part.read_bytes()
    part.write_bytes(whole[:40])
    with pytest.raises(
        KruispuntError, match=r"is damaged: part plant_year .*cannot be read.*repair"
    ):
        store.check(run_id)
    pq.write_table(pq.read_table(pa.BufferReader(whole)).slice(0, 2), part)
    with pytest.raises(KruispuntError, match=r"plant_year .* has 2 rows, its manifest says \d+"):
        store.check(run_id)
    part.unlink()
    with pytest.raises(KruispuntError, match=r"is damaged: part plant_year .*is missing"):
        store.check(run_id)
    rows = pq.read_metadata(pa.BufferReader(whole)).num_rows
    pq.write_table(pa.table({"x": list(range(rows))}), part)  # another table, as many rows
    with pytest.raises(KruispuntError, match=r"plant_year .* lacks the columns .* manifest"):
        store.check(run_id)
    with pytest.raises(KruispuntError, match="is damaged"):
        store.load(run_id)  # as loading it says
    part.write_bytes(whole)
    store.check(run_id)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    first = "switch_reason"  # a result variable added after the first stored runs
    manifest["variables"] = [v for v in manifest["variables"] if v["name"] != first]
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(ResultsTooOld, match=f"earlier version .*lack variables: {first}"):
        store.check(run_id)
    with pytest.raises(ResultsTooOld):
        store.load(run_id)


# --- ensembles --------------------------------------------------------------------------------


def _flips(path: Path, n: int, seed: int) -> Iterator[None]:
    """Flip one byte at ``n`` positions (seeded) between a Parquet file's magic number and its
    footer, restoring the file after each; yields once per flip."""
    whole = path.read_bytes()
    footer = len(whole) - 8 - int.from_bytes(whole[-8:-4], "little")
    rng = np.random.default_rng(seed)
    for pos in rng.integers(4, footer, n):
        damaged = bytearray(whole)
        damaged[pos] ^= 0xFF
        path.write_bytes(bytes(damaged))
        yield
    path.write_bytes(whole)


def test_a_byte_flipped_inside_a_part_never_loads_as_other_numbers(
    tmp_path: Path, res: Results
) -> None:
    """Parts carry page checksums (CRC-32), verified by ``load``, ``read`` and ``repair``:
    a flipped byte in a part's pages once loaded silently as other numbers (38 of 40 random
    flips in a default run's plant_year part). Every flip now either leaves the data as it
    was (a byte of a page header's statistics) or names the run as damaged."""
    store = Store(tmp_path / "store")
    run_id = store.save(res)
    part = store.runs_dir / run_id / "plant_year.parquet"
    named = 0
    for _ in _flips(part, 40, seed=7):
        try:
            back = store.load(run_id)
        except KruispuntError as exc:
            assert f"run {run_id} is damaged" in str(exc)
            with pytest.raises(KruispuntError, match=f"run {run_id} is damaged"):
                store.read(run_id, "plant_year")
            named += 1
        else:
            assert_results_equal(res, back)
    assert named >= 30
    assert_results_equal(res, store.load(run_id))
    damaged = bytearray(part.read_bytes())
    damaged[len(damaged) // 3] ^= 0xFF
    part.write_bytes(bytes(damaged))
    report = Store.repair(store.root)
    assert run_id in {r for r, _ in report.set_aside}


def test_a_byte_flipped_inside_an_ensemble_part_is_named(tmp_path: Path) -> None:
    import pandas as pd

    made = _ensemble(tmp_path)
    values = np.linspace(0.0, 1.0, 200)
    outcomes = pd.DataFrame({"future": range(200), "package": "p", "outcome": "o", "value": values})
    made.write_batch(0, outcomes)
    part = made.folder / "batches" / "outcomes-000000.parquet"
    named = 0
    for _ in _flips(part, 30, seed=3):
        try:
            back = made.outcomes()
        except KruispuntError as exc:
            assert "ensemble e1 is damaged" in str(exc)
            named += 1
        else:
            assert back["value"].tolist() == values.tolist()
    assert named >= 20


def _ensemble(root: Path, ensemble_id: str = "e1") -> Ensemble:
    import pandas as pd

    manifest = {"key": {"spec": "x"}, "n_batches": 1, "base_id": ensemble_id, "shard": None}
    return Ensemble.open_or_create(root, ensemble_id, manifest, pd.DataFrame({"future": [0]}))


def _aged(folder: Path, seconds: float, *files: str) -> Path:
    folder.mkdir(parents=True)
    for name in files:
        (folder / name).write_bytes(b"half")
    then = time.time() - seconds
    os.utime(folder, (then, then))
    return folder


def test_a_killed_ensemble_creation_is_cleaned_by_the_next(tmp_path: Path) -> None:
    """An ensemble is written under ``.tmp-<id>-<hex>`` and renamed; one killed half-way
    left that folder for good. The next creation removes such folders once nobody holds
    them, and leaves a young one (its creator may be starting) and one whose creator is
    alive (it holds the folder's lock)."""
    import fcntl

    root = tmp_path / "ensembles"
    dead = _aged(root / ".tmp-e0-aaaaaa", 3600, "futures.parquet")
    young = _aged(root / ".tmp-e0-bbbbbb", 1)
    alive = _aged(root / ".tmp-e0-cccccc", 3600)
    fd = os.open(alive, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        made = _ensemble(root)
        assert sorted(p.name for p in root.iterdir()) == [".tmp-e0-bbbbbb", ".tmp-e0-cccccc", "e1"]
    finally:
        os.close(fd)
    assert made.folder == root / "e1" and (made.folder / "futures.parquet").is_file()
    assert young.exists() and alive.exists() and not dead.exists()


def test_a_killed_merge_is_cleaned_by_the_next(tmp_path: Path) -> None:
    root = tmp_path / "ensembles"
    part = _ensemble(tmp_path / "shards", "e1")
    dead = _aged(root / ".tmp-e1-aaaaaa", 3600)
    import pandas as pd

    part.write_batch(0, pd.DataFrame({"future": [0], "package": ["p"], "value": [1.0]}))
    merged = merge_ensembles([part], root)
    assert not dead.exists()
    assert sorted(p.name for p in root.iterdir()) == ["e1"]
    assert merged.finished() == [0]


def _shard(root: Path, name: str, batches: list[int], value: float = 1.0) -> Ensemble:
    """A shard ``name`` of a 3-batch ensemble ``e`` holding ``batches``: batch b's outcome
    is ``value`` x (b + 1), its trajectory point b + 10."""
    import pandas as pd

    key = {"spec_hash": "x", "seed": 1, "batch_size": 2, "code_hash": "c"}
    ends = [min(batches), max(batches) + 1]  # the shard's slice of the batches, as run.py
    shard = {"i": 0, "n": 2, "batches": ends}
    manifest = {"key": key, "n_batches": 3, "base_id": "e", "shard": shard}
    part = Ensemble.open_or_create(root, name, manifest, pd.DataFrame({"future": [0, 1, 2]}))
    for b in batches:
        out = pd.DataFrame(
            {"future": [b], "package": ["p"], "outcome": ["o"], "value": [value * (b + 1)]}
        )
        traj = pd.DataFrame(
            {"future": [b], "package": ["p"], "metric": ["m"], "year": [2030], "value": [b + 10.0]}
        )
        part.write_batch(b, out, traj)
    return part


def test_merged_shards_hold_every_batch_once_with_its_trajectories(tmp_path: Path) -> None:
    """Shards holding batches {0, 1} and {1, 2} (batch 1 the same in both) merge into all
    three batches, outcomes 1, 2, 3 and trajectories 10, 11, 12; the second shard alone
    misses batch 0; a batch that differs between two shards is refused."""
    shards = tmp_path / "shards"
    a, b = _shard(shards, "e.a", [0, 1]), _shard(shards, "e.b", [1, 2])
    with pytest.raises(KruispuntError, match=r"1 of 3 missing \(0\)"):
        merge_ensembles([b], tmp_path / "one")
    merged = merge_ensembles([a, b], tmp_path / "ensembles")
    assert merged.complete and merged.finished() == [0, 1, 2]
    assert merged.outcomes()["value"].tolist() == [1.0, 2.0, 3.0]
    assert merged.trajectories()["value"].tolist() == [10.0, 11.0, 12.0]
    c = _shard(shards, "e.c", [1, 2], value=1.5)
    with pytest.raises(KruispuntError, match="batch 1 differs between"):
        merge_ensembles([a, c], tmp_path / "bad")


def test_a_merge_names_a_damaged_part_and_copies_none(tmp_path: Path) -> None:
    """The merge read a batch two shards hold with no checksum check and outside its error
    handling (25 of 30 byte flips escaped as raw pyarrow errors), and copied a damaged batch
    one shard holds. Each part is now read, verified, before anything is copied: a part cut
    short or a flipped byte (30 seeded flips in a 200-row part) is named, and no merged
    folder is left."""
    import pandas as pd

    shards = tmp_path / "shards"
    a, b = _shard(shards, "e.a", [0, 1]), _shard(shards, "e.b", [1, 2])
    part = b._part("outcomes", 1)  # held by both shards
    whole = part.read_bytes()
    part.write_bytes(whole[:40])
    with pytest.raises(KruispuntError, match=r"is damaged: batches/outcomes-000001\.parquet"):
        merge_ensembles([a, b], tmp_path / "ensembles")
    part.write_bytes(whole)
    rows = pd.DataFrame(
        {"future": range(200), "package": "p", "outcome": "o", "value": np.linspace(0, 1, 200)}
    )
    b.write_batch(2, rows)  # held by one shard: copied as it is once verified
    named = 0
    for _ in _flips(b._part("outcomes", 2), 30, seed=11):
        try:
            merged = merge_ensembles([a, b], tmp_path / "ensembles")
        except KruispuntError as exc:
            assert "is damaged" in str(exc) and "outcomes-000002" in str(exc)
            assert not (tmp_path / "ensembles" / "e").exists()
            named += 1
        else:
            assert merged.outcomes()["value"].tolist()[-200:] == rows["value"].tolist()
            shutil.rmtree(merged.folder)
    assert named >= 20


def test_an_ensemble_folder_is_resumed_only_by_the_same_run(tmp_path: Path) -> None:
    """Every field of the key counts: the same folder with another batch size or code is a
    different run, refused naming the field."""
    import pandas as pd

    made = _shard(tmp_path, "e", [0])
    for field in ("batch_size", "code_hash"):
        key = {**made.manifest["key"], field: "other"}
        manifest = {**made.manifest, "key": key}
        with pytest.raises(KruispuntError, match=rf"holds a different run \({field} differ\)"):
            Ensemble.open_or_create(tmp_path, "e", manifest, pd.DataFrame({"future": [0]}))
    again = Ensemble.open_or_create(tmp_path, "e", made.manifest, pd.DataFrame({"future": [0]}))
    assert again.finished() == [0]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda m: m.pop("n_batches"), "the manifest has no 'n_batches' (a whole number >= 0)"),
        (lambda m: m.update(n_batches=None), "field 'n_batches' must be a whole number >= 0"),
        (lambda m: m.update(n_futures=True), "field 'n_futures' must be a whole number >= 0"),
        (lambda m: m.update(key=[]), "field 'key' must be an object"),
        (lambda m: m.update(packages=[1]), "field 'packages' must be a list of package names"),
        (lambda m: m.update(shard={"i": 0}), "field 'shard' must be null or {i, n, batches"),
        (
            lambda m: m.update(n_futures=8, n_batches=5, key={"batch_size": 8}),
            "'n_batches' is 5, but 8 futures in batches of 8 make 1",
        ),
    ],
)
def test_an_ensemble_manifest_of_the_wrong_shape_is_named(
    tmp_path: Path, change: Any, said: str
) -> None:
    """A manifest cut short or edited by hand is refused when read, naming the field: not
    met later as a crash (a listing, the dashboard) or as an ensemble said complete with one
    batch of five."""
    made = _ensemble(tmp_path)
    path = made.folder / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(KruispuntError, match=re.escape(f"{path}: ") + ".*" + re.escape(said)):
        Ensemble(made.folder)
    path.write_text("[]", "utf-8")
    with pytest.raises(KruispuntError, match="not an ensemble manifest"):
        Ensemble(made.folder)


def test_hidden_folders_are_not_listed_as_ensembles(tmp_path: Path) -> None:
    """A half-written ensemble (``.tmp-<id>-<hex>``, manifest already in it) is not one."""
    from kruispunt.store import list_ensembles

    made = _ensemble(tmp_path)
    shutil.copytree(made.folder, tmp_path / ".tmp-e2-abcdef")
    assert [e.folder.name for e in list_ensembles(tmp_path)] == ["e1"]


def test_repair_takes_a_store_that_holds_only_ensembles(tmp_path: Path) -> None:
    """``kruispunt explore run`` makes a store with ensembles and no run; repair refused it
    ("not a results store"). It now rebuilds the (empty) run catalogue, leaves the ensembles
    as they are and cleans what a killed ensemble creation left."""
    root = tmp_path / "store"
    made = _ensemble(root / ENSEMBLES_DIR)
    before = sorted(p.name for p in made.folder.rglob("*"))
    dead = _aged(root / ENSEMBLES_DIR / ".tmp-e2-aaaaaa", 3600)
    report = Store.repair(root)
    assert report.runs == [] and report.set_aside == [] and report.ensembles == ["e1"]
    assert sorted(p.name for p in made.folder.rglob("*")) == before
    assert not dead.exists()
    assert Store(root).list().empty


def test_a_save_that_fails_after_its_folder_is_in_place_leaves_nothing(
    store: Store, res: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills once the run's folder is renamed into place, before its catalogue
    row is written: one error naming the store and the reason, and no run folder, temporary
    folder or lock left behind."""

    def full_disk(*args: object) -> tuple[object, ...]:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("kruispunt.store._catalogue_row", full_disk)
    with pytest.raises(KruispuntError) as exc:
        store.save(res, name="never")
    monkeypatch.undo()
    assert str(exc.value) == f"cannot save run in {store.root}: No space left on device"
    assert list(store.runs_dir.iterdir()) == []
    assert list(store.locks_dir.iterdir()) == []
    assert Store(store.root).entries() == []


def test_an_interrupt_right_after_the_commit_keeps_the_committed_run(
    store: Store, res: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C landing as the COMMIT returns, before the save has noted it: the catalogue lists
    the run, so its folder stays and the run loads."""
    real = Store._connect

    class InterruptAfterCommit:
        def __init__(self, con: sqlite3.Connection) -> None:
            self.con = con

        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
            cursor = self.con.execute(sql, *args)
            if sql == "COMMIT":
                raise KeyboardInterrupt
            return cursor

    @contextlib.contextmanager
    def interrupted(self: Store) -> Iterator[object]:
        with real(self) as con:
            yield InterruptAfterCommit(con)

    monkeypatch.setattr(Store, "_connect", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.save(res, name="kept")
    monkeypatch.undo()
    again = Store(store.root)
    rid = again.resolve("kept")
    assert (store.runs_dir / rid).is_dir()
    assert_results_equal(again.load(rid), res)


def test_a_run_is_named_by_a_prefix_of_its_id_and_an_unknown_one_lists_the_newest_runs(
    store: Store, res: Results
) -> None:
    """Seven runs: a prefix of an id names that run, a piece from the middle of an id does
    not; an unknown reference lists the five newest ids and "(and 2 more)"; a reference of
    80 characters is quoted whole, one of 81 cut to 77 and "..."."""
    small = Results(res.dataset.isel(plant=slice(0, 2)))
    ids = [store.save(small) for _ in range(7)]
    assert ids == sorted(ids)  # ids sort by time
    assert store.resolve(ids[3][:-2]) == ids[3]
    middle = ids[3][-8:-2]  # part of the random suffix, not a prefix of any id
    assert not any(i.startswith(middle) for i in ids)
    with pytest.raises(KruispuntError) as info:
        store.resolve(middle)
    message = str(info.value)
    assert f"unknown run '{middle}'" in message
    assert f"known runs: {', '.join(ids[-5:])} (and 2 more);" in message
    for length, shown in ((80, "x" * 80), (81, "x" * 77 + "...")):
        with pytest.raises(KruispuntError, match=f"unknown run '{shown}' in results store"):
            store.resolve("x" * length)


@pytest.mark.parametrize("part", ["futures.parquet", "batches/outcomes-000000.parquet"])
def test_an_ensemble_whose_part_is_cut_short_is_named_when_read(tmp_path: Path, part: str) -> None:
    """A part that cannot be read once gave a pyarrow error (a 500 in the dashboard); it is
    named, with what to do."""
    import pandas as pd

    made = _ensemble(tmp_path)
    outcomes = pd.DataFrame({"future": [0], "package": ["p"], "outcome": ["o"], "value": [1.0]})
    made.write_batch(0, outcomes)
    assert made.outcomes()["value"].tolist() == [1.0]
    path = made.folder / part
    path.write_bytes(path.read_bytes()[:300])
    read = made.futures if part == "futures.parquet" else made.outcomes
    with pytest.raises(KruispuntError, match=rf"ensemble e1 is damaged: {re.escape(part)} cannot"):
        read()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b'{"a": "\xff"}', "unreadable manifest: 'utf-8' codec can't decode byte 0xff"),
        (b"[" * 100_000 + b"]" * 100_000, "unreadable manifest: nested too deeply"),
    ],
)
def test_an_ensemble_manifest_that_is_not_json_text_is_named(
    tmp_path: Path, content: bytes, said: str
) -> None:
    """Bytes that are not UTF-8, or JSON nested past the parser's recursion, once gave a
    traceback in ``explore analyse`` and took down ``explore list`` as a whole."""
    from kruispunt.store import list_ensembles

    made = _ensemble(tmp_path)
    (made.folder / "manifest.json").write_bytes(content)
    with pytest.raises(KruispuntError, match=re.escape(said)):
        Ensemble(made.folder)
    with pytest.raises(KruispuntError, match="unreadable manifest"):
        list_ensembles(tmp_path)


def test_a_store_is_not_made_among_other_files(tmp_path: Path) -> None:
    """``--store ""`` (the current folder) or a data package's folder silently became a
    results store, its files mixed with the store's."""
    from kruispunt.store import check_can_write

    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("mine", "utf-8")
    (project / ".git").mkdir()  # hidden entries do not count
    for attempt in (lambda: Store(project), lambda: check_can_write(project)):
        with pytest.raises(
            KruispuntError, match=r"is not a results store and not empty \(it holds notes\.txt\)"
        ):
            attempt()
    assert sorted(p.name for p in project.iterdir()) == [".git", "notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert Store(empty).root == empty  # an empty folder becomes a store
    assert check_can_write(empty) == empty and Store(empty).root == empty  # and stays one
    ensembles_only = tmp_path / "ens"
    (ensembles_only / "ensembles").mkdir(parents=True)
    assert check_can_write(ensembles_only) == ensembles_only


def test_a_store_that_lost_its_catalogue_is_sent_to_repair_beside_a_stray_file(
    tmp_path: Path, res: Results
) -> None:
    """With runs but no catalogue, a README beside them made it "not a results store" (and
    opening it wrote an empty catalogue before refusing): it is sent to ``results repair``
    whatever else the folder holds, nothing is written, and repair brings the run back."""
    from kruispunt.store import check_can_write

    root = tmp_path / "store"
    run_id = Store(root).save(res)
    (root / "catalogue.sqlite").unlink()
    shutil.rmtree(root / "locks")  # nothing is made in it, not even its locks folder
    (root / "README").write_text("my runs", "utf-8")
    before = sorted(p.name for p in root.iterdir())
    for attempt in (lambda: Store(root), lambda: check_can_write(root)):
        with pytest.raises(KruispuntError, match=r"has runs but no run catalogue.*results repair"):
            attempt()
    assert sorted(p.name for p in root.iterdir()) == before
    Store.repair(root)
    assert Store(root).load(run_id).scenarios == res.scenarios
