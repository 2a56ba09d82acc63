"""Chapter 1: the cover (client, period, cut-off, currency, horizons, margin, discount rate) and the stylesheet."""

from __future__ import annotations

from clv_lib.report import html as H


def render(r) -> H.Chapter:
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
    contents = "".join(f"<li>{H.e(t(f'toc.{key}'))}</li>" for key in TOC)
    return H.Chapter(
        f'{H.stylesheet()}<div class="clv"><div class="cover">'
        f'<div class="brand">{H.e(t("report.brand"))}</div>'
        f'<div class="title"><h1>{H.e(t("report.title"))}</h1>'
        f'<div class="client">{H.e(t("cover.prepared_for"))} <strong>{H.e(p.client_name)}</strong></div>'
        f'{H.definition_list(facts)}'
        f'<h3>{H.e(t("toc.title"))}</h3><ol class="toc">{contents}</ol></div>'
        f'<div class="muted">{H.e(t("cover.confidential"))}</div></div></div>')


TOC = ("summary", "data", "kpis", "concentration", "cohorts", "segments", "predicted", "economics", "validation",
       "actions", "appendix")
