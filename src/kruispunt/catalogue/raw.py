"""Reading a data package from disk as untyped text tables (the input of every check)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kruispunt.catalogue.schema import table_specs
from kruispunt.errors import Problem


@dataclass
class RawPackage:
    """A data package as text: ``tables[name]`` is a DataFrame of strings (empty cell = "")."""

    path: Path
    descriptor: dict[str, object]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def file(self, table: str) -> str:
        return str(self.path / f"{table}.csv")


def read_raw(path: Path) -> RawPackage:
    """Read ``datapackage.json`` and every table's CSV as text, recording read problems."""
    descriptor_path = path / "datapackage.json"
    raw = RawPackage(path=path, descriptor={})
    if not path.is_dir():
        raw.problems.append(
            Problem("check_tables_present", str(path), None, None, "not a directory")
        )
        return raw
    if not descriptor_path.is_file():
        raw.problems.append(
            Problem(
                "check_tables_present",
                str(descriptor_path),
                None,
                None,
                "datapackage.json is missing",
            )
        )
    else:
        try:
            raw.descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raw.problems.append(
                Problem(
                    "check_tables_present",
                    str(descriptor_path),
                    exc.lineno,
                    None,
                    f"not valid JSON: {exc.msg}",
                )
            )
    for name in table_specs():
        csv_path = path / f"{name}.csv"
        if not csv_path.is_file():
            continue  # reported by check_tables_present
        try:
            df = pd.read_csv(
                csv_path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8"
            )
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raw.problems.append(
                Problem(
                    "check_tables_present",
                    str(csv_path),
                    None,
                    None,
                    f"cannot be read as CSV: {str(exc).strip()}",
                )
            )
            continue
        df.columns = [c.strip() for c in df.columns]
        raw.tables[name] = df
    return raw
