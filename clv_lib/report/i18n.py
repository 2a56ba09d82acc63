"""The report's words in Italian and English (`report/text/<language>.yaml`).

`Texts(language)(key, **values)` returns the sentence for `key` with `{placeholders}` filled in. Keys are dotted
paths (`cover.title`). A missing key is a bug, so it raises KeyError instead of printing the key.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

TEXT_DIR = Path(__file__).resolve().parent / "text"
LANGUAGES = ("en", "it")


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    """All texts of one language, flattened to dotted keys."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported report language {language!r}")
    raw = yaml.safe_load((TEXT_DIR / f"{language}.yaml").read_text(encoding="utf-8")) or {}
    flat: dict[str, str] = {}

    def walk(prefix: str, node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            flat[prefix] = str(node)

    walk("", raw)
    return flat


class Texts:
    """Looks up and fills the report's sentences in one language."""

    def __init__(self, language: str):
        self.language = language
        self._texts = catalogue(language)

    def __call__(self, key: str, **values) -> str:
        text = self._texts[key]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._texts
