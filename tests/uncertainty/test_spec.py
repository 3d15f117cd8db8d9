"""The uncertainty specification: the default loads; bad files fail naming file, line, key."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from kruispunt.catalogue import load_catalogue
from kruispunt.uncertainty.futures import FutureBuilder, path_at, resolve_packages
from kruispunt.uncertainty.spec import SpecError, load_spec

GOOD = """\
name: tiny
sources:
  s1: {title: T, url: https://example.org, date: "2025"}
factors:
  - name: gas
    lever: carrier_price_scale.natural_gas
    distribution: uniform
    low: 0.5
    high: 1.5
    sources: [s1]
packages:
  - {name: cp, scenario: current-policy}
outcomes:
  - {name: e2030, metric: emissions, year: 2030, goal: minimize}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_specification_loads_and_cites_a_source_or_assumption_for_every_range() -> None:
    loaded = load_spec()
    spec = loaded.spec
    assert [p.name for p in spec.packages] == ["current-policy", "no-new-policy", "high-ambition"]
    assert {"emissions", "cumulative_emissions", "production_retained", "government_cost"} <= {
        o.metric for o in spec.outcomes
    }
    for f in spec.factors:
        assert f.sources or f.assumption
        assert all(s in spec.sources for s in f.sources)
    resolve_packages(loaded, load_catalogue())  # ids and units check against the data


def test_unknown_key_names_file_line_and_allowed_keys(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    high: 1.5\n", "    high: 1.5\n    hgih: 2\n"))
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    msg = str(exc.value)
    assert f"{path}, line 10: key 'factors.0.hgih': unknown key; allowed keys:" in msg
    assert "distribution" in msg


def test_range_error_names_the_factor_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("low: 0.5", "low: 2.5"))
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    assert f"{path}, line 5: key 'factors.0': low (2.5) must be below high (1.5)" in str(exc.value)


def test_unknown_lever_and_unknown_source_name_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("carrier_price_scale.natural_gas", "capex_learning"))
    with pytest.raises(SpecError, match=r"line 6: key 'factors.0.lever': unknown lever"):
        load_spec(path)
    path = write(tmp_path, GOOD.replace("sources: [s1]", "sources: [s2]"))
    with pytest.raises(SpecError, match=r"line 10: key 'factors.0.sources.0': unknown source 's2'"):
        load_spec(path)


def test_unknown_carrier_and_conflicting_package_lever_fail_before_any_run(tmp_path: Path) -> None:
    cat = load_catalogue()
    path = write(tmp_path, GOOD.replace("natural_gas", "unobtainium"))
    with pytest.raises(SpecError, match=r"line 6: key 'factors.0.lever': unknown id 'unobtainium'"):
        resolve_packages(load_spec(path), cat)
    text = GOOD.replace("lever: carrier_price_scale.natural_gas", "lever: discount_rate").replace(
        "{name: cp, scenario: current-policy}",
        "{name: cp, scenario: current-policy, overrides: {discount_rate: 0.08}}",
    )
    with pytest.raises(SpecError, match=r"line 6: .*package sets its own discount_rate"):
        resolve_packages(load_spec(write(tmp_path, text)), cat)


def test_a_package_naming_an_unknown_route_fails_before_any_run(tmp_path: Path) -> None:
    """A package's ids (its overrides' or its scenario file's) are checked when the packages
    are resolved, before the store is written, not in a worker's first batch; a known route
    passes."""
    cat = load_catalogue()
    over = "{name: cp, scenario: current-policy, overrides: {permits_from: {%s: 2030}}}"
    text = GOOD.replace("{name: cp, scenario: current-policy}", over % "teleport")
    with pytest.raises(SpecError, match=r"line 12: key 'packages.0.overrides.permits_from.tele"):
        resolve_packages(load_spec(write(tmp_path, text)), cat)
    text = GOOD.replace("{name: cp, scenario: current-policy}", over % "biomass_boiler_low")
    pk = resolve_packages(load_spec(write(tmp_path, text)), cat)
    assert pk.scenarios[0].levers.permits_from == {"biomass_boiler_low": 2030}
    (tmp_path / "mine.yaml").write_text("name: mine\nroutes_off: [teleport]\n", encoding="utf-8")
    text = GOOD.replace("scenario: current-policy", "scenario: mine.yaml")
    with pytest.raises(SpecError, match=r"key 'packages.0.scenario': .*unknown route or family"):
        resolve_packages(load_spec(write(tmp_path, text)), cat)


