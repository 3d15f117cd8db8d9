"""The main job: `kruispunt run` end to end, and bad scenario input."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kruispunt.catalogue import Catalogue
from kruispunt.errors import KruispuntError
from kruispunt.store import Store
from tests.cli_helpers import assert_user_error, invoke


def kruispunt(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KRUISPUNT_STORE": str(store), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "kruispunt", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_run_default_stores_reports_and_summarises(tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = kruispunt("run", store=store)
    assert proc.returncode == 0, proc.stderr
    assert "Direct emissions 2030" in proc.stdout
    assert "current-policy" in proc.stdout
    runs = Store(store).list()
    assert len(runs) == 1
    run_id = runs["run_id"].iloc[0]
    report = store / "reports" / f"{run_id}.html"
    assert report.is_file() and report.stat().st_size > 100_000
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(report.stat().st_mode) == 0o666 & ~mask  # not the temporary file's 0600
    assert f"report: {report}" in proc.stdout.replace("\n", "")
    stored = Store(store).load(run_id)
    assert stored.scenarios == ["current-policy"]


BAD = {
    "unknown_key": (
        "name: x\nbase: current-policy\neua_prise: {2030: 90}\n",
        "line 3",
        "'eua_prise': unknown key",
    ),
    "wrong_type": ("name: x\ncbam: perhaps\n", "line 2", "'cbam'"),
    "negative_price": (
        "name: x\ncarrier_prices:\n  natural_gas: {2030: -1}\n",
        "line 3",
        "greater than or equal to 0",
    ),
    "year_out_of_range": ("name: x\neua_price: {1990: 40}\n", "line 2", "2000"),
    "malformed_yaml": ("name: x\neua_price: [2030: 40\n", "line", "malformed YAML"),
    "unknown_carrier": (
        "name: x\ncarrier_price_scale: {unobtainium: 2}\n",
        "scenario.yaml",
        "unknown id 'unobtainium'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_file_exits_2_and_stores_nothing(tmp_path: Path, case: str) -> None:
    text, where, what = BAD[case]
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    store = tmp_path / "store"
    proc = kruispunt("run", str(scenario), store=store)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(scenario) in proc.stderr and where in proc.stderr and what in proc.stderr
    assert not store.exists() or Store(store).list().empty


def test_unknown_scenario_name_exits_2(tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = kruispunt("run", "business-as-usual", store=store)
    assert proc.returncode == 2
    assert "unknown scenario 'business-as-usual'" in proc.stderr
    assert "current-policy" in proc.stderr
    assert not store.exists() or Store(store).list().empty


def test_bad_cli_argument_exits_2(tmp_path: Path) -> None:
    proc = kruispunt("data", "summary", "--top", "0", store=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


# --- checked before any work, committed only with its report ------------------------------------


def test_dry_run_checks_everything_and_writes_nothing(tmp_path: Path) -> None:
    from tests.cli_helpers import invoke

    store = tmp_path / "store"
    scenario = tmp_path / "mine.yaml"
    scenario.write_text("name: mine\nbase: high-ambition\neua_price: {2030: 3e2}\n", "utf-8")
    outcome = invoke("run", "current-policy", str(scenario), "--dry-run", "--store", str(store))
    assert outcome.code == 0, outcome
    assert "OK: current-policy, mine" in outcome.stdout and "nothing was run" in outcome.stdout
    assert not store.exists()


def _fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip assembling and simulating: the storing and writing is what is tested here."""
    import kruispunt.assemble
    import kruispunt.engine.simulate
    from kruispunt.testing import synthetic_results

    monkeypatch.setattr(kruispunt.assemble, "build_inputs", lambda cat, scenarios: None)
    monkeypatch.setattr(
        kruispunt.engine.simulate, "simulate", lambda inputs, **kw: synthetic_results(n_plants=4)
    )


def test_a_run_whose_report_fails_is_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kruispunt.reports
    from kruispunt.errors import KruispuntError
    from kruispunt.testing import synthetic_results
    from tests.cli_helpers import assert_user_error, invoke, snapshot

    _fake_engine(monkeypatch)
    store = tmp_path / "store"
    Store(store).save(synthetic_results(n_plants=3))
    before = snapshot(store)

    def fail(*args: object, **kwargs: object) -> None:
        raise KruispuntError("cannot write report: disk full")

    monkeypatch.setattr(kruispunt.reports, "write_report", fail)
    assert_user_error(invoke("run", "--store", str(store)), "disk full")
    assert snapshot(store) == before


