"""Fuzzing the data package: a copy of the embedded package, mutated (a cell, a row, a header,
a hash, the descriptor, the default scenarios, a whole file), through ``kruispunt data
validate`` and ``kruispunt run --data``.

Both must agree, end in exit 0 or a clean exit 2 that names the package, and a package that
passes must run through the engine without a warning.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st

from kruispunt.catalogue.build import rehash_package
from kruispunt.catalogue.checks import UnitLookups, canonical_unit
from kruispunt.catalogue.paths import default_package_path
from kruispunt.catalogue.raw import read_raw
from kruispunt.catalogue.schema import LONG_TABLE_PARAMETER_KEY, parameter_specs, table_specs
from kruispunt.units import conversion_factor
from tests.cli_helpers import Outcome, assert_user_error, invoke
from tests.fuzz.profiles import fuzz

BASE = default_package_path()
TABLES = sorted(table_specs())
FILES = [*(f"{t}.csv" for t in TABLES), "datapackage.json", "scenarios.yaml"]

cell_values = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e308",
            "-1e308",
            "inf",
            "nan",
            "1e-320",
            "9" * 30,
            "1_000",
            " 7",
            "٣",
            "true",
            "x,y",
            'a "quote"',
            "line\nbreak",
            "é",
            "\x00",
            "kt/yr",
            "furlong",
            "atlantis",
            "current-policy",
            "2100",
            "2101",
            "1999",
            "1e9",
            "1e10",
            "0.5",
            "1.5",
        ]
    ),
    st.text(max_size=20),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(2**70), 2**70).map(str),
    st.text(min_size=200, max_size=2000),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)

cell = st.tuples(
    st.just("cell"), st.sampled_from(TABLES), st.floats(0, 1), st.integers(0, 20), cell_values
)
row = st.tuples(st.sampled_from(["drop_row", "dup_row"]), st.sampled_from(TABLES), st.floats(0, 1))
column = st.tuples(
    st.sampled_from(["drop_column", "rename_header"]),
    st.sampled_from(TABLES),
    st.integers(0, 20),
    st.text(max_size=10),
)
whole = st.tuples(
    st.sampled_from(["truncate", "replace", "append", "delete"]),
    st.sampled_from(FILES),
    st.floats(0, 1),
    st.binary(max_size=300),
)
descriptor = st.tuples(
    st.just("descriptor"),
    st.sampled_from(["name", "resources", "scenarios", "base_year", "resource", "field"]),
    st.integers(0, 20),
    json_values,
)
scenarios = st.tuples(st.just("scenarios"), st.text(max_size=200))
mutation = st.one_of(cell, cell, cell, row, column, whole, descriptor, scenarios)


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", errors="surrogatepass")


def _apply(pkg: Path, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind in ("cell", "drop_row", "dup_row", "drop_column", "rename_header"):
        path = pkg / f"{op[1]}.csv"
        try:
            rows = _rows(path)
        except (OSError, UnicodeDecodeError, csv.Error):
            return  # an earlier mutation already broke this file
        if len(rows) < 2:
            return
        if kind in ("cell", "drop_row", "dup_row"):
            i = 1 + min(int(op[2] * (len(rows) - 1)), len(rows) - 2)
            if kind == "cell":
                j = op[3] % len(rows[i]) if rows[i] else 0
                if rows[i]:
                    rows[i][j] = op[4]
            elif kind == "drop_row":
                del rows[i]
            else:
                rows.insert(i, list(rows[i]))
        else:
            j = op[2] % len(rows[0])
            if kind == "drop_column":
                rows = [r[:j] + r[j + 1 :] for r in rows]
            else:
                rows[0][j] = op[3]
        _write_rows(path, rows)
    elif kind in ("truncate", "replace", "append", "delete"):
        path = pkg / op[1]
        if not path.exists():
            return
        if kind == "delete":
            path.unlink()
        elif kind == "truncate":
            data = path.read_bytes()
            path.write_bytes(data[: int(len(data) * op[2])])
        elif kind == "replace":
            path.write_bytes(op[3])
        else:
            with path.open("ab") as fh:
                fh.write(op[3])
    elif kind == "descriptor":
        path = pkg / "datapackage.json"
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(d, dict):
            return
        key, i, value = op[1], op[2], op[3]
        resources = d.get("resources")
        if key == "resource" and isinstance(resources, list) and resources:
            resources[i % len(resources)] = value
        elif key == "field" and isinstance(resources, list) and resources:
            res = resources[i % len(resources)]
            if isinstance(res, dict):
                res[["name", "path", "rows", "hash", "schema", "format"][i % 6]] = value
        else:
            d[key] = value
        path.write_text(json.dumps(d), encoding="utf-8")
    elif kind == "scenarios":
        (pkg / "scenarios.yaml").write_text(op[1], encoding="utf-8", errors="surrogatepass")


def _copy(tmp: Path) -> Path:
    pkg = tmp / "package"
    shutil.copytree(BASE, pkg)
    return pkg


def _validate_and_run(tmp: Path, pkg: Path) -> Outcome:
    """``data validate`` and ``run --data --dry-run`` agree; each is 0 or a clean 2."""
    validated = invoke("data", "validate", str(pkg))
    store = tmp / "store"
    dry = invoke("run", "--data", str(pkg), "--dry-run", "--store", str(store))
    for outcome in (validated, dry):
        if outcome.code != 0:
            assert_user_error(outcome, str(pkg))
        assert outcome.crashed is None
    assert validated.code == dry.code, (validated, dry)
    assert not store.exists()
    return validated


def _runs_in_the_engine(pkg: Path) -> None:
    from kruispunt.assemble import build_inputs
    from kruispunt.catalogue import load_catalogue
    from kruispunt.engine.simulate import simulate
    from kruispunt.scenarios import resolve

    cat = load_catalogue(pkg)
    results = simulate(build_inputs(cat, resolve(["current-policy"], pkg)))
    for name in ("production", "direct_emissions", "capex", "gov_cash_flow"):
        assert np.isfinite(np.asarray(results.dataset[name].values, dtype=float)).all(), name


@fuzz(20)
@given(ops=st.lists(mutation, min_size=1, max_size=4), rehash=st.booleans())
def test_mutated_packages(tmp_path_factory: Any, ops: list[tuple[Any, ...]], rehash: bool) -> None:
    tmp = tmp_path_factory.mktemp("package")
    pkg = _copy(tmp)
    for op in ops:
        _apply(pkg, op)
    if rehash:  # a careful user records the edit: the deeper checks are then reached
        try:
            rehash_package(pkg)
        except Exception as exc:  # the descriptor may be broken beyond rehashing
            assert type(exc).__name__ in ("DataPackageError", "KruispuntError"), exc
    outcome = _validate_and_run(tmp, pkg)
    event("valid" if outcome.code == 0 else "refused")
    if outcome.code == 0:
        _runs_in_the_engine(pkg)


def _bounded_cells() -> list[tuple[str, str, float, float, str]]:
    """(table, field, low, high, parameter or '') of every bounded number."""
    out = []
    for spec in table_specs().values():
        for f in spec.fields:
            if f.type != "number":
                continue
            if spec.name in LONG_TABLE_PARAMETER_KEY and f.name == "value":
                for p in parameter_specs(spec.name).values():
                    if p.dtype == "float":
                        out.append((spec.name, f.name, p.minimum, p.maximum, p.name))
            elif f.maximum:
                low = float(f.minimum.lstrip(">")) if f.minimum else -float(f.maximum)
                out.append((spec.name, f.name, low, float(f.maximum), ""))
    return out


BOUNDED = _bounded_cells()
LOOKUPS = UnitLookups.of(read_raw(BASE))


def _unit_factor(table: str, row: dict[str, str], field: str) -> float:
    """Factor from the row's unit to the canonical one (1 for a field without a unit column)."""
    spec = table_specs()[table].field(field)
    if not spec.unit.startswith("unit:"):
        return 1.0
    target, unit = canonical_unit(LOOKUPS, table, row), row[spec.unit.split(":", 1)[1]]
    return conversion_factor(unit, target) if target and unit else 0.0


