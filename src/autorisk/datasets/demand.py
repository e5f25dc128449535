"""The known customer-demand truth behind :func:`autorisk.datasets.renewal_quotes`.

Each renewing customer of the synthetic renewal book renews with the
probability of a logistic retention curve::

    logit P(renew | price p) = alpha_i + beta_i * log(p / last) + gamma * log(p / market)

    alpha_i = intercept + sum over the alpha factors f of alpha[f][level of f]
    beta_i  = beta + sum over the beta factors f of beta_shift[f][level of f]

where ``last`` is last year's premium (``prem_last``) and ``market`` the
market price (``prem_market``). For a change of the offered price alone
(``last`` and ``market`` held) the logit moves by ``beta_i + gamma`` per unit
of ``log p`` (:meth:`DemandTruth.price_coefficient`), and the elasticity of
retention is ``d log P / d log p = (beta_i + gamma) * (1 - P)``
(:meth:`DemandTruth.elasticity`).

Default parameters (``DemandTruth()``; printed by :meth:`DemandTruth.describe`)::

    logit P(renew) = alpha_i + beta_i * log(p / last) + gamma * log(p / market)
      intercept     2.20
      alpha age_band  18-24 -0.60  25-29 -0.30  30-44 +0.00  45-59 +0.30  60+ +0.50
      alpha channel   agent +0.30  dealer +0.00  direct +0.00  online -0.50
      alpha claimed   False +0.00  True +0.50
      beta         -3.00
      shift age_band  18-24 -1.50  25-29 -0.80  30-44 +0.00  45-59 +0.60  60+ +1.00
      shift channel   agent +1.00  dealer +0.50  direct +0.00  online -1.50
      gamma        -2.00

So the youngest online customers are the most price sensitive (``beta`` =
-6.0, own-price coefficient -8.0) and the oldest agent customers the least
(``beta`` = -1.0, own-price coefficient -3.0). ``claimed`` (a commercial claim
in the expiring year) makes a customer *more* likely to stay (fewer
alternatives after a claim) while the insurer's re-rating raises their price:
the confounding that misleads a fit of renewal on the price change alone.

A :class:`DemandTruth` also answers the demand-model protocol of
:mod:`autorisk.demand` (``predict_retention``, ``elasticity``,
``log_linear_price_response``, ``reads_columns``, ``price_columns_``), so an
optimiser can be run and checked against the true demand.

Examples
--------
>>> import pandas as pd
>>> truth = DemandTruth()
>>> quote = pd.DataFrame({"age_band": ["30-44"], "channel": ["direct"], "claimed": [False],
...                       "prem_offered": [100.0], "prem_last": [100.0], "prem_market": [100.0]})
>>> round(float(truth.retention(quote)[0]), 4)            # logit 2.2
0.9002
>>> float(truth.price_coefficient(quote)[0])              # beta + gamma
-5.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from autorisk.datasets.factors import LEVELS
from autorisk.errors import (
    DataError,
    DataIssue,
    ParameterError,
    SchemaError,
    UnknownCategoryError,
    levels_text,
)

#: Levels of the segment columns the default truth reads.
DEMAND_LEVELS: dict[str, tuple[Any, ...]] = {
    "age_band": LEVELS["driver_age_band"],
    "channel": LEVELS["channel"],
    "claimed": (False, True),
}


def _default_alpha() -> dict[str, dict[Any, float]]:
    return {
        "age_band": dict(zip(DEMAND_LEVELS["age_band"], (-0.6, -0.3, 0.0, 0.3, 0.5), strict=True)),
        "channel": dict(zip(DEMAND_LEVELS["channel"], (0.3, 0.0, 0.0, -0.5), strict=True)),
        "claimed": {False: 0.0, True: 0.5},
    }


def _default_beta_shift() -> dict[str, dict[Any, float]]:
    return {
        "age_band": dict(zip(DEMAND_LEVELS["age_band"], (-1.5, -0.8, 0.0, 0.6, 1.0), strict=True)),
        "channel": dict(zip(DEMAND_LEVELS["channel"], (1.0, 0.5, 0.0, -1.5), strict=True)),
    }


def _default_columns() -> dict[str, str]:
    return {"offered": "prem_offered", "last": "prem_last", "market": "prem_market"}


@dataclass(frozen=True)
class DemandTruth:
    """A known retention curve per segment: logistic in the log price change and competitiveness.

    ``logit P(renew) = alpha_i + beta_i * log(p / last) + gamma * log(p / market)``
    (see the module docstring for the default values).

    Parameters
    ----------
    intercept : float
        Logit of retention at the reference levels, at ``p == last == market``.
    alpha : mapping
        ``{column: {level: shift of the logit}}``; every level of a column
        the truth reads must be listed.
    beta : float
        Coefficient of ``log(p / last)`` at the reference levels.
    beta_shift : mapping
        ``{column: {level: shift of beta}}``: price sensitivity by segment.
    gamma : float
        Coefficient of ``log(p / market)`` (competitiveness), the same for all.
    columns : mapping
        Price columns read: ``"offered"`` (the price the customer sees),
        ``"last"`` and ``"market"``.
    outcome : str
        Name of the drawn 0/1 outcome column (``"renewed"``).

    Examples
    --------
    >>> import pandas as pd
    >>> truth = DemandTruth()
    >>> quotes = pd.DataFrame({"age_band": ["18-24", "60+"], "channel": ["online", "agent"],
    ...                        "claimed": [False, True], "prem_offered": [110.0, 110.0],
    ...                        "prem_last": [100.0, 100.0], "prem_market": [100.0, 100.0]})
    >>> truth.price_slope(quotes).tolist()                    # beta_i
    [-6.0, -1.0]
    >>> truth.retention(quotes, price=[[90.0, 100.0, 110.0]] * 2).round(3).tolist()
    [[0.875, 0.75, 0.584], [0.978, 0.971, 0.961]]
    >>> truth.elasticity(quotes).round(3).tolist()           # d log P / d log p
    [-3.331, -0.116]
    """

    intercept: float = 2.2
    alpha: Mapping[str, Mapping[Any, float]] = field(default_factory=_default_alpha)
    beta: float = -3.0
    beta_shift: Mapping[str, Mapping[Any, float]] = field(default_factory=_default_beta_shift)
    gamma: float = -2.0
    columns: Mapping[str, str] = field(default_factory=_default_columns)
    outcome: str = "renewed"

    def __post_init__(self) -> None:
        for name in ("intercept", "beta", "gamma"):
            _check_number(name, getattr(self, name))
        for name in ("alpha", "beta_shift"):
            table = getattr(self, name)
            if not isinstance(table, Mapping):
                raise ParameterError(f"{name} must map columns to {{level: value}}, got {table!r}")
            for factor, levels in table.items():
                if not isinstance(levels, Mapping) or not levels:
                    raise ParameterError(f"{name}[{factor!r}] must map levels to values, got {levels!r}")
                for level, value in levels.items():
                    _check_number(f"{name}[{factor!r}][{level!r}]", value)
        wanted = ("offered", "last", "market")
        if not isinstance(self.columns, Mapping) or sorted(self.columns) != sorted(wanted) or not all(
            isinstance(v, str) and v for v in self.columns.values()
        ):
            raise ParameterError(f"columns must name the price columns {list(wanted)}, got {self.columns!r}")
        if not isinstance(self.outcome, str) or not self.outcome:
            raise ParameterError(f"outcome must be a column name, got {self.outcome!r}")

    # ------------------------------------------------------------ protocol
    @property
    def price_columns_(self) -> dict[str, str]:
        """Price columns read, as the demand-model protocol names them."""
        return dict(self.columns)

    @property
    def factors_(self) -> tuple[str, ...]:
        """Segment (non-price) columns read, in order of first use."""
        return tuple(dict.fromkeys([*self.alpha, *self.beta_shift]))

    def reads_columns(self) -> set[str]:
        """Every column the truth reads: segments and prices.

        Returns
        -------
        set of str

        Examples
        --------
        >>> sorted(DemandTruth().reads_columns())
        ['age_band', 'channel', 'claimed', 'prem_last', 'prem_market', 'prem_offered']
        """
        return {*self.factors_, *self.columns.values()}

    # ----------------------------------------------------------- the curve
    def segment_intercept(self, frame: pd.DataFrame) -> np.ndarray:
        """``alpha_i`` of each row (logit at ``p == last == market``).

        Parameters
        ----------
        frame : DataFrame
            Rows with the segment columns of :attr:`factors_`.

        Returns
        -------
        ndarray of shape (n,)

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"age_band": ["60+"], "channel": ["online"], "claimed": [True]})
        >>> DemandTruth().segment_intercept(frame).tolist()     # 2.2 + 0.5 - 0.5 + 0.5
        [2.7]
        """
        return self.intercept + self._shifts(frame, self.alpha)

    def price_slope(self, frame: pd.DataFrame) -> np.ndarray:
        """``beta_i``, the coefficient of ``log(p / last)`` of each row.

        Parameters
        ----------
        frame : DataFrame
            Rows with the segment columns of :attr:`factors_`.

        Returns
        -------
        ndarray of shape (n,)

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"age_band": ["25-29"], "channel": ["dealer"], "claimed": [False]})
        >>> DemandTruth().price_slope(frame).round(6).tolist()   # -3.0 - 0.8 + 0.5
        [-3.3]
        """
        return self.beta + self._shifts(frame, self.beta_shift)

    def price_coefficient(self, frame: pd.DataFrame) -> np.ndarray:
        """``beta_i + gamma``: how the logit moves per unit of log offered price (last, market held).

        Parameters
        ----------
        frame : DataFrame
            Rows with the segment columns of :attr:`factors_`.

        Returns
        -------
        ndarray of shape (n,)

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"age_band": ["30-44"], "channel": ["agent"], "claimed": [False]})
        >>> DemandTruth().price_coefficient(frame).tolist()
        [-4.0]
        """
        return self.price_slope(frame) + self.gamma

    def log_linear_price_response(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """``(a, b)`` with ``logit P(price) = a + b * log(price)`` per row (the optimiser's fast path).

        Parameters
        ----------
        frame : DataFrame
            Rows with the segment columns and the ``last`` and ``market`` price columns.

        Returns
        -------
        a, b : ndarray of shape (n,)
            ``a = alpha_i - beta_i * log(last) - gamma * log(market)``, ``b = beta_i + gamma``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> frame = pd.DataFrame({"age_band": ["30-44"], "channel": ["direct"], "claimed": [False],
        ...                       "prem_last": [100.0], "prem_market": [100.0]})
        >>> a, b = DemandTruth().log_linear_price_response(frame)
        >>> round(float(a[0] + b[0] * np.log(100.0)), 10), float(b[0])
        (2.2, -5.0)
        """
        beta = self.price_slope(frame)
        log_last = np.log(self._price(frame, self.columns["last"]))
        log_market = np.log(self._price(frame, self.columns["market"]))
        a = self.segment_intercept(frame) - beta * log_last - self.gamma * log_market
        return a, beta + self.gamma

    def linear_predictor(self, frame: pd.DataFrame, price: Any = None) -> np.ndarray:
        """``logit P(renew)`` at ``price``: None (the offered column), shape (n,) or a grid (n, k).

        Parameters
        ----------
        frame : DataFrame
            Rows with the segment and price columns.
        price : None, array of shape (n,) or (n, k)
            Price per row, or ``k`` candidate prices per row; None reads
            ``columns["offered"]``.

        Returns
        -------
        ndarray of the shape of ``price`` ((n,) when None)

        Raises
        ------
        SchemaError
            A column is missing.
        DataError
            A price is missing, not finite or not positive (named with its rows).

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"age_band": ["30-44"], "channel": ["direct"], "claimed": [False],
        ...                       "prem_offered": [100.0], "prem_last": [100.0], "prem_market": [100.0]})
        >>> DemandTruth().linear_predictor(frame).round(6).tolist()
        [2.2]
        """
        a, b = self.log_linear_price_response(frame)
        if price is None:
            p = self._price(frame, self.columns["offered"])
        else:
            p = np.asarray(price, dtype=np.float64)
            if p.ndim not in (1, 2) or p.shape[0] != len(frame):
                raise DataError(
                    f"price must have shape (n,) or (n, k) with n = {len(frame)} rows, got {p.shape}"
                )
            _check_positive("price", p if p.ndim == 1 else p.min(axis=1, initial=np.inf), frame.index)
        if p.ndim == 2:
            return a[:, None] + b[:, None] * np.log(p)
        return a + b * np.log(p)

    def retention(self, frame: pd.DataFrame, price: Any = None) -> np.ndarray:
        """True probability of renewing at ``price`` (see :meth:`linear_predictor` for ``price``).

        Parameters
        ----------
        frame : DataFrame
            Rows with the segment and price columns.
        price : None, array of shape (n,) or (n, k)
            Price per row or a grid of prices per row; None: the offered column.

        Returns
        -------
        ndarray of the shape of ``price``

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"age_band": ["30-44"], "channel": ["direct"], "claimed": [False],
        ...                       "prem_offered": [100.0], "prem_last": [100.0], "prem_market": [100.0]})
        >>> DemandTruth().retention(frame, price=[[95.0, 105.0]]).round(4).tolist()
        [[0.921, 0.8761]]
        """
        return _sigmoid(self.linear_predictor(frame, price))

    predict_retention = retention

    def elasticity(self, frame: pd.DataFrame, price: Any = None) -> np.ndarray:
        """``d log P(renew) / d log price = (beta_i + gamma) * (1 - P)`` at ``price``.

        Parameters
        ----------
        frame : DataFrame
            Rows with the segment and price columns.
        price : None, array of shape (n,) or (n, k)
            Price per row or a grid of prices per row; None: the offered column.

        Returns
        -------
        ndarray of the shape of ``price``

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"age_band": ["30-44"], "channel": ["direct"], "claimed": [False],
        ...                       "prem_offered": [100.0], "prem_last": [100.0], "prem_market": [100.0]})
        >>> DemandTruth().elasticity(frame).round(4).tolist()   # -5 * (1 - 0.90025)
        [-0.4988]
        """
        b = self.price_coefficient(frame)
        p = self.retention(frame, price)
        return (b[:, None] if p.ndim == 2 else b) * (1.0 - p)

    # ------------------------------------------------------------- summary
    def describe(self) -> str:
        """The parameters as a small text table.

        Returns
        -------
        str

        Examples
        --------
        >>> print(DemandTruth().describe().splitlines()[0])
        logit P(renew) = alpha_i + beta_i * log(p / last) + gamma * log(p / market)
        """
        lines = [
            "logit P(renew) = alpha_i + beta_i * log(p / last) + gamma * log(p / market)",
            f"  intercept {self.intercept:8.2f}",
        ]
        for label, table in (("alpha", self.alpha), ("shift", self.beta_shift)):
            if label == "shift":
                lines.append(f"  beta      {self.beta:8.2f}")
            for factor, levels in table.items():
                cells = "  ".join(f"{level!s} {value:+.2f}" for level, value in levels.items())
                lines.append(f"  {label:<5} {factor:<9} {cells}")
        lines.append(f"  gamma     {self.gamma:8.2f}")
        return "\n".join(lines)

    # ------------------------------------------------------------- helpers
    def _shifts(self, frame: pd.DataFrame, table: Mapping[str, Mapping[Any, float]]) -> np.ndarray:
        out = np.zeros(len(frame))
        for factor, values in table.items():
            levels = list(values)
            codes = _codes(frame, factor, levels)
            out += np.array([values[level] for level in levels], dtype=np.float64)[codes]
        return out

    def _price(self, frame: pd.DataFrame, name: str) -> np.ndarray:
        values = pd.to_numeric(_column(frame, name), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        _check_positive(name, values, frame.index)
        return values


def _check_number(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value):
        raise ParameterError(f"{name} must be a finite number, got {value!r}")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        raise SchemaError(DataIssue(name, "missing", f"a column named {name!r}"), table="quotes")
    return frame[name]


def _check_positive(name: str, values: np.ndarray, index: pd.Index) -> None:
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        raise DataError(
            DataIssue.from_mask(name, "invalid", "a finite price > 0", bad, index, values), table="quotes"
        )


def _codes(frame: pd.DataFrame, factor: str, levels: list[Any]) -> np.ndarray:
    """Position of each row's level of ``factor`` in ``levels``; missing or unknown levels refused by row."""
    col = _column(frame, factor)
    values = col.to_numpy(dtype=object)
    codes = pd.Index(levels, dtype=object).get_indexer(pd.Index(values, dtype=object)).astype(np.int64)
    missing = col.isna().to_numpy()
    if missing.any():
        raise DataError(
            DataIssue.from_mask(factor, "missing", "a level, not missing", missing, frame.index), table="quotes"
        )
    unknown = codes < 0
    if unknown.any():
        raise UnknownCategoryError(
            DataIssue.from_mask(factor, "unknown_level", f"one of {levels_text(levels)}", unknown, frame.index, col),
            table="quotes",
        )
    return codes


__all__ = ["DEMAND_LEVELS", "DemandTruth"]