def _failing_commit(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """Every save writes its parts and calls ``before_commit`` (the report), then fails."""
    real = Store.save

    def save(self: Store, results: Any, name: str | None = None, **kw: Any) -> str:
        def hook(run_id: str) -> None:
            kw["before_commit"](run_id)
            raise error

        return real(self, results, name, before_commit=hook)

    monkeypatch.setattr(Store, "save", save)


@pytest.mark.parametrize("existing", ["none", "file", "link"])
def test_a_failed_commit_leaves_the_report_path_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: str
) -> None:
    """The report was written in place before the commit and removed when the commit failed:
    an earlier report at that path was lost, and through a link the link went and the file
    it pointed to kept the failed run's report. It now replaces its file only once the run
    is stored."""
    _fake_engine(monkeypatch)
    _failing_commit(monkeypatch, KruispuntError("cannot commit: disk full"))
    report, real = tmp_path / "r.html", tmp_path / "reports" / "last.html"
    old = "<!doctype html><p>last week's report</p>"
    if existing == "file":
        report.write_text(old, "utf-8")
    elif existing == "link":
        real.parent.mkdir()
        real.write_text(old, "utf-8")
        report.symlink_to(real)
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert_user_error(
        invoke("run", "--store", str(tmp_path / "store"), "--report", str(report)),
        "disk full",
    )
    assert Store(tmp_path / "store").entries() == []
    after = sorted(
        str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if "store" not in p.parts
    )
    assert after == [p for p in before if "store" not in Path(p).parts]
    if existing != "none":
        assert report.read_text("utf-8") == old
        assert report.is_symlink() == (existing == "link")


def test_the_report_parent_folder_is_made_when_it_can_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli_helpers import invoke

    _fake_engine(monkeypatch)
    report = tmp_path / "new" / "folder" / "r.html"
    outcome = invoke("run", "--store", str(tmp_path / "store"), "--report", str(report))
    assert outcome.code == 0, outcome
    assert report.is_file()
    (run,) = Store(tmp_path / "store").entries()
    assert f"stored as {run['run_id']}" in outcome.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")
