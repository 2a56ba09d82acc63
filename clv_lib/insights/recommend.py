"""Recommendations: each segment's actions from the playbook, with the money at stake, the break-even spend per
customer, the KPI and an A/B design, ranked by the money each action is expected to bring.

Everything is computed from the client's customer table (contract in clv_lib.insights.customer_table) and the
playbook (``playbook.yaml`` beside this module, or a file of the same shape):

- Which actions: the playbook rules whose conditions hold on the segment's profile, in playbook order.
- Value at stake of an action: the sum over the segment's customers of the rule's value base: predicted CLV
  (``clv``), value at risk = clv x (1 - P(alive)) / P(alive) (``at_risk``, see clv_lib.insights.risk) or
  historical revenue x gross margin (``revenue``). All in the report currency, margin-adjusted.
- Expected gain: uplift x value at stake, for the playbook's low / mid / high uplift assumptions.
- Maximum spend per customer that still pays back (break-even spend per contacted customer): uplift x value
  base per customer. Predicted CLV is already margin-adjusted and discounted, so this is incremental margin.
- KPI baseline: ``purchase_rate`` = mean over the segment of p (1 - exp(-(E / p) w / 12)), the chance of at
  least one purchase within w months for a customer alive with probability p who, alive, buys E / p times a
  year (E = expected purchases in 12 months; Poisson purchasing while alive, as in the BTYD models);
  ``retention_rate`` = mean P(alive); ``active_rate`` = the purchase rate for transactional clients, the
  retention rate for subscription ones; ``reactivation_rate`` = the playbook's stated baseline.
- A/B design: clv_lib.insights.ab_test.design_test for an effect of baseline x the rule's KPI lift.
- Priority: segments ranked by the expected gain of their first action (value at stake x mid uplift; 1 = most
  money expected), ties by value at stake.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Literal, Optional

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clv_lib.exceptions import ModelInputError, ParamsError
from clv_lib.insights import ab_test
from clv_lib.insights.customer_table import aligned, check_table, numeric
from clv_lib.insights.profiles import segment_names, segment_profiles
from clv_lib.insights.risk import QUADRANTS, value_at_risk
from clv_lib.insights.rfm_segments import SEGMENTS
from clv_lib.insights.subscription_segments import SUBSCRIPTION_SEGMENTS
from clv_lib.insights.value_tiers import TIERS
from clv_lib.insights.wording import LANGUAGES, check_language
from clv_lib.yaml_text import safe_load

ANY_SEGMENT = "*"
KNOWN_SEGMENTS = frozenset(SEGMENTS) | frozenset(QUADRANTS) | frozenset(TIERS) | frozenset(SUBSCRIPTION_SEGMENTS)
CONDITION_METRICS = (
    "customers", "customer_share", "revenue_share", "revenue_index", "clv_share", "clv_per_customer", "clv_index",
    "mean_prob_alive", "at_risk_customer_share", "clv_at_risk_share", "mean_orders",
    "mean_days_since_last_purchase", "mean_tenure_months", "mean_mrr",
)
KPI_METRICS = ("purchase_rate", "retention_rate", "active_rate", "reactivation_rate")
VALUE_BASES = ("clv", "at_risk", "revenue")
VERDICTS = ("ab_test", "too_small")
NOTES = ("value_at_stake", "max_spend", "uplift", "ab_test", "too_small")
_CONDITION = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$")
_COMPARE = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
    """One text in every report language."""

    en: str
    it: str

    @field_validator("en", "it")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be empty")
        return value


class Uplift(_Strict):
    """Assumed share of the value base an action adds per contacted customer: a low / mid / high range."""

    low: float = Field(gt=0, le=1)
    mid: float = Field(gt=0, le=1)
    high: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> "Uplift":
        if not self.low <= self.mid <= self.high:
            raise ValueError("uplift must satisfy low <= mid <= high")
        return self


class Kpi(_Strict):
    """The rate an A/B test reads after `window_months` and the relative lift it must detect."""

    metric: Literal["purchase_rate", "retention_rate", "active_rate", "reactivation_rate"]
    window_months: int = Field(ge=1, le=24)
    lift: float = Field(gt=0, le=5)
    baseline: Optional[float] = Field(None, gt=0, lt=1)

    @model_validator(mode="after")
    def _baseline(self) -> "Kpi":
        if (self.metric == "reactivation_rate") != (self.baseline is not None):
            raise ValueError("a baseline is required for reactivation_rate and only for it")
        return self


class Rule(_Strict):
    """One playbook entry: for which segments and conditions, which action, and its assumptions."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    segments: list[str] = Field(min_length=1)
    business_model: Literal["any", "transactional", "subscription"] = "any"
    when: list[str] = Field(default_factory=list)
    objective: str
    lever: str
    value_base: Literal["clv", "at_risk", "revenue"]
    uplift: Uplift
    kpi: Kpi
    action: Texts

    @field_validator("when")
    @classmethod
    def _conditions(cls, conditions: list[str]) -> list[str]:
        for condition in conditions:
            match = _CONDITION.match(condition)
            if not match:
                raise ValueError(f"condition {condition!r} is not 'metric <op> number'")
            if match.group(1) not in CONDITION_METRICS:
                raise ValueError(f"condition {condition!r}: unknown metric {match.group(1)!r}")
        return conditions

    @field_validator("segments")
    @classmethod
    def _segments(cls, segments: list[str]) -> list[str]:
        unknown = [s for s in segments if s != ANY_SEGMENT and s not in KNOWN_SEGMENTS]
        if unknown:
            raise ValueError(f"unknown segment key(s) {', '.join(unknown)}")
        return segments

    def holds(self, metrics: dict[str, float]) -> bool:
        """Return True when every condition holds on `metrics`; a metric that is absent never holds."""
        for condition in self.when:
            name, op, number = _CONDITION.match(condition).groups()
            if name not in metrics or not _COMPARE[op](metrics[name], float(number)):
                return False
        return True


