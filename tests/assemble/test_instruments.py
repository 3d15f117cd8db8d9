"""Instrument parameters from a scenario's levers (:mod:`kruispunt.assemble.instruments`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kruispunt.catalogue import Catalogue
from tests.assemble.conftest import beside_current_policy


def test_cisaf_window_grant_budget_and_the_proposed_cap_path(
    cat: Catalogue, tmp_path: Path
) -> None:
    """On top of current policy:
    - CISAF power-price relief from 2027 for its three years at most: 2027, 2028, 2029;
    - the NIKI grant budget (1,200 MEUR in 2025) doubled;
    - the Commission's 2026 proposal for the EU ETS: the law's linear reduction factor (4.4 %)
      through 2030, the proposal's 3.7 % from 2031."""
    inp = beside_current_policy(
        cat,
        tmp_path,
        "ets_rules: proposal_2026\nsubsidies:\n  cisaf_start: 2027\n  grant_budget_scale: 2.0\n",
    )
    years = list(inp.coords.years)
    relief = inp.instruments["cisaf"]["price_share"]
    assert [years[i] for i in np.flatnonzero(relief[1] > 0)] == [2027, 2028, 2029]
    assert (relief[0] == 0).all()
    budget = inp.instruments["grants"]["budget"]
    assert budget[0].sum() > 0
    np.testing.assert_allclose(budget[1], 2.0 * budget[0])
    lrf = inp.instruments["ets"]["lrf"]
    assert lrf[1, years.index(2030)] == pytest.approx(0.044)
    assert lrf[1, years.index(2031)] == pytest.approx(0.037)
    assert lrf[0, years.index(2031)] == pytest.approx(0.044)
