"""Gradient-boosted demand models on LightGBM (objective ``binary``), monotone in every price term.

The features are the segment factors (numbers as they are, levels as
LightGBM categoricals, read as the pricing GBMs read them:
:mod:`autorisk.models._gbm_encoding`) and one column per price term,
``log(offered / reference)``; LightGBM's ``monotone_constraints`` hold the
prediction non-increasing (-1) in each price term, so retention never rises
with the price. The booster starts from the logit of the weighted mean
outcome (``base_score_``), so trees model departures from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy import special
from sklearn.utils.validation import check_is_fitted

from autorisk.demand import _prices
from autorisk.demand._base import _DemandModel
from autorisk.errors import ModelError, ParameterError
from autorisk.models._gbm_encoding import UNSET, codes, is_categorical, levels
from autorisk.models._gbm_engine import _RULES, RESERVED_PARAMS
from autorisk.models.design import _numeric_values

#: The pricing GBMs' checks of the options the demand GBMs share with them.
_SHARED_RULES = ("learning_rate", "num_leaves", "max_depth", "max_rounds", "validation_fraction", "patience",
                 "n_rounds", "feature_fraction", "bagging_fraction", "lambda_l2", "random_state")  # fmt: skip


class _DemandGBM(_DemandModel):
    """Shared engine of the LightGBM demand models; use RetentionGBM or ConversionGBM."""

    def fit(self, X: pd.DataFrame, y: Any, sample_weight: Any = None) -> _DemandGBM:
        """Fit the outcome ``y`` (1 renewed or bought, 0 not) on the factors and price terms of ``X``.

        Parameters
        ----------
        X : DataFrame
            Factors and price columns.
        y : array-like
            1 or 0 per row.
        sample_weight : array-like, optional
            Prior weights ``>= 0`` (default 1).

        Returns
        -------
        self
        """
        self._check_options()
        X, outcome, weights, values = self._prepare(X, y, sample_weight)
        self.categorical_ = [f for f in self.factors_ if is_categorical(f, X[f])]
        self.categories_ = {f: levels(f, X[f]) for f in self.categorical_}
        self.base_levels_ = {f: _most_weighted(X[f], weights) for f in self.categorical_}
        self.features_ = [*self.factors_, *(_prices.PRICE_TERMS[t][1] for t in self.price_terms_)]
        matrix = np.column_stack([self._encode_factors(X), values])
        mean = np.average(outcome, weights=weights)
        self.base_score_ = float(special.logit(mean))
        params = {
            "objective": "binary",
            "learning_rate": float(self.learning_rate),
            "num_leaves": int(self.num_leaves),
            "max_depth": int(self.max_depth),
            "min_data_in_leaf": int(self.min_child_samples),
            "feature_fraction": float(self.feature_fraction),
            "bagging_fraction": float(self.bagging_fraction),
            "bagging_freq": int(self.bagging_fraction < 1),
            "lambda_l2": float(self.lambda_l2),
            "seed": int(self.random_state),
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": 1,
            "verbosity": -1,
            "metric": "binary_logloss",
            "monotone_constraints": [0] * len(self.factors_) + [-1] * len(self.price_terms_),
            "monotone_constraints_method": "advanced",
        }
        params.update(self.params or {})
        self.evals_result_: dict[str, Any] = {}
        self.best_score_: float | None = None
        n_rounds = self._rounds(matrix, outcome, weights, params) if self.early_stopping == "validation" else int(self.n_rounds)
        self.booster_ = lgb.train(params, self._dataset(matrix, outcome, weights), num_boost_round=n_rounds)
        self.n_rounds_ = n_rounds
        self.lgb_params_ = params
        return self

    def _dataset(self, matrix, outcome, weights, reference=None) -> lgb.Dataset:
        names = [f"f{j}" for j in range(matrix.shape[1])]
        categorical = [names[self.factors_.index(f)] for f in self.categorical_]
        return lgb.Dataset(
            matrix, label=outcome, weight=weights, init_score=np.full(len(outcome), self.base_score_),
            feature_name=names, categorical_feature=categorical or "auto", reference=reference,
            params={"verbosity": -1, "seed": int(self.random_state)}, free_raw_data=False,
        )  # fmt: skip

    def _rounds(self, matrix, outcome, weights, params) -> int:
        """Rounds at which the log loss of a seeded hold-out stops improving."""
        n = len(outcome)
        n_valid = int(round(self.validation_fraction * n))
        if not 1 <= n_valid < n:
            raise ModelError(f"validation_fraction={self.validation_fraction} leaves no training or validation rows ({n} rows)")
        order = np.random.default_rng(self.random_state).permutation(n)
        valid, train = np.sort(order[:n_valid]), np.sort(order[n_valid:])
        train_set = self._dataset(matrix[train], outcome[train], weights[train])
        valid_set = self._dataset(matrix[valid], outcome[valid], weights[valid], reference=train_set)
        record: dict[str, Any] = {}
        booster = lgb.train(
            params, train_set, num_boost_round=int(self.max_rounds), valid_sets=[valid_set], valid_names=["validation"],
            callbacks=[lgb.early_stopping(int(self.patience), verbose=False), lgb.record_evaluation(record)],
        )  # fmt: skip
        curve = [float(v) for v in record["validation"]["binary_logloss"]]
        n_rounds = int(booster.best_iteration) or int(np.argmin(curve)) + 1
        self.evals_result_ = {"validation": {"binary_logloss": curve}}
        self.best_score_ = curve[n_rounds - 1]
        return n_rounds

    def _check_options(self) -> None:
        for name in _SHARED_RULES:
            check, expected = _RULES[name]
            if not check(getattr(self, name)):
                raise ParameterError(f"{name} must be {expected}, got {getattr(self, name)!r}")
        if not (isinstance(self.min_child_samples, int) and self.min_child_samples >= 1):
            raise ParameterError(f"min_child_samples must be an integer >= 1, got {self.min_child_samples!r}")
        if self.early_stopping not in ("validation", None):
            raise ParameterError(f"early_stopping must be 'validation' or None, got {self.early_stopping!r}")
        if (self.early_stopping is None) == (self.n_rounds is None):
            raise ParameterError("give n_rounds with early_stopping=None, and only then (early stopping chooses the rounds)")
        if self.unseen not in ("raise", "base"):
            raise ParameterError(f"unseen must be one of ('raise', 'base'), got {self.unseen!r}")
        reserved = sorted((RESERVED_PARAMS | {"monotone_constraints"}) & set(self.params or {}))
        if reserved:
            raise ParameterError(f"params cannot set {reserved}: the estimator sets them itself")

    # ----------------------------------------------------------- prediction
    def _encode_factors(self, X: pd.DataFrame) -> np.ndarray:
        matrix = np.empty((len(X), len(self.factors_)))
        base = self.base_levels_ if self.unseen == "base" else {}
        for j, name in enumerate(self.factors_):
            if name in self.categories_:
                matrix[:, j] = codes(name, X[name], self.categories_[name], base.get(name, UNSET))
            else:
                matrix[:, j] = _numeric_values(name, X[name])
        return matrix

    def predict_retention(self, X: pd.DataFrame, price: Any = None) -> np.ndarray:
        """Probability of the outcome at ``price`` (each price of a grid scored as its own frame).

        Parameters
        ----------
        X : DataFrame
            The model's factors and price columns.
        price : array-like, optional
            None (the offered column of ``X``), one price per row (``(n,)``)
            or ``k`` prices per row (``(n, k)``).

        Returns
        -------
        ndarray
            The shape of ``price`` (``(n,)`` when None).
        """
        check_is_fitted(self, "booster_")
        X = self._rows(X)
        values = self._term_values(X, price)
        factors = self._encode_factors(X)
        if values.ndim == 2:
            return self._probability(np.column_stack([factors, values]))
        # one price point at a time: memory of one (n, features) matrix, the numbers of k separate calls
        out = np.empty(values.shape[:2])
        matrix = np.column_stack([factors, values[:, 0, :]])
        for j in range(values.shape[1]):
            matrix[:, len(self.factors_):] = values[:, j, :]
            out[:, j] = self._probability(matrix)
        return out

    def _probability(self, matrix: np.ndarray) -> np.ndarray:
        return special.expit(self.base_score_ + self.booster_.predict(matrix, raw_score=True))

    # ------------------------------------------------------------ save, load
    def save(self, path: str | Path) -> Path:
        """Write the model to the folder ``path``: LightGBM's ``model.txt`` and ``metadata.json`` (no pickle).

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        Path
        """
        from autorisk.demand import persistence

        return persistence.save_gbm(self, path)


def _most_weighted(values: pd.Series, weights: np.ndarray) -> Any:
    by_level = pd.Series(weights, index=values.index).groupby(values.astype(object), sort=False).sum()
    ordered = levels(str(values.name), values)
    return max(ordered, key=lambda level: by_level.get(level, 0.0))


_GBM_PARAMETERS = """
    factors : list of str, optional
        Segment columns (numbers, or levels as LightGBM categoricals); default
        every column but the price columns. Missing values are refused.
    offered : str, default "offered"
        Column of the price offered.{last}
    market : str, optional
        Column of a market price proxy: the feature ``log(offered / market)``.
    technical : str, optional
        Column of the technical premium: ``log(offered / technical)``.
    price_terms : list of str, optional
        Among {terms}; default every term whose column is named. Each is a
        feature with a -1 monotone constraint.
    learning_rate : float, default 0.05
    num_leaves : int, default 15
    max_depth : int, default -1
    min_child_samples : int, default 50
        Fewest rows in a leaf (LightGBM's ``min_data_in_leaf``).
    max_rounds : int, default 2000
    early_stopping : {{"validation", None}}, default "validation"
        Choose the rounds on a seeded hold-out of ``validation_fraction`` of
        the rows (log loss, ``patience`` rounds), then refit on every row; or
        fit ``n_rounds`` rounds.
    validation_fraction : float, default 0.2
    patience : int, default 50
    n_rounds : int, optional
    feature_fraction : float, default 0.9
    bagging_fraction : float, default 1.0
    lambda_l2 : float, default 1.0
    random_state : int, default 0
    params : dict, optional
        Further LightGBM parameters (not the objective, rounds or monotone constraints).
    unseen : {{"raise", "base"}}, default "raise"
        A level unseen in training: raise, or read it as the level of largest weight."""

_GBM_ATTRIBUTES = """
    booster_ : lightgbm.Booster
    base_score_ : float
        Logit of the weighted mean outcome, the trees' starting point.
    price_columns_, price_terms_, factors_, feature_names_in_, remedy_
        As :class:`RetentionGLM`.
    features_ : list of str
        Factors then price term columns, in the booster's order.
    categorical_, categories_, base_levels_
    n_rounds_ : int
    best_score_ : float or None
        Hold-out log loss at ``n_rounds_``.
    evals_result_ : dict
    lgb_params_ : dict"""


class RetentionGBM(_DemandGBM):
    """Renewal retention GBM (LightGBM, binary), monotone non-increasing in every price term.

    Parameters
    ----------<parameters>

    Attributes
    ----------<attributes>

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 4_000
    >>> X = pd.DataFrame({"age": rng.choice(["young", "old"], n), "last": 500.0})
    >>> X["offered"] = X["last"] * np.exp(rng.normal(0, 0.1, n))
    >>> logit = 1.5 - 4.0 * np.log(X["offered"] / X["last"])
    >>> renewed = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    >>> model = RetentionGBM(["age"], early_stopping=None, n_rounds=50).fit(X, renewed)
    >>> p = model.predict_retention(X.head(3), np.array([[400.0, 500.0, 600.0]] * 3))
    >>> p.shape, bool(np.all(np.diff(p, axis=1) <= 0))
    ((3, 3), True)
    """

    _outcome = "renewed"

    def __init__(
        self,
        factors: Sequence[str] | None = None,
        *,
        offered: str = "offered",
        last: str | None = "last",
        market: str | None = None,
        technical: str | None = None,
        price_terms: Sequence[str] | None = None,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        max_depth: int = -1,
        min_child_samples: int = 50,
        max_rounds: int = 2000,
        early_stopping: str | None = "validation",
        validation_fraction: float = 0.2,
        patience: int = 50,
        n_rounds: int | None = None,
        feature_fraction: float = 0.9,
        bagging_fraction: float = 1.0,
        lambda_l2: float = 1.0,
        random_state: int = 0,
        params: Mapping[str, Any] | None = None,
        unseen: str = "raise",
    ):
        self.factors = factors
        self.offered = offered
        self.last = last
        self.market = market
        self.technical = technical
        self.price_terms = price_terms
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.max_rounds = max_rounds
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.n_rounds = n_rounds
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.lambda_l2 = lambda_l2
        self.random_state = random_state
        self.params = params
        self.unseen = unseen


class ConversionGBM(_DemandGBM):
    """New-business conversion GBM (quote to sale): as :class:`RetentionGBM` without a last price.

    Parameters
    ----------<parameters>

    Attributes
    ----------<attributes>

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> n = 4_000
    >>> X = pd.DataFrame({"channel": rng.choice(["web", "broker"], n), "market": 400.0})
    >>> X["offered"] = X["market"] * np.exp(rng.normal(0, 0.15, n))
    >>> sold = (rng.random(n) < 1 / (1 + np.exp(3.0 * np.log(X["offered"] / X["market"]) + 1.0))).astype(int)
    >>> model = ConversionGBM(["channel"], market="market", early_stopping=None, n_rounds=50).fit(X, sold)
    >>> model.price_columns_
    {'offered': 'offered', 'market': 'market'}
    """

    _roles = ("offered", "market", "technical")
    _outcome = "sold"

    def __init__(
        self,
        factors: Sequence[str] | None = None,
        *,
        offered: str = "offered",
        market: str | None = None,
        technical: str | None = None,
        price_terms: Sequence[str] | None = None,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        max_depth: int = -1,
        min_child_samples: int = 50,
        max_rounds: int = 2000,
        early_stopping: str | None = "validation",
        validation_fraction: float = 0.2,
        patience: int = 50,
        n_rounds: int | None = None,
        feature_fraction: float = 0.9,
        bagging_fraction: float = 1.0,
        lambda_l2: float = 1.0,
        random_state: int = 0,
        params: Mapping[str, Any] | None = None,
        unseen: str = "raise",
    ):
        self.factors = factors
        self.offered = offered
        self.market = market
        self.technical = technical
        self.price_terms = price_terms
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.max_rounds = max_rounds
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.n_rounds = n_rounds
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.lambda_l2 = lambda_l2
        self.random_state = random_state
        self.params = params
        self.unseen = unseen


_LAST = """
    last : str, default "last"
        Column of last year's premium: the feature ``log(offered / last)``."""
RetentionGBM.__doc__ = (RetentionGBM.__doc__ or "").replace(
    "<parameters>", _GBM_PARAMETERS.format(last=_LAST, terms='"change", "competitiveness", "net"')
).replace("<attributes>", _GBM_ATTRIBUTES)
ConversionGBM.__doc__ = (ConversionGBM.__doc__ or "").replace(
    "<parameters>", _GBM_PARAMETERS.format(last="", terms='"competitiveness", "net"')
).replace("<attributes>", _GBM_ATTRIBUTES)

__all__ = ["ConversionGBM", "RetentionGBM"]
