"""The sBG value of a new subscriber by acquisition channel (or plan), and the CAC budgets built on it: the
subscription side of `new_customers`, with the same chapter layout.

Unit-economics parts (subscriptions): heading `newcust.title`, text `newcust.lead`, callouts `newcust.plain`
(retention does not differ significantly between the groups), `newcust.small` (groups pooled or with few recent
subscribers), `newcust.no_cac`; table `newcust` (per group: subscribers acquired in the last 12 months, starting
MRR, expected paid months in the first 36 and CLV over 12, 24 and 36 months with the 36-month interval), table
`budgets`, figure `newcust.curves`, text `newcust.best`; heading `effects.title`, text `effects.lead`, table
`effects` (churn at the first renewal per group and contract length), bullets `effects.words`; text
`newcust.which`. Data chapter parts: heading `covariates.title`, text `covariates.lead`, table `covariates`.
"""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report.chapter import Chapter
from clv_lib.report.churn_window import churn_measured
from clv_lib.report.chapters import new_customers as orders

CURVE_MONTHS = 36


def add_to_economics(r, ch: Chapter) -> None:
    a = r.analysis
    t, f = r.t, r.fmt
    value, budgets = a.new_customer, a.channel_budgets
    ch.heading("newcust.title", t(f"acquisition.sub.title_{a.acquisition_column or 'none'}"))
    if value is None or budgets is None:
        ch.callout("newcust.none", t("acquisition.sub.unavailable"), "warn")
        return
    groups = [g for g in value.table.index if g != "all"]
    retention = a.group_retention
    fitted = "by_group" if retention is not None and retention.used else "pooled"
    lead = "acquisition.sub.lead" if a.acquisitions_window == "last_12_months" else "acquisition.sub.lead_all"
    ch.text("newcust.lead", t(lead, how=t(f"acquisition.sub.fitted.{fitted}",
                                          group=t(f"acquisition.sub.word.{a.acquisition_column or 'channel'}")),
                              rate=f.pct(r.params.annual_discount_rate, 0),
                              customers=f.number(value.table.loc["all", "customers"])))
    if retention is not None and not retention.used:
        ch.callout("newcust.plain", t("acquisition.sub.plain", groups=t(f"acquisition.sub.words.{retention.column}"),
                                      group=t(f"acquisition.sub.word.{retention.column}"),
                                      p=orders._p(r, retention.p_value)))
    small = _small_groups(r)
    if small:
        ch.callout("newcust.small", small, "warn")
    rows = [(group_label(r, g), row["customers"], row["mrr"], row["expected_months_36m"], row["clv_12m"],
             row["clv_24m"], row["clv_36m"], row["clv_36m_low"], row["clv_36m_high"])
            for g, row in value.table.loc[groups + ["all"]].iterrows()]
    columns = ["channel", "acquired", "mrr", "months", "clv12", "clv24", "clv36", "low", "high"]
    ch.table("newcust", pd.DataFrame(rows, columns=columns), align_right=set(columns[1:]),
             formats={"acquired": "number", "mrr": "money:2", "months": "number:1", "clv12": "money:2",
                      "clv24": "money:2", "clv36": "money:2", "low": "money:2", "high": "money:2"},
             labels={"channel": t(f"acquisition.sub.col.{a.acquisition_column or 'channel'}"),
                     "acquired": t("acquisition.sub.col.acquired"), "mrr": t("acquisition.sub.col.mrr"),
                     "months": t("acquisition.sub.col.months"), "clv12": t("acquisition.col.clv", months=12),
                     "clv24": t("acquisition.col.clv", months=24), "clv36": t("acquisition.col.clv", months=36),
                     "low": t("acquisition.col.low"), "high": t("acquisition.col.high")},
             caption=t("acquisition.sub.newcust_caption", margin=f.pct(r.params.gross_margin, 0)))
    if budgets["cac"].isna().all():
        ch.callout("newcust.no_cac", t("acquisition.no_cac", target=f.ratio(r.params.target_ltv_cac)))
    orders._budgets(r, ch, budgets, groups, first="acquisition.sub.payback_first",
                    caption="acquisition.sub.budgets_caption")
    curves = value.cumulative_margin.loc[groups + ["all"]].T
    curves = curves[curves.index <= CURVE_MONTHS]
    curves.columns = [group_label(r, g) for g in curves.columns]
    chart = charts.cumulative_value(curves, f, {"x": t("acquisition.sub.curves_x"), "y": t("acquisition.sub.curves_y"),
                                                "cac": t("acquisition.curves.cac")},
                                    cac=budgets.loc["all", "cac"] if pd.notna(budgets.loc["all", "cac"]) else None)
    ch.figure("newcust.curves", chart, t("acquisition.sub.curves_caption"))
    best = orders.best_channel_sentence(r)
    if best:
        ch.text("newcust.best", best)
    _effects(r, ch)
    if churn_measured(r):  # else there is no SaaS figure above to compare with
        ch.text("newcust.which", t("acquisition.sub.which", saas_max=f.money(a.unit_economics.max_affordable_cac, 2),
                                   model_max=f.money(budgets.loc["all", "max_affordable_cac"], 2)), "note")


