"""Renewal offers: re-score the in-force book with a plan, then cap, apply the new-business-price rule and round.

For each policy coming up for renewal:

1. its experience is moved on one renewal (a bonus-malus / NCD ladder, from
   the claims since the last renewal), when a ladder is given;
2. the plan quotes it: the **technical premium**;
3. **capping** keeps the change from the current premium within
   ``[-max_decrease, +max_increase]`` (optionally per segment);
4. the **new-business-price rule** (switchable) keeps the offer at or below
   what a new customer with the same risk would pay (the UK FCA's 2022
   pricing-practices rule; the price a new customer pays is the plan's
   premium, or another plan's when ``new_business`` is given);
5. a minimum premium and rounding (half up, on exact decimals) finish the
   offer; rounding never carries an offer across a cap or above the
   new-business price.

The minimum premium binds new customers too, so the new-business price the
rule compares with is floored by it: a renewal may be charged the minimum even
where the plan's new-business premium is below it, and the minimum never
breaks the rule. The minimum also wins over the increase cap (it is a floor
on every premium). Only when no multiple of the rounding unit lies between the
minimum and the caps' ceiling does the offer fall short of the minimum: the
customer's side wins and the row is flagged ``conflict``.

Every rule that moved a policy's offer is recorded in ``rule_flags`` (bits of
:data:`RULES`) and spelt out in ``reason``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.rating.plan import RatingPlan
from autorisk.rating.rounding import round_money

#: Rules that can move an offer, with their bit in ``rule_flags``.
RULES: dict[str, int] = {"cap_increase": 1, "cap_decrease": 2, "new_business_price": 4, "min_premium": 8,
                         "conflict": 16}


@dataclass(frozen=True)
class RenewalRules:
    """How far a renewal offer may move from the current premium, and the fairness rule.

    Parameters
    ----------
    max_increase, max_decrease : float or None
        Largest relative increase / decrease of the offer over the current
        premium (0.15 = 15%); None: no cap on that side.
    segment : str, optional
        Column whose levels may have their own caps (``segment_caps``).
    segment_caps : mapping
        ``{level: (max_increase, max_decrease)}`` for levels of ``segment``
        that differ from the defaults.
    new_business_rule : bool
        Offer at most the equivalent new-business price.
    min_premium, rounding : float, optional
        Minimum offer (it floors the new-business price too and wins over
        the increase cap) and rounding unit (half up on exact decimals).

    Examples
    --------
    >>> rules = RenewalRules(max_increase=0.1, max_decrease=0.05, segment="region", segment_caps={"north": (0.2, 0.05)})
    >>> RenewalRules.from_dict(rules.to_dict()) == rules
    True
    """

    max_increase: float | None = 0.2
    max_decrease: float | None = 0.2
    segment: str | None = None
    segment_caps: Mapping[Any, tuple[float | None, float | None]] = field(default_factory=dict)
    new_business_rule: bool = True
    min_premium: float | None = None
    rounding: float | None = 0.01

    def __post_init__(self) -> None:
        object.__setattr__(self, "segment_caps", {k: tuple(v) for k, v in dict(self.segment_caps).items()})
        caps = [(self.max_increase, self.max_decrease), *self.segment_caps.values()]
        for increase, decrease in caps:
            if increase is not None and not (math.isfinite(increase) and increase >= 0):
                raise ParameterError(f"max_increase must be a finite share >= 0, got {increase!r}")
            if decrease is not None and not (math.isfinite(decrease) and 0 <= decrease <= 1):
                raise ParameterError(f"max_decrease must be a share in [0, 1], got {decrease!r}")
        if self.segment_caps and self.segment is None:
            raise ParameterError("segment_caps needs segment= (the column whose levels they cap)")
        for label, value in (("min_premium", self.min_premium), ("rounding", self.rounding)):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ParameterError(f"{label} must be finite and > 0, got {value!r}")

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_increase": self.max_increase, "max_decrease": self.max_decrease, "segment": self.segment,
            "segment_caps": [[k, list(v)] for k, v in self.segment_caps.items()],
            "new_business_rule": self.new_business_rule, "min_premium": self.min_premium, "rounding": self.rounding,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RenewalRules:
        data = dict(data)
        data["segment_caps"] = {k: tuple(v) for k, v in data.get("segment_caps", [])}
        return cls(**data)

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True, default=str).encode()).hexdigest()

    def caps(self, policies: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Per-row maximum increase and decrease (inf / 1 where a side is uncapped)."""
        n = len(policies)
        increase = np.full(n, np.inf if self.max_increase is None else self.max_increase)
        decrease = np.full(n, 1.0 if self.max_decrease is None else self.max_decrease)
        if self.segment_caps:
            if self.segment not in policies.columns:
                raise DataError(DataIssue(str(self.segment), "missing column", "the segment column of the caps"))
            levels = policies[self.segment]
            for level, (up, down) in self.segment_caps.items():
                rows = (levels == level).to_numpy(dtype=bool, na_value=False)
                increase[rows] = np.inf if up is None else up
                decrease[rows] = 1.0 if down is None else down
        return increase, decrease


