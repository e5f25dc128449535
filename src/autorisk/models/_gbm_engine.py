"""The engine of the pricing GBMs: options, features, training, prediction.

:class:`_PricingGBM` holds what the three public GBMs of
:mod:`autorisk.models.gbm` share; the number of rounds is chosen by
:mod:`autorisk.models._gbm_tuning` (the settings, with ``tune=``, by
:mod:`autorisk.models._gbm_search`), features are read by
:mod:`autorisk.models._gbm_encoding` and models are saved by
:mod:`autorisk.models._gbm_io`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from autorisk.data.arrays import exposure_column
from autorisk.errors import ModelError, ParameterError
from autorisk.models import _gbm_io
from autorisk.models._gbm_encoding import UNSET, codes, is_categorical, levels
from autorisk.models._gbm_numbers import constant_mean, integer, real
from autorisk.models._gbm_search import search, tuning_spec
from autorisk.models._gbm_tuning import rounds_by_cv, rounds_by_validation
from autorisk.models._inputs import PricingTags, rating_table
from autorisk.models.design import _numeric_values, _require_columns
from autorisk.models.families import Family
from autorisk.models.levels import apply_level_groups, rare_level_groups

EARLY_STOPPING = ("validation", "cv", None)
#: Settings a search (``tune=``) may choose, as named in the constructor.
_TUNABLE = (
    "learning_rate", "num_leaves", "max_depth", "min_exposure_per_leaf", "feature_fraction", "bagging_fraction",
    "lambda_l2",
)
#: What prediction does with a level unseen in training (as the GLMs' ``unseen``).
UNSEEN_POLICIES = ("raise", "base")
#: LightGBM parameters the estimator sets itself (objective, rounds, metric).
RESERVED_PARAMS = frozenset(
    {"objective", "objective_type", "app", "application", "loss", "metric", "metrics", "metric_types",
     "num_iterations", "num_iteration", "n_iter", "num_tree", "num_trees", "num_round", "num_rounds",
     "nrounds", "num_boost_round", "n_estimators", "max_iter", "early_stopping_round",
     "early_stopping_rounds", "early_stopping", "n_iter_no_change"}
)
#: LightGBM rejects feature names with these (they break its JSON model dump).
_SPECIAL_CHARACTERS = frozenset('"\',:[]{}')
_POISSON_MAX_DELTA_STEP = 0.7  # LightGBM's default
#: ``min_exposure_per_leaf="auto"``: the exposure in which the book expects this many claims.
AUTO_CLAIMS_PER_LEAF = 10.0

# name -> (check, what is expected): declarative checks of the constructor arguments.
_RULES: dict[str, tuple[Any, str]] = {
    "learning_rate": (lambda v: real(v) and v > 0, "a number > 0"),
    "num_leaves": (lambda v: integer(v) and v >= 2, "an integer >= 2"),
    "max_depth": (lambda v: integer(v) and (v == -1 or v >= 1), "-1 (no limit) or an integer >= 1"),
    "min_exposure_per_leaf": (lambda v: v == "auto" or (real(v) and v >= 0), '"auto" or a number >= 0'),
    "max_rounds": (lambda v: integer(v) and v >= 1, "an integer >= 1"),
    "validation_fraction": (lambda v: real(v) and 0 < v < 1, "a number in (0, 1)"),
    "n_folds": (lambda v: integer(v) and v >= 2, "an integer >= 2"),
    "patience": (lambda v: integer(v) and v >= 1, "an integer >= 1"),
    "n_rounds": (lambda v: v is None or (integer(v) and v >= 1), "None or an integer >= 1"),
    "feature_fraction": (lambda v: real(v) and 0 < v <= 1, "a number in (0, 1]"),
    "bagging_fraction": (lambda v: real(v) and 0 < v <= 1, "a number in (0, 1]"),
    "lambda_l2": (lambda v: real(v) and v >= 0, "a number >= 0"),
    "random_state": (lambda v: integer(v) and v >= 0, "an integer >= 0 (a fixed seed)"),
}


class _PricingGBM(PricingTags, RegressorMixin, BaseEstimator):
    """Shared engine of the pricing GBMs; use a public subclass."""

    #: LightGBM objective of the family.
    _objective: ClassVar[str] = ""

    def __init__(
        self,
        features: Sequence[str] | None = None,
        *,
        monotone: Mapping[str, int] | None = None,
        learning_rate: float = 0.05,
        num_leaves: int = 7,
        max_depth: int = -1,
        min_exposure_per_leaf: float | str = "auto",
        max_rounds: int = 3000,
        early_stopping: str | None = "cv",
        validation_fraction: float = 0.2,
        n_folds: int = 5,
        patience: int = 50,
        n_rounds: int | None = None,
        feature_fraction: float = 0.9,
        bagging_fraction: float = 0.8,
        lambda_l2: float = 1.0,
        random_state: int = 0,
        params: Mapping[str, Any] | None = None,
        unseen: str = "raise",
        min_exposure: float | Mapping[str, float] | None = None,
        tune: Any = None,
    ):
        self.features = features
        self.monotone = monotone
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_exposure_per_leaf = min_exposure_per_leaf
        self.max_rounds = max_rounds
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_folds = n_folds
        self.patience = patience
        self.n_rounds = n_rounds
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.lambda_l2 = lambda_l2
        self.random_state = random_state
        self.params = params
        self.unseen = unseen
        self.min_exposure = min_exposure
        self.tune = tune

    # ------------------------------------------------------------ to override
    def _family(self) -> Family:
        raise NotImplementedError

    def _prepared(self, X, y, exposure, sample_weight, reset=True):
        """Rows, label, weight and log offset that LightGBM fits (see the subclasses).

        ``reset`` (at fit) records ``feature_names_in_`` and ``n_features_in_``.
        """
        raise NotImplementedError

    def _objective_params(self) -> dict[str, Any]:
        return {}

    def _exposure_per_claim(self, label: np.ndarray, weight: np.ndarray, offset: np.ndarray, base: float) -> float:
        """Exposure (weight) in which the book expects one claim, for ``min_exposure_per_leaf="auto"``."""
        raise NotImplementedError

    def _hessian_per_unit_weight(self, base: float, params: Mapping[str, Any]) -> float:
        """LightGBM's hessian per unit of weight at the intercept-only fit ``base``."""
        raise NotImplementedError

    # -------------------------------------------------------------- fitting
    def _fit(self, X: pd.DataFrame, label, weight, offset, groups, passed: Sequence[Any]) -> _PricingGBM:
        self._check_options()
        spec = tuning_spec(self.tune, int(self.random_state), _RULES) if self.tune is not None else None
        features = self._chosen_features(X, passed)
        categorical = [f for f in features if is_categorical(f, X[f])]
        monotone = self._monotone_constraints(features, categorical)
        self.features_ = features
        self.categorical_ = categorical
        level_exposure = weight * np.exp(offset)  # exposure (claims for severity) times the prior weight
        self.level_groups_ = rare_level_groups(X, categorical, self.min_exposure, level_exposure)
        grouped = apply_level_groups(X, self.level_groups_)
        self.categories_ = {f: levels(f, grouped[f]) for f in categorical}
        self.base_levels_ = {f: _largest(grouped[f], level_exposure) for f in categorical}
        self.family_ = self._family().name
        matrix = self.encode(X)

        base = constant_mean(label, weight, offset, self._family().power)
        if not (np.isfinite(base) and base > 0):
            raise ModelError("the weighted response is 0 (no claims or losses, or zero weights): nothing to fit")
        settings = {name: getattr(self, name) for name in _TUNABLE}
        if settings["min_exposure_per_leaf"] == "auto":
            per_claim = self._exposure_per_claim(label, weight, offset, base)
            settings["min_exposure_per_leaf"] = AUTO_CLAIMS_PER_LEAF * per_claim
        self.min_exposure_per_leaf_ = float(settings["min_exposure_per_leaf"])
        self.evals_result_: dict[str, dict[str, list[float]]] = {}
        self.best_score_: float | None = None
        self.search_results_: pd.DataFrame | None = None
        self.best_params_: dict[str, Any] | None = None
        init_score = offset + np.log(base)
        if spec is not None:  # the search's best settings, with their cross-validated rounds
            found = search(
                self, spec, matrix, label, weight, init_score,
                lambda chosen: self._lgb_params(base, monotone, {**settings, **chosen}), float(np.sum(level_exposure)),
                groups,
            )
            self.search_results_ = found.table
            self.best_params_ = found.best
            params = self._lgb_params(base, monotone, {**settings, **found.best})
            n_rounds = found.n_rounds
            self.evals_result_ = {"cv": {"deviance-mean": found.mean, "deviance-stdv": found.std}}
            self.best_score_ = found.mean[-1]
        else:
            params = self._lgb_params(base, monotone, settings)
            if self.early_stopping == "validation":
                n_rounds = rounds_by_validation(self, matrix, label, weight, offset, params, groups)
            elif self.early_stopping == "cv":
                n_rounds = rounds_by_cv(self, matrix, label, weight, init_score, params, groups)
            else:
                n_rounds = int(self.n_rounds)
        data = self._dataset(matrix, label, weight, init_score, params)
        self.booster_ = lgb.train(params, data, num_boost_round=n_rounds)
        self.base_score_ = float(np.log(base))
        self.n_rounds_ = n_rounds
        self.lgb_params_ = params
        return self

    def _lgb_params(self, base: float, monotone: list[int], settings: Mapping[str, Any]) -> dict[str, Any]:
        """LightGBM parameters of the settings ``settings`` (the names of ``_TUNABLE``), then ``params``."""
        params = {
            "objective": self._objective,
            **self._objective_params(),
            "learning_rate": float(settings["learning_rate"]),
            "num_leaves": int(settings["num_leaves"]),
            "max_depth": int(settings["max_depth"]),
            "feature_fraction": float(settings["feature_fraction"]),
            "bagging_fraction": float(settings["bagging_fraction"]),
            "bagging_freq": int(settings["bagging_fraction"] < 1),
            "lambda_l2": float(settings["lambda_l2"]),
            "seed": int(self.random_state),
            "deterministic": True,
            "force_col_wise": True,  # else LightGBM picks row/column-wise by timing, which is not reproducible
            "num_threads": 1,
            "verbosity": -1,
            "metric": "None",
        }
        if any(monotone):
            params["monotone_constraints"] = monotone
        params.update(self.params or {})
        params.setdefault(
            "min_sum_hessian_in_leaf",
            float(settings["min_exposure_per_leaf"]) * self._hessian_per_unit_weight(base, params),
        )
        return params


    def _dataset(self, matrix, label, weight, init_score, params, reference=None) -> lgb.Dataset:
        names = self._booster_names()
        return lgb.Dataset(
            matrix,
            label=label,
            weight=weight,
            init_score=init_score,
            feature_name=names,
            categorical_feature=[names[self.features_.index(f)] for f in self.categorical_] or "auto",
            reference=reference,
            params={k: params[k] for k in ("verbosity", "seed") if k in params},
            free_raw_data=False,
        )


    # ------------------------------------------------------- option checks
    def _check_options(self) -> None:
        for name, (check, expected) in _RULES.items():
            value = getattr(self, name)
            if not check(value):
                raise ParameterError(f"{name} must be {expected}, got {value!r}")
        if self.unseen not in UNSEEN_POLICIES:
            raise ParameterError(f"unseen must be one of {UNSEEN_POLICIES}, got {self.unseen!r}")
        if self.early_stopping not in EARLY_STOPPING:
            raise ParameterError(f"early_stopping must be one of {EARLY_STOPPING}, got {self.early_stopping!r}")
        if self.tune is not None and self.n_rounds is not None:
            raise ParameterError(
                f"n_rounds={self.n_rounds} fixes the number of rounds, but tune={self.tune!r} chooses them by "
                "cross-validation: leave n_rounds=None"
            )
        if self.tune is None and self.early_stopping is None and self.n_rounds is None:
            raise ParameterError("n_rounds is required when early_stopping=None (the number of boosting rounds)")
        if self.tune is None and self.early_stopping is not None and self.n_rounds is not None:
            raise ParameterError(
                f"n_rounds={self.n_rounds} fixes the number of rounds, but early_stopping={self.early_stopping!r} "
                "chooses it: set early_stopping=None to use n_rounds"
            )
        reserved = sorted(RESERVED_PARAMS & set(self.params or {}))
        if reserved:
            raise ParameterError(f"params cannot set {reserved}: the estimator sets them itself")

    def _chosen_features(self, X: pd.DataFrame, passed: Sequence[Any]) -> list[str]:
        if self.features is None:
            if not isinstance(X, pd.DataFrame):
                raise ParameterError(f"X must be a pandas DataFrame of rating factors, got {type(X).__name__}")
            features = list(X.columns)
            # y, exposure or weights taken from X would otherwise become features (a leak)
            names = [s.name if isinstance(s, pd.Series) else s for s in passed if isinstance(s, (pd.Series, str))]
            leaked = [name for name in names if name in X.columns]
            if leaked:
                raise ParameterError(
                    f"features=None would use the columns {leaked} as features, but they are passed as the "
                    "response, exposure, weights or groups: list the features explicitly"
                )
        elif isinstance(self.features, str):
            raise ParameterError(f"features must be a list of column names, got the string {self.features!r}")
        else:
            features = list(self.features)
        _require_columns(X, features)
        if len(set(features)) != len(features):
            raise ParameterError(f"features are listed twice: {features}")
        if "bias" in features:
            raise ParameterError("a feature cannot be named 'bias' (the name of the base column of contributions); rename it")
        return features

    def _booster_names(self) -> list[str]:
        """Names LightGBM gets: the features' own, or ``x0``, ``x1``, ... when one is not a name LightGBM takes.

        LightGBM wants strings without any of ``"',:[]{}`` (they break its JSON
        model dump); the booster reads a matrix by position, so its names are
        labels only, and ``features_`` keeps the columns' names.
        """
        names = self.features_
        if all(isinstance(f, str) and f and not _SPECIAL_CHARACTERS & set(f) for f in names):
            return list(names)
        return [f"x{j}" for j in range(len(names))]

    def _monotone_constraints(self, features: list[str], categorical: list[str]) -> list[int]:
        monotone = dict(self.monotone or {})
        unknown = sorted(set(monotone) - set(features), key=str)
        if unknown:
            raise ParameterError(f"monotone names columns that are not features: {unknown}; features: {features}")
        for name, direction in monotone.items():
            if direction not in (-1, 0, 1):
                raise ParameterError(f"monotone[{name!r}] must be +1 (increasing), -1 (decreasing) or 0, got {direction!r}")
            if direction and name in categorical:
                raise ParameterError(
                    f"monotone constraint on the categorical feature {name!r}: only numeric features can be "
                    "monotone (use a numeric column, e.g. an ordered level as an integer)"
                )
        return [int(monotone.get(f, 0)) for f in features]

    # ----------------------------------------------------------- prediction
    def encode(self, X: pd.DataFrame) -> np.ndarray:
        """The float matrix the booster reads, one column per feature in ``features_``.

        Categorical features become the integer position of their level in
        ``categories_`` (after ``level_groups_``); a missing value raises, and
        so does a level unseen in training unless it joins ``"other"`` (a
        factor with rare levels grouped) or ``unseen="base"`` reads it as the
        level of largest exposure (``base_levels_``), with a warning.

        Parameters
        ----------
        X : DataFrame
            Rows to encode; must hold every column of ``features_``.

        Returns
        -------
        ndarray of shape (n_rows, n_features)
        """
        check_is_fitted(self, "features_")
        X = rating_table(self, X, reset=False)
        _require_columns(X, self.features_)
        X = apply_level_groups(X, getattr(self, "level_groups_", {}), stacklevel=4)
        base_levels = getattr(self, "base_levels_", {}) if self.unseen == "base" else {}
        matrix = np.empty((len(X), len(self.features_)))
        for j, name in enumerate(self.features_):
            if name in self.categories_:
                matrix[:, j] = codes(name, X[name], self.categories_[name], base_levels.get(name, UNSET))
            else:
                matrix[:, j] = _numeric_values(name, X[name])
        return matrix

    def predict_log(self, X: pd.DataFrame) -> np.ndarray:
        """Log of the expected value per unit of exposure (the raw score, no offset)."""
        check_is_fitted(self, "booster_")
        return self.base_score_ + self.booster_.predict(self.encode(X), raw_score=True)

    def predict(self, X: pd.DataFrame, exposure: Any = None) -> np.ndarray:
        """Expected value per row: ``exposure * exp(predict_log(X))`` (exposure defaults to 1)."""
        check_is_fitted(self, "booster_")
        X = rating_table(self, X, reset=False)
        mu = np.exp(self.predict_log(X))
        return mu if exposure is None else mu * exposure_column(exposure, X.index)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-feature contributions to ``predict_log`` (TreeSHAP, LightGBM's ``pred_contrib``).

        Returns
        -------
        DataFrame
            One column per feature plus ``"bias"`` (the base level and the
            trees' expected score), indexed like ``X``; each row sums to
            ``predict_log(X)`` up to rounding.
        """
        check_is_fitted(self, "booster_")
        X = rating_table(self, X, reset=False)
        contributions = self.booster_.predict(self.encode(X), pred_contrib=True)
        frame = pd.DataFrame(contributions, index=X.index, columns=[*self.features_, "bias"])
        frame["bias"] += self.base_score_
        return frame

    def score(self, X: pd.DataFrame, y: Any, exposure: Any = None, sample_weight: Any = None) -> float:
        """D^2: the fraction of the deviance of the intercept-only model explained on (X, y).

        The intercept-only model keeps the exposure offset, as the GLMs' ``score``.
        """
        check_is_fitted(self, "booster_")
        rows, label, weight, offset, _ = self._prepared(X, y, exposure, sample_weight, reset=False)
        family = self._family()
        mu = np.exp(self.predict_log(rows) + offset)
        null = constant_mean(label, weight, offset, family.power) * np.exp(offset)
        return 1.0 - family.deviance(label, mu, weight) / family.deviance(label, null, weight)

    # ------------------------------------------------------------ save, load
    def save(self, path: str | Path) -> Path:
        """Write the model to the folder ``path``: ``model.txt`` and ``metadata.json``.

        ``model.txt`` is LightGBM's own text format; ``metadata.json`` holds
        the constructor parameters, features, levels and base level. No
        pickle: both files are plain text.
        """
        return _gbm_io.save(self, path)

    @classmethod
    def load(cls, path: str | Path) -> _PricingGBM:
        """Read a model written by :meth:`save`; its predictions are bit-identical."""
        return _gbm_io.load(cls, path)


def _largest(values: pd.Series, exposure: np.ndarray) -> Any:
    """The level with the largest exposure, first in natural order on ties (the GLMs' default base level)."""
    by_level = pd.Series(exposure, index=values.index).groupby(values.astype(object), sort=False).sum()
    ordered = levels(str(values.name), values)
    return max(ordered, key=lambda level: by_level.get(level, 0.0))