def test_malformed_yaml_and_duplicate_keys_name_the_line(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"line 2: malformed YAML: duplicate key 'name'"):
        load_spec(write(tmp_path, "name: a\nname: b\n"))


def test_factor_values_reach_the_scenario_levers() -> None:
    """Each factor reaches its lever; the package's own levers stay (high ambition's CISAF
    relief from 2027). Scales multiplying with a package's own: test_futures."""
    loaded = load_spec()
    cat = load_catalogue()
    pk = resolve_packages(loaded, cat)
    b = FutureBuilder(loaded.spec.factors, pk, cat)
    names = [f.name for f in loaded.spec.factors]
    values = [0.0] * len(names)
    values[names.index("gas_price")] = 1.0  # the high path
    values[names.index("ammonia_import_price")] = 0.5  # halfway from central to high
    values[names.index("steel_demand")] = 0.8
    values[names.index("co2_storage_delay")] = 3
    values[names.index("discount_rate")] = 0.09
    sc = b.scenario(2, 7, __import__("numpy").array(values), seed=11)
    lv = sc.levers
    assert sc.name == "high-ambition-f0000007" and lv.seed == 11
    gas_2026 = lv.carrier_prices["natural_gas"][2026]
    assert gas_2026 == pytest.approx(61.8 / 3.6)  # EUR/MWh to EUR/GJ
    # 905.7 + 0.5 x (2,330.1 - 905.7) EUR/t in 2030
    assert lv.carrier_prices["ammonia_import"][2030] == pytest.approx(1617.9)
    assert lv.demand_scale["crude_steel"] == 0.8
    assert lv.subsidies.cisaf_start == 2027 and lv.risk_sharing == 0.02  # the package's
    assert lv.infrastructure.co2_storage_delay == 3
    assert lv.discount_rate == 0.09
    gas = loaded.spec.factors[names.index("gas_price")]
    assert path_at(gas, -1.0)[2035] == 13.7 and path_at(gas, 0.0)[2035] == 21.2


def test_default_price_paths_are_the_data_package_sets() -> None:
    """Every price path of the default specification is the data package's low / central /
    high set at the years it gives (rounded to 0.1 in the spec's unit): a path factor
    replaces the package's path, so a drifted copy would move every future off the model's
    own prices."""
    from kruispunt.assemble.markets import carrier_prices, eua_path
    from kruispunt.assemble.tables import Tables
    from kruispunt.units import conversion_factor

    cat = load_catalogue()
    tables = Tables(cat)
    ids, unit_of = cat.carriers["carrier_id"].astype(str), cat.carriers["unit"].astype(str)
    units = dict(zip(ids, unit_of, strict=True))
    paths = [f for f in load_spec().spec.factors if f.distribution == "path"]
    assert {f.name for f in paths} >= {"eua_price", "gas_price", "ammonia_import_price"}
    for f in paths:
        for price_set, given in (("low", f.low), ("central", f.central), ("high", f.high)):
            assert isinstance(given, dict)
            years = np.array(sorted(int(y) for y in given), dtype=np.int64)
            spec_values = np.array([given[y] for y in sorted(given, key=int)], dtype=float)
            if f.lever == "eua_price":
                data = eua_path(tables, years, price_set)
            else:
                carrier = f.lever.split(".", 1)[1]
                price, _ = carrier_prices(tables, years, price_set)
                to_spec = conversion_factor(f"EUR/{units[carrier]}", str(f.unit))
                data = price[tables.carrier_index[carrier]] * to_spec
            np.testing.assert_allclose(
                spec_values, data, atol=0.051, rtol=0, err_msg=f"{f.name} {price_set}"
            )


