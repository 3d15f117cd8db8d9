"""The assembly cache of an ensemble's batches: the same inputs as a build without it, and
each build gets its own copy of the cached parts."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from kruispunt.assemble import build_inputs
from kruispunt.assemble.cache import AssemblyCache
from kruispunt.assemble.tables import Tables
from kruispunt.catalogue import load_catalogue
from kruispunt.scenarios import resolve


def _same(a: object, b: object, where: str) -> None:
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), where
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    elif hasattr(a, "__dataclass_fields__"):
        for f in fields(a):  # type: ignore[arg-type]
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k}]")
    else:
        assert a == b, where


def test_cached_builds_equal_an_uncached_build() -> None:
    cat = load_catalogue()
    scenarios = resolve(["current-policy", "high-ambition"])
    plain = build_inputs(cat, scenarios)
    cache = AssemblyCache()
    first = build_inputs(cat, scenarios, cache=cache)
    # a build that changes its arrays in place must not change the next build's
    first.routes.capex[...] = -1.0
    first.instruments["ets"]["route_benchmark"][...] = -1.0
    first.plants.options[...] = -1
    first.markets.price[...] = -1.0
    first.pools.capacity[...] = -1.0
    first.pools.step_price[...] = -1.0
    second = build_inputs(cat, scenarios, cache=cache)
    _same(plain, second, "inputs")


def test_a_cached_build_of_other_scenarios_equals_theirs_uncached() -> None:
    """The kept series are keyed by what they depend on: a later batch with other price
    sets and levers gets its own, not the first batch's."""
    cat = load_catalogue()
    cache = AssemblyCache()
    build_inputs(cat, resolve(["current-policy"]), cache=cache)
    others = resolve(["high-ambition", "no-new-policy"])
    others = [
        replace(sc, levers=sc.levers.model_copy(update={"price_set": ps}))
        for sc, ps in zip(others, ("high", "low"), strict=True)
    ]
    _same(build_inputs(cat, others), build_inputs(cat, others, cache=cache), "inputs")


def test_tables_memo_is_copied_out() -> None:
    tables = Tables(load_catalogue())
    years = np.arange(2025, 2031)
    path = tables.policy_path("eu_ets.eua_price", years)
    assert np.isfinite(path).all()
    path[...] = -1.0  # a caller's change stays with the caller
    again = tables.policy_path("eu_ets.eua_price", years)
    assert (again > 0).all()
    assert tables.policy_path("eu_ets.eua_price", years[:3]).shape == (3,)  # keyed by years


def test_the_cache_follows_the_catalogue() -> None:
    cache = AssemblyCache()
    a, b = object(), object()
    assert cache.get(a, "k", lambda: [1]) == [1]
    assert cache.get(a, "k", lambda: [2]) == [1]  # kept
    assert cache.get(b, "k", lambda: [3]) == [3]  # another catalogue: emptied
    got = cache.get(b, "k", lambda: [4])
    got.append(5)
    assert cache.get(b, "k", lambda: [4]) == [3]  # a copy each time
