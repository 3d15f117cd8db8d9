"""Rebuild the embedded data package from the vendored raw data and the curated tables.

Run from anywhere: ``python data/build.py`` (same as ``kruispunt data build`` from the
repository root). The output is byte-for-byte reproducible.
"""

from pathlib import Path

from kruispunt.catalogue.build import build_package
from kruispunt.scenarios import package_problems

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    counts = build_package(
        HERE / "raw",
        HERE / "curated",
        HERE.parent / "src" / "kruispunt" / "data" / "package",
        extra_checks=[package_problems],
    )
    print("built:", ", ".join(f"{k} {v}" for k, v in counts.items()))
