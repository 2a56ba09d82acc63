"""The schema of a client's parameters file (`params/<client>.yaml`), as pydantic models.

Unknown keys, wrong types and missing required keys are rejected; `clv_lib.params.load` turns pydantic's
errors into one line that names the file and the key. Field names carry their units.
"""

from __future__ import annotations

import re
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from clv_lib.exceptions import render_message


def _invalid(key: str, **details) -> PydanticCustomError:
    """A value the schema rejects, as catalogue key `key` (clv_lib/errors.yaml) with its details: pydantic's
    message is the English sentence, and `clv_lib.params.load` renders the key in the client's language."""
    return PydanticCustomError(key, render_message(key, "en", details).replace("{", "{{").replace("}", "}}"),
                               details)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Coupon(_Strict):
    """A subscription coupon as the billing tool defines it (Stripe: percent or amount off, and a duration)."""

    percent_off: Optional[float] = Field(None, gt=0, le=100, description="Percentage off the price.")
    amount_off: Optional[float] = Field(None, gt=0, description="Amount off each invoice (billing period), in the "
                                                               "subscription's currency.")
    duration: Literal["forever", "repeating", "once"] = Field(
        "forever", description="forever: every invoice; repeating: the first `duration_months`; once: the first "
                               "invoice only.")
    duration_months: Optional[int] = Field(None, ge=1, le=120, description="Months a repeating coupon runs.")

    @model_validator(mode="after")
    def _one_value(self) -> "Coupon":
        if (self.percent_off is None) == (self.amount_off is None):
            raise _invalid("params.coupon_value")
        if (self.duration == "repeating") != (self.duration_months is not None):
            raise _invalid("params.coupon_duration")
        return self


class MrrConventions(_Strict):
    """Subscriptions: where billing tools (ChartMogul, Baremetrics, ProfitWell) differ on MRR, the choice made
    (the `data.mrr:` block). The report's appendix prints each choice; the README lists them."""

    past_due: Literal["paying", "churned"] = Field(
        "paying", description="A past_due subscription (a failed payment being retried) still pays (ChartMogul, "
                              "Baremetrics) or has churned at the start of its unpaid period (ProfitWell's "
                              "delinquent churn).")
    cancellation: Literal["period_end", "immediate"] = Field(
        "period_end", description="A cancellation counts when the subscription ends (the end of the paid period) "
                                  "or at once, on the day it was asked for (`Canceled At`).")
    one_time_discounts: Literal["ignore", "first_period"] = Field(
        "ignore", description="A once coupon is left out of MRR (not recurring), or spread over the first billing "
                              "period (a yearly plan: its first 12 months).")
    coupons: dict[str, Coupon] = Field(
        default_factory=dict, description="Coupon code in the export's coupon column -> its discount and duration.")


