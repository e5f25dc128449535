"""Exceptions raised by autorisk.

Every error autorisk raises on bad input derives from :class:`AutoriskError`.
Errors about data carry one or more :class:`DataIssue` records that name the
column, the rule that failed, what was expected, how many rows failed, the
first few row labels and the first few offending values, so a user can find
and fix the problem without re-running anything.

Hierarchy::

    AutoriskError
    ├── DataError (also ValueError)      bad values in a table
    │   ├── SchemaError (also KeyError)   missing/unmappable columns, bad dtypes
    │   └── UnknownCategoryError          a level unseen in training / not in a table
    ├── ParameterError (also ValueError)  an argument outside its documented options/range
    ├── ModelError                        a model cannot be fitted or used as asked
    ├── PlanError (also ValueError)       an invalid or tampered rating plan
    │   └── PlanNotFoundError (also LookupError)  no plan in service matches a name/version/date
    └── QuoteError (also ValueError)      a quote that cannot be priced
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: How many row labels and values an issue keeps for its message.
MAX_SHOWN = 5


@dataclass(frozen=True)
class DataIssue:
    """One failed check on one column of a table.

    Attributes
    ----------
    column : str
        Column (or comma-joined columns) the check is about.
    rule : str
        Short machine-readable name of the check, e.g. ``"nonnegative"``.
    expected : str
        What the data should have been, in words.
    n_rows : int
        How many rows fail the check (0 for table-level problems such as a
        missing column).
    rows : tuple
        Up to :data:`MAX_SHOWN` labels of failing rows (the table's index).
    values : tuple
        Up to :data:`MAX_SHOWN` offending values, aligned with ``rows``.

    Examples
    --------
    >>> import pandas as pd
    >>> issue = DataIssue.from_mask("exposure", "negative", "values >= 0", [False, True, True],
    ...                             pd.Index(["a", "b", "c"]), [1.0, -0.5, -2.0])
    >>> issue.n_rows, issue.rows, issue.values
    (2, ('b', 'c'), (-0.5, -2.0))
    >>> print(issue)
    column 'exposure': negative in 2 rows (expected values >= 0); values: -0.5, -2.0; rows: 'b', 'c'
    """

    column: str
    rule: str
    expected: str
    n_rows: int = 0
    rows: tuple[Any, ...] = field(default_factory=tuple)
    values: tuple[Any, ...] = field(default_factory=tuple)

    @classmethod
    def from_mask(
        cls,
        column: str,
        rule: str,
        expected: str,
        mask: np.ndarray | pd.Series,
        index: pd.Index,
        values: np.ndarray | pd.Series | None = None,
    ) -> DataIssue:
        """Build an issue from a boolean mask of failing rows."""
        mask = np.asarray(mask, dtype=bool)
        positions = np.flatnonzero(mask)
        shown = positions[:MAX_SHOWN]
        rows = tuple(_plain(v) for v in index[shown])
        shown_values: tuple[Any, ...] = ()
        if values is not None:
            # Pick the shown positions before boxing: boxing a whole 10-million-row
            # datetime column into Timestamps takes seconds.
            if hasattr(values, "take"):
                picked = np.asarray(values.take(shown), dtype=object)
            else:
                picked = np.asarray(values, dtype=object)[shown]
            shown_values = tuple(_plain(v) for v in picked)
        return cls(column, rule, expected, int(positions.size), rows, shown_values)

    def __str__(self) -> str:
        text = f"column '{self.column}': {self.rule}"
        if self.n_rows:
            text += f" in {self.n_rows} row{'s' if self.n_rows != 1 else ''}"
        text += f" (expected {self.expected})"
        if self.values:
            more = ", ..." if self.n_rows > len(self.values) else ""
            text += f"; values: {', '.join(map(repr, self.values))}{more}"
        if self.rows:
            more = ", ..." if self.n_rows > len(self.rows) else ""
            text += f"; rows: {', '.join(map(repr, self.rows))}{more}"
        return text


#: How many levels a message lists before it gives the count of the rest.
MAX_LEVELS_SHOWN = 10


def levels_text(levels: Sequence[Any], shown: int = MAX_LEVELS_SHOWN) -> str:
    """A list of levels for a message: all of them when few, else the first ``shown`` and the count.

    Parameters
    ----------
    levels : sequence
        The levels (numpy and pandas scalars are shown as plain values).
    shown : int, default MAX_LEVELS_SHOWN
        How many levels to show before the count.

    Returns
    -------
    str
        The levels as a list literal, shortened with ``...`` and the count.

    Examples
    --------
    >>> levels_text(["a", "b"])
    "['a', 'b']"
    >>> levels_text(list(range(100)), shown=3)
    '[0, 1, 2, ... (100 levels)]'
    """
    levels = [_plain(v) for v in levels]
    if len(levels) <= shown:
        return repr(levels)
    return "[" + ", ".join(map(repr, levels[:shown])) + f", ... ({len(levels)} levels)]"


def _plain(value: Any) -> Any:
    """Turn numpy/pandas scalars into plain Python objects for readable messages."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


class AutoriskError(Exception):
    """Base class of every exception autorisk raises on purpose.

    Catch it to handle any error autorisk reports about its input, and let
    bugs (other exceptions) through.

    Examples
    --------
    >>> from autorisk.datasets import load
    >>> try:
    ...     load("no_such_book")
    ... except AutoriskError as error:
    ...     print(type(error).__name__)
    ParameterError
    >>> issubclass(SchemaError, (DataError, KeyError)), issubclass(ModelError, ValueError)
    (True, False)
    """


class DataError(AutoriskError, ValueError):
    """A table holds values that break a declared rule.

    Parameters
    ----------
    issues : sequence of DataIssue or str
        The failed checks; a plain string is allowed for one-off messages.
    table : str, optional
        Name of the table (``"policies"``, ``"claims"``), used in the message.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.analytics import experience_table
    >>> book = pd.DataFrame({"exposure": [1.0, -0.5], "claim_count": [0, 1]})
    >>> experience_table(book, claim_amount=None)
    Traceback (most recent call last):
    ...
    autorisk.errors.DataError: column 'exposure': missing or negative in 1 row (expected finite values >= 0); values: -0.5; rows: 1
    >>> error = DataError([DataIssue("exposure", "negative", "values >= 0", 1, (1,), (-0.5,)),
    ...                    DataIssue("area", "missing column", "a column named area")], table="policies")
    >>> error.columns
    ['exposure', 'area']
    >>> print(error)
    policies: 2 problems
      - column 'exposure': negative in 1 row (expected values >= 0); values: -0.5; rows: 1
      - column 'area': missing column (expected a column named area)
    """

    def __init__(self, issues: Sequence[DataIssue] | DataIssue | str, table: str | None = None):
        if isinstance(issues, (DataIssue, str)):
            issues = [issues]
        self.issues: list[DataIssue] = [i for i in issues if isinstance(i, DataIssue)]
        self.table = table
        lines = [str(i) for i in issues]
        head = f"{table}: " if table else ""
        if len(lines) == 1:
            message = head + lines[0]
        else:
            message = head + f"{len(lines)} problems\n  - " + "\n  - ".join(lines)
        super().__init__(message)

    @property
    def columns(self) -> list[str]:
        """Columns named by the issues, in order, without repeats."""
        return list(dict.fromkeys(i.column for i in self.issues))

    def __str__(self) -> str:  # KeyError (a base of SchemaError) would quote the message
        return str(self.args[0]) if self.args else ""


class SchemaError(DataError, KeyError):
    """A required column is missing or a column has a dtype that cannot be used.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.analytics import experience_table
    >>> experience_table(pd.DataFrame({"exposure": [1.0]}), claim_amount=None)
    Traceback (most recent call last):
    ...
    autorisk.errors.SchemaError: column 'claim_count': missing column (expected columns among ['exposure'])
    """


class UnknownCategoryError(DataError):
    """A categorical value is not among the known levels (e.g. unseen in training).

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> model = FrequencyGLM(["area"]).fit(pd.DataFrame({"area": ["a", "a", "b"]}), [0, 1, 1], exposure=[1, 1, 1])
    >>> model.predict(pd.DataFrame({"area": ["c"]}))
    Traceback (most recent call last):
    ...
    autorisk.errors.UnknownCategoryError: column 'area': unseen level in 1 row (expected one of the fitted levels ['a', 'b']); values: 'c'; rows: 0
    """


class ParameterError(AutoriskError, ValueError):
    """An argument is outside its documented options or range; the message lists the valid ones.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> FrequencyGLM(overdispersion="negative_binomial").fit(pd.DataFrame({"area": ["a", "b"]}), [0, 1], exposure=[1, 1])
    Traceback (most recent call last):
    ...
    autorisk.errors.ParameterError: overdispersion must be one of ('none', 'quasi'), got 'negative_binomial'
    """


class ModelError(AutoriskError):
    """A model cannot be fitted or applied as requested.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> FrequencyGLM(["area"]).fit(pd.DataFrame({"area": ["a", "b"]}), [0, 0], exposure=[1.0, 1.0])
    Traceback (most recent call last):
    ...
    autorisk.errors.ModelError: the response has no variation (every value is 0); nothing to estimate
    """


class PlanError(AutoriskError, ValueError):
    """A rating plan is invalid, breaks its regulatory bounds, or fails its hash check.

    Examples
    --------
    >>> from autorisk.rating import Coverage
    >>> Coverage("tpl", base_rate=-1.0)
    Traceback (most recent call last):
    ...
    autorisk.errors.PlanError: coverage 'tpl': base rate must be finite and > 0, got -1.0
    """


class PlanNotFoundError(PlanError, LookupError):
    """No plan in service matches what was asked (name, version, date); the message lists what exists.

    Parameters
    ----------
    message : str
        What was asked and why nothing matches.
    asked : dict, optional
        The request: ``{"name", "version", "date"}`` (None where not given).
    available : sequence of str, optional
        What is in service, e.g. ``"demo v1 [2026-01-01, open)"``.

    Examples
    --------
    >>> error = PlanNotFoundError("no plan 'demo' version '9'", asked={"name": "demo", "version": "9"},
    ...                           available=["demo v1 [2026-01-01, open)"])
    >>> print(error)
    no plan 'demo' version '9'; in service: demo v1 [2026-01-01, open)
    >>> isinstance(error, LookupError), error.asked["version"]
    (True, '9')
    """

    def __init__(self, message: str, *, asked: dict[str, Any] | None = None,
                 available: Sequence[str] = ()) -> None:  # fmt: skip
        self.asked = dict(asked or {})
        self.available = tuple(available)
        listed = "; ".join(self.available) if self.available else "none"
        super().__init__(f"{message}; in service: {listed}")

    def __str__(self) -> str:  # LookupError subclasses may quote the message
        return str(self.args[0]) if self.args else ""


class QuoteError(DataError):
    """A quote cannot be priced (missing field, unknown level, value out of range, ...).

    Like :class:`DataError` it lists every problem found (``issues``), each
    naming the field, the offending values and the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> plan.quote(pd.DataFrame({"region": ["north", "east"]}))
    Traceback (most recent call last):
    ...
    autorisk.errors.QuoteError: column 'region': unknown level in 1 row (expected one of ['north', 'south']); values: 'east'; rows: 1
    """


__all__ = [
    "MAX_LEVELS_SHOWN",
    "MAX_SHOWN",
    "AutoriskError",
    "DataError",
    "DataIssue",
    "ModelError",
    "ParameterError",
    "PlanError",
    "PlanNotFoundError",
    "QuoteError",
    "SchemaError",
    "UnknownCategoryError",
    "levels_text",
]


class AuditStoreError(AutoriskError, OSError):
    """Audit records could not be written to the store; the message says where they were saved instead.

    Raised by :meth:`autorisk.service.audit.AuditStore.close` when records are
    still unwritten after its retries; :func:`autorisk.service.audit.read_unsaved`
    reads the file it names. It is an :class:`OSError` too: the store is out of reach.

    Examples
    --------
    >>> error = AuditStoreError("audit store sqlite:///quotes.db: 2 records could not be written; "
    ...                         "saved to quotes.db.unsaved-20260101T000000000000.jsonl")
    >>> isinstance(error, AutoriskError), isinstance(error, OSError)
    (True, True)
    """
