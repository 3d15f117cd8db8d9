"""Tests for kruispunt.reports.embed: the packed plotly.js and the rounding of figures."""

from __future__ import annotations

import base64
import gzip
import json
import math

import pytest
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

from kruispunt.reports.embed import PLOTLY_ELEMENT_ID, compact_json, plotly_html, rounded


def test_packed_plotly_is_the_installed_bundle_and_reproducible() -> None:
    html = plotly_html()
    head = f'<script id="{PLOTLY_ELEMENT_ID}" type="application/gzip;base64">'
    assert html.startswith(head) and html.count(head) == 1
    packed = base64.b64decode(html[len(head) : html.index("</script>")])
    assert packed[4:8] == b"\0\0\0\0"  # gzip header without a time stamp
    assert gzip.decompress(packed).decode("utf-8") == get_plotlyjs()
    assert len(packed) < 0.35 * len(get_plotlyjs().encode())  # 1,468,879 of 4,815,814
    assert "function kpPlot(" in html


def test_rounding_by_hand() -> None:
    assert rounded(2 / 3, decimals=3) == 0.667
    assert rounded(-1234.5678, decimals=1) == -1234.6
    assert rounded(2 / 3, significant=4) == 0.6667
    assert rounded(98765.4, significant=2) == 99000.0
    assert rounded(-0.000123456, significant=3) == -0.000123
    # only floats change; structure, integers, booleans, strings and gaps stay
    tree = {"x": [2025, 2026], "y": [1.23456, None], "visible": True, "name": "a 1.23456"}
    assert rounded(tree, decimals=2) == {
        "x": [2025, 2026],
        "y": [1.23, None],
        "visible": True,
        "name": "a 1.23456",
    }
    assert rounded((0.0, math.inf), significant=3) == [0.0, math.inf]


def test_rounding_needs_one_precision() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        rounded(1.0)
    with pytest.raises(ValueError, match="exactly one"):
        rounded(1.0, decimals=2, significant=3)


def test_compact_json_cannot_close_a_script_and_refuses_nan() -> None:
    text = compact_json({"name": "</script><b>", "y": [1.5]})
    assert "</" not in text and " " not in text
    assert json.loads(text) == {"name": "</script><b>", "y": [1.5]}
    with pytest.raises(ValueError):
        compact_json([math.nan])
