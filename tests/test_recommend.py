"""Recommendations and the playbook (clv_lib.insights.recommend, clv_lib.insights.playbook.yaml)."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest
import yaml

from clv_lib.exceptions import ModelInputError, ParamsError
from clv_lib.insights import ab_test, recommend as rc
from clv_lib.insights.risk import QUADRANTS, risk_view
from clv_lib.insights.rfm_segments import SEGMENTS, rfm_segments
from clv_lib.insights.subscription_segments import SUBSCRIPTION_SEGMENTS, subscription_segments
from clv_lib.insights.value_tiers import TIERS, value_tiers
from cdnow_customers import customers as cdnow_customers


@pytest.fixture(scope="module")
def cdnow():
    table = cdnow_customers()
    return table, rfm_segments(table)["segment"]


def _other_client(table: pd.DataFrame, copies: int = 20) -> pd.DataFrame:
    """A second, larger client with flatter revenue and healthier customers, built from CDNOW's shape."""
    frames = []
    for k in range(copies):
        frame = table.copy()
        frame.index = [f"b{k:02d}-{i}" for i in table.index]
        frames.append(frame)
    other = pd.concat(frames)
    other["revenue"] = 50.0 + 5.0 * other["orders"]
    other["prob_alive"] = np.clip(other["prob_alive"] + 0.5, 0, 1)
    other.index.name = "customer_id"
    return other


def _raw_playbook() -> dict:
    return yaml.safe_load(resources.files("clv_lib.insights").joinpath("playbook.yaml").read_text("utf-8"))


def _texts(node, path=""):
    """Yield (path, dict) for every {en, it} text node in the raw playbook."""
    if isinstance(node, dict):
        if "en" in node or "it" in node:
            yield path, node
        else:
            for key, value in node.items():
                yield from _texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}[{i}]")


def test_playbook_texts_exist_in_both_languages():
    nodes = list(_texts(_raw_playbook()))
    assert len(nodes) > 50
    assert set(rc.load_playbook().notes) == set(rc.NOTES)
    for path, node in nodes:
        assert set(node) == {"en", "it"}, path
        assert all(isinstance(v, str) and v.strip() for v in node.values()), path
        assert node["en"] != node["it"] or len(node["en"]) < 20, path  # long texts are actually translated


def test_playbook_covers_every_segment_and_lever():
    book = rc.load_playbook()
    families = {"transactional": [*SEGMENTS, *QUADRANTS, *TIERS], "subscription": [*SUBSCRIPTION_SEGMENTS,
                                                                                    *QUADRANTS, *TIERS]}
    for model, keys in families.items():
        for key in [*keys, "some_plan"]:
            rules = book.rules_for(key, model)
            assert any(not rule.when for rule in rules), (model, key)  # one rule without conditions: always covered
    assert {r.lever for r in book.rules} == set(book.levers)
    assert {r.objective for r in book.rules} <= set(book.objectives)
    for rule in book.rules:
        assert rule.uplift.high <= 0.20  # planning assumptions stay conservative


def test_cdnow_recommendations(cdnow):
    table, segments = cdnow
    result = rc.recommend(table, segments)
    present = set(segments.astype(str))
    assert set(result["segment"]) == present
    assert result.groupby("segment")["action_rank"].max().le(2).all()
    assert not result.isna().any().any()
    lead = result[result["action_rank"] == 1].sort_values("priority")
    assert lead["priority"].tolist() == list(range(1, len(present) + 1))
    assert lead["expected_gain_mid"].is_monotonic_decreasing
    # money recomputed from the customer table
    champions = table[segments == "champions"]
    row = result[(result["segment"] == "champions") & (result["action_rank"] == 1)].iloc[0]
    assert row["rule_id"] == "champions_protect"  # CDNOW champions hold 41 % of revenue
    assert row["value_at_stake"] == pytest.approx(champions["clv_12m"].sum())
    assert row["max_spend_per_customer_mid"] == pytest.approx(row["uplift_mid"] * champions["clv_12m"].mean())
    assert row["expected_gain_high"] == pytest.approx(row["uplift_high"] * champions["clv_12m"].sum())
    loyal = table[segments == "loyal"]
    row = result[(result["segment"] == "loyal") & (result["action_rank"] == 1)].iloc[0]
    assert row["rule_id"] == "loyal_slipping"  # BG/NBD: lapsed frequent buyers, mean P(alive) 0.30
    p = loyal["prob_alive"]
    assert row["value_at_stake"] == pytest.approx((loyal["clv_12m"] * np.minimum((1 - p) / p, 99)).sum())
    e = loyal["expected_purchases_12m"]
    assert row["kpi_baseline"] == pytest.approx((p * (1 - np.exp(-(e / p) * 3 / 12))).mean())


