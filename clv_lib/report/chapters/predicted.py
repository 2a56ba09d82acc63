"""Chapter 8: predicted CLV — the model used and why, value x churn risk, CLV by segment with intervals, and
the win-back list (high value, probably slipping away).

Parts: `model.lead`, table `parameters` (or `contracts` for subscriptions), `model.correlation`; group
`quadrant.block` (heading `quadrant.title`, text `quadrant.lead`, figure `quadrant`); table `quadrants`; group
`by_segment.block` (figure `by_segment`); heading `winback.title`, text `winback.lead`, table `winback`.
Options: `rows` (customers in the win-back list, 15), `segments` (only these segments in the by-segment chart
and the win-back list).
"""

from __future__ import annotations

import pandas as pd

from clv_lib.report import blocks as B
from clv_lib.report import charts
from clv_lib.report.chapter import Chapter
from clv_lib.report.chapters.common import segment_keys

WINBACK_ROWS = 15


def render(r, rows: int = WINBACK_ROWS, segments=None) -> Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    keys = segment_keys(r, segments)
    ch = Chapter("predicted", t("toc.predicted"))
    _model(r, ch)
    risk = a.risk
    frame = pd.DataFrame({"prob_alive": risk.customers["prob_alive"], "clv": risk.customers["value"],
                          "at_risk": risk.customers["high_value"] & risk.customers["at_risk"]})
    key = "subscription" if r.subscription else ("orders_silence" if a.activity == "silence" else "orders")
    labels = {"x": t("predicted.quadrant.x"), "y": t(f"predicted.quadrant.y_{key}"),
              "winback": t("predicted.quadrant.winback")}
    ch.keep("quadrant.block", B.Heading(t("predicted.quadrant.title"), name="quadrant.title"),
            B.Text(t(f"predicted.quadrant.lead_{key}", value=f.money(risk.value_threshold, 2),
                     alive=f.pct(risk.alive_threshold, 0)), name="quadrant.lead"),
            B.Figure(charts.alive_vs_value(frame, f, labels, risk.value_threshold, risk.alive_threshold),
                     t("predicted.quadrant.caption"), name="quadrant"))
    alive = "col.prob_retained" if r.subscription else ("col.prob_active" if a.activity == "silence"
                                                        else "col.prob_alive")
    ch.table("quadrants", risk.summary[["name", "customers", "customer_share", "value", "value_share",
                                         "value_at_risk", "mean_prob_alive"]].reset_index(drop=True),
             formats={"customers": "number", "customer_share": "pct", "value": "money", "value_share": "pct",
                      "value_at_risk": "money", "mean_prob_alive": "pct:0"},
             labels={"name": t("predicted.quadrant.name"), "customers": t("col.customers"),
                     "customer_share": t("col.customer_share"), "value": t("col.clv_12m"),
                     "value_share": t("col.value_share"), "value_at_risk": t("col.value_at_risk"),
                     "mean_prob_alive": t(alive)})
    _by_segment(r, ch, keys)
    _winback(r, ch, rows, keys)
    return ch


def _model(r, ch: Chapter) -> None:
    t, f, a = r.t, r.fmt, r.analysis
    if r.subscription:
        rows = []
        for length, model in sorted(a.retention_models.items()):
            alpha, beta = model.params_["alpha"], model.params_["beta"]
            geometric = model.is_geometric  # one churn probability for everybody
            churn = alpha / (alpha + beta)
            rows.append((t("predicted.sbg.contract", months=f.number(length)),
                         "–" if geometric else f.number(alpha, 3), "–" if geometric else f.number(beta, 2),
                         f.small_pct(churn), t("predicted.sbg.geometric") if geometric else t("predicted.sbg.heterogeneous")))
        ch.text("model.lead", t("predicted.sbg.lead", margin=f.pct(r.params.gross_margin, 0),
                                rate=f.pct(r.params.annual_discount_rate, 1)))
        ch.table("contracts", pd.DataFrame(rows, columns=["contract", "alpha", "beta", "mean_churn", "kind"]),
                 labels={"contract": t("predicted.sbg.contracts"), "alpha": "α", "beta": "β",
                         "mean_churn": t("predicted.sbg.mean_churn"), "kind": t("predicted.sbg.kind")},
                 align_right={"alpha", "beta", "mean_churn"})
        return
    result = a.clv
    sel = a.selection
    if result.method == "model":
        model = result.transaction_model
        why = _why(r) if sel is not None and sel.best_name else t("predicted.model.default")
        ch.text("model.lead", t("predicted.model.lead", model=model.name, why=why,
                                margin=f.pct(r.params.gross_margin, 0), rate=f.pct(r.params.annual_discount_rate, 1)))
        source, edge = _limit_source(r, model)
        if source:
            key = "predicted.model.limit" if model.heterogeneous else "predicted.model.limit_poisson"
            ch.text("model.limit", t(key, model=model.name, source=source, edge=edge))
        if a.activity == "silence":
            ch.text("model.activity", t("predicted.model.activity", model=model.name,
                                        lapse=f.number(a.lapse.days)))
        rows = [(name, value, model.standard_errors_.get(name)) for name, value in model.params_.items()]
        spend = result.spend_model
        if spend is not None:
            rows += [(f"{name} ({spend.name})", value, spend.standard_errors_.get(name))
                     for name, value in spend.params_.items()]
        ch.table("parameters", pd.DataFrame(rows, columns=["parameter", "estimate", "standard_error"]),
                 formats={"estimate": "number:4", "standard_error": "number:4"},
                 labels={"parameter": t("predicted.model.parameter"), "estimate": t("predicted.model.estimate"),
                         "standard_error": t("predicted.model.se")},
                 caption=t("predicted.model.params_caption", ll=f.number(model.log_likelihood_, 1)))
        corr = a.spend_correlation
        if corr is not None:
            key = "predicted.model.corr_ok" if abs(corr) < 0.3 else "predicted.model.corr_warn"
            ch.text("model.correlation", t(key, corr=f.number(corr, 2)), "note")
        if result.spend_method != "gamma-gamma":
            ch.callout("model.spend_fallback", t("notes.model.spend_fallback"), "warn")
    else:
        ch.callout("model.historical", t("predicted.model.historical", lapse=f.number(a.lapse.days)), "warn")


