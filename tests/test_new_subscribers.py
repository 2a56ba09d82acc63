"""What a new subscriber is worth, by acquisition channel or plan (clv_lib.value.new_subscriber,
clv_lib.pipeline.subscriber_acquisition), through the analysis and through the front door.

Anchors: under the sBG (Fader & Hardie 2007, "How to Project Customer Retention", J. Interactive Marketing 21(1))
a just-acquired customer is still a customer after t renewals with probability S(t), S(t) = S(t-1) r_t with the
retention rates r_t = (beta + t - 1) / (alpha + beta + t - 1) (eq. 8); her discounted expected lifetime, the sum
over t >= 0 of S(t) / (1 + d)^t, is 2F1(1, beta; alpha + beta; 1 / (1 + d)) (Fader & Hardie 2010, "Customer-Base
Valuation in a Contractual Setting: The Perils of Ignoring Heterogeneity", Marketing Science 29(1), DEL of a
customer at the start of her first period). Parameters: FH 2007's regular cohort (alpha 0.704, beta 1.182) and
high-end cohort (alpha 0.668, beta 3.806).

Generated subscription exports: three channels whose subscribers churn with theta ~ Beta(alpha, beta) of their
own (email loyal, social fickle) and a channel of a dozen subscribers; the channel models must be found
significant and used, the tiny channel valued with the largest, and the Italian report must show it all in HTML
and PDF. Subscribers of channels that do not differ must keep the pooled retention.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from clv_lib.models import ShiftedBetaGeoModel
from clv_lib.params import load_params
from clv_lib.pipeline import analysis_for
from clv_lib.value.acquisition import channel_budgets
from clv_lib.value.clv import monthly_rate
from clv_lib.value.new_subscriber import new_subscriber_value
from scratch import build, scratch_project

REGULAR = {"alpha": 0.704, "beta": 1.182}
HIGH_END = {"alpha": 0.668, "beta": 3.806}
END = pd.Timestamp("2025-12-31")
CHURN = {"search": (1.0, 8.0, 700), "social": (1.0, 3.0, 600), "email": (2.0, 30.0, 450), "tv": (1.0, 8.0, 12)}
SAME = {"search": (1.0, 6.0, 700), "social": (1.0, 6.0, 600), "email": (1.0, 6.0, 450)}
PLANS = {"Starter": 29.0, "Pro": 79.0, "Business": 199.0}


def fitted(params: dict) -> ShiftedBetaGeoModel:
    model = ShiftedBetaGeoModel().with_params(**params)
    model.log_param_covariance_ = np.diag([0.01, 0.02])
    return model


def one(months: float = 1.0, mrr: float = 1.0, **extra) -> pd.DataFrame:
    return pd.DataFrame({"mrr": [mrr], "period_months": [months], "cell": ["all"], **{k: [v] for k, v in extra.items()}})


def recursion(alpha: float, beta: float, periods: int) -> np.ndarray:
    """S(0..periods-1) by FH 2007's retention rates, eq. 8."""
    s = [1.0]
    for t in range(1, periods):
        s.append(s[-1] * (beta + t - 1) / (alpha + beta + t - 1))
    return np.array(s)


@pytest.mark.parametrize("params", [REGULAR, HIGH_END])
def test_a_new_monthly_subscriber_is_worth_her_discounted_expected_lifetime(params):
    rate = 0.10
    d = monthly_rate(rate)
    value = new_subscriber_value({("all", 1.0): fitted(params)}, one(), group=None, margin=1.0,
                                 annual_discount_rate=rate, horizons_months=(12, 36, 2400))
    row = value.table.loc["all"]
    s = recursion(params["alpha"], params["beta"], 36)
    assert row["clv_36m"] == pytest.approx(float(s @ (1 + d) ** -np.arange(36)), rel=1e-9)
    assert row["expected_months_12m"] == pytest.approx(float(s[:12].sum()), rel=1e-9)
    # Over 200 years the value is FH 2010's DEL, the closed form.
    del_ = special.hyp2f1(1.0, params["beta"], params["alpha"] + params["beta"], 1 / (1 + d))
    assert row["clv_2400m"] == pytest.approx(del_, rel=1e-6)
    # The cumulative margin (undiscounted) starts with the first month, paid for sure.
    assert value.cumulative_margin.loc["all", 0] == 1.0
    assert value.cumulative_margin.loc["all", 11] == pytest.approx(float(s[:12].sum()), rel=1e-9)