@pytest.mark.parametrize(
    ("factor", "key", "words"),
    [
        (
            "lever: discount_rate\n    distribution: triangular\n    low: 0.05\n    mode: 0.1\n"
            "    high: 0.6",
            "factors.0.high",
            "at its high (0.6) the factor gives package 'cp' discount_rate: Input should be "
            "less than or equal to 0.3",
        ),
        (
            "lever: demand_scale.crude_steel\n    distribution: uniform\n    low: -0.5\n"
            "    high: 1.2",
            "factors.0.low",
            "at its low (-0.5) the factor gives package 'cp' demand_scale.crude_steel",
        ),
    ],
)
def test_a_factor_range_beyond_a_scenario_s_limits_fails_before_any_run(
    tmp_path: Path, factor: str, key: str, words: str
) -> None:
    """A range whose end the scenario refuses (once a traceback from the batch whose future
    drew it, after the ensemble folder was written) names the factor's bound."""
    text = GOOD.replace(
        "lever: carrier_price_scale.natural_gas\n    distribution: uniform\n    low: 0.5\n"
        "    high: 1.5",
        factor,
    )
    with pytest.raises(SpecError) as exc:
        resolve_packages(load_spec(write(tmp_path, text)), load_catalogue())
    assert f"key '{key}': {words}" in str(exc.value)


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("low: 0.5", "low: false", "factors.0.low", "a valid number (got False)"),
        ("low: 0.5", "low: '0.5'", "factors.0.low", "a valid number (got '0.5')"),
        ("year: 2030,", "year: 2030.0,", "outcomes.0.year", "a valid integer (got 2030.0)"),
        ("year: 2030,", "year: '2030',", "outcomes.0.year", "a valid integer (got '2030')"),
        (
            "goal: minimize}",
            "goal: minimize, target: {max: '29.1', assumption: x}}",
            "outcomes.0.target.max",
            "a valid number (got '29.1')",
        ),
        ("name: tiny", "name: tiny\nsampling: {n: true}", "sampling.n", "a valid integer"),
        ("name: tiny", "name: tiny\nsampling: {n: 2.0}", "sampling.n", "a valid integer"),
        ("name: tiny", "name: tiny\nsampling: {seed: '7'}", "sampling.seed", "a valid integer"),
    ],
)
def test_a_value_of_another_type_is_refused_not_converted(
    tmp_path: Path, old: str, new: str, key: str, words: str
) -> None:
    """The specification took text for numbers ('0.5'), true or false for numbers (a
    factor's low of false sampled steel demand from 0) and 2.0 for a count, converting
    them silently; a scenario file refuses each, and so now does a specification."""
    assert old in GOOD
    with pytest.raises(SpecError) as exc:
        load_spec(write(tmp_path, GOOD.replace(old, new, 1)))
    assert f"key '{key}': Input should be {words}" in str(exc.value)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("high: 1.5", "high: .inf", "factors.0.high"),
        (
            "year: 2030, goal: minimize}",
            "year: 2030, goal: minimize, target: {max: .nan, assumption: x}}",
            "outcomes.0.target.max",
        ),
    ],
)
def test_infinite_and_nan_numbers_are_refused(tmp_path: Path, old: str, new: str, key: str) -> None:
    """One message each: a number that may also be a path of years once added the path
    branch's "valid dictionary" beside it."""
    with pytest.raises(SpecError, match=rf"key '{key}'.*finite number") as exc:
        load_spec(write(tmp_path, GOOD.replace(old, new)))
    assert len(str(exc.value).splitlines()) == 1, str(exc.value)
    assert "dictionary" not in str(exc.value)


def test_an_outcome_year_no_package_runs_is_refused(tmp_path: Path) -> None:
    """A year outside the packages' years once gave NaN in every future (or a sum over no
    years), ranked as if it were a value."""
    cat = load_catalogue()
    text = GOOD.replace("year: 2030", "year: 2060")
    with pytest.raises(SpecError, match=r"line 14: key 'outcomes.0.year': year 2060 is outside"):
        resolve_packages(load_spec(write(tmp_path, text)), cat)
    text = GOOD.replace(
        "{name: cp, scenario: current-policy}",
        "{name: cp, scenario: current-policy, overrides: {end_year: 2028}}",
    )
    with pytest.raises(SpecError, match=r"year 2030 is outside the years package 'cp' runs"):
        resolve_packages(load_spec(write(tmp_path, text)), cat)


def test_a_specification_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(GOOD.replace("name: tiny", "name: tiny\ndescription: café").encode("latin-1"))
    with pytest.raises(SpecError, match=r"spec.yaml.*UTF-8"):
        load_spec(path)


def test_a_range_of_one_value_and_two_factors_on_one_lever_are_refused(tmp_path: Path) -> None:
    """low = high is no range (it must be below); a second factor on the gas price scale
    would overwrite the first."""
    path = write(tmp_path, GOOD.replace("low: 0.5", "low: 1.5"))
    with pytest.raises(SpecError, match=r"line 5: .*low \(1.5\) must be below high \(1.5\)"):
        load_spec(path)
    second = "  - name: gas2\n    lever: carrier_price_scale.natural_gas\n"
    second += "    distribution: uniform\n    low: 0.8\n    high: 1.2\n    sources: [s1]\n"
    path = write(tmp_path, GOOD.replace("packages:\n", second + "packages:\n"))
    with pytest.raises(SpecError, match="two factors set the same lever: carrier_price_scale"):
        load_spec(path)


