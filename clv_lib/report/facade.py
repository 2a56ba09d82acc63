"""The notebook's only entry point: `Report.open(client, ...)`, then one call per chapter.

    report = Report.open("demo", period="2025Q4", language="it")
    report.cover()
    report.executive_summary()
    ...
    report.save_outputs()

Each chapter method returns a `Chapter` (see `clv_lib.report.chapter`): an object Jupyter displays as the
chapter, whose tables (DataFrames), figures (matplotlib) and texts can be read and changed by name before it is
shown. Every chapter takes `titles=`, `captions=`, `texts=` (by part name) and `hide=` (part names to leave
out); some take more (`rows=`, `segments=`). `report.commentary()`, `report.figure()` and `report.table()` add
an analyst's own words, charts and tables, numbered and formatted like the report's.

The analysis behind the chapters runs once, lazily, in `report.analysis` (see `clv_lib.pipeline`); the chapters
themselves live in `clv_lib.report.chapters`, one module each.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path

from clv_lib.params import ClientParams, Period, load_params, params_path, parse_period, project_root
from clv_lib.exceptions import ClvError, errors_in
from clv_lib.report import chapters
from clv_lib.report.chapter import Chapter
from clv_lib.report.fmt import Formatter
from clv_lib.report.i18n import Texts

LAYOUT_OPTIONS = ("titles", "captions", "texts", "hide")


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
        self.workers = None  # set by `open` in a report run (`clv_lib.report.workers`)

    @classmethod
    def open(cls, client: str, period: str = "", language: str = "", output_dir: str = "") -> "Report":
        """Validate the client's params and the period; nothing is read or computed yet. A user mistake here or
        in a chapter is a ClvError in the report's language."""
        root = project_root()
        with errors_in(language or None):
            params = load_params(params_path(client, root))
        language = language or params.language
        out = Path(output_dir) if output_dir else root / "reports" / client / "interactive"
        with errors_in(language):
            report = cls(client, params, parse_period(period) if period else None, language, out, root)
        report.render_context  # noqa: B018 - chapters built without a context number and word as this report
        from clv_lib.report import workers

        report.workers = workers.start(Chapter)  # a report run: figures and intervals computed meanwhile
        return report

    # ---- shared state -------------------------------------------------------------------------------------
    @cached_property
    def analysis(self):
        """The client's analysis (`clv_lib.pipeline`): every intermediate table, computed on first use."""
        from clv_lib.pipeline import analysis_for

        analysis = analysis_for(self.client, self.params, self.requested_period, self.language, self.root)
        if self.workers is not None:  # independent fits made partly in the worker
            analysis.run_all = self.workers.run_all
        return analysis

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
        return Texts(self.language, chapters=lambda: chapters.cover.contents(self))

    @cached_property
    def fmt(self) -> Formatter:
        return Formatter(self.language, self.params.currency)

    @cached_property
    def notebook(self) -> tuple[str, str] | None:
        """(path, SHA-256) of the notebook that builds this report, for the provenance: set by the runner; in
        JupyterLab, the open notebook; None when unknown."""
        import hashlib
        import os

        path = os.environ.get("CLV_NOTEBOOK")
        if path:
            return path, os.environ.get("CLV_NOTEBOOK_SHA256", "–")
        session = os.environ.get("JPY_SESSION_NAME")  # JupyterLab names the notebook a kernel runs for
        if not session:
            return None
        candidates = [Path(session)] if Path(session).is_absolute() else [self.root / "notebooks" / session,
                                                                          self.root / session]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            return session, "–"
        shown = found.resolve().relative_to(self.root) if found.resolve().is_relative_to(self.root) else found
        return Path(shown).as_posix(), hashlib.sha256(found.read_bytes()).hexdigest()

    @cached_property
    def render_context(self):
        """Language, formatter and the running figure/table numbers shared by every chapter of this report."""
        from clv_lib.report.render import Context, activate

        return activate(Context(self.language, self.fmt))

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
    def _chapter(self, module, **options) -> Chapter:
        """`module.render(self, **its options)`, bound to this report, with the layout options applied."""
        with errors_in(self.language):
            return self._render_chapter(module, **options)

    def _render_chapter(self, module, **options) -> Chapter:
        import inspect

        layout = {key: options.pop(key) for key in LAYOUT_OPTIONS if key in options}
        accepted = [p for p in inspect.signature(module.render).parameters if p != "r"]
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            name = module.__name__.rsplit(".", 1)[-1]
            raise ClvError(f"chapter {name!r} has no option {unknown[0]!r}; its options: "
                           f"{', '.join(accepted + list(LAYOUT_OPTIONS))}")
        if module not in (chapters.since_last, chapters.data_quality, chapters.kpis, chapters.concentration,
                          chapters.cohorts):
            self.ahead.settle()  # these never read what is computed ahead; every other chapter may
        if module is chapters.summary:  # the intervals go to a worker as soon as the model is fitted
            self.ahead.start_early(self.analysis)
        chapter = module.render(self, **options)
        chapter.context = self.render_context
        if module is chapters.summary:  # the models are fitted now: the intervals go on in the background
            self.ahead.start(self.analysis)
        return chapter.apply(**layout)

    @cached_property
    def ahead(self):
        """Analysis computed in the background while chapters that do not need it are drawn (report.ahead)."""
        from clv_lib.report.ahead import Ahead

        return Ahead(self.workers)

    def cover(self, **layout) -> Chapter:
        """1. Client, period, cut-off, currency, horizons, margin and discount rate."""
        return self._chapter(chapters.cover, **layout)

    def executive_summary(self, actions: int = 3, **layout) -> Chapter:
        """2. KPI tiles, three findings from the numbers, the top actions with the money at stake (`actions`: how
        many)."""
        return self._chapter(chapters.summary, actions=actions, **layout)

    def since_last_report(self, **layout) -> Chapter:
        """2b. What changed since the client's previous report, segment migration and the track record of every
        earlier report's forecast; one sentence (no chapter) when this is the client's first report."""
        return self._chapter(chapters.since_last, **layout)

    def data_quality(self, **layout) -> Chapter:
        """3. Row funnel, cleaning ledger, column mapping, warnings."""
        return self._chapter(chapters.data_quality, **layout)

    def kpis(self, **layout) -> Chapter:
        """4. Monthly revenue or MRR movements, active customers, period KPIs."""
        return self._chapter(chapters.kpis, **layout)

    def value_concentration(self, **layout) -> Chapter:
        """5. Distribution of customer value, Pareto curve, deciles and tiers."""
        return self._chapter(chapters.concentration, **layout)

    def cohorts(self, **layout) -> Chapter:
        """6. Retention triangle, cumulative value per customer vs CAC (survival curves for subscriptions)."""
        return self._chapter(chapters.cohorts, **layout)

    def segments(self, segments=None, **layout) -> Chapter:
        """7. RFM (or subscription) segments: grid, shares, profiles, migration since the last report.
        `segments`: only these segments (keys or names) in the shares chart and the profiles table."""
        return self._chapter(chapters.segments, segments=segments, **layout)

    def predicted_clv(self, rows: int = 15, segments=None, **layout) -> Chapter:
        """8. The model used and why, P(alive) vs CLV, CLV by segment with intervals, the win-back list.
        `rows`: customers in the win-back list; `segments`: only these segments there and in the by-segment chart."""
        return self._chapter(chapters.predicted, rows=rows, segments=segments, **layout)

    def unit_economics(self, **layout) -> Chapter:
        """9. Lifetime, LTV, LTV:CAC, payback, maximum affordable CAC, sensitivity."""
        return self._chapter(chapters.economics, **layout)

    def validation(self, **layout) -> Chapter:
        """10. Holdout validation of the model and its verdict."""
        return self._chapter(chapters.validation, **layout)

    def action_plan(self, segments=None, **layout) -> Chapter:
        """11. Recommendations per segment, ranked by the money at stake. `segments`: only these segments."""
        return self._chapter(chapters.actions, segments=segments, **layout)

    def appendix(self, **layout) -> Chapter:
        """12. Method and formulas, segment rules, parameters, provenance."""
        return self._chapter(chapters.appendix, **layout)

    # ---- an analyst's own additions ---------------------------------------------------------------------
    def commentary(self, it: str | None = None, en: str | None = None, title=None) -> Chapter:
        """The analyst's words (Markdown) in Italian and English; the report shows the one in its language."""
        from clv_lib.report import additions

        return additions.commentary(self, it=it, en=en, title=title)

    def figure(self, figure, caption=None, title=None, money=None, percent=None) -> Chapter:
        """A matplotlib/seaborn figure (a Figure, Axes or seaborn grid), numbered and captioned like the report's;
        plain number axes get the report's number format, `money="y"` / `percent="x"` format an axis as money
        or shares. `caption`, `title`: a text, or `{"it": ..., "en": ...}`."""
        from clv_lib.report import additions

        self.ahead.settle()
        return additions.figure(self, figure, caption=caption, title=title, money=money, percent=percent)

    def table(self, frame, caption=None, formats: dict | None = None, labels: dict | None = None,
              rows: int | None = None) -> Chapter:
        """A DataFrame as a table of the report: numbered when captioned, numbers in the report's language;
        `formats={"revenue": "money", "share": "pct:0"}`, `labels={"revenue": "Ricavi"}`. A pandas Styler
        (`frame.style.background_gradient(...)`) keeps its colours and bars, with the same formats."""
        from clv_lib.report import additions

        self.ahead.settle()
        return additions.table(self, frame, caption=caption, formats=formats, labels=labels, rows=rows)

    def theme(self):
        """`with report.theme():` draws matplotlib/seaborn figures with the report's fonts, colours and grid."""
        from clv_lib.report.charts import themed

        return themed()

    def save_outputs(self) -> Chapter:
        """Write customers.csv, segments.csv, data_quality.csv, kpis.json and the run's metadata."""
        from clv_lib.report.outputs import save_outputs

        try:
            with errors_in(self.language):
                self.ahead.settle()
                return save_outputs(self)
        finally:
            if self.workers is not None:  # the chapters shown with figures pending get them now
                self.workers.finish()

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
