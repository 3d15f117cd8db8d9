"""PDF export of the report through headless Chromium (extra ``kruispunt[pdf]``).

In its own module so that it does not run inside another module's Playwright session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kruispunt.reports import write_pdf
from kruispunt.testing import synthetic_results

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs a Chromium at /usr/bin/chromium (apt-get install chromium)"
)
def test_pdf_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("playwright")
    monkeypatch.setenv("KRUISPUNT_CHROMIUM", str(CHROMIUM))
    pdf = write_pdf(synthetic_results(n_scenarios=1, n_plants=4), tmp_path / "r.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 20_000
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]
