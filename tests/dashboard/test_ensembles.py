"""Stored ensembles in the dashboard: the list page, each one's robustness report and its
analysis through the API, read against :func:`kruispunt.uncertainty.analysis.analyse` on a
real (small) ensemble of the default specification."""

from __future__ import annotations

import html
import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kruispunt.catalogue import load_catalogue
from kruispunt.dashboard.app import create_app
from kruispunt.dashboard.live import LiveServer
from kruispunt.dashboard.settings import ServeSettings
from kruispunt.dashboard.views import NotFound
from kruispunt.store import ENSEMBLES_DIR, Ensemble
from kruispunt.uncertainty.analysis import analyse
from kruispunt.uncertainty.run import explore, plan
from kruispunt.uncertainty.spec import load_spec
from tests.dashboard.conftest import CHROMIUM, CHROMIUM_ARGS

N, BATCH = 32, 16  # 32 futures x 3 packages in two batches (PRIM finds restricted boxes)


def _ensemble(root: Path, **kw: object) -> str:
    loaded, cat = load_spec(), load_catalogue()
    return explore(plan(loaded, catalogue=cat, **kw), store_root=root).ensemble.folder.name  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ensembles(store_root: Path) -> tuple[str, str]:
    """One finished ensemble and one whose run stopped before a batch finished: their ids."""
    done = _ensemble(store_root, n=N, seed=6, batch_size=BATCH)
    empty = _ensemble(store_root, n=2, seed=7, batch_size=1)
    for part in (store_root / ENSEMBLES_DIR / empty / "batches").glob("outcomes-*"):
        part.unlink()  # as a run killed before its first batch finished leaves it
    return done, empty


@pytest.fixture(scope="module")
def client(store_root: Path, ensembles: tuple[str, str]) -> Iterator[TestClient]:
    with TestClient(
        create_app(ServeSettings(store=store_root, workers=1)), base_url="http://localhost"
    ) as c:
        yield c


def _close(a: float | None, b: float) -> bool:
    return (a is None and not math.isfinite(b)) or (a is not None and math.isclose(a, b))


