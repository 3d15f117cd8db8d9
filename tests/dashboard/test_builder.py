"""The scenario builder: fields from the schema, field-level errors, files the CLI reads."""

from __future__ import annotations

import errno
import threading
from pathlib import Path
from typing import Any

import pytest

from kruispunt.catalogue import load_catalogue
from kruispunt.dashboard.builder import (
    BuilderError,
    SavedScenarios,
    ScenarioIds,
    form_fields,
    form_values,
    parse_form,
    validate_file,
)
from kruispunt.errors import KruispuntError
from kruispunt.scenarios import resolve
from kruispunt.schemas.config import (
    DemandLevers,
    InfrastructureLevers,
    ScenarioFile,
    SubsidyLevers,
)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> SavedScenarios:
    cat = load_catalogue()
    ids = ScenarioIds(
        frozenset(cat.carriers["carrier_id"]),
        frozenset(cat.products["product_id"]),
        frozenset(cat.routes["route_id"]),
    )
    return SavedScenarios(cat.path, tmp_path_factory.mktemp("scenarios"), ids)


def _form(saved: SavedScenarios, base: str, **changes: str) -> dict[str, str]:
    """The form as a browser submits it: the base's values, checkboxes only when ticked."""
    values = form_values(saved.resolve(base).levers.model_dump(mode="json"))
    values.update(name="x", base=base, description="")
    form = {k: v for k, v in values.items() if isinstance(v, str)}
    form.update({k: "on" for k, v in values.items() if v is True})
    form.update(changes)
    return form


def test_every_schema_field_is_a_form_field() -> None:
    keys = {f.key for f in form_fields()}
    top = {
        k
        for k, f in ScenarioFile.model_fields.items()
        if k not in ("subsidies", "infrastructure", "demand")
    }
    assert top <= keys
    assert {f"subsidies.{k}" for k in SubsidyLevers.model_fields} <= keys
    assert {f"infrastructure.{k}" for k in InfrastructureLevers.model_fields} <= keys
    assert {f"demand.{k}" for k in DemandLevers.model_fields} <= keys
    by_key = {f.key: f for f in form_fields()}
    assert by_key["co2_heffing"].kind == "select"
    assert by_key["co2_heffing"].options == ("off", "current", "original")
    assert by_key["subsidies.ccfd_duration"].maximum == 30
    assert by_key["eua_price"].kind == "mapping" and by_key["eua_price"].optional
    assert "strike price" in by_key["subsidies.ccfd_strike_price"].help  # the field's docstring


def test_help_and_ranges_read_as_text() -> None:
    """The form shows a field's docstring without its reStructuredText literals and its
    bounds as a reader writes them (a year without a separator, a budget in full)."""
    fields = form_fields()
    assert all("``" not in f.help for f in fields)
    by_key = {f.key: f for f in fields}
    assert by_key["subsidies.ccfd_duration"].range_text == "≥ 1 ≤ 30"
    assert by_key["subsidies.ccfd_budget"].range_text == "≥ 0 ≤ 1,000,000,000,000"
    years = [f.range_text for f in fields if f.minimum == 2025]
    assert years and all(r.startswith("≥ 2025 ≤ 20") for r in years)
    assert by_key["name"].range_text == ""


def test_unchanged_form_saves_only_name_and_base(saved: SavedScenarios) -> None:
    raw, errors = parse_form(_form(saved, "high-ambition"))
    assert errors == []
    file, errors = validate_file(raw, saved)
    assert errors == []
    assert file.model_dump(exclude_defaults=True) == {"name": "x", "base": "high-ambition"}


