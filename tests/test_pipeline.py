"""The analysis pipeline's guards: what a client with too little data gets instead of a model fitted on noise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clv_lib.exceptions import ModelInputError
from clv_lib.params import load_params
from clv_lib.params.period import parse_period
from clv_lib.pipeline import analysis_for

ROOT = Path(__file__).resolve().parents[1]


def test_subscriptions_with_too_little_history_get_counts_and_the_fix():
    """Three months into the demo SaaS's life only 28 subscribers have reached a renewal: below the 30 a retention
    model needs, so the run stops with the counts, the cut-off and what to change (a later PERIOD)."""
    params = load_params(ROOT / "params" / "demo-subscription.yaml")
    analysis = analysis_for("demo-subscription", params, parse_period("2022-03"), "en", ROOT)
    tenure = analysis.tenure
    reached = int((tenure["tenure"] >= 1).sum())
    assert 0 < reached < 30
    with pytest.raises(ModelInputError) as error:
        analysis.retention_models
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("data/demo/subscriptions.csv: too little history")
    assert f"{reached:,} of {len(tenure):,} subscribers reached a renewal" in message
    assert "2022-03-31" in message and "choose a later PERIOD" in message


def test_subscriptions_with_enough_history_fit_a_retention_model_per_contract_length():
    params = load_params(ROOT / "params" / "demo-subscription.yaml")
    analysis = analysis_for("demo-subscription", params, parse_period("2022-12"), "en", ROOT)
    models = analysis.retention_models
    assert set(models) == set(float(m) for m in analysis.tenure["period_months"].unique())


def test_a_period_after_the_data_names_the_last_date_and_the_latest_period():
    from clv_lib.exceptions import DataError

    params = load_params(ROOT / "params" / "demo.yaml")
    analysis = analysis_for("demo", params, parse_period("2031Q1"), "en", ROOT)
    last = analysis.last_data_date
    with pytest.raises(DataError) as error:
        analysis.period
    assert str(error.value) == (f"data/demo/orders.csv: PERIOD 2031Q1 starts after the last order in the data "
                                f"({last.date()}); the latest complete period is 2025-12")


def test_no_repeat_buyer_at_all_points_at_the_customer_id_column(tmp_path):
    """A customer id that is really an order id (guest checkouts): nobody ever buys twice. The models would have
    nothing to learn from, so the run stops and says which column to check (before any lapse threshold)."""
    import pandas as pd

    from clv_lib.exceptions import DataError
    from clv_lib.params.schema import ClientParams

    orders = pd.read_csv(ROOT / "data" / "demo" / "orders.csv", sep=";", dtype=str, encoding="utf-8-sig")
    path = tmp_path / "guest_orders.csv"
    orders.dropna(subset=["Cliente"]).drop_duplicates("Cliente").assign(Valuta="EUR").to_csv(path, sep=";",
                                                                                          index=False)
    params = ClientParams(client_name="Guests", business_model="transactional", currency="EUR", gross_margin=0.4,
                          data={"path": str(path), "dayfirst": True, "decimal": ","})
    analysis = analysis_for("guests", params, None, "en", ROOT)
    for step in ("lapse", "summary"):
        with pytest.raises(DataError, match=r"guest_orders\.csv: none of the [\d,]+ customers bought on two "
                                            r"different days .* check that column 'Cliente' identifies customers"):
            getattr(analysis, step)


def test_no_revenue_at_all_points_at_the_amount_column(tmp_path):
    """Every order at 0 (an amount column that is really a discount or a quantity left blank): there is no value to
    report, so the run stops and names the column, in the client's language, instead of failing deep in the report
    with "no customer has a positive value"."""
    import pandas as pd

    from clv_lib.exceptions import DataError
    from clv_lib.params.schema import ClientParams

    orders = pd.read_csv(ROOT / "data" / "demo" / "orders.csv", sep=";", dtype=str, encoding="utf-8-sig")
    path = tmp_path / "free_orders.csv"
    orders.assign(Importo="0,00", Valuta="EUR").to_csv(path, sep=";", index=False)
    params = ClientParams(client_name="Free", business_model="transactional", currency="EUR", gross_margin=0.4,
                          language="it", data={"path": str(path), "dayfirst": True, "decimal": ","})
    with pytest.raises(DataError) as error:
        analysis_for("free", params, None, "it", ROOT).summary
    assert re.fullmatch(r".*free_orders\.csv: gli ordini di tutti i [\d.]+ clienti fino al 2025-12-31 non danno alcun "
                        r"fatturato \(la colonna 'Importo' è 0 o meno per ogni cliente\).*", error.value.render("it"))
    assert "column 'Importo' holds the order amount" in error.value.render("en")


def test_without_a_measured_month_of_churn_there_are_no_unit_economics():
    """The demo shop's first month: every customer is new, so no month starts with customers live and no lapse churn
    can be measured. The analysis says so itself (unit economics None), as the report does, instead of handing an
    analyst 0% churn, the ten-year lifetime cap and an LTV built on them; the next month has both."""
    params = load_params(ROOT / "params" / "demo.yaml")
    first = analysis_for("demo", params, parse_period("2023-01"), "en", ROOT)
    assert first.trailing_kpis.trailing_churn_rate is None and first.unit_economics is None
    second = analysis_for("demo", params, parse_period("2023-02"), "en", ROOT)
    economics = second.unit_economics
    assert economics.churn_rate == second.trailing_kpis.trailing_churn_rate > 0
    assert not economics.lifetime.capped


def _with_cac(client: str, cac):
    params = load_params(ROOT / "params" / f"{client}.yaml")
    return analysis_for(client, params.model_copy(update={"cac": cac}), None, "en", ROOT)


def test_a_cac_per_channel_is_weighted_by_each_channels_new_customers_and_unpriced_channels_are_named():
    """One blended CAC for both business models: the per-channel CACs weighted by the customers each channel
    acquired in the last 12 months. A channel of the data without a CAC is left out of the blend and named (before,
    subscriptions took the plain mean of the CACs given, and orders quietly did so when no channel matched); when
    no channel of the data has a CAC the CAC is unknown, not the mean of CACs for channels the data does not have."""
    demo = _with_cac("demo", {"search": 38.0, "social": 27.0, "email": 9.0, "marketplace": 22.0})
    h = demo.history
    counts = h.loc[h["first_order"] >= demo.trailing_start, "channel"].value_counts()
    expected = sum({"search": 38.0, "social": 27.0, "email": 9.0, "marketplace": 22.0}[c] * n for c, n in
                   counts.items()) / counts.sum()
    assert set(counts.index) == {"search", "social", "email", "marketplace"}
    assert demo.blended_cac == pytest.approx(expected, rel=1e-12) and not demo.notes

    partial = _with_cac("demo", {"search": 38.0, "web": 10.0})
    assert partial.blended_cac == 38.0
    (note,) = partial.notes
    assert note.key == "cac.unpriced_channels" and note.values["given"] == "search, web"
    assert note.values["customers"] == counts.drop("search").sum()
    assert note.values["share"] == round(100 * counts.drop("search").sum() / counts.sum(), 1)

    nowhere = _with_cac("demo", {"web": 10.0, "shop": 12.0})
    assert nowhere.blended_cac is None and [n.key for n in nowhere.notes] == ["cac.no_priced_channel"]

    saas = _with_cac("demo-subscription", {"organic": 500.0, "paid_search": 900.0, "partner": 700.0,
                                           "outbound": 1200.0, "event": 1500.0})
    starts = saas.subscriber_starts
    counts = starts.loc[starts["start_date"] >= saas.trailing_start, "channel"].value_counts()
    cac = {"organic": 500.0, "paid_search": 900.0, "partner": 700.0, "outbound": 1200.0, "event": 1500.0}
    assert saas.blended_cac == pytest.approx(sum(cac[c] * n for c, n in counts.items()) / counts.sum(), rel=1e-12)
    assert saas.blended_cac != pytest.approx(sum(cac.values()) / len(cac))  # not the plain mean
