"""Chapter 12: appendix — method and formulas, segment rules and cut-points, parameters, definitions and
provenance (input file hash, params, notebook and its hash, package versions, generated on).

Parts: `method.title`, bullets `method`, `method.common`; `segments.title`, `scoring`, table `segments`, table
`cuts`; `definitions.title`, bullets `definitions`; `parameters.title`, `parameters` (the params as YAML);
`provenance.title`, table `provenance`; `outputs.title` and the list of delivered files.
"""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata

import yaml

from clv_lib.report import blocks as B
from clv_lib.report import html as H
from clv_lib.report.data_labels import source_name

PACKAGES = ("clv-report", "pandas", "numpy", "scipy", "seaborn", "matplotlib", "papermill", "nbconvert", "duckdb",
            "pydantic", "babel")


def render(r) -> H.Chapter:
    t = r.t
    parts = [H.h3(t("appendix.method.title"), name="method.title")]
    key = "subscription" if r.subscription else "orders"
    parts.append(H.bullets([t(f"appendix.method.{key}.{i}") for i in range(1, 6)], name="method"))
    parts.append(H.bullets([t(f"appendix.method.common.{i}") for i in range(1, 5)], name="method.common"))
    parts += _segments(r)
    parts += _definitions(r)
    parts += _mrr_conventions(r)
    parts += _parameters(r)
    parts += _provenance(r)
    parts.append(H.h3(t("appendix.outputs.title"), name="outputs.title"))
    channels = ("channels",) if getattr(r.analysis, "channel_budgets", None) is not None else ()
    files = ("customers", "customers_xlsx", "segments") + channels + ("quality", "forecast", "kpis") + \
        (("bridge",) if r.subscription else ()) + ("safe",)
    parts.append(H.bullets([t(f"appendix.outputs.{name}") for name in files]))
    return H.chapter("appendix", t("toc.appendix"), *parts)


def _segments(r) -> list[str]:
    t, f = r.t, r.fmt
    if r.subscription:
        from clv_lib.insights.subscription_segments import SUBSCRIPTION_SEGMENT_DESCRIPTIONS, SUBSCRIPTION_SEGMENT_NAMES

        names = SUBSCRIPTION_SEGMENT_NAMES[r.language]
        descriptions = SUBSCRIPTION_SEGMENT_DESCRIPTIONS[r.language]
        rows = [(names[k], descriptions[k]) for k in names]
        return [H.h3(t("appendix.segments.title"), name="segments.title"),
                H.table([t("col.segment"), t("appendix.segments.rule")], rows, name="segments")]
    from clv_lib.insights.rfm_segments import SCORING_NOTES, cut_points, rule_table

    rules = rule_table(r.language)
    rows = [(row["name"], row["rule"], row["description"], f.number(row["cells"])) for _, row in rules.iterrows()]
    out = [H.h3(t("appendix.segments.title"), name="segments.title"), H.p(SCORING_NOTES[r.language], name="scoring"),
           H.table([t("col.segment"), t("appendix.segments.rule"), t("appendix.segments.description"),
                    t("appendix.segments.cells")], rows, numeric=[False, False, False, True], name="segments")]
    a = r.analysis
    cuts = cut_points(a.customer_base, a.segments)
    rows = [(t(f"appendix.cuts.{row['dimension']}") if r.t.has(f"appendix.cuts.{row['dimension']}")
             else str(row["dimension"]), str(row["score"]), f.number(row["customers"]),
             _value(r, row["dimension"], row["min_value"]), _value(r, row["dimension"], row["max_value"]))
            for _, row in cuts.iterrows()]
    out.append(H.table([t("appendix.cuts.dimension"), t("appendix.cuts.score"), t("col.customers"),
                        t("appendix.cuts.min"), t("appendix.cuts.max")], rows,
                       numeric=[False, True, True, True, True], caption=t("appendix.cuts.caption"), name="cuts"))
    return out


def _value(r, dimension, value) -> str:
    return r.fmt.money(value, 2) if str(dimension).startswith("m") else r.fmt.number(value)