def test_test_verdicts_follow_the_power_calculation(cdnow):
    table, segments = cdnow
    for _, row in rc.recommend(table, segments).iterrows():
        half = row["customers"] // 2
        best = ab_test.achieved_power(row["kpi_baseline"], row["kpi_baseline"] + row["test_effect"],
                                      row["customers"] - half, half) if half else 0.0
        if row["test_verdict"] == "ab_test":
            assert row["test_power"] >= 0.8 and row["holdout_share"] > 0
        else:
            assert row["holdout_share"] == 0 and row["control_customers"] == 0
            events_ok = row["customers"] * 0.5 * min(row["kpi_baseline"], 1 - row["kpi_baseline"]) >= 5
            assert best < 0.8 or not events_ok
    tiny = rc.recommend(table, segments)
    assert (tiny.loc[tiny["segment"] == "cant_lose", "test_verdict_name"] ==
            "Too small to test: roll out and monitor").all()


def test_two_clients_get_different_recommendations(cdnow):
    table, segments = cdnow
    first = rc.recommend(table, segments)
    other = _other_client(table)
    second = rc.recommend(other, rfm_segments(other)["segment"])
    pick = lambda r, s: r.loc[(r["segment"] == s) & (r["action_rank"] == 1), "rule_id"].item()  # noqa: E731
    assert pick(first, "champions") == "champions_protect" and pick(second, "champions") == "champions_referral"
    assert pick(first, "loyal") == "loyal_slipping" and pick(second, "loyal") != "loyal_slipping"
    assert "ab_test" in set(second["test_verdict"])  # 47,140 customers: the larger segments can be tested
    assert first.loc[first["segment"] == "champions", "test_verdict"].iloc[0] == "too_small"
    assert first["segment"].tolist() != second["segment"].tolist()  # a different ranking by money at stake


def test_italian_texts(cdnow):
    table, segments = cdnow
    result = rc.recommend(table, segments, language="it")
    row = result[result["segment"] == "cant_lose"].iloc[0]
    assert row["segment_name"] == "Da non perdere"
    assert row["lever_name"] == "Contatto proattivo del customer success"
    assert row["kpi"].startswith("Quota di clienti che acquistano entro 3 mesi")
    assert row["test_verdict_name"].startswith("Troppo piccolo")


def test_other_segmentations(cdnow):
    table, _ = cdnow
    quadrants = rc.recommend(table, risk_view(table).customers["quadrant"])
    assert set(quadrants["rule_id"]) >= {"high_value_at_risk_win_back", "high_value_active_recognise"}
    tiers = rc.recommend(table, value_tiers(table))
    assert tiers.loc[tiers["priority"] == 1, "segment"].iloc[0] == "top_10"  # most predicted CLV (39 %)
    plans = pd.Series(np.where(table["orders"] >= 4, "gold", "basic"), index=table.index)
    custom = rc.recommend(table, plans)
    assert custom.loc[custom["segment"] == "gold", "rule_id"].iloc[0] == "any_high_value"
    assert custom.loc[custom["segment"] == "basic", "rule_id"].iloc[-1] == "any_automation"


