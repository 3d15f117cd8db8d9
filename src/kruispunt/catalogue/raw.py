"""Reading a data package from disk as untyped text tables (the input of every check)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kruispunt.catalogue.schema import table_specs
from kruispunt.errors import KruispuntError, Problem
from kruispunt.limits import DATAPACKAGE_JSON_MAX_BYTES, TABLE_MAX_BYTES, size_text


@dataclass
class RawPackage:
    """A data package as text: ``tables[name]`` is a DataFrame of strings (empty cell = "").

    ``descriptor`` is the parsed ``datapackage.json`` (any JSON value; ``descriptor_read``
    says whether it was read at all) and ``hashes[name]`` the SHA-256 of each table's bytes.
    """

    path: Path
    descriptor: object
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    descriptor_read: bool = False
    cache: dict[object, object] = field(default_factory=dict, repr=False)
    """Parsed columns, shared by the checks (see ``kruispunt.catalogue.checks``)."""

    def file(self, table: str) -> str:
        return str(self.path / f"{table}.csv")


def _read_limited(path: Path, limit: int) -> bytes | str:
    """The bytes of a regular file of at most ``limit`` bytes, or why they cannot be read."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file"
        if info.st_size > limit:
            return f"is too large ({info.st_size:,} bytes; at most {size_text(limit)} is read)"
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if len(data) > limit:
        return f"is too large (more than {size_text(limit)})"
    return data


