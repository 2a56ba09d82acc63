"""The domain errors of clv_lib, and the words they are shown in.

Every user mistake ends up as one of these, with a one-line message that names the file, the column or key,
and the counts involved. Low-level errors (pandas, yaml, scipy, OS) are translated into these at the boundary
where they happen, so that the command line can print ``error: <message>`` instead of a traceback.

The common user mistakes (a missing file or column, a bad params key, no readable rows) carry a message key and
their details instead of a sentence: ``DataError(key="data.column_not_found", file=..., column=..., columns=[...])``.
The sentence comes from the catalogue `clv_lib/errors.yaml` (English and Italian side by side), in the language
the boundary asks for: the runner's command line and the report notebook render an error in the client's
language (params ``language``, or the run's ``LANGUAGE``); ``str(error)`` is English unless a boundary set
``error.language``. Errors raised with a plain sentence keep it in every language.
"""

from __future__ import annotations

import numbers
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "it")
CATALOGUE = Path(__file__).resolve().parent / "errors.yaml"


class Msg:
    """A piece of a message to render in the error's language: a catalogue key and its details (a fragment
    such as " at line 3", a list item). `fallback` is the sentence used when the catalogue has no text for that
    language (pydantic's own English words)."""

    __slots__ = ("key", "details", "fallback")

    def __init__(self, key: str, fallback: str | None = None, /, **details):
        self.key, self.details, self.fallback = key, details, fallback

    def render(self, language: str) -> str:
        return render_message(self.key, language, self.details, self.fallback)

    def __reduce__(self):
        return (_msg, (self.key, self.fallback, self.details))

    def __str__(self) -> str:  # English, where a piece ends up in a plain sentence (a log, a ledger)
        return self.render("en")

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.details!r})"


def _msg(key, fallback, details):
    return Msg(key, fallback, **details)


class Clauses(list):
    """Message pieces shown one after the other, separated by "; " (plain lists are joined by ", ")."""


class Rule(str):
    """The name of a cleaning rule (English, as in data_quality.csv), shown translated in the error's language."""


class ClvError(Exception):
    """Raised when anything in clv_lib fails for a reason a user can act on; base of all domain errors.

    Either a sentence (`ClvError("...")`) or a catalogue key with its details (`ClvError(key=..., file=...)`)."""

    def __init__(self, message: str = "", *, key: str | None = None, **details):
        super().__init__(message)
        self.key = key
        self.details = details
        self.language: str | None = None  # set by a boundary that knows the client's language

    def render(self, language: str | None = None) -> str:
        """The one-line message in `language` (default: the language a boundary set, else English)."""
        language = language or self.language or "en"
        if self.key is None:
            return super().__str__()
        return render_message(self.key, language, self.details)

    def __str__(self) -> str:
        return self.render()

    def __reduce__(self):  # keyed errors cross process boundaries (pickle) with their key and details
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls, args, state):
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ParamsError(ClvError):
    """Raised when a client's parameters file is missing, unreadable or does not match the schema."""


class DataError(ClvError):
    """Raised when a client's data cannot be read or is unusable (missing file or column, no valid rows, too few customers)."""


class EngineError(DataError):
    """Raised when a database or warehouse engine cannot be reached, or a table or column is missing there."""


class CurrencyError(DataError):
    """Raised when the data holds a currency other than the report's and no exchange rate was given for it."""


class NotFittedError(ClvError, AttributeError):
    """Raised when a model's fitted state or predictions are used before ``fit`` was called."""


class ConvergenceError(ClvError):
    """Raised when a model's maximum-likelihood fit does not converge to a finite, valid optimum."""


class BoundaryError(ConvergenceError):
    """Raised when a model's likelihood is highest at the edge of its parameter space (a parameter running to 0 or
    infinity): often a simpler limit model (e.g. no drop-out) describes the data. `params` holds the estimates
    at the edge, `log_likelihood` the value there, `at_zero` / `at_infinity` the names of the parameters that
    ran to each end."""

    def __init__(self, message: str, *, params: dict | None = None, log_likelihood: float = float("nan"),
                 at_zero: tuple = (), at_infinity: tuple = ()):
        super().__init__(message)
        self.params = dict(params or {})
        self.log_likelihood = log_likelihood
        self.at_zero = tuple(at_zero)
        self.at_infinity = tuple(at_infinity)


class ModelInputError(DataError):
    """Raised when a summary cannot support a model (too few customers or repeat buyers, invalid columns)."""


class RenderError(ClvError):
    """Raised when the executed notebook cannot be turned into HTML or PDF (no engine, engine failure)."""


class ExecutionError(ClvError):
    """Raised when the report notebook fails while running; the executed notebook is kept as the log."""


# ---- the catalogue ------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def catalogue() -> dict[str, dict[str, str]]:
    """`errors.yaml`: message key -> {language: template}."""
    from clv_lib.yaml_text import safe_load

    return safe_load(CATALOGUE.read_text(encoding="utf-8"))


def render_message(key: str, language: str, details: dict, fallback: str | None = None) -> str:
    """The template of `key` in `language` (English when that language has none) with `details` filled in:
    numbers grouped the language's way, lists joined, `Msg` pieces and `Rule` names rendered in the language."""
    texts = catalogue().get(key)
    if texts is None:
        if fallback is not None:
            return fallback
        raise KeyError(f"error message {key!r} is not in {CATALOGUE.name}")
    template = texts.get(language)
    if template is None:
        if fallback is not None:
            return fallback
        template = texts["en"]
    return template.format(**{name: _show(value, language) for name, value in details.items()})


def _show(value, language: str) -> str:
    if isinstance(value, (Msg, ClvError)):  # a piece, or an error given as the reason of another
        return value.render(language)
    if isinstance(value, Rule):
        if language == "en":
            return str(value)
        from clv_lib.rule_labels import rule_label

        return rule_label(str(value), language)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if language == "it" else text
    if isinstance(value, numbers.Integral):
        text = f"{int(value):,}"
        return text.replace(",", ".") if language == "it" else text
    if isinstance(value, (list, tuple)):
        return ("; " if isinstance(value, Clauses) else ", ").join(_show(v, language) for v in value)
    return str(value)


def error_line(error: ClvError | str, language: str | None = None) -> str:
    """`error: <message>` (`errore: ...` in Italian), the line the command line prints for a user mistake."""
    language = language if language in LANGUAGES else "en"
    text = error.render(language) if isinstance(error, ClvError) else str(error)
    return render_message("prefix", language, {"message": text})


def is_error_line(line: str) -> bool:
    """Whether a printed line is one made by `error_line`, in any language."""
    return any(line.startswith(catalogue()["prefix"][language].split("{", 1)[0]) for language in LANGUAGES)


@contextmanager
def errors_in(language: str | None):
    """Inside the block, a ClvError that leaves it speaks `language` (its `str()` is in that language): the report
    notebook's boundary, so that the runner receives the client's words."""
    try:
        yield
    except ClvError as error:
        if error.language is None and language in LANGUAGES:
            error.language = language
        raise
