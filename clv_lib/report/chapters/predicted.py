"""Chapter 8: predicted CLV — the model used and why, value x churn risk, CLV by segment with intervals, and
the win-back list (high value, probably slipping away)."""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report import html as H

WINBACK_ROWS = 15


def render(r) -> H.Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    parts = _model(r)
    risk = a.risk
    frame = pd.DataFrame({"prob_alive": risk.customers["prob_alive"], "clv": risk.customers["value"],
                          "at_risk": risk.customers["high_value"] & risk.customers["at_risk"]})
    key = "subscription" if r.subscription else "orders"
    labels = {"x": t("predicted.quadrant.x"), "y": t(f"predicted.quadrant.y_{key}"),
              "winback": t("predicted.quadrant.winback")}
    parts.append(H.keep(H.h3(t("predicted.quadrant.title")),
                        H.p(t(f"predicted.quadrant.lead_{key}", value=f.money(risk.value_threshold, 2),
                              alive=f.pct(risk.alive_threshold, 0))),
                        H.figure(charts.alive_vs_value(frame, f, labels, risk.value_threshold, risk.alive_threshold),
                                 t("predicted.quadrant.caption"))))
    rows = [(row["name"], f.number(row["customers"]), f.pct(row["customer_share"]), f.money(row["value"]),
             f.pct(row["value_share"]), f.money(row["value_at_risk"]), f.pct(row["mean_prob_alive"], 0))
            for _, row in risk.summary.iterrows()]
    parts.append(H.table([t("predicted.quadrant.name"), t("col.customers"), t("col.customer_share"),
                          t("col.clv_12m"), t("col.value_share"), t("col.value_at_risk"),
                          t("col.prob_alive" if not r.subscription else "col.prob_retained")], rows,
                         numeric=[False] + [True] * 6))
    parts += _by_segment(r)
    parts += _winback(r)
    return H.chapter("predicted", t("toc.predicted"), *parts)


def _model(r) -> list[str]:
    t, f, a = r.t, r.fmt, r.analysis
    out = []
    if r.subscription:
        rows = []
        for length, model in sorted(a.retention_models.items()):
            alpha, beta = model.params_["alpha"], model.params_["beta"]
            geometric = alpha > 1e4
            churn = alpha / (alpha + beta)
            rows.append((t("predicted.sbg.contract", months=f.number(length)),
                         "–" if geometric else f.number(alpha, 3), "–" if geometric else f.number(beta, 2),
                         f.pct(churn, 1), t("predicted.sbg.geometric") if geometric else t("predicted.sbg.heterogeneous")))
        out.append(H.p(t("predicted.sbg.lead", margin=f.pct(r.params.gross_margin, 0),
                         rate=f.pct(r.params.annual_discount_rate, 1))))
        out.append(H.table([t("predicted.sbg.contracts"), "α", "β", t("predicted.sbg.mean_churn"),
                            t("predicted.sbg.kind")], rows, numeric=[False, True, True, True, False]))
        return out
    result = a.clv
    sel = a.selection
    if result.method == "model":
        model = result.transaction_model
        why = _why(r) if sel is not None and sel.best_name else t("predicted.model.default")
        out.append(H.p(t("predicted.model.lead", model=model.name, why=why, margin=f.pct(r.params.gross_margin, 0),
                         rate=f.pct(r.params.annual_discount_rate, 1))))
        rows = [(name, f.number(value, 4), f.number(model.standard_errors_.get(name), 4))
                for name, value in model.params_.items()]
        spend = result.spend_model
        if spend is not None:
            rows += [(f"{name} ({spend.name})", f.number(value, 4), f.number(spend.standard_errors_.get(name), 4))
                     for name, value in spend.params_.items()]
        out.append(H.table([t("predicted.model.parameter"), t("predicted.model.estimate"),
                            t("predicted.model.se")], rows, numeric=[False, True, True],
                           caption=t("predicted.model.params_caption", ll=f.number(model.log_likelihood_, 1))))
        corr = a.spend_correlation
        if corr is not None:
            key = "predicted.model.corr_ok" if abs(corr) < 0.3 else "predicted.model.corr_warn"
            out.append(H.p(t(key, corr=f.number(corr, 2)), "note"))
        if result.spend_method != "gamma-gamma":
            out.append(H.callout(t("notes.model.spend_fallback"), "warn"))
    else:
        out.append(H.callout(t("predicted.model.historical"), "warn"))
    return out


