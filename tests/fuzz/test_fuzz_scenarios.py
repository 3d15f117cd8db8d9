"""Fuzzing scenario files: generated documents (valid and invalid structures, wrong types, huge
numbers, unicode, deep nesting, aliases, raw bytes) through ``kruispunt run --dry-run``.

Every case must end in exit 0 or a clean exit 2 whose message names the file; a scenario the
command accepts must also run through the engine without a warning and with finite results.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import event, example, given
from hypothesis import strategies as st

from kruispunt.catalogue import load_catalogue
from tests.cli_helpers import Outcome, assert_user_error, invoke, kruispunt
from tests.fuzz.profiles import fuzz

CAT = load_catalogue()
CARRIERS = sorted(str(c) for c in CAT.carriers["carrier_id"])
PRODUCTS = sorted(str(p) for p in CAT.products["product_id"])
ROUTES = sorted(str(r) for r in CAT.routes["route_id"])
FAMILIES = ["electrification", "ccs", "hydrogen", "import", "circular", "efficiency"]
DEFAULTS = ["current-policy", "no-new-policy", "high-ambition"]

# --- values -----------------------------------------------------------------------------------

years = st.integers(2000, 2100)
huge = st.sampled_from(
    [1e308, -1e308, 2**63, 2**64, 2**70, -(2**63), 1e-320, 5e-324, 10**30, 2**31, 2**32]
)
numbers = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    huge,
)
scalars = st.one_of(
    st.none(), st.booleans(), numbers, st.text(max_size=12), st.binary(max_size=6), st.dates()
)
junk = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.integers(1990, 2110)), children, max_size=4
        ),
    ),
    max_leaves=10,
)


def path(high: float) -> st.SearchStrategy[dict[int, float]]:
    return st.dictionaries(years, st.floats(0, high), min_size=1, max_size=4)


SUBSIDIES = {
    "sde": st.booleans(),
    "sde_budget_scale": st.floats(0, 100),
    "sde_extra_budget": st.dictionaries(years, st.floats(0, 1e12), max_size=3),
    "ikc": st.booleans(),
    "grants": st.booleans(),
    "grant_budget_scale": st.floats(0, 100),
    "grant_share": st.floats(0, 1),
    "ccfd_strike_price": st.one_of(st.none(), st.floats(0, 1e4)),
    "ccfd_budget": st.floats(0, 1e12),
    "ccfd_duration": st.integers(1, 30),
}
INFRASTRUCTURE = {
    "co2_storage_delay": st.integers(0, 30),
    "co2_storage_scale": st.floats(0, 100),
    "hydrogen_delay": st.integers(0, 30),
    "grid_capacity_scale": st.floats(0, 100),
    "grid_unknown_capacity": st.sampled_from(["unconstrained", "none"]),
}
LEVERS: dict[str, st.SearchStrategy[Any]] = {
    "base": st.sampled_from([None, *DEFAULTS]),
    "description": st.text(max_size=40),
    "expectations": st.sampled_from(["perfect_foresight", "myopic"]),
    "seed": st.integers(0, 2**32 - 1),
    "start_year": st.integers(2025, 2050),
    "end_year": st.integers(2025, 2050),
    "discount_rate": st.one_of(st.none(), st.floats(0, 0.3)),
    "risk_sharing": st.floats(0, 0.1),
    "eua_price": st.one_of(st.none(), path(1e4)),
    "eua_price_scale": st.floats(0, 100),
    "cbam": st.booleans(),
    "co2_heffing": st.sampled_from(["off", "current", "original"]),
    "grid_emission_factor": st.one_of(st.none(), path(2)),
    "carrier_prices": st.dictionaries(st.sampled_from(CARRIERS), path(1e5), max_size=3),
    "carrier_price_scale": st.dictionaries(
        st.sampled_from(CARRIERS), st.floats(0, 100), max_size=3
    ),
    "commitments": st.booleans(),
    "routes_off": st.lists(st.sampled_from(ROUTES + FAMILIES), max_size=4),
    "demand_scale": st.dictionaries(st.sampled_from(PRODUCTS), st.floats(0, 100), max_size=3),
    "green_premium": st.dictionaries(st.sampled_from(PRODUCTS), st.floats(0, 1e5), max_size=3),
    "mandate_share": st.dictionaries(st.sampled_from(PRODUCTS), st.floats(0, 1), max_size=3),
    "subsidies": st.fixed_dictionaries({}, optional=SUBSIDIES),
    "infrastructure": st.fixed_dictionaries({}, optional=INFRASTRUCTURE),
}
NAMES = st.from_regex(r"[a-z0-9][a-z0-9_\-]{0,15}", fullmatch=True).filter(
    lambda n: n not in DEFAULTS
)

valid_docs = st.fixed_dictionaries({"name": NAMES}, optional=LEVERS)
"""Scenarios within the schema's types and bounds (cross-field rules may still fail)."""


@st.composite
def messy_docs(draw: st.DrawFn) -> Any:
    """A scenario in which some values are junk: wrong types, huge numbers, unknown keys."""
    doc = dict(draw(valid_docs))
    for key in draw(
        st.lists(st.sampled_from([*LEVERS, "name", "unknown", "eua_prise"]), max_size=3)
    ):
        doc[key] = draw(junk)
    if draw(st.booleans()):
        return draw(junk)  # not even a mapping, sometimes
    return doc