def test_changed_levers_are_the_overrides(saved: SavedScenarios) -> None:
    form = _form(
        saved,
        "current-policy",
        name="more-ccfd",
        **{
            "subsidies.ccfd_strike_price": "180",
            "subsidies.ccfd_budget": "2e9",
            "eua_price": "2025: 80, 2030: 130",
            "infrastructure.co2_storage_delay": "3",
        },
    )
    del form["cbam"]  # an unticked checkbox is not submitted
    raw, errors = parse_form(form)
    file, errors = validate_file(raw, saved)
    assert errors == []
    assert file.model_dump(exclude_defaults=True) == {
        "name": "more-ccfd",
        "base": "current-policy",
        "eua_price": {2025: 80.0, 2030: 130.0},
        "cbam": False,
        "subsidies": {"ccfd_strike_price": 180.0, "ccfd_budget": 2e9},
        "infrastructure": {"co2_storage_delay": 3},
    }
    path = saved.save(file)
    lib, broken = saved.library()
    assert broken == {}
    resolved = lib.resolve("more-ccfd")
    assert resolved.levers.subsidies.ccfd_strike_price == 180.0
    assert resolved.levers.cbam is False
    assert resolved.chain == ("more-ccfd", "current-policy")
    assert "ccfd_strike_price: 180.0" in path.read_text("utf-8")


def test_permits_from_saves_and_resolves(saved: SavedScenarios) -> None:
    """The builder's mapping field for ``permits_from``: ``route: year`` pairs become the
    scenario's lever, and the saved file resolves with it."""
    form = _form(saved, "current-policy", name="permits", permits_from="biomass_boiler_low: 2030")
    raw, errors = parse_form(form)
    assert errors == []
    file, errors = validate_file(raw, saved)
    assert errors == []
    assert file.permits_from == {"biomass_boiler_low": 2030}
    saved.save(file)
    lib, broken = saved.library()
    assert broken == {}
    assert lib.resolve("permits").levers.permits_from == {"biomass_boiler_low": 2030}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"risk_sharing": "abc"}, "risk_sharing", "valid number"),
        ({"subsidies.ccfd_duration": "99"}, "subsidies.ccfd_duration", "less than or equal to 30"),
        ({"name": "Bad Name"}, "name", "is not allowed (lower case letters, digits"),
        ({"eua_price": "2030 = 40"}, "eua_price", "key: value pairs"),
        ({"eua_price": "1990: 40"}, "eua_price", "greater than or equal to 2000"),
        ({"carrier_price_scale": "unobtainium: 2"}, "carrier_price_scale", "unknown id"),
        ({"routes_off": "teleportation"}, "routes_off", "unknown route or family"),
        ({"permits_from": "teleportation: 2030"}, "permits_from", "unknown route or family"),
        ({"permits_from": "biomass_boiler_low: 2070"}, "permits_from", "less than or equal"),
        ({"end_year": "2020"}, "end_year", "greater than or equal to 2025"),
        ({"start_year": "2040", "end_year": "2030"}, "end_year", "before start_year"),
        ({"co2_heffing": "sometimes"}, "co2_heffing", "'off', 'current' or 'original'"),
        ({"description": "x" * 10_001}, "description", "too long"),
        ({"seed": "1_000"}, "seed", "valid integer (got '1_000')"),
        ({"eua_price": "2025: 80, 2025: 90"}, "eua_price", "duplicate key '2025'"),
    ],
)
def test_errors_name_their_field(
    saved: SavedScenarios, changes: dict[str, str], field: str, message: str
) -> None:
    raw, errors = parse_form(_form(saved, "current-policy", **changes))
    if not errors:
        _, errors = validate_file(raw, saved)
    assert errors, changes
    assert [e.key for e in errors] == [field]
    assert message in errors[0].message


def test_an_unknown_base_in_the_form_is_put_on_the_base_field(saved: SavedScenarios) -> None:
    form = _form(saved, "current-policy")
    form["base"] = "nowhere"
    raw, errors = parse_form(form)
    assert errors == []
    _, errors = validate_file(raw, saved)
    assert [e.key for e in errors] == ["base"]
    assert errors[0].message.startswith("unknown scenario 'nowhere'; known scenarios: ")
    assert ".yaml" not in errors[0].message  # a form cannot give a file path


def test_a_default_name_or_a_missing_base_is_refused(saved: SavedScenarios) -> None:
    with pytest.raises(BuilderError) as exc:
        saved.save(ScenarioFile(name="current-policy"))
    assert exc.value.errors[0].loc == ("name",)
    with pytest.raises(BuilderError) as exc:
        saved.save(ScenarioFile(name="orphan", base="no-such-scenario"))
    assert exc.value.errors[0].loc == ("base",)
    assert "unknown base 'no-such-scenario'" in exc.value.errors[0].message
    assert not saved.path("orphan").exists()  # nothing written on failure


