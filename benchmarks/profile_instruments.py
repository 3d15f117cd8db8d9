"""Where the engine's time goes, instrument by instrument (run apart from the tests):
``python benchmarks/profile_instruments.py --futures 64 --rounds 2``.

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
from kruispunt.engine.simulate import simulate
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
    todo = [c for cls in INSTRUMENTS for c in cls.__mro__ if isinstance(c, type)]
    while todo:
        cls = todo.pop()
        if issubclass(cls, Instrument) and cls is not Instrument and cls not in seen:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    return seen


@contextmanager
def timed_hooks(spent: Counter[tuple[str, str]]) -> Iterator[None]:
    """Time every instrument hook into ``spent`` ``{(class name, hook): seconds}`` while
    inside; the classes' own methods are put back on leaving."""
    active: set[tuple[int, str]] = set()
    saved: list[tuple[type[Instrument], str, Any]] = []

    def wrap(hook: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(self: Instrument, *args: Any, **kwargs: Any) -> Any:
            key = (id(self), hook)
            if key in active:  # an inner call of the same hook (a base class's): counted once
                return fn(self, *args, **kwargs)
            active.add(key)
            t = time.perf_counter()
            try:
                return fn(self, *args, **kwargs)
            finally:
                spent[(type(self).__name__, hook)] += time.perf_counter() - t
                active.discard(key)

        return timed

    for cls in _classes():
        for hook in HOOKS:
            if hook in cls.__dict__:
                saved.append((cls, hook, cls.__dict__[hook]))
                setattr(cls, hook, wrap(hook, cls.__dict__[hook]))
    try:
        yield
    finally:
        for cls, hook, fn in saved:
            setattr(cls, hook, fn)


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
    engine = 0.0
    with timed_hooks(spent):
        for _ in range(args.rounds):
            for inputs in batches:
                t = time.perf_counter()
                simulate(inputs, batch_size=args.futures)
                engine += time.perf_counter() - t
    per_round = engine / args.rounds
    rows = [
        {
            "instrument": name,
            "hook": hook,
            "s_per_round": round(s / args.rounds, 4),
            "share_of_engine": round(s / engine, 4),
        }
        for (name, hook), s in spent.most_common()
    ]
    report = {
        "futures": args.futures,
        "packages": list(p.packages.names),
        "rounds": args.rounds,
        "engine_s_per_round": round(per_round, 3),
        "hooks_share_of_engine": round(sum(spent.values()) / engine, 4),
        "hooks": rows,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