def test_a_span_of_one_year_is_an_outcome_and_a_reversed_span_is_refused(tmp_path: Path) -> None:
    """Cumulative emissions from 2030 to 2030 are that year's; from 2030 to 2029 is an
    error naming the outcome."""
    one = "  - {name: c, metric: cumulative_emissions, from_year: 2030, to_year: 2030}\n"
    loaded = load_spec(write(tmp_path, GOOD + one))
    assert [(o.from_year, o.to_year) for o in loaded.spec.outcomes[1:]] == [(2030, 2030)]
    path = write(tmp_path, GOOD + one.replace("to_year: 2030", "to_year: 2029"))
    with pytest.raises(SpecError, match=r"key 'outcomes.1': to_year is before from_year"):
        load_spec(path)


_FACTOR = (
    "    lever: carrier_price_scale.natural_gas\n    distribution: uniform\n    low: 0.5\n"
    "    high: 1.5\n"
)
_OUTCOME = "{name: e2030, metric: emissions, year: 2030, goal: minimize}"


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (
            _FACTOR,
            "    lever: eua_price\n    distribution: path\n    low: {2030: 50}\n"
            "    central: {2030: 200}\n    high: {2030: 150}\n",
            "line 5: key 'factors.0': year 2030: paths must satisfy low <= central <= high "
            "(got 50.0, 200.0, 150.0)",
        ),
        (
            _FACTOR,
            _FACTOR.replace("uniform", "triangular").replace("    high", "    mode: 2\n    high"),
            "line 5: key 'factors.0': a 'triangular' factor needs low <= mode <= high",
        ),
        (
            _FACTOR,
            "    lever: infrastructure.co2_storage_delay\n    distribution: integer\n    low: 0\n"
            "    high: 3.5\n",
            "line 5: key 'factors.0': low and high of an 'integer' factor are whole numbers",
        ),
        (
            "    sources: [s1]\n",
            "    assumption: '  '\n",
            "line 5: key 'factors.0': a factor cites 'sources' or names an 'assumption'",
        ),
        (
            _FACTOR,
            _FACTOR.replace("carrier_price_scale.natural_gas", "infrastructure.hydrogen_delay"),
            "line 7: key 'factors.0.distribution': lever 'infrastructure.hydrogen_delay' (delay) "
            "takes distribution integer, not 'uniform'",
        ),
        (
            _FACTOR,
            _FACTOR.replace("carrier_price_scale.natural_gas", "eua_price"),
            "line 7: key 'factors.0.distribution': lever 'eua_price' (path) takes distribution "
            "path, not 'uniform'",
        ),
        (
            _OUTCOME,
            "{name: e2030, metric: emissions, year: 2030, "
            "target: {max: 10, min: 5, assumption: x}}",
            "line 14: key 'outcomes.0.target': a target gives exactly one of 'max' or 'min'",
        ),
        (
            _OUTCOME,
            "{name: e2030, metric: emissions, year: 2030, product: crude_steel}",
            "line 14: key 'outcomes.0': 'product' is given for metric 'production_retained' "
            "only (needed)",
        ),
        (
            _OUTCOME,
            "{name: e2030, metric: emissions, year: 2030, target: {max: 10, sources: [s2]}}",
            "line 14: key 'outcomes.0.target.sources.0': unknown source 's2'; known: s1",
        ),
        (
            "packages:\n  - {name: cp, scenario: current-policy}\n",
            "packages: []\n",
            "key '(top level)': at least one package is needed",
        ),
    ],
    ids=[
        "central_outside",
        "mode_outside",
        "integer_half",
        "blank_assumption",
        "delay_uniform",
        "path_uniform",
        "target_max_and_min",
        "product_elsewhere",
        "target_unknown_source",
        "no_package",
    ],
)
def test_each_rule_of_a_specification_is_enforced_naming_line_and_key(
    tmp_path: Path, old: str, new: str, error: str
) -> None:
    """A factor, target or outcome that breaks one rule is refused with the file, the line of
    its entry, its key and the rule, as the whole message."""
    assert GOOD.count(old) == 1
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(SpecError) as exc:
        load_spec(path)
    where = f"{path}, " if error.startswith("line") else f"{path}: "
    assert str(exc.value) == where + error


