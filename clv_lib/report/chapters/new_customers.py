"""The model-based value of a new customer by acquisition channel, and the CAC budgets built on it: parts of the
unit-economics chapter (after the SaaS formulas per channel), of the data chapter (covariates found and used) and
one finding of the executive summary.

Unit-economics parts (orders): heading `newcust.title`, text `newcust.lead`, callouts `newcust.plain` (the model
does not tell channels apart), `newcust.small` (channels pooled or with few recent customers), `newcust.no_cac`;
table `newcust` (per channel: customers acquired in the last 12 months, first order, expected repeat purchases and
CLV over 12, 24 and 36 months with the 36-month interval), table `budgets` (CAC, maximum affordable CAC with its
interval, margin per unit of acquisition spend, payback month, rank), figure `newcust.curves` (cumulative expected
margin by month since acquisition), text `newcust.best`; heading `effects.title`, text `effects.lead`, table
`effects` (the covariate effects with 95 % intervals), bullets `effects.words`; text `newcust.which` (this against the
SaaS formula, and which number to use for what).
Data chapter parts: heading `covariates.title`, table `covariates`, text `covariates.lead`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from clv_lib.report import charts
from clv_lib.report.chapter import Chapter
from clv_lib.report.churn_window import churn_measured

PREFIX = "cov_"
CURVE_MONTHS = 36


# ---- names ------------------------------------------------------------------------------------------------------
def covariate_name(r, column: str) -> str:
    name = column.removeprefix(PREFIX)
    key = f"acquisition.covariate.{name}"
    return r.t(key) if r.t.has(key) else name


def _short(r, column: str) -> str:
    key = f"acquisition.short.{column.removeprefix(PREFIX)}"
    return r.t(key) if r.t.has(key) else column.removeprefix(PREFIX)


def level_name(r, column: str, level: str) -> str:
    """A covariate level as the report says it: value bands with their bounds, seasons by months."""
    t, f = r.t, r.fmt
    if level in ("(other)", "(unknown)"):
        return t("acquisition.other" if level == "(other)" else "acquisition.unknown")
    if column == PREFIX + "first_value" and level.startswith("Q"):
        edges = r.analysis.customer_covariates.edges
        i = int(level[1:]) - 1
        if i == 0:
            return t("acquisition.band.below", value=f.money(edges[0]))
        if i >= len(edges):
            return t("acquisition.band.above", value=f.money(edges[-1]))
        return t("acquisition.band.between", low=f.money(edges[i - 1]), high=f.money(edges[i]))
    if column == PREFIX + "first_season":
        return t(f"acquisition.season.{level}")
    return level


def model_label(r, name: str) -> str:
    """A model's name with its covariates in the report's language ("MBG/NBD + canale")."""
    base, _, covariates = name.partition(" + ")
    if not covariates:
        return name
    labels = getattr(r.analysis, "customer_covariates", None) if not r.subscription else None
    known = {label: column for column, label in (labels.labels.items() if labels is not None else [])}
    shown = [_short(r, known[c]) if c in known else c for c in covariates.split(", ")]
    return f"{base} + {', '.join(shown)}"


# ---- unit economics ---------------------------------------------------------------------------------------------
def add_to_economics(r, ch: Chapter) -> None:
    """The new-customer value and CAC budgets per channel (orders; subscriptions: `new_subscribers`)."""
    a = r.analysis
    value = getattr(a, "new_customer", None)
    budgets = getattr(a, "channel_budgets", None)
    t, f = r.t, r.fmt
    if r.subscription:
        return
    if value is None or budgets is None:
        why = next((n.key.split(".")[-1] for n in a.notes if n.key.startswith("acquisition.")), "no_model")
        ch.heading("newcust.title", t("acquisition.title"))
        ch.callout("newcust.none", t(f"acquisition.unavailable.{why}"), "warn")
        return
    model = a.clv.transaction_model
    channels = [g for g in value.table.index if g != "all"]
    ch.heading("newcust.title", t("acquisition.title"))
    lead = "acquisition.lead" if a.acquisitions_window == "last_12_months" else "acquisition.lead_all"
    ch.text("newcust.lead", t(lead, model=model_label(r, model.name),
                              rate=f.pct(r.params.annual_discount_rate, 0),
                              customers=f.number(value.table.loc["all", "customers"])))
    if not _model_uses(model, PREFIX + "channel"):
        ch.callout("newcust.plain", t("acquisition.plain", model=model_label(r, model.name)))
    small = _small_channels(r)
    if small:
        ch.callout("newcust.small", small, "warn")
    rows = [(_group(r, g), row["customers"], row["first_order_value"], row["purchases_36m"], row["clv_12m"],
             row["clv_24m"], row["clv_36m"], row["clv_36m_low"], row["clv_36m_high"])
            for g, row in value.table.loc[channels + ["all"]].iterrows()]
    columns = ["channel", "acquired", "first_order", "purchases", "clv12", "clv24", "clv36", "low", "high"]
    ch.table("newcust", pd.DataFrame(rows, columns=columns), align_right=set(columns[1:]),
             formats={"acquired": "number", "first_order": "money:2", "purchases": "number:1", "clv12": "money:2",
                      "clv24": "money:2", "clv36": "money:2", "low": "money:2", "high": "money:2"},
             labels={"channel": t("col.channel"), "acquired": t("acquisition.col.acquired"),
                     "first_order": t("acquisition.col.first_order"), "purchases": t("acquisition.col.purchases"),
                     "clv12": t("acquisition.col.clv", months=12), "clv24": t("acquisition.col.clv", months=24),
                     "clv36": t("acquisition.col.clv", months=36), "low": t("acquisition.col.low"),
                     "high": t("acquisition.col.high")},
             caption=t("acquisition.newcust.caption", margin=f.pct(r.params.gross_margin, 0)))
    if budgets["cac"].isna().all():
        ch.callout("newcust.no_cac", t("acquisition.no_cac", target=f.ratio(r.params.target_ltv_cac)))
    _budgets(r, ch, budgets, channels)
    curves = value.cumulative_margin.loc[channels + ["all"]].T
    curves = curves[curves.index <= CURVE_MONTHS]
    curves.columns = [_group(r, g) for g in curves.columns]
    chart = charts.cumulative_value(curves, f, {"x": t("acquisition.curves.x"), "y": t("acquisition.curves.y"),
                                                "cac": t("acquisition.curves.cac")},
                                    cac=budgets.loc["all", "cac"] if pd.notna(budgets.loc["all", "cac"]) else None)
    ch.figure("newcust.curves", chart, t("acquisition.curves.caption"))
    best = best_channel_sentence(r)
    if best:
        ch.text("newcust.best", best)
    _effects(r, ch)
    if churn_measured(r):  # else there is no SaaS figure above to compare with
        ch.text("newcust.which", t("acquisition.which", saas_max=f.money(a.unit_economics.max_affordable_cac, 2),
                                   model_max=f.money(budgets.loc["all", "max_affordable_cac"], 2)), "note")


def _budgets(r, ch: Chapter, budgets: pd.DataFrame, channels: list, *, first: str = "acquisition.payback.first",
             caption: str = "acquisition.budgets.caption") -> None:
    t, f = r.t, r.fmt
    rows = []
    for g in channels + ["all"]:
        row = budgets.loc[g]
        payback = row["payback_month"]
        rows.append((_group(r, g), row["cac"], row["max_affordable_cac"], row["max_affordable_cac_low"],
                     row["max_affordable_cac_high"], row["margin_per_euro"],
                     (t(first) if int(payback) == 0 else
                      t("acquisition.payback.months", months=int(payback))) if payback is not None and pd.notna(payback)
                     else (t("acquisition.payback.beyond") if pd.notna(row["cac"]) else None),
                     int(row["rank"]) if pd.notna(row["rank"]) else None))
    columns = ["channel", "cac", "max_cac", "low", "high", "per_euro", "payback", "rank"]
    ch.table("budgets", pd.DataFrame(rows, columns=columns), align_right=set(columns[1:]),
             formats={"cac": "money:2", "max_cac": "money:2", "low": "money:2", "high": "money:2",
                      "per_euro": "ratio:1", "rank": "number"},
             labels={"channel": t("col.channel"), "cac": t("col.cac"), "max_cac": t("acquisition.col.max_cac"),
                     "low": t("acquisition.col.low"), "high": t("acquisition.col.high"),
                     "per_euro": t("acquisition.col.per_euro"), "payback": t("acquisition.col.payback"),
                     "rank": t("acquisition.col.rank")},
             caption=t(caption, target=f.ratio(r.params.target_ltv_cac)))


def _group(r, group: str) -> str:
    """A channel as the report names it (subscriptions: a channel or a plan)."""
    if r.subscription:
        column = r.analysis.acquisition_column
        if group in ("all", "(other)"):
            key = ("sub.everyone" if column is None else f"sub.all_{column}") if group == "all" else "sub.other"
            return r.t(f"acquisition.{key}")
        return r.t("acquisition.unknown") if group == "(unknown)" else group
    if group == "all":
        return r.t("acquisition.all" if "channel" in r.analysis.acquisitions.columns else "acquisition.everyone")
    return level_name(r, PREFIX + "channel", group)


def _model_uses(model, column: str) -> bool:
    design = getattr(model, "design_", None)
    return design is not None and any(c.column == column for c in design.used)


def _small_channels(r) -> str | None:
    """Channels whose coefficients were pooled, and channels with few customers in the last 12 months."""
    from clv_lib.pipeline.acquisition import FEW_ACQUISITIONS

    t, f, a = r.t, r.fmt, r.analysis
    parts = []
    design = getattr(a.clv.transaction_model, "design_", None)
    channel = next((c for c in design.columns if c.column == PREFIX + "channel"), None) if design else None
    if channel is not None:
        pooled = channel.counts[channel.counts["estimated_as"] != channel.counts.index]
        for level, row in pooled.iterrows():
            parts.append(t("acquisition.pooled", channel=level, customers=f.number(row["customers"]),
                           into=level_name(r, PREFIX + "channel", row["estimated_as"])))
    table = a.new_customer.table
    few = table[(table.index != "all") & (table["customers"] < FEW_ACQUISITIONS)]
    for level, row in few.iterrows():
        parts.append(t("acquisition.few", channel=level, customers=f.number(row["customers"])))
    return " ".join(parts) or None


def best_channel_sentence(r) -> str | None:
    """Which channel earns most per unit of acquisition spend (or, without CACs, affords the highest CAC)."""
    budgets = getattr(r.analysis, "channel_budgets", None)
    if budgets is None:
        return None
    ranked = budgets.drop(index="all", errors="ignore").dropna(subset=["rank"]).sort_values("rank")
    if len(ranked) < 2:
        return None
    t, f = r.t, r.fmt
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    if budgets.attrs.get("ranked_by") == "margin_per_euro":
        text = t("acquisition.best.per_euro", channel=_group(r, top.name), one=f.money(1),
                 value=f.money(top["margin_per_euro"], 2), cac=f.money(top["cac"], 2), worst=_group(r, bottom.name),
                 worst_value=f.money(bottom["margin_per_euro"], 2))
    else:
        text = t("acquisition.best.max_cac", channel=_group(r, top.name), value=f.money(top["max_affordable_cac"], 2),
                 worst=_group(r, bottom.name), worst_value=f.money(bottom["max_affordable_cac"], 2),
                 target=f.ratio(r.params.target_ltv_cac))
    return text[:1].upper() + text[1:]


def _effects(r, ch: Chapter) -> None:
    """The covariate effects of the purchase and spend models, as a table and in words."""
    t, f, a = r.t, r.fmt, r.analysis
    model, spend = a.clv.transaction_model, a.new_customer_spend
    tables = {}
    for role, fitted in (("purchase", model), ("spend", spend)):
        if hasattr(fitted, "coefficients") and getattr(fitted, "design_", None) is not None and fitted.design_.k:
            tables[role] = fitted.coefficients()
    if not tables:
        return
    rows, words = [], []
    keys = list(dict.fromkeys((c, lvl, base) for table in tables.values()
                              for c, lvl, base in zip(table["column"], table["level"], table["baseline"])))
    for column, level, baseline in keys:
        row = {"covariate": covariate_name(r, column), "level": level_name(r, column, level),
               "baseline": level_name(r, column, baseline)}
        purchase = _effect(tables.get("purchase"), "purchase", column, level)
        spend_row = _effect(tables.get("spend"), "spend", column, level)
        row.update(purchase=purchase[0], purchase_low=purchase[1], purchase_high=purchase[2],
                   spend=spend_row[0], spend_low=spend_row[1], spend_high=spend_row[2],
                   dropout=_dropout(model, column, level), dropout_base=_dropout(model, column, baseline),
                   dropout_rate=_effect(tables.get("purchase"), "dropout", column, level)[0])
        rows.append(row)
        words.append(_in_words(r, row))
    frame = pd.DataFrame(rows)
    pareto = getattr(getattr(model, "base_model", None), "name", "") == "Pareto/NBD"
    ch.heading("effects.title", t("acquisition.effects.title"))
    ch.text("effects.lead", t("acquisition.effects.lead_pareto" if pareto else "acquisition.effects.lead"))
    if pareto:
        frame["dropout"] = frame["dropout_rate"]
    shown = frame[["covariate", "level", "baseline", "purchase", "purchase_low", "purchase_high", "dropout",
                   "spend", "spend_low", "spend_high"]]
    ch.table("effects", shown, align_right=set(shown.columns[3:]),
             formats={"purchase": "ratio:2", "purchase_low": "ratio:2", "purchase_high": "ratio:2",
                      "dropout": "ratio:2" if pareto else "pct:0", "spend": "ratio:2", "spend_low": "ratio:2",
                      "spend_high": "ratio:2"},
             labels={"covariate": t("acquisition.effects.covariate"), "level": t("acquisition.effects.level"),
                     "baseline": t("acquisition.effects.baseline"), "purchase": t("acquisition.effects.purchase"),
                     "purchase_low": t("acquisition.col.low95"), "purchase_high": t("acquisition.col.high95"),
                     "dropout": t("acquisition.effects.dropout_rate" if pareto else "acquisition.effects.dropout"),
                     "spend": t("acquisition.effects.spend"),
                     "spend_low": t("acquisition.col.low95"), "spend_high": t("acquisition.col.high95")},
             caption=t("acquisition.effects.caption"))
    ch.bullets("effects.words", [w for w in words if w], style="note")


def _effect(table: pd.DataFrame | None, effect: str, column: str, level: str) -> tuple:
    if table is None:
        return (np.nan, np.nan, np.nan)
    hit = table[(table["effect"] == effect) & (table["column"] == column) & (table["level"] == level)]
    if hit.empty:
        return (np.nan, np.nan, np.nan)
    row = hit.iloc[0]
    return (row["multiplier"], row["multiplier_low"], row["multiplier_high"])


def _dropout(model, column: str, level: str) -> float:
    """Chance of dropping out after a purchase, E[p] = a / (a + b), of a customer of `level` (BG/NBD family);
    NaN for other models or covariates the model does not use."""
    if not _model_uses(model, column) or "a" not in model.base_model.param_names:
        return math.nan
    base = model.for_covariates(**{column: level})
    return base.params_["a"] / (base.params_["a"] + base.params_["b"])


def _in_words(r, row: dict) -> str | None:
    t, f = r.t, r.fmt
    parts = []
    if np.isfinite(row["purchase"]):
        parts.append(t("acquisition.words.purchase", times=f.ratio(row["purchase"], 2),
                       low=f.ratio(row["purchase_low"], 2), high=f.ratio(row["purchase_high"], 2)))
    if np.isfinite(row["dropout"]) and np.isfinite(row["dropout_base"]):
        parts.append(t("acquisition.words.dropout", level=f.pct(row["dropout"], 0), base=f.pct(row["dropout_base"], 0)))
    elif np.isfinite(row["dropout_rate"]):
        parts.append(t("acquisition.words.dropout_rate", times=f.ratio(row["dropout_rate"], 2)))
    if np.isfinite(row["spend"]):
        parts.append(t("acquisition.words.spend", times=f.ratio(row["spend"], 2), low=f.ratio(row["spend_low"], 2),
                       high=f.ratio(row["spend_high"], 2)))
    if not parts:
        return None
    return t("acquisition.words.sentence", covariate=row["covariate"], level=row["level"], baseline=row["baseline"],
             facts=t("acquisition.words.and").join(parts))


# ---- headline numbers and channels.csv ----------------------------------------------------------------------------
def headline_facts(r) -> dict:
    """kpis.json: the value of a new customer overall (12, 24, 36 months), the maximum affordable CAC of each
    channel (model-based; `max_affordable_cac` stays the blended SaaS figure) and the channel that earns most per
    unit of acquisition spend (None where it does not apply)."""
    a = r.analysis
    value = getattr(a, "new_customer", None)
    budgets = getattr(a, "channel_budgets", None)
    out = {f"new_customer_clv_{h}m": None for h in (12, 24, 36)}
    out.update(max_affordable_cac_by_channel=None, best_channel_per_euro=None)
    if value is None or budgets is None:
        return out
    for h in (12, 24, 36):
        out[f"new_customer_clv_{h}m"] = _money(value.table.loc["all", f"clv_{h}m"])
    out["max_affordable_cac_by_channel"] = {str(g): _money(v) for g, v in budgets["max_affordable_cac"].items()
                                            if g != "all"} or None
    ranked = budgets.drop(index="all", errors="ignore").dropna(subset=["rank"])
    if budgets.attrs.get("ranked_by") == "margin_per_euro" and len(ranked):
        out["best_channel_per_euro"] = str(ranked["rank"].astype(int).idxmin())
    return out


def channels_table(r) -> pd.DataFrame | None:
    """channels.csv: per channel (and "all"), the model-based new-customer value and budget beside the SaaS
    formula's figures for the same channel; None without a new-customer value."""
    a = r.analysis
    value, budgets = getattr(a, "new_customer", None), getattr(a, "channel_budgets", None)
    if value is None or budgets is None:
        return None
    table = value.table.rename(columns={"customers": "customers_acquired_12m"})
    out = table.join(budgets[["cac", "max_affordable_cac", "max_affordable_cac_low", "max_affordable_cac_high",
                              "margin_per_euro", "payback_month", "rank"]].rename(
        columns={"margin_per_euro": "margin_per_cac_36m"}))
    out["payback_month"] = pd.array(out["payback_month"].tolist(), dtype="Int64")
    saas = getattr(a, "channel_economics", None)
    per_group = {g: row["economics"] for g, row in saas.iterrows()} if saas is not None else {}
    if churn_measured(r):  # the blended SaaS figures, unknown without a month's churn
        per_group["all"] = a.unit_economics
    for column, attribute in (("saas_arpa", "arpa"), ("saas_churn_rate", "churn_rate"), ("saas_ltv", "ltv"),
                              ("saas_max_affordable_cac", "max_affordable_cac")):
        out[column] = pd.Series({g: getattr(ue, attribute) for g, ue in per_group.items()}).reindex(out.index)
    out.index = pd.Index([str(g) for g in out.index], name="channel")
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(4 if "rate" in column or column.startswith("purchases") else 2)
    return out