class DataSpec(_Strict):
    """Where the client's data is and how to read it (the `data:` block)."""

    path: Optional[str] = Field(None, description="File path, relative to the project root or absolute.")
    format: Optional[Literal["csv", "tsv", "xlsx", "parquet"]] = Field(
        None, description="File format; inferred from the extension when absent.")
    sheet: Optional[Union[str, int]] = Field(None, description="Excel sheet name or 0-based index.")
    delimiter: Optional[str] = Field(None, description="CSV field separator; sniffed when absent.")
    encoding: Optional[str] = Field(None, description="Text encoding; UTF-8 (with or without BOM) or cp1252 tried.")
    columns: dict[str, Union[str, int]] = Field(
        default_factory=dict, description="Canonical column name -> the client's header (or its 1-based position "
                                          "when the file has no header row). Empty: detect headers. The canonical "
                                          "names are clv_lib.data.mapping's ORDER_FIELDS / SUBSCRIPTION_FIELDS, "
                                          "checked when the data is read.")
    header: bool = Field(True, description="False when the file's first row is data (columns then map by position).")
    decimal: Optional[Literal[",", "."]] = Field(None, description="Decimal mark; inferred per column when absent.")
    dayfirst: Optional[bool] = Field(None, description="Read ambiguous dates as day first (default true).")
    start_date: Optional[str] = Field(None, description="Exclude orders before this date (YYYY-MM-DD).")
    drop_exact_duplicates: bool = Field(
        True, description="Exclude rows identical in every column (re-exports); false when such rows are genuine "
                          "repeat purchases, e.g. a file without order ids.")
    email_fallback: bool = Field(False, description="Use the normalised e-mail when the customer id is missing.")
    exclude_statuses: Optional[list[str]] = Field(
        None, description="Order statuses to exclude (default: cancelled, failed, test and their Italian names).")
    refund_statuses: Optional[list[str]] = Field(
        None, description="Statuses that mark a row as a refund or return (default: refunded, returned, reso...).")
    fx_rates: dict[str, float] = Field(
        default_factory=dict, description="Rate to convert 1 unit of a currency into the report currency.")
    billing_interval_months: dict[str, float] = Field(
        default_factory=dict, description="Subscriptions: months per billing interval label, e.g. {annual: 12}.")
    plan_names: dict[str, str] = Field(
        default_factory=dict, description="Subscriptions: plan label in the export -> the name the report prints, "
                                          "e.g. {price_1OqXyz: Pro monthly}.")
    mrr: MrrConventions = Field(default_factory=MrrConventions,
                                description="Subscriptions: the MRR conventions and coupons (see MrrConventions).")
    min_customers: int = Field(30, ge=1, description="Fewer valid customers than this is an error.")
    # Database or warehouse sources (engine other than local files).
    engine: Literal["duckdb", "postgres", "spark"] = Field("duckdb", description="Engine that reads the data.")
    connection_env: Optional[str] = Field(None, description="Environment variable holding the connection URL.")
    table: Optional[str] = Field(None, description="Table (schema.table) in the engine.")
    sql: Optional[str] = Field(None, description="SQL query returning the orders, instead of a table.")

    @field_validator("columns")
    @classmethod
    def _positions(cls, columns: dict) -> dict[str, str]:
        out = {}
        for canonical, header in columns.items():
            if isinstance(header, int):
                if header < 1:
                    raise _invalid("params.column_position", canonical=canonical, position=header)
                header = f"column_{header}"
            out[canonical] = str(header)
        return out

    @field_validator("fx_rates")
    @classmethod
    def _positive_rates(cls, rates: dict[str, float]) -> dict[str, float]:
        bad = [code for code, rate in rates.items() if not rate > 0]
        if bad:
            raise _invalid("params.fx_rates", codes=bad)
        return {code.upper(): rate for code, rate in rates.items()}

    @field_validator("start_date")
    @classmethod
    def _iso_date(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            raise _invalid("params.iso_date", value=repr(value))
        return value

    @model_validator(mode="after")
    def _source(self) -> "DataSpec":
        if self.engine == "duckdb" and not self.path and not (self.table or self.sql):
            raise _invalid("params.no_source")
        if self.engine != "duckdb":
            if not self.connection_env:
                raise _invalid("params.no_connection_env", engine=self.engine)
            if bool(self.table) == bool(self.sql):
                raise _invalid("params.table_or_sql", engine=self.engine)
        return self


class ClientParams(_Strict):
    """One client's report settings (the whole `params/<client>.yaml`)."""

    client_name: str = Field(..., min_length=1, description="Client name as printed on the report.")
    business_model: Literal["transactional", "subscription"]
    currency: str = Field(..., description="ISO 4217 code of the report currency, e.g. EUR.")
    language: Literal["it", "en"] = "en"
    gross_margin: float = Field(1.0, gt=0, le=1, description="Gross margin as a share of revenue (0.35 = 35 %). "
                                "Not given: 1.0, so values are revenue, and the report's cover says so.")
    annual_discount_rate: float = Field(0.10, ge=0, lt=1, description="Yearly discount rate for CLV (0.10 = 10 %).")
    horizon_months: list[int] = Field(default_factory=lambda: [12, 24], min_length=1)
    cac: Optional[Union[float, dict[str, float]]] = Field(
        None, description="Customer acquisition cost: one number, or per acquisition channel.")
    target_ltv_cac: float = Field(3.0, gt=0, description="Target LTV:CAC ratio for the maximum affordable CAC.")
    periods: Optional[list[str]] = Field(
        None, description="Periods `make reports` builds (YYYY, YYYYQn, YYYY-MM, or a range FIRST..LAST).")
    timezone: str = Field("Europe/Rome", description="Client's time zone; timestamps are converted to it.")
    inactivity_days: Optional[int] = Field(
        None, gt=0, description="Days without purchases after which a customer counts as lapsed (default: from data).")
    holdout_months: Optional[int] = Field(
        None, gt=0, description="Months held out to validate the models (default: about a third of the history).")
    pseudonymize_ids: bool = Field(False, description="Write salted hashes instead of customer ids in every output.")
    data: DataSpec

    @property
    def margin_given(self) -> bool:
        """Whether the params give the gross margin (else CLV and LTV are revenue: `gross_margin` is 1.0)."""
        return "gross_margin" in self.model_fields_set

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise _invalid("params.currency_code", value=repr(value))
        from babel.numbers import get_currency_name  # local import: params must stay cheap to import

        if get_currency_name(code, locale="en") == code:
            raise _invalid("params.currency_unknown", code=code)
        return code

    @field_validator("horizon_months")
    @classmethod
    def _horizons(cls, months: list[int]) -> list[int]:
        if any(m <= 0 or m > 120 for m in months):
            raise _invalid("params.horizons")
        return sorted(set(months))

    @field_validator("cac")
    @classmethod
    def _cac(cls, value):
        if isinstance(value, dict):
            if not value:
                raise _invalid("params.cac_channels")
            if any(not v >= 0 for v in value.values()):
                raise _invalid("params.cac_negative")
        elif value is not None and not value >= 0:
            raise _invalid("params.cac_negative")
        return value

    @field_validator("periods", mode="before")
    @classmethod
    def _periods_as_text(cls, periods):
        """`periods: [2025]` is a YAML integer; a period is text."""
        return [str(p) if isinstance(p, int) else p for p in periods] if isinstance(periods, list) else periods

    @field_validator("periods")
    @classmethod
    def _periods(cls, periods: Optional[list[str]]) -> Optional[list[str]]:
        from clv_lib.exceptions import ParamsError
        from clv_lib.params.period import PERIOD_PATTERN, parse_period_range

        for p in periods or []:
            if not PERIOD_PATTERN.fullmatch(str(p)) and ".." not in str(p):
                raise _invalid("params.period", period=str(p))
            try:
                parse_period_range(p)
            except ParamsError as exc:
                raise ValueError(str(exc).replace("PERIOD ", "period ", 1)) from None
        return periods

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise _invalid("params.timezone", zone=value) from None
        return value