EUA_PATH = (
    "lever: eua_price\n    distribution: path\n    unit: EUR/tCO2\n    low: {2030: 60.0}\n"
    "    central: {2030: 100.0}\n    high: {2030: 200.0}"
)
"""GOOD's factor as an EUA price path."""


def _with_factor(factor: str) -> str:
    old = "lever: carrier_price_scale.natural_gas\n    distribution: uniform\n    low: 0.5\n"
    return GOOD.replace(old + "    high: 1.5", factor)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{name: cp, scenario: current-policy}",
            "{name: cp, scenario: current-policy, overrides: {eua_price: {2030: 90.0}}}",
            "key 'factors.0.lever': the package sets its own eua_price path; a factor cannot "
            "replace it (package 'cp')",
        ),
        (
            "    unit: EUR/tCO2\n",
            "",
            "key 'factors.0.unit': a path factor states its 'unit' (the lever's unit is EUR/tCO2)",
        ),
        (
            "unit: EUR/tCO2",
            "unit: EUR/MWh",
            "key 'factors.0.unit': unit 'EUR/MWh' does not convert to EUR/tCO2: ",
        ),
    ],
    ids=["own-path", "no-unit", "wrong-unit"],
)
def test_an_eua_path_factor_the_package_or_its_unit_cannot_take_fails_before_any_run(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    """A package with its own EUA path (the factor would silently replace it), a path without
    a unit or in one that is not the lever's: refused when the packages are resolved."""
    text = _with_factor(EUA_PATH)
    resolve_packages(load_spec(write(tmp_path, text)), load_catalogue())  # as it is: fine
    with pytest.raises(SpecError) as exc:
        resolve_packages(load_spec(write(tmp_path, text.replace(old, new))), load_catalogue())
    assert message in str(exc.value)


def test_unknown_products_of_a_demand_factor_and_of_an_outcome_are_refused(
    tmp_path: Path,
) -> None:
    cat = load_catalogue()
    text = GOOD.replace("carrier_price_scale.natural_gas", "demand_scale.unobtainium")
    with pytest.raises(SpecError, match=r"unknown id 'unobtainium' in lever 'demand_scale.unobt"):
        resolve_packages(load_spec(write(tmp_path, text)), cat)
    retained = "{name: r, metric: production_retained, product: %s, year: 2030}"
    text = GOOD + "  - " + retained % "unobtainium" + "\n"
    with pytest.raises(SpecError, match=r"key 'outcomes.1.product': unknown product 'unobtain"):
        resolve_packages(load_spec(write(tmp_path, text)), cat)
    resolve_packages(load_spec(write(tmp_path, GOOD + "  - " + retained % "ammonia\n")), cat)


def test_outcomes_in_the_first_and_the_last_model_year_are_accepted(tmp_path: Path) -> None:
    """The packages run 2025-2050: both ends are years they run."""
    text = GOOD + (
        "  - {name: first, metric: emissions, year: 2025}\n"
        "  - {name: last, metric: emissions, year: 2050}\n"
        "  - {name: all, metric: cumulative_emissions, from_year: 2025, to_year: 2050}\n"
    )
    resolve_packages(load_spec(write(tmp_path, text)), load_catalogue())


def test_a_specification_path_that_is_a_folder_or_no_file_says_which(tmp_path: Path) -> None:
    """Each was "uncertainty specification not found"."""
    with pytest.raises(SpecError, match="is a folder, not a specification file"):
        load_spec(tmp_path)
    with pytest.raises(SpecError, match="uncertainty specification not found"):
        load_spec(tmp_path / "missing.yaml")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match="is not a regular file"):
        load_spec(fifo)


@pytest.mark.parametrize(
    ("low", "key", "words"),
    [
        ("{2030: abc}", "factors.0.low.2030", "valid number"),
        ("{abc: 1}", "factors.0.low.abc", "valid integer"),
        ("{2030: .nan}", "factors.0.low.2030", "finite number"),
    ],
)
def test_a_path_with_a_bad_entry_is_named_at_the_entry_only(
    tmp_path: Path, low: str, key: str, words: str
) -> None:
    """The number branch's "valid number (got {2030: ...})" at ``low`` came with it."""
    text = GOOD.replace("low: 0.5", f"low: {low}", 1)
    assert text != GOOD
    with pytest.raises(SpecError) as exc:
        load_spec(write(tmp_path, text))
    (line,) = str(exc.value).splitlines()
    assert f"key '{key}'" in line and words in line, line
