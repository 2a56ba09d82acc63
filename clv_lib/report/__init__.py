"""Stage 7: what the notebook calls (one call per chapter), with charts, text and locale formatting.

    from clv_lib.report import Report
"""

from clv_lib.report.facade import Report

__all__ = ["Report"]
