"""Figures the documentation quotes from the default runs, worked out again from the model.

The pages describe the model in prose that no generator writes, and prose drifts: in
December 2026 an audit found eleven stale explanations in docs/validation.md and nearly
forty stale claims in the other pages, some stale for sessions. Each :class:`Claim` below
is a sentence of a page with its figures left out (``{}``) and a function that works them
out from the run of the three default scenarios (central prices), formatted as the page
prints them. The page must contain the sentence with the figures the model gives now; when
a change to the engine or the data moves one, the test names the page and the sentence.

A claim is written with single spaces (the page's line breaks and indentation do not count).
Figures that need runs of their own (a lever, an event taken out, an ensemble) are not here;
they are dated in the pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from kruispunt import metrics
from kruispunt.display import number
from kruispunt.results import Results
from kruispunt.vocabulary import SCENARIO

ROOT = Path(__file__).resolve().parents[1]
CP, NNP, HA = "current-policy", "no-new-policy", "high-ambition"
BF7 = "tata_steel_ijmuiden/crude_steel/bf7"
TWH = 3.6e6  # GJ per TWh


@dataclass(frozen=True)
class Claim:
    page: str
    """The page, relative to the repository."""
    text: str
    """The sentence as the page has it, with ``{}`` for each figure."""
    figures: Callable[[Results], tuple[str, ...]]
    """The figures from the default runs, formatted as the page prints them."""


def _at(ds: xr.Dataset, var: str, scenario: str, year: int, plant: str | None = None) -> float:
    values = ds[var].sel(scenario=scenario, year=year)
    return float(values.sel(plant=plant) if plant else values.sum())


def _electricity(ds: xr.Dataset, year: int, plant: str | None = None) -> float:
    """Electricity used in ``year`` under current policy [TWh]."""
    use = ds["energy"].sel(scenario=CP, year=year, carrier="electricity")
    return float(use.sel(plant=plant) if plant else use.sum()) / TWH


def _first_year(ds: xr.Dataset, scenario: str, plant: str, family_or_route: str) -> str:
    """The first year ``plant`` runs the route (or a route of the family), or "never"."""
    routes = ds["route"].values.astype(str)
    families = ds["route_family"].values.astype(str)
    idx = ds["route_index"].sel(scenario=scenario, plant=plant).values
    hit = (routes[idx] == family_or_route) | (families[idx] == family_or_route)
    return str(int(ds["year"].values[np.argmax(hit)])) if hit.any() else "never"


def _hydrogen(results: Results) -> tuple[str, ...]:
    ds = results.dataset
    kt = [_at(ds, "hydrogen_bought", CP, y) / 1e3 for y in (2030, 2033)]
    return f"{kt[0]:.1f}", f"{kt[1]:.1f}"


def _pernis(results: Results) -> tuple[str, ...]:
    ds = results.dataset
    plant = "shell_pernis/refinery_throughput"
    captured = _at(ds, "captured_co2", CP, 2027, plant)
    emitted = _at(ds, "direct_emissions", CP, 2027, plant)
    return f"{captured / 1e3:.1f}", f"{100 * captured / (captured + emitted):.1f}"


def _nobian(results: Results) -> tuple[str, ...]:
    ds = results.dataset
    delfzijl = _electricity(ds, 2030, "nobian_delfzijl/process_heat_low")
    hengelo = _electricity(ds, 2030, "nobian_hengelo/process_heat_low")
    return f"{delfzijl:.3f}", f"{hengelo:.3f}", f"{delfzijl + hengelo:.3f}"


def _frisia(results: Results) -> tuple[str, ...]:
    ds = results.dataset
    plant = "frisia_zout_harlingen/process_heat_low"
    closes = {s: _first_year(ds, s, plant, "closure") for s in (CP, NNP)}
    same = closes[CP] if closes[CP] == closes[NNP] else f"{closes[CP]} / {closes[NNP]}"
    return same, _first_year(ds, HA, plant, "mvr_salt_low")


def _porthos(results: Results) -> tuple[str, ...]:
    summary = metrics.pool_summary(results)
    row = summary[(summary[SCENARIO] == CP) & (summary["pool"] == "co2_storage/porthos")]
    share, year = row.iloc[0][["max_utilisation_share", "max_utilisation_year"]]
    return f"{100 * share:.0f}", str(int(year))


def _storage_peak(results: Results) -> tuple[str, ...]:
    peak = metrics.storage_peak(results).set_index(SCENARIO).loc[CP]
    return (
        number(float(peak["peak_use_mtco2"])),
        number(float(peak["capacity_mtco2"])),
        str(int(peak["peak_year"])),
        number(float(peak["utilisation_share"]), "fraction"),
    )


def _counts(results: Results) -> tuple[str, ...]:
    ds = results.dataset
    routes = ds.sizes["route"]
    besides = int((ds["route_family"].values.astype(str) != "closure").sum())
    sites = len(np.unique(ds["site"].values))
    return str(sites), str(ds.sizes["plant"]), str(routes), str(besides)


CLAIMS = (
    Claim(
        "README.md",
        "{} sites and {} plants (production units) built from the verified EU ETS emissions of "
        "every Dutch installation (the 277 industrial installations kept emitted 45.2 Mt CO2 in "
        "2022, all 654 together 68.5 Mt), {} routes ({} besides closure)",
        _counts,
    ),
    Claim(
        "docs/model.md",
        "(result `hydrogen_bought`: {} kt in 2030-2032, {} kt from 2033)",
        _hydrogen,
    ),
    Claim(
        "docs/model.md",
        "Under current policy blast furnace 7 starts gas DRI + EAF in {}",
        lambda r: (_first_year(r.dataset, CP, BF7, "ng_dri_eaf"),),
    ),
    Claim(
        "docs/model.md",
        "and adds the compressor from {}",
        lambda r: (_first_year(r.dataset, CP, BF7, "ng_dri_eaf_hp_capture"),),
    ),
    Claim(
        "docs/model.md",
        "Current policy in 2030: Nobian's two salt plants use {} + {} = {} TWh",
        _nobian,
    ),
    Claim(
        "docs/model.md",
        "{} TWh now. Frisia Zout",
        lambda r: (f"{_electricity(r.dataset, 2030):.2f}",),
    ),
    Claim(
        "docs/model.md",
        "and closes in {} under current policy and no new policy; under high ambition it takes "
        "MVR in {}",
        _frisia,
    ),
    Claim(
        "docs/model.md",
        "Current policy, central: the routes use {} TWh in 2025 and {} TWh in 2030",
        lambda r: (f"{_electricity(r.dataset, 2025):.2f}", f"{_electricity(r.dataset, 2030):.2f}"),
    ),
    Claim(
        "docs/instruments.md",
        "users take all {} kt they owe in 2030, {} kt from 2033",
        _hydrogen,
    ),
    Claim("docs/dashboard.md", "(current policy: Porthos {} % in {})", _porthos),
    Claim("docs/dashboard.md", "(`{} of {} in {} ({})` for current policy)", _storage_peak),
    Claim(
        "data/validation/references.csv",
        "{} kt in 2027, {} % of its CO2",
        _pernis,
    ),
)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _page(claim: Claim) -> str:
    return _one_line((ROOT / claim.page).read_text("utf-8"))


def _id(claim: Claim) -> str:
    return f"{claim.page}: {claim.text[:40]}"


pytestmark = pytest.mark.skipif(not (ROOT / "docs").is_dir(), reason="repository only")


@pytest.mark.parametrize("claim", CLAIMS, ids=_id)
def test_the_page_quotes_the_figures_the_model_gives(
    claim: Claim, default_results: Results
) -> None:
    said = claim.text.format(*claim.figures(default_results))
    assert said in _page(claim), (
        f"{claim.page} no longer quotes the model: it should say '{said}'. Read the passage "
        "again (the reasoning around the figure may have changed too) and correct it."
    )


@pytest.mark.parametrize("claim", CLAIMS, ids=_id)
def test_each_claim_pins_its_figures(claim: Claim) -> None:
    """The sentence holds a figure to check, and with another figure in its place the page
    no longer contains it: the check above can fail."""
    n = claim.text.count("{}")
    assert n >= 1
    assert claim.text.format(*["-999"] * n) not in _page(claim)
