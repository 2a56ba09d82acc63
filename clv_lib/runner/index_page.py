"""A client's index page, `reports/<client>/index.html`: every published period with its headline numbers and
links to its HTML and PDF, a trend chart of those numbers across periods and, for each earlier report, how its
forecast turned out according to the latest report. Rebuilt after every run; self-contained like the reports
(inline CSS, charts as SVG data URIs, no script, relative links only).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd

from clv_lib.exceptions import ClvError
from clv_lib.params import check_client_name, load_params, params_path, parse_period, project_root
from clv_lib.runner.publish import write_atomic

INDEX_FILE = "index.html"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def published_periods(client_dir: Path) -> list[dict]:
    """Published period folders of a client, oldest first: label, folder, kpis, meta."""
    found = []
    for kpis_path in Path(client_dir).glob("*/kpis.json"):
        folder = kpis_path.parent
        try:
            period = parse_period(folder.name)
        except ClvError:
            continue
        if not (folder / "clv_report.html").is_file():
            continue
        try:
            kpis = json.loads(kpis_path.read_text(encoding="utf-8"))
            meta_path = folder / "report_meta.json"
            meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        except (OSError, ValueError):
            continue
        found.append({"label": period.label, "end": period.end, "folder": folder, "kpis": kpis, "meta": meta})
    return sorted(found, key=lambda r: r["end"])


def write_index(client: str, root: Path | None = None) -> Path:
    """(Re)build `reports/<client>/index.html` from the published reports; return its path."""
    root = root or project_root()
    check_client_name(client)
    client_dir = root / "reports" / client
    reports = published_periods(client_dir)
    if not reports:
        raise ClvError(key="runner.nothing_to_index", client=client)
    path = params_path(client, root)
    params = load_params(path) if path.exists() else None
    latest = reports[-1]
    language = latest["meta"].get("language") or (params.language if params else "en")  # as the latest report
    html = render_index(reports, language, client_name=(params.client_name if params else None)
                        or latest["meta"].get("client_name", client), currency=latest["kpis"].get("currency", "EUR"))
    return write_atomic(client_dir / INDEX_FILE, html)


def _active_key(latest: dict) -> str:
    """Active subscribers for a subscription client, active customers otherwise."""
    return "since.metric.active_subscribers" if latest["kpis"].get("business_model") == "subscription" \
        else "index.col.active"


def _checks(latest: dict) -> dict[str, dict]:
    """The latest report's track record, by the period of the report it checks."""
    return {entry["report_period"]: entry for entry in latest["kpis"].get("track_record") or []}


def _check_text(entry: dict | None, t, f) -> str:
    if not entry:
        return "–"
    count = "purchases_error" if "purchases_error" in entry else "active_subscribers_error"
    key = "index.check_orders" if count == "purchases_error" else "index.check_subscriptions"
    return t(key, count=_signed_pct(f, entry.get(count)), revenue=_signed_pct(f, entry.get("revenue_error")),
             months=f.number(entry["months_elapsed"]))


def _signed_pct(f, value) -> str:
    if value is None:
        return "–"
    text = f.pct(value, 0)
    return text if text.startswith(("-", "−", "–")) or round(value * 100) == 0 else "+" + text


def render_index(reports: list[dict], language: str, client_name: str, currency: str) -> str:
    """The index page's HTML for `reports` (oldest first, as `published_periods` returns them)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from clv_lib.report.fmt import Formatter
    from clv_lib.report.render import stylesheet
    from clv_lib.report.i18n import Texts

    t, f = Texts(language), Formatter(language, currency)
    latest = reports[-1]
    checks = _checks(latest)
    header = [(t("index.col.period"), False), (t("index.col.cutoff"), False), (t("col.customers"), True),
              (t(_active_key(latest)), True), (t("index.col.revenue"), True), (t("col.clv_12m"), True),
              (t("col.clv_24m"), True), (t("index.col.churn"), True), (t("index.col.model"), False),
              (t("index.col.check"), False), (t("index.col.report"), False)]
    rows = []
    for r in reversed(reports):
        k = r["kpis"]
        cutoff = k.get("cutoff") or r["meta"].get("cutoff")
        links = [(t("index.html"), f"{r['label']}/clv_report.html")]
        if (r["folder"] / "clv_report.pdf").is_file():
            links.append((t("index.pdf"), f"{r['label']}/clv_report.pdf"))
        cells = [(r["label"], False), (f.date(pd.Timestamp(cutoff), "short") if cutoff else "–", False),
                 (f.number(k.get("customers")), True), (f.number(k.get("active_customers")), True),
                 (f.money_compact(k.get("revenue")), True), (f.money_compact(k.get("clv_12m_total")), True),
                 (f.money_compact(k.get("clv_24m_total")), True), (f.pct(k.get("churn_rate_monthly")), True),
                 (k.get("model") or "–", False), (_check_text(checks.get(r["label"]), t, f), False)]
        rows.append({"cells": cells, "links": links})
    notes = [t("index.check_note", latest=latest["label"])] if checks else []
    if len(reports) == 1:
        notes.append(t("index.single"))
    texts = {"brand": t("report.brand"), "trend_title": t("index.trend_title"),
             "trend_caption": t("index.trend_caption"), "table_title": t("index.table_title")}
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["j2", "html"]))
    return env.get_template("client_index.html.j2").render(
        language=language, title=t("index.title", client=client_name), heading=t("index.title", client=client_name),
        lead=t("index.lead", reports=f.number(len(reports)), first=reports[0]["label"], last=latest["label"],
               updated=f.date(datetime.now())),
        stylesheet=stylesheet(), chart=_trend_chart(reports, t, f) if len(reports) > 1 else None,
        t=texts, header=header, rows=rows, notes=notes)


def _trend_chart(reports: list[dict], t, f) -> str:
    """The trend chart as an SVG data URI."""
    from clv_lib.report.render import figure_uri
    from clv_lib.report.series_charts import trends

    keys = ("customers", "active_customers", "revenue", "clv_12m_total", "clv_24m_total", "churn_rate_monthly")
    frame = pd.DataFrame([{k: r["kpis"].get(k) for k in keys} for r in reports],
                         index=[r["label"] for r in reports]).astype(float)
    labels = {"panels": {"customers": t("index.panel.customers"), "revenue": t("index.col.revenue"),
                         "clv": t("index.panel.clv"), "churn": t("index.col.churn")},
              "series": {"customers": t("col.customers"), "active_customers": t(_active_key(reports[-1])),
                         "clv_12m_total": t("col.clv_12m"), "clv_24m_total": t("col.clv_24m")}}
    return figure_uri(trends(frame, f, labels))
