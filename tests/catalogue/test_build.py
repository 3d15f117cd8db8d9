"""The embedded data package is rebuilt byte for byte from the vendored raw data."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from kruispunt.catalogue.build import build_package
from kruispunt.catalogue.load import default_package_path
from kruispunt.errors import DataPackageError, KruispuntError, Problem
from tests.catalogue.conftest import REPO, read_rows, write_rows

RAW = REPO / "data" / "raw"
CURATED = REPO / "data" / "curated"

needs_repo = pytest.mark.skipif(not RAW.is_dir(), reason="needs the repository's data/ folder")


@needs_repo
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "package"
    build_package(RAW, CURATED, out)
    shipped = default_package_path()
    names = sorted(p.name for p in shipped.iterdir() if p.is_file())
    assert names == sorted(p.name for p in out.iterdir())
    for name in names:
        assert (out / name).read_bytes() == (shipped / name).read_bytes(), name


@needs_repo
def test_failed_build_leaves_previous_package(tmp_path: Path) -> None:
    out = tmp_path / "package"
    build_package(RAW, CURATED, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = tmp_path / "curated"
    shutil.copytree(CURATED, broken)
    (broken / "sites.csv").write_text(
        (broken / "sites.csv")
        .read_text()
        .replace(",chemelot,,chemicals,", ",atlantis,,chemicals,"),
        encoding="utf-8",
    )
    with pytest.raises(KruispuntError, match="atlantis"):
        build_package(RAW, broken, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".build-*"))


@needs_repo
def test_every_stationary_installation_is_mapped_once(tmp_path: Path) -> None:
    broken = tmp_path / "curated"
    shutil.copytree(CURATED, broken)
    lines = (broken / "installation_sites.csv").read_text().splitlines()
    (broken / "installation_sites.csv").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(KruispuntError, match="without a row"):
        build_package(RAW, broken, tmp_path / "out")


@pytest.mark.parametrize("kind", ["foreign folder", "file"])
def test_build_refuses_an_out_that_is_not_a_data_package(tmp_path: Path, kind: str) -> None:
    """The build replaces its output folder whole: a folder of the user's (once deleted
    with everything in it), or a file (once a traceback, the file renamed aside), is refused
    before any work, and left as it was."""
    out = tmp_path / "mydocs"
    if kind == "file":
        out.write_text("precious\n", encoding="utf-8")
    else:
        (out / "sub").mkdir(parents=True)
        (out / "thesis.tex").write_text("precious\n", encoding="utf-8")
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    with pytest.raises(KruispuntError, match=r"--out .*mydocs exists and is not a"):
        build_package(tmp_path / "no-raw", tmp_path / "no-curated", out)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


@needs_repo
def test_rebuild_replaces_a_package_and_leaves_its_neighbours(tmp_path: Path) -> None:
    """A package folder is replaced; a folder named ``<out>.old`` beside it (once deleted by
    the swap) is not touched."""
    out = tmp_path / "package"
    build_package(RAW, CURATED, out)
    (tmp_path / "package.old").mkdir()
    (tmp_path / "package.old" / "keep.txt").write_text("mine\n", encoding="utf-8")
    (out / "sites.csv").write_text("edited\n", encoding="utf-8")
    build_package(RAW, CURATED, out)
    assert (out / "sites.csv").read_bytes() == (default_package_path() / "sites.csv").read_bytes()
    assert (tmp_path / "package.old" / "keep.txt").read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package", "package.old"]


@needs_repo
def test_production_is_not_derived_from_an_emission_factor_of_0(tmp_path: Path) -> None:
    """A plant without a production figure gets base-year emissions x share / its route's
    emission factor; a route emitting nothing cannot give it, and the build says which plant
    and route instead of dividing by 0. Nothing is written."""
    broken = tmp_path / "curated"
    shutil.copytree(CURATED, broken)
    header, params = read_rows(broken / "route_parameters.csv")
    for r in params:
        if (r["route_id"], r["parameter"]) == ("gas_boiler_low", "emission_factor"):
            r["value"] = "0"
    write_rows(broken / "route_parameters.csv", header, params)
    _, plants = read_rows(broken / "site_products.csv")
    at, first = next(
        (i, p)
        for i, p in enumerate(plants)
        if p["route_id"] == "gas_boiler_low" and not p["production"]
    )
    plant = f"{first['site_id']}/{first['product_id']}/{first['unit_id']}"
    out = tmp_path / "package"
    with pytest.raises(KruispuntError) as info:
        build_package(RAW, broken, out)
    assert str(info.value) == (
        f"{broken / 'site_products.csv'}, line {at + 2}, field 'production': plant {plant} has "
        "no production and route 'gas_boiler_low' has no positive emission_factor in "
        "route_parameters.csv to derive it from; allowed: a production, or a route that emits"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curated"]


@needs_repo
def test_a_plant_that_runs_part_of_the_year_is_sized_for_its_hours(tmp_path: Path) -> None:
    """A plant's operating hours size its capacity for the load of the hours it runs: the
    base-year production x 8,760 / the hours (a sugar factory's 3,240 h of beet campaign:
    2.7037 times its production), its production unchanged; a plant without hours keeps
    capacity = production. A plant that gives both a capacity and hours is refused, naming
    its line, and nothing is written."""
    out = tmp_path / "package"
    build_package(RAW, CURATED, out)
    _, built = read_rows(out / "site_products.csv")
    by_site = {r["site_id"]: r for r in built if r["unit_id"] == "main"}
    sugar = by_site["cosun_dinteloord"]
    assert sugar["operating_hours"] == "3240"
    assert float(sugar["capacity"]) == pytest.approx(float(sugar["production"]) * 8760 / 3240)
    assert float(sugar["capacity"]) / float(sugar["production"]) == pytest.approx(2.7037, abs=1e-4)
    assert sugar["capacity_source"] == "derived_capacity_operating_hours"
    dairy = by_site["frieslandcampina_lochem"]
    assert dairy["operating_hours"] == ""
    assert dairy["capacity"] == dairy["production"]
    assert dairy["capacity_source"] == "assumption_capacity_equals_production"

    broken = tmp_path / "curated"
    shutil.copytree(CURATED, broken)
    header, plants = read_rows(broken / "site_products.csv")
    at = next(i for i, r in enumerate(plants) if r["site_id"] == "cosun_dinteloord")
    plants[at]["capacity"], plants[at]["capacity_source"] = "1000000", "kruispunt_single_product"
    write_rows(broken / "site_products.csv", header, plants)
    with pytest.raises(KruispuntError) as info:
        build_package(RAW, broken, tmp_path / "other")
    assert str(info.value) == (
        f"{broken / 'site_products.csv'}, line {at + 2}, field 'operating_hours': the plant "
        "gives a capacity; allowed: a capacity or operating hours (which derive it from the "
        "production), not both"
    )
    assert not (tmp_path / "other").exists()


@needs_repo
def test_a_built_package_is_readable_by_everyone_the_umask_allows(tmp_path: Path) -> None:
    """The build writes into a private temporary folder, then opens it as the umask says."""
    old = os.umask(0o027)
    try:
        build_package(RAW, CURATED, tmp_path / "package")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "package").stat().st_mode) == 0o750


@needs_repo
def test_an_extra_check_refuses_the_build(tmp_path: Path) -> None:
    """A problem found by an extra check (the command line's check of the default scenarios)
    refuses the build as the package's own checks do: the previous package stays."""
    out = tmp_path / "package"
    build_package(RAW, CURATED, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    seen: list[Path] = []

    def scenarios_check(folder: Path) -> list[Problem]:
        seen.append(folder)
        return [Problem("scenarios", str(folder / "scenarios.yaml"), 3, "x", "not allowed")]

    with pytest.raises(DataPackageError) as info:
        build_package(RAW, CURATED, out, extra_checks=(scenarios_check,))
    assert [p.message for p in info.value.problems] == ["not allowed"]
    assert len(seen) == 1 and seen[0] != out and seen[0].parent == tmp_path
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package"]
