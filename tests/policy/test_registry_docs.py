"""docs/instruments.md's table of instruments against the registry: each instrument of a
default run is in it with its module (and its class where a module holds several), each
government flow the instruments book is named in it, and each name in its "books" column is a
flow or a result variable."""

from __future__ import annotations

import csv
import inspect
import re
from pathlib import Path

from kruispunt.policy.registry import INSTRUMENTS, flows

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "instruments.md"
RESULTS = ROOT / "src" / "kruispunt" / "schemas" / "results.csv"


def _rows() -> list[tuple[str, str]]:
    """(module column, books column) of each row of the page's first table."""
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("| instrument | module | books")
    rows = []
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append((cells[1], cells[2]))
    return rows


def test_every_instrument_of_a_default_run_has_its_row() -> None:
    rows = _rows()
    assert len(rows) >= len(INSTRUMENTS) - 1  # the table was read
    by_module: dict[str, list[type]] = {}
    for cls in INSTRUMENTS:
        by_module.setdefault(Path(inspect.getfile(cls)).name, []).append(cls)
    for module, classes in by_module.items():
        cells = [m for m, _ in rows if f"`{module}`" in m]
        assert cells, f"{module} has no row in docs/instruments.md"
        if len(classes) > 1:  # a module of several instruments names each class in a row
            for cls in classes:
                assert any(f"`{cls.__name__}`" in cell for cell in cells), cls.__name__
    for module_cell, _ in rows:  # and no row names a module that is gone
        for name in re.findall(r"`(\w+\.py)`", module_cell):
            assert (ROOT / "src" / "kruispunt" / "policy" / name).is_file(), name


def test_the_books_column_names_every_flow_and_only_real_names() -> None:
    booked = {f.name for f in flows()}
    with RESULTS.open(encoding="utf-8") as fh:
        variables = {row["variable"] for row in csv.DictReader(fh)}
    named = {n for _, books in _rows() for n in re.findall(r"`(\w+)`", books)}
    assert booked <= named, sorted(booked - named)
    assert named <= booked | variables, sorted(named - booked - variables)
