"""Chapter 2: executive summary — KPI tiles, three findings written from the numbers, top three actions.

Parts: text `lead`, tiles `tiles`, heading `findings.title`, bullets `findings`, heading `actions.title`, bullets
`actions`, callout `reliability`, callout `history` (less than a year of data: which figures are provisional). Option `actions`: how many top actions to list (3).
"""

from __future__ import annotations

from clv_lib.report.chapter import Chapter
from clv_lib.report.chapters import new_customers
from clv_lib.report.churn_window import churn_measured, churn_window, short_history


def render(r, actions: int = 3) -> Chapter:
    t, f, h = r.t, r.fmt, r.headline
    ch = Chapter("summary", t("toc.summary"), first=True)
    ch.text("lead", t("summary.lead", client=r.params.client_name, period=r.period.label,
                      cutoff=f.date(r.period.cutoff)), "lead")
    ch.tiles("tiles", tiles(r))
    ch.heading("findings.title", t("summary.findings"))
    ch.bullets("findings", findings(r), ordered=True)
    ch.heading("actions.title", t("summary.top_actions"))
    ch.bullets("actions", top_actions(r, actions), ordered=True)
    verdict = h["validation_verdict"]
    kind = {"pass": "good", "warn": "warn", "fail": "bad"}.get(verdict, "warn")
    ch.callout("reliability", t(f"summary.reliability.{verdict.replace(' ', '_')}", model=h["model"]), kind)
    history = short_history(r)
    if history is not None:
        ch.callout("history", history, "warn")
    return ch


def tiles(r) -> list[tuple[str, str, str]]:
    t, f, h = r.t, r.fmt, r.headline
    if r.subscription:
        first = [
            (t("tiles.active_subscribers"), f.number(h["active_customers"]),
             t("tiles.of_subscribers", total=f.number(h["customers"]))),
            (t("tiles.mrr"), f.money_compact(h["mrr"]), t("tiles.arr", arr=f.money_compact(h["arr"]))),
        ]
        churn_sub = (t("tiles.logo_churn_sub", lifetime=f.number(h["lifetime_months"], 0), window=churn_window(r))
                     if churn_measured(r) else t("tiles.no_churn"))
    else:
        first = [
            (t("tiles.active_customers"), f.number(h["active_customers"]),
             t("tiles.of_customers", total=f.number(h["customers"]))),
            (t("tiles.revenue_12m"), f.money_compact(h["revenue"]),
             t("tiles.orders_aov", orders=f.number(h["orders"]), aov=f.money(h["aov"], 2))),
        ]
        churn_sub = (t("tiles.lapse_churn_sub", lifetime=f.number(h["lifetime_months"], 0), window=churn_window(r))
                     if churn_measured(r) else t("tiles.no_churn"))
    out = first + [
        (t("tiles.clv_12m"), f.money_compact(h["clv_12m_total"]),
         t("tiles.per_active", value=f.money(h["clv_12m_per_active_customer"], 2))),
        (t("tiles.clv_24m"), f.money_compact(h["clv_24m_total"]), t("tiles.discounted_margin")),
        (t("tiles.churn"), f.pct(h["churn_rate_monthly"]), churn_sub),
    ]
    if h["ltv_cac"] is not None:
        out.append((t("tiles.ltv_cac"), f.ratio(h["ltv_cac"]),
                    t("tiles.ltv_cac_sub", ltv=f.money(h["ltv"]), cac=f.money(h["cac"]))))
    elif h["ltv"] is None:  # no month's churn measured: no LTV to compare a CAC with
        out.append((t("tiles.ltv_cac"), "–", t("tiles.no_churn")))
    else:
        out.append((t("tiles.break_even_cac"), f.money(h["break_even_cac"]), t("tiles.no_cac")))
    return out


def findings(r) -> list[str]:
    """Three findings chosen from the numbers, most material first."""
    t, f, h, a = r.t, r.fmt, r.headline, r.analysis
    out: list[str] = []
    if h["top20_revenue_share"] is not None:
        out.append(t("findings.concentration", share=f.pct(h["top20_revenue_share"], 0),
                     clv_share=f.pct(h["top20_clv_share"], 0)))
    if h["winback_customers"] > 0 and h["winback_value_at_risk"] and h["winback_value_at_risk"] > 0:
        out.append(t("findings.at_risk", customers=f.number(h["winback_customers"]),
                     value=f.money(h["winback_value_at_risk"])))
    if r.subscription:
        k = a.trailing_kpis
        growth = (k.end_mrr / k.start_mrr - 1) if k.start_mrr else None
        out.append(t("findings.mrr", start=f.money(k.start_mrr), end=f.money(k.end_mrr),
                     growth=f.pct(growth) if growth is not None else "–", nrr=f.pct(k.nrr), grr=f.pct(k.grr)))
    else:
        k = a.trailing_kpis
        if h["churn_rate_monthly"] is not None:
            out.append(t("findings.repeat", repeat=f.pct(k.repeat_customer_share, 0), lapse=f.number(a.lapse.days),
                         churn=f.pct(h["churn_rate_monthly"]), lifetime=f.number(h["lifetime_months"], 0)))
    if h["ltv"] is None:
        pass  # no month's churn measured: no SaaS finding (the summary's history warning says why)
    elif h["ltv_cac"] is not None:
        key = "findings.ltv_cac_ok" if h["ltv_cac"] >= r.params.target_ltv_cac else "findings.ltv_cac_low"
        out.append(t(key, ratio=f.ratio(h["ltv_cac"]), target=f.ratio(r.params.target_ltv_cac),
                     payback=f.number(h["payback_months"], 1), max_cac=f.money(h["max_affordable_cac"])))
    else:
        out.append(t("findings.break_even", cac=f.money(h["break_even_cac"]),
                     max_cac=f.money(h["max_affordable_cac"]), target=f.ratio(r.params.target_ltv_cac)))
    best = new_customers.best_channel_sentence(r)
    if best:  # the channel that earns most per unit of acquisition spend (orders, model-based)
        out.insert(1, best)
    return out[:3]


def top_actions(r, n: int = 3) -> list[str]:
    t, f = r.t, r.fmt
    recs = r.analysis.recommendations
    first = recs[recs["action_rank"] == 1].sort_values("priority").head(n)
    return [t("summary.action_line", segment=row.segment_name, customers=f.number(row.customers),
              action=row.action, value=f.money(row.value_at_stake), gain=f.money(row.expected_gain_mid),
              spend=f.money(row.max_spend_per_customer_mid, 2))
            for row in first.itertuples()]
