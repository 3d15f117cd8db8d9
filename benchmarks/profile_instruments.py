"""Where the engine's time goes, by step of the year and instrument by instrument (run apart
from the tests): ``python benchmarks/profile_instruments.py --futures 64 --rounds 2``.

Builds one batch of the default uncertainty specification (LHS, ``--seed``) per package, as
an explore worker runs it, runs it twice to fault its memory in, then ``--rounds`` times
with every instrument's hooks timed (``paths``, ``unit_cost``, ``offer``, ``award``,
``contract_value``, ``hydrogen_bought``, ``account``). Prints, per instrument and hook, the
seconds per round summed over the packages and their share of the engine's time, largest
first, as JSON. A hook's time includes the work it sets off: the first reading of an
expected term in a year works out that term's year (``Expected.own_year``), so an
instrument that reads a path first pays for it. A hook that calls another instrument's (or
its own base class's) is counted once, at the outermost call. The timers add a few
microseconds a call; the line profiler (``kernprof``) gives the engine's own lines.

The steps of the year (:func:`kruispunt.engine.simulate.run_batch`: the batch's set-up, the
option values, the support rounds, the choice, the accounting, ...) are timed the same way
and printed first; the hooks run inside them (the valuation's ``unit_cost``, the rounds'
``offer``, the accounting's ``account``).

Working out the expected terms' years (``Expected.own_year``, with the discounted sums it
computes once a term) is timed on its own too: its share of the engine
(``expected_years_share_of_engine``), and, per hook, the part of the hook's time it took
(``expected_years_s``), so that a hook's own work is its time less that part.

    python benchmarks/profile_instruments.py --futures 64 --rounds 2
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from kruispunt.assemble import build_inputs
from kruispunt.engine import decide
from kruispunt.engine import simulate as sim
from kruispunt.engine.expectations import Expected
from kruispunt.engine.infrastructure import Infrastructure
from kruispunt.engine.simulate import simulate
from kruispunt.engine.valuation import Valuation
from kruispunt.policy.base import Instrument
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.uncertainty.futures import FutureBuilder
from kruispunt.uncertainty.run import plan
from kruispunt.uncertainty.spec import load_spec

HOOKS = (
    "paths",
    "unit_cost",
    "offer",
    "award",
    "contract_value",
    "hydrogen_bought",
    "account",
)


def _classes() -> list[type[Instrument]]:
    """The registry's instruments, the classes they inherit hooks from (but the base
    :class:`Instrument`, whose hooks add nothing) and their subclasses."""
    seen: list[type[Instrument]] = []
    todo = [c for cls in INSTRUMENTS for c in cls.__mro__]
    while todo:
        cls = todo.pop()
        if issubclass(cls, Instrument) and cls is not Instrument and cls not in seen:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    return seen


STEPS: tuple[tuple[Any, str, str], ...] = (
    (sim, "BatchContext", "set-up: batch context"),
    (Valuation, "__init__", "set-up: valuation"),
    (sim, "_commit_projects", "set-up: decided projects"),
    (decide, "start_pending", "start pending routes"),
    (Infrastructure, "supply_prices", "biomass supply prices"),
    (Valuation, "option_values", "option values"),
    (sim, "evaluate", "evaluation for the rounds"),
    (sim, "run_rounds", "support rounds"),
    (decide, "choose", "choice (with the pools)"),
    (sim, "award", "awards"),
    (decide, "apply", "apply the choice"),
    (Infrastructure, "storage_moves", "stores ended"),
    (sim, "account", "accounting"),
)
"""Timed steps of the year: (owner, attribute, label), each an attribute that
:func:`kruispunt.engine.simulate.run_batch` looks up when it runs (a name in a module, or a
method)."""


YEARS = ("expected", "years")
"""Key of the time spent working out the expected terms' years (``Expected.own_year``)."""


