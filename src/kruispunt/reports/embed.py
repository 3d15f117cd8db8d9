"""What keeps an offline report page small: plotly.js once, compressed, and compact figures.

plotly.js (the bundle shipped inside the installed ``plotly`` package, 4.8 MB for plotly.js
4.1) is almost the whole weight of a report page; the figures are tens of kilobytes. A page
therefore carries the bundle exactly once, gzip-compressed and base64-encoded in an inert
``<script id="kp-plotly" type="application/gzip;base64">`` element (2.0 MB), and
:data:`LOADER_JS` unpacks it in the browser with ``DecompressionStream`` (Chromium 80,
Firefox 113, Safari 16.4 and later) and runs it. Nothing is fetched: the page stays offline.
Charts are drawn with ``kpPlot(id, data, layout, config)``, which waits for plotly.js; a
browser that cannot unpack the bundle shows a one-line message in each chart instead.

Figures are written as compact JSON (no spaces) with every float rounded to what the chart
shows (:func:`rounded`): the run report's hover labels show three decimals, the robustness
charts four significant digits.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import math
from typing import Any

from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

__all__ = ["LOADER_JS", "PLOTLY_ELEMENT_ID", "compact_json", "plotly_html", "rounded"]

PLOTLY_ELEMENT_ID = "kp-plotly"

LOADER_JS = """
var kpPlotly = (function () {
  var box = document.getElementById("kp-plotly");
  if (!box || typeof DecompressionStream === "undefined") {
    return Promise.reject(new Error("this browser cannot unpack the embedded plotly.js "
      + "(it needs DecompressionStream: Chromium 80, Firefox 113, Safari 16.4 or later)"));
  }
  var text = atob(box.textContent.trim());
  var bytes = new Uint8Array(text.length);
  for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text().then(function (code) {
    var script = document.createElement("script");
    script.textContent = code;
    document.head.appendChild(script);
    return window.Plotly;
  });
})();
function kpPlot(id, data, layout, config) {
  return kpPlotly.then(function (Plotly) {
    return Plotly.newPlot(id, data, layout, config);
  }, function (err) {
    document.getElementById(id).textContent = "Chart not drawn: " + err.message;
  });
}
"""
"""JavaScript: ``kpPlotly`` (a promise of plotly.js, unpacked) and ``kpPlot(...)``."""


@functools.cache
def _plotly_gzip_base64() -> str:
    # mtime=0: the same bytes on every call, so a report is reproducible
    packed = gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def plotly_html() -> str:
    """The ``<script>`` elements that put plotly.js on a page once (compressed) and define
    ``kpPlot``; place them before the first chart."""
    return (
        f'<script id="{PLOTLY_ELEMENT_ID}" type="application/gzip;base64">'
        f"{_plotly_gzip_base64()}</script>\n<script>{LOADER_JS}</script>"
    )


def rounded(obj: Any, *, decimals: int | None = None, significant: int | None = None) -> Any:
    """``obj`` (nested dicts, lists, numbers, strings) with every float rounded.

    Give ``decimals`` (places after the point) or ``significant`` (digits); integers,
    booleans, strings and None are kept. A float that rounds to a whole number stays a float
    (``2.0``), so JSON keeps its type.

    Examples
    --------
    >>> rounded({"y": [34.12345, 0.1 + 0.2, None, 7]}, decimals=3)
    {'y': [34.123, 0.3, None, 7]}
    >>> rounded([12345.678, 0.000123456, -2.71828], significant=4)
    [12350.0, 0.0001235, -2.718]
    """
    if (decimals is None) == (significant is None):
        raise ValueError("give exactly one of decimals and significant")
    if isinstance(obj, float):
        if not math.isfinite(obj) or obj == 0.0:
            return obj
        if decimals is not None:
            return round(obj, decimals)
        assert significant is not None
        return round(obj, significant - 1 - math.floor(math.log10(abs(obj))))
    if isinstance(obj, dict):
        return {k: rounded(v, decimals=decimals, significant=significant) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [rounded(v, decimals=decimals, significant=significant) for v in obj]
    return obj


def compact_json(obj: Any) -> str:
    """Strict, compact JSON for a page (NaN or infinity raise; ``</`` cannot end a script)."""
    return json.dumps(obj, allow_nan=False, separators=(",", ":")).replace("</", "<\\/")