def test_a_broken_saved_file_is_reported_not_fatal(saved: SavedScenarios) -> None:
    bad = saved.folder / "broken.yaml"
    bad.write_text("name: broken\neua_prise: {2030: 1}\n", encoding="utf-8")
    try:
        lib, broken = saved.library()
        assert "broken.yaml" in broken and "unknown key" in broken["broken.yaml"]
        assert "current-policy" in lib.names
    finally:
        bad.unlink()


def test_saved_file_is_a_scenario_file_of_the_command_line(saved: SavedScenarios) -> None:
    """What the builder saves, ``kruispunt run <file>`` reads (the same loader)."""
    file = ScenarioFile(name="cli-check", base="current-policy", eua_price_scale=1.5)
    path = saved.save(file)
    (scenario,) = resolve([str(path)], saved.package)
    assert scenario.levers.eua_price_scale == 1.5
    assert scenario.chain == ("cli-check", "current-policy")


class _FullDisk:
    """A file handle whose write stops half way with 'No space left on device'."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def write(self, text: str) -> int:
        self.handle.write(text[: len(text) // 2])
        self.handle.flush()
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_save_whose_write_fails_keeps_the_saved_file_and_leaves_no_temporary_file(
    saved: SavedScenarios, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills while the file is written: a clear error naming the file and the
    reason, the file saved before keeps its text, and nothing else is left in the folder."""
    path = saved.save(ScenarioFile(name="full-disk", base="current-policy", eua_price_scale=1.5))
    before = path.read_text("utf-8")
    listing = sorted(p.name for p in saved.folder.iterdir())
    real = Path.open

    def full(self: Path, mode: str = "r", *a: Any, **k: Any) -> Any:
        handle = real(self, mode, *a, **k)
        return _FullDisk(handle) if "w" in mode and self.name.startswith(".") else handle

    monkeypatch.setattr(Path, "open", full)  # the temporary file beside the saved one
    try:
        with pytest.raises(KruispuntError) as exc:
            saved.save(ScenarioFile(name="full-disk", base="current-policy", eua_price_scale=2.0))
    finally:
        monkeypatch.undo()
    assert str(exc.value) == f"cannot save {path}: No space left on device"
    assert path.read_text("utf-8") == before
    assert sorted(p.name for p in saved.folder.iterdir()) == listing
    path.unlink()


def test_a_scenario_and_its_base_saved_at_once_never_leave_a_pair_that_does_not_resolve(
    saved: SavedScenarios,
) -> None:
    """A child (ending 2040) and a change of its base to start in 2045 are saved at the same
    moment, twelve times. One of the two must be refused each time; before the lock both
    could pass their checks against the other's old file and leave a child that does not
    resolve (eight broken files in an audit of twelve tries)."""

    def save(
        body: dict[str, Any], outcome: dict[str, str], key: str, go: threading.Barrier
    ) -> None:
        go.wait()
        try:
            saved.save(ScenarioFile.model_validate(body))
            outcome[key] = "saved"
        except BuilderError:
            outcome[key] = "refused"

    try:
        for i in range(12):
            parent, child = f"race-parent-{i}", f"race-child-{i}"
            saved.save(ScenarioFile.model_validate({"name": parent, "start_year": 2025}))
            outcome: dict[str, str] = {}
            go = threading.Barrier(2)
            threads = [
                threading.Thread(
                    target=save,
                    args=({"name": child, "base": parent, "end_year": 2040}, outcome, "c", go),
                ),
                threading.Thread(
                    target=save, args=({"name": parent, "start_year": 2045}, outcome, "p", go)
                ),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert sorted(outcome.values()) == ["refused", "saved"], (i, outcome)
            _, broken = saved.library()
            assert not broken, (i, broken)
    finally:
        for path in saved.folder.glob("race-*.yaml"):
            path.unlink()
