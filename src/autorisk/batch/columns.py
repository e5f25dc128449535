""":class:`MappedJob`: a job run on an input whose columns are named otherwise, or lack a constant column.

``autorisk rerate --map id_policy=policy_id --exposure 1`` wraps its job in
one: each chunk's ``id_policy`` is read as ``policy_id`` and an ``exposure``
column of 1 is added before the job sees it. Only the input's own columns
are read from disk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from autorisk.batch.jobs import Job
from autorisk.errors import ParameterError, levels_text

__all__ = ["MappedJob"]


class MappedJob:
    """``job`` applied to chunks whose columns are first renamed and completed with constants.

    Parameters
    ----------
    job : Job
        The job (e.g. a :class:`~autorisk.batch.QuoteJob`), written for the
        column names it expects.
    rename : mapping of str to str
        ``{input column: name the job reads}``.
    constants : mapping of str to float
        ``{column: value}`` added to every chunk (e.g. an exposure of 1).

    Examples
    --------
    >>> import tempfile
    >>> from autorisk.batch import QuoteJob, rerate
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> job = MappedJob(QuoteJob.from_plan(plan, keep=("policy_id", "exposure")), {"IDpol": "policy_id",
    ...                 "Region": "region"}, {"exposure": 1.0})
    >>> job.columns
    ('IDpol', 'Region')
    >>> book = pd.DataFrame({"IDpol": [7, 8], "Region": ["south", "north"]})
    >>> rerate(book, tempfile.mkdtemp(), job, progress=False).read()[["policy_id", "exposure", "premium_total"]]
       policy_id  exposure  premium_total
    0          7       1.0          600.0
    1          8       1.0          500.0
    """

    def __init__(self, job: Job, rename: Mapping[str, str] | None = None, constants: Mapping[str, float] | None = None):
        rename, constants = dict(rename or {}), dict(constants or {})
        targets = list(rename.values())
        twice = sorted({t for t in targets if targets.count(t) > 1})
        if twice:
            raise ParameterError(f"two input columns are renamed to the same name: {levels_text(twice)}")
        clash = sorted(set(constants) & set(targets))
        if clash:
            raise ParameterError(f"columns {levels_text(clash)} are both renamed to and given as a constant")
        self.job, self.rename, self.constants = job, rename, constants

    @property
    def columns(self) -> tuple[str, ...] | None:
        """Input columns read: the job's, under their input names (constants are not read)."""
        inner = getattr(self.job, "columns", None)
        if inner is None:
            return None
        back = {name: source for source, name in self.rename.items()}
        return tuple(dict.fromkeys(back.get(c, c) for c in inner if c not in self.constants))

    @property
    def plan_id(self) -> str | None:
        return getattr(self.job, "plan_id", None)

    def fingerprint(self) -> str:
        """SHA-256 of the job's fingerprint, the renaming and the constants."""
        content = {"job": self.job.fingerprint(), "rename": self.rename, "constants": self.constants}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        present = set(chunk.columns) - set(self.rename)
        clash = sorted((set(self.rename.values()) | set(self.constants)) & present)
        if clash:
            sources = {name: source for source, name in self.rename.items()}
            given = ", ".join(f"{sources[c]}={c}" if c in sources else f"{c} (a constant)" for c in clash)
            raise ParameterError(f"the input already has column(s) {levels_text(clash)}, so they cannot also come "
                                 f"from {given}")  # fmt: skip
        return self.job(chunk.rename(columns=self.rename).assign(**self.constants))

    def describe(self) -> dict[str, Any]:
        """What the run metadata records: the job's description, the renaming and the constants."""
        inner = self.job.describe() if callable(getattr(self.job, "describe", None)) else {}
        return {**inner, "plan_id": self.plan_id, "rename": self.rename, "constants": self.constants}

    def __repr__(self) -> str:
        return f"MappedJob({self.job!r}, rename={self.rename}, constants={self.constants})"
