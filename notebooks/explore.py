# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python (clv-report)
#     language: python
#     name: clv-report
# ---

# %% [markdown]
# # Exploring one client's analysis
#
# The report (`clv_report.ipynb`) shows the results; this notebook walks the tables behind them, for one client and
# period, in the order the analysis builds them: the data and how it was cleaned, the RFM summary, the candidate
# models with their parameters, standard errors and holdout fit, the per-customer predictions, and a what-if on the
# margin, the discount rate and the horizon. Set the parameters below and run all cells.
#
# Every table comes from `clv_lib.report.explore` (one call each); `report.analysis` holds everything else
# (`report.analysis.customers`, `report.analysis.selection`, `report.analysis.clv`, ...). Nothing here changes the
# report: to change what the client reads, edit the client's report notebook (`make notebook CLIENT=...`).

# %% tags=["parameters"]
client = "demo"                  # a params/<client>.yaml file
period = ""                      # YYYY, YYYYQn or YYYY-MM; empty: the last complete month in the data
language = ""                    # it or en; empty: the language of the params file
what_if_gross_margin = 0.45      # the what-if at the end: another gross margin,
what_if_discount_rate = 0.15     # another annual discount rate,
what_if_horizon_months = 24      # another horizon

# %%
from clv_lib.report import Report, explore

report = Report.open(client, period=period, language=language)

# %% [markdown]
# ## 1. The data: the cleaning ledger and the column mapping
#
# Every row read is accounted for: kept, or excluded, merged, netted or converted by a named rule (the report's
# *Data and quality* chapter and `data_quality.csv` show the same table).

# %%
explore.ledger(report)

# %%
explore.column_mapping(report)

# %% [markdown]
# ## 2. The RFM summary
#
# One row per customer at the cut-off: `frequency` (repeat purchases), `recency` and `T` (days from the first
# purchase to the last one and to the cut-off), `monetary_value` (mean repeat spend). The models learn from it.

# %%
summary = explore.rfm_summary(report)
summary.describe()

# %% [markdown]
# ## 3. The candidate models
#
# Each model is fitted on the calibration period and checked on the held-out months (MAE and bias per customer
# against a naive baseline); the chosen one is refitted on the whole history. Standard errors come from the
# Hessian of the log-likelihood at the optimum.

# %%
explore.candidate_models(report)

# %%
explore.holdout_fit(report)

# %% [markdown]
# ## 4. Per-customer predictions
#
# Most valuable first: P(alive), expected purchases and discounted CLV (gross margin) at each horizon.

# %%
predictions = explore.predictions(report)
predictions.head(20)

# %% [markdown]
# ## 5. What if
#
# Total CLV per segment with the report's assumptions (baseline: the params' margin and discount rate, 12 months)
# and with those of the parameters cell; the fitted models are unchanged.

# %%
explore.what_if(report, gross_margin=what_if_gross_margin, annual_discount_rate=what_if_discount_rate,
                horizon_months=what_if_horizon_months)