def _timer(
    spent: Counter[tuple[str, str]],
    active: set[tuple[int, str]],
    label: str,
    owner: str | None,
    within: Counter[tuple[str, str]],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator timing a callable into ``spent[(owner, label)]``, the outermost call only
    (``owner`` None: the first argument's class, an instrument's hook), and the expected
    terms' years worked out inside it (``spent[YEARS]`` meanwhile) into
    ``within[(owner, label)]``."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            who = type(args[0]).__name__ if owner is None else owner
            key = (0 if owner else id(args[0]), label)
            if key in active:  # an inner call of the same hook (a base class's): counted once
                return fn(*args, **kwargs)
            active.add(key)
            years = spent[YEARS]
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[(who, label)] += time.perf_counter() - t
                within[(who, label)] += spent[YEARS] - years
                active.discard(key)

        return call

    return wrap


@contextmanager
def timed(
    spent: Counter[tuple[str, str]], within: Counter[tuple[str, str]] | None = None
) -> Iterator[None]:
    """Time the steps of the year (:data:`STEPS`, owner ``engine``) and every instrument
    hook (owner: its class name) into ``spent`` ``{(owner, step or hook): seconds}`` while
    inside, and the expected terms' years into ``spent[YEARS]``, with the part of those
    inside each step or hook in ``within``; the originals are put back on leaving."""
    active: set[tuple[int, str]] = set()
    inside = Counter() if within is None else within
    # (holder, attribute, label, owner): the steps, the expected terms' years and each
    # instrument's hooks (owner None: the instrument's class)
    targets: list[tuple[Any, str, str, str | None]] = [(*step, "engine") for step in STEPS]
    targets.append((Expected, "own_year", YEARS[1], YEARS[0]))
    targets += [(c, h, h, None) for c in _classes() for h in HOOKS if h in c.__dict__]
    saved: list[tuple[Any, str, Any]] = []
    for holder, name, label, owner in targets:
        saved.append((holder, name, holder.__dict__[name]))
        setattr(holder, name, _timer(spent, active, label, owner, inside)(holder.__dict__[name]))
    try:
        yield
    finally:
        for owner, name, fn in reversed(saved):
            setattr(owner, name, fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--futures", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20250917)
    args = parser.parse_args()

    loaded = load_spec()
    p = plan(loaded, method="lhs", n=args.futures, seed=args.seed, batch_size=args.futures)
    builder = FutureBuilder(loaded.spec.factors, p.packages, p.catalogue)
    futures = np.arange(args.futures)
    batches = [
        build_inputs(p.catalogue, builder.package_batch(j, futures, p.values, p.seeds))
        for j in range(len(p.packages.names))
    ]
    for inputs in batches:  # fault the memory in, as a worker's later batches have it
        for _ in range(2):
            simulate(inputs, batch_size=args.futures)
    spent: Counter[tuple[str, str]] = Counter()
    within: Counter[tuple[str, str]] = Counter()
    engine = 0.0
    with timed(spent, within):
        for _ in range(args.rounds):
            for inputs in batches:
                t = time.perf_counter()
                simulate(inputs, batch_size=args.futures)
                engine += time.perf_counter() - t
    per_round = engine / args.rounds

    def share(key: tuple[str, str]) -> dict[str, float]:
        seconds = spent[key]
        return {
            "s_per_round": round(seconds / args.rounds, 4),
            "share_of_engine": round(seconds / engine, 4),
            "expected_years_s": round(within[key] / args.rounds, 4),
        }

    steps = [{"step": key[1], **share(key)} for key, _ in spent.most_common() if key[0] == "engine"]
    hook_rows = [
        {"instrument": key[0], "hook": key[1], **share(key)}
        for key, _ in spent.most_common()
        if key[0] != "engine" and key != YEARS
    ]
    hooks = sum(s for key, s in spent.items() if key[0] != "engine" and key != YEARS)
    report = {
        "futures": args.futures,
        "packages": list(p.packages.names),
        "rounds": args.rounds,
        "engine_s_per_round": round(per_round, 3),
        "steps": steps,
        "expected_years_share_of_engine": round(spent[YEARS] / engine, 4),
        "hooks_share_of_engine": round(hooks / engine, 4),
        "hooks": hook_rows,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