class Playbook(_Strict):
    """The whole playbook: texts for levers, objectives, value bases, KPIs, verdicts and the method notes the
    report's appendix prints (`notes`), and the rules."""

    version: Literal[1]
    levers: dict[str, Texts]
    objectives: dict[str, Texts]
    value_bases: dict[str, Texts]
    kpis: dict[str, Texts]
    notes: dict[str, Texts]
    verdicts: dict[str, Texts]
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "Playbook":
        ids = [r.id for r in self.rules]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"duplicated rule id(s) {', '.join(duplicated)}")
        for section, required in (("kpis", KPI_METRICS), ("value_bases", VALUE_BASES), ("verdicts", VERDICTS),
                                  ("notes", NOTES)):
            missing = set(required) - set(getattr(self, section))
            if missing:
                raise ValueError(f"{section} lacks {', '.join(sorted(missing))}")
        for rule in self.rules:
            if rule.lever not in self.levers:
                raise ValueError(f"rule {rule.id}: unknown lever {rule.lever!r}")
            if rule.objective not in self.objectives:
                raise ValueError(f"rule {rule.id}: unknown objective {rule.objective!r}")
        for key, texts in self.kpis.items():
            for language in LANGUAGES:
                if "{months}" not in getattr(texts, language):
                    raise ValueError(f"kpis.{key}.{language} must contain {{months}}")
        return self

    def rules_for(self, segment: str, business_model: str) -> list[Rule]:
        """Return the rules that may apply to `segment` (its own, or the '*' rules when it has none), in order."""
        fits = [r for r in self.rules if r.business_model in ("any", business_model)]
        own = [r for r in fits if segment in r.segments]
        return own or [r for r in fits if ANY_SEGMENT in r.segments]


def load_playbook(path: str | Path | None = None) -> Playbook:
    """Read and validate a playbook YAML file (default: the packaged ``playbook.yaml``); ParamsError if invalid."""
    if path is None:
        name = "playbook.yaml (packaged)"
        text = resources.files("clv_lib.insights").joinpath("playbook.yaml").read_text(encoding="utf-8")
    else:
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ParamsError(f"playbook {name}: cannot be read ({exc.strerror or exc})") from None
    try:
        raw = safe_load(text) if path is None else yaml.safe_load(text)  # the packaged file with libyaml
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ParamsError(f"playbook {name}: not valid YAML{where}") from None
    try:
        return Playbook.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "top level"
        raise ParamsError(f"playbook {name}: {location}: {first['msg']} ({exc.error_count()} error(s))") from None


def _condition_metrics(profile: pd.Series, clv_col: str) -> dict[str, float]:
    names = {
        "customers": "customers", "customer_share": "customer_share", "revenue_share": "revenue_share",
        "revenue_index": "revenue_index", "clv_share": f"{clv_col}_share",
        "clv_per_customer": f"{clv_col}_per_customer", "clv_index": "clv_index",
        "mean_prob_alive": "mean_prob_alive", "at_risk_customer_share": "at_risk_customer_share",
        "clv_at_risk_share": f"{clv_col}_at_risk_share", "mean_orders": "mean_orders",
        "mean_days_since_last_purchase": "mean_days_since_last_purchase",
        "mean_tenure_months": "mean_tenure_months", "mean_mrr": "mean_mrr",
    }
    return {metric: float(profile[col]) for metric, col in names.items() if col in profile.index}