def renewal_offers(
    policies: pd.DataFrame,
    plan: RatingPlan,
    *,
    rules: RenewalRules | None = None,
    current_premium: str = "current_premium",
    ladder: Any = None,
    claims: str = "claims_since_renewal",
    new_business: RatingPlan | None = None,
    keep: Sequence[str] = ("policy_id",),
    score: Callable[[pd.DataFrame], Any] | None = None,
    at_fault: Any = None,
    partly_at_fault: Any = None,
    lapse_days: Any = None,
) -> pd.DataFrame:
    """Renewal offer of every policy: technical premium, capped, within the new-business price, rounded.

    Parameters
    ----------
    policies : DataFrame
        The policies to renew: the plan's rating attributes, the current
        premium and, with a ladder, its state columns and the claims since
        the last renewal.
    plan : RatingPlan
        The plan the renewals are priced with.
    rules : RenewalRules, optional
        Caps and fairness rules (default :class:`RenewalRules()`).
    current_premium : str
        Column of the premium the policy pays now (> 0).
    ladder : Ladder, optional
        An NCD / bonus-malus ladder (:mod:`autorisk.renewal.ladders`): its
        ``renew`` moves each policy's level on from ``claims`` before quoting.
    claims : str
        Column of claims since the last renewal (read by the ladder).
    new_business : RatingPlan, optional
        The plan new customers are quoted with, when it differs from ``plan``.
    keep : sequence of str
        Columns copied to the output (those present), e.g. the policy id;
        the rules' segment column is copied too.
    score : callable, optional
        Re-score with a model instead of the plan: called on the renewed
        policies, it returns each policy's technical premium (e.g.
        ``lambda d: model.predict(d, d["exposure"]) / (1 - expense_ratio)``).
        The plan still gives the new-business price and the plan id.
    at_fault, partly_at_fault, lapse_days : str or array-like, optional
        Passed to the ladder's ``renew``: claims with the insured fully or
        partly at fault (a French bonus-malus charges x1.25 and x1.125), and
        uninsured days before this renewal (China's ladder resets after 183).

    Returns
    -------
    DataFrame
        ``keep`` columns, the ladder's updated level (if any), then
        ``current_premium``, ``technical_premium``, ``new_business_premium``,
        ``offered_premium``, ``change`` (offered / current - 1),
        ``rule_flags`` (bits of :data:`RULES`), ``reason`` and ``plan_id``.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.5))
    >>> plan = RatingPlan("tariff", "2", (Coverage("tpl", 500.0, (region,)),))
    >>> book = pd.DataFrame({"policy_id": [1, 2, 3], "region": ["north", "south", "north"],
    ...                      "current_premium": [400.0, 600.0, 560.0]})
    >>> offers = renewal_offers(book, plan, rules=RenewalRules(max_increase=0.1, max_decrease=0.05))
    >>> offers[["technical_premium", "offered_premium", "reason"]]
       technical_premium  offered_premium                           reason
    0              500.0            440.0                     cap_increase
    1              750.0            660.0                     cap_increase
    2              500.0            500.0  cap_decrease+new_business_price

    The third policy's fall is capped at 5% (532), but a new customer would
    pay 500, so the rule brings the offer down to 500.
    """
    rules = rules or RenewalRules()
    _require(policies, [current_premium])
    current = _positive(policies, current_premium)
    if ladder is None:
        if any(x is not None for x in (at_fault, partly_at_fault, lapse_days)):
            raise ParameterError("at_fault, partly_at_fault and lapse_days are read by a ladder: pass ladder=")
        renewed = policies
    else:
        fault = {k: v for k, v in (("at_fault", at_fault), ("partly_at_fault", partly_at_fault)) if v is not None}
        renewed = ladder.renew(policies, claims, lapse_days=lapse_days, **fault)
    plan_premium = plan.quote(renewed, breakdown=False)["premium_total"].to_numpy()
    technical = plan_premium if score is None else _scored(score, renewed)
    if new_business is None or not rules.new_business_rule:
        new_business_price = plan_premium
    else:
        new_business_price = new_business.quote(renewed, breakdown=False)["premium_total"].to_numpy()

    offered, flags = cap_offers(rules, policies, current, technical, new_business_price)
    if rules.min_premium is not None:
        # New customers pay at least the minimum too: the rule compares with the floored price.
        new_business_price = np.maximum(new_business_price, rules.min_premium)

    kept = list(dict.fromkeys([*keep, *([rules.segment] if rules.segment else [])]))
    out = policies[[c for c in kept if c in policies.columns]].copy()
    if ladder is not None:
        out[ladder.level_column] = renewed[ladder.level_column].to_numpy()
    out["current_premium"] = current
    out["technical_premium"] = technical
    out["new_business_premium"] = new_business_price
    out["offered_premium"] = offered
    out["change"] = offered / current - 1.0
    out["rule_flags"] = flags
    out["reason"] = reasons(flags)
    out["plan_id"] = pd.Categorical.from_codes(np.zeros(len(out), dtype=np.int8), [plan.plan_id])
    return out


