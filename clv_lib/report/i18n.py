"""The report's words in Italian and English (`report/text/<language>.yaml`).

`Texts(language)(key, **values)` returns the sentence for `key` with `{placeholders}` filled in. Keys are dotted
paths (`cover.title`). A missing key is a bug, so it raises KeyError instead of printing the key.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from clv_lib.yaml_text import safe_load

TEXT_DIR = Path(__file__).resolve().parent / "text"
LANGUAGES = ("en", "it")


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    """All texts of one language, flattened to dotted keys."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported report language {language!r}")
    text = (TEXT_DIR / f"{language}.yaml").read_text(encoding="utf-8")
    raw = safe_load(text) or {}
    flat: dict[str, str] = {}

    def walk(prefix: str, node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            flat[prefix] = str(node)

    walk("", raw)
    return flat


# Italian elides the article before numbers read with an initial vowel: l'8%, l'11%, l'1,5%, dell'80%, all'1%.
_ELISION = re.compile(r"\b(il|del|al|nel|sul|dal) (?=(?:8\d*|11|1)(?:[.,]\d+)?\s?%)")
_ELIDED = {"il": "l'", "del": "dell'", "al": "all'", "nel": "nell'", "sul": "sull'", "dal": "dall'"}


def elide_italian(text: str) -> str:
    """Fix the article before percentages that start with a vowel sound (il 83% -> l'83%)."""
    return _ELISION.sub(lambda m: _ELIDED[m.group(1)], text)


# A count of exactly one takes the singular unit: "1 mese", "1 month" (templates are written in the plural).
_SINGULAR = {
    "it": {"mesi": "mese", "giorni": "giorno", "anni": "anno", "settimane": "settimana", "clienti": "cliente",
           "abbonati": "abbonato", "ordini": "ordine", "righe": "riga"},
    "en": {"months": "month", "days": "day", "years": "year", "weeks": "week", "customers": "customer",
           "subscribers": "subscriber", "orders": "order", "rows": "row"},
}
_ONE = {language: re.compile(r"(?<![\d.,])1 (" + "|".join(units) + r")\b") for language, units in _SINGULAR.items()}


#: "the last 1 month" reads "the last month" (a window of one month on a short history).
_LAST_ONE = {
    "it": [(re.compile(r"\b(negli|agli|sugli|dagli|degli|gli) ultimi 1 (mese|anno)\b"),
            lambda m: {"negli": "nell'", "agli": "all'", "sugli": "sull'", "dagli": "dall'", "degli": "dell'",
                       "gli": "l'"}[m.group(1)] + "ultimo " + m.group(2)),
           (re.compile(r"\b([Uu])ltimi 1 (mese|anno)\b"), lambda m: m.group(1) + "ltimo " + m.group(2))],
    "en": [(re.compile(r"\b([Ll]ast) 1 (month|year)\b"), lambda m: m.group(1) + " " + m.group(2))],
}


def singular_units(text: str, language: str) -> str:
    """Put the unit after a bare count of 1 in the singular (not after 1.5, 21 or 1,000), and say "the last month"
    rather than "the last 1 month"."""
    units = _SINGULAR.get(language)
    if not units:
        return text
    text = _ONE[language].sub(lambda m: "1 " + units[m.group(1)], text)
    for pattern, replace in _LAST_ONE.get(language, ()):
        text = pattern.sub(replace, text)
    return text


class Texts:
    """Looks up and fills the report's sentences in one language.

    A sentence that points to another chapter says `{ch_validation}`: the chapter's number in the report's table
    of contents, from `chapters()` (a callable returning the chapter keys in order, asked only when such a
    sentence is used), so references stay right when a chapter is shown in one report and not in another."""

    def __init__(self, language: str, chapters=None):
        self.language = language
        self._texts = catalogue(language)
        self._chapters = chapters

    def __call__(self, key: str, **values) -> str:
        text = self._texts[key]
        if "{ch_" in text:
            values = {**self.chapter_numbers(), **values}
        if not values:
            return text
        text = singular_units(text.format(**values), self.language)
        return elide_italian(text) if self.language == "it" else text

    def chapter_numbers(self) -> dict[str, int]:
        """`ch_<key>`: the number of each chapter in the table of contents (1 = the executive summary)."""
        from clv_lib.report.chapters.cover import TOC

        keys = self._chapters() if self._chapters is not None else [k for k in TOC if k != "since"]
        return {f"ch_{key}": i for i, key in enumerate(keys, start=1)}

    def has(self, key: str) -> bool:
        return key in self._texts
