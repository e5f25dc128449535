"""A renewal run as a batch job: experience update, re-score, capping, for :func:`autorisk.batch.rerate`."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from autorisk.rating.plan import RatingPlan, cached_plan
from autorisk.renewal.ladders import Ladder
from autorisk.renewal.rescore import RenewalRules, renewal_offers


@functools.lru_cache(maxsize=8)
def _ladder_of(text: str) -> Ladder:
    return Ladder.from_dict(json.loads(text))


@dataclass(frozen=True, repr=False)
class RenewalJob:
    """Renewal offers for each chunk of an in-force book (the :class:`~autorisk.batch.Job` protocol).

    Plan, rules and ladder travel as JSON text, so the job pickles small and
    the same in every process; each process parses them once.

    Parameters
    ----------
    plan_json : str
        The new plan (:meth:`RatingPlan.to_json`).
    rules_json : str
        :class:`RenewalRules` as JSON.
    ladder_json : str, optional
        An NCD / bonus-malus ladder as JSON (:meth:`Ladder.to_dict`).
    current_premium, claims : str
        Columns of the premium paid now and of the claims since renewal.
    keep : tuple of str
        Columns copied to the offers.
    at_fault, partly_at_fault, lapse_days : str, optional
        Columns passed to the ladder's ``renew`` (claims fully / partly at
        fault; uninsured days before the renewal).

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.5))
    >>> job = RenewalJob.from_plan(RatingPlan("tariff", "2", (Coverage("tpl", 500.0, (region,)),)))
    >>> book = pd.DataFrame({"policy_id": [1, 2], "region": ["north", "south"], "current_premium": [480.0, 600.0]})
    >>> job(book)["offered_premium"].tolist()
    [500.0, 720.0]
    """

    plan_json: str
    rules_json: str
    ladder_json: str | None = None
    current_premium: str = "current_premium"
    claims: str = "claims_since_renewal"
    keep: tuple[str, ...] = ("policy_id",)
    at_fault: str | None = None
    partly_at_fault: str | None = None
    lapse_days: str | None = None

    @classmethod
    def from_plan(
        cls,
        plan: RatingPlan,
        rules: RenewalRules | None = None,
        ladder: Ladder | None = None,
        *,
        current_premium: str = "current_premium",
        claims: str = "claims_since_renewal",
        keep: Sequence[str] = ("policy_id",),
        at_fault: str | None = None,
        partly_at_fault: str | None = None,
        lapse_days: str | None = None,
    ) -> RenewalJob:
        """The job renewing with ``plan``, ``rules`` (default :class:`RenewalRules()`) and ``ladder``."""
        compact = plan.to_json(compact=True)
        ladder_json = None if ladder is None else json.dumps(ladder.to_dict(), sort_keys=True)
        rules_json = json.dumps((rules or RenewalRules()).to_dict(), sort_keys=True, default=str)
        return cls(compact, rules_json, ladder_json, current_premium, claims, tuple(keep), at_fault, partly_at_fault,
                   lapse_days)  # fmt: skip

    @property
    def plan(self) -> RatingPlan:
        return cached_plan(self.plan_json)

    @property
    def plan_id(self) -> str:
        return self.plan.plan_id

    @property
    def rules(self) -> RenewalRules:
        return RenewalRules.from_dict(json.loads(self.rules_json))

    @property
    def ladder(self) -> Ladder | None:
        return None if self.ladder_json is None else _ladder_of(self.ladder_json)

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns read: kept ones, the plan's, the premium, the claims and the ladder's state."""
        ladder = self.ladder
        extra = [self.claims, *ladder.state_columns, *self._ladder_inputs.values()] if ladder is not None else []
        segment = [self.rules.segment] if self.rules.segment else []
        return tuple(dict.fromkeys([*self.keep, *self.plan.columns, self.current_premium, *extra, *segment]))

    def fingerprint(self) -> str:
        """SHA-256 of what decides the offers: plan id, rules, ladder, column names."""
        content = {"job": "renewal", "plan_id": self.plan_id, "rules": self.rules_json, "ladder": self.ladder_json,
                   "current_premium": self.current_premium, "claims": self.claims, "keep": list(self.keep),
                   **self._ladder_inputs}  # fmt: skip
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    @property
    def _ladder_inputs(self) -> dict[str, str]:
        """The fault and lapse columns given (only those: a job without them keeps its fingerprint)."""
        named = (("at_fault", self.at_fault), ("partly_at_fault", self.partly_at_fault), ("lapse_days", self.lapse_days))
        return {k: v for k, v in named if v is not None}

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        return renewal_offers(chunk, self.plan, rules=self.rules, current_premium=self.current_premium,
                              ladder=self.ladder, claims=self.claims, keep=self.keep,
                              **self._ladder_inputs)  # fmt: skip

    def describe(self) -> dict[str, Any]:
        """What the run metadata records about the job."""
        plan = self.plan
        return {"type": "RenewalJob", "plan_id": plan.plan_id, "plan_name": plan.name, "plan_version": plan.version,
                "rules": json.loads(self.rules_json), "ladder": None if self.ladder is None else self.ladder.name}  # fmt: skip

    def __repr__(self) -> str:
        plan = self.plan
        return f"RenewalJob(plan {plan.name!r} v{plan.version} {plan.plan_id[:12]}, ladder={self.describe()['ladder']})"