def _subscription_base(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    tenure = rng.integers(0, 40, size=n).astype(float)
    churned = rng.random(n) < 0.25
    mrr = rng.choice([19.0, 49.0, 199.0], size=n, p=[0.5, 0.35, 0.15])
    retention = (1.182 + tenure) / (0.704 + 1.182 + tenure)  # sBG, Fader & Hardie (2007) "regular" segment
    p = np.where(churned, 0.0, retention)
    return pd.DataFrame({
        "tenure_months": tenure, "churned": churned, "mrr": mrr, "plan": "x", "prob_alive": p,
        "revenue": mrr * np.maximum(tenure, 1), "clv_12m": np.where(churned, 0.0, mrr * 0.8 * 12 * p),
        "clv_24m": np.where(churned, 0.0, mrr * 0.8 * 20 * p),
    }, index=[f"s{i}" for i in range(n)])


def test_subscription_client():
    table = _subscription_base()
    segments = subscription_segments(table).customers["segment"]
    with pytest.raises(ModelInputError, match="gross_margin"):
        rc.recommend(table, segments, business_model="subscription")
    result = rc.recommend(table, segments, business_model="subscription", gross_margin=0.8)
    churned = result[result["segment"] == "churned"].iloc[0]
    assert churned["rule_id"] == "churned_win_back"
    assert churned["kpi_baseline"] == 0.03 and churned["kpi_baseline_source"] == "assumed"
    assert churned["value_at_stake"] == pytest.approx(0.8 * table.loc[table["churned"], "revenue"].sum())
    onboarding = result[result["segment"] == "onboarding"].iloc[0]
    assert onboarding["kpi_metric"] == "retention_rate"
    assert onboarding["kpi_baseline"] == pytest.approx(table.loc[segments == "onboarding", "prob_alive"].mean())
    assert not result.isna().any().any()


def test_purchase_rate_by_hand():
    # alive for sure, 12 purchases a year, 3 months: 1 - exp(-3)
    assert rc.purchase_rate([1.0], [12.0], 3) == pytest.approx(1 - np.exp(-3))
    # alive with probability 0.5; E = 6 a year means 12 a year when alive
    assert rc.purchase_rate([0.5], [6.0], 3) == pytest.approx(0.5 * (1 - np.exp(-3)))
    assert rc.purchase_rate([0.0, 1.0], [0.0, 0.0], 6) == 0.0


@pytest.mark.parametrize("mutate, message", [
    (lambda b: b["rules"][0]["uplift"].update(low=0.5), "low <= mid <= high"),
    (lambda b: b["rules"][0].update(lever="telepathy"), "unknown lever"),
    (lambda b: b["rules"][0].update(when=["clv_index >> 2"]), "is not 'metric <op> number'"),
    (lambda b: b["rules"][0].update(when=["happiness > 2"]), "unknown metric"),
    (lambda b: b["rules"][0]["action"].pop("it"), "rules.0.action.it"),
    (lambda b: b["rules"][0].update(segments=["champs"]), "unknown segment"),
    (lambda b: b["rules"][1].update(id=b["rules"][0]["id"]), "duplicated rule id"),
    (lambda b: b["kpis"]["purchase_rate"].update(it="Quota di clienti"), "must contain {months}"),
])
def test_invalid_playbooks_raise_one_line_errors(tmp_path, mutate, message):
    book = _raw_playbook()
    mutate(book)
    path = tmp_path / "playbook.yaml"
    path.write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError, match=message) as info:
        rc.load_playbook(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_custom_playbook_without_a_rule_for_a_segment(tmp_path, cdnow):
    table, segments = cdnow
    book = _raw_playbook()
    book["rules"] = [r for r in book["rules"] if "lost" not in r["segments"] and r["segments"] != ["*"]]
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ModelInputError, match="no rule for segment 'lost'"):
        rc.recommend(table, segments, playbook=path)
    with pytest.raises(ParamsError, match="cannot be read"):
        rc.load_playbook(tmp_path / "missing.yaml")
