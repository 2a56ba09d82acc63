"""The report's data outputs, written next to the HTML/PDF: customers.csv and customers.xlsx (for the CRM),
segments.csv, channels.csv (what a new customer is worth per acquisition channel, and the CAC it affords),
data_quality.csv (the cleaning ledger), mrr_bridge.csv (subscriptions: the month-end MRR and its movements, month by
month), forecast.csv (what the report predicts, kept for the track record of later reports), kpis.json (the
headline numbers) and report_meta.json (for the runner and later
reports). The CSV files are safe to open in a spreadsheet and the workbook keeps ids as text
(`clv_lib.report.spreadsheets`).

With `pseudonymize_ids: true` every customer id in every output is replaced by a salted SHA-256 pseudonym; the
salt is created once per client (`reports/<client>/.id_salt`, never published) so that pseudonyms stay the same
from one period to the next and segment migration still works.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path

import pandas as pd

from clv_lib.report import html as H
from clv_lib.report.chapters import new_customers
from clv_lib.report.earlier import run_metadata
from clv_lib.report.forecast_file import write_forecast
from clv_lib.report.spreadsheets import write_csv, write_xlsx

ORDER_COLUMNS = ["segment", "segment_name", "value_tier", "frequency", "recency", "T", "monetary_value", "orders",
                 "revenue", "first_order", "last_order", "days_since_last_purchase", "channel", "r_score", "f_score",
                 "m_score", "prob_alive", "expected_purchases_12m", "clv_12m", "clv_24m", "quadrant",
                 "recommended_action"]
SUBSCRIPTION_COLUMNS = ["segment", "segment_name", "value_tier", "plan", "channel", "start_date", "end_date",
                        "tenure_months", "churned", "mrr", "revenue", "prob_alive", "expected_months_12m", "clv_12m",
                        "clv_24m", "recommended_action"]
DATE_COLUMNS = ("first_order", "last_order", "start_date", "end_date")


def id_salt(root: Path, client: str) -> str:
    """The client's pseudonymisation salt (created on first use, kept outside any published folder)."""
    path = root / "reports" / client / ".id_salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def output_ids(report, ids) -> list[str]:
    """Customer ids as written in outputs: unchanged, or salted-hash pseudonyms when the params ask for it."""
    ids = [str(i) for i in ids]
    if not report.params.pseudonymize_ids:
        return ids
    salt = id_salt(report.root, report.client)
    return ["c_" + hashlib.sha256(f"{salt}:{i}".encode()).hexdigest()[:16] for i in ids]


def customers_table(report) -> pd.DataFrame:
    """customers.csv: one row per customer, in the report's language for names and actions."""
    from clv_lib.insights.profiles import segment_names

    a = report.analysis
    table = a.customers.copy()
    table["segment"] = table["segment"].astype(str)
    table["segment_name"] = table["segment"].map(segment_names(report.language)).fillna(table["segment"])
    columns = SUBSCRIPTION_COLUMNS if report.subscription else ORDER_COLUMNS
    out = table[[c for c in columns if c in table.columns]].copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(4 if column == "prob_alive" else 2)
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
        elif isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(str)
    out.index = pd.Index(output_ids(report, out.index), name="customer_id")
    return out


BRIDGE_COLUMNS = ["start_mrr", "new", "expansion", "reactivation", "contraction", "churn", "end_mrr",
                  "start_customers", "new_customers", "expansion_customers", "reactivated_customers",
                  "contraction_customers", "churned_customers", "end_customers"]


def bridge_table(report) -> pd.DataFrame:
    """mrr_bridge.csv: the MRR bridge of every month up to the cut-off (start + movements = end), the same frame the
    KPI chapter and kpis.json read."""
    monthly = report.analysis.monthly
    out = monthly[BRIDGE_COLUMNS].copy()
    out.index = pd.Index(monthly.index.astype(str), name="month")
    money = [c for c in BRIDGE_COLUMNS if not c.endswith("customers")]
    out[money] = out[money].round(2)
    return out


def segments_table(report) -> pd.DataFrame:
    """segments.csv: segment profiles with their interval and first (top) recommendation."""
    a = report.analysis
    profiles = a.profiles.copy()
    intervals = getattr(a, "intervals", None)
    if intervals is not None:
        profiles["clv_12m_low"] = profiles["segment"].map(intervals["lower"]).fillna(profiles["clv_12m"])
        profiles["clv_12m_high"] = profiles["segment"].map(intervals["upper"]).fillna(profiles["clv_12m"])
        if "total" in intervals.index:
            total = profiles["segment"] == "all"
            profiles.loc[total, "clv_12m_low"] = float(intervals.loc["total", "lower"])
            profiles.loc[total, "clv_12m_high"] = float(intervals.loc["total", "upper"])
    recs = a.recommendations
    first = recs[recs["action_rank"] == 1].set_index("segment")
    keep = ["priority", "lever_name", "action", "value_base", "value_at_stake", "expected_gain_mid",
            "max_spend_per_customer_mid", "kpi", "kpi_baseline", "test_verdict", "holdout_share",
            "control_customers", "mde_at_reference_holdout"]
    out = profiles.rename(columns={"name": "segment_name"}).set_index("segment").join(first[keep], how="left")
    out["priority"] = out["priority"].astype("Int64")
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(4 if "share" in column or "prob" in column or "baseline" in column
                                            or "index" in column or "mde" in column else 2)
    return out


def save_outputs(report) -> H.Chapter:
    """Write every output into the report's output folder; return a short note (not shown in the report)."""
    out = Path(report.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    customers = customers_table(report)
    write_csv(customers, out / "customers.csv")
    try:
        write_xlsx(customers, out / "customers.xlsx", "customers", date_columns=DATE_COLUMNS)
    except ValueError:  # beyond Excel's 1,048,575 rows: customers.csv alone holds them (the appendix says so)
        pass
    write_csv(segments_table(report), out / "segments.csv")
    channels = new_customers.channels_table(report)
    if channels is not None:
        write_csv(channels, out / "channels.csv")
    if report.subscription:
        write_csv(bridge_table(report), out / "mrr_bridge.csv")
    write_csv(report.analysis.data.ledger.to_frame(), out / "data_quality.csv", index=False, float_format="%.2f")
    forecast = write_forecast(report, out)
    (out / "kpis.json").write_text(json.dumps(report.headline, indent=1, ensure_ascii=False), encoding="utf-8")
    meta = {**report.meta(), **run_metadata(report, forecast)}
    (out / "report_meta.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
    files = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
    note = H.chapter(None, None, H.p(report.t("outputs.written", folder=str(out), files=", ".join(files))))
    note.page_break = False
    return note
