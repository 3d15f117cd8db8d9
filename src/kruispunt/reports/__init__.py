"""Reports built only from :mod:`kruispunt.metrics` (never from raw result arrays)."""

from kruispunt.reports.html import CHARTS, build_report, write_pdf, write_report

__all__ = ["CHARTS", "build_report", "write_pdf", "write_report"]
