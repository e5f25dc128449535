"""A randomised price test on a renewal book: the design in which price varies independently of risk."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from autorisk.datasets.demand import DemandTruth
from autorisk.datasets.renewal_book import RenewalBook, draw_outcome
from autorisk.datasets.synthetic import _check_int
from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError

#: Seed offset of the stream that redraws outcomes (independent of the assignment's stream).
_OUTCOME_STREAM = 1


def price_test(
    book: RenewalBook | pd.DataFrame,
    arms: Sequence[float] = (-0.05, 0.0, 0.05),
    seed: int = 0,
    price: str = "prem_offered",
    *,
    truth: DemandTruth | None = None,
    arm_column: str = "arm",
    outcome: str | None = None,
) -> RenewalBook | pd.DataFrame:
    """Assign each quote at random to a price arm and move its price by the arm.

    Each row is assigned to one of ``arms`` by a seeded random permutation of
    a balanced list (arm sizes differ by at most one), and its price is
    multiplied by ``1 + arm``. The price before the test is kept in
    ``f"{price}_before_test"``, so ``log(price / price_before_test) = log(1 +
    arm)`` is the randomised price change: independent of risk, segment and
    last year's premium by construction, which is what lets a demand model
    fitted on it recover the price sensitivity (a fit on the insurer's own
    offers confuses risk with price sensitivity).

    Parameters
    ----------
    book : RenewalBook or DataFrame
        A :func:`~autorisk.datasets.renewal_quotes` book (its truth redraws
        the outcome) or any frame of quotes with the ``price`` column.
    arms : sequence of float, default (-0.05, 0.0, 0.05)
        Relative price changes of the arms (distinct, finite, > -1).
    seed : int, default 0
        Seed of the assignment (same seed, same assignment) and of the
        redrawn outcomes.
    price : str, default "prem_offered"
        Column holding the price to test; it is replaced by the tested price.
    truth : DemandTruth, optional
        Demand truth to redraw the outcome with at the tested price; taken
        from ``book`` when it is a RenewalBook. The truth must read ``price``
        as its offered price.
    arm_column : str, default "arm"
        Name of the new column holding each row's arm.
    outcome : str, optional
        The outcome column: ``truth.outcome`` with a truth (redrawn), else
        ``"renewed"``. Without a truth (a real book) it is dropped if present:
        it was observed at the untested price, and the test's outcome comes
        from the market (``outcome="lapse"`` for ``eudirectlapse``).

    Returns
    -------
    RenewalBook or DataFrame
        The type of ``book``: a copy with ``arm_column``,
        ``f"{price}_before_test"``, the tested ``price`` and (with a truth)
        the outcome redrawn at the tested price.

    Raises
    ------
    ParameterError
        Bad ``arms``, ``seed`` or column names, or a truth that does not read ``price``.
    SchemaError
        ``price`` is not a column of the book.
    DataError
        A price is missing, not finite or not positive (named with its rows).

    Examples
    --------
    >>> from autorisk.datasets import price_test, renewal_quotes
    >>> book = renewal_quotes(3_000, seed=0)
    >>> tested = price_test(book, arms=(-0.05, 0.0, 0.05), seed=7)
    >>> tested.quotes["arm"].value_counts().sort_index().tolist()       # balanced
    [1000, 1000, 1000]
    >>> q = tested.quotes
    >>> bool(((q["prem_offered"] / q["prem_offered_before_test"] - 1 - q["arm"]).abs() < 1e-12).all())
    True
    >>> price_test(book, seed=7).quotes["arm"].equals(q["arm"])         # same seed, same assignment
    True
    >>> q.groupby("arm")["renewed"].mean().is_monotonic_decreasing     # dearer arm, fewer renewals
    True
    """
    arms_ = _check_arms(arms)
    seed = _check_int("seed", seed, 0)
    for label, value in (("price", price), ("arm_column", arm_column), ("outcome", outcome or "renewed")):
        if not isinstance(value, str) or not value:
            raise ParameterError(f"{label} must be a column name (a non-empty string), got {value!r}")
    if isinstance(book, RenewalBook):
        frame, truth = book.quotes, (book.truth if truth is None else truth)
    elif isinstance(book, pd.DataFrame):
        frame = book
    else:
        raise ParameterError(f"book must be a RenewalBook or a DataFrame, got {type(book).__name__}")
    if truth is not None:
        if not isinstance(truth, DemandTruth):
            raise ParameterError(f"truth must be a DemandTruth, got {type(truth).__name__}")
        if truth.columns.get("offered") != price:
            raise ParameterError(
                f"the truth reads the offered price from {truth.columns.get('offered')!r}, not {price!r}; "
                f"test that column or pass a truth whose columns['offered'] is {price!r}"
            )
    before = f"{price}_before_test"
    for name in (arm_column, before):
        if name in frame.columns:
            raise ParameterError(f"the book already has a column {name!r} (a price test on a tested book?)")
    if price not in frame.columns:
        raise SchemaError(DataIssue(price, "missing", f"a column named {price!r}"), table="quotes")
    values = pd.to_numeric(frame[price], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        raise DataError(
            DataIssue.from_mask(price, "invalid", "a finite price > 0", bad, frame.index, values), table="quotes"
        )
    n = len(frame)
    rng = np.random.default_rng(seed)
    assignment = rng.permutation(np.arange(n) % len(arms_))
    arm = np.asarray(arms_)[assignment]
    out = frame.copy()
    out[arm_column] = arm
    out[before] = values
    out[price] = values * (1.0 + arm)
    if truth is None:
        return out.drop(columns=[outcome or "renewed"], errors="ignore")
    outcome_rng = np.random.default_rng([seed, _OUTCOME_STREAM])
    out[outcome or truth.outcome] = draw_outcome(truth, out, outcome_rng)
    if isinstance(book, RenewalBook):
        return RenewalBook(out, truth)
    return out


def _check_arms(arms: Any) -> tuple[float, ...]:
    if isinstance(arms, (str, bytes)) or not isinstance(arms, Sequence | np.ndarray):
        raise ParameterError(f"arms must be a sequence of relative price changes, got {arms!r}")
    values = []
    for value in arms:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ParameterError(f"arms must be numbers, got {value!r} in {list(arms)!r}")
        if not (math.isfinite(value) and value > -1.0):
            raise ParameterError(f"each arm must be a finite change > -1 (a price stays positive), got {value!r}")
        values.append(float(value))
    if len(values) < 2:
        raise ParameterError(f"a price test needs at least two arms, got {list(arms)!r}")
    if len(set(values)) != len(values):
        raise ParameterError(f"arms must be distinct, got {values!r}")
    return tuple(values)


__all__ = ["price_test"]
