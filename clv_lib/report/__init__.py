"""Stage 7: what the notebook calls (one call per chapter), with charts, text and locale formatting.

    from clv_lib.report import Report

`Report` is imported on first use, so that a light module of the package (the figure workers' `svg`, `fmt`)
does not bring the whole report with it.
"""

__all__ = ["Report"]


def __getattr__(name: str):
    if name == "Report":
        from clv_lib.report.facade import Report

        return Report
    raise AttributeError(f"module 'clv_lib.report' has no attribute {name!r}")
