"""What a batch run applies to each chunk: the :class:`Job` protocol and :class:`QuoteJob`.

A job is sent to every process that rates a chunk (pickled to Dask workers),
so it must be small, picklable and deterministic: the same chunk gives the
same frame, bit for bit, in any process. Its :meth:`Job.fingerprint`
identifies its content; a run records it and refuses to resume with another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import pandas as pd

from autorisk.errors import ParameterError
from autorisk.rating.plan import RatingPlan, cached_plan

__all__ = ["Job", "QuoteJob"]


@runtime_checkable
class Job(Protocol):
    """What :func:`~autorisk.batch.rerate` applies to each chunk of a portfolio.

    A job may also have a ``columns`` attribute (the input columns it reads,
    so only those are read from disk) and a ``plan_id`` (recorded in the run
    metadata). It must be row-wise: a run may cut the portfolio anywhere, so
    a row's output may depend only on that row.

    Examples
    --------
    A job loading every premium by 5%; its fingerprint names the loading, so
    a run refuses to resume with another one.

    >>> import tempfile
    >>> from autorisk.batch import rerate
    >>> class Loading:
    ...     columns = ("policy_id", "premium")
    ...     def __call__(self, chunk):
    ...         return chunk.assign(premium=chunk["premium"] * 1.05)
    ...     def fingerprint(self):
    ...         return "loading-1.05"
    >>> isinstance(Loading(), Job)
    True
    >>> book = pd.DataFrame({"policy_id": [1, 2], "premium": [100.0, 200.0], "region": ["N", "S"]})
    >>> rerate(book, tempfile.mkdtemp(), Loading(), progress=False).read()
       policy_id  premium
    0          1    105.0
    1          2    210.0
    """

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame: ...

    def fingerprint(self) -> str: ...


@dataclass(frozen=True, repr=False)
class QuoteJob:
    """Quote each chunk with a rating plan, keeping some identifying columns.

    The plan travels as its JSON text, so the job pickles small and
    identically; each process rebuilds the plan once, on first use.

    Parameters
    ----------
    plan_json : str
        The plan as saved by :meth:`RatingPlan.to_json`; its content hash is
        checked when it is parsed (a tampered plan is a PlanError).
    keep : sequence of str, default ("policy_id",)
        Input columns copied to the output, first, before the quote columns.
    breakdown : bool, default False
        Include each factor's relativity (see :meth:`RatingPlan.quote`);
        the premiums are the same bit for bit either way.
    errors : {"raise", "flag"}, default "raise"
        ``"raise"``: a chunk with a row the plan cannot rate stops the run
        (QuoteError naming the rows); ``"flag"``: such rows get NaN premiums
        and a ``quote_error`` text.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> job = QuoteJob.from_plan(plan)
    >>> job.columns
    ('policy_id', 'region')
    >>> quotes = job(pd.DataFrame({"policy_id": [7, 8], "region": ["south", "north"]}))
    >>> quotes.columns.tolist()
    ['policy_id', 'pure_tpl', 'premium_tpl', 'premium_total', 'plan_id']
    >>> quotes["premium_total"].tolist()
    [600.0, 500.0]
    """

    plan_json: str
    keep: tuple[str, ...] = ("policy_id",)
    breakdown: bool = False
    errors: Literal["raise", "flag"] = "raise"

    def __post_init__(self) -> None:
        keep = (self.keep,) if isinstance(self.keep, str) else tuple(self.keep)
        object.__setattr__(self, "keep", keep)
        if self.errors not in ("raise", "flag"):
            raise ParameterError(f"errors must be one of ['raise', 'flag'], got {self.errors!r}")
        clash = sorted(set(keep) & set(self._output_columns()))
        if clash:
            raise ParameterError(f"keep columns {clash} would clash with the quote's own columns")

    @classmethod
    def from_plan(
        cls,
        plan: RatingPlan,
        *,
        keep: Sequence[str] = ("policy_id",),
        breakdown: bool = False,
        errors: Literal["raise", "flag"] = "raise",
    ) -> QuoteJob:
        """The job quoting with ``plan`` (its JSON stored compact)."""
        return cls(plan.to_json(compact=True), tuple(keep), breakdown, errors)

    @property
    def plan(self) -> RatingPlan:
        """The rating plan, parsed once per process."""
        return cached_plan(self.plan_json)

    @property
    def plan_id(self) -> str:
        return self.plan.plan_id

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns read: the kept ones, then the plan's."""
        return tuple(dict.fromkeys([*self.keep, *self.plan.columns]))

    def fingerprint(self) -> str:
        """SHA-256 of what decides the output: plan id, kept columns, breakdown and error policy."""
        content = {"job": "quote", "plan_id": self.plan_id, "keep": list(self.keep),
                   "breakdown": self.breakdown, "errors": self.errors}  # fmt: skip
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        quotes = self.plan.quote(chunk, errors=self.errors, breakdown=self.breakdown)
        return pd.concat([chunk[list(self.keep)], quotes], axis=1)

    def describe(self) -> dict[str, Any]:
        """What the run metadata records about the job."""
        plan = self.plan
        return {"type": "QuoteJob", "plan_id": plan.plan_id, "plan_name": plan.name, "plan_version": plan.version,
                "keep": list(self.keep), "breakdown": self.breakdown, "errors": self.errors}  # fmt: skip

    def _output_columns(self) -> list[str]:
        return [*self.plan._column_names(self.breakdown), "premium_total", "tax_total", "payable_total",
                "plan_id", "quote_error"]  # fmt: skip

    def __repr__(self) -> str:
        plan = self.plan
        return (f"QuoteJob(plan {plan.name!r} v{plan.version} {plan.plan_id[:12]}, keep={list(self.keep)}, "
                f"breakdown={self.breakdown}, errors={self.errors!r})")  # fmt: skip