def test_the_api_lists_each_ensemble_with_its_design(
    client: TestClient, ensembles: tuple[str, str]
) -> None:
    done, empty = ensembles
    rows = {e["ensemble_id"]: e for e in client.get("/api/ensembles").json()}
    assert set(rows) == {done, empty}
    assert rows[done]["method"] == "lhs" and rows[done]["seed"] == 6
    assert (rows[done]["n_futures"], rows[done]["n_batches"]) == (N, N // BATCH)
    assert (rows[empty]["n_futures"], rows[empty]["n_batches"]) == (2, 2)
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
    assert (got["futures_analysed"], got["futures_explored"]) == (a.n_futures, a.n_explore)
    assert got["futures_analysed"] == N and got["complete"]
    assert [(m["outcome"], m["package"]) for m in got["most_robust"]] == list(
        zip(a.most_robust["outcome"], a.most_robust["package"], strict=True)
    )
    assert [(x["package"], x["share_all_targets"]) for x in got["satisficing"]] == list(
        zip(a.satisficing["package"], a.satisficing["share_all_targets"], strict=True)
    )
    assert [(m["outcome"], m["package"], m["missed"]) for m in got["misses"]] == list(
        zip(a.misses["outcome"], a.misses["package"], a.misses["missed"], strict=True)
    )
    ids = {"package", "outcome", "unit", "goal", "n"}
    assert len(got["robustness"]) == len(a.robustness) > 0
    for row, rec in zip(got["robustness"], a.robustness.to_dict("records"), strict=True):
        assert (row["package"], row["outcome"], row["n"]) == (
            rec["package"],
            rec["outcome"],
            rec["n"],
        )
        assert set(row["values"]) == set(rec) - ids  # every figure of the table, no other
        for col, value in row["values"].items():
            assert _close(value, float(rec[col])), (row["outcome"], row["package"], col)
    boxes = {(b["case"], b["outcome"], b["package"]): b for b in got["prim"]}
    want = {
        (case, o, p): res
        for case, found in (("missing", a.prim), ("meeting", a.prim_met))
        for o, by in found.items()
        for p, res in by.items()
    }
    assert boxes.keys() == want.keys()
    restricted = 0
    for key, res in want.items():
        box = boxes[key]
        assert (box["coverage"], box["density"]) == (res.box.coverage, res.box.density)
        limits = res.limits().to_dict("records")
        assert len(box["restrictions"]) == len(limits)
        for lim, rec in zip(box["restrictions"], limits, strict=True):
            assert lim["factor"] == rec["factor"]
            for col in ("lower", "upper", "min", "max", "qp_value"):
                assert _close(lim[col], float(rec[col])), (key, col)
        restricted += len(limits)
    assert restricted > 0  # some box restricts a factor (32 futures, seed 6; seed 5 had none
    # once the specification held 17 factors)
    assert len(got["tornado"]) == len(a.tornado) > 0
    assert got["tornado"][0]["factor"] == a.tornado["factor"].iloc[0]
    assert got["sobol"] == got["morris"] == []  # an LHS design has no sensitivity indices
    assert got["prim_outcome"] == a.prim_outcome


@pytest.mark.parametrize(("method", "table"), [("saltelli", "sobol"), ("morris", "morris")])
def test_a_sensitivity_design_gives_its_indices(tmp_path: Path, method: str, table: str) -> None:
    """A saltelli design's Sobol indices and a morris design's elementary effects are in
    the JSON, as analyse works them out, and its report is served."""
    root = tmp_path / "store"
    eid = _ensemble(root, method=method, n=2, seed=1, batch_size=64)
    a = analyse(Ensemble(root / ENSEMBLES_DIR / eid))
    expected = getattr(a, table)
    with TestClient(
        create_app(ServeSettings(store=root, workers=1)), base_url="http://localhost"
    ) as c:
        r = c.get(f"/api/ensembles/{eid}")
        assert r.status_code == 200 and "NaN" not in r.text, r.text[:300]
        rows = r.json()[table]
        assert len(rows) == len(expected) > 0
        for row, rec in zip(rows, expected.to_dict("records"), strict=True):
            assert (row["package"], row["outcome"], row["factor"]) == (
                rec["package"],
                rec["outcome"],
                rec["factor"],
            )
            numbers = [k for k in rec if k not in ("package", "outcome", "factor")]
            assert all(_close(row[k], float(rec[k])) for k in numbers), row
        assert c.get(f"/ensembles/{eid}").status_code == 200


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
        assert half["batches_done"] == 1
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
    home = client.get("/").text
    assert 'href="/ensembles"' in home  # in the navigation
    assert "2 ensembles of futures in the store" in " ".join(home.split())
    report = client.get(f"/ensembles/{done}")
    assert report.status_code == 200
    assert "Robustness of policy packages" in report.text and done in report.text


@pytest.mark.parametrize("where", ["page", "api"])
def test_unknown_and_unfinished_ensembles_are_refused_by_name(
    client: TestClient, store_root: Path, ensembles: tuple[str, str], where: str
) -> None:
    _, empty = ensembles
    prefix = "/ensembles/" if where == "page" else "/api/ensembles/"
    known = ", ".join(sorted(ensembles))
    for ref, said in (
        ("nowhere", f"no ensemble 'nowhere' in {store_root / ENSEMBLES_DIR}; ensembles: {known}"),
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
    with TestClient(
        create_app(ServeSettings(store=tmp_path / "store", workers=1)), base_url="http://localhost"
    ) as c:
        assert c.get("/api/ensembles").json() == []
        assert 'id="ensembles-note"' not in c.get("/").text
        page = c.get("/ensembles").text
        assert 'id="no-ensembles"' in page and "kruispunt explore run" in page


def test_an_unreadable_ensemble_is_listed_with_its_reason(tmp_path: Path) -> None:
    """One damaged manifest does not hide the other ensembles, nor break the page."""
    root = tmp_path / "store"
    broken = root / ENSEMBLES_DIR / "broken"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{", "utf-8")
    with TestClient(
        create_app(ServeSettings(store=root, workers=1)), base_url="http://localhost"
    ) as c:
        (row,) = c.get("/api/ensembles").json()
        assert row["ensemble_id"] == "broken" and "unreadable manifest" in row["error"]
        page = c.get("/ensembles")
        assert page.status_code == 200 and "cannot be read" in page.text
        r = c.get("/api/ensembles/broken")
        assert r.status_code == 422
        (item,) = r.json()["detail"]
        assert item["loc"] == ["path", "ensemble_id"]
        assert "manifest.json: unreadable manifest" in item["msg"]


@pytest.mark.parametrize("part", ["futures.parquet", "batches/outcomes-000000.parquet"])
def test_an_ensemble_with_a_part_cut_short_is_refused_by_name(
    store_root: Path, ensembles: tuple[str, str], tmp_path: Path, part: str
) -> None:
    """A part that cannot be read once gave a 500 on the API and the page."""
    done, _ = ensembles
    root = tmp_path / "store"
    shutil.copytree(store_root / ENSEMBLES_DIR / done, root / ENSEMBLES_DIR / done)
    path = root / ENSEMBLES_DIR / done / part
    path.write_bytes(path.read_bytes()[:300])
    with TestClient(
        create_app(ServeSettings(store=root, workers=1)), base_url="http://localhost"
    ) as c:
        r = c.get(f"/api/ensembles/{done}")
        assert r.status_code == 422, r.text[:300]
        (item,) = r.json()["detail"]
        assert item["loc"] == ["path", "ensemble_id"]
        assert f"ensemble {done} is damaged: {part} cannot be read" in item["msg"]
        page = c.get(f"/ensembles/{done}")
        assert page.status_code == 422 and "is damaged" in page.text


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs a Chromium at /usr/bin/chromium")
def test_the_report_opens_from_the_list_in_a_browser_and_draws_offline(
    store_root: Path, ensembles: tuple[str, str]
) -> None:
    """Headless Chromium: the Ensembles page's link opens the report, whose charts draw
    (every plot div gets its plotly SVG) with no script error and no request off the server."""
    from playwright.sync_api import sync_playwright

    done, _ = ensembles
    with LiveServer(ServeSettings(store=store_root, workers=1)) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"{server.url}/ensembles")
        page.click(f'a[href="/ensembles/{done}"]')
        page.wait_for_function(
            "() => { const p = document.querySelectorAll('.plot');"
            " return p.length > 0 && [...p].every(d => d.querySelector('svg.main-svg')); }"
        )
        n_plots = page.locator(".plot").count()
        title = page.title()
        browser.close()
    assert title == f"Kruispunt robustness: {done}"
    assert n_plots >= 4  # fan charts, PRIM trade-offs and boxes, tornados
    assert errors == []
    assert all(u.startswith(server.url) or u.startswith("data:") for u in requests), requests