def _why(r) -> str:
    t, f = r.t, r.fmt
    table = r.analysis.selection.table
    usable = table[table["verdict"] != "fail"] if "verdict" in table.columns else table
    best = r.analysis.selection.best_name
    others = [t("predicted.model.other", model=name, mae=f.number(row["mae"], 3),
                verdict=t(f"validation.verdict.{row['verdict']}"))
              for name, row in table.iterrows() if name != best and pd.notna(row.get("mae"))]
    return t("predicted.model.why", mae=f.number(table.loc[best, "mae"], 3), bias=f.pct(table.loc[best, "bias"]),
             verdict=t(f"validation.verdict.{table.loc[best, 'verdict']}"),
             others="; ".join(others) if others else t("predicted.model.no_others"))


def _by_segment(r) -> list[str]:
    t, f, a = r.t, r.fmt, r.analysis
    profiles = a.profiles[a.profiles["segment"] != "all"].set_index("segment")
    intervals = getattr(a, "intervals", None)
    frame = pd.DataFrame({"value": profiles["clv_12m"]})
    if intervals is not None:
        frame["low"] = intervals["lower"].reindex(frame.index).fillna(frame["value"])
        frame["high"] = intervals["upper"].reindex(frame.index).fillna(frame["value"])
    frame.index = profiles["name"]
    frame = frame.sort_values("value", ascending=False)
    lead = ""
    if intervals is not None:
        total = intervals.loc["total"]
        lead = H.p(t("predicted.segments.lead", total=f.money(total["estimate"]), low=f.money(total["lower"]),
                     high=f.money(total["upper"])))
    return [H.keep(H.h3(t("predicted.segments.title")), lead,
                   H.figure(charts.bars_with_intervals(frame, f, {"x": t("col.clv_12m")}),
                            t("predicted.segments.caption")))]


def _winback(r) -> list[str]:
    t, f, a = r.t, r.fmt, r.analysis
    risk = a.risk.customers
    chosen = risk[risk["high_value"] & risk["at_risk"]].sort_values("value_at_risk", ascending=False)
    out = [H.h3(t("predicted.winback.title"))]
    if chosen.empty:
        return out + [H.p(t("predicted.winback.none"))]
    customers = a.customers.reindex(chosen.index)
    ids = r.output_ids(chosen.index)
    rows = []
    for cid, (idx, row) in zip(ids, chosen.head(WINBACK_ROWS).iterrows()):
        c = customers.loc[idx]
        last = (f.number(c["days_since_last_purchase"]) if "days_since_last_purchase" in c.index
                else f.number(c.get("tenure_months", 0)))
        rows.append((cid, r.segment_name(c["segment"]), f.money(row["value"], 2), f.pct(row["prob_alive"], 0),
                     f.money(row["value_at_risk"], 2), last))
    last_label = t("col.days_since_last") if not r.subscription else t("col.tenure_months")
    out.append(H.p(t("predicted.winback.lead", customers=f.number(len(chosen)),
                     value=f.money(chosen["value_at_risk"].sum()), shown=f.number(min(WINBACK_ROWS, len(chosen))))))
    out.append(H.table([t("col.customer_id"), t("col.segment"), t("col.clv_12m"),
                        t("col.prob_alive_one" if not r.subscription else "col.prob_retained_one"), t("col.value_at_risk"),
                        last_label], rows, numeric=[False, False, True, True, True, True]))
    return out