def _limit_source(r, model) -> tuple[str, str]:
    """The model(s) whose no-drop-out limit `model` is, and the parameters at that edge ("" when it is not a
    limit): from the fit on the whole history, else from the holdout selection."""
    source = getattr(model, "limit_of_", None)
    if source:
        return source, model.limit_reason_
    table = r.analysis.selection.table if r.analysis.selection is not None else None
    if table is None or "limit_of" not in table.columns or model.name not in table.index:
        return "", ""
    source = table.loc[model.name, "limit_of"]
    if not isinstance(source, str):
        return "", ""
    edges = table.loc[table["limit"].eq(model.name), "edge"].dropna() if "limit" in table.columns else []
    return source, "; ".join(edges)


def _why(r) -> str:
    t, f = r.t, r.fmt
    table = r.analysis.selection.table
    used = r.analysis.clv.transaction_model.name
    best = used if used in table.index and table.loc[used, "status"] == "fitted" else r.analysis.selection.best_name
    others = [t("predicted.model.other", model=name, mae=f.number(row["mae"], 3),
                verdict=t(f"validation.verdict.{row['verdict']}"))
              for name, row in table.iterrows() if name != best and pd.notna(row.get("mae"))]
    return t("predicted.model.why", mae=f.number(table.loc[best, "mae"], 3), bias=f.pct(table.loc[best, "bias"]),
             verdict=t(f"validation.verdict.{table.loc[best, 'verdict']}"),
             others="; ".join(others) if others else t("predicted.model.no_others"))


def _by_segment(r, ch: Chapter, keys) -> None:
    t, f, a = r.t, r.fmt, r.analysis
    profiles = a.profiles[a.profiles["segment"] != "all"].set_index("segment")
    if keys is not None:
        profiles = profiles[profiles.index.astype(str).isin(keys)]
    intervals = getattr(a, "intervals", None)
    frame = pd.DataFrame({"value": profiles["clv_12m"]})
    if intervals is not None:
        frame["low"] = intervals["lower"].reindex(frame.index).fillna(frame["value"])
        frame["high"] = intervals["upper"].reindex(frame.index).fillna(frame["value"])
    frame.index = profiles["name"]
    frame = frame.sort_values("value", ascending=False)
    lead = None
    if intervals is not None:
        total = intervals.loc["total"]
        lead = B.Text(t("predicted.segments.lead", total=f.money(total["estimate"]), low=f.money(total["lower"]),
                        high=f.money(total["upper"])), name="by_segment.lead")
    ch.keep("by_segment.block", B.Heading(t("predicted.segments.title"), name="by_segment.title"), lead,
            B.Figure(charts.bars_with_intervals(frame, f, {"x": t("col.clv_12m")}), t("predicted.segments.caption"),
                     name="by_segment"))


def _winback(r, ch: Chapter, rows: int, keys) -> None:
    t, f, a = r.t, r.fmt, r.analysis
    risk = a.risk.customers
    chosen = risk[risk["high_value"] & risk["at_risk"]].sort_values("value_at_risk", ascending=False)
    customers = a.customers.reindex(chosen.index)
    if keys is not None:
        inside = customers["segment"].astype(str).isin(keys).to_numpy()
        chosen, customers = chosen[inside], customers[inside]
    ch.heading("winback.title", t("predicted.winback.title"))
    if chosen.empty:
        ch.text("winback.lead", t("predicted.winback.none"))
        return
    shown = chosen.head(max(0, int(rows)))
    last = "days_since_last_purchase" if "days_since_last_purchase" in customers.columns else "tenure_months"
    table = pd.DataFrame({
        "customer_id": r.output_ids(shown.index),
        "segment": [r.segment_name(s) for s in customers["segment"].head(len(shown))],
        "clv_12m": shown["value"].to_numpy(),
        "prob_alive": shown["prob_alive"].to_numpy(),
        "value_at_risk": shown["value_at_risk"].to_numpy(),
        last: customers[last].head(len(shown)).fillna(0).to_numpy() if last in customers.columns else 0,
    })
    ch.text("winback.lead", t("predicted.winback.lead", customers=f.number(len(chosen)),
                              value=f.money(chosen["value_at_risk"].sum()), shown=f.number(len(shown))))
    ch.table("winback", table, formats={"clv_12m": "money:2", "prob_alive": "pct:0", "value_at_risk": "money:2",
                                        last: "number"},
             labels={"customer_id": t("col.customer_id"), "segment": t("col.segment"), "clv_12m": t("col.clv_12m"),
                     "prob_alive": t("col.prob_retained_one" if r.subscription else
                                     "col.prob_active_one" if a.activity == "silence" else "col.prob_alive_one"),
                     "value_at_risk": t("col.value_at_risk"),
                     last: t("col.days_since_last") if not r.subscription else t("col.tenure_months")})
