"""Write the figures of docs/robustness.md's "What the default specification shows" from an
ensemble of the default specification, so that they are the model's, not a hand copy.

    python docs/make_robustness.py                 # run the ensemble (about a minute), write
    python docs/make_robustness.py --check         # the same, but only say whether it differs
    python docs/make_robustness.py --ensemble PATH # an ensemble already run (its folder)

The ensemble is the page's: the default specification, ``N`` futures of its LHS design with
root seed ``SEED``, the three packages (``kruispunt explore run --n 960 --seed 20250917``),
run in a temporary store on ``--workers`` processes (the outcomes do not depend on them).
Only the lines between the two markers are written; the reading around them is by hand (its
few figures are dated with the ensemble they come from) and is to be read again whenever the
block changes. ``--check`` exits 1 when the block's figures differ (after a change to the
engine or the data); an ensemble that is not finished is refused.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kruispunt.uncertainty.analysis import Analysis

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "robustness.md"
N, SEED = 960, 20250917
BEGIN = "<!-- begin: written by docs/make_robustness.py from the ensemble it names -->"
END = "<!-- end: written by docs/make_robustness.py -->"
WHOLE = ("MEUR", "MW", "MtCO2")
"""Units shown as whole numbers (sums over years, capacities)."""


def number(value: float, unit: str) -> str:
    """A figure as the page shows it: shares of demand with two decimals, sums of money,
    megawatts and cumulative tonnes whole with thousands separators, the rest with one
    decimal.

    >>> number(33.72, "MtCO2/yr"), number(4764.4, "MEUR"), number(8.4, "MW")
    ('33.7', '4,764', '8')
    >>> number(0.647, "fraction")
    '0.65'
    """
    if unit == "fraction":
        return f"{value:.2f}"
    if unit in WHOLE:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def block(a: Analysis, command: str) -> str:
    """The page's generated lines (between the markers) for the analysis ``a``."""
    rob = a.robustness
    packages = list(dict.fromkeys(rob["package"]))
    lines = [
        f"Ensemble `{a.ensemble_id}`: {a.n_futures} futures x {len(packages)} packages "
        f"(`{command}`). Each outcome's median and, in brackets, its 5-95 % range over the "
        "futures; under an outcome with a target, the share of futures that meet it.",
        "",
        "| outcome | " + " | ".join(packages) + " |",
        "|---" * (len(packages) + 1) + "|",
    ]
    for o in a.spec.outcomes:
        part = rob[rob["outcome"] == o.name].set_index("package")
        if part.empty:
            continue
        cells = [
            f"{number(part.at[p, 'p50'], o.unit)} ({number(part.at[p, 'p5'], o.unit)}-"
            f"{number(part.at[p, 'p95'], o.unit)})"
            for p in packages
        ]
        lines.append(f"| {o.name} [{o.unit}] | " + " | ".join(cells) + " |")
        if o.target is not None:
            bound = (
                f"at most {o.target.max:g}"
                if o.target.max is not None
                else f"at least {o.target.min:g}"
            )
            shares = [f"{100 * part.at[p, 'share_meeting']:.1f} %" for p in packages]
            lines.append(f"| ... futures {bound} | " + " | ".join(shares) + " |")
    lines += [
        "",
        "The most robust package per outcome (with a target: the most futures meeting it, then "
        "the lowest 90th-percentile regret; without one: the lowest 90th-percentile regret):",
        "",
        "| outcome | package | criterion |",
        "|---|---|---|",
    ]
    for row in a.most_robust.itertuples():
        lines.append(f"| {row.outcome} | {row.package} | {row.criterion} |")
    lines += [
        "",
        "PRIM boxes (coverage: the share of the futures in question inside the box; density: "
        "the share of the box's futures that are in question; mass: the box's share of all "
        "futures; a path factor is its position between the low (-1), central (0) and high (1) "
        "sets, a multiplier or a delay as sampled):",
        "",
    ]
    misses = a.misses.set_index(["outcome", "package"]) if not a.misses.empty else None
    for case, found in (("missing", a.prim), ("meeting", a.prim_met)):
        for outcome, boxes in found.items():
            for pkg, res in boxes.items():
                count = ""
                if misses is not None and (outcome, pkg) in misses.index:
                    missed = int(misses.at[(outcome, pkg), "missed"])
                    futures = int(misses.at[(outcome, pkg), "futures"])
                    n = missed if case == "missing" else futures - missed
                    count = f" ({n} of {futures} futures)"
                lines.append(f"- {pkg} {case} {outcome}{count}: {res.describe()}")
    return "\n".join(lines)


def replace_block(page: str, new: str) -> str:
    """``page`` with the lines between its markers replaced by ``new``."""
    if page.count(BEGIN) != 1 or page.count(END) != 1 or page.index(BEGIN) > page.index(END):
        raise SystemExit(f"{PAGE}: needs one '{BEGIN}' line and one '{END}' line after it")
    head, rest = page.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{new}\n{END}{tail}"


def _figures(page: str) -> str:
    """The block of ``page`` without the ensemble's id, which names the code and data that
    made it: a change of either that moves no figure leaves the page right."""
    inside = page.split(BEGIN, 1)[1].split(END, 1)[0]
    return re.sub(r"^Ensemble `[^`]*`", "Ensemble", inside, flags=re.MULTILINE)


def analysis(ensemble: Path | None, workers: int) -> Analysis:
    from kruispunt.store import Ensemble
    from kruispunt.uncertainty.analysis import analyse

    if ensemble is not None:
        return analyse(Ensemble(ensemble))
    from kruispunt.uncertainty.backends import Processes, Sequential
    from kruispunt.uncertainty.run import explore, plan
    from kruispunt.uncertainty.spec import load_spec

    p = plan(load_spec(), n=N, seed=SEED)
    backend = Sequential() if workers == 1 else Processes(workers)
    with tempfile.TemporaryDirectory() as store:
        summary = explore(p, backend=backend, store_root=Path(store) / "store")
        return analyse(summary.ensemble)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ensemble", type=Path, help="folder of an ensemble already run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--check", action="store_true", help="only say whether it differs")
    args = parser.parse_args(argv)
    a = analysis(args.ensemble, args.workers)
    key = a.manifest["key"]
    assert isinstance(key, dict)
    if (key["method"], key["n"], key["seed"], a.spec.name) != ("lhs", N, SEED, "default"):
        print(f"{a.ensemble_id} is not the page's ensemble (default, lhs, {N}, {SEED})")
        return 2
    if not a.complete:
        print(
            f"{a.ensemble_id} is not finished ({a.n_futures} of {a.n_design} futures): run "
            "the same 'kruispunt explore run' again to finish it"
        )
        return 2
    command = f"kruispunt explore run --n {N} --seed {SEED}"
    old = PAGE.read_text("utf-8")
    new = replace_block(old, block(a, command))
    if new == old:
        print(f"{PAGE.name} shows {a.ensemble_id}'s figures")
        return 0
    if _figures(new) == _figures(old):
        print(
            f"{PAGE.name} shows the figures of {a.ensemble_id} (another id: other code, data "
            "or batch size)"
        )
        if args.check:
            return 0
    elif args.check:
        diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        print(f"{PAGE.name} differs from {a.ensemble_id}:\n" + "\n".join(diff))
        return 1
    PAGE.write_text(new, "utf-8")
    print(f"wrote {a.ensemble_id}'s figures into {PAGE.name}; read its reading again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