YAML_PIECES = [
    "name: x\n",
    "name: ",
    "x",
    "\n",
    "  ",
    "\t",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "'",
    '"',
    "&a ",
    "*a ",
    "&b ",
    "*b ",
    "<<: *a\n",
    "? ",
    "---\n",
    "...\n",
    "# c\n",
    "|\n",
    ">\n",
    "!!python/object:os.system ",
    "!!binary ",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!map ",
    "!!set ",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "2030",
    "1e999",
    "1.0e+308",
    ".inf",
    "-.nan",
    "0x1F",
    "0o17",
    "1_000",
    "12:30:00",
    "2030-01-01",
    "yes",
    "off",
    "~",
    "null",
    "true",
    "é",
    "\u200b",
    "\ufeff",
    "\x85",
    "\u2028",
    "eua_price: ",
    "subsidies:\n  ",
    "seed: ",
    "start_year: ",
]
soups = st.lists(st.sampled_from(YAML_PIECES), max_size=40).map("".join)


def _check(outcome: Outcome, path: Path) -> None:
    """Exit 0, or a clean exit 2 naming the file."""
    if outcome.code != 0:
        assert_user_error(outcome, str(path))
    else:
        assert outcome.crashed is None, outcome
        assert "nothing was run or written" in outcome.stdout


def _write(tmp: Path, content: str | bytes) -> Path:
    path = tmp / "scenario.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


def _dry_run(tmp: Path, path: Path) -> Outcome:
    store = tmp / "store"
    outcome = invoke("run", str(path), "--dry-run", "--store", str(store))
    assert not store.exists()
    return outcome


def _runs_in_the_engine(path: Path) -> None:
    """An accepted scenario runs through the engine: no warning (warnings are errors in the
    tests), every output finite where it is defined."""
    from kruispunt.assemble import build_inputs
    from kruispunt.engine.simulate import simulate
    from kruispunt.scenarios import resolve

    results = simulate(build_inputs(CAT, resolve([str(path)])))
    ds = results.dataset
    for name in ("production", "direct_emissions", "capex", "opex", "gov_cash_flow", "energy"):
        values = np.asarray(ds[name].values, dtype=float)
        assert np.isfinite(values).all(), name
    emissions = float(ds["direct_emissions"].sum())
    assert math.isfinite(emissions) and emissions >= 0


@fuzz(20)
@given(doc=valid_docs)
@example(doc={"name": "x", "start_year": 2050, "end_year": 2050})
@example(doc={"name": "x", "base": "high-ambition", "discount_rate": 0.0, "risk_sharing": 0.1})
@example(doc={"name": "x", "eua_price": {2025: 1e4}, "eua_price_scale": 100.0})
def test_valid_scenarios_are_accepted_and_run(tmp_path_factory: Any, doc: dict[str, Any]) -> None:
    tmp = tmp_path_factory.mktemp("scenario")
    path = _write(tmp, yaml.safe_dump(doc, allow_unicode=True))
    outcome = _dry_run(tmp, path)
    _check(outcome, path)
    event("accepted" if outcome.code == 0 else "refused")
    if outcome.code == 0:
        _runs_in_the_engine(path)


@fuzz(80)
@given(doc=messy_docs())
def test_messy_scenarios_are_refused_cleanly(tmp_path_factory: Any, doc: Any) -> None:
    tmp = tmp_path_factory.mktemp("scenario")
    path = _write(tmp, yaml.safe_dump(doc, allow_unicode=True))
    _check(_dry_run(tmp, path), path)


@fuzz(80)
@given(text=soups)
def test_yaml_soup(tmp_path_factory: Any, text: str) -> None:
    tmp = tmp_path_factory.mktemp("scenario")
    path = _write(tmp, text)
    _check(_dry_run(tmp, path), path)


@fuzz(50)
@given(
    content=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.text(max_size=60).map(lambda t: ("name: x\n" + t).encode("utf-16")),
        st.text(max_size=60).map(lambda t: ("name: x\n" + t).encode("latin-1", "replace")),
    )
)
def test_arbitrary_bytes(tmp_path_factory: Any, content: bytes) -> None:
    tmp = tmp_path_factory.mktemp("scenario")
    path = _write(tmp, content)
    _check(_dry_run(tmp, path), path)


@fuzz(25)
@given(
    depth=st.integers(1, 3000),
    style=st.sampled_from(["flow-list", "flow-map", "block"]),
    fanout=st.integers(1, 12),
    levels=st.integers(1, 12),
)
def test_nesting_and_aliases(
    tmp_path_factory: Any, depth: int, style: str, fanout: int, levels: int
) -> None:
    tmp = tmp_path_factory.mktemp("scenario")
    if style == "flow-list":
        body = "lol: " + "[" * depth + "]" * depth + "\n"
    elif style == "flow-map":
        body = "lol: " + "{a: " * depth + "1" + "}" * depth + "\n"
    else:
        body = "".join("  " * i + f"k{i}:\n" for i in range(min(depth, 400)))
    aliases = ["bomb:", f"  a0: &a0 [{', '.join(['x'] * fanout)}]"]
    for i in range(1, levels):
        aliases.append(f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fanout)}]")
    path = _write(tmp, "name: x\n" + body + "\n".join(aliases) + "\n")
    _check(_dry_run(tmp, path), path)


@fuzz(3)
@given(doc=messy_docs())
def test_a_few_cases_as_real_subprocesses(tmp_path_factory: Any, doc: Any) -> None:
    tmp = tmp_path_factory.mktemp("scenario")
    path = _write(tmp, yaml.safe_dump(doc, allow_unicode=True))
    outcome = kruispunt("run", str(path), "--dry-run", "--store", str(tmp / "store"))
    _check(outcome, path)
    assert not (tmp / "store").exists()
