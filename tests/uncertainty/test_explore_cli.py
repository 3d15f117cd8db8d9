"""``kruispunt explore`` in this process (tests/cli_helpers.invoke): two shards run, listed,
resumed, merged and analysed; user errors and an interrupted run."""

from __future__ import annotations

from pathlib import Path

import pytest

from kruispunt.store import ENSEMBLES_DIR
from tests.cli_helpers import Outcome, assert_user_error, invoke

RUN = ("explore", "run", "--n", "2", "--seed", "3", "--batch-size", "1", "--workers", "1")
"""Two futures in two batches of one, in this process."""


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Outcome], list[Path]]:
    """A store with both shards of :data:`RUN` (never merged into it): the store, each
    shard's output and folder."""
    store = tmp_path_factory.mktemp("explore") / "store"
    runs = [invoke(*RUN, "--shard", f"{i}/2", store=store) for i in range(2)]
    for r in runs:
        assert r.code == 0 and r.crashed is None, r.stderr
    folders = sorted((store / ENSEMBLES_DIR).iterdir())
    assert [f.name.split(".")[-1] for f in folders] == ["shard-0of2", "shard-1of2"]
    return store, runs, folders


def _words(text: str) -> str:
    return " ".join(text.split())


def test_a_shard_runs_its_own_batch_and_leaves_the_analysis_to_the_merge(shards) -> None:  # type: ignore[no-untyped-def]
    """Each shard runs one of the two batches and says to merge: no analysis, no report (an
    analysis of half the futures would read as the ensemble's)."""
    store, runs, _ = shards
    for r in runs:
        out = _words(r.stdout)
        assert ": 2 futures x 3 packages, 1 of 2 batches of 1" in out
        assert "ran 1 batches (0 already finished)" in out
        assert "shard done; combine the shards with 'kruispunt explore merge'" in out
        assert "Most robust" not in out
    assert not (store / "reports").exists()


def test_the_list_gives_each_shard_s_finished_batches(shards) -> None:  # type: ignore[no-untyped-def]
    """Listed from ``$KRUISPUNT_STORE`` and from ``--store``: each shard has 1 of the
    ensemble's 2 batches and is finished, to be merged."""
    store, _, folders = shards
    for listing in (
        invoke("explore", "list", store=store),
        invoke("explore", "list", "--store", str(store)),
    ):
        assert listing.code == 0, listing.stderr
        rows = [
            [cell.strip() for cell in line.split("│")[1:-1]]
            for line in listing.stdout.splitlines()
            if ".shard-" in line
        ]
        want = [
            [f.name, "2", "1/2", f"no: shard {i}/2, finished (merge the shards)"]
            for i, f in enumerate(folders)
        ]
        assert rows == want, listing.stdout


