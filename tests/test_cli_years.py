"""A year outside a scenario's own years, and a site that is not there, from the command line:
the message names the option (or says the year is the command's default), the scenario's
years and what to do, or the site ids most like the one given."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import assert_user_error, invoke


@pytest.fixture
def one_year(tmp_path: Path) -> Path:
    """A scenario that runs 2050 only."""
    path = tmp_path / "oneyear.yaml"
    path.write_text(
        "name: oneyear\nbase: current-policy\nstart_year: 2050\nend_year: 2050\n", encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["energy-bill", "--scenario", "{sc}"], "the default year 2025"),
        (["energy-bill", "--scenario", "{sc}", "--year", "2030"], "--year 2030"),
        (["compare-instruments", "{sc}", "--reference", "oneyear"], "the default year 2030"),
        (
            ["compare-instruments", "{sc}", "--reference", "oneyear", "--year", "2040"],
            "--year 2040",
        ),
        (["explain", "tata_steel_ijmuiden", "--scenario", "{sc}", "--year", "2030"], "--year 2030"),
        (["green-premium", "{sc}"], "the default year 2030"),
    ],
    ids=["bill-default", "bill-given", "compare-default", "compare-given", "explain", "premium"],
)
def test_a_year_outside_the_scenario_names_the_option_or_the_default(
    one_year: Path, args: list[str], said: str
) -> None:
    """energy-bill and compare-instruments said 'year 2025 is outside the model years
    2050-2050', naming neither --year nor that 2025 was their default (green-premium already
    did)."""
    out = invoke(*(a.format(sc=one_year) for a in args))
    assert_user_error(
        out,
        f"{said} is outside the years of scenario 'oneyear', 2050-2050; give --year within them",
    )


@pytest.mark.parametrize("command", ["explain", "energy-bill"])
def test_an_unknown_site_shows_the_ids_most_like_it(command: str) -> None:
    """Both said only "unknown site 'shell'" (explain guessed from the first word)."""
    out = invoke(command, "shell")
    assert_user_error(
        out,
        "unknown site 'shell'; did you mean shell_chemie_pernis, shell_moerdijk, shell_pernis? "
        "(all site ids: kruispunt data summary --top 210)",
    )
    out = invoke(command, "nosuchsite")
    assert_user_error(
        out, "unknown site 'nosuchsite' (all site ids: kruispunt data summary --top 210)"
    )
