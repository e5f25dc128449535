"""Replay of the audit store: re-price every stored answer with its plan and report any difference.

A quote is re-priced with the plan whose id (content hash) it recorded, on the
recorded quote date, exactly as the service priced it: a single quote with
``RatingPlan.quote_one``, a batch with ``RatingPlan.quote(errors="flag")``. A
mid-term adjustment, a cancellation refund and a renewal offer are answered
again by :mod:`autorisk.service.changes` from the stored request and options
(the plan by its recorded id; a refund has none), and the answer's JSON bytes
must equal the stored ones.
The comparison is exact: the same keys or columns, equal strings, and doubles
equal bit for bit (NaN equal to NaN in flagged rows). There must be no
difference; one means a plan file changed under its id, the engine changed its
arithmetic, or the store was altered.

Examples
--------
>>> import tempfile, pathlib, orjson
>>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
>>> from autorisk.service.audit import QuoteRecord, open_audit_store, utc_now
>>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2)),)),))
>>> store = open_audit_store(pathlib.Path(tempfile.mkdtemp()) / "quotes.db")
>>> request = b'{"policy": {"region": "south"}}'
>>> store.submit(QuoteRecord("q-1", utc_now(), "quote", plan.name, plan.version, plan.plan_id, request,
...                          result=orjson.dumps(plan.quote_one({"region": "south"}))))
>>> store.close()
>>> print(replay(store, {plan.plan_id: plan}.get))
Replay of 1 quote (1 policy): no difference
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

import numpy as np
import orjson
import pandas as pd

from autorisk.errors import AutoriskError, ParameterError

#: Columns of :attr:`ReplayReport.differences`.
DIFFERENCE_COLUMNS = ("quote_id", "field", "stored", "replayed")
#: Differences a report prints (all are in the DataFrame).
SHOWN = 20
#: Endpoints whose records a replay answers again from the request and options (the policy changes).
CHANGES = ("midterm", "cancel", "renewal")
_REPLAYED = ("quote", "quotes", *CHANGES)


@dataclass(frozen=True)
class ReplayReport:
    """What a replay found.

    Attributes
    ----------
    n_quotes : int
        Stored records replayed (a batch counts once, as does a mid-term
        adjustment, a cancellation or a renewal offer).
    n_policies : int
        Policies re-priced (a batch counts each of its policies).
    differences : DataFrame
        One row per difference: ``quote_id`` (``<batch id>:<i>`` for policy ``i``
        of a batch), ``field`` (a key of the quote, a column of the batch, the
        dot path of a value in a policy change's answer such as
        ``before.premium_tpl``, or ``plan_id`` / ``error`` / ``columns`` /
        ``n_policies`` / ``result``), ``stored`` and ``replayed`` values.
    skipped : dict
        Records not replayed, by endpoint (an endpoint this replay does not
        know); empty for the service's endpoints.

    Examples
    --------
    >>> found = pd.DataFrame([("q-7", "premium_total", 512.5, 515.0)], columns=list(DIFFERENCE_COLUMNS))
    >>> report = ReplayReport(2, 3, found)
    >>> report.ok
    False
    >>> print(report)
    Replay of 2 quotes (3 policies): 1 difference in 1 quote
      q-7  premium_total: stored 512.5, replayed 515.0
    """

    n_quotes: int
    n_policies: int
    differences: pd.DataFrame
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every re-priced quote equals its stored result exactly."""
        return self.differences.empty

    def _heading(self) -> str:
        quotes = f"{self.n_quotes} quote{'s' if self.n_quotes != 1 else ''}"
        policies = f"{self.n_policies} polic{'ies' if self.n_policies != 1 else 'y'}"
        text = f"Replay of {quotes} ({policies})"
        if self.ok:
            text += ": no difference"
        else:
            n, n_quotes = len(self.differences), self.differences["quote_id"].map(_quote_of).nunique()
            text += f": {n} difference{'s' if n != 1 else ''} in {n_quotes} quote{'s' if n_quotes != 1 else ''}"
        if self.skipped:
            text += "; not replayed: " + ", ".join(f"{n} {e}" for e, n in sorted(self.skipped.items()))
        return text

    def __str__(self) -> str:
        lines = [self._heading()]
        for row in self.differences.head(SHOWN).itertuples(index=False):
            lines.append(f"  {row.quote_id}  {row.field}: stored {row.stored!r}, replayed {row.replayed!r}")
        if len(self.differences) > SHOWN:
            lines.append(f"  ... ({len(self.differences) - SHOWN} more)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ReplayReport: {self._heading()}>"

    def _repr_html_(self) -> str:
        html = f"<p><b>{escape(self._heading())}</b></p>"
        if not self.ok:
            shown = self.differences.head(SHOWN).map(repr)
            shown["quote_id"] = self.differences["quote_id"].head(SHOWN)
            shown["field"] = self.differences["field"].head(SHOWN)
            html += shown.to_html(index=False, escape=True)
            if len(self.differences) > SHOWN:
                html += f"<p>... ({len(self.differences) - SHOWN} more in <code>differences</code>)</p>"
        return html


def replay(store: Any, plans: Any, *, since: str | datetime | None = None) -> ReplayReport:
    """Re-price every stored answer (received at or after ``since``) with its plan and compare exactly.

    Parameters
    ----------
    store : AuditStore
        The audit store (:func:`autorisk.service.audit.open_audit_store`).
    plans : callable, mapping or registry
        The plans by id: a callable ``plan_id -> RatingPlan`` (None or a
        ``KeyError`` when unknown), a mapping of plan id to plan, or an object
        with a ``by_id`` method (the service's plan registry). A plan id no
        longer found is a difference, not an error.
    since : str or datetime, optional
        Only quotes received at or after this time (a naive time is UTC).

    Returns
    -------
    ReplayReport
        The records and policies replayed and every difference found.

    Examples
    --------
    A record whose plan is no longer found is a difference:

    >>> import tempfile, pathlib
    >>> from autorisk.service.audit import QuoteRecord, open_audit_store, utc_now
    >>> with open_audit_store(pathlib.Path(tempfile.mkdtemp()) / "quotes.db") as store:
    ...     store.submit(QuoteRecord("q-1", utc_now(), "quote", "demo", "1", "ab12", b"{}"))
    >>> report = replay(store, {})
    >>> report.ok, report.differences[["quote_id", "field", "replayed"]].values.tolist()
    (False, [['q-1', 'plan_id', 'no plan with this id']])
    """
    lookup = _lookup(plans)
    found: list[tuple[Any, ...]] = []
    skipped: Counter[str] = Counter()
    n_quotes = n_policies = 0
    for record in store.records(since=since):
        if record.endpoint not in _REPLAYED:
            skipped[record.endpoint] += 1
            continue
        n_quotes += 1
        n_policies += record.n_policies
        plan = None
        if record.endpoint != "cancel":  # no plan prices a refund
            plan = lookup(record.plan_id)
            if plan is None:
                found.append((record.quote_id, "plan_id", record.plan_id, "no plan with this id"))
                continue
            if plan.plan_id != record.plan_id:
                found.append((record.quote_id, "plan_id", record.plan_id, plan.plan_id))
                continue
        try:
            if record.endpoint == "quote":
                found.extend(_replay_one(record, plan))
            elif record.endpoint == "quotes":
                found.extend(_replay_batch(record, plan))
            else:
                found.extend(_replay_change(record, plan))
        except (AutoriskError, ValueError, TypeError, KeyError) as error:
            # a request that no longer prices, or a stored request or result that no longer parses: a difference
            found.append((record.quote_id, "error", None, f"{type(error).__name__}: {error}"))
    differences = pd.DataFrame(found, columns=list(DIFFERENCE_COLUMNS), dtype=object)
    return ReplayReport(n_quotes, n_policies, differences, dict(skipped))


def _lookup(plans: Any) -> Callable[[str], Any]:
    if hasattr(plans, "by_id"):
        find = plans.by_id
    elif isinstance(plans, Mapping):
        find = plans.get
    elif callable(plans):
        find = plans
    else:
        raise ParameterError(f"plans must be a callable plan_id -> RatingPlan, a mapping or a registry with "
                             f"by_id, got {type(plans).__name__}")  # fmt: skip

    def lookup(plan_id: str) -> Any:
        try:
            return find(plan_id)
        except (LookupError, AutoriskError):
            return None

    return lookup


def _replay_one(record: Any, plan: Any) -> Iterable[tuple[Any, ...]]:
    body = orjson.loads(record.request)
    policy = body["policy"] if isinstance(body, dict) and isinstance(body.get("policy"), dict) else body
    quote_date = record.options.get("quote_date", body.get("quote_date") if isinstance(body, dict) else None)
    fresh = plan.quote_one(policy, as_of=quote_date)
    replayed = orjson.loads(orjson.dumps(fresh, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS))
    stored = orjson.loads(record.result)
    for key in sorted(set(stored) | set(replayed), key=str):
        old, new = stored.get(key, _ABSENT), replayed.get(key, _ABSENT)
        if not _same(old, new):
            yield record.quote_id, key, old, new


def _replay_batch(record: Any, plan: Any) -> Iterable[tuple[Any, ...]]:
    from autorisk.service.payload import arrow_bytes, read_arrow, read_batch

    frame, body_options = read_batch(record.request, record.content_type)
    options = {**body_options, **record.options}
    fresh = plan.quote(frame.reset_index(drop=True), errors="flag", as_of=options.get("quote_date"),
                       breakdown=bool(options.get("breakdown", False)))  # fmt: skip
    replayed = read_arrow(arrow_bytes(fresh))  # through Arrow as the service stored it
    stored = read_arrow(record.result)
    quote_id = record.quote_id
    if len(stored) != len(replayed):
        yield quote_id, "n_policies", len(stored), len(replayed)
        return
    for name in [*stored.columns, *(c for c in replayed.columns if c not in stored.columns)]:
        if name not in replayed.columns or name not in stored.columns:
            yield quote_id, name, "present" if name in stored else _ABSENT, "present" if name in replayed else _ABSENT
            continue
        old, new = stored[name], replayed[name]
        if old.dtype != new.dtype:
            yield quote_id, name, f"dtype {old.dtype}", f"dtype {new.dtype}"
            continue
        for i in np.flatnonzero(~_equal_columns(old, new)):
            yield f"{quote_id}:{i}", name, _plain(old.iloc[i]), _plain(new.iloc[i])


def _replay_change(record: Any, plan: Any) -> Iterable[tuple[Any, ...]]:
    """A policy change answered again from its request and options; its JSON bytes must be the stored ones."""
    from autorisk.renewal import RenewalRules
    from autorisk.service.changes import cancel_answer, midterm_answer, renewal_answer
    from autorisk.service.payload import dumps

    body, options = orjson.loads(record.request), record.options
    if record.endpoint == "cancel":
        answer = cancel_answer(body["premium_paid"], start=options["start"], end=options["end"],
                               cancelled=options["cancelled"], method=options["method"])  # fmt: skip
    elif record.endpoint == "midterm":
        answer = midterm_answer(plan, body["policy"], body["changes"], start=options["start"], end=options["end"],
                                effective=options["effective"])  # fmt: skip
    else:
        answer = renewal_answer(plan, body["policy"], body["current_premium"], renewal_date=options["renewal_date"],
                                ladder=options["ladder"], rules=RenewalRules.from_dict(options["rules"]))  # fmt: skip
    replayed = dumps({"quote_id": record.quote_id, **answer})
    if replayed == record.result:
        return
    found = list(_value_differences("", orjson.loads(record.result), orjson.loads(replayed)))
    if not found:  # the same values written otherwise (key order, spacing): the bytes still differ
        found = [("result", record.result.decode(errors="replace"), replayed.decode())]
    for path, old, new in found:
        yield record.quote_id, path, old, new


def _value_differences(path: str, old: Any, new: Any) -> Iterable[tuple[str, Any, Any]]:
    """The values of two JSON documents that differ, each named by its dot path (``before.premium_tpl``)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            yield from _value_differences(f"{path}.{key}" if path else key, old.get(key, _ABSENT),
                                          new.get(key, _ABSENT))  # fmt: skip
    elif not _same(old, new):
        yield path, old, new


def _equal_columns(old: pd.Series, new: pd.Series) -> np.ndarray:
    """Elementwise: the same bits for doubles (any NaN equals any NaN), equal values otherwise."""
    if old.dtype.kind == "f":
        a, b = old.to_numpy(), new.to_numpy()
        bits = f"u{a.dtype.itemsize}"
        return (a.view(bits) == b.view(bits)) | (np.isnan(a) & np.isnan(b))
    a, b = old.astype(object).to_numpy(), new.astype(object).to_numpy()
    return np.fromiter((_same(x, y) for x, y in zip(a, b, strict=True)), dtype=bool, count=len(a))


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT = _Absent()


def _same(old: Any, new: Any) -> bool:
    """Equal and of the same kind; doubles bit for bit (NaN equals NaN, 0.0 is not -0.0)."""
    if isinstance(old, float) and isinstance(new, float):
        if math.isnan(old) or math.isnan(new):
            return math.isnan(old) and math.isnan(new)
        return old == new and math.copysign(1.0, old) == math.copysign(1.0, new)
    if type(old) is not type(new):
        return _missing(old) and _missing(new)
    if isinstance(old, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list):
        return len(old) == len(new) and all(_same(x, y) for x, y in zip(old, new, strict=True))
    return bool(old == new)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _quote_of(quote_id: str) -> str:
    """The stored quote a difference belongs to (a batch's policy ``<id>:<i>`` belongs to batch ``<id>``)."""
    return quote_id.rsplit(":", 1)[0] if ":" in quote_id else quote_id


__all__ = ["CHANGES", "DIFFERENCE_COLUMNS", "ReplayReport", "replay"]