def test_the_list_names_an_unreadable_ensemble_and_still_lists_the_others(
    shards, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A damaged manifest is one row, "cannot be read", with the reason below the table; the
    other ensembles are listed as before."""
    import shutil

    store, _, folders = shards
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    broken = copy / ENSEMBLES_DIR / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{", "utf-8")
    listing = invoke("explore", "list", "--store", str(copy))
    assert listing.code == 0 and listing.crashed is None, listing.stderr
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in listing.stdout.splitlines()]
    assert ["broken", "", "", "cannot be read"] in rows
    assert sum(f.name in line for f in folders for line in listing.stdout.splitlines()) == 2
    assert f"cannot be read: {broken / 'manifest.json'}: unreadable manifest" in _words(
        listing.stdout
    )


def test_a_finished_shard_run_again_runs_nothing(shards) -> None:  # type: ignore[no-untyped-def]
    store, _, _ = shards
    again = invoke(*RUN, "--shard", "1/2", store=store)
    assert again.code == 0, again.stderr
    assert "ran 0 batches (1 already finished)" in _words(again.stdout)


def test_merging_the_shards_given_by_folder_analyses_the_whole_ensemble(
    shards, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Shards named by their folders relative to the working directory, merged into another
    store: the merged ensemble is complete (no note on stderr) and its report goes to that
    store's reports folder."""
    store, _, folders = shards
    monkeypatch.chdir(store)
    other = tmp_path / "other"
    relative = (str(Path(ENSEMBLES_DIR) / f.name) for f in folders)
    merged = invoke("explore", "merge", *relative, "--store", str(other))
    assert merged.code == 0 and merged.crashed is None, merged.stderr
    base = folders[0].name.split(".shard-")[0]
    assert f"merged 2 shards into {other / ENSEMBLES_DIR / base}" in _words(merged.stdout)
    assert "Most robust package per outcome" in merged.stdout
    assert "incomplete" not in merged.stderr
    report = other / "reports" / f"{base}-robustness.html"
    assert report.is_file() and f"robustness report: {report}" in _words(merged.stdout)


def test_a_report_that_cannot_be_written_is_a_user_error(shards, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The default report path (``<store>/reports/``) under a file: one message naming the
    report, exit code 2, before the analysis (nothing of it printed)."""
    _, _, folders = shards
    (tmp_path / "reports").write_text("", encoding="utf-8")
    out = invoke("explore", "analyse", str(folders[0]), "--store", str(tmp_path))
    assert out.code == 2 and out.crashed is None, out.stderr
    report = tmp_path / "reports" / f"{folders[0].name}-robustness.html"
    want = f"error: cannot write report {report}: {tmp_path / 'reports'} is not a folder"
    assert want in _words(out.stderr)
    assert "Most robust" not in out.stdout and "PRIM" not in out.stdout


def test_a_run_whose_default_report_cannot_be_written_runs_no_batch(tmp_path: Path) -> None:
    """``explore run`` without ``--report`` into a store whose ``reports`` is a file: refused
    before any batch runs, so no ensemble is stored; a shard (no report) still runs."""
    (tmp_path / "reports").write_text("", encoding="utf-8")
    out = invoke(*RUN, "--store", str(tmp_path))
    assert out.code == 2 and out.crashed is None, out.stderr
    assert f"{tmp_path / 'reports'} is not a folder" in _words(out.stderr)
    assert "error: cannot write report " in out.stderr and "-robustness.html" in out.stderr
    assert "ran " not in out.stdout
    assert not (tmp_path / ENSEMBLES_DIR).exists()
    shard = invoke(*RUN, "--shard", "0/2", "--store", str(tmp_path))
    assert shard.code == 0 and "ran 1 batches" in _words(shard.stdout), shard.stderr
    assert "Traceback" not in out.stderr


def test_an_unknown_ensemble_names_where_it_was_looked_for(shards) -> None:  # type: ignore[no-untyped-def]
    store, _, _ = shards
    assert_user_error(
        invoke("explore", "analyse", "no-such", store=store),
        f"unknown ensemble 'no-such': neither a folder with manifest.json nor an ensemble in "
        f"{store / ENSEMBLES_DIR} (see 'kruispunt explore list')",
    )


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--sampler", "nope", "--sampler 'nope': allowed lhs, sobol, random, saltelli, morris"),
        ("--shard", "1of2", "--shard '1of2': expected i/N, e.g. 0/2"),
        ("--shard", "2/2", "--shard '2/2': need 0 <= i < N"),
    ],
)
def test_a_bad_sampler_or_shard_is_a_user_error(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    store = tmp_path / "store"
    assert_user_error(invoke(*RUN, option, value, store=store), message)
    assert not store.exists()


def test_an_interrupted_run_says_how_many_batches_it_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after the first of two batches: exit code 130 and how to resume."""
    import kruispunt.uncertainty.run as run_module

    def one_then_interrupt(p, *, progress, **kw):  # type: ignore[no-untyped-def]
        progress(0, 2)
        progress(1, 2)
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "explore", one_then_interrupt)
    out = invoke(*RUN, store=tmp_path / "store")
    assert out.code == 130 and out.crashed is None, out.stderr
    assert (
        "interrupted: 1 of 2 batches are finished and kept; run the same command again to "
        "resume" in _words(out.stderr)
    )


def test_an_empty_name_and_the_merge_of_a_whole_ensemble_are_refused(tmp_path: Path) -> None:
    """``--name ''`` was taken for no name (``run --name ''`` refuses it); ``explore merge``
    of a whole ensemble said it 'already exists; delete it to merge again', advice that
    deletes the only copy: it is named as no shard."""
    out = invoke(*RUN, "--name", "", store=tmp_path)
    assert out.code == 2 and out.crashed is None, out.stderr
    assert "error: --name '': an ensemble id is 1-100 letters" in _words(out.stderr)
    assert not (tmp_path / ENSEMBLES_DIR).exists()
    whole = invoke(*RUN, "--n", "1", "--batch-size", "1", "--name", "whole", store=tmp_path)
    assert whole.code == 0, whole.stderr
    merged = invoke("explore", "merge", "whole", store=tmp_path)
    assert merged.code == 2 and merged.crashed is None, merged.stderr
    assert "error: whole is a whole ensemble, not a shard (run with --shard i/N)" in _words(
        merged.stderr
    )
    assert sorted(p.name for p in (tmp_path / ENSEMBLES_DIR).iterdir()) == ["whole"]


def test_a_report_failing_after_the_analysis_says_the_ensemble_is_kept(
    shards, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A report path that passes its check but fails when written (a disk that fills, a
    path the checks cannot foresee): exit 2, the path and the reason, and that the ensemble
    stays stored, with the command that writes its report."""
    import kruispunt.reports.robustness as robustness

    _, _, folders = shards

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(robustness, "write_robustness_report", full)
    report = tmp_path / "r.html"
    out = invoke("explore", "analyse", str(folders[0]), "--report", str(report))
    assert out.code == 2 and out.crashed is None, out.stderr
    said = _words(out.stderr)
    assert f"error: cannot write report {report}: No space left on device" in said
    assert f"the ensemble is stored in {folders[0]}" in said
    assert f"'kruispunt explore analyse {folders[0]} --report PATH'" in said
    assert folders[0].is_dir() and not report.exists()