def test_an_annual_subscriber_renews_once_a_year_and_is_valued_monthly():
    value = new_subscriber_value({("all", 12.0): fitted(HIGH_END)}, one(12.0, mrr=50.0), group=None, margin=0.8,
                                 annual_discount_rate=0.0, horizons_months=(12, 36))
    s = recursion(HIGH_END["alpha"], HIGH_END["beta"], 3)
    assert value.table.loc["all", "clv_12m"] == pytest.approx(0.8 * 50 * 12)
    assert value.table.loc["all", "clv_36m"] == pytest.approx(0.8 * 50 * 12 * s.sum())
    assert value.table.loc["all", "expected_months_36m"] == pytest.approx(12 * s.sum())


def test_groups_average_their_own_subscribers_under_their_own_models():
    models = {("a", 1.0): fitted(REGULAR), ("b", 1.0): fitted(HIGH_END), ("b", 12.0): fitted(REGULAR)}
    acquisitions = pd.DataFrame({"channel": ["x", "x", "y", "y", "y"], "cell": ["a", "a", "b", "b", "b"],
                                 "period_months": [1.0, 1.0, 1.0, 12.0, 12.0], "mrr": [10.0, 30.0, 20.0, 5.0, 7.0]})
    value = new_subscriber_value(models, acquisitions, group="channel", margin=0.5, annual_discount_rate=0.12)
    unit = {key: new_subscriber_value({("all", key[1]): m}, one(key[1]), group=None, margin=0.5,
                                      annual_discount_rate=0.12).table.loc["all", "clv_36m"]
            for key, m in models.items()}
    x = (10 + 30) / 2 * unit[("a", 1.0)]
    y = (20 * unit[("b", 1.0)] + 12 * unit[("b", 12.0)]) / 3
    assert value.table.loc["x", "clv_36m"] == pytest.approx(x)
    assert value.table.loc["y", "clv_36m"] == pytest.approx(y)
    assert value.table.loc["all", "clv_36m"] == pytest.approx((2 * x + 3 * y) / 5)
    assert value.table.loc["y", "mrr"] == pytest.approx(32 / 3)
    assert (value.table["clv_36m_low"] < value.table["clv_36m"]).all()
    assert (value.table["clv_36m"] < value.table["clv_36m_high"]).all()
    budgets = channel_budgets(value, {"x": 100.0, "y": 10.0})
    assert budgets.loc["y", "rank"] == 1 and budgets.attrs["ranked_by"] == "margin_per_euro"


def test_the_interval_agrees_with_a_parametric_bootstrap():
    model = ShiftedBetaGeoModel().fit(pd.DataFrame({"tenure": [1, 2, 3, 4, 5, 6, 7, 7], "churned": [True] * 7 + [False]}),
                                      weights=np.array([131, 126, 90, 60, 42, 34, 26, 491], dtype=float))
    value = new_subscriber_value({("all", 1.0): model}, one(), group=None, margin=1.0, annual_discount_rate=0.1)
    rng = np.random.default_rng(0)
    draws = rng.multivariate_normal(np.log([model.params_["alpha"], model.params_["beta"]]),
                                    model.log_param_covariance_, 2000)
    values = [new_subscriber_value({("all", 1.0): ShiftedBetaGeoModel().with_params(alpha=np.exp(a), beta=np.exp(b))},
                                   one(), group=None, margin=1.0, annual_discount_rate=0.1).table.loc["all", "clv_36m"]
              for a, b in draws[:300]]
    low, high = np.quantile(values, [0.05, 0.95])
    row = value.table.loc["all"]
    assert row["clv_36m_low"] == pytest.approx(low, rel=0.03)
    assert row["clv_36m_high"] == pytest.approx(high, rel=0.03)


