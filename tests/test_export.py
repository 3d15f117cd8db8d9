"""Tests for kruispunt.export: round trips of every format, IAMC names and values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kruispunt
from kruispunt import metrics
from kruispunt.errors import KruispuntError
from kruispunt.export import (
    FORMATS,
    IAMC_COLUMNS,
    export,
    iamc_mapping,
    read_export,
    to_iamc,
)
from kruispunt.results import Results
from kruispunt.testing import assert_results_equal, synthetic_results


@pytest.fixture(scope="module")
def res() -> Results:
    return synthetic_results(n_scenarios=2, n_plants=14, seed=11)


@pytest.fixture(scope="module")
def iamc(res: Results) -> pd.DataFrame:
    return to_iamc(res)


def _value(iamc: pd.DataFrame, variable: str, region: str = "Netherlands") -> pd.Series:
    sel = iamc[(iamc["variable"] == variable) & (iamc["region"] == region)]
    return sel.set_index(["scenario", "year"])["value"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(tmp_path: Path, res: Results, iamc: pd.DataFrame, fmt: str) -> None:
    path = export(res, tmp_path / "out" / f"export.{fmt}", fmt)  # type: ignore[arg-type]
    back = read_export(path, fmt)
    if fmt == "iamc":
        assert isinstance(back, pd.DataFrame)
        pd.testing.assert_frame_equal(back, iamc, check_exact=True)
    else:
        assert isinstance(back, Results)
        assert_results_equal(res, back)
    again = export(res, path, fmt)  # replacing an earlier export works
    assert again == path
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary leftovers


def test_csv_and_parquet_are_readable_tables(tmp_path: Path, res: Results) -> None:
    export(res, tmp_path / "csv", "csv")
    export(res, tmp_path / "pq", "parquet")
    csv = pd.read_csv(tmp_path / "csv" / "plant_year.csv")
    pq = pd.read_parquet(tmp_path / "pq" / "plant_year.parquet")
    assert {"scenario", "plant", "year", "production", "direct_emissions"} <= set(csv.columns)
    assert len(csv) == len(pq) == res.dataset["production"].size
    np.testing.assert_array_equal(csv["production"].to_numpy(), pq["production"].to_numpy())


def test_iamc_columns_model_and_regions(res: Results, iamc: pd.DataFrame) -> None:
    assert tuple(iamc.columns) == IAMC_COLUMNS
    assert set(iamc["model"]) == {f"Kruispunt {kruispunt.__version__}"}
    ds = res.dataset
    with_plants = set(ds["plant_cluster"].values.tolist())
    expected = ["Netherlands"] + [
        f"Netherlands|{name}"
        for cid, name in zip(ds["cluster"].values, ds["cluster_name"].values, strict=True)
        if cid in with_plants
    ]
    assert list(iamc["region"].unique()) == expected
    assert "Netherlands|Chemelot" in expected
    assert iamc["scenario"].unique().tolist() == res.scenarios
    assert iamc["year"].dtype == np.int64
    assert not iamc.duplicated(["scenario", "region", "variable", "year"]).any()


def test_iamc_variable_names(iamc: pd.DataFrame) -> None:
    variables = set(iamc["variable"])
    for expected in (
        "Production|Iron and Steel|Steel",
        "Production|Chemicals|Ammonia",
        "Final Energy|Industry|Electricity",
        "Final Energy|Industry|Hydrogen",
        "Final Energy|Industry",
        "Carbon Capture|Storage|Industry",
        "Carbon Capture|Industry",
        "Emissions|CO2|Energy and Industrial Processes|Industry",
        "Emissions|CO2|Energy and Industrial Processes|Industry|Iron and Steel",
    ):
        assert expected in variables, expected
    units = dict(zip(iamc["variable"], iamc["unit"], strict=False))
    assert units["Production|Iron and Steel|Steel"] == "Mt/yr"
    assert units["Final Energy|Industry|Electricity"] == "EJ/yr"
    assert units["Carbon Capture|Storage|Industry"] == "Mt CO2/yr"


def test_mapping_follows_iamc_naming_rules() -> None:
    """IAMC conventions: '|' without surrounding spaces, capitalised words, known units
    (https://github.com/IAMconsortium/common-definitions, docs on variable naming)."""
    mapping = iamc_mapping()
    lowercase_ok = {"and", "w/", "w/o", "of", "C"}
    for row in mapping.itertuples():
        assert " |" not in row.variable and "| " not in row.variable, row.variable
        for level in row.variable.replace("{key}", "Key").split("|"):
            for word in level.split(" "):
                assert word in lowercase_ok or word[0].isupper() or word[0].isdigit(), row.variable
        assert row.unit in {"Mt CO2/yr", "EJ/yr", "Mt/yr"}
        assert row.convention in {"common-definitions", "alias", "extension"}
    assert not mapping.duplicated(["source", "key", "variable", "from_unit"]).any()


def test_iamc_values_match_metrics(res: Results, iamc: pd.DataFrame) -> None:
    nat = metrics.emissions(res).set_index(["scenario", "year"])["emissions_mtco2"]
    total = _value(iamc, "Emissions|CO2|Energy and Industrial Processes|Industry")
    np.testing.assert_allclose(total.loc[nat.index], nat, rtol=1e-12)
    steel = metrics.production(res)
    steel = steel[steel["product"] == "crude_steel"].set_index(["scenario", "year"])
    got = _value(iamc, "Production|Iron and Steel|Steel")
    np.testing.assert_allclose(got.loc[steel.index], steel["production"] / 1e6, rtol=1e-12)
    elec = metrics.energy_demand(res, carrier="electricity").set_index(["scenario", "year"])
    got = _value(iamc, "Final Energy|Industry|Electricity")
    np.testing.assert_allclose(got.loc[elec.index], elec["energy_twh"] * 0.0036, rtol=1e-12)
    stored = metrics.emissions(res, kind="stored").set_index(["scenario", "year"])
    got = _value(iamc, "Carbon Capture|Storage|Industry")
    np.testing.assert_allclose(got.loc[stored.index], stored["emissions_mtco2"], rtol=1e-12)


def test_iamc_aggregates_add_up(iamc: pd.DataFrame) -> None:
    # national = sum of the cluster regions, for every variable
    nat = iamc[iamc["region"] == "Netherlands"].set_index(["scenario", "variable", "year"])
    clusters = (
        iamc[iamc["region"] != "Netherlands"]
        .groupby(["scenario", "variable", "year"])["value"]
        .sum()
    )
    np.testing.assert_allclose(clusters.loc[nat.index], nat["value"], rtol=1e-12, atol=1e-15)
    # Final Energy|Industry = sum of its fuels
    fe = iamc[
        (iamc["region"] == "Netherlands")
        & iamc["variable"].str.match(r"^Final Energy\|Industry\|[^|]+$")
    ]
    fuels = fe.groupby(["scenario", "year"])["value"].sum()
    total = _value(iamc, "Final Energy|Industry")
    np.testing.assert_allclose(fuels.loc[total.index], total, rtol=1e-12)
    # emissions: industry total = sum of the sector level
    em = iamc[
        (iamc["region"] == "Netherlands")
        & iamc["variable"].str.match(
            r"^Emissions\|CO2\|Energy and Industrial Processes\|Industry\|[^|]+$"
        )
    ]
    sectors = em.groupby(["scenario", "year"])["value"].sum()
    total = _value(iamc, "Emissions|CO2|Energy and Industrial Processes|Industry")
    np.testing.assert_allclose(sectors.loc[total.index], total, rtol=1e-12)


def test_unlisted_carrier_goes_to_other(res: Results) -> None:
    ds = res.dataset
    carriers = [("wood_chips" if c == "biomass" else c) for c in ds["carrier"].values.tolist()]
    renamed = Results(ds.assign_coords(carrier=carriers))
    variables = set(to_iamc(renamed)["variable"])
    assert "Final Energy|Industry|Other" in variables
    assert "Final Energy|Industry|Other" not in set(to_iamc(res)["variable"])


def test_unknown_format_is_named(tmp_path: Path, res: Results) -> None:
    with pytest.raises(
        KruispuntError,
        match=re.escape("unknown export format 'xlsx'; allowed: iamc, csv, parquet, netcdf"),
    ):
        export(res, tmp_path / "x.xlsx", "xlsx")  # type: ignore[arg-type]
    with pytest.raises(KruispuntError, match="unknown export format"):
        read_export(tmp_path / "x.xlsx", "xlsx")


def test_unwritable_output_is_named(tmp_path: Path, res: Results) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(KruispuntError, match=r"cannot write .*a-file/out\.csv"):
        export(res, blocker / "out.csv", "iamc")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious")
    with pytest.raises(KruispuntError, match="not a Kruispunt export"):
        export(res, foreign, "parquet")
    assert (foreign / "thesis.docx").read_text() == "precious"
    with pytest.raises(KruispuntError, match="no export at"):
        read_export(tmp_path / "missing.nc", "netcdf")


COMMON_DEFINITIONS = Path(__file__).parent / "data" / "common_definitions_variables.txt"


def test_mapping_names_checked_against_common_definitions() -> None:
    """Variables marked ``common-definitions`` are in the IAMC common-definitions list (made
    by ``tests/data/make_common_definitions.py`` from commit d877b5f, CC0-1.0); those marked
    ``extension`` or ``alias`` are not (else they should say ``common-definitions``)."""
    known = set(COMMON_DEFINITIONS.read_text("utf-8").splitlines())
    assert len(known) > 3000
    for row in iamc_mapping().itertuples():
        if "{key}" in row.variable:
            continue
        listed = row.variable in known
        assert listed == (row.convention == "common-definitions"), (row.variable, row.convention)


@pytest.fixture(scope="module")
def engine_iamc() -> pd.DataFrame:
    return to_iamc(kruispunt.run("current-policy"))


def test_engine_export_names_regions_and_splits_feedstock_and_solids(
    engine_iamc: pd.DataFrame,
) -> None:
    regions = set(engine_iamc["region"])
    assert "Netherlands|Rotterdam-Moerdijk" in regions
    assert "Netherlands|Zeeland" in regions
    assert not any("_" in r for r in regions)  # names, not cluster ids
    v = engine_iamc[(engine_iamc["region"] == "Netherlands") & (engine_iamc["year"] == 2025)]
    value = dict(zip(v["variable"], v["value"], strict=True))
    # naphtha is feedstock (non-energy use), not final energy of industry
    assert value["Final Energy|Non-Energy Use|Liquids|Oil"] > 0.1
    assert value["Final Energy|Non-Energy Use"] == pytest.approx(
        value["Final Energy|Non-Energy Use|Liquids|Oil"]
    )
    assert value["Final Energy|Industry|Liquids"] < value["Final Energy|Non-Energy Use"]
    # solids split into coal and biomass, adding up
    assert value["Final Energy|Industry|Solids"] == pytest.approx(
        value["Final Energy|Industry|Solids|Coal"]
        + value.get("Final Energy|Industry|Solids|Biomass", 0.0)
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_folder_export_replaces_only_an_earlier_export(tmp_path: Path, fmt: str) -> None:
    """Any folder holding a ``manifest.json`` was once taken for an earlier export and
    replaced whole (the user's other files deleted), a stored run's folder too."""
    res = synthetic_results(n_plants=2, years=range(2025, 2028))
    mine = tmp_path / "myext"
    (mine / "src").mkdir(parents=True)
    (mine / "manifest.json").write_text("{}", encoding="utf-8")
    (mine / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(KruispuntError, match="is not a Kruispunt export"):
        export(res, mine, fmt)  # type: ignore[arg-type]
    assert sorted(p.name for p in mine.iterdir()) == ["manifest.json", "notes.txt", "src"]
    run = tmp_path / "store" / "runs" / "r1"
    run.mkdir(parents=True)
    export(res, run, fmt)  # type: ignore[arg-type]  # an export: replaced by the next
    manifest = run / "manifest.json"
    manifest.write_text(manifest.read_text("utf-8").replace('"format"', '"run_id": "r1", "format"'))
    with pytest.raises(KruispuntError, match="stored run's folder"):
        export(res, run, fmt)  # type: ignore[arg-type]
    done = export(res, tmp_path / "ok", fmt)  # type: ignore[arg-type]
    (done / "extra.txt").write_text("x", encoding="utf-8")
    with pytest.raises(KruispuntError, match=r"also holds extra\.txt"):
        export(res, done, fmt)  # type: ignore[arg-type]
    (done / "extra.txt").unlink()
    assert export(res, done, fmt) == done  # type: ignore[arg-type]


def test_export_to_the_current_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = synthetic_results(n_plants=2, years=range(2025, 2028))
    monkeypatch.chdir(tmp_path)
    for path in (".", ""):
        with pytest.raises(KruispuntError, match="it is the current folder"):
            export(res, path, "csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("fmt", "kind"), [("iamc", "IAMC table"), ("netcdf", "netCDF file")])
def test_a_file_export_replaces_only_an_earlier_export(tmp_path: Path, fmt: str, kind: str) -> None:
    """An unrelated file at the export's path (a log, a document) was once overwritten."""
    res = synthetic_results(n_plants=2, years=range(2025, 2028))
    log = tmp_path / "base1.out"
    log.write_text("a log line\n", encoding="utf-8")
    with pytest.raises(KruispuntError, match=f"exists and is not an? {kind}"):
        export(res, log, fmt)  # type: ignore[arg-type]
    assert log.read_text(encoding="utf-8") == "a log line\n"
    path = export(res, tmp_path / f"x.{fmt}", fmt)  # type: ignore[arg-type]
    assert export(res, path, fmt) == path  # type: ignore[arg-type]  # its own: replaced


def test_a_file_export_through_a_link_replaces_what_it_points_to(tmp_path: Path) -> None:
    """The link was replaced by a plain file and what it pointed to left stale; a
    compressed name (``.csv.gz``) is written compressed through the temporary file too."""
    import gzip

    res = synthetic_results(n_plants=2, years=range(2025, 2028))
    real = tmp_path / "exports" / "run.csv.gz"
    export(res, real, "iamc")
    link = tmp_path / "latest.csv.gz"
    link.symlink_to(real)
    assert export(res, link, "iamc") == link
    assert link.is_symlink() and gzip.open(real).read(10) == b"model,scen"
    assert sorted(p.name for p in real.parent.iterdir()) == ["run.csv.gz"]


def test_an_empty_iamc_value_reads_as_nan(tmp_path: Path) -> None:
    """An IAMC file written elsewhere may leave a value out: it reads as NaN, not an error."""
    path = tmp_path / "x.csv"
    head = ",".join(IAMC_COLUMNS)
    row = {c: "a" for c in IAMC_COLUMNS}
    rows = [{**row, "year": "2030", "value": "1.5"}, {**row, "year": "2031", "value": ""}]
    path.write_text(head + "\n" + "\n".join(",".join(r[c] for c in IAMC_COLUMNS) for r in rows))
    back = read_export(path, "iamc")
    assert back["value"].iloc[0] == 1.5 and np.isnan(back["value"].iloc[1])
    assert back["year"].tolist() == [2030, 2031]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_failed_folder_export_leaves_the_earlier_one(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new export is written beside the old and swapped in by two renames; if the
    second fails (the disk, a permission), the earlier export is put back as it was."""
    import os

    res = synthetic_results(n_plants=2, years=range(2025, 2028))
    path = export(res, tmp_path / "ext", fmt)  # type: ignore[arg-type]
    before = sorted((p.relative_to(path), p.read_bytes()) for p in path.rglob("*") if p.is_file())
    real = os.rename
    calls = []

    def second_fails(src: object, dst: object) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr("kruispunt.export.os.rename", second_fails)
    with pytest.raises(KruispuntError, match="No space left on device"):
        export(res, path, fmt)  # type: ignore[arg-type]
    monkeypatch.undo()
    after = sorted((p.relative_to(path), p.read_bytes()) for p in path.rglob("*") if p.is_file())
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ext"]  # nothing left beside it


def test_iamc_rows_are_unique_and_each_variable_has_one_unit(iamc: pd.DataFrame) -> None:
    """One value per model, scenario, region, variable and year; each variable in one unit
    (a mapping row converts only the frames in its source unit)."""
    keys = ["model", "scenario", "region", "variable", "year"]
    assert not iamc.duplicated(keys).any()
    assert (iamc.groupby("variable")["unit"].nunique() == 1).all()


def test_an_unlisted_product_is_reported_once_in_the_unit_of_its_row() -> None:
    """Products the mapping does not name go to ``Production|Other|<id>``: one in tonnes as
    Mt/yr (2e6 t -> 2.0), one in GJ as EJ/yr (3e9 GJ -> 3.0), each once, not in both units."""
    from kruispunt.export import _apply_mapping

    frame = pd.DataFrame(
        {
            "scenario": ["s", "s"],
            "year": [2030, 2030],
            "key": ["widget", "steam_x"],
            "value": [2e6, 3e9],
            "from_unit": ["t/yr", "GJ/yr"],
        }
    )
    got = _apply_mapping({"production": frame}, ["scenario"])
    rows = sorted(zip(got["variable"], got["unit"], got["value"], strict=True))
    assert rows == [
        ("Production|Other|steam_x", "EJ/yr", pytest.approx(3.0)),
        ("Production|Other|widget", "Mt/yr", pytest.approx(2.0)),
    ]


# --- hand-checked (mutation round 7) ----------------------------------------------------------


def _capturing() -> Results:
    """Two plants, 2029-2030; plant 0 (Rotterdam-Moerdijk) captures 4 Mt of CO2 a year and
    sends 3 Mt to storage; nothing else is captured."""
    r = synthetic_results(n_scenarios=1, n_plants=2, years=range(2029, 2031))
    ds = r.dataset
    captured = np.zeros(ds["captured_co2"].shape)
    stored = np.zeros(ds["stored_co2"].shape)
    captured[0, 0], stored[0, 0] = 4e6, 3e6
    assert ds["plant_cluster"].values[0] == "rotterdam_moerdijk"
    return Results(
        ds.assign(
            captured_co2=(ds["captured_co2"].dims, captured, ds["captured_co2"].attrs),
            stored_co2=(ds["stored_co2"].dims, stored, ds["stored_co2"].attrs),
        )
    )


def test_iamc_capture_and_storage_hand_checked() -> None:
    """Carbon Capture|Industry is the 4 Mt captured, Carbon Capture|Storage|Industry the 3 Mt
    stored, nationally and in Rotterdam-Moerdijk; the table starts with the national region,
    variables in alphabetical order, years rising."""
    iamc = to_iamc(_capturing())
    for region in ("Netherlands", "Netherlands|Rotterdam-Moerdijk"):
        assert _value(iamc, "Carbon Capture|Industry", region).tolist() == [4.0, 4.0]
        assert _value(iamc, "Carbon Capture|Storage|Industry", region).tolist() == [3.0, 3.0]
    head = list(zip(iamc["region"], iamc["variable"], iamc["year"], strict=True))[:4]
    assert head == [
        ("Netherlands", "Carbon Capture|Industry", 2029),
        ("Netherlands", "Carbon Capture|Industry", 2030),
        ("Netherlands", "Carbon Capture|Storage|Industry", 2029),
        ("Netherlands", "Carbon Capture|Storage|Industry", 2030),
    ]


def test_a_table_without_the_iamc_columns_is_refused(tmp_path: Path) -> None:
    """A CSV without a unit column is not an IAMC table: refused, naming the column."""
    path = tmp_path / "x.csv"
    path.write_text("model,scenario,region,variable,year,value\nm,s,r,v,2030,1.5\n")
    with pytest.raises(KruispuntError, match="not an IAMC file: missing columns unit"):
        read_export(path, "iamc")
