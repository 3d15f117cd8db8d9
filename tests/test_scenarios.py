"""Scenario files: strict, named errors with file, line and key; base chains resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from kruispunt.scenarios import ScenarioError, default_library, resolve


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        resolve([str(write(tmp_path, text))])
    return str(info.value)


def test_defaults_resolve() -> None:
    lib = default_library()
    assert lib.names == ["current-policy", "high-ambition", "no-new-policy"]
    ha = lib.resolve("high-ambition")
    assert ha.chain == ("high-ambition", "current-policy")
    assert ha.levers.co2_heffing == "current"  # inherited: the levy stays at BP2026
    assert ha.levers.risk_sharing == 0.02
    assert ha.levers.subsidies.ccfd_strike_price == 150
    assert ha.levers.subsidies.sde  # inherited default


def test_user_file_overrides_base(tmp_path: Path) -> None:
    path = write(tmp_path, "name: mine\nbase: no-new-policy\neua_price: {2025: 80, 2030: 120}\n")
    (sc,) = resolve([str(path)])
    assert sc.chain == ("mine", "no-new-policy", "current-policy")
    assert sc.levers.co2_heffing == "off"  # from no-new-policy
    assert sc.levers.eua_price == {2025: 80.0, 2030: 120.0}


def test_unknown_key(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\nbase: current-policy\neua_prise: {2030: 100}\n")
    assert "line 3" in msg and "'eua_prise'" in msg and "unknown key" in msg
    assert "allowed keys:" in msg and "eua_price" in msg


def test_an_unknown_key_in_a_section_per_id_lists_that_section_s_keys(tmp_path: Path) -> None:
    """Under ``demand.labels.<product>`` the keys of ``demand`` were listed."""
    text = "name: x\ndemand:\n  labels:\n    crude_steel: {share: 0.5, premium_cap: 5, foo: 1}\n"
    msg = error_of(tmp_path, text)
    assert "key 'demand.labels.crude_steel.foo': unknown key" in msg
    assert msg.endswith("allowed keys: premium_cap, share"), msg


def test_unknown_nested_key(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\nsubsidies:\n  sde_budget: 3\n")
    assert "line 3" in msg and "subsidies.sde_budget" in msg and "sde_budget_scale" in msg


def test_wrong_type(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\ncbam: maybe\n")
    assert "line 2" in msg and "'cbam'" in msg


def test_negative_price(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\neua_price:\n  2030: -5\n")
    assert "line 3" in msg and "eua_price.2030" in msg and "greater than or equal" in msg


def test_year_out_of_range(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\neua_price:\n  1850: 50\n")
    assert "line 3" in msg and "eua_price.1850" in msg and "2000" in msg


def test_end_before_start(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\nstart_year: 2040\nend_year: 2030\n")
    assert "end_year" in msg and "line 3" in msg


def test_malformed_yaml(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\neua_price: {2030: 100\n")
    assert "malformed YAML" in msg and "line" in msg


def test_duplicate_key(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\ncbam: true\ncbam: false\n")
    assert "duplicate key 'cbam'" in msg and "line 3" in msg


def test_literal_values_listed(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\nco2_heffing: sometimes\n")
    assert "'off'" in msg and "'current'" in msg and "'original'" in msg


def test_unknown_scenario_name() -> None:
    with pytest.raises(ScenarioError, match="unknown scenario 'business-as-usual'; known"):
        resolve(["business-as-usual"])


def test_unknown_base(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\nbase: nowhere\n")
    assert "unknown base 'nowhere'" in msg


def test_missing_file() -> None:
    with pytest.raises(ScenarioError, match="not found"):
        resolve(["missing.yaml"])


def test_same_scenario_twice(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="'current-policy' is given twice"):
        resolve(["current-policy", "current-policy"])
    path = write(tmp_path, "name: mine\n")
    with pytest.raises(ScenarioError, match="scenario file is given twice"):
        resolve([str(path), str(path)])


def test_user_file_cannot_replace_a_default(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: current-policy\nco2_heffing: 'off'\n")
    assert "line 1" in msg
    assert "name 'current-policy' is already a default scenario; choose another name" in msg


def test_two_user_files_with_one_name(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: mine\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("name: mine\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="name 'mine' is already used by"):
        resolve([str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")])


def test_time_paths_are_replaced_whole(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(
        "name: my-base\n"
        "carrier_prices: {natural_gas: {2025: 10, 2050: 20}, coal: {2025: 5}}\n"
        "grid_emission_factor: {2025: 0.3, 2050: 0.0}\n"
        "eua_price: {2025: 80, 2050: 200}\n"
        "subsidies: {sde: false, sde_extra_budget: {2027: 1.0e+9, 2028: 1.0e+9}}\n",
        encoding="utf-8",
    )
    child = tmp_path / "child.yaml"
    child.write_text(
        "name: my-child\nbase: my-base\n"
        "carrier_prices: {natural_gas: {2030: 15}}\n"
        "grid_emission_factor: {2030: 0.1}\n"
        "eua_price: {2030: 100}\n"
        "subsidies: {sde_extra_budget: {2029: 2.0e+9}}\n",
        encoding="utf-8",
    )
    _, sc = resolve([str(base), str(child)])
    lv = sc.levers
    assert lv.carrier_prices == {"natural_gas": {2030: 15.0}, "coal": {2025: 5.0}}
    assert lv.grid_emission_factor == {2030: 0.1}
    assert lv.eua_price == {2030: 100.0}
    assert lv.subsidies.sde_extra_budget == {2029: 2.0e9}
    assert lv.subsidies.sde is False  # sections still merge key by key


def test_permits_from_year_out_of_range(tmp_path: Path) -> None:
    msg = error_of(tmp_path, "name: x\npermits_from:\n  biomass_boiler_low: 2060\n")
    assert "line 3" in msg and "permits_from.biomass_boiler_low" in msg and "2050" in msg


def test_permits_from_names_routes_or_families(tmp_path: Path) -> None:
    """A route id wins over its family; an unknown id is refused with the key and what is
    allowed."""
    from kruispunt.assemble import build_inputs
    from kruispunt.catalogue import load_catalogue

    cat = load_catalogue()
    path = write(
        tmp_path,
        "name: x\nbase: current-policy\npermits_from:\n  biomass_boiler_low: 2030\n"
        "  circular: 2035\n",
    )
    inputs = build_inputs(cat, resolve([str(path)]))
    r_of = {r: i for i, r in enumerate(inputs.coords.routes)}
    own = inputs.levers.permits_from[0]
    assert own[r_of["biomass_boiler_low"]] == 2030
    assert own[r_of["biomass_furnace_high"]] == 2035  # circular, by its family
    assert own[r_of["gas_boiler_low"]] == -1  # the data package's path
    bad = write(tmp_path, "name: y\npermits_from:\n  teleportation: 2030\n")
    with pytest.raises(ScenarioError) as info:
        build_inputs(cat, resolve([str(bad)]))
    msg = str(info.value)
    assert "permits_from.teleportation" in msg and "unknown route or family" in msg


def test_a_folder_given_as_a_scenario_is_named_as_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once "unknown scenario"; a folder that happens to share a scenario's name is no
    obstacle to the name."""
    with pytest.raises(ScenarioError, match="is a folder, not a scenario"):
        resolve([str(tmp_path)])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "current-policy").mkdir()
    assert resolve(["current-policy"])[0].name == "current-policy"