def purchase_rate(prob_alive, expected_purchases, window_months: float) -> float:
    """Return the mean chance of at least one purchase within `window_months` (see the module notes).

    `prob_alive` in [0, 1]; `expected_purchases` = expected purchases in the next 12 months (>= 0).
    """
    p = np.asarray(prob_alive, dtype="float64")
    e = np.asarray(expected_purchases, dtype="float64")
    rate_if_alive = np.where(p > 0, e / np.where(p > 0, p, 1.0), 0.0)
    chance = p * (1.0 - np.exp(-rate_if_alive * window_months / 12.0))
    return float(chance.mean()) if chance.size else 0.0


def recommend(
    customers: pd.DataFrame,
    segments: pd.Series,
    *,
    business_model: Literal["transactional", "subscription"] = "transactional",
    gross_margin: float | None = None,
    language: str = "en",
    playbook: Playbook | str | Path | None = None,
    clv_col: str = "clv_12m",
    prob_alive_col: str = "prob_alive",
    expected_purchases_col: str = "expected_purchases_12m",
    revenue_col: str = "revenue",
    base_revenue_col: str | None = None,
    max_actions: int = 2,
    alpha: float = ab_test.ALPHA,
    power: float = ab_test.POWER,
    reference_holdout: float = ab_test.REFERENCE_HOLDOUT,
    min_share: float = ab_test.MIN_SHARE,
    max_share: float = ab_test.MAX_SHARE,
) -> pd.DataFrame:
    """Return the recommendations, one row per (segment, action), ranked by expected gain.

    Columns: ``priority`` (1 = largest expected gain of the segment's first action, i.e. money at stake x mid
    uplift; shared by a segment's actions), ``action_rank``,
    ``segment``, ``segment_name``, ``customers``, ``customer_share``, ``rule_id``, ``objective``,
    ``objective_name``, ``lever``, ``lever_name``, ``action``, ``value_base``, ``value_base_name``,
    ``value_at_stake`` (currency), ``value_at_stake_per_customer``, ``clv`` (segment predicted CLV),
    ``clv_at_risk`` (segment value at risk), ``mean_prob_alive``, ``uplift_low``/``_mid``/``_high``,
    ``expected_gain_low``/``_mid``/``_high`` (currency, if rolled out to the whole segment),
    ``max_spend_per_customer_low``/``_mid``/``_high`` (break-even spend per contacted customer), ``kpi``,
    ``kpi_metric``, ``kpi_window_months``, ``kpi_baseline``, ``kpi_baseline_source`` (model / assumed),
    ``kpi_lift`` (relative), ``test_effect`` (absolute), ``test_verdict`` (ab_test / too_small),
    ``test_verdict_name``, ``holdout_share``, ``control_customers``, ``treatment_customers``, ``test_power``,
    ``reference_holdout``, ``mde_at_reference_holdout`` (absolute). No NaN.

    `gross_margin` (0-1) is needed only by rules on the ``revenue`` base, which values `base_revenue_col` (default
    `revenue_col`; e.g. a former subscriber's annual revenue at her last MRR); `max_actions` caps the actions per
    segment; the A/B settings are passed to clv_lib.insights.ab_test.design_test.
    """
    what = "recommendations"
    check_language(language)
    if business_model not in ("transactional", "subscription"):
        raise ModelInputError(f"{what}: business model {business_model!r} is not transactional or subscription")
    if max_actions < 1:
        raise ModelInputError(f"{what}: max_actions must be at least 1, got {max_actions}")
    if gross_margin is not None and not 0 < gross_margin <= 1:
        raise ModelInputError(f"{what}: gross margin {gross_margin!r} is not in (0, 1]")
    book = playbook if isinstance(playbook, Playbook) else load_playbook(playbook)
    check_table(customers, [clv_col, prob_alive_col], what=what)
    segments = aligned(segments, customers, what=what)
    has_revenue = revenue_col in customers.columns
    profiles = segment_profiles(customers, segments, language=language, clv_cols=(clv_col,),
                                prob_alive_col=prob_alive_col, revenue_col=revenue_col if has_revenue else None)
    clv = numeric(customers, clv_col, what=what)
    p = numeric(customers, prob_alive_col, what=what, lower=0, upper=1)
    bases = {"clv": clv, "at_risk": value_at_risk(clv, p)}
    expected = None
    if expected_purchases_col in customers.columns:
        expected = numeric(customers, expected_purchases_col, what=what, lower=0)
    keys = segments.astype(str).to_numpy()
    names = segment_names(language)

    def base_values(rule: Rule) -> np.ndarray:
        if rule.value_base == "revenue":
            if gross_margin is None or not has_revenue:
                raise ModelInputError(
                    f"{what}: rule {rule.id} values historical revenue and needs `gross_margin` and column "
                    f"{revenue_col!r}")
            if "revenue" not in bases:
                column = base_revenue_col or revenue_col
                bases["revenue"] = np.clip(numeric(customers, column, what=what), 0, None) * gross_margin
        return bases[rule.value_base]

    def baseline(rule: Rule, mask: np.ndarray) -> tuple[float, str]:
        metric = rule.kpi.metric
        if metric == "reactivation_rate":
            return float(rule.kpi.baseline), "assumed"
        if metric == "active_rate":
            metric = "purchase_rate" if business_model == "transactional" else "retention_rate"
        if metric == "retention_rate":
            return float(p[mask].mean()), "model"
        if expected is None:
            raise ModelInputError(
                f"{what}: rule {rule.id} reads a purchase rate and needs column {expected_purchases_col!r}")
        return purchase_rate(p[mask], expected[mask], rule.kpi.window_months), "model"

    rows = []
    for _, profile in profiles.iterrows():
        segment = profile["segment"]
        mask = keys == segment
        metrics = _condition_metrics(profile, clv_col)
        chosen = [r for r in book.rules_for(segment, business_model) if r.holds(metrics)][:max_actions]
        if not chosen:
            raise ModelInputError(f"{what}: the playbook has no rule for segment {segment!r} ({business_model})")
        n = int(profile["customers"])
        for rank, rule in enumerate(chosen, start=1):
            stake = float(base_values(rule)[mask].sum())
            per_customer = stake / n
            rate, source = baseline(rule, mask)
            effect = min(rate * rule.kpi.lift, 1.0 - rate)
            design = ab_test.design_test(n, rate, effect, alpha=alpha, power=power,
                                         reference_holdout=reference_holdout, min_share=min_share,
                                         max_share=max_share)
            up = rule.uplift
            rows.append({
                "action_rank": rank, "segment": segment, "segment_name": names.get(segment, segment),
                "customers": n, "customer_share": float(profile["customer_share"]), "rule_id": rule.id,
                "objective": rule.objective, "objective_name": getattr(book.objectives[rule.objective], language),
                "lever": rule.lever, "lever_name": getattr(book.levers[rule.lever], language),
                "action": getattr(rule.action, language), "value_base": rule.value_base,
                "value_base_name": getattr(book.value_bases[rule.value_base], language),
                "value_at_stake": stake, "value_at_stake_per_customer": per_customer,
                "clv": float(profile[clv_col]), "clv_at_risk": float(profile[f"{clv_col}_at_risk"]),
                "mean_prob_alive": float(profile["mean_prob_alive"]),
                "uplift_low": up.low, "uplift_mid": up.mid, "uplift_high": up.high,
                "expected_gain_low": up.low * stake, "expected_gain_mid": up.mid * stake,
                "expected_gain_high": up.high * stake,
                "max_spend_per_customer_low": up.low * per_customer,
                "max_spend_per_customer_mid": up.mid * per_customer,
                "max_spend_per_customer_high": up.high * per_customer,
                "kpi": getattr(book.kpis[rule.kpi.metric], language).format(months=rule.kpi.window_months),
                "kpi_metric": rule.kpi.metric, "kpi_window_months": rule.kpi.window_months,
                "kpi_baseline": rate, "kpi_baseline_source": source, "kpi_lift": rule.kpi.lift,
                "test_effect": design.effect, "test_verdict": design.verdict,
                "test_verdict_name": getattr(book.verdicts[design.verdict], language),
                "holdout_share": design.holdout_share, "control_customers": design.control,
                "treatment_customers": design.treatment, "test_power": design.power,
                "reference_holdout": design.reference_holdout,
                "mde_at_reference_holdout": design.mde_at_reference,
            })
    table = pd.DataFrame(rows)
    # Priority: the money each segment's first action is expected to bring (value at stake x the mid uplift), so
    # a large base with little recoverable (former customers' past margin) does not outrank a smaller, likelier
    # gain; ties by value at stake.
    lead = table[table["action_rank"] == 1].sort_values(
        ["expected_gain_mid", "value_at_stake", "segment"], ascending=[False, False, True], kind="mergesort")
    priority = {segment: i for i, segment in enumerate(lead["segment"], start=1)}
    table.insert(0, "priority", table["segment"].map(priority).astype("int64"))
    table = table.sort_values(["priority", "action_rank"], kind="mergesort").reset_index(drop=True)
    numbers = table.select_dtypes("number")
    if not np.isfinite(numbers.to_numpy(dtype="float64")).all():
        raise ModelInputError(f"{what}: non-finite values in the inputs reached the recommendations")
    return table

