"""The green-market report: green premiums per product, their pass-through to end products,
the CBAM export gap, the comparison of policy packages and the NL against BE/DE/FR energy
bill, as one self-contained HTML page.

Built only from the analysis frames (:mod:`kruispunt.premium`,
:mod:`kruispunt.comparison`, :func:`kruispunt.playing_field.bill_table`), never from raw
result arrays or the engine.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from kruispunt.files import write_text
from kruispunt.premium import PREMIUM_COLUMNS, exposure_years
from kruispunt.vocabulary import SCENARIO

__all__ = ["bill_section", "build_premium_report", "write_bill_report", "write_premium_report"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.9em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
p.note{color:#555;font-size:0.9em;max-width:900px}
"""


def _table(frame: pd.DataFrame, digits: int = 1) -> str:
    # a named column axis (the transposed comparison's "scenario") would be written as an
    # extra header cell over an empty first column, even with index=False
    shown = frame.rename_axis(columns=None)
    return str(shown.to_html(index=False, float_format=lambda v: f"{v:,.{digits}f}", border=0))


def _section(title: str, note: str, body: str) -> str:
    return f"<h2>{html.escape(title)}</h2><p class='note'>{html.escape(note)}</p>{body}"


def bill_section(bills: pd.DataFrame, scenario: str, year: int) -> str:
    """The energy-bill section: :func:`kruispunt.playing_field.bill_table` of ``scenario`` in
    ``year``, one row per site and country."""
    return _section(
        f"Energy bill NL against BE, DE and FR ({scenario}, {year})",
        "For each site's own electricity and gas use: electricity per MWh by component "
        "(commodity, energy tax, network tariff, indirect-cost compensation, relief) "
        "[EUR/MWh], the gas energy tax [EUR/MWh], the whole bill and its gap to NL [MEUR/yr]; "
        "the published total per MWh of electricity (E-Bridge for EZK) beside it as a check. "
        "A component not found for a country takes the NL figure (listed in not_found).",
        _table(bills.reset_index(), 2),
    )


def build_premium_report(
    by_product: pd.DataFrame,
    end_products: pd.DataFrame | None = None,
    export_gap: pd.DataFrame | None = None,
    comparison: pd.DataFrame | None = None,
    *,
    bills: tuple[pd.DataFrame, str, int] | None = None,
    years: Sequence[int] = (2030, 2040),
    title: str = "Green premiums, pass-through, export gap and instruments",
) -> str:
    """The report's HTML.

    Parameters
    ----------
    by_product : DataFrame
        :func:`kruispunt.premium.product_premium` (national, by product).
    end_products : DataFrame, optional
        :func:`kruispunt.premium.end_product_premium`.
    export_gap : DataFrame, optional
        :func:`kruispunt.premium.export_gap`.
    comparison : DataFrame, optional
        :func:`kruispunt.comparison.compare_instruments`.
    bills : (DataFrame, str, int), optional
        :func:`kruispunt.playing_field.bill_table` with its scenario name and year.
    years : sequence of int
        Years shown in the premium and pass-through tables.
    """
    parts = [f"<h1>{html.escape(title)}</h1>"]
    yrs = list(years)
    cols = PREMIUM_COLUMNS
    prem = by_product[by_product["year"].isin(yrs)]
    parts.append(
        _section(
            "Green premium per product [EUR2025 per unit of product]",
            "Per plant the cheapest low-carbon route open to it, minus its grey reference "
            "(the incumbent), levelised over the route's life from the year with the "
            "scenario's carbon costs; production-weighted over the Dutch plants. Negative: "
            "the low-carbon route is cheaper. 'premium_ex_carbon' leaves the carbon items out.",
            _table(prem[[c for c in cols if c in prem.columns]]),
        )
    )
    if end_products is not None and not end_products.empty:
        ep = end_products[end_products["year"].isin(yrs)].copy()
        ep["share_pct"] = ep["share"] * 100.0
        ep = ep[
            [SCENARIO, "name", "product", "year", "premium_eur", "price", "share_pct", "missing"]
        ]
        parts.append(
            _section(
                "Pass-through to end products",
                "The national premium per tonne times the tonnes in one end product, in euro "
                "and as a share of its price, if the whole premium is passed on. Materials the "
                "Netherlands does not make with a low-carbon option are listed as missing.",
                _table(ep, 2),
            )
        )
    if export_gap is not None and not export_gap.empty:
        gap = exposure_years(
            export_gap.groupby([SCENARIO, "product", "year"])[["allocation_lost", "exposure_meur"]]
            .sum()
            .reset_index()
        ).copy()
        gap["allocation_lost"] = gap["allocation_lost"] * 1e-6
        gap = gap.rename(columns={"allocation_lost": "allocation_lost_mt"})
        parts.append(
            _section(
                "CBAM export gap",
                "Free allowances lost to the CBAM phase-out (Mt) and their cost on the share "
                "of output exported outside the EU, which CBAM does not protect (MEUR/yr), "
                "from the phase-out's first year until the free allocation CBAM goods would "
                "have had without it runs out.",
                _table(gap, 2),
            )
        )
    if comparison is not None and not comparison.empty:
        window = comparison.attrs.get("window", ("", ""))
        ref = comparison.attrs.get("reference", "")
        parts.append(
            _section(
                "Policy packages side by side",
                f"Against {ref}, summed over {window[0]}-{window[1]} (undiscounted, EUR2025). "
                "Cost per tonne: the extra cost over the emissions abated against the "
                "reference; total = industry + government (net) + consumers, so transfers "
                "between them cancel.",
                _table(comparison.set_index(SCENARIO).T.reset_index(names="indicator"), 2),
            )
        )
    if bills is not None:
        parts.append(bill_section(*bills))
    return _page(title, parts)


def _page(title: str, parts: Sequence[str]) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )


def write_premium_report(path: Path | str, *args: object, **kwargs: object) -> Path:
    """Write :func:`build_premium_report` to ``path`` (atomic: a temporary file renamed)."""
    return write_text(path, build_premium_report(*args, **kwargs))  # type: ignore[arg-type]


def write_bill_report(path: Path | str, bills: pd.DataFrame, scenario: str, year: int) -> Path:
    """Write the energy-bill section alone as a page to ``path`` (atomic)."""
    title = f"Energy bill NL against BE, DE and FR, {year}"
    return write_text(
        path, _page(title, [f"<h1>{html.escape(title)}</h1>", bill_section(bills, scenario, year)])
    )
