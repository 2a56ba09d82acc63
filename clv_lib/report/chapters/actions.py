"""Chapter 11: the action plan — per segment, the actions of the playbook that fit its numbers, ranked by the
money at stake, with the break-even spend per customer, the KPI and the A/B test design."""

from __future__ import annotations

import pandas as pd

from clv_lib.report import charts
from clv_lib.report import html as H


def render(r) -> H.Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    recs = a.recommendations.sort_values(["priority", "action_rank"])
    parts = [H.p(t("actions.lead", margin=f.pct(r.params.gross_margin, 0)))]
    first = recs[recs["action_rank"] == 1]
    stake = pd.DataFrame({"value": first["value_at_stake"].to_numpy(),
                          "urgent": first["value_base"].eq("at_risk").to_numpy()},
                         index=[f"{p}. {n}" for p, n in zip(first["priority"], first["segment_name"])])
    parts.append(H.figure(charts.value_at_stake(stake, f, {"x": t("actions.chart.x")}), t("actions.chart.caption")))
    rows = []
    for row in recs.itertuples():
        rows.append((str(row.priority) if row.action_rank == 1 else "", row.segment_name if row.action_rank == 1 else "",
                     f.number(row.customers) if row.action_rank == 1 else "", row.lever_name,
                     f.money(row.value_at_stake), f.money(row.expected_gain_mid),
                     f.money(row.max_spend_per_customer_mid, 2), _test_short(r, row)))
    parts.append(H.table([t("actions.col.priority"), t("col.segment"), t("col.customers"), t("actions.col.lever"),
                          t("actions.col.stake"), t("actions.col.gain"), t("actions.col.max_spend"),
                          t("actions.col.test")], rows,
                         numeric=[True, False, True, False, True, True, True, False],
                         caption=t("actions.table.caption")))
    cards = [_card(r, segment, group) for segment, group in recs.groupby("priority", sort=True)]
    pairs = ["<tr>" + "".join(f"<td>{card}</td>" for card in cards[i:i + 2]) + ("<td></td>" if i + 1 == len(cards)
                                                                             else "") + "</tr>"
             for i in range(0, len(cards), 2)]
    parts.append(f'<div class="cards-section"><h3>{H.e(t("actions.cards.title"))}</h3>'
                 f'<table class="cardgrid"><tbody>{"".join(pairs)}</tbody></table></div>')
    parts.append(H.p(t("actions.assumptions"), "note"))
    return H.chapter("actions", t("toc.actions"), *parts)


def _test_short(r, row) -> str:
    t, f = r.t, r.fmt
    if row.test_verdict == "ab_test":
        return t("actions.test.short_ab", share=f.pct(row.holdout_share, 0))
    return t("actions.test.short_small")


def _test(r, row) -> str:
    t, f = r.t, r.fmt
    if row.test_verdict == "ab_test":
        return t("actions.test.ab", share=f.pct(row.holdout_share, 0), control=f.number(row.control_customers),
                 effect=f.pct(row.test_effect, 1), baseline=f.pct(row.kpi_baseline, 1))
    return t("actions.test.small", mde=f.pct(row.mde_at_reference_holdout, 1))


def _card(r, priority, group: pd.DataFrame) -> str:
    t, f = r.t, r.fmt
    head = group.iloc[0]
    items = []
    for row in group.itertuples():
        facts = [
            (t("actions.card.objective"), row.objective_name),
            (t("actions.card.stake"), f"{f.money(row.value_at_stake)} ({row.value_base_name})"),
            (t("actions.card.gain"), f"{f.money(row.expected_gain_low)} – {f.money(row.expected_gain_high)}"),
            (t("actions.card.max_spend"), f.money(row.max_spend_per_customer_mid, 2)),
            (t("actions.card.kpi"), f"{row.kpi} ({t('actions.card.baseline', value=f.pct(row.kpi_baseline, 1), source=t('actions.source.' + row.kpi_baseline_source))})"),
            (t("actions.card.test"), _test(r, row)),
        ]
        lines = "".join(f'<p class="fact"><span class="k">{H.e(k)}:</span> {H.e(v)}</p>' for k, v in facts)
        items.append(f"<li><strong>{H.e(row.lever_name)}</strong> — {H.e(row.action)}{lines}</li>")
    return (f'<div class="card"><h4>{H.e(str(priority))}. {H.e(head.segment_name)}</h4>'
            f'<p class="muted">{H.e(t("actions.card.size", customers=f.number(head.customers), share=f.pct(head.customer_share), alive=f.pct(head.mean_prob_alive, 0)))}</p>'
            f'<ul>{"".join(items)}</ul></div>')
