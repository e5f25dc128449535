"""Errors as HTTP answers: each problem an entry with its field, value, rule and expected value.

The service answers bad input with HTTP 422 (413 for an oversized body, 404 for
an unknown plan version in the URL, 401/403 for the admin endpoints) and a body
``{"error": <kind>, "message": <text>, "problems": [{"field", "value", "rule",
"expected", "rows"?}, ...], "request_id": ...}``; never a stack trace.
"""

from __future__ import annotations

import math
from typing import Any

from autorisk.errors import AutoriskError, DataError, DataIssue, PlanError, _plain

_FIRST_VALUES = 20


def plain(value: Any) -> Any:
    """A value as plain JSON data: numpy scalars unwrapped, NaN and infinities as their names, others as text.

    Examples
    --------
    >>> import numpy as np
    >>> plain(np.int64(3)), plain(float("nan")), plain(b"x"), plain([1, "a"])
    (3, 'NaN', "b'x'", [1, 'a'])
    """
    value = _plain(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value).replace("nan", "NaN").replace("inf", "Infinity")
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


def issue_entry(issue: DataIssue) -> dict[str, Any]:
    """One problem entry of a :class:`~autorisk.errors.DataIssue`: field, value, rule, expected (and rows).

    Examples
    --------
    >>> issue_entry(DataIssue("driver_age", "out of range", "in [18, 100]", 1, (0,), (-1,)))
    {'field': 'driver_age', 'value': -1, 'rule': 'out of range', 'expected': 'in [18, 100]', 'rows': [0], 'n_rows': 1}
    """
    values = [plain(v) for v in issue.values[:_FIRST_VALUES]]
    entry: dict[str, Any] = {"field": issue.column, "value": values[0] if len(values) == 1 else (values or None),
                             "rule": issue.rule, "expected": issue.expected}  # fmt: skip
    if issue.rows:
        entry["rows"] = [plain(r) for r in issue.rows[:_FIRST_VALUES]]
        entry["n_rows"] = issue.n_rows
    return entry


def error_entries(error: AutoriskError) -> list[dict[str, Any]]:
    """The problem entries of an autorisk error: one per DataIssue, or one entry with its message."""
    if isinstance(error, DataError) and error.issues:
        return [issue_entry(issue) for issue in error.issues]
    field = "plan" if isinstance(error, PlanError) else None
    return [{"field": field, "value": None, "rule": type(error).__name__, "expected": str(error)}]


def error_body(kind: str, message: str, problems: list[dict[str, Any]], request_id: str | None) -> dict[str, Any]:
    """The JSON body of an error answer."""
    return {"error": kind, "message": message, "problems": problems, "request_id": request_id}