@fuzz(8)
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(BOUNDED), st.sampled_from(["low", "high", "mid"]), st.floats(0, 1)
        ),
        min_size=1,
        max_size=3,
    )
)
def test_numbers_at_their_bounds_run(tmp_path_factory: Any, edits: list[tuple[Any, ...]]) -> None:
    """Any number within its stated bounds is one the engine can run with."""
    tmp = tmp_path_factory.mktemp("package")
    pkg = _copy(tmp)
    for (table, field, low, high, parameter), where, frac in edits:
        path = pkg / f"{table}.csv"
        rows = _rows(path)
        header = rows[0]
        col = header.index(field)
        candidates = [
            i
            for i, r in enumerate(rows[1:], start=1)
            if not parameter
            or ".".join(r[header.index(c)] for c in LONG_TABLE_PARAMETER_KEY[table]) == parameter
            or (not LONG_TABLE_PARAMETER_KEY[table] and parameter == "value")
        ]
        if not candidates:
            continue
        i = candidates[min(int(frac * len(candidates)), len(candidates) - 1)]
        low = max(low, 1e-6) if field in ("capacity",) else low
        value = {"low": low, "high": high, "mid": low + (high - low) * frac}[where]
        unit = _unit_factor(table, dict(zip(header, rows[i], strict=True)), field)
        if math.isfinite(value) and unit:
            rows[i][col] = repr(float(value) / unit)
        _write_rows(path, rows)
    rehash_package(pkg)
    outcome = _validate_and_run(tmp, pkg)
    event("valid" if outcome.code == 0 else "refused")
    if outcome.code == 0:
        _runs_in_the_engine(pkg)
