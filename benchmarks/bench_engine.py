"""Engine benchmark (run apart from the test suite): ``python benchmarks/bench_engine.py``.

Measures, on the embedded data package:
1. one full-country scenario (current-policy): simulate time after loading and assembling;
2. a batch of N scenarios drawn around current-policy (seeded): site-years per second.
The machine is shared and noisy: quote medians and compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import load_catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.scenarios import Scenario, resolve


def draws(base: Scenario, n: int, seed: int) -> list[Scenario]:
    """``n`` scenarios around ``base``: EUA path, gas and electricity prices scaled (seeded)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        lv = base.levers.model_copy(
            update={
                "name": f"draw-{i}",
                "eua_price_scale": float(rng.uniform(0.5, 3.0)),
                "carrier_price_scale": {
                    "natural_gas": float(rng.uniform(0.6, 1.6)),
                    "electricity": float(rng.uniform(0.6, 1.4)),
                },
                "seed": seed,
            }
        )
        out.append(Scenario(name=f"draw-{i}", levers=lv, chain=(f"draw-{i}",), origin="bench"))
    return out


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()

    t = time.perf_counter()
    cat = load_catalogue()
    t_load = time.perf_counter() - t
    base = resolve(["current-policy"])[0]
    t = time.perf_counter()
    one = build_inputs(cat, [base])
    t_assemble = time.perf_counter() - t
    single = timed(lambda: simulate(one), args.repeat)

    many = draws(base, args.batch, args.seed)
    t = time.perf_counter()
    batch_inputs = build_inputs(cat, many)
    t_assemble_batch = time.perf_counter() - t
    batch = timed(lambda: simulate(batch_inputs, batch_size=args.batch_size), 3)
    site_years = args.batch * len(one.coords.plants) * len(one.coords.years)
    report = {
        "plants": len(one.coords.plants),
        "years": len(one.coords.years),
        "routes": len(one.coords.routes),
        "load_catalogue_s": round(t_load, 4),
        "assemble_one_s": round(t_assemble, 4),
        "simulate_one_median_s": round(statistics.median(single), 4),
        "simulate_one_min_s": round(min(single), 4),
        "batch_scenarios": args.batch,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "assemble_batch_s": round(t_assemble_batch, 3),
        "simulate_batch_median_s": round(statistics.median(batch), 3),
        "site_years_per_s": round(site_years / statistics.median(batch)),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
