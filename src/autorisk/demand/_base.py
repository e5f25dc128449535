"""What every demand model shares: price columns and terms, the outcome, the demand protocol.

The protocol the optimiser (:mod:`autorisk.optimise`) codes against:
``price_columns_``, ``factors_`` / ``feature_names_in_``,
``predict_retention(X, price)`` for one price per row or a grid of prices
per row, ``log_linear_price_response(X)``, ``reads_columns()``,
``elasticity(X, price)``, ``save(path)``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import special
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from autorisk.data.arrays import numeric_column
from autorisk.demand import _prices
from autorisk.demand._binomial import loglik, null_loglik
from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.models._inputs import MIN_SAMPLES, target
from autorisk.models.design import _require_columns

#: Step in log price of the symmetric finite difference of :meth:`_DemandModel.elasticity` (1% up and down).
ELASTICITY_STEP = 0.01

#: What ``remedy_`` says, by whether the net re-rating term is fitted.
REMEDIES = {
    True: "net re-rating: the price enters net of the technical re-rating, log(offered / technical)",
    False: "none: the price change is not netted of the technical re-rating (fit on a randomised price test, "
    "or add technical= and the 'net' term, to separate risk from price sensitivity)",
}


class _DemandModel(BaseEstimator):
    """Shared half of the demand GLMs and GBMs; use a public subclass."""

    #: Roles of price columns the class reads (conversion models have no "last").
    _roles: ClassVar[tuple[str, ...]] = _prices.ROLES
    #: What the outcome 1 means, in messages.
    _outcome: ClassVar[str] = "renewed"

    # ----------------------------------------------------------- fit inputs
    def _named_columns(self) -> dict[str, str | None]:
        return {role: getattr(self, role, None) for role in self._roles}

    def _prepare(self, X: Any, y: Any, sample_weight: Any) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
        """Check the inputs and set the price attributes; return ``(X, y, weights, term values)``."""
        if not isinstance(X, pd.DataFrame):
            raise ParameterError(f"X must be a pandas DataFrame holding the factors and the price columns, got {type(X).__name__}")
        columns = self._named_columns()
        terms = _prices.resolve_terms(columns, self.price_terms)
        self.price_columns_ = _prices.price_columns(columns, terms)
        self.price_terms_ = terms
        named = {c for c in columns.values() if c is not None}
        factors = [c for c in X.columns if c not in named] if self.factors is None else self.factors
        if isinstance(factors, str):
            raise ParameterError(f"factors must be a list of column names, got the string {factors!r}")
        factors = list(factors)
        _prices.check_factor_names(factors, self.price_columns_)
        if len(set(factors)) != len(factors):
            raise ParameterError(f"factors are listed twice: {factors}")
        _require_columns(X, [*factors, *self.price_columns_.values()])
        if len(X) < MIN_SAMPLES:
            raise DataError(f"Found array with {len(X)} sample(s) while a minimum of {MIN_SAMPLES} is required")
        outcome = numeric_column(target(self, y, self._outcome), X.index, self._outcome)
        bad = (outcome != 0) & (outcome != 1)
        if bad.any():
            raise DataError(DataIssue.from_mask(self._outcome, "not 0 or 1", f"1 ({self._outcome}) or 0", bad, X.index, outcome))
        weights = np.ones(len(X)) if sample_weight is None else numeric_column(sample_weight, X.index, "sample_weight")
        if np.any(weights < 0) or not np.any(weights > 0):
            raise DataError(DataIssue.from_mask("sample_weight", "negative or all zero", "weights >= 0, not all 0",
                                                weights < 0 if np.any(weights < 0) else weights == 0, X.index, weights))  # fmt: skip
        if np.all(outcome[weights > 0] == outcome[weights > 0][0]):
            raise DataError(DataIssue(self._outcome, "no variation", f"both outcomes (every weighted row is {outcome[weights > 0][0]:g})"))
        self.factors_ = factors
        self.feature_names_in_ = np.asarray(factors, dtype=object)
        self.n_features_in_ = len(factors)
        self.remedy_ = REMEDIES["net" in terms]
        return X, outcome, weights, self._term_values(X, None)

    def _term_values(self, X: pd.DataFrame, price: Any) -> np.ndarray:
        """Price term values ``log(price) - log(reference)``: ``(n, terms)``, or ``(n, k, terms)`` for a grid."""
        logs = _prices.log_references(X, self.price_columns_, self.price_terms_)
        log_price = np.log(_prices.offered_prices(X, self.price_columns_, price))
        if log_price.ndim == 1:
            return log_price[:, None] - logs
        return log_price[:, :, None] - logs[:, None, :]

    def _rows(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "price_columns_")
        if not isinstance(X, pd.DataFrame):
            raise ParameterError(f"X must be a pandas DataFrame holding the factors and the price columns, got {type(X).__name__}")
        _require_columns(X, [*self.factors_, *self.price_columns_.values()])
        return X

    # -------------------------------------------------------------- protocol
    def reads_columns(self) -> set[str]:
        """Every column the model reads: its factors and its price columns.

        Returns
        -------
        set of str
        """
        check_is_fitted(self, "price_columns_")
        return {*self.factors_, *self.price_columns_.values()}

    def predict_retention(self, X: pd.DataFrame, price: Any = None) -> np.ndarray:
        """Probability of the outcome (renewal, or sale) at ``price``.

        Parameters
        ----------
        X : DataFrame
            The model's factors and price columns.
        price : array-like, optional
            None (the offered column of ``X``), one price per row (shape
            ``(n,)``) or a grid of ``k`` prices per row (``(n, k)``).

        Returns
        -------
        ndarray
            The shape of ``price`` (``(n,)`` when None): the same numbers as
            :meth:`predict` on ``X`` with the offered column replaced.
        """
        raise NotImplementedError

    def log_linear_price_response(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
        """``(a, b)`` with ``logit P(price) = a + b log(price)`` per row, when the model is of that form; else None."""
        return None

    def elasticity(self, X: pd.DataFrame, price: Any = None) -> np.ndarray:
        """``d log P / d log price`` per row, by a symmetric finite difference of :data:`ELASTICITY_STEP` in log price.

        ``(log P(p e^h) - log P(p e^-h)) / 2h`` with ``h = 0.01`` (prices 1%
        up and down). A tree model is a step function of the price: this is
        the average slope over that 2% band, not a derivative at a point.

        Parameters
        ----------
        X : DataFrame
            The model's factors and price columns.
        price : array-like, optional
            As :meth:`predict_retention` (default the offered column).

        Returns
        -------
        ndarray
            The shape of ``price``; ``<= 0`` for a model monotone in price.
        """
        X = self._rows(X)
        p = _prices.offered_prices(X, self.price_columns_, price)
        h = ELASTICITY_STEP
        up = self.predict_retention(X, p * np.exp(h))
        down = self.predict_retention(X, p * np.exp(-h))
        return (np.log(up) - np.log(down)) / (2 * h)

    def premium_elasticity(self, X: pd.DataFrame, price: Any = None) -> np.ndarray:
        """``d log (price x P) / d log price = 1 + elasticity``: how the expected premium moves with the price.

        Parameters
        ----------
        X : DataFrame
            The model's factors and price columns.
        price : array-like, optional
            As :meth:`predict_retention`.

        Returns
        -------
        ndarray
        """
        return 1.0 + self.elasticity(X, price)

    # ------------------------------------------------------- scikit-learn
    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of the outcome at the offered price: ``predict_retention(X)``."""
        return self.predict_retention(X)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """``[P(0), P(1)]`` per row, shape ``(n, 2)``, as scikit-learn's classifiers."""
        p = self.predict_retention(X)
        return np.column_stack([1.0 - p, p])

    def score(self, X: pd.DataFrame, y: Any, sample_weight: Any = None) -> float:
        """D^2: the fraction of the binomial deviance of the constant model explained on (X, y)."""
        X = self._rows(X)
        outcome = numeric_column(target(self, y, self._outcome), X.index, self._outcome)
        weights = np.ones(len(X)) if sample_weight is None else numeric_column(sample_weight, X.index, "sample_weight")
        p = np.clip(self.predict_retention(X), 1e-15, 1 - 1e-15)
        return 1.0 - loglik(special.logit(p), outcome, weights) / null_loglik(outcome, weights)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.string = True
        return tags
