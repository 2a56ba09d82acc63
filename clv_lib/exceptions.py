"""The domain errors of clv_lib.

Every user mistake ends up as one of these, with a one-line message that names the file, the column or key,
and the counts involved. Low-level errors (pandas, yaml, scipy, OS) are translated into these at the boundary
where they happen, so that the command line can print ``error: <message>`` instead of a traceback.
"""

from __future__ import annotations


class ClvError(Exception):
    """Raised when anything in clv_lib fails for a reason a user can act on; base of all domain errors."""


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
