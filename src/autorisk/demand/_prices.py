"""Price columns and price terms of a demand model, checked once for the GLMs and GBMs.

A demand model reads the price offered and, by role, the prices it is
compared with: last year's premium (``last``, renewals), a market price
proxy (``market``) and the technical premium (``technical``). Each price
term is the log of the offered price over one of them:

- ``"change"``: ``log(offered / last)``, the log price change;
- ``"competitiveness"``: ``log(offered / market)``;
- ``"net"``: ``log(offered / technical)``, the price change net of the
  technical re-rating (the first standard remedy for price not being
  randomly assigned: the risk-driven part of the change is taken out).

Every term is ``log(price) - log(reference)``, so a model linear in its
terms is linear in ``log(price)`` given the rest of the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.models.design import _require_columns

#: Price term -> (role of its reference price, name of its model column).
PRICE_TERMS: dict[str, tuple[str, str]] = {
    "change": ("last", "log_price_change"),
    "competitiveness": ("market", "log_competitiveness"),
    "net": ("technical", "log_net_rerating"),
}
#: Roles of the price columns, the offered price first.
ROLES = ("offered", "last", "market", "technical")


def resolve_terms(columns: Mapping[str, str | None], price_terms: Sequence[str] | None) -> list[str]:
    """The price terms to build: those asked for, or every term whose reference column is named.

    Parameters
    ----------
    columns : mapping
        ``{role: column or None}`` as given to the constructor.
    price_terms : sequence of str or None
        Terms among :data:`PRICE_TERMS`; None for every available one.

    Returns
    -------
    list of str
    """
    if not isinstance(columns.get("offered"), str):
        raise ParameterError(f"offered must name the column of the offered price, got {columns.get('offered')!r}")
    available = [term for term, (role, _) in PRICE_TERMS.items() if columns.get(role) is not None]
    if price_terms is None:
        terms = available
    elif isinstance(price_terms, str):
        raise ParameterError(f"price_terms must be a list of terms, got the string {price_terms!r}")
    else:
        terms = list(price_terms)
        unknown = [t for t in terms if t not in PRICE_TERMS]
        if unknown:
            raise ParameterError(f"unknown price terms {unknown}; price terms are {list(PRICE_TERMS)}")
        if len(set(terms)) != len(terms):
            raise ParameterError(f"price terms are listed twice: {terms}")
        absent = [t for t in terms if columns.get(PRICE_TERMS[t][0]) is None]
        if absent:
            roles = [PRICE_TERMS[t][0] for t in absent]
            raise ParameterError(f"price terms {absent} need the columns of {roles}: name them ({', '.join(f'{r}=' for r in roles)})")
    if not terms:
        raise ParameterError(
            "no price term: name last= (log price change), market= (competitiveness) or technical= (net re-rating)"
        )
    return terms


def price_columns(columns: Mapping[str, str | None], terms: Sequence[str]) -> dict[str, str]:
    """``{role: column}`` of the columns the terms read, the offered price first."""
    used = {"offered", *(PRICE_TERMS[t][0] for t in terms)}
    return {role: str(columns[role]) for role in ROLES if role in used}


def checked_prices(values: Any, name: str, index: pd.Index) -> np.ndarray:
    """Prices as floats, finite and > 0: else :class:`~autorisk.errors.DataError` naming the rows.

    ``values`` is one price per row (shape ``(n,)``) or a grid (``(n, k)``);
    a row of the grid is refused if any of its prices is bad.
    """
    try:
        prices = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(DataIssue(name, "not numeric", "prices: finite numbers > 0")) from None
    if prices.ndim not in (1, 2) or prices.shape[0] != len(index):
        raise ParameterError(
            f"{name} must hold one price per row (shape ({len(index)},)) or a grid of prices per row "
            f"(shape ({len(index)}, k)), got shape {prices.shape}"
        )
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(prices) & (prices > 0))
    if bad.any():
        rows = bad if bad.ndim == 1 else bad.any(axis=1)
        shown = prices if prices.ndim == 1 else prices[np.arange(len(prices)), bad.argmax(axis=1)]
        raise DataError(DataIssue.from_mask(name, "missing, infinite or not positive", "prices: finite numbers > 0",
                                            rows, index, shown))  # fmt: skip
    return prices


def log_references(X: pd.DataFrame, columns: Mapping[str, str], terms: Sequence[str]) -> np.ndarray:
    """``log(reference price)`` per row and term, shape ``(n, len(terms))``, the columns checked."""
    _require_columns(X, [columns[PRICE_TERMS[t][0]] for t in terms])
    logs = np.empty((len(X), len(terms)))
    for j, term in enumerate(terms):
        column = columns[PRICE_TERMS[term][0]]
        logs[:, j] = np.log(checked_prices(_floats(X[column], column), column, X.index))
    return logs


def offered_prices(X: pd.DataFrame, columns: Mapping[str, str], price: Any = None) -> np.ndarray:
    """The prices to predict at: ``X[offered]`` when ``price`` is None, else ``price`` (``(n,)`` or ``(n, k)``)."""
    if price is None:
        column = columns["offered"]
        _require_columns(X, [column])
        return checked_prices(_floats(X[column], column), column, X.index)
    return checked_prices(price, "price", X.index)


def term_frame(X: pd.DataFrame, factors: Sequence[str], terms: Sequence[str], values: np.ndarray) -> pd.DataFrame:
    """The factors of ``X`` beside one column per price term holding ``values[:, j]``."""
    frame = pd.DataFrame({f: X[f] for f in factors}, index=X.index)
    for j, term in enumerate(terms):
        frame[PRICE_TERMS[term][1]] = values[:, j]
    return frame


def check_factor_names(factors: Sequence[str], columns: Mapping[str, str]) -> None:
    """Refuse a factor that is a price column or has the name of a price term's model column."""
    clash = sorted(set(factors) & set(columns.values()), key=str)
    if clash:
        raise ParameterError(f"price columns cannot also be factors: {clash} (they enter through the price terms)")
    reserved = sorted(set(factors) & {name for _, name in PRICE_TERMS.values()}, key=str)
    if reserved:
        raise ParameterError(f"factors cannot be named {reserved}: the names of the price terms' columns")


def _floats(values: pd.Series, name: str) -> np.ndarray:
    try:
        return values.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise DataError(DataIssue(name, "not numeric", "prices: finite numbers > 0", 0, (), (str(values.dtype),))) from None