def _held_run(store: Path, delay: str, **popen: Any) -> subprocess.Popen[str]:
    """``kruispunt run`` on ``store`` in the background, its save held ``delay`` seconds at its
    stages (``KRUISPUNT_STORE_WRITE_DELAY``: parts, then the catalogue insert)."""
    env = {**os.environ, "KRUISPUNT_STORE": str(store), "KRUISPUNT_STORE_WRITE_DELAY": delay}
    return subprocess.Popen(
        [sys.executable, "-m", "kruispunt", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def test_ctrl_c_says_interrupted_and_leaves_the_store_whole(tmp_path: Path) -> None:
    """Typer turned Ctrl-C into a silent exit 130; the command now says it was interrupted.
    The store holds no run or a whole one (the signal lands in the save, held at its parts)."""
    import signal
    import time

    def as_in_a_terminal() -> None:  # Ctrl-C reaches the whole foreground process group
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()

    store = tmp_path / "store"
    # the save waits 30 s at its parts: the signal lands inside the run, not after it; it is
    # sent once the save is under way (its .tmp- folder), not after a fixed sleep, which on a
    # loaded machine could land in the interpreter's imports, before the command's handler
    # (Python then dies of the signal: returncode -2)
    proc = _held_run(store, "30", preexec_fn=as_in_a_terminal)
    end = time.monotonic() + 600  # a guard against a hang, not a speed check
    runs = store / "runs"
    while not (runs.is_dir() and any(p.name.startswith(".tmp-") for p in runs.iterdir())):
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < end, "the run never reached its save"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted", err
    assert "Traceback" not in err
    if store.exists():
        st = Store(store)
        for rid in st.list()["run_id"]:
            assert st.load(rid).scenarios == ["current-policy"]  # the default run, whole


def test_a_run_killed_before_its_commit_leaves_no_report_behind(tmp_path: Path) -> None:
    """The report is written before the run enters the catalogue; a run killed (SIGKILL,
    no clean-up of its own) after the report was written and before the commit left the
    report in the store's reports/ for good. The next open of the store removes it with the
    run's folder."""
    import signal
    import time

    store = tmp_path / "store"
    # held an hour between the rename and the catalogue insert: the report is written by then
    proc = _held_run(store, "0,3600")
    try:
        end = time.monotonic() + 600  # a guard against a hang, not a speed check
        runs = store / "runs"
        while not (runs.is_dir() and any(not p.name.startswith(".") for p in runs.iterdir())):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < end, "the run never reached its commit"
            time.sleep(0.05)
        assert list((store / "reports").glob("*.html"))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    st = Store(store)
    assert st.list().empty
    assert list((store / "reports").iterdir()) == []
    assert list((store / "runs").iterdir()) == []


def test_dry_run_refuses_a_scenario_naming_an_unknown_id(tmp_path: Path) -> None:
    """The ids a scenario names are checked against the data package in a dry run too, before
    anything is written."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("name: x\ncarrier_price_scale: {unobtainium: 2}\n", encoding="utf-8")
    out = invoke("run", str(scenario), "--dry-run", store=tmp_path / "store")
    assert_user_error(
        out,
        f"{scenario}: key 'carrier_price_scale.unobtainium': scenario 'x': unknown id "
        "'unobtainium'; allowed: ammonia_import,",
    )
    assert out.stdout == ""
    assert not (tmp_path / "store").exists()


def test_dry_run_names_the_data_package_and_the_store_it_would_write(
    tmp_path: Path, cat: Catalogue
) -> None:
    """The store comes from $KRUISPUNT_STORE here (no --store): the line names that folder."""
    store = tmp_path / "store"
    out = invoke("run", "--dry-run", store=store)
    assert out.code == 0, out
    assert out.stdout == (
        f"OK: current-policy on data package {cat.data_hash[:12]}; results store {store}; "
        "nothing was run or written (--dry-run)\n"
    )


def test_a_data_folder_that_is_missing_or_a_file_is_named(tmp_path: Path) -> None:
    """Refused before the scenarios are read, each with what is wrong with it."""
    missing, file = tmp_path / "typo", tmp_path / "package.zip"
    file.write_bytes(b"PK\x03\x04")
    for path, what in ((missing, "does not exist"), (file, "is not a folder")):
        out = invoke("run", "--data", str(path), "--dry-run", store=tmp_path / "store")
        assert_user_error(out, f"data package folder {path} {what}")
        assert out.stdout == ""
    assert not (tmp_path / "store").exists()
    # a folder that is not a data package was blamed on a scenario file
    folder = tmp_path / "not-a-package"
    folder.mkdir()
    out = invoke("run", "--data", str(folder), "--dry-run", store=tmp_path / "store")
    assert_user_error(out, f"{folder} is not a data package (no datapackage.json)")


def test_an_empty_scenario_argument_is_named(tmp_path: Path) -> None:
    """It said ``error:  is a folder`` (the current folder)."""
    out = invoke("run", "", "--dry-run", store=tmp_path / "store")
    assert_user_error(out, "an empty scenario argument")


def test_a_blank_store_variable_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``KRUISPUNT_STORE="  "`` made a results store in a folder named two spaces."""
    from kruispunt.store import STORE_ENV, default_root

    monkeypatch.setenv(STORE_ENV, "  ")
    with pytest.raises(KruispuntError, match=r"is set to blanks \('  '\)"):
        default_root()
    monkeypatch.chdir(tmp_path)
    from typer.testing import CliRunner

    from kruispunt.cli import app

    result = CliRunner().invoke(app, ["run", "--dry-run"], env={STORE_ENV: "  "})
    assert result.exit_code == 2 and "is set to blanks" in result.stderr
    assert not (tmp_path / "  ").exists()


def test_a_run_interrupted_before_its_commit_leaves_no_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C between writing the report and the commit: no report is left, neither the
    store's (it goes with the run) nor --report's draft (a KeyboardInterrupt is no
    Exception, so the clean-up catches BaseException)."""
    _fake_engine(monkeypatch)
    _failing_commit(monkeypatch, KeyboardInterrupt())
    report = tmp_path / "out" / "r.html"
    out = invoke("run", "--store", str(tmp_path / "store"), "--report", str(report))
    assert (out.code, out.crashed) == (130, None), out  # typer's exit on Ctrl-C
    assert not report.exists() and list(report.parent.iterdir()) == []
    assert Store(tmp_path / "store").entries() == []
    out = invoke("run", "--store", str(tmp_path / "store2"))
    assert (out.code, out.crashed) == (130, None), out
    assert not any((tmp_path / "store2").rglob("*.html"))


def test_a_run_through_a_report_link_writes_the_file_it_points_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The link is kept and its file replaced, keeping that file's permissions (0600);
    the path printed is the one given."""
    _fake_engine(monkeypatch)
    real = tmp_path / "reports" / "last.html"
    real.parent.mkdir()
    real.write_text("<!doctype html><p>old</p>", "utf-8")
    real.chmod(0o600)
    link = tmp_path / "latest.html"
    link.symlink_to(os.path.relpath(real, tmp_path))
    out = invoke("run", "--store", str(tmp_path / "store"), "--report", str(link))
    assert out.code == 0, out
    assert link.is_symlink() and "Run id" in real.read_text("utf-8")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert f"report: {link}" in out.stdout
    assert sorted(p.name for p in real.parent.iterdir()) == ["last.html"]


def test_a_named_run_prints_its_id_and_its_report_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary is titled with the run id; the report's header carries the run's name."""
    _fake_engine(monkeypatch)
    store, report = tmp_path / "store", tmp_path / "r.html"
    out = invoke("run", "--name", "my plan", "--report", str(report), store=store)
    assert out.code == 0, out
    (entry,) = Store(store).entries()
    rid = entry["run_id"]
    lines = out.stdout.splitlines()
    assert lines[0].strip() == f"Run {rid}"
    assert lines[-2:] == [f"stored as {rid} in {store}", f"report: {report}"]
    assert "<tr><th>Name</th><td>my plan</td></tr>" in report.read_text("utf-8")


@pytest.mark.parametrize(
    ("error", "code", "stderr"),
    [("KeyboardInterrupt", 130, "interrupted\n"), ("BrokenPipeError", 1, "")],
)
def test_main_ends_an_interrupt_and_a_closed_pipe_with_their_exit_codes(
    error: str, code: int, stderr: str
) -> None:
    """Ctrl-C outside a command's own handling: exit 130, saying so. Output piped into a
    reader that stopped (``| head``): exit 1, quietly."""
    script = f"import kruispunt.cli as cli\ndef app(): raise {error}\ncli.app = app\ncli.main()\n"
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert (proc.returncode, proc.stderr, proc.stdout) == (code, stderr, "")


def test_a_package_lacking_a_row_only_the_assembly_asks_for_is_refused_before_a_run(
    tmp_path: Path,
) -> None:
    """A policy parameter an instrument needs is not checked with the tables: ``data validate``
    and ``run --dry-run`` said OK to a package without it, and only ``run`` refused it."""
    import shutil

    from kruispunt.catalogue.build import rehash_package
    from kruispunt.catalogue.paths import default_package_path

    pkg = tmp_path / "package"
    shutil.copytree(default_package_path(), pkg)
    policy = pkg / "policy.csv"
    lines = policy.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("eu_ets,heat_source_neutral_year,")]
    assert len(kept) == len(lines) - 1
    policy.write_text("".join(kept), encoding="utf-8")
    rehash_package(pkg)
    missing = "policy.csv: the data package lacks 'eu_ets.heat_source_neutral_year'"
    validated = invoke("data", "validate", str(pkg))
    assert_user_error(
        validated,
        f"data package {pkg} has 1 problem(s)",
        f"current-policy, high-ambition, no-new-policy cannot run: {missing}",
    )
    store = tmp_path / "store"
    for args in (["--dry-run"], ["--dry-run", "high-ambition"], []):
        out = invoke("run", "--data", str(pkg), *args, store=store)
        named = args[1] if len(args) > 1 else "current-policy"
        assert_user_error(
            out, f"data package {pkg} passes its checks but cannot run {named}: {missing}"
        )
        assert out.stdout == ""
    assert not store.exists()
