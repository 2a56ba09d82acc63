"""Bilingual wording for the insights: the supported languages and sentences that carry raw numbers.

Every text the insights produce exists in English and Italian. Sentences that quote numbers (a migration
reading, say) are kept as a template plus the raw values, so that the report layer formats the numbers with
Babel in the report's locale; `Finding.render` only fills the template with the formatters it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from clv_lib.exceptions import ParamsError

LANGUAGES = ("en", "it")
CUSTOMER_NOUNS = {"en": ("customer", "customers"), "it": ("cliente", "clienti")}


def check_language(language: str) -> str:
    """Return `language` if the insights have texts for it, else raise ParamsError."""
    if language not in LANGUAGES:
        raise ParamsError(f"language {language!r} is not supported (choose one of {', '.join(LANGUAGES)})")
    return language


def _count(value: Any) -> str:
    return f"{int(value):,}"


def _share(value: Any) -> str:
    return f"{100 * float(value):.0f} %"


def _number(value: Any) -> str:
    return f"{float(value):,.2f}"


@dataclass(frozen=True)
class Finding:
    """One data-derived sentence: templates per language, the raw values and how each value is formatted.

    `kinds` maps each placeholder to one of ``count`` (a bare count), ``customers`` (a count followed by
    "customer(s)" / "cliente/i" in the right number), ``share`` (a fraction in [0, 1]), ``money`` (report
    currency), ``number`` (any other quantity) or ``name`` (a segment key, rendered through the `names`
    mapping given to `render`).
    """

    key: str
    templates: Mapping[str, str]
    values: Mapping[str, Any]
    kinds: Mapping[str, str] = field(default_factory=dict)

    def render(
        self,
        language: str = "en",
        *,
        names: Mapping[str, str] | None = None,
        count: Callable[[Any], str] = _count,
        share: Callable[[Any], str] = _share,
        money: Callable[[Any], str] = _number,
        number: Callable[[Any], str] = _number,
    ) -> str:
        """Fill the template of `language` with the values, formatted by the given callables."""
        check_language(language)
        formatters = {"count": count, "share": share, "money": money, "number": number}
        names = names or {}
        filled: dict[str, str] = {}
        for key, value in self.values.items():
            kind = self.kinds.get(key, "number")
            if kind == "name":
                filled[key] = names.get(value, str(value))
            elif kind == "customers":
                one, many = CUSTOMER_NOUNS[language]
                filled[key] = f"{count(value)} {one if value == 1 else many}"
            else:
                filled[key] = formatters[kind](value)
        return self.templates[language].format(**filled)
