"""Stage 3: per-customer summaries, calibration/holdout splits, cohort frames and MRR movements."""