def _definitions(r) -> list[str]:
    t = r.t
    keys = ("subscription" if r.subscription else "orders")
    return [H.h3(t("appendix.definitions.title"), name="definitions.title"),
            H.bullets([t(f"appendix.definitions.{keys}.{i}") for i in range(1, 6)], name="definitions")]


def _mrr_conventions(r) -> list[str]:
    """Subscriptions: the MRR conventions used (params `data.mrr`), one sentence each with its key."""
    if not r.subscription:
        return []
    t, conv = r.t, r.params.data.mrr
    mapping = r.analysis.data.mapping
    quantity = mapping.get("quantity") if not mapping.get("mrr") else None  # an MRR column is already a total
    coupons = ", ".join(sorted(conv.coupons)) or t("appendix.mrr.no_coupons")
    lines = [t("appendix.mrr.seats", column=quantity) if quantity else t("appendix.mrr.no_seats"),
             t("appendix.mrr.taxes"), t(f"appendix.mrr.past_due.{conv.past_due}"),
             t(f"appendix.mrr.cancellation.{conv.cancellation}"), t(f"appendix.mrr.one_time.{conv.one_time_discounts}"),
             t("appendix.mrr.discounts", coupons=coupons)]
    return [H.h3(t("appendix.mrr.title"), name="mrr.title"), H.p(t("appendix.mrr.lead"), name="mrr.lead"),
            H.bullets(lines, name="mrr")]


def _parameters(r) -> list[str]:
    t = r.t
    dumped = r.params.model_dump(mode="json", exclude_none=True)
    if dumped["data"].get("path"):  # the file's name: the consultant's folders stay out of the client's copy
        dumped["data"]["path"] = source_name(r.analysis.data.source)
    text = yaml.safe_dump(dumped, sort_keys=False, allow_unicode=True)
    return [H.h3(t("appendix.parameters.title"), name="parameters.title"), B.Preformatted(text, name="parameters")]


def _lock(r) -> str:
    """The lock file's name and SHA-256, and whether the installed versions are the ones it pins."""
    from clv_lib.report.lockfile import check

    lock = check(r.root)
    if lock is None:
        return r.t("appendix.provenance.lock_none")
    if lock.matches:
        return r.t("appendix.provenance.lock_match", file=lock.path.name, sha=lock.sha256, pinned=lock.pinned)
    shown = ", ".join(f"{name} {have} ({pinned})" for name, have, pinned in lock.differing[:5])
    more = f", +{len(lock.differing) - 5}" if len(lock.differing) > 5 else ""
    return r.t("appendix.provenance.lock_differs", file=lock.path.name, sha=lock.sha256,
               count=len(lock.differing), packages=shown + more)


def _provenance(r) -> list[str]:
    t, f, a = r.t, r.fmt, r.analysis
    src = a.data.source
    params_file = r.root / "params" / f"{r.client}.yaml"
    params_hash = hashlib.sha256(params_file.read_bytes()).hexdigest() if params_file.exists() else "–"
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    rows = [
        (t("appendix.provenance.input"), source_name(src)),
        (t("appendix.provenance.input_hash"), getattr(src, "sha256", None) or "–"),
        (t("appendix.provenance.params"), str(params_file.relative_to(r.root)) if params_file.exists() else "–"),
        (t("appendix.provenance.params_hash"), params_hash),
        (t("appendix.provenance.notebook"), r.notebook[0] if r.notebook else "–"),
        (t("appendix.provenance.notebook_hash"), r.notebook[1] if r.notebook else "–"),
        (t("appendix.provenance.rows"), t("appendix.provenance.rows_value", read=f.number(a.data.rows_read),
                                          kept=f.number(a.data.rows_kept))),
        (t("appendix.provenance.generated"), r.generated_at.strftime("%Y-%m-%d %H:%M")),
        (t("appendix.provenance.python"), platform.python_version()),
        (t("appendix.provenance.packages"), ", ".join(versions)),
        (t("appendix.provenance.lock"), _lock(r)),
    ]
    return [H.h3(t("appendix.provenance.title"), name="provenance.title"),
            H.table([t("appendix.provenance.item"), t("appendix.provenance.value")], rows, name="provenance")]
