"""Every id a chart or table can show has a human label (one table, kruispunt.reports.labels)."""

from __future__ import annotations

import pytest

from kruispunt import metrics
from kruispunt.api import run
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


def test_every_pool_of_the_package_has_a_label() -> None:
    """A pool's name has a label unless it is its cluster's own (shown as the cluster)."""
    res = run("current-policy")
    ds = res.dataset
    names = {
        str(q).split("/", 1)[1]
        for q, c in zip(ds["pool"].values, ds["pool_cluster"].values, strict=True)
        if str(q).split("/", 1)[1] != str(c)
    }
    assert "tennet_noord_limburg" in names
    assert not sorted(names - set(LABELS["pool"])), "add labels for pool names"


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


@pytest.mark.parametrize("kind", list(LABELS))
def test_ids_of_a_kind_have_distinct_labels(kind: str) -> None:
    """Two ids with one label would be two legend entries or columns nobody can tell apart."""
    shown = list(LABELS[kind].values())
    assert len(shown) == len(set(shown)), sorted(s for s in shown if shown.count(s) > 1)


def test_site_table_column_labels_name_what_the_column_holds() -> None:
    """Each column's label shares a word with its id (capex is shown as investment), so two
    columns' labels cannot be swapped unnoticed."""
    same = {"capex": "investment"}
    for ident, text in LABELS["column"].items():
        words = {same.get(w, w) for w in ident.split("_")}
        assert words & set(text.lower().split()), (ident, text)


def test_an_id_without_a_label_of_its_kind_borrows_none_of_another_kind() -> None:
    assert label("resource", "clinker") == "clinker"  # a product's id, not a resource's
    assert label("family", "natural_gas") == "natural gas"
    assert label("sector", "hvc") == "hvc"