# ---- generated subscription exports ---------------------------------------------------------------------------------
def generated_subscriptions(channels: dict, *, seed: int = 0, with_channel: bool = True,
                            plans: dict | None = None) -> pd.DataFrame:
    """One monthly subscription per account, started uniformly over 2023-2025, churning at each renewal with her own
    theta ~ Beta(alpha, beta) of her channel; plans priced as PLANS."""
    rng = np.random.default_rng(seed)
    plans = plans or PLANS
    shares = np.array([0.5, 0.35, 0.15][:len(plans)]) / sum([0.5, 0.35, 0.15][:len(plans)])
    parts = []
    for i, (channel, (alpha, beta, n)) in enumerate(channels.items()):
        start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1080, n), unit="D") \
            + pd.to_timedelta(rng.integers(8 * 3600, 19 * 3600, n), unit="s")
        tenure = rng.geometric(rng.beta(alpha, beta, n))  # periods begun until the churn
        end = pd.Series([s + pd.DateOffset(months=int(t)) for s, t in zip(start, tenure)])  # test data only
        plan = rng.choice(list(plans), n, p=shares)
        parts.append(pd.DataFrame({"account_id": [f"{channel[:2].upper()}-{k:05d}" for k in range(n)],
                                   "subscription_id": [f"sub_{i}_{k}" for k in range(n)], "plan": plan,
                                   "started_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                   "canceled_at": end.where(end <= END).dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
                                   "price": [plans[p] for p in plan], "interval": "month", "source": channel}))
    out = pd.concat(parts, ignore_index=True).sort_values("started_at", kind="stable")
    return out if with_channel else out.drop(columns="source")


PARAMS = """\
client_name: "{name}"
business_model: subscription
currency: EUR
language: it
gross_margin: 0.8
annual_discount_rate: 0.10
{cac}data:
  path: data/{client}.csv
  columns: {{customer_id: account_id, subscription_id: subscription_id, plan: plan, start_date: started_at,
            end_date: canceled_at, amount: price, billing_interval: interval{channel}}}
  billing_interval_months: {{month: 1, year: 12}}
"""


def _client(root: Path, client: str, frame: pd.DataFrame, cac: str = "") -> Path:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "params").mkdir(exist_ok=True)
    frame.to_csv(root / "data" / f"{client}.csv", index=False)
    channel = ", channel: source" if "source" in frame.columns else ""
    (root / "params" / f"{client}.yaml").write_text(
        PARAMS.format(name=f"Abbonamenti {client}", client=client, cac=cac, channel=channel), encoding="utf-8")
    return root / "params" / f"{client}.yaml"


@pytest.fixture(scope="module")
def channels(tmp_path_factory):
    root = tmp_path_factory.mktemp("sub_channels")
    path = _client(root, "canali", generated_subscriptions(CHURN), "cac: {search: 200.0, social: 200.0, email: 120.0}\n")
    return analysis_for("canali", load_params(path), None, "it", root)


def test_channels_that_retain_differently_get_their_own_retention(channels):
    retention = channels.group_retention
    assert channels.acquisition_column == "channel" and retention.used and retention.p_value < 1e-4
    cells = retention.cells.loc[1.0]
    # FH 2007: E[theta] = alpha / (alpha + beta) per channel, as generated (1/9, 1/4, 1/16).
    for channel, (alpha, beta, _) in CHURN.items():
        if channel != "tv":
            assert cells.loc[channel, "churn_first_renewal"] == pytest.approx(alpha / (alpha + beta), rel=0.35)
    assert cells.loc["tv", "estimated_as"] == "search"  # a dozen subscribers: valued with the largest channel
    value = channels.new_customer.table
    assert value.loc["email", "clv_36m"] / value.loc["email", "mrr"] > value.loc["search", "clv_36m"] / \
        value.loc["search", "mrr"] > value.loc["social", "clv_36m"] / value.loc["social", "mrr"]
    # Each channel's value is new_subscriber_value under its own fitted model.
    recent = channels.acquisitions[channels.acquisitions["channel"] == "email"]
    alone = new_subscriber_value({("email", 1.0): retention.models[("email", 1.0)]}, recent.assign(cell="email"),
                                 group=None, margin=0.8, annual_discount_rate=0.10)
    assert value.loc["email", "clv_36m"] == pytest.approx(alone.table.loc["all", "clv_36m"], rel=1e-12)
    budgets = channels.channel_budgets
    assert budgets.loc["email", "rank"] == 1 and budgets.loc["social", "rank"] == 3
    assert budgets.loc["email", "payback_month"] < budgets.loc["search", "payback_month"]


def test_channels_that_retain_alike_keep_the_pooled_retention(tmp_path):
    path = _client(tmp_path, "uguali", generated_subscriptions(SAME, seed=4))
    a = analysis_for("uguali", load_params(path), None, "it", tmp_path)
    assert not a.group_retention.used and a.group_retention.p_value > 0.05
    assert set(a.acquisitions["cell"]) == {"all"}
    table = a.new_customer.table
    per_mrr = table["clv_36m"] / table["mrr"]
    assert per_mrr.max() == pytest.approx(per_mrr.min(), rel=1e-9)  # the same retention: only the MRR differs


