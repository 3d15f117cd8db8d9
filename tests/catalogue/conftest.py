from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from kruispunt.catalogue.build import rehash_package
from kruispunt.catalogue.load import default_package_path

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A writable copy of the embedded data package."""
    dest = tmp_path / "package"
    shutil.copytree(default_package_path(), dest)
    return dest


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def drop_row(package: Path, table: str, column: str, value: str) -> None:
    """Remove the one row of ``table`` whose ``column`` is ``value`` from the package copy and
    record the edit in its descriptor (``rehash_package``: only the missing row is wrong)."""
    path = package / f"{table}.csv"
    header, rows = read_rows(path)
    kept = [r for r in rows if r[column] != value]
    assert len(kept) == len(rows) - 1, (table, column, value)
    write_rows(path, header, kept)
    rehash_package(package)


@pytest.fixture
def edit_cell(package_copy: Path) -> Callable[..., int]:
    """Set one cell of a table in the copy; return the CSV line number of the edited row."""

    def edit(
        table: str, field: str, value: str, where: Callable[[dict[str, str]], bool] | None = None
    ) -> int:
        path = package_copy / f"{table}.csv"
        header, rows = read_rows(path)
        index = next(i for i, r in enumerate(rows) if where is None or where(r))
        rows[index][field] = value
        write_rows(path, header, rows)
        return index + 2

    return edit
