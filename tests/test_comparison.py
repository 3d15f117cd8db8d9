"""Packages side by side (:mod:`kruispunt.comparison`): the identities its columns keep, on
the synthetic results (three packages, 14 plants)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kruispunt import metrics
from kruispunt.comparison import SUPPORT_FLOWS, compare_instruments, cost_per_tonne
from kruispunt.results import Results
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


# --- hand-checked (mutation round 7) ----------------------------------------------------------


def _packages() -> Results:
    """Two packages over 2029-2031, every money and emission variable 0 but:

    - direct emissions of plant 0: 10, 10, 10 Mt in ``reference``, 10, 6, 0 Mt in
      ``green_market``;
    - ``green_market``: 200 MEUR capex in 2029 and 1,000 MEUR in 2031 (outside a 2030
      window); 40 MEUR green premium received in 2030; SDE++ pays 100 MEUR in 2030, the
      energy tax brings 20 MEUR in 2029;
    - imports of ``green_market`` in 2029: 1 Mt of steel and 5e6 GJ of hvc (measured in GJ
      here, as heat would be); none in ``reference``.
    """
    base = synthetic_results(n_scenarios=2, n_plants=3, years=range(2029, 2032), seed=0).dataset
    ds = base.assign_coords(product_unit=("product", ["t/yr", "t/yr", "GJ/yr"]))
    assert list(ds[SCENARIO].values) == ["reference", "green_market"]
    assert list(ds["product"].values) == ["crude_steel", "ammonia", "hvc"]
    spy = np.zeros(ds["capex"].shape)
    plant = {
        v: spy.copy()
        for v in (
            "capex",
            "opex",
            "energy_cost",
            "carbon_cost",
            "co2_levy",
            "energy_tax",
            "network_tariff",
            "subsidies",
            "premium_revenue",
            "direct_emissions",
        )
    }
    plant["direct_emissions"][0, 0] = 10e6
    plant["direct_emissions"][1, 0] = [10e6, 6e6, 0.0]
    plant["capex"][1, 0] = [200e6, 0.0, 1000e6]
    plant["premium_revenue"][1, 0, 1] = 40e6
    flows = [str(f) for f in ds["flow"].values]
    gov = np.zeros(ds["gov_cash_flow"].shape)
    gov[1, flows.index("sde_outlay"), 1] = -100e6
    gov[1, flows.index("energy_tax_revenue"), 0] = 20e6
    imports = np.zeros(ds["imports"].shape)
    imports[1, 0, 0], imports[1, 2, 0] = 1e6, 5e6
    new = {k: (ds[k].dims, v, ds[k].attrs) for k, v in plant.items()}
    new["gov_cash_flow"] = (ds["gov_cash_flow"].dims, gov, ds["gov_cash_flow"].attrs)
    new["imports"] = (ds["imports"].dims, imports, ds["imports"].attrs)
    return Results(ds.assign(new))  # type: ignore[arg-type]


def test_packages_compared_by_hand() -> None:
    """Against ``reference`` up to 2030 (2029 and 2030): emissions 20 and 16 Mt, abated 4 Mt;
    green_market's government outlays 100 MEUR, net of the 20 MEUR tax 80; consumers pay the
    40 MEUR premium; industry 200 capex less the 40 premium received = 160 MEUR (the 1,000
    of 2031 is outside); extra total 160 + 80 + 40 = 280 MEUR: 70 EUR/t, government 25,
    consumers 10, industry 40 EUR/t. Imports 1 Mt (the GJ of hvc left out), leakage 1 Mt.
    The reference abates nothing: its costs per tonne are NaN."""
    table = compare_instruments(_packages(), "reference", year=2030).set_index(SCENARIO)
    assert table.attrs["window"] == (2029, 2030)
    green = table.loc["green_market"]
    assert (green["emissions_mt"], green["abated_mt"]) == (16.0, 4.0)
    assert table.loc["reference", "emissions_mt"] == 20.0
    assert green["government_meur"] == pytest.approx(100.0)
    assert green["sde_outlay_meur"] == pytest.approx(100.0)
    assert green["government_net_meur"] == pytest.approx(80.0)
    assert green["consumers_meur"] == pytest.approx(40.0)
    assert green["industry_meur"] == pytest.approx(160.0)
    assert green["extra_industry_meur"] == pytest.approx(160.0)
    assert green["extra_total_meur"] == pytest.approx(280.0)
    per_t = green[["total_eur_per_t", "government_eur_per_t", "consumers_eur_per_t"]]
    assert per_t.tolist() == pytest.approx([70.0, 25.0, 10.0])
    assert green["industry_eur_per_t"] == pytest.approx(40.0)
    assert (green["imports_mt"], green["leakage_mt"]) == (pytest.approx(1.0), pytest.approx(1.0))
    assert table.loc["reference", ["abated_mt", "imports_mt"]].tolist() == [0.0, 0.0]
    assert table.loc["reference", ["total_eur_per_t", "industry_eur_per_t"]].isna().all()
    units = table.attrs["units"]
    assert (units["emissions_mt"], units["abated_mt"], units["imports_mt"]) == (
        "MtCO2",
        "MtCO2",
        "Mt",
    )
    assert (units["extra_total_meur"], units["total_eur_per_t"]) == ("MEUR", "EUR/tCO2")


def test_packages_in_the_year_only_and_their_deadweight() -> None:
    """In 2030 only: emissions 10 and 6 Mt, abated 4 Mt; a 4 Mt target is met exactly.
    Deadweight rows of green_market: 30 + 10 = 40 MEUR paid, 6 + 4 = 10 MEUR deadweight,
    share 0.25."""
    deadweight = pd.DataFrame(
        {
            SCENARIO: ["green_market", "green_market"],
            "paid_meur": [30.0, 10.0],
            "deadweight_meur": [6.0, 4.0],
        }
    )
    table = compare_instruments(
        _packages(), "reference", year=2030, cumulative=False, target_mt=4.0, deadweight=deadweight
    ).set_index(SCENARIO)
    assert table.attrs["window"] == (2030, 2030)
    assert table["emissions_mt"].tolist() == [10.0, 6.0]
    assert table["meets_target"].tolist() == [False, True]
    green = table.loc["green_market"]
    assert green["support_paid_all_years_meur"] == 40.0
    assert green["deadweight_all_years_meur"] == 10.0
    assert green["deadweight_share"] == 0.25


def test_cost_per_tonne_needs_abatement() -> None:
    """300 MEUR for 2 Mt is 150 EUR/t; nothing abated (0 Mt) or more emitted (-1 Mt): NaN."""
    assert cost_per_tonne(300.0, 2.0) == 150.0
    assert math.isnan(cost_per_tonne(300.0, 0.0))
    assert math.isnan(cost_per_tonne(0.0, 0.0))
    assert math.isnan(cost_per_tonne(300.0, -1.0))
