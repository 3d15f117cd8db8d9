"""Packages side by side (:mod:`kruispunt.comparison`): the identities its columns keep, on
the synthetic results (three packages, 14 plants)."""

from __future__ import annotations

import pytest

from kruispunt import metrics
from kruispunt.comparison import SUPPORT_FLOWS, compare_instruments
from kruispunt.testing import synthetic_results
from kruispunt.vocabulary import SCENARIO


def test_comparison_columns_keep_their_identities() -> None:
    """Against ``green_market`` up to 2030:
    - each support flow is an outlay (>= 0), and together they are the government's outlays;
    - leakage is a package's imports less the reference's (ccs_first imports more: > 0);
    - the extra total is industry + government net + consumers (not the outlays: the
      revenues the government takes back are transfers from industry);
    - a package abating exactly the target meets it."""
    r = synthetic_results(n_scenarios=3, n_plants=14, seed=11)
    table = compare_instruments(r, "green_market", year=2030).set_index(SCENARIO)
    flows = metrics.government_cash_flow(r)
    flows = flows[flows["year"] <= 2030].groupby([SCENARIO, "flow"])["cash_flow_meur"].sum()
    shown = [f for f in SUPPORT_FLOWS if f"{f}_meur" in table]
    assert {"sde_outlay", "ccfd_outlay", "grant_outlay", "ikc_outlay"} <= set(shown)
    for s in table.index:
        paid = [-float(flows.get((s, f), 0.0)) for f in shown]
        assert table.loc[s, [f"{f}_meur" for f in shown]].tolist() == pytest.approx(paid)
        assert min(paid) >= 0 and sum(paid) == pytest.approx(table.loc[s, "government_meur"])
    imports = table["imports_mt"]
    assert table["leakage_mt"].tolist() == pytest.approx(
        (imports - imports["green_market"]).tolist()
    )
    assert table.loc["ccs_first", "leakage_mt"] > 0
    parts = ["extra_industry_meur", "extra_government_net_meur", "extra_consumers_meur"]
    assert table["extra_total_meur"].tolist() == pytest.approx(table[parts].sum(axis=1).tolist())
    net, out = table.loc["reference", ["extra_government_net_meur", "extra_government_meur"]]
    assert abs(net - out) > 100  # the two differ here, so the identity is a real check
    target = float(table.loc["reference", "abated_mt"])
    assert target > 0
    met = compare_instruments(r, "green_market", year=2030, target_mt=target).set_index(SCENARIO)
    assert met["meets_target"].tolist() == [True, False, False]
