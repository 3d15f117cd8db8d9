"""The assembly cache of an ensemble's batches: the same inputs as a build without it, and
each build gets its own copy of the cached parts."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from kruispunt.assemble import build_inputs
from kruispunt.assemble.cache import AssemblyCache
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
    second = build_inputs(cat, scenarios, cache=cache)
    _same(plain, second, "inputs")


def test_the_cache_follows_the_catalogue() -> None:
    cache = AssemblyCache()
    a, b = object(), object()
    assert cache.get(a, "k", lambda: [1]) == [1]
    assert cache.get(a, "k", lambda: [2]) == [1]  # kept
    assert cache.get(b, "k", lambda: [3]) == [3]  # another catalogue: emptied
    got = cache.get(b, "k", lambda: [4])
    got.append(5)
    assert cache.get(b, "k", lambda: [4]) == [3]  # a copy each time
