"""Chapter 10: model validation — the models fitted on a calibration period and checked on the held-out months:
every candidate's metrics (or why it has none), the chosen model's verdict, its ranking power (normalised Gini)
and decile calibration for purchases and their value beside the naive baseline, tracking of cumulative repeat
purchases, and the frequency histogram (for subscriptions: survivors predicted vs actual).

Parts (orders): text `lead`, table `models` (per candidate: log-likelihood, MAE, RMSE, bias, naive MAE,
Gini, verdict), bullets `models.notes` (why a candidate has no metrics), callout `verdict`; heading
`accuracy.title`, text `accuracy.lead`, table `accuracy`, figures `deciles.purchases`, `deciles.spend`;
figures `tracking`, `by_frequency`, `histogram`.
Subscriptions: text `lead`, table `survivors`, callout `verdict`, figure `survival`. Without a holdout: callout
`none`.
"""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report.chapter import Chapter
from clv_lib.report.chapters import new_customers

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
    _candidates(r, ch, sel.table)
    if v is None:
        ch.callout("verdict", t("validation.orders.none_usable" if (sel.table["status"] == "fitted").any()
                                else "validation.orders.none_fitted"), "bad")
        return ch
    m = v.metrics
    ch.callout("verdict", t(f"validation.orders.verdict_{v.verdict}", model=v.model_name,
                            predicted=f.number(m["predicted_total"]), actual=f.number(m["actual_total"]),
                            bias=f.pct(m["bias"]), mae=f.number(m["mae"], 3), naive=f.number(m["naive_mae"], 3)),
               KINDS[v.verdict])
    _accuracy(r, ch, v)
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


def _candidates(r, ch: Chapter, table: pd.DataFrame) -> None:
    """Every candidate with its holdout metrics where it produced predictions; in words, why the others have
    none (the no-drop-out limit that replaced them, too few repeat buyers, an unidentified model)."""
    t = r.t
    rows, notes = [], []
    for name, row in table.iterrows():
        label = new_customers.model_label(r, name)
        if isinstance(row.get("limit_of"), str):
            label = f"{name} ({t('validation.limit_of', models=row['limit_of'])})"
        status = row.get("status")
        if status == "limit":
            verdict = t("validation.verdict.limit", model=row["limit"])
        elif status == "not fitted":
            verdict = t("validation.verdict.not_fitted")
        else:
            verdict = t(f"validation.verdict.{row['verdict']}")
        if status != "fitted":
            notes.append(t(f"validation.why.{row['failure']}", model=name, edge=row.get("edge") or "",
                           limit=row.get("limit") or ""))
        rows.append({"model": label, **{k: row.get(k) for k in ("log_likelihood", "mae", "rmse", "bias",
                                                                "naive_mae", "purchases_gini", "spend_gini")},
                     "verdict": verdict})
    frame = pd.DataFrame(rows)
    if frame["spend_gini"].isna().all():
        frame = frame.drop(columns="spend_gini")
    ch.table("models", frame,
             formats={"log_likelihood": "number:1", "mae": "number:3", "rmse": "number:3", "bias": "pct",
                      "naive_mae": "number:3", "purchases_gini": "number:2", "spend_gini": "number:2"},
             labels={"model": t("validation.col.model"), "log_likelihood": t("validation.col.ll"),
                     "mae": t("validation.col.mae"), "rmse": t("validation.col.rmse"), "bias": t("validation.col.bias"),
                     "naive_mae": t("validation.col.naive"), "purchases_gini": t("validation.col.gini"),
                     "spend_gini": t("validation.col.gini_spend"), "verdict": t("validation.col.verdict")},
             caption=t("validation.orders.table_caption"))
    if notes:
        ch.bullets("models.notes", notes)


def _accuracy(r, ch: Chapter, v) -> None:
    """Ranking power and decile calibration of the chosen model, for purchases and their value, beside the naive
    baseline."""
    t, f = r.t, r.fmt
    m = v.metrics
    measures = [k for k in ("purchases", "spend") if k in v.deciles]
    frame = pd.DataFrame([{"measure": t(f"validation.accuracy.{k}"), "gini": m[f"{k}_gini"],
                           "naive_gini": m[f"{k}_naive_gini"], "error": m[f"{k}_decile_error"],
                           "naive_error": m[f"{k}_naive_decile_error"]} for k in measures])
    ch.heading("accuracy.title", t("validation.accuracy.title"))
    ch.text("accuracy.lead", t("validation.accuracy.lead", model=v.model_name))
    ch.table("accuracy", frame, formats={"gini": "number:2", "naive_gini": "number:2", "error": "pct:0",
                                         "naive_error": "pct:0"},
             labels={"measure": t("validation.accuracy.measure"), "gini": t("validation.accuracy.gini"),
                     "naive_gini": t("validation.accuracy.naive_gini"), "error": t("validation.accuracy.error"),
                     "naive_error": t("validation.accuracy.naive_error")})
    for k in measures:
        deciles = v.deciles[k][["actual", "predicted", "naive"]].rename(
            columns={"actual": t("validation.actual"), "predicted": t("validation.model"),
                     "naive": t("validation.naive")})
        chart = charts.grouped_bars(deciles, f, {"x": t("validation.deciles.x"), "y": t(f"validation.deciles.y_{k}")})
        ch.figure(f"deciles.{k}", chart, t(f"validation.deciles.caption_{k}"))


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
