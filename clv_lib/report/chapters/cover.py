"""Chapter 1: the cover (client, period, cut-off, currency, horizons, margin, discount rate) and the stylesheet.

Layout: `templates/cover.html.j2`. Parts: texts `brand`, `title`, `prepared_for`, `client`, `contents.title`,
`contents` (the list of chapters), `confidential`; facts `facts`.
"""

from __future__ import annotations

from clv_lib.report import blocks as B
from clv_lib.report.chapter import Chapter


def render(r) -> Chapter:
    t, f, p = r.t, r.fmt, r.params
    horizons = ", ".join(t("cover.horizon_value", months=m) for m in r.analysis.horizons)
    facts = [
        (t("cover.period"), r.period.label),
        (t("cover.cutoff"), f.date(r.period.cutoff)),
        (t("cover.business_model"), t(f"cover.{p.business_model}")),
        (t("cover.currency"), p.currency),
        (t("cover.horizon"), horizons),
        (t("cover.margin"), f.pct(p.gross_margin, 0)),
        (t("cover.discount"), f.pct(p.annual_discount_rate, 1)),
        (t("cover.generated"), f.date(r.generated_at)),
    ]
    ch = Chapter("cover", None, template="cover.html.j2")
    ch.text("brand", t("report.brand"))
    ch.text("title", t("report.title"))
    ch.text("prepared_for", t("cover.prepared_for"))
    ch.text("client", p.client_name)
    ch.add(B.Facts(facts, name="facts"))
    ch.heading("contents.title", t("toc.title"))
    keys = [key for key in TOC if key != "since" or r.since.previous is not None]  # no earlier report: no chapter
    ch.bullets("contents", [t(f"toc.{key}") for key in keys], ordered=True, style="toc")
    ch.text("confidential", t("cover.confidential"))
    return ch


TOC = ("summary", "since", "data", "kpis", "concentration", "cohorts", "segments", "predicted", "economics", "validation",
       "actions", "appendix")
