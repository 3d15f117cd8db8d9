"""Every id a chart or table can show has a human label (one table, kruispunt.reports.labels)."""

from __future__ import annotations

import pytest

from kruispunt import metrics
from kruispunt.catalogue import load_catalogue
from kruispunt.policy.registry import flows
from kruispunt.reports.labels import LABELS, label
from kruispunt.testing import synthetic_results
from kruispunt.vocabulary import FAMILIES, RESOURCES, SWITCH_REASONS


@pytest.fixture(scope="module")
def package_ids() -> dict[str, set[str]]:
    cat = load_catalogue()
    return {
        "sector": set(cat.sectors["sector_id"]),
        "product": set(cat.products["product_id"]),
        "carrier": set(cat.carriers["carrier_id"]),
    }


@pytest.mark.parametrize("kind", ["sector", "product", "carrier"])
def test_every_package_id_has_a_label(package_ids: dict[str, set[str]], kind: str) -> None:
    missing = sorted(package_ids[kind] - set(LABELS[kind]))
    assert not missing, f"add labels for {kind}: {missing}"


def test_every_vocabulary_id_has_a_label() -> None:
    assert set(FAMILIES) <= set(LABELS["family"])
    assert set(RESOURCES) <= set(LABELS["resource"])
    assert set(SWITCH_REASONS) <= set(LABELS["reason"])
    assert {f.name for f in flows()} <= set(LABELS["flow"])


def test_every_cost_item_and_site_column_has_a_label() -> None:
    res = synthetic_results(n_scenarios=1, n_plants=4, years=range(2025, 2027))
    assert set(metrics.costs(res)["item"]) <= set(LABELS["item"])
    columns = set(metrics.site_table(res, 2026).columns) - {"scenario"}
    assert columns <= set(LABELS["column"])


def test_unknown_id_falls_back_to_readable_text() -> None:
    assert label("product", "green_steel_v2") == "green steel v2"
    assert label("flow", "sde_outlay") == "SDE++ subsidies paid"
