"""Chapter 3: data and quality — the row funnel, the cleaning ledger, the column mapping, the warnings.

Parts: text `lead`, figure `funnel`, table `ledger` (rule, treatment, rows, share of rows, revenue, example rows)
or text `ledger.clean`, text `balance`, heading `mapping.title`, table `mapping`, text `source`, text
`inferences.lead` with bullets `inferences`, the covariates found and used (`covariates.title`, `covariates.lead`,
table `covariates`), heading `warnings.title`, bullets `warnings` or text `warnings.none`.
"""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report.chapter import Chapter
from clv_lib.report.chapters import new_customers, new_subscribers
from clv_lib.report.data_labels import inference_label, rule_label, source_name, treatment_label


def render(r) -> Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    data = a.data
    ledger = data.ledger
    kind = t(f"data.kind.{data.kind}")
    valid = ledger.rows_read - ledger.rows_excluded
    src = data.source
    ch = Chapter("data", t("toc.data"))
    ch.text("lead", t("data.lead", rows=f.number(ledger.rows_read), file=source_name(src),
                      kept=f.number(data.rows_kept),
                      kind=kind, customers=f.number(data.customers), first=f.date(a.first_date),
                      cutoff=f.date(a.cutoff)))
    steps = pd.Series({t("data.funnel.read"): ledger.rows_read, t("data.funnel.valid"): valid,
                       t("data.funnel.kept", kind=kind).capitalize(): data.rows_kept,
                       t("data.funnel.customers"): data.customers})
    ch.figure("funnel", charts.funnel(steps, f, {}), t("data.funnel.caption"))
    rows = [(rule_label(record.rule, r.language), treatment_label(record.treatment, r.language), record.rows,
             ledger.share(record), record.revenue, record.example_rows) for record in ledger.records]
    if rows:
        ch.table("ledger", pd.DataFrame(rows, columns=["rule", "treatment", "rows", "share", "revenue", "examples"]),
                 formats={"rows": "number", "share": "pct:2", "revenue": "money:2"},
                 labels={"rule": t("data.ledger.rule"), "treatment": t("data.ledger.treatment"),
                         "rows": t("data.ledger.rows"), "share": t("data.ledger.share"),
                         "revenue": t("data.ledger.revenue"), "examples": t("data.ledger.examples")},
                 caption=t("data.ledger.caption"))
    else:
        ch.text("ledger.clean", t("data.ledger.clean"))
    ch.text("balance", t("data.ledger.balance", read=f.number(ledger.rows_read), kept=f.number(data.rows_kept),
                         removed=f.number(ledger.rows_removed)), "note")
    mapping = pd.DataFrame([(canon, header, t(f"data.mapping.{data.mapping.origin[canon]}"))
                            for canon, header in data.mapping.columns.items()],
                           columns=["canonical", "header", "origin"])
    ch.heading("mapping.title", t("data.mapping.title"))
    ch.table("mapping", mapping, labels={"canonical": t("data.mapping.canonical"),
                                         "header": t("data.mapping.header"), "origin": t("data.mapping.origin")})
    ch.text("source", _source_line(r, data, kind), "note")
    if data.inferences:
        ch.text("inferences.lead", t("data.inferences"), "note")
        ch.bullets("inferences", [inference_label(i, r.language) for i in data.inferences], style="note")
    (new_subscribers if r.subscription else new_customers).add_to_data(r, ch)
    warnings = [note for note in a.notes if note.severity == "warn"]
    ch.heading("warnings.title", t("data.warnings.title"))
    if warnings:
        ch.bullets("warnings", [r.t(f"notes.{n.key}", **_fmt_values(r, n.values)) for n in warnings])
    else:
        ch.text("warnings.none", t("data.warnings.none"))
    return ch


def _source_line(r, data, kind: str) -> str:
    """Where the data came from: a file (format, encoding, SHA-256) or an engine's table or query (never its URL)."""
    t, f, src = r.t, r.fmt, data.source
    if getattr(src, "sha256", None):
        return t("data.source", file=source_name(src), format=src.format, encoding=src.encoding or "–", sha=src.sha256)
    what = (t("data.source_table", table=src.table) if src.table else
            t("data.source_query", sql=" ".join(src.sql.split())) if src.sql else src.display)
    via = t("data.source_via", env=src.connection_env) if src.connection_env else ""
    return t("data.source_engine", what=what, engine=src.engine, via=via, read=f.number(data.rows_read),
             kept=f.number(data.rows_kept), kind=kind)


def _fmt_values(r, values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if key == "rule":  # a ledger rule's name, stored in English like data_quality.csv
            out[key] = rule_label(value, r.language)
        elif isinstance(value, float) and key in ("churn", "upper"):
            out[key] = r.fmt.small_pct(value)
        elif isinstance(value, pd.Timestamp):
            out[key] = r.fmt.date(value)
        elif isinstance(value, (int, float)):
            out[key] = r.fmt.number(value)
        else:
            out[key] = value
    return out
