"""clv_lib: the tested library behind the clv-report notebooks.

The package is split by what happens to the data, one folder per stage:

    params/    client parameter files: schema, validation, reporting period
    data/      load client exports, map columns, parse values, clean with a ledger
    summary/   per-customer summaries (RFM / calibration-holdout), cohorts, MRR movements
    models/    probabilistic CLV models (BG/NBD, Pareto/NBD, MBG/NBD, Gamma-Gamma, BG/BB, sBG)
    value/     customer lifetime value, unit economics (LTV, LTV:CAC, payback), intervals
    insights/  KPIs, segmentation (RFM, value x risk), recommendations
    pipeline/  one client's analysis for one period: runs the stages above once, in order, lazily
    report/    the facade the notebook calls (one call per chapter), charts, text, formatting
    runner/    papermill execution and HTML/PDF rendering (beside the analysis, not inside it)

Importing ``clv_lib`` does no work: submodules are imported where they are used.
"""

__version__ = "0.1.0"
