"""Chapter 10: model validation — the models fitted on a calibration period and checked on the held-out months:
tracking of cumulative repeat purchases, per-customer error against a naive baseline, the frequency histogram,
and a pass / warn / fail verdict with its reason (for subscriptions: survivors predicted vs actual)."""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report import html as H

KINDS = {"pass": "good", "warn": "warn", "fail": "bad"}


def render(r) -> H.Chapter:
    return _subscription(r) if r.subscription else _orders(r)


def _orders(r) -> H.Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    sel, v = a.selection, a.validation
    if sel is None:
        return H.chapter("validation", t("toc.validation"), H.callout(t("validation.none"), "warn"))
    parts = [H.p(t("validation.orders.lead", start=f.date(a.first_date), cal_end=f.date(a.calibration_end),
                   cutoff=f.date(a.cutoff), months=f.number(a.holdout_months),
                   customers=f.number(len(a.holdout))))]
    rows = []
    for name, row in sel.table.iterrows():
        if row.get("verdict") == "fail" and pd.isna(row.get("mae")):
            rows.append((name, "–", "–", "–", "–", "–", t("validation.verdict.fail")))
            continue
        rows.append((name, f.number(row["log_likelihood"], 1), f.number(row["mae"], 3), f.number(row["rmse"], 3),
                     f.pct(row["bias"]), f.number(row["naive_mae"], 3), t(f"validation.verdict.{row['verdict']}")))
    parts.append(H.table([t("validation.col.model"), t("validation.col.ll"), t("validation.col.mae"),
                          t("validation.col.rmse"), t("validation.col.bias"), t("validation.col.naive"),
                          t("validation.col.verdict")], rows, numeric=[False, True, True, True, True, True, False],
                         caption=t("validation.orders.table_caption")))
    if v is None:
        parts.append(H.callout(t("validation.orders.none_usable"), "bad"))
        return H.chapter("validation", t("toc.validation"), *parts)
    m = v.metrics
    parts.append(H.callout(t(f"validation.orders.verdict_{v.verdict}", model=v.model_name,
                             predicted=f.number(m["predicted_total"]), actual=f.number(m["actual_total"]),
                             bias=f.pct(m["bias"]), mae=f.number(m["mae"], 3), naive=f.number(m["naive_mae"], 3)),
                           KINDS[v.verdict]))
    if v.tracking is not None and len(v.tracking) > 1:
        frame = v.tracking.copy()
        frame.index = [a.calibration_end + pd.Timedelta(days=float(d)) for d in frame.index]
        start = pd.DataFrame({"actual": [0.0], "predicted": [0.0]}, index=[a.calibration_end])
        frame = pd.concat([start, frame])
        chart = charts.tracking(frame, f, {"actual": t("validation.actual"), "predicted": t("validation.predicted"),
                                           "holdout": t("validation.holdout"), "y": t("validation.tracking.y")},
                                a.calibration_end)
        parts.append(H.figure(chart, t("validation.tracking.caption")))
    by_freq = v.by_frequency[["actual", "predicted"]].rename(
        columns={"actual": t("validation.actual"), "predicted": t("validation.predicted")})
    parts.append(H.figure(charts.grouped_bars(by_freq, f, {"x": t("validation.byfreq.x"),
                                                           "y": t("validation.byfreq.y")}),
                          t("validation.byfreq.caption")))
    hist = v.frequency_check[["actual", "expected"]].rename(
        columns={"actual": t("validation.actual"), "expected": t("validation.model")})
    parts.append(H.figure(charts.grouped_bars(hist, f, {"x": t("validation.hist.x"), "y": t("validation.hist.y")}),
                          t("validation.hist.caption", gap=f.pct(m["histogram_max_share_gap"]))))
    return H.chapter("validation", t("toc.validation"), *parts)


def _subscription(r) -> H.Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    v = a.validation
    if v is None:
        return H.chapter("validation", t("toc.validation"), H.callout(t("validation.none"), "warn"))
    parts = [H.p(t("validation.subscription.lead", cal_end=f.date(v.calibration_end), cutoff=f.date(a.cutoff),
                   months=f.number(a.holdout_months)))]
    rows = [(t("predicted.sbg.contract", months=f.number(length)), f.number(row["customers"]),
             f.number(row["actual"]), f.number(row["predicted"], 1), f.pct(row["bias"]))
            for length, row in v.table.iterrows()]
    rows.append((t("validation.total"), f.number(v.table["customers"].sum()), f.number(v.actual),
                 f.number(v.predicted, 1), f.pct(v.bias)))
    parts.append(H.table([t("predicted.sbg.contracts"), t("validation.subscription.active_at_cal"),
                          t("validation.subscription.actual"), t("validation.subscription.predicted"),
                          t("validation.col.bias")], rows, numeric=[False, True, True, True, True]))
    parts.append(H.callout(t(f"validation.subscription.verdict_{v.verdict}", bias=f.pct(v.bias)), KINDS[v.verdict]))
    if v.survival_check is not None:
        check = v.survival_check
        observed = check[["observed"]].rename(columns={"observed": t("validation.subscription.km")})
        chart = charts.survival_curves(observed, f, {"x": t("cohorts.survival.x"), "y": t("cohorts.survival.y"),
                                                     "projected": t("validation.subscription.sbg_cal")},
                                       check["projected"])
        parts.append(H.figure(chart, t("validation.subscription.curve_caption")))
    return H.chapter("validation", t("toc.validation"), *parts)
