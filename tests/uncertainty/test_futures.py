"""A future's scenario: the package's levers with the future's values applied
(:mod:`kruispunt.uncertainty.futures`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kruispunt.catalogue import load_catalogue
from kruispunt.scenarios import resolve
from kruispunt.uncertainty.futures import FutureBuilder, future_seed, resolve_packages
from kruispunt.uncertainty.spec import load_spec

SPEC = """\
name: tiny
sources:
  s1: {title: T, url: https://example.org, date: "2025"}
factors:
  - name: steel
    lever: demand_scale.crude_steel
    distribution: uniform
    low: 0.5
    high: 1.0
    sources: [s1]
  - name: storage_delay
    lever: infrastructure.co2_storage_delay
    distribution: integer
    low: 0
    high: 4
    sources: [s1]
packages:
  - {name: cp, scenario: current-policy}
  - name: own
    scenario: current-policy
    overrides:
      demand_scale: {crude_steel: 0.9}
      infrastructure: {co2_storage_delay: 1}
outcomes:
  - {name: e2030, metric: emissions, year: 2030, goal: minimize}
"""


@pytest.fixture(scope="module")
def builder(tmp_path_factory: pytest.TempPathFactory) -> FutureBuilder:
    path = Path(tmp_path_factory.mktemp("spec")) / "spec.yaml"
    path.write_text(SPEC, encoding="utf-8")
    loaded = load_spec(path)
    cat = load_catalogue()
    return FutureBuilder(loaded.spec.factors, resolve_packages(loaded, cat), cat)


def test_a_scale_multiplies_and_a_delay_adds_to_the_package_s_own(builder: FutureBuilder) -> None:
    """Steel demand 0.8 and a storage delay of 3 years: the plain package gets 0.8 and 3;
    the package that already scales steel by 0.9 and delays storage by 1 year gets 0.9 x 0.8
    = 0.72 and 1 + 3 = 4."""
    values = np.array([0.8, 3.0])
    plain = builder.scenario(0, 0, values, seed=1).levers
    own = builder.scenario(1, 0, values, seed=1).levers
    assert plain.demand_scale["crude_steel"] == pytest.approx(0.8)
    assert plain.infrastructure.co2_storage_delay == 3
    assert own.demand_scale["crude_steel"] == pytest.approx(0.72)
    assert own.infrastructure.co2_storage_delay == 4


def test_each_future_keeps_its_own_seed_and_values_in_a_package_batch(
    builder: FutureBuilder,
) -> None:
    """A package's batch gives future ``futures[k]`` its ``values[k]`` and ``seeds[k]``,
    the same scenarios as the batch of every package does for it."""
    futures = np.array([4, 9, 12])
    values = np.array([[0.6, 0.0], [0.7, 2.0], [0.95, 4.0]])
    seeds = np.array([101, 202, 303])
    own = builder.package_batch(1, futures, values, seeds)
    assert [s.name for s in own] == ["own-f0000004", "own-f0000009", "own-f0000012"]
    assert [s.levers.seed for s in own] == [101, 202, 303]
    assert [s.levers.infrastructure.co2_storage_delay for s in own] == [1, 3, 5]
    both = builder.batch(futures, values, seeds)
    assert [s.levers for s in both[1::2]] == [s.levers for s in own]
    assert [s.levers.seed for s in both[0::2]] == [101, 202, 303]


def test_a_price_path_below_central_is_in_the_lever_s_unit() -> None:
    """The default gas factor gives its paths in EUR/MWh; the lever is in EUR/GJ. Halfway to
    the low path in 2035: 21.2 - 0.5 x (21.2 - 13.7) = 17.45 EUR/MWh = 17.45 / 3.6 EUR/GJ;
    at the low path 13.7 / 3.6."""
    loaded = load_spec()
    cat = load_catalogue()
    b = FutureBuilder(loaded.spec.factors, resolve_packages(loaded, cat), cat)
    names = [f.name for f in loaded.spec.factors]
    values = np.zeros(len(names))
    values[names.index("steel_demand")] = 1.0
    values[names.index("discount_rate")] = 0.07
    for position, mwh in ((-0.5, 17.45), (-1.0, 13.7)):
        values[names.index("gas_price")] = position
        gas = b.scenario(0, 0, values, seed=1).levers.carrier_prices["natural_gas"]
        assert gas[2035] == pytest.approx(mwh / 3.6)


def test_a_future_s_seed_is_the_first_word_of_its_seed_sequence() -> None:
    """As the manifest records it: SeedSequence([root, i]).generate_state(1)[0], so root 7's
    future 3 is not root 3's future 7."""
    assert future_seed(7, 3) == int(np.random.SeedSequence([7, 3]).generate_state(1)[0])
    assert future_seed(7, 3) != future_seed(3, 7)


def test_a_future_keeps_the_package_s_own_levers_beside_the_ones_it_sets(tmp_path: Path) -> None:
    """A package from a scenario file that delays hydrogen by 2 years, halves the EUA price
    and CO2 storage capacity and sets its own hydrogen price path, in a future with 1.2 x the
    EUA price, 0.8 x the storage capacity and the gas price halfway from central to high
    (30 + 0.5 x (50 - 30) = 40 EUR/MWh = 40 / 3.6 EUR/GJ in 2030): 0.5 x 1.2 = 0.6,
    0.5 x 0.8 = 0.4, its hydrogen path and delay as they were; the plain package gets the
    future's values alone."""
    (tmp_path / "own.yaml").write_text(
        "name: own-file\nbase: current-policy\ninfrastructure: {hydrogen_delay: 2}\n",
        encoding="utf-8",
    )
    own = (
        "  - name: own\n    scenario: own.yaml\n    overrides:\n      eua_price_scale: 0.5\n"
        "      infrastructure: {co2_storage_scale: 0.5}\n"
        "      carrier_prices: {hydrogen: {2025: 30.0, 2030: 25.0}}\n"
    )
    factors = (
        "  - {name: eua, lever: eua_price_scale, distribution: uniform, low: 0.8, high: 1.2,"
        " sources: [s1]}\n"
        "  - {name: storage, lever: infrastructure.co2_storage_scale, distribution: uniform,"
        " low: 0.5, high: 1.0, sources: [s1]}\n"
        "  - name: gas\n    lever: carrier_prices.natural_gas\n    distribution: path\n"
        "    unit: EUR/MWh\n    low: {2025: 20.0, 2030: 20.0}\n"
        "    central: {2025: 30.0, 2030: 30.0}\n    high: {2025: 50.0, 2030: 50.0}\n"
        "    sources: [s1]\n"
    )
    start, end = SPEC.index("factors:\n"), SPEC.index("packages:\n")
    text = SPEC[: start + len("factors:\n")] + factors + SPEC[end:]
    text = text[: text.index("  - name: own")] + own + text[text.index("outcomes:") :]
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_spec(path)
    cat = load_catalogue()
    b = FutureBuilder(loaded.spec.factors, resolve_packages(loaded, cat), cat)
    values = np.array([1.2, 0.8, 0.5])
    plain, mine = (b.scenario(k, 0, values, seed=1).levers for k in (0, 1))
    assert plain.eua_price_scale == pytest.approx(1.2)
    assert plain.infrastructure.co2_storage_scale == pytest.approx(0.8)
    assert plain.infrastructure.hydrogen_delay == 0
    assert set(plain.carrier_prices) == {"natural_gas"}
    assert mine.eua_price_scale == pytest.approx(0.6)
    assert mine.infrastructure.co2_storage_scale == pytest.approx(0.4)
    assert mine.infrastructure.hydrogen_delay == 2
    assert mine.carrier_prices["hydrogen"] == {2025: 30.0, 2030: 25.0}
    for levers in (plain, mine):
        assert levers.carrier_prices["natural_gas"][2030] == pytest.approx(40.0 / 3.6)


def test_a_package_s_override_of_one_key_keeps_the_rest_of_its_section(tmp_path: Path) -> None:
    """Overrides merge into the package's scenario as a scenario file merges into its base:
    section by section, key by key. Overriding only ``demand.rfnbo_shortfall_cap_scale`` on
    no new policy kept no other key of ``demand`` until Dec 2026, so the obligation and the
    refinery route were silently switched on (their defaults); now they stay off, and on
    current policy the route's scale stays beside the new cap."""
    packages = (
        "packages:\n"
        "  - name: nnp\n    scenario: no-new-policy\n"
        "    overrides: {demand: {rfnbo_shortfall_cap_scale: 2.0}}\n"
        "  - name: cp\n    scenario: current-policy\n"
        "    overrides: {demand: {rfnbo_shortfall_cap_scale: 0.5}, subsidies: {}}\n"
    )
    text = SPEC[: SPEC.index("packages:\n")] + packages + SPEC[SPEC.index("outcomes:") :]
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_spec(path)
    cat = load_catalogue()
    nnp, cp = resolve_packages(loaded, cat).scenarios
    base = {s.name: s.levers for s in resolve(["no-new-policy", "current-policy"], cat.path)}
    assert nnp.levers.demand.rfnbo_shortfall_cap_scale == 2.0
    assert nnp.levers.demand.rfnbo == base["no-new-policy"].demand.rfnbo == "none"
    assert nnp.levers.demand.refinery_route == base["no-new-policy"].demand.refinery_route
    assert cp.levers.demand.rfnbo_shortfall_cap_scale == 0.5
    keep = {"rfnbo_shortfall_cap_scale"}
    assert cp.levers.demand.model_dump(exclude=keep) == base["current-policy"].demand.model_dump(
        exclude=keep
    )
    assert cp.levers.subsidies == base["current-policy"].subsidies