def _money(value) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else round(float(value), 2)


# ---- the data chapter ---------------------------------------------------------------------------------------------
def add_to_data(r, ch: Chapter) -> None:
    """Which covariates the data has, and which the purchase and spend models use (or why not)."""
    a = r.analysis
    use = getattr(a, "covariate_use", None)
    if r.subscription or use is None or use.empty:
        return
    t, f = r.t, r.fmt
    rows = []
    for name, row in use.iterrows():
        rows.append((covariate_name(r, PREFIX + name), int(row["levels"]), _use_text(r, row, "purchase"),
                     _use_text(r, row, "spend")))
    frame = pd.DataFrame(rows, columns=["covariate", "levels", "purchase", "spend"])
    ch.heading("covariates.title", t("acquisition.data.title"))
    ch.text("covariates.lead", t("acquisition.data.lead"))
    ch.table("covariates", frame, formats={"levels": "number"}, align_right={"levels"},
             labels={"covariate": t("acquisition.effects.covariate"), "levels": t("acquisition.data.levels"),
                     "purchase": t("acquisition.data.purchase"), "spend": t("acquisition.data.spend")})


def _use_text(r, row, role: str) -> str:
    if bool(row[f"{role}_used"]):
        return r.t("acquisition.data.used", p=_p(r, row[f"{role}_p_value"]))
    reason = row[f"{role}_reason"]
    p = row[f"{role}_p_value"]
    return r.t(f"acquisition.data.reason.{reason}", p=_p(r, p) if pd.notna(p) else "–")


def _p(r, p: float) -> str:
    return "< 0.001".replace(".", "," if r.language == "it" else ".") if p < 0.001 else r.fmt.number(p, 3)
