"""Chapter 10: model validation — the models fitted on a calibration period and checked on the held-out months:
tracking of cumulative repeat purchases, per-customer error against a naive baseline, the frequency histogram,
and a pass / warn / fail verdict with its reason (for subscriptions: survivors predicted vs actual).

Parts (orders): text `lead`, table `models` (per candidate: log-likelihood, MAE, RMSE, bias, naive MAE, verdict),
callout `verdict`, figures `tracking`, `by_frequency`, `histogram`. Subscriptions: text `lead`, table `survivors`,
callout `verdict`, figure `survival`. Without a holdout: callout `none`.
"""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report.chapter import Chapter

KINDS = {"pass": "good", "warn": "warn", "fail": "bad"}


def render(r) -> Chapter:
    return _subscription(r) if r.subscription else _orders(r)


def _orders(r) -> Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    sel, v = a.selection, a.validation
    ch = Chapter("validation", t("toc.validation"))
    if sel is None:
        ch.callout("none", t("validation.none"), "warn")
        return ch
    ch.text("lead", t("validation.orders.lead", start=f.date(a.first_date), cal_end=f.date(a.calibration_end),
                      cutoff=f.date(a.cutoff), months=f.number(a.holdout_months),
                      customers=f.number(len(a.holdout))))
    table = sel.table.reindex(columns=["log_likelihood", "mae", "rmse", "bias", "naive_mae", "verdict"])
    table = table.rename_axis("model").reset_index()
    table["verdict"] = [t(f"validation.verdict.{verdict}") for verdict in table["verdict"]]
    ch.table("models", table, caption=t("validation.orders.table_caption"),
             formats={"log_likelihood": "number:1", "mae": "number:3", "rmse": "number:3", "bias": "pct",
                      "naive_mae": "number:3"},
             labels={"model": t("validation.col.model"), "log_likelihood": t("validation.col.ll"),
                     "mae": t("validation.col.mae"), "rmse": t("validation.col.rmse"), "bias": t("validation.col.bias"),
                     "naive_mae": t("validation.col.naive"), "verdict": t("validation.col.verdict")})
    if v is None:
        ch.callout("verdict", t("validation.orders.none_usable"), "bad")
        return ch
    m = v.metrics
    ch.callout("verdict", t(f"validation.orders.verdict_{v.verdict}", model=v.model_name,
                            predicted=f.number(m["predicted_total"]), actual=f.number(m["actual_total"]),
                            bias=f.pct(m["bias"]), mae=f.number(m["mae"], 3), naive=f.number(m["naive_mae"], 3)),
               KINDS[v.verdict])
    if v.tracking is not None and len(v.tracking) > 1:
        frame = v.tracking.copy()
        frame.index = [a.calibration_end + pd.Timedelta(days=float(d)) for d in frame.index]
        start = pd.DataFrame({"actual": [0.0], "predicted": [0.0]}, index=[a.calibration_end])
        frame = pd.concat([start, frame])
        chart = charts.tracking(frame, f, {"actual": t("validation.actual"), "predicted": t("validation.predicted"),
                                           "holdout": t("validation.holdout"), "y": t("validation.tracking.y")},
                                a.calibration_end)
        ch.figure("tracking", chart, t("validation.tracking.caption"))
    by_freq = v.by_frequency[["actual", "predicted"]].rename(
        columns={"actual": t("validation.actual"), "predicted": t("validation.predicted")})
    ch.figure("by_frequency", charts.grouped_bars(by_freq, f, {"x": t("validation.byfreq.x"),
                                                               "y": t("validation.byfreq.y")}),
              t("validation.byfreq.caption"))
    hist = v.frequency_check[["actual", "expected"]].rename(
        columns={"actual": t("validation.actual"), "expected": t("validation.model")})
    ch.figure("histogram", charts.grouped_bars(hist, f, {"x": t("validation.hist.x"), "y": t("validation.hist.y")}),
              t("validation.hist.caption", gap=f.pct(m["histogram_max_share_gap"])))
    return ch


def _subscription(r) -> Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    v = a.validation
    ch = Chapter("validation", t("toc.validation"))
    if v is None:
        ch.callout("none", t("validation.none"), "warn")
        return ch
    ch.text("lead", t("validation.subscription.lead", cal_end=f.date(v.calibration_end), cutoff=f.date(a.cutoff),
                      months=f.number(a.holdout_months)))
    rows = [(t("predicted.sbg.contract", months=f.number(length)), row["customers"], row["actual"], row["predicted"],
             row["bias"]) for length, row in v.table.iterrows()]
    rows.append((t("validation.total"), v.table["customers"].sum(), v.actual, v.predicted, v.bias))
    ch.table("survivors", pd.DataFrame(rows, columns=["contracts", "customers", "actual", "predicted", "bias"]),
             formats={"customers": "number", "actual": "number", "predicted": "number:1", "bias": "pct"},
             labels={"contracts": t("predicted.sbg.contracts"), "customers": t("validation.subscription.active_at_cal"),
                     "actual": t("validation.subscription.actual"),
                     "predicted": t("validation.subscription.predicted"), "bias": t("validation.col.bias")})
    ch.callout("verdict", t(f"validation.subscription.verdict_{v.verdict}", bias=f.pct(v.bias)), KINDS[v.verdict])
    if v.survival_check is not None:
        check = v.survival_check
        observed = check[["observed"]].rename(columns={"observed": t("validation.subscription.km")})
        chart = charts.survival_curves(observed, f, {"x": t("cohorts.survival.x"), "y": t("cohorts.survival.y"),
                                                     "projected": t("validation.subscription.sbg_cal")},
                                       check["projected"])
        ch.figure("survival", chart, t("validation.subscription.curve_caption"))
    return ch