def reasons(flags: np.ndarray) -> pd.Categorical:
    """The rules behind each offer as text (``"cap_increase+new_business_price"``, ``"none"``), from ``rule_flags``.

    Parameters
    ----------
    flags : array of int
        The ``rule_flags`` column of :func:`~autorisk.renewal.renewal_offers`:
        a bit per rule of :data:`RULES`.

    Returns
    -------
    Categorical
        One label per offer; the categories are every combination of rules.

    Examples
    --------
    >>> reasons(np.array([0, 1, 5], dtype=np.uint8)).tolist()
    ['none', 'cap_increase', 'cap_increase+new_business_price']
    """
    names = ["+".join(n for n, bit in RULES.items() if code & bit) or "none" for code in range(2 ** len(RULES))]
    return pd.Categorical.from_codes(np.asarray(flags, dtype=np.int16), names)


def cap_offers(
    rules: RenewalRules, policies: pd.DataFrame, current: np.ndarray, technical: np.ndarray,
    new_business_price: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Technical premiums capped, within the new-business price, floored at the minimum and rounded.

    The offers and ``rule_flags`` of :func:`renewal_offers` (which calls it),
    for any technical premiums: ``policies`` is read only for the segment
    caps.

    Examples
    --------
    >>> rules = RenewalRules(max_increase=0.1, max_decrease=0.05)
    >>> offered, flags = cap_offers(rules, pd.DataFrame(index=range(2)), np.array([400.0, 560.0]),
    ...                             np.array([500.0, 500.0]), np.array([500.0, 500.0]))
    >>> offered.tolist(), reasons(flags).tolist()
    ([440.0, 500.0], ['cap_increase', 'cap_decrease+new_business_price'])
    """
    upper, lower, ceiling, _ = offer_bounds(rules, policies, current, new_business_price)
    if rules.min_premium is not None:
        # New customers pay at least the minimum too: the rule compares with the floored price.
        new_business_price = np.maximum(new_business_price, rules.min_premium)
    flags = np.zeros(len(policies), dtype=np.uint8)
    offered = np.array(technical, dtype=float)
    over, under = offered > upper, offered < lower
    offered[over], offered[under] = upper[over], lower[under]
    flags[over] |= RULES["cap_increase"]
    flags[under] |= RULES["cap_decrease"]
    if rules.new_business_rule:
        above = offered > new_business_price
        offered[above] = new_business_price[above]
        flags[above] |= RULES["new_business_price"]
    minimum = -np.inf if rules.min_premium is None else rules.min_premium
    raised = offered < minimum
    offered[raised] = minimum
    if rules.rounding is not None:
        # The decrease cap is a floor unless the new-business price took the offer below it.
        floor = np.where((flags & RULES["new_business_price"]) > 0, -np.inf, lower)
        floor = np.minimum(np.maximum(floor, minimum), ceiling)
        offered = round_within(offered, rules.rounding, floor, ceiling)
    flags[raised & (offered >= minimum)] |= RULES["min_premium"]
    flags[offered < minimum] |= RULES["conflict"]
    return offered, flags


def offer_bounds(
    rules: RenewalRules, policies: pd.DataFrame, current: np.ndarray, new_business_price: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The range an offer may take under ``rules``: ``(upper, lower, ceiling, floor)`` per policy.

    ``upper`` / ``lower`` are the caps around ``current``; ``ceiling`` is the
    increase cap, within the new-business price (floored by the minimum
    premium) when the rule is on, and never below the minimum premium (which
    wins over the increase cap); ``floor`` is the decrease cap raised to the
    minimum premium, never above ``ceiling`` (the new-business price wins over
    the decrease cap). Every offer :func:`renewal_offers` makes lies in
    ``[floor, ceiling]`` before rounding.

    Examples
    --------
    >>> rules = RenewalRules(max_increase=0.1, max_decrease=0.05, min_premium=100.0)
    >>> bounds = offer_bounds(rules, pd.DataFrame(index=range(3)), np.array([400.0, 400.0, 90.0]),
    ...                       np.array([500.0, 370.0, 80.0]))
    >>> [b.tolist() for b in bounds]
    [[440.0, 440.0, 99.0], [380.0, 380.0, 85.5], [440.0, 370.0, 100.0], [380.0, 370.0, 100.0]]
    """
    increase, decrease = rules.caps(policies)
    upper, lower = current * (1.0 + increase), current * (1.0 - decrease)
    minimum = -np.inf if rules.min_premium is None else rules.min_premium
    ceiling = upper
    if rules.new_business_rule:
        ceiling = np.minimum(upper, np.maximum(new_business_price, minimum))
    ceiling = np.maximum(ceiling, minimum)
    floor = np.minimum(np.maximum(lower, minimum), ceiling)
    return upper, lower, ceiling, floor


def round_within(offered: np.ndarray, unit: float, floor: np.ndarray, ceiling: np.ndarray) -> np.ndarray:
    """Offers rounded half up to ``unit``, never carried below ``floor`` or above ``ceiling``.

    An offer that rounds below its floor is rounded up to it, one that rounds
    above its ceiling down to it; the ceiling is applied last, so that when no
    multiple of the unit lies between the bounds the customer's side wins.

    Examples
    --------
    >>> round_within(np.array([10.004, 10.006, 10.006]), 0.01, np.array([10.003, 0.0, 0.0]),
    ...              np.array([20.0, 20.0, 10.009])).tolist()
    [10.01, 10.01, 10.0]
    """
    offered = round_money(offered, unit)
    low = offered < floor
    offered[low] = round_money(floor[low], unit, "ceil")
    high = offered > ceiling
    offered[high] = round_money(ceiling[high], unit, "floor")
    return offered


def _scored(score: Callable[[pd.DataFrame], Any], policies: pd.DataFrame) -> np.ndarray:
    """The model's technical premiums, checked: one finite positive number per policy."""
    values = np.asarray(score(policies), dtype=float).reshape(-1)
    if values.shape != (len(policies),):
        raise DataError(f"score returned {values.size} values for {len(policies)} policies")
    return _require_positive(values, "technical_premium", policies.index, values)


def _require(policies: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in policies.columns]
    if missing:
        raise DataError(DataIssue(", ".join(missing), "missing column", "the renewal inputs"), table="policies")


def _positive(policies: pd.DataFrame, column: str) -> np.ndarray:
    values = policies[column].to_numpy(dtype=float, na_value=np.nan)
    return _require_positive(values, column, policies.index, policies[column])


def _require_positive(values: np.ndarray, column: str, index: pd.Index, shown: Any) -> np.ndarray:
    """``values`` if every one is a finite premium > 0, else a DataError naming the column, values and rows."""
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        raise DataError(DataIssue.from_mask(column, "not a positive premium", "a finite premium > 0", bad,
                                            index, shown), table="policies")  # fmt: skip
    return values
