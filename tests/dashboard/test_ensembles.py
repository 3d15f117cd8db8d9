"""Stored ensembles in the dashboard: the list page, each one's robustness report and its
analysis through the API, read against :func:`kruispunt.uncertainty.analysis.analyse` on a
real (small) ensemble of the default specification."""

from __future__ import annotations

import html
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kruispunt.catalogue import load_catalogue
from kruispunt.dashboard.app import create_app
from kruispunt.dashboard.settings import ServeSettings
from kruispunt.dashboard.views import NotFound
from kruispunt.store import ENSEMBLES_DIR, Ensemble
from kruispunt.uncertainty.analysis import analyse
from kruispunt.uncertainty.run import _manifest, explore, plan
from kruispunt.uncertainty.spec import load_spec

N, BATCH = 8, 4  # 8 futures x 3 packages in two batches


@pytest.fixture(scope="module")
def ensembles(store_root: Path) -> tuple[str, str]:
    """One finished ensemble and one with no finished batch: their ids."""
    loaded, cat = load_spec(), load_catalogue()
    finished = plan(loaded, n=N, seed=5, batch_size=BATCH, catalogue=cat)
    done = explore(finished, store_root=store_root)
    empty = plan(loaded, n=N, seed=6, batch_size=BATCH, catalogue=cat)
    Ensemble.open_or_create(
        store_root / ENSEMBLES_DIR, empty.ensemble_id, _manifest(empty), empty.futures_table()
    )
    return done.ensemble.folder.name, empty.ensemble_id


