"""The green-market report page (kruispunt.reports.premium) read back as tables: each section
holds the years, units and sums its heading and note promise, and user text is escaped."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from kruispunt.reports.premium import build_premium_report, write_bill_report
from kruispunt.vocabulary import SCENARIO


class _Tables(HTMLParser):
    """Each ``<h2>`` heading -> the rows (lists of cell texts) of the table after it."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.notes: dict[str, str] = {}
        self._tag: str | None = None
        self._head = ""
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "th", "td", "p", "title"):
            self._tag, self._text = tag, ""
        elif tag == "tr":
            self.tables.setdefault(self._head, []).append([])

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag != self._tag:
            return
        if tag == "h2":
            self._head = self._text
        elif tag == "p":
            self.notes[self._head] = self._text
        elif tag in ("th", "td"):
            self.tables[self._head][-1].append(self._text.strip())
        elif tag in ("h1", "title"):
            self.notes[tag] = self._text
        self._tag = None


def _read(page: str) -> _Tables:
    parser = _Tables()
    parser.feed(page)
    return parser


def _section(page: str, start: str) -> list[dict[str, str]]:
    tables = _read(page).tables
    (head,) = [h for h in tables if h.startswith(start)]
    header, *rows = tables[head]
    return [dict(zip(header, row, strict=True)) for row in rows]


def _by_product(scenario: str = "s1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            SCENARIO: scenario,
            "product": ["crude_steel"] * 3 + ["ammonia"] * 3,
            "year": [2025, 2030, 2040] * 2,
            "cheapest_route": "x",
            "premium": [100.0, 123.456, 90.0, 50.0, 61.04, 40.0],
            "premium_ex_carbon": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )


def test_premium_table_holds_the_years_asked_for_to_a_tenth_of_a_euro() -> None:
    page = build_premium_report(_by_product(), years=(2030,))
    rows = _section(page, "Green premium per product")
    assert [(r["product"], r["year"], r["premium"]) for r in rows] == [
        ("crude_steel", "2030", "123.5"),
        ("ammonia", "2030", "61.0"),
    ]


def test_pass_through_share_is_in_percent_for_the_years_asked_for() -> None:
    """premium_eur 12 on a price of 1,600: share 0.0075, shown as 0.75 (%)."""
    end = pd.DataFrame(
        {
            SCENARIO: "s1",
            "name": "car",
            "product": "crude_steel",
            "year": [2025, 2030],
            "premium_eur": [10.0, 12.0],
            "price": [1600.0, 1600.0],
            "share": [10.0 / 1600.0, 12.0 / 1600.0],
            "missing": "",
        }
    )
    page = build_premium_report(_by_product(), end, years=(2030,))
    (row,) = _section(page, "Pass-through to end products")
    assert (row["year"], row["premium_eur"], row["share_pct"]) == ("2030", "12.00", "0.75")


def test_export_gap_adds_up_plants_in_mt_while_allowances_are_lost() -> None:
    """Two steel plants losing 1.5 and 0.5 Mt of allowances a year from 2026 to 2038 (the
    phase-out ends in 2034, the free allocation they would have had in 2039), exposed 3 and
    4 MEUR: 2.00 Mt and 7.00 MEUR a year nationally, shown for 2026-2038, not the years
    without a loss before and after."""
    years = list(range(2025, 2041))
    lost = [1.5e6 if 2026 <= y <= 2038 else 0.0 for y in years]
    gap = pd.DataFrame(
        {
            SCENARIO: "s1",
            "plant": ["p1"] * len(years) + ["p2"] * len(years),
            "product": "crude_steel",
            "year": years * 2,
            "allocation_lost": lost + [x / 3 for x in lost],
            "exposure_meur": [3.0 if x else 0.0 for x in lost] + [4.0 if x else 0.0 for x in lost],
        }
    )
    page = build_premium_report(_by_product(), export_gap=gap)
    rows = _section(page, "CBAM export gap")
    assert [int(r["year"]) for r in rows] == list(range(2026, 2039))
    assert {(r["allocation_lost_mt"], r["exposure_meur"]) for r in rows} == {("2.00", "7.00")}


def test_policy_packages_are_one_column_each_over_the_window() -> None:
    comparison = pd.DataFrame(
        {SCENARIO: ["ref", "ccfd"], "abated_mt": [0.0, 12.5], "cost_per_t": [0.0, 88.25]}
    )
    comparison.attrs.update(window=(2026, 2050), reference="ref")
    page = build_premium_report(_by_product(), comparison=comparison)
    rows = _section(page, "Policy packages side by side")
    assert rows == [
        {"indicator": "abated_mt", "ref": "0.00", "ccfd": "12.50"},
        {"indicator": "cost_per_t", "ref": "0.00", "ccfd": "88.25"},
    ]
    note = _read(page).notes["Policy packages side by side"]
    assert note.startswith("Against ref, summed over 2026-2050 ")


def _bills() -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(
        [("site_a", "NL"), ("site_a", "BE")], names=["site", "country"]
    )
    return pd.DataFrame({"bill_meur": [10.0, 12.345], "gap_to_nl_meur": [0.0, 2.345]}, index)


def test_bill_section_keeps_site_and_country() -> None:
    page = build_premium_report(_by_product(), bills=(_bills(), "current-policy", 2030))
    rows = _section(page, "Energy bill NL against BE, DE and FR (current-policy, 2030)")
    assert [(r["site"], r["country"], r["gap_to_nl_meur"]) for r in rows] == [
        ("site_a", "NL", "0.00"),
        ("site_a", "BE", "2.35"),
    ]


EVIL = "<img src=x onerror=alert(1)>&"


def test_user_text_is_escaped(tmp_path: Path) -> None:
    """Scenario names and a title come from the user; the page shows them as text."""
    page = build_premium_report(
        _by_product(EVIL), bills=(_bills(), EVIL, 2030), title=f"Premiums {EVIL}"
    )
    assert "<img" not in page
    parsed = _read(page)
    assert parsed.notes["title"] == parsed.notes["h1"] == f"Premiums {EVIL}"
    assert {r[SCENARIO] for r in _section(page, "Green premium per product")} == {EVIL}
    assert f"Energy bill NL against BE, DE and FR ({EVIL}, 2030)" in parsed.tables
    written = write_bill_report(tmp_path / "bill.html", _bills(), EVIL, 2030).read_text("utf-8")
    assert "<img" not in written
    assert f"Energy bill NL against BE, DE and FR ({EVIL}, 2030)" in _read(written).tables


@pytest.mark.parametrize("empty", [None, pd.DataFrame()])
def test_sections_without_data_are_left_out(empty: pd.DataFrame | None) -> None:
    page = build_premium_report(_by_product(), empty, empty, empty)
    assert list(_read(page).tables) == ["Green premium per product [EUR2025 per unit of product]"]
