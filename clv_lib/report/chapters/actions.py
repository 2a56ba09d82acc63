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
                     f.money(row.max_spend_per_customer_mid, 2), _test(r, row)))
    parts.append(H.table([t("actions.col.priority"), t("col.segment"), t("col.customers"), t("actions.col.lever"),
                          t("actions.col.stake"), t("actions.col.gain"), t("actions.col.max_spend"),
                          t("actions.col.test")], rows,
                         numeric=[True, False, True, False, True, True, True, False],
                         caption=t("actions.table.caption")))
    parts.append(H.h3(t("actions.cards.title")))
    cards = [_card(r, segment, group) for segment, group in recs.groupby("priority", sort=True)]
    parts.append(f'<div class="cards">{"".join(cards)}</div>')
    parts.append(H.p(t("actions.assumptions"), "note"))
    return H.chapter("actions", t("toc.actions"), *parts)


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
        items.append(
            f"<li><strong>{H.e(row.lever_name)}</strong> — {H.e(row.action)}"
            f"<dl><dt>{H.e(t('actions.card.objective'))}</dt><dd>{H.e(row.objective_name)}</dd>"
            f"<dt>{H.e(t('actions.card.stake'))}</dt><dd>{H.e(f.money(row.value_at_stake))} "
            f"({H.e(row.value_base_name)})</dd>"
            f"<dt>{H.e(t('actions.card.gain'))}</dt><dd>{H.e(f.money(row.expected_gain_low))} – "
            f"{H.e(f.money(row.expected_gain_high))}</dd>"
            f"<dt>{H.e(t('actions.card.max_spend'))}</dt><dd>{H.e(f.money(row.max_spend_per_customer_mid, 2))}</dd>"
            f"<dt>{H.e(t('actions.card.kpi'))}</dt><dd>{H.e(row.kpi)} "
            f"({H.e(t('actions.card.baseline', value=f.pct(row.kpi_baseline, 1), source=t('actions.source.' + row.kpi_baseline_source)))})</dd>"
            f"<dt>{H.e(t('actions.card.test'))}</dt><dd>{H.e(_test(r, row))}</dd></dl></li>")
    return (f'<div class="card"><h4>{H.e(str(priority))}. {H.e(head.segment_name)}</h4>'
            f'<p class="muted">{H.e(t("actions.card.size", customers=f.number(head.customers), share=f.pct(head.customer_share), alive=f.pct(head.mean_prob_alive, 0)))}</p>'
            f'<ul>{"".join(items)}</ul></div>')
