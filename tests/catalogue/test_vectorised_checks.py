"""The vectorised checks report exactly what the row-by-row ones did: same problems, same
messages (file, line, field, text), same order, on packages with many cells broken at once."""

from __future__ import annotations

import random

import pytest

from kruispunt.catalogue import checks
from kruispunt.catalogue.paths import default_package_path
from kruispunt.catalogue.raw import RawPackage, read_raw
from tests.catalogue import rowwise_checks
from tests.fuzz.profiles import PROFILE

VALUES = (
    "",
    " ",
    "x",
    "a b",
    "atlantis",
    "-1",
    "0",
    "1",
    "0.5",
    "+3",
    ".5",
    "5.",
    "1.5e3",
    "1e308",
    "1e-5",
    "12abc",
    "2030",
    "nan",
    "inf",
    "-inf",
    "true",
    "false",
    "TRUE",
    "t",
    "kt/yr",
    "MWh/t",
    "GJ",
    "EUR/tCO2",
    "furlong",
    "Mt",
    "tata_steel_ijmuiden",
    "chemelot",
    "rotterdam_moerdijk",
    "crude_steel",
    "ammonia",
    "bf_bof",
    "smr_haber_bosch",
    "natural_gas",
    "eu_ets",
    "eua_price",
    "emission_factor",
    "industrial",
    "excluded_power",
    "assumption",
    "derived",
)
"""Cell values whose meaning did not change (whitespace around numbers, non-ASCII digits and
'1_000' were accepted by the old checks and then crashed the loader; they are now refused)."""

BASE = read_raw(default_package_path())


def _mutated(rng: random.Random, n: int) -> RawPackage:
    tables = {name: df.copy() for name, df in BASE.tables.items()}
    for _ in range(n):
        name = rng.choice(sorted(tables))
        df = tables[name]
        action = rng.random()
        if action < 0.85 or len(df) < 3:
            row, col = rng.randrange(len(df)), rng.choice(list(df.columns))
            other = str(df[col].iloc[rng.randrange(len(df))])
            df.loc[df.index[row], col] = rng.choice([*VALUES, other, other])
        elif action < 0.93:
            tables[name] = df.drop(df.index[rng.randrange(len(df))]).reset_index(drop=True)
        else:
            row = df.iloc[[rng.randrange(len(df))]]
            tables[name] = df.__class__(
                data=[*df.to_dict("records"), *row.to_dict("records")], columns=df.columns
            )
    return RawPackage(BASE.path, BASE.descriptor, tables)


def _compare(raw: RawPackage) -> None:
    for old in rowwise_checks.COMPARED:
        new = getattr(checks, old.__name__)
        fresh = RawPackage(raw.path, raw.descriptor, {k: v.copy() for k, v in raw.tables.items()})
        assert new(fresh) == old(raw), old.__name__


@pytest.mark.parametrize("seed", range(40 if PROFILE == "deep" else 3))
def test_vectorised_checks_match_the_row_by_row_ones(seed: int) -> None:
    rng = random.Random(seed)
    raw = _mutated(rng, 60)
    _compare(raw)
    assert sum(len(old(raw)) for old in rowwise_checks.COMPARED) > 20  # it did find things


def test_they_agree_on_the_embedded_package() -> None:
    _compare(BASE)
    assert checks.run_checks(read_raw(default_package_path())) == []


@pytest.mark.parametrize("text", ["٣", " 7", "1_000", "7 "])
def test_numbers_the_loader_cannot_parse_are_refused(text: str) -> None:
    """The old check accepted these (Python's int/float do), then the loader crashed."""
    tables = {name: df.copy() for name, df in BASE.tables.items()}
    tables["installations"].loc[0, "ets_activity"] = text
    raw = RawPackage(BASE.path, BASE.descriptor, tables)
    found = [p for p in checks.check_types(raw) if p.field == "ets_activity"]
    assert [(p.row, p.message) for p in found] == [(2, f"'{text}' is not an integer")]
