"""Looking inside a written report page: its scripts, the plotly.js copies it carries, and
the figures it draws (used by the report tests and the robustness report tests)."""

from __future__ import annotations

import base64
import gzip
import json
import re
from typing import Any

SCRIPT = re.compile(r"<script([^>]*)>(.*?)</script>", re.S)
PLOTLY_HEADER = re.compile(r"\* plotly\.js v\d+\.\d+\.\d+")


def scripts(page: str) -> list[tuple[str, str]]:
    """``(attributes, text)`` of every inline script element."""
    return [(m.group(1), m.group(2)) for m in SCRIPT.finditer(page)]


def plotly_copies(page: str) -> list[str]:
    """Every plotly.js bundle on the page: inline in a script, or packed (gzip, base64)."""
    out = []
    for attrs, text in scripts(page):
        if "application/gzip;base64" in attrs:
            text = gzip.decompress(base64.b64decode(text)).decode("utf-8")
        out += [text] * len(PLOTLY_HEADER.findall(text))
    return out


def figures(page: str) -> list[tuple[list[Any], dict[str, Any]]]:
    """``(data, layout)`` of every ``kpPlot("id", data, layout, config)`` call on the page
    (a layout written as ``Object.assign({template: kpTemplate}, layout)`` gives ``layout``)."""
    decoder = json.JSONDecoder()
    out = []
    for _, text in scripts(page):
        if not text.startswith("kpPlot("):
            continue
        rest = text[text.index(",") + 1 :].lstrip()
        data, end = decoder.raw_decode(rest)
        rest = rest[end:].lstrip(", ")
        if rest.startswith("Object.assign({template: kpTemplate}, "):
            rest = rest[len("Object.assign({template: kpTemplate}, ") :]
        layout, _ = decoder.raw_decode(rest)
        out.append((data, layout))
    return out


def floats(obj: Any) -> list[float]:
    """Every float in a JSON tree."""
    if isinstance(obj, float):
        return [obj]
    if isinstance(obj, dict):
        return [f for v in obj.values() for f in floats(v)]
    if isinstance(obj, list):
        return [f for v in obj for f in floats(v)]
    return []
