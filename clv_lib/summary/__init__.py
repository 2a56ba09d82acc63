"""Stage 3: per-customer summaries, calibration/holdout splits, cohort frames and MRR movements.

`rfm_summary` and `calibration_holdout_summary` (module `rfm`: the report's summaries of transactions in memory)
are importable from here; they are loaded on first use so that importing the package does no work.
"""

from __future__ import annotations

_EXPORTS = {
    "rfm_summary": "clv_lib.summary.rfm",
    "calibration_holdout_summary": "clv_lib.summary.rfm",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'clv_lib.summary' has no attribute {name!r}")
