"""The results store from the command line: read commands never create or change a store and
work on one the user cannot write; repair rebuilds the catalogue; files are published with
the user's umask."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kruispunt.store import Store
from kruispunt.testing import synthetic_results
from tests.cli_helpers import ENV, assert_user_error, invoke, snapshot

SRC = Path(__file__).resolve().parents[1] / "src"


def _stored(root: Path, names: tuple[str, ...] = ("base", "policy")) -> list[str]:
    store = Store(root)
    return [store.save(synthetic_results(n_plants=4, seed=i), name=n) for i, n in enumerate(names)]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- read commands ----------------------------------------------------------------------------


def test_read_commands_leave_the_store_as_it_was(tmp_path: Path) -> None:
    root = tmp_path / "store"
    a, b = _stored(root)
    before = snapshot(root)
    for args in (
        ["results", "list"],
        ["results", "show", a],
        ["export", a, "-o", str(tmp_path / "a.csv")],
        ["export", b, "-f", "parquet", "-o", str(tmp_path / "b-parquet")],
        ["compare", a, b, "--report", str(tmp_path / "c.html")],
    ):
        outcome = invoke(*args, "--store", str(root))
        assert outcome.code == 0, (args, outcome)
    assert snapshot(root) == before
    assert not any(p.name.endswith(("-wal", "-shm")) for p in root.iterdir())


@pytest.mark.parametrize("command", [["results", "list"], ["results", "show", "latest"]])
def test_read_commands_never_create_a_store(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo"
    assert_user_error(invoke(*command, "--store", str(missing)), str(missing), "does not exist")
    assert not missing.exists()


def test_delete_refuses_a_missing_store_without_creating_it(tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    assert_user_error(invoke("results", "delete", "x", "--yes", "--store", str(missing)))
    assert not missing.exists()


def test_list_without_any_store_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default store of a new user does not exist yet: that is not an error."""
    import platformdirs

    monkeypatch.delenv("KRUISPUNT_STORE", raising=False)
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "data"))
    from typer.testing import CliRunner

    from kruispunt.cli import app

    result = CliRunner().invoke(app, ["results", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "no runs yet" in result.stdout
    assert not (tmp_path / "data").exists()


def _other_user() -> list[str] | None:
    """Command prefix that runs Python as an unprivileged user (root only), or None."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python in (sys.executable, shutil.which(version), f"/usr/bin/{version}"):
        if not python or not os.path.exists(python):
            continue
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", python]
        probe = subprocess.run(
            [*prefix, "-c", "import kruispunt.cli"],
            env=_env(),
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return prefix
    return None


def _env() -> dict[str, str]:
    paths = [str(SRC), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    return {**os.environ, **ENV, "HOME": "/tmp", "PYTHONPATH": os.pathsep.join(paths)}


@pytest.fixture
def readonly_store() -> Iterator[tuple[Path, list[str], list[str]]]:
    """A store in a folder this test's commands cannot write, and how to run them."""
    base = Path(tempfile.mkdtemp(prefix="kruispunt-ro-"))
    try:
        base.chmod(0o755)
        root = base / "store"
        ids = _stored(root)
        out = base / "out"
        out.mkdir()
        out.chmod(0o777)
        if os.geteuid() == 0:
            prefix = _other_user()
            if prefix is None:
                pytest.skip("cannot run Python as an unprivileged user here")
        else:
            prefix = [sys.executable]
            for path in [root, *root.rglob("*")]:
                path.chmod(path.stat().st_mode & ~0o222)
        yield root, ids, prefix
    finally:
        for path in [base, *base.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
        shutil.rmtree(base)


def test_a_store_the_user_cannot_write_can_be_read(
    readonly_store: tuple[Path, list[str], list[str]],
) -> None:
    root, (a, b), prefix = readonly_store
    before = snapshot(root)
    out = root.parent / "out"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, "-m", "kruispunt", *args, "--store", str(root)],
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
            cwd=out,
        )

    listed = cli("results", "list")
    assert listed.returncode == 0, listed.stderr
    assert a in listed.stdout and b in listed.stdout
    shown = cli("results", "show", "base")
    assert shown.returncode == 0, shown.stderr
    assert "Direct emissions 2030" in shown.stdout
    exported = cli("export", "policy", "-o", str(out / "policy.csv"))
    assert exported.returncode == 0, exported.stderr
    assert (out / "policy.csv").stat().st_size > 1000
    for args, what in (
        (("results", "delete", a, "--yes"), "not writable"),
        (("run", "--dry-run"), "not writable"),
    ):
        refused = cli(*args)
        assert refused.returncode == 2, refused.stderr
        assert what in refused.stderr and "Traceback" not in refused.stderr
    assert snapshot(root) == before


# --- repair -----------------------------------------------------------------------------------


def test_repair_of_a_healthy_store_keeps_every_run(tmp_path: Path) -> None:
    root = tmp_path / "store"
    ids = _stored(root, ("a", "b"))
    before = Store(root).entries()
    outcome = invoke("results", "repair", "--store", str(root))
    assert outcome.code == 0, outcome
    assert "rebuilt the run catalogue: 2 run(s)" in outcome.stdout
    after = Store(root).entries()
    assert after == before
    assert Store(root).load(ids[0]).scenarios == ["reference", "green_market"]


def test_repair_sets_broken_runs_aside_and_drops_vanished_ones(tmp_path: Path) -> None:
    root = tmp_path / "store"
    a, b, c = _stored(root, ("a", "b", "c"))
    (root / "runs" / a / "coords_plant.parquet").write_bytes(b"PAR1 garbage")
    shutil.rmtree(root / "runs" / c)
    (root / "runs" / "copied-by-hand").mkdir()
    report = Store.repair(root)
    assert report.runs == [b]
    assert sorted(name for name, _ in report.set_aside) == sorted([a, "copied-by-hand"])
    reasons = dict(report.set_aside)
    assert "coords_plant.parquet" in reasons[a] and "broken" in reasons[a]
    assert report.dropped == [c]
    assert report.old_catalogue is not None and report.old_catalogue.is_file()
    assert sorted(p.name for p in (root / "broken").iterdir() if p.is_dir()) == sorted(
        [a, "copied-by-hand"]
    )
    store = Store(root)
    assert [e["run_id"] for e in store.entries()] == [b]
    assert store.resolve("latest") == b
    store.save(synthetic_results(n_plants=3), name="after")  # the store works as before


def test_repair_brings_back_runs_after_the_catalogue_was_deleted(tmp_path: Path) -> None:
    root = tmp_path / "store"
    ids = _stored(root)
    entries = Store(root).entries()
    for suffix in ("", "-wal", "-shm"):
        (root / f"catalogue.sqlite{suffix}").unlink(missing_ok=True)
    assert_user_error(invoke("results", "list", "--store", str(root)), "results repair")
    assert_user_error(invoke("run", "--dry-run", "--store", str(root)), "results repair")
    assert not (root / "catalogue.sqlite").exists()  # refused, not silently recreated empty
    outcome = invoke("results", "repair", "--store", str(root))
    assert outcome.code == 0, outcome
    assert Store(root).entries() == entries
    assert [e["run_id"] for e in entries] == ids


def test_a_run_being_saved_is_left_alone_by_repair(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _stored(root, ("a",))
    busy = root / "runs" / "20990101T000000000000Z-0000beef"
    busy.mkdir()
    (root / "locks" / f"{busy.name}.lock").write_text("")
    report = Store.repair(root)
    assert busy.is_dir() and not report.set_aside


# --- permissions of what the commands write ----------------------------------------------------


def test_compare_report_gets_the_umask_permissions(tmp_path: Path) -> None:
    root = tmp_path / "store"
    a, b = _stored(root)
    report = tmp_path / "cmp.html"
    outcome = invoke("compare", a, b, "--report", str(report), "--store", str(root))
    assert outcome.code == 0, outcome
    assert stat.S_IMODE(report.stat().st_mode) == 0o666 & ~_umask()


@pytest.mark.parametrize("fmt", ["iamc", "netcdf", "csv"])
def test_exports_get_the_umask_permissions(tmp_path: Path, fmt: str) -> None:
    root = tmp_path / "store"
    a, _ = _stored(root)
    target = tmp_path / f"export-{fmt}"
    outcome = invoke("export", a, "-f", fmt, "-o", str(target), "--store", str(root))
    assert outcome.code == 0, outcome
    files = [target] if target.is_file() else list(target.iterdir())
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o666 & ~_umask(), file


# --- names and references ---------------------------------------------------------------------


def test_ambiguous_name_and_prefix_list_their_matches(tmp_path: Path) -> None:
    root = tmp_path / "store"
    a, b = _stored(root, ("same", "same"))
    assert_user_error(invoke("results", "show", "same", "--store", str(root)), a, b, "2 runs")
    assert_user_error(invoke("results", "show", "2", "--store", str(root)), "prefix '2'", a, b)
    assert_user_error(invoke("results", "show", "", "--store", str(root)), "must not be empty")
    outcome = invoke("results", "show", a[:-1], "--store", str(root))
    assert outcome.code == 0, outcome  # a unique prefix still works


def test_repair_refuses_a_folder_that_is_not_a_store(tmp_path: Path) -> None:
    """Repair moves folders it cannot read into broken/: a folder of scenario files, or one
    whose runs/ holds no stored run, is refused and left as it was."""
    for layout in ({"x.yaml": "name: x\n"}, {"runs/experiment1/results.txt": "1\n"}):
        root = tmp_path / str(len(layout)) / "proj"
        for name, text in layout.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        before = snapshot(root)
        out = invoke("results", "repair", "--store", str(root))
        assert out.code == 2 and "is not a results store" in out.stderr, out
        assert snapshot(root) == before
        shutil.rmtree(root.parent)
    afile = tmp_path / "afile"  # once "the folder does not exist" of a file that does
    afile.write_text("x", encoding="utf-8")
    out = invoke("results", "repair", "--store", str(afile))
    assert out.code == 2 and out.crashed is None, out
    assert out.stderr.strip() == f"error: no results store at {afile}: it is not a folder"
    assert afile.read_text(encoding="utf-8") == "x"


def test_repair_keeps_a_committed_run_whose_writer_left_its_lock(tmp_path: Path) -> None:
    """A save killed after its commit, before it removed its lock file, once had its run
    dropped by repair ("its folder is missing") and deleted by the next write."""
    root = tmp_path / "store"
    a, b = _stored(root, ("a", "b"))
    (root / "locks" / f"{b}.lock").write_text("")  # nobody holds it: its writer died
    report = Store.repair(root)
    assert report.runs == [a, b] and report.dropped == []
    store = Store(root)
    store.save(synthetic_results(n_plants=3), name="after")
    assert set(store.list()["name"]) == {"a", "b", "after"}
    assert store.load(b).scenarios


def test_an_interrupt_after_the_commit_keeps_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C landing as the catalogue's connection closes, after the commit, once deleted
    the folder of a run the catalogue listed."""
    import contextlib

    root = tmp_path / "store"
    _stored(root, ("a",))
    store = Store(root)
    real = Store._connect

    calls: list[int] = []

    @contextlib.contextmanager
    def interrupted(self: Store):  # type: ignore[no-untyped-def]
        calls.append(1)
        with real(self) as con:
            yield con
        if len(calls) == 1:  # the insert's connection: committed, then Ctrl-C as it closes
            raise KeyboardInterrupt

    monkeypatch.setattr(Store, "_connect", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.save(synthetic_results(n_plants=3), name="b")
    monkeypatch.undo()
    again = Store(root)
    rid = again.resolve("b")
    assert again.load(rid).scenarios and (root / "runs" / rid).is_dir()


def test_a_repair_during_a_save_keeps_the_saved_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row committed while repair scanned the folders once went into the catalogue the
    repair then set aside: the run reported success and vanished from the list. Here a save
    starts while repair reads the first folder; repair gives it 2 s to commit (it takes a
    fraction of that when nothing stops it), then goes on and swaps the catalogue."""
    import threading

    import kruispunt.store as store_module

    root = tmp_path / "store"
    _stored(root, ("a",))
    saved = threading.Event()
    ids: list[str] = []

    def save() -> None:
        ids.append(Store(root).save(synthetic_results(n_plants=3), name="during"))
        saved.set()

    real = store_module._row_of_folder
    thread = threading.Thread(target=save)

    def reading(entry: Path):  # type: ignore[no-untyped-def]
        if not thread.is_alive() and not saved.is_set():
            thread.start()
            saved.wait(timeout=2.0)
        return real(entry)

    monkeypatch.setattr(store_module, "_row_of_folder", reading)
    Store.repair(root)
    thread.join(timeout=60)
    assert ids, "the save did not finish"
    assert set(Store(root).list()["name"]) == {"a", "during"}


def test_delete_removes_the_run_s_own_report_only(tmp_path: Path) -> None:
    """``kruispunt run`` writes ``reports/<run id>.html`` beside the run; deleting the run
    once left it behind. Other reports (a comparison, a robustness page) stay."""
    root = tmp_path / "store"
    a, b = _stored(root, ("a", "b"))
    reports = root / "reports"
    reports.mkdir()
    for name in (f"{a}.html", f"{b}.html", f"compare-{a}-{b}.html"):
        (reports / name).write_text("<!doctype html>\n", encoding="utf-8")
    out = invoke("results", "delete", a, "--yes", "--store", str(root))
    assert out.code == 0, out
    assert sorted(p.name for p in reports.iterdir()) == [f"{b}.html", f"compare-{a}-{b}.html"]


def test_repair_says_what_it_did_line_by_line(tmp_path: Path) -> None:
    """A healthy store: its old catalogue kept, every run back, nothing set aside. Then a
    broken run and a vanished one: each named with what happened to it, and where the broken
    one went."""
    import re

    root = tmp_path / "store"
    a, b, c = _stored(root, ("a", "b", "c"))
    broken = re.escape(str(root / "broken"))
    kept = rf"old catalogue kept as {broken}/catalogue-\d{{8}}T\d{{6}}Z\.sqlite"
    outcome = invoke("results", "repair", "--store", str(root))
    assert outcome.code == 0, outcome
    lines = outcome.stdout.splitlines()
    assert len(lines) == 2 and re.fullmatch(kept, lines[0]), lines
    assert lines[1] == "rebuilt the run catalogue: 3 run(s)"
    (root / "runs" / a / "manifest.json").write_text("{", encoding="utf-8")
    shutil.rmtree(root / "runs" / c)
    outcome = invoke("results", "repair", "--store", str(root))
    assert outcome.code == 0, outcome
    lines = outcome.stdout.splitlines()
    assert len(lines) == 4, lines
    assert lines[0].startswith(f"set aside {a}: ") and "manifest.json" in lines[0]
    assert lines[1] == f"dropped {c}: the old catalogue listed it but its folder is missing"
    assert re.fullmatch(kept, lines[2]), lines
    assert lines[3] == f"rebuilt the run catalogue: 1 run(s); 1 set aside in {root / 'broken'}"
    assert [e["run_id"] for e in Store(root).entries()] == [b]


def test_a_report_follows_the_umask_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    """Under umask 027 the comparison report is 0640; the command leaves the process's umask
    as it found it (it reads it by setting it)."""
    root = tmp_path / "store"
    a, b = _stored(root)
    report = tmp_path / "cmp.html"
    old = os.umask(0o027)
    try:
        outcome = invoke("compare", a, b, "--report", str(report), "--store", str(root))
        after = _umask()
    finally:
        os.umask(old)
    assert outcome.code == 0, outcome
    assert after == 0o027
    assert stat.S_IMODE(report.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--dry-run", "--store"],
        ["results", "list", "--store"],
        ["explore", "list", "--store"],
        ["export", "latest", "--store"],
        ["run", "--dry-run", "--data"],
    ],
)
def test_a_path_the_file_system_refuses_is_a_user_error(tmp_path: Path, command: list[str]) -> None:
    """A path with a name longer than the file system allows (255 bytes on ext4) gave the
    OSError's traceback from the first look at it (path.exists()); it is a user error that
    names the path and the system's reason, and nothing is written."""
    long = tmp_path / ("a" * 300) / "s"
    out = invoke(*command, str(long), store=tmp_path / "store")
    assert out.crashed is None, out.crashed
    assert out.code == 2, out.stdout + out.stderr
    assert out.stderr.strip() == f"error: cannot use the path '{long}': File name too long"
    assert list(tmp_path.iterdir()) == []
