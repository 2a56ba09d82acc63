"""Chapter 3: data and quality — the row funnel, the cleaning ledger, the column mapping, the warnings."""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report import html as H
from clv_lib.report.data_labels import inference_label, rule_label, source_name, treatment_label


def render(r) -> H.Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    data = a.data
    ledger = data.ledger
    kind = t(f"data.kind.{data.kind}")
    valid = ledger.rows_read - ledger.rows_excluded
    src = data.source
    parts = [H.p(t("data.lead", rows=f.number(ledger.rows_read), file=source_name(src), kept=f.number(data.rows_kept), kind=kind,
                   customers=f.number(data.customers), first=f.date(a.first_date), cutoff=f.date(a.cutoff)))]
    steps = pd.Series({t("data.funnel.read"): ledger.rows_read, t("data.funnel.valid"): valid,
                       t("data.funnel.kept", kind=kind).capitalize(): data.rows_kept,
                       t("data.funnel.customers"): data.customers})
    parts.append(H.figure(charts.funnel(steps, f, {}), t("data.funnel.caption")))
    rows = []
    for record in ledger.records:
        rows.append((rule_label(record.rule, r.language), treatment_label(record.treatment, r.language),
                     f.number(record.rows), f.pct(ledger.share(record), 2), f.money(record.revenue, 2),
                     record.example_rows))
    if rows:
        parts.append(H.table([t("data.ledger.rule"), t("data.ledger.treatment"), t("data.ledger.rows"),
                              t("data.ledger.share"), t("data.ledger.revenue"), t("data.ledger.examples")], rows,
                             numeric=[False, False, True, True, True, False], caption=t("data.ledger.caption")))
    else:
        parts.append(H.p(t("data.ledger.clean")))
    parts.append(H.p(t("data.ledger.balance", read=f.number(ledger.rows_read), kept=f.number(data.rows_kept),
                       removed=f.number(ledger.rows_removed)), "note"))
    mapping_rows = [(canon, header, t(f"data.mapping.{data.mapping.origin[canon]}"))
                    for canon, header in data.mapping.columns.items()]
    parts.append(H.h3(t("data.mapping.title")))
    parts.append(H.table([t("data.mapping.canonical"), t("data.mapping.header"), t("data.mapping.origin")],
                         mapping_rows))
    parts.append(H.p(t("data.source", file=source_name(src), format=src.format, encoding=src.encoding or "–",
                       sha=src.sha256), "note"))
    if data.inferences:
        parts.append(H.p(t("data.inferences"), "note"))
        parts.append(H.bullets([inference_label(i, r.language) for i in data.inferences], cls="note"))
    warnings = [note for note in a.notes if note.severity == "warn"]
    parts.append(H.h3(t("data.warnings.title")))
    if warnings:
        parts.append(H.bullets([r.t(f"notes.{n.key}", **_fmt_values(r, n.values)) for n in warnings]))
    else:
        parts.append(H.p(t("data.warnings.none")))
    return H.chapter("data", t("toc.data"), *parts)


def _fmt_values(r, values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if key == "rule":  # a ledger rule's name, stored in English like data_quality.csv
            out[key] = rule_label(value, r.language)
        elif isinstance(value, float) and key in ("churn",):
            out[key] = r.fmt.pct(value)
        elif isinstance(value, (int, float)):
            out[key] = r.fmt.number(value)
        else:
            out[key] = value
    return out