def _read_descriptor(raw: RawPackage, path: Path) -> None:
    data = _read_limited(path, DATAPACKAGE_JSON_MAX_BYTES)
    if isinstance(data, str):
        raw.problems.append(Problem("check_tables_present", str(path), None, None, data))
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raw.problems.append(_not_utf8(path, data, exc))
        return
    try:
        raw.descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        raw.problems.append(
            Problem(
                "check_tables_present", str(path), exc.lineno, None, f"not valid JSON: {exc.msg}"
            )
        )
        return
    except (ValueError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raw.problems.append(
            Problem("check_tables_present", str(path), None, None, f"not valid JSON ({why})")
        )
        return
    raw.descriptor_read = True


def _numbered(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record of CSV text with the line it starts on (the first line is 1), blank lines
    left out as pandas leaves them out; raises ``csv.Error`` on text the csv module cannot
    read."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for record in reader:
        if record:
            yield start, record
        start = reader.line_num + 1


def csv_records(text: str) -> list[tuple[int, list[str]]] | None:
    """:func:`_numbered`'s records as a list; None if the text is not CSV the csv module
    reads."""
    try:
        return list(_numbered(text))
    except csv.Error:
        return None


def wrong_field_count(text: str, *, longer_only: bool = False) -> tuple[int, str] | None:
    """The line of the first row of CSV ``text`` whose number of fields is not the header's
    (``longer_only``: the first with more), and what is wrong with it; None if every row has
    the header's. A whitespace-only line counts as blank, as pandas reads it. pandas fills a
    shorter row with empty cells, and reads one more field in every row, the first row's
    included, as an index, shifting the columns: read as wrong data, not refused."""
    header: list[str] | None = None
    try:
        for line, record in _numbered(text):
            if header is None:
                header = record
                continue
            if len(record) == len(header) or not any(cell.strip() for cell in record):
                continue  # a whitespace-only line: pandas leaves it out
            if len(record) < len(header):
                if longer_only:
                    continue
                missing = ", ".join(header[len(record) :])
                return line, (
                    f"{len(record)} fields, but the header has {len(header)} (this row has "
                    f"none for {missing}); write an empty cell for a value left out (one "
                    "comma each)"
                )
            return line, (
                f"{len(record)} fields, but the header has {len(header)}; "
                'a cell that holds a comma must be quoted ("a, b")'
            )
    except csv.Error:  # not CSV the csv module reads: pandas's own message stands
        return None
    return None


NUL = "holds a NUL character (byte 0x00), which no cell of a table may hold; remove it"
"""What is wrong with a table that holds a NUL character (:func:`nul_line`)."""


def nul_line(text: str) -> int | None:
    """The line of the first NUL character of ``text`` (the first line is 1), None if it
    holds none: pandas keeps it inside a cell, and tools that read the table as text (or C
    strings) cut the cell there."""
    at = text.find("\x00")
    return None if at < 0 else text.count("\n", 0, at) + 1


def not_utf8(data: bytes, exc: UnicodeDecodeError) -> tuple[int, str]:
    """The line of the first byte of ``data`` that is not UTF-8, and what is wrong with it."""
    line = data.count(b"\n", 0, exc.start) + 1
    return line, f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)"


def read_csv_text(path: Path) -> pd.DataFrame:
    """A CSV file (a curated table, a raw input) as a table of text cells (empty cell = "");
    a file that cannot be read is a KruispuntError naming it, the line and what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KruispuntError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, message = not_utf8(data, exc)
        raise KruispuntError(f"{path}, line {line}: {message}; save the file as UTF-8") from None
    nul = nul_line(text)
    if nul is not None:
        raise KruispuntError(f"{path}, line {nul}: {NUL}")
    try:
        df = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8"
        )
    except pd.errors.EmptyDataError:
        raise KruispuntError(
            f"{path}: the file is empty; a table starts with a header line naming its columns"
        ) from None
    except (pd.errors.ParserError, ValueError) as exc:
        found = wrong_field_count(text, longer_only=True)
        if found is not None:
            raise KruispuntError(f"{path}, line {found[0]}: {found[1]}") from None
        raise KruispuntError(f"{path}: cannot be read as CSV: {str(exc).strip()[:300]}") from None
    # a shorter row pandas fills with empty cells; one more field in every row, which pandas
    # reads as an index, shifting the rest
    found = wrong_field_count(text)
    if found is not None:
        raise KruispuntError(f"{path}, line {found[0]}: {found[1]}")
    return df


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError) -> Problem:
    """A file of the package that is not UTF-8 text, with the line of its first bad byte."""
    line, message = not_utf8(data, exc)
    return Problem("check_tables_present", str(path), line, None, message)


def read_raw(path: Path) -> RawPackage:
    """Read ``datapackage.json`` and every table's CSV as text, recording read problems."""
    descriptor_path = path / "datapackage.json"
    raw = RawPackage(path=path, descriptor={})
    if not path.is_dir():
        raw.problems.append(
            Problem("check_tables_present", str(path), None, None, "not a directory")
        )
        return raw
    if not descriptor_path.exists():
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
        _read_descriptor(raw, descriptor_path)
    for name in table_specs():
        csv_path = path / f"{name}.csv"
        if not csv_path.exists():
            continue  # reported by check_tables_present
        data = _read_limited(csv_path, TABLE_MAX_BYTES)
        if isinstance(data, str):
            raw.problems.append(Problem("check_tables_present", str(csv_path), None, None, data))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:  # pandas would give an offset in a chunk, not the line
            raw.problems.append(_not_utf8(csv_path, data, exc))
            continue
        nul = nul_line(text)
        if nul is not None:
            raw.problems.append(Problem("check_tables_present", str(csv_path), nul, None, NUL))
            continue
        try:
            df = pd.read_csv(
                io.BytesIO(data),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding="utf-8",
            )
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            found = wrong_field_count(text, longer_only=True)
            line, message = found or (None, f"cannot be read as CSV: {str(exc).strip()[:300]}")
            raw.problems.append(Problem("check_tables_present", str(csv_path), line, None, message))
            continue
        found = wrong_field_count(text)
        if found is not None:  # read, but shifted or filled: wrong data
            raw.problems.append(
                Problem("check_tables_present", str(csv_path), found[0], None, found[1])
            )
            continue
        df.columns = [str(c).strip() for c in df.columns]
        raw.tables[name] = df
        raw.hashes[name] = hashlib.sha256(data).hexdigest()
    return raw
