"""The report's chapters, one module each, in reading order. Each has `render(report) -> Chapter`."""

from clv_lib.report.chapters import (  # noqa: F401 - the facade calls them as chapters.<name>.render
    actions, appendix, cohorts, concentration, cover, data_quality, economics, kpis, predicted, segments, since_last,
    summary, validation,
)
