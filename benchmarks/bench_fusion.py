"""What a compiled year step could gain: two patterns of the engine's valuation, in numpy as
the engine writes them and fused into one compiled loop (numba, not a dependency of the
package: ``pip install numba`` to run this).

1. ``chain``: the option values' arithmetic after the unit costs (``Valuation.option_values``:
   revenue less net unit cost, times production, less fixed, capital and write-off, plus the
   contracts kept and the exit option), on ``(S, P, K)`` = (96, 229, 10), a batch of 32
   futures x 3 packages of the full country.
2. ``gather``: an instrument reading an expected term per option from its years
   (``Positions.choose``: one gather over stacked terms) and combining it with another
   gathered term, on ``(S, V)`` = (96, 871) option slots.

Each prints numpy's and the fused loop's time per call (median of ``--rounds`` timings of
``--number`` calls) and whether the two give the same bits (no fast-math: the loop does the
same operations in the same order).

    python benchmarks/bench_fusion.py --rounds 5 --number 200
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import timeit
from collections.abc import Callable

import numpy as np


def _time(fn: Callable[[], object], rounds: int, number: int) -> float:
    return statistics.median(timeit.repeat(fn, repeat=rounds, number=number)) / number


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--number", type=int, default=200)
    args = parser.parse_args()
    try:
        import numba
    except ImportError:
        print("bench_fusion: numba is not installed (pip install numba)", file=sys.stderr)
        return 2

    rng = np.random.default_rng(20250917)
    S, P, K, V = 96, 229, 10, 871
    revenue, prod = rng.random((S, P, 1)), rng.random((S, P, 1))
    net, window, capital, writeoff, exit_gain = (rng.random((S, P, K)) for _ in range(5))
    fixed, cap = rng.random((1, P, K)), rng.random((1, P, 1))
    contracts, is_cur = rng.random((S, P)), rng.random((S, P, K)) < 0.1

    def chain_np() -> np.ndarray:
        value = revenue - (net + window)
        value *= prod
        value -= fixed
        value -= capital
        value -= writeoff
        value += contracts[..., None] * is_cur
        value += exit_gain
        value += 1e-6 * cap * is_cur
        return value

    @numba.njit(cache=False)
    def chain_nb(revenue, net, window, prod, fixed, capital, writeoff, contracts, is_cur,
                 exit_gain, cap):  # fmt: skip
        out = np.empty(net.shape)
        for s in range(net.shape[0]):
            for p in range(net.shape[1]):
                r, pr, c, cp = revenue[s, p, 0], prod[s, p, 0], contracts[s, p], cap[0, p, 0]
                for k in range(net.shape[2]):
                    v = r - (net[s, p, k] + window[s, p, k])
                    v *= pr
                    v -= fixed[0, p, k]
                    v -= capital[s, p, k]
                    v -= writeoff[s, p, k]
                    v += c * is_cur[s, p, k]
                    v += exit_gain[s, p, k]
                    v += 1e-6 * cp * is_cur[s, p, k]
                    out[s, p, k] = v
        return out

    chain_args = (revenue, net, window, prod, fixed, capital, writeoff, contracts, is_cur,
                  exit_gain, cap)  # fmt: skip

    years = rng.random((6, 40_000))
    at = rng.integers(0, years.shape[1], size=(S, V))
    which = rng.integers(0, years.shape[0], size=(S, V))
    scale, add = rng.random((S, V)), rng.random((S, V))

    def gather_np() -> np.ndarray:
        x = np.take(years.reshape(-1), which * years.shape[1] + at)
        return (x * scale + np.take(years[0], at)) * add

    @numba.njit(cache=False)
    def gather_nb(years, at, which, scale, add):
        out = np.empty(at.shape)
        for s in range(at.shape[0]):
            for v in range(at.shape[1]):
                x = years[which[s, v], at[s, v]]
                out[s, v] = (x * scale[s, v] + years[0, at[s, v]]) * add[s, v]
        return out

    report = {"numba": numba.__version__, "numpy": np.__version__}
    cases = {
        "chain": (chain_np, lambda: chain_nb(*chain_args)),
        "gather": (gather_np, lambda: gather_nb(years, at, which, scale, add)),
    }
    for name, (plain, fused) in cases.items():
        same = np.array_equal(plain().view(np.int64), fused().view(np.int64))  # compiles
        t_np, t_nb = _time(plain, args.rounds, args.number), _time(fused, args.rounds, args.number)
        report[name] = {
            "numpy_ms": round(t_np * 1e3, 3),
            "fused_ms": round(t_nb * 1e3, 3),
            "speedup": round(t_np / t_nb, 2),
            "bit_identical": bool(same),
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
