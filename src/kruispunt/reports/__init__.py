"""Reports built only from :mod:`kruispunt.metrics` (never from raw result arrays).

:mod:`kruispunt.reports.charts` holds the charts, shared by the HTML report and the dashboard;
:mod:`kruispunt.reports.labels` the human labels of ids.
"""

from kruispunt.reports.charts import CHARTS
from kruispunt.reports.html import RunMeta, build_report, write_pdf, write_report

__all__ = ["CHARTS", "RunMeta", "build_report", "write_pdf", "write_report"]