def group_label(r, group: str) -> str:
    return orders._group(r, group)


def _contract(r, months: float) -> str:
    key = {1.0: "monthly", 12.0: "annual"}.get(float(months))
    return r.t(f"acquisition.sub.contract.{key}") if key else r.t("acquisition.sub.contract.months",
                                                                  months=r.fmt.number(months))


def _small_groups(r) -> str | None:
    """Groups estimated with others on a contract length, and groups with few subscribers in the last 12 months."""
    from clv_lib.pipeline.acquisition import FEW_ACQUISITIONS

    t, f, a = r.t, r.fmt, r.analysis
    parts = []
    retention = a.group_retention
    if retention is not None and retention.used and not retention.cells.empty:
        for (months, level), row in retention.cells.iterrows():
            if row["estimated_as"] not in (level, "all"):
                parts.append(t("acquisition.sub.pooled", level=group_label(r, level), customers=f.number(row["customers"]),
                               contract=_contract(r, months), into=group_label(r, row["estimated_as"])))
    table = a.new_customer.table
    few = table[(table.index != "all") & (table["customers"] < FEW_ACQUISITIONS)]
    for level, row in few.iterrows():
        parts.append(t("acquisition.sub.few", level=group_label(r, level), customers=f.number(row["customers"])))
    return " ".join(parts) or None


def _effects(r, ch: Chapter) -> None:
    """Each group's retention per contract length, as a table and in words (only when the group models are used)."""
    t, f, a = r.t, r.fmt, r.analysis
    retention = a.group_retention
    if retention is None or not retention.used or retention.cells.empty:
        return
    cells = retention.cells.reset_index()
    cells = cells[cells["estimated_as"] != "all"]
    rows, words = [], []
    for months, part in cells.groupby("period_months", sort=True):
        part = part.sort_values("customers", ascending=False, kind="stable")
        baseline = part.iloc[0]
        for _, row in part.iterrows():
            rows.append((group_label(r, row["level"]), _contract(r, months), row["customers"], row["churned"],
                         row["churn_first_renewal"], group_label(r, row["estimated_as"])))
            if row["level"] != baseline["level"] and row["estimated_as"] == row["level"]:
                words.append(t("acquisition.sub.words_sentence", level=group_label(r, row["level"]),
                               contract=_contract(r, months), churn=f.pct(row["churn_first_renewal"], 1),
                               base=f.pct(baseline["churn_first_renewal"], 1),
                               baseline=group_label(r, baseline["level"]),
                               times=f.ratio(row["churn_first_renewal"] / baseline["churn_first_renewal"], 2)))
    frame = pd.DataFrame(rows, columns=["level", "contract", "customers", "churned", "churn", "as"])
    ch.heading("effects.title", t(f"acquisition.sub.effects_title_{retention.column}"))
    ch.text("effects.lead", t("acquisition.sub.effects_lead", p=orders._p(r, retention.p_value)))
    ch.table("effects", frame, align_right={"customers", "churned", "churn"},
             formats={"customers": "number", "churned": "number", "churn": "pct:1"},
             labels={"level": t(f"acquisition.sub.col.{retention.column}"), "contract": t("acquisition.sub.col.contract"),
                     "customers": t("acquisition.sub.col.reached"), "churned": t("acquisition.sub.col.churned"),
                     "churn": t("acquisition.sub.col.churn"), "as": t("acquisition.sub.col.as")},
             caption=t("acquisition.sub.effects_caption"))
    ch.bullets("effects.words", words, style="note")


def add_to_data(r, ch: Chapter) -> None:
    """Which subscriber characteristics were tried for retention, and whether the retention model uses them."""
    a = r.analysis
    retention = a.group_retention
    if retention is None:
        return
    t = r.t
    starts = a.subscriber_starts
    if retention.df == 0:
        use = t("acquisition.sub.data.too_few")
    elif retention.used:
        use = t("acquisition.data.used", p=orders._p(r, retention.p_value))
    else:
        use = t("acquisition.data.reason.not_significant", p=orders._p(r, retention.p_value))
    frame = pd.DataFrame([(t(f"acquisition.sub.covariate.{retention.column}"), starts[retention.column].nunique(),
                           use)], columns=["covariate", "levels", "retention"])
    ch.heading("covariates.title", t("acquisition.sub.data.title"))
    ch.text("covariates.lead", t("acquisition.sub.data.lead"))
    ch.table("covariates", frame, formats={"levels": "number"}, align_right={"levels"},
             labels={"covariate": t("acquisition.effects.covariate"), "levels": t("acquisition.data.levels"),
                     "retention": t("acquisition.sub.data.retention")})
