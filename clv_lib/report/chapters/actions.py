"""Chapter 11: the action plan — per segment, the actions of the playbook that fit its numbers, ranked by the
money at stake, with the break-even spend per customer, the KPI and the A/B test design.

Parts: text `lead`; figure `stake`; table `actions` (one row per action: priority, segment, customers, lever,
value at stake, expected gain, maximum spend per customer, test); layout `cards` (one card per segment, two per
row, `templates/action_cards.html.j2`); text `assumptions`. Option `segments`: only these segments (keys such as
`at_risk` or their names in the report's language).
"""

from __future__ import annotations

import pandas as pd

from clv_lib.report import blocks as B
from clv_lib.report import charts
from clv_lib.report.chapter import Chapter
from clv_lib.report.chapters.common import select_segments


def render(r, segments=None) -> Chapter:
    t, f, a = r.t, r.fmt, r.analysis
    recs = select_segments(r, a.recommendations, segments).sort_values(["priority", "action_rank"])
    ch = Chapter("actions", t("toc.actions"))
    ch.text("lead", t("actions.lead", margin=f.pct(r.params.gross_margin, 0)))
    first = recs[recs["action_rank"] == 1]
    stake = pd.DataFrame({"value": first["value_at_stake"].to_numpy(),
                          "urgent": first["value_base"].eq("at_risk").to_numpy()},
                         index=[f"{p}. {n}" for p, n in zip(first["priority"], first["segment_name"])])
    ch.figure("stake", charts.value_at_stake(stake, f, {"x": t("actions.chart.x")}), t("actions.chart.caption"))
    lead = recs["action_rank"] == 1
    table = pd.DataFrame({
        "priority": recs["priority"].astype(str).where(lead, ""),
        "segment": recs["segment_name"].where(lead, ""),
        "customers": recs["customers"].where(lead),
        "lever": recs["lever_name"],
        "value_at_stake": recs["value_at_stake"],
        "expected_gain": recs["expected_gain_mid"],
        "max_spend_per_customer": recs["max_spend_per_customer_mid"],
        "test": [_test_short(r, row) for row in recs.itertuples()],
    })
    ch.table("actions", table.reset_index(drop=True), caption=t("actions.table.caption"),
             formats={"customers": lambda v: f.number(v), "value_at_stake": "money", "expected_gain": "money",
                      "max_spend_per_customer": "money:2"},
             labels={"priority": t("actions.col.priority"), "segment": t("col.segment"),
                     "customers": t("col.customers"), "lever": t("actions.col.lever"),
                     "value_at_stake": t("actions.col.stake"), "expected_gain": t("actions.col.gain"),
                     "max_spend_per_customer": t("actions.col.max_spend"), "test": t("actions.col.test")},
             align_right={"priority", "customers", "value_at_stake", "expected_gain", "max_spend_per_customer"})
    cards = [_card(r, priority, group) for priority, group in recs.groupby("priority", sort=True)]
    ch.add(B.Layout("action_cards.html.j2", {"title": t("actions.cards.title"), "cards": cards}, name="cards"))
    ch.text("assumptions", t("actions.assumptions"), "note")
    return ch


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


def _card(r, priority, group: pd.DataFrame) -> dict:
    t, f = r.t, r.fmt
    head = group.iloc[0]
    items = []
    for row in group.itertuples():
        source = t("actions.source." + row.kpi_baseline_source)
        facts = [
            (t("actions.card.objective"), row.objective_name),
            (t("actions.card.stake"), f"{f.money(row.value_at_stake)} ({row.value_base_name})"),
            (t("actions.card.gain"), f"{f.money(row.expected_gain_low)} – {f.money(row.expected_gain_high)}"),
            (t("actions.card.max_spend"), f.money(row.max_spend_per_customer_mid, 2)),
            (t("actions.card.kpi"),
             f"{row.kpi} ({t('actions.card.baseline', value=f.pct(row.kpi_baseline, 1), source=source)})"),
            (t("actions.card.test"), _test(r, row)),
        ]
        items.append({"lever": row.lever_name, "action": row.action, "facts": facts})
    return {"heading": f"{priority}. {head.segment_name}", "items": items,
            "size": t("actions.card.size", customers=f.number(head.customers), share=f.pct(head.customer_share),
                      alive=f.pct(head.mean_prob_alive, 0))}