def test_without_a_channel_the_plans_are_compared(tmp_path):
    path = _client(tmp_path, "piani", generated_subscriptions(SAME, seed=5, with_channel=False))
    a = analysis_for("piani", load_params(path), None, "en", tmp_path)
    assert a.acquisition_column == "plan"
    assert set(a.new_customer.table.index) == {"all", *PLANS}
    assert a.new_customer.table.loc["Business", "clv_36m"] > a.new_customer.table.loc["Starter", "clv_36m"]


def test_one_channel_and_one_plan_give_the_value_of_a_new_subscriber_overall(tmp_path):
    path = _client(tmp_path, "unico", generated_subscriptions({"web": (1.0, 6.0, 800)}, seed=6, plans={"Pro": 49.0}))
    a = analysis_for("unico", load_params(path), None, "en", tmp_path)
    assert a.acquisition_column is None and a.group_retention is None
    assert list(a.new_customer.table.index) == ["all"] and a.new_customer.table.loc["all", "mrr"] == 49.0
    assert list(a.channel_budgets.index) == ["all"] and np.isnan(a.channel_budgets.loc["all", "cac"])


# ---- through the front door -----------------------------------------------------------------------------------------
def _publish(root: Path, client: str, *args: str) -> Path:
    """Run the real report (runner, notebook, HTML, PDF) of `client` in the scratch project `root`."""
    scratch_project(root)
    return build(root, client, *args)


def _text(folder: Path) -> tuple[str, str]:
    """The report's HTML text (no markup, no images) and its PDF's text."""
    html = (folder / "clv_report.html").read_text(encoding="utf-8")
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html))))
    pypdf = pytest.importorskip("pypdf")
    pdf = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(folder / "clv_report.pdf").pages))
    return text, pdf


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sub_channels_report")
    _client(root, "canali", generated_subscriptions(CHURN), "cac: {search: 200.0, social: 200.0, email: 120.0}\n")
    return _publish(root, "canali")


@pytest.mark.slow
def test_italian_subscription_report_values_a_new_subscriber_per_channel(published):
    text, pdf = _text(published)
    for sentence in ("Quanto vale un nuovo abbonato, per canale di acquisizione", "stimato per canale e durata del "
                     "contratto", "Canone mensile iniziale", "CAC massimo sostenibile", "Che cosa distingue i canali",
                     "Disdetta al primo rinnovo", "tv ha troppo pochi abbonati arrivati a un rinnovo con contratto "
                     "mensile", "è valutato come search", "Quale numero usare per cosa",
                     "Caratteristiche degli abbonati che il modello di fidelizzazione può usare"):
        assert sentence in text, sentence
    assert re.search(r"social \(mensile\): [\d,]+% disdice al primo rinnovo, contro [\d,]+% per search", text)
    kpis = json.loads((published / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["best_channel_per_euro"] == "email"
    summary = text[text.index("Tre evidenze"):]
    assert "Email rende di più per unità spesa in acquisizione" in summary
    channels = pd.read_csv(published / "channels.csv", dtype={"channel": str}).set_index("channel")
    assert set(channels.index) == {"all", "search", "social", "email", "tv"}
    for channel, value in kpis["max_affordable_cac_by_channel"].items():
        assert channels.loc[channel, "max_affordable_cac"] == pytest.approx(value, abs=0.01)
        assert channels.loc[channel, "clv_36m_low"] < channels.loc[channel, "clv_36m"] < \
            channels.loc[channel, "clv_36m_high"]
    assert kpis["new_customer_clv_12m"] == pytest.approx(channels.loc["all", "clv_12m"], abs=0.01)
    assert channels.loc["email", "payback_month"] >= 0
    assert "Quanto vale un nuovo abbonato" in pdf and "Che cosa distingue i canali" in pdf
    assert "Email rende di più" in pdf


@pytest.mark.slow
def test_english_subscription_report_without_channels_compares_the_plans(tmp_path):
    _client(tmp_path, "plans", generated_subscriptions(SAME, seed=5, with_channel=False))
    text, pdf = _text(_publish(tmp_path, "plans", "--language", "en"))
    for sentence in ("What a new subscriber is worth, by plan", "Starting MRR", "All plans",
                     "Retention does not differ significantly between plans", "No CAC was given",
                     "Subscriber characteristics the retention model can use", "Plan at sign-up"):
        assert sentence in text, sentence
    assert "What a new subscriber is worth, by plan" in pdf and "Starting MRR" in pdf
