"""`make client CLIENT=acme DATA=path/to/export`: write `params/acme.yaml` for review, from what the export shows.

The file holds what a report needs, each detected value commented with its evidence (`decimal: ","  # 812 of 812
distinct amounts ... use ','`); what the data cannot tell (gross margin, CAC, exchange rates, an undecided date
order) is marked QUESTION: answered keys are commented out (the report runs without them and says so), keys the
report cannot run without keep a value to confirm. The command prints a short summary and the command for the
first report; it never overwrites an existing params file.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any, Optional

import yaml

from clv_lib.exceptions import DataError, ParamsError
from clv_lib.params import check_client_name, load_params
from clv_lib.params.clients import shown_path
from clv_lib.runner.inspect_export import Export, Finding, inspect

COMMENT_COLUMN = 40  # evidence comments start here, so the values read as a column


def new_client(client: str, data: str, root: Path, out=None) -> Path:
    """Inspect `data`, write `params/<client>.yaml` and print the summary; return the params path."""
    out = out or sys.stdout
    check_client_name(client)
    target = Path(root) / "params" / f"{client}.yaml"
    if target.exists():
        raise ParamsError(key="client.params_exists", file=shown_path(target, root))
    if not data:
        raise DataError(key="client.no_data")
    path = Path(data).expanduser()
    path = (path if path.is_absolute() else Path.cwd() / path).resolve()
    shown = shown_path(path, root)
    if not path.is_file():
        raise DataError(key="data.file_not_found", file=shown)
    export = inspect(path, shown)
    text = render(client, export, shown)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_params(tmp)  # what is written must load: a failure here is a bug, not the client's data
    except ParamsError:
        tmp.unlink()
        raise
    tmp.replace(target)
    print(summary(client, export, shown_path(target, root)), file=out)
    return target


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_value(k)}: {_value(v) if v is not None else '?'}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "?"
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000).strip()
    text = text.removesuffix("\n...").removesuffix("...").strip()
    if isinstance(value, str) and value in (",", ".", ";", "|", "\t"):
        return '"\\t"' if value == "\t" else f'"{value}"'
    return text


def _line(key: str, value: Any, comment: str = "", indent: int = 0, commented: bool = False) -> list[str]:
    """`key: value  # comment`, the comment aligned and wrapped; `commented` writes the key itself as a comment."""
    head = " " * indent + ("# " if commented else "") + f"{key}: {_value(value)}"
    if not comment:
        return [head]
    width = max(COMMENT_COLUMN, len(head) + 2)
    words, lines, current = comment.split(), [], ""
    for word in words:
        if current and width + 2 + len(current) + 1 + len(word) > 118:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return [head.ljust(width) + "# " + lines[0]] + [" " * width + "# " + line for line in lines[1:]]


def _finding(f: Optional[Finding], indent: int = 2) -> list[str]:
    if f is None:
        return []
    comment = ("QUESTION: " if f.question else "") + f.evidence
    unanswerable = isinstance(f.value, dict) and any(v is None for v in f.value.values())
    return _line(f.key, f.value, comment, indent, commented=unanswerable)


def render(client: str, e: Export, shown: str) -> str:
    """The params file's text."""
    f = e.findings
    lines = [
        f"# params/{client}.yaml: written by `make client` on {date.today().isoformat()} from {Path(shown).name}",
        f"# (SHA-256 {e.raw.info.sha256}).",
        "# Each detected value says what it rests on; QUESTION marks what the data cannot tell.",
        f"# Review it, answer the questions, then: make report CLIENT={client}",
    ]
    lines += _line("client_name", client.replace("-", " ").replace("_", " ").title(),
                   "QUESTION: the client's name as printed on the report")
    lines += _finding(f["business_model"], 0)
    lines += _finding(f["currency"], 0)
    lines += _finding(f["language"], 0)
    lines += _line("gross_margin", 0.35, "QUESTION: the client's gross margin, as a share of revenue (0.35 = 35 %). "
                   "Until it is given, CLV and LTV are revenue, not margin, and the report's cover says so",
                   commented=True)
    lines += _line("annual_discount_rate", 0.10, "the default; the client's own cost of capital if it has one")
    lines += _line("horizon_months", [12, 24], "CLV over 12 and 24 months")
    channels = e.column("channel")
    cac_hint = ""
    if channels is not None:
        from clv_lib.data.read import as_text

        top = as_text(channels).value_counts().head(6)
        cac_hint = "; channels in the data: " + ", ".join(f"{c} ({int(k):,} rows)" for c, k in top.items())
    lines += _line("cac", 40.0, "QUESTION: customer acquisition cost, one number or per channel "
                   "({search: 38.0, social: 27.0}); without it the report shows no LTV:CAC" + cac_hint,
                   commented=True)
    lines += _finding(f.get("timezone"), 0)
    lines.append("data:")
    lines += _line("path", shown, "relative to the project root, or absolute", indent=2)
    for key in ("sheet", "encoding", "delimiter", "header"):
        lines += _finding(f.get(key))
    lines.append("  columns:" + " " * (COMMENT_COLUMN - 10) + "# canonical name: the export's header"
                 + ("" if e.header else " position"))
    for canonical, header in e.mapping.columns.items():
        lines += _line(canonical, int(header.split("_")[-1]) if not e.header else header,
                       _column_evidence(e, canonical, header), indent=4)
    for key in ("decimal", "dayfirst", "email_fallback", "drop_exact_duplicates", "fx_rates",
                "billing_interval_months"):
        lines += _finding(f.get(key))
    if e.notes:
        lines.append("# What else the export shows:")
        for note in e.notes:
            lines += [f"#   {part}" for part in _wrap(note, 112)]
    return "\n".join(lines) + "\n"


def _column_evidence(e: Export, canonical: str, header: str) -> str:
    if not e.header:
        return "by content: " + {"customer_id": "repeating values", "order_date": "every value a date",
                                 "amount": "numbers with decimals"}.get(canonical, "")
    return f"a known name for {canonical}"


def _wrap(text: str, width: int) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = "  " + word
        else:
            current = f"{current} {word}" if current else word
    return lines + [current]


def summary(client: str, e: Export, target: str) -> str:
    """The lines printed after writing: what was found, the open questions, the first report's command."""
    f = e.findings
    kind = "subscriptions" if e.business_model == "subscription" else "orders"
    span = (f", {e.first_date:%Y-%m-%d} to {e.last_date:%Y-%m-%d}" if e.first_date is not None else "")
    read = [f"{f['delimiter'].value!r}-separated" if "delimiter" in f else e.raw.info.format,
            f["encoding"].value if "encoding" in f else "",
            f"decimal {f['decimal'].value!r}" if "decimal" in f else "",
            ("day first" if f["dayfirst"].value else "month first") if "dayfirst" in f else "",
            f"currency {f['currency'].value}", f"language {f['language'].value}"]
    questions = ["gross_margin", "cac", *e.questions, "client_name"]
    return "\n".join([
        f"{target} written for review: {kind}, {len(e.raw.frame):,} rows{span}",
        "  columns: " + ", ".join(f"{c} <- {h}" for c, h in e.mapping.columns.items()),
        "  read as: " + ", ".join(part for part in read if part),
        "  questions: " + ", ".join(dict.fromkeys(questions)) + f" (marked QUESTION in {target})",
        f"first report: make report CLIENT={client}",
    ])