def test_a_one_year_run_deciding_in_its_last_year_is_accepted(tmp_path: Path) -> None:
    """The edges of the year checks: end_year may equal start_year, and decisions_from may be
    the last year of the run."""
    path = write(tmp_path, "name: x\nstart_year: 2030\nend_year: 2030\ndecisions_from: 2030\n")
    (sc,) = resolve([str(path)])
    assert (sc.levers.start_year, sc.levers.end_year, sc.levers.decisions_from) == (2030,) * 3


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "eua_price:\n  2030: 1.0e-300\n",
            "line 3: key 'eua_price.2030': value 1e-300 is too small: give 0 or at least 1e-09",
        ),
        (
            "end_year: 2030\ndecisions_from: 2031\n",
            "line 3: key 'decisions_from': decisions_from 2031 is after end_year 2030: plants "
            "would decide in no year of the run",
        ),
        (
            "subsidies:\n  grant_share: 1.5\n",
            "line 3: key 'subsidies.grant_share': value 1.5 is out of range (must be less than "
            "or equal to 1.0)",
        ),
        (
            "infrastructure:\n  co2_storage_delay: -1\n",
            "line 3: key 'infrastructure.co2_storage_delay': value -1 is out of range (must be "
            "greater than or equal to 0)",
        ),
    ],
    ids=["tiny_eua_price", "decisions_after_the_run", "share_above_one", "negative_delay"],
)
def test_a_value_past_a_bound_names_line_key_and_limit(
    tmp_path: Path, text: str, error: str
) -> None:
    message = error_of(tmp_path, "name: x\n" + text)
    assert message == f"{tmp_path / 'scenario.yaml'}, {error}"


@pytest.mark.parametrize("name", ["../x", "a/b", "X"])
def test_a_scenario_name_that_is_no_plain_file_name_is_refused(tmp_path: Path, name: str) -> None:
    """The dashboard saves a scenario as ``<store>/scenarios/<name>.yaml``: a name with a
    path in it would be written outside that folder."""
    assert error_of(tmp_path, f"name: '{name}'\n") == (
        f"{tmp_path / 'scenario.yaml'}, line 1: key 'name': '{name}' is not allowed "
        "(lower case letters, digits, '-' and '_', starting with a letter or digit)"
    )


def test_an_unknown_name_offers_a_file_only_where_one_can_be_given() -> None:
    """On the command line a scenario may be a file, so an unknown name's message says so; a
    library for web forms (``takes_files=False``) names the known scenarios only."""
    known = "known scenarios: current-policy, high-ambition, no-new-policy"
    with pytest.raises(ScenarioError) as exc:
        resolve(["nowhere"])
    assert str(exc.value) == (
        f"unknown scenario 'nowhere'; {known} (or give the path of a .yaml scenario file)"
    )
    with pytest.raises(ScenarioError) as exc:
        default_library(takes_files=False).resolve("nowhere")
    assert str(exc.value) == f"unknown scenario 'nowhere'; {known}"


def test_the_quotes_hint_is_given_for_a_number_in_quotes_only() -> None:
    """An unquoted word where a number belongs (``eua_price: {abc: 10}``: a year key) was
    told its 'value in quotes is text'; the hint is for a number written in quotes."""
    from kruispunt.scenarios import describe_error

    word = describe_error({"type": "int_type", "input": "abc", "msg": "x"})
    number = describe_error({"type": "int_type", "input": "2030", "msg": "x"})
    assert word == "expected a whole number, got 'abc'"
    assert number == (
        "expected a whole number, got '2030' (a value in quotes is text: write the number "
        "without quotes)"
    )