@pytest.fixture(scope="module")
def client(store_root: Path, ensembles: tuple[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(ServeSettings(store=store_root, workers=1))) as c:
        yield c


def _close(a: float | None, b: float) -> bool:
    return (a is None and not math.isfinite(b)) or (a is not None and math.isclose(a, b))


def test_the_api_lists_each_ensemble_with_its_design(
    client: TestClient, ensembles: tuple[str, str]
) -> None:
    done, empty = ensembles
    rows = {e["ensemble_id"]: e for e in client.get("/api/ensembles").json()}
    assert set(rows) == {done, empty}
    assert rows[done]["method"] == "lhs" and rows[done]["seed"] == 5
    assert (rows[done]["n_futures"], rows[done]["n_batches"]) == (N, N // BATCH)
    assert rows[done]["batches_done"] == 2 and rows[done]["complete"]
    assert rows[empty]["batches_done"] == 0 and not rows[empty]["complete"]
    assert rows[done]["packages"] == ["current-policy", "no-new-policy", "high-ambition"]


def test_an_ensemble_s_analysis_is_analyse_s(
    client: TestClient, store_root: Path, ensembles: tuple[str, str]
) -> None:
    done, _ = ensembles
    r = client.get(f"/api/ensembles/{done}")
    assert r.status_code == 200, r.text
    assert "NaN" not in r.text and "Infinity" not in r.text  # strict JSON
    got = r.json()
    a = analyse(Ensemble(store_root / ENSEMBLES_DIR / done))
    assert got["futures_analysed"] == a.n_futures == N
    assert [(m["outcome"], m["package"]) for m in got["most_robust"]] == list(
        zip(a.most_robust["outcome"], a.most_robust["package"], strict=True)
    )
    assert len(got["robustness"]) == len(a.robustness) > 0
    for row, rec in zip(got["robustness"], a.robustness.to_dict("records"), strict=True):
        assert (row["package"], row["outcome"]) == (rec["package"], rec["outcome"])
        for col, value in row["values"].items():
            assert _close(value, float(rec[col])), (row["outcome"], row["package"], col)
    for box in got["prim"]:
        res = a.prim[box["outcome"]][box["package"]]
        assert (box["coverage"], box["density"]) == (res.box.coverage, res.box.density)
        assert [x["factor"] for x in box["restrictions"]] == list(res.limits()["factor"])
    assert got["prim_outcome"] == a.prim_outcome


def test_the_analysis_follows_batches_that_finish_later(
    client: TestClient, store_root: Path, ensembles: tuple[str, str]
) -> None:
    """An interrupted ensemble is analysed on its finished batches; once the run is resumed
    the next request analyses them all (the cache keys on the finished batches)."""
    done, _ = ensembles
    folder = store_root / ENSEMBLES_DIR / done
    part = folder / "batches" / "outcomes-000001.parquet"
    kept = part.read_bytes()
    part.unlink()  # as an interrupted run leaves it: batch 1 not finished
    try:
        half = client.get(f"/api/ensembles/{done}").json()
        assert half["futures_analysed"] == BATCH and not half["complete"]
        assert "Incomplete ensemble" in client.get(f"/ensembles/{done}").text
    finally:
        part.write_bytes(kept)
    whole = client.get(f"/api/ensembles/{done}").json()
    assert whole["futures_analysed"] == N and whole["complete"]
    assert "Incomplete ensemble" not in client.get(f"/ensembles/{done}").text


def test_pages_list_the_ensembles_and_show_each_report(
    client: TestClient, ensembles: tuple[str, str]
) -> None:
    done, empty = ensembles
    page = client.get("/ensembles")
    assert page.status_code == 200
    assert f'data-ensemble="{done}"' in page.text and f'data-ensemble="{empty}"' in page.text
    assert f'href="/ensembles/{done}"' in page.text
    assert f'href="/ensembles/{empty}"' not in page.text  # nothing to report yet
    assert "no batch finished yet" in page.text
    assert 'href="/ensembles"' in client.get("/").text  # in the navigation
    report = client.get(f"/ensembles/{done}")
    assert report.status_code == 200
    assert "Robustness of policy packages" in report.text and done in report.text


@pytest.mark.parametrize("where", ["page", "api"])
def test_unknown_and_unfinished_ensembles_are_refused_by_name(
    client: TestClient, store_root: Path, ensembles: tuple[str, str], where: str
) -> None:
    done, empty = ensembles
    prefix = "/ensembles/" if where == "page" else "/api/ensembles/"
    folder = store_root / ENSEMBLES_DIR
    for ref, said in (
        ("nowhere", f"no ensemble 'nowhere' in {folder}; ensembles: {done}, {empty}"),
        (empty, f"ensemble '{empty}' has no finished batch yet: nothing to analyse"),
    ):
        r = client.get(prefix + ref)
        assert r.status_code == 404, (ref, r.status_code)
        if where == "api":
            (item,) = r.json()["detail"]
            assert item["loc"] == ["path", "ensemble_id"] and said in item["msg"], item
        else:
            assert said in html.unescape(r.text), r.text[-800:]
    # an id is one of the listed folders, never a path: the store's own folder is not one
    with pytest.raises(NotFound, match=r"no ensemble '\.\.' in"):
        client.app.state.ensembles.ensemble("..")  # type: ignore[attr-defined]


def test_a_store_without_ensembles_says_how_to_make_one(tmp_path: Path) -> None:
    with TestClient(create_app(ServeSettings(store=tmp_path / "store", workers=1))) as c:
        assert c.get("/api/ensembles").json() == []
        page = c.get("/ensembles").text
        assert 'id="no-ensembles"' in page and "kruispunt explore run" in page


def test_an_unreadable_ensemble_is_listed_with_its_reason(tmp_path: Path) -> None:
    """One damaged manifest does not hide the other ensembles, nor break the page."""
    root = tmp_path / "store"
    broken = root / ENSEMBLES_DIR / "broken"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{", "utf-8")
    with TestClient(create_app(ServeSettings(store=root, workers=1))) as c:
        (row,) = c.get("/api/ensembles").json()
        assert row["ensemble_id"] == "broken" and "unreadable manifest" in row["error"]
        page = c.get("/ensembles")
        assert page.status_code == 200 and "cannot be read" in page.text
        r = c.get("/api/ensembles/broken")
        assert r.status_code == 422
        assert "manifest.json: unreadable manifest" in r.json()["detail"][0]["msg"]
