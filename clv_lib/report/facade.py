"""The notebook's only entry point: `Report.open(client, ...)`, then one call per chapter.

    report = Report.open("demo", period="2025Q4", language="it")
    report.cover()
    report.executive_summary()
    ...
    report.save_outputs()

Each chapter method returns a `Chapter` (HTML that Jupyter displays and nbconvert copies into the report). The
analysis behind the chapters runs once, lazily, in `report.analysis` (see `clv_lib.pipeline`); the chapters
themselves live in `clv_lib.report.chapters`, one module each.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path

from clv_lib.params import ClientParams, Period, load_params, params_path, parse_period, project_root
from clv_lib.report import chapters
from clv_lib.report.fmt import Formatter
from clv_lib.report.html import Chapter
from clv_lib.report.i18n import Texts


class Report:
    """One client's report for one period, in one language."""

    def __init__(self, client: str, params: ClientParams, period: Period | None, language: str, output_dir: Path,
                 root: Path):
        self.client = client
        self.params = params
        self.requested_period = period
        self.language = language
        self.output_dir = output_dir
        self.root = root
        self.generated_at = datetime.now()

    @classmethod
    def open(cls, client: str, period: str = "", language: str = "", output_dir: str = "") -> "Report":
        """Validate the client's params and the period; nothing is read or computed yet."""
        root = project_root()
        params = load_params(params_path(client, root))
        language = language or params.language
        out = Path(output_dir) if output_dir else root / "reports" / client / "interactive"
        return cls(client, params, parse_period(period) if period else None, language, out, root)

    # ---- shared state -------------------------------------------------------------------------------------
    @cached_property
    def analysis(self):
        """The client's analysis (`clv_lib.pipeline`): every intermediate table, computed on first use."""
        from clv_lib.pipeline import analysis_for

        return analysis_for(self.client, self.params, self.requested_period, self.language, self.root)

    @property
    def a(self):
        return self.analysis

    @property
    def period(self) -> Period:
        return self.analysis.period

    @property
    def subscription(self) -> bool:
        return self.params.business_model == "subscription"

    @cached_property
    def t(self) -> Texts:
        return Texts(self.language)

    @cached_property
    def fmt(self) -> Formatter:
        return Formatter(self.language, self.params.currency)

    @cached_property
    def headline(self) -> dict:
        """The headline numbers, shared by the executive summary and kpis.json."""
        from clv_lib.report.headline import headline

        return headline(self)

    @cached_property
    def since(self):
        """The client's earlier reports: their headline numbers, forecast track record and changed history
        (`clv_lib.report.earlier.SinceLast`)."""
        from clv_lib.report.earlier import since_last

        return since_last(self)

    def output_ids(self, ids) -> list[str]:
        """Customer ids as shown in the report and outputs (pseudonymised when the params ask for it)."""
        from clv_lib.report.outputs import output_ids

        return output_ids(self, ids)

    def segment_name(self, key) -> str:
        from clv_lib.insights.profiles import segment_names

        return segment_names(self.language).get(str(key), str(key))

    # ---- chapters -----------------------------------------------------------------------------------------
    def cover(self) -> Chapter:
        """1. Client, period, cut-off, currency, horizons, margin and discount rate."""
        return chapters.cover.render(self)

    def executive_summary(self) -> Chapter:
        """2. KPI tiles, three findings from the numbers, the top three actions with the money at stake."""
        return chapters.summary.render(self)

    def data_quality(self) -> Chapter:
        """3. Row funnel, cleaning ledger, column mapping, warnings."""
        return chapters.data_quality.render(self)

    def kpis(self) -> Chapter:
        """4. Monthly revenue or MRR movements, active customers, period KPIs."""
        return chapters.kpis.render(self)

    def value_concentration(self) -> Chapter:
        """5. Distribution of customer value, Pareto curve, deciles and tiers."""
        return chapters.concentration.render(self)

    def cohorts(self) -> Chapter:
        """6. Retention triangle, cumulative value per customer vs CAC (survival curves for subscriptions)."""
        return chapters.cohorts.render(self)

    def segments(self) -> Chapter:
        """7. RFM (or subscription) segments: grid, shares, profiles, migration since the last report."""
        return chapters.segments.render(self)

    def predicted_clv(self) -> Chapter:
        """8. The model used and why, P(alive) vs CLV, CLV by segment with intervals, the win-back list."""
        return chapters.predicted.render(self)

    def unit_economics(self) -> Chapter:
        """9. Lifetime, LTV, LTV:CAC, payback, maximum affordable CAC, sensitivity."""
        return chapters.economics.render(self)

    def validation(self) -> Chapter:
        """10. Holdout validation of the model and its verdict."""
        return chapters.validation.render(self)

    def action_plan(self) -> Chapter:
        """11. Recommendations per segment, ranked by the money at stake."""
        return chapters.actions.render(self)

    def appendix(self) -> Chapter:
        """12. Method and formulas, segment rules, parameters, provenance."""
        return chapters.appendix.render(self)

    def save_outputs(self) -> Chapter:
        """Write customers.csv, segments.csv, data_quality.csv, kpis.json and the run's metadata."""
        from clv_lib.report.outputs import save_outputs

        return save_outputs(self)

    def meta(self) -> dict:
        t = self.t
        return {
            "client": self.client, "client_name": self.params.client_name, "period": self.period.label,
            "cutoff": self.period.cutoff.date().isoformat(), "language": self.language,
            "business_model": self.params.business_model,
            "title": f"{t('report.title')} – {self.params.client_name} – {self.period.label}",
            "footer": t("report.footer", client=self.params.client_name, period=self.period.label),
            "page_label": t("report.page"), "generated_at": self.generated_at.isoformat(timespec="seconds"),
        }
