"""The notebook's only entry point: `Report.open(client, ...)`, then one call per chapter.

    report = Report.open("demo", period="2025Q4", language="it")
    report.cover()
    report.executive_summary()
    ...
    report.save_outputs()

Each chapter method returns a `Chapter` (HTML that Jupyter displays and nbconvert copies into the report). The
analysis behind the chapters runs once, lazily, in `report.analysis` (see `clv_lib.pipeline`).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cached_property
from pathlib import Path

from clv_lib.params import ClientParams, Period, load_params, params_path, parse_period, project_root
from clv_lib.report import html as H
from clv_lib.report.fmt import Formatter
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
    def t(self) -> Texts:
        return Texts(self.language)

    @cached_property
    def fmt(self) -> Formatter:
        return Formatter(self.language, self.params.currency)

    @cached_property
    def period(self) -> Period:
        if self.requested_period is None:
            raise NotImplementedError("default period needs the data layer")
        return self.requested_period

    # ---- chapters -----------------------------------------------------------------------------------------
    def cover(self) -> H.Chapter:
        """Chapter 1: client, period, cut-off, currency, horizons, margin and discount rate."""
        t, f, p = self.t, self.fmt, self.params
        horizons = ", ".join(t("cover.horizon_value", months=m) for m in p.horizon_months)
        facts = [
            (t("cover.period"), self.period.label),
            (t("cover.cutoff"), f.date(self.period.cutoff)),
            (t("cover.business_model"), t(f"cover.{p.business_model}")),
            (t("cover.currency"), p.currency),
            (t("cover.horizon"), horizons),
            (t("cover.margin"), f.pct(p.gross_margin, 0)),
            (t("cover.discount"), f.pct(p.annual_discount_rate, 1)),
            (t("cover.generated"), f.date(self.generated_at)),
        ]
        body = (f'{H.stylesheet()}<div class="clv"><div class="cover">'
                f'<div class="brand">{H.e(t("report.brand"))}</div>'
                f'<div class="title"><h1>{H.e(t("report.title"))}</h1>'
                f'<div class="client">{H.e(t("cover.prepared_for"))} <strong>{H.e(p.client_name)}</strong></div>'
                f'{H.definition_list(facts)}</div>'
                f'<div class="muted">{H.e(t("cover.confidential"))}</div></div></div>')
        return H.Chapter(body)

    def save_outputs(self) -> H.Chapter:
        """Write the data outputs next to the report and the metadata the runner needs."""
        self.output_dir.mkdir(parents=True, exist_ok=True)
        meta = self.meta()
        (self.output_dir / "report_meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return H.Chapter(f"<p>Outputs written to {H.e(self.output_dir)}</p>")

    def meta(self) -> dict:
        t = self.t
        return {
            "client": self.client, "client_name": self.params.client_name, "period": self.period.label,
            "cutoff": self.period.cutoff.date().isoformat(), "language": self.language,
            "title": f"{t('report.title')} – {self.params.client_name} – {self.period.label}",
            "footer": t("report.footer", client=self.params.client_name, period=self.period.label),
            "page_label": t("report.page"), "generated_at": self.generated_at.isoformat(timespec="seconds"),
        }
