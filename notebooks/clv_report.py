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

# %% [markdown] tags=["remove-cell"]
# # Customer Lifetime Value report
#
# This notebook *is* the report: each cell below is one chapter, produced by one call to `clv_lib`
# (the analysis lives in the library, tested; the notebook only orders and shows it).
#
# * Build the client deliverable (HTML + PDF) with `make report CLIENT=<client> [PERIOD=2025Q4]`.
# * For one client's own analysis, `make notebook CLIENT=<client>` copies this notebook to
#   `notebooks/clients/<client>.ipynb`; `make report CLIENT=<client>` then runs that copy.
# * To explore interactively, set the parameters in the next cell and run all cells; `report.analysis` holds every
#   intermediate table (`report.analysis.customers`, `report.analysis.data.ledger`, ...).
#
# **Changing a chapter.** Each call returns a chapter object that displays as the chapter. Its parts can be read and
# changed by name before it is shown: `ch.tables` (DataFrames), `ch.figures` (matplotlib figures), `ch.texts`,
# `ch.captions`, `ch.titles`. Every chapter takes `titles=`, `captions=`, `texts=` and `hide=`; the win-back list
# takes `rows=`, segments and actions take `segments=`. For example:
#
# ```python
# ch = report.predicted_clv(rows=20, segments=["at_risk", "cant_lose"],
#                           titles={"quadrant": "Who is worth saving"})
# ch.tables["winback"] = ch.tables["winback"].drop(columns="days_since_last_purchase")
# ch.texts["winback.lead"] += " The account team calls them this week."
# ch
# ```
#
# **Adding your own.** A markdown cell appears as commentary where it stands (tag it `it` or `en` to show it only
# in that language). `report.commentary(it="...", en="...")`, `report.figure(fig, caption=...)` and
# `report.table(frame, caption=..., formats={"revenue": "money"})` add words, a matplotlib/seaborn figure or a table
# numbered, captioned and formatted like the report's own (draw inside `with report.theme():` for its look).
#
# Cells tagged `remove-cell` (like this one) never appear in the client's report.

# %% tags=["parameters"]
client = "demo"      # a params/<client>.yaml file
period = ""          # YYYY, YYYYQn or YYYY-MM; empty: the last complete month in the data
language = ""        # it or en; empty: the language of the params file
output_dir = ""      # folder for the data outputs; empty: reports/<client>/interactive/

# %% tags=["remove-cell"]
from clv_lib.report import Report

report = Report.open(client, period=period, language=language, output_dir=output_dir)

# %%
report.cover()

# %%
report.executive_summary()

# %%
report.since_last_report()

# %%
report.data_quality()

# %%
report.kpis()

# %%
report.value_concentration()

# %%
report.cohorts()

# %%
report.segments()

# %%
report.predicted_clv()

# %%
report.unit_economics()

# %%
report.validation()

# %%
report.action_plan()

# %%
report.appendix()

# %% tags=["remove-cell"]
report.save_outputs()
