"""Gradient-boosted pricing models on LightGBM: frequency, severity, pure premium.

One private engine, :class:`_PricingGBM`, does the work (feature encoding,
choice of the number of rounds, training, prediction, save/load); the public
classes differ only in their LightGBM objective and in how the response and
exposure enter, exactly as the GLMs of :mod:`autorisk.models.glm`:

- :class:`FrequencyGBM`: Poisson claim counts, log exposure as an offset
  (LightGBM's ``init_score``; added back at prediction, never a feature).
- :class:`SeverityGBM`: Gamma average claim weighted by the claim count.
- :class:`TweedieGBM`: loss per unit of exposure weighted by exposure.

Every booster starts from the intercept-only fit (``base_score_``, on the log
scale, part of the ``init_score``), so trees model relativities only and the
first rounds are not spent finding the overall level.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy import special
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from autorisk.data.arrays import exposure_column
from autorisk.errors import (
    DataError,
    DataIssue,
    ModelError,
    ParameterError,
    SchemaError,
    UnknownCategoryError,
)
from autorisk.models.design import _numeric_values, _ordered_levels, _require_columns
from autorisk.models.families import GAMMA, POISSON, Family, tweedie
from autorisk.models.glm import _inputs

MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"
FORMAT = "autorisk.gbm"
FORMAT_VERSION = 1
EARLY_STOPPING = ("validation", "cv", None)
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

# name -> (check, what is expected): declarative checks of the constructor arguments.
_RULES: dict[str, tuple[Any, str]] = {
    "learning_rate": (lambda v: _real(v) and v > 0, "a number > 0"),
    "num_leaves": (lambda v: _integer(v) and v >= 2, "an integer >= 2"),
    "max_depth": (lambda v: _integer(v) and (v == -1 or v >= 1), "-1 (no limit) or an integer >= 1"),
    "min_exposure_per_leaf": (lambda v: _real(v) and v >= 0, "a number >= 0"),
    "max_rounds": (lambda v: _integer(v) and v >= 1, "an integer >= 1"),
    "validation_fraction": (lambda v: _real(v) and 0 < v < 1, "a number in (0, 1)"),
    "n_folds": (lambda v: _integer(v) and v >= 2, "an integer >= 2"),
    "patience": (lambda v: _integer(v) and v >= 1, "an integer >= 1"),
    "n_rounds": (lambda v: v is None or (_integer(v) and v >= 1), "None or an integer >= 1"),
    "feature_fraction": (lambda v: _real(v) and 0 < v <= 1, "a number in (0, 1]"),
    "bagging_fraction": (lambda v: _real(v) and 0 < v <= 1, "a number in (0, 1]"),
    "lambda_l2": (lambda v: _real(v) and v >= 0, "a number >= 0"),
    "random_state": (lambda v: _integer(v) and v >= 0, "an integer >= 0 (a fixed seed)"),
}


class _PricingGBM(RegressorMixin, BaseEstimator):
    """Shared engine of the pricing GBMs; use a public subclass."""

    #: LightGBM objective of the family.
    _objective: ClassVar[str] = ""

    def __init__(
        self,
        features: Sequence[str] | None = None,
        *,
        monotone: Mapping[str, int] | None = None,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        max_depth: int = -1,
        min_exposure_per_leaf: float = 50.0,
        max_rounds: int = 3000,
        early_stopping: str | None = "validation",
        validation_fraction: float = 0.2,
        n_folds: int = 5,
        patience: int = 50,
        n_rounds: int | None = None,
        feature_fraction: float = 0.9,
        bagging_fraction: float = 1.0,
        lambda_l2: float = 1.0,
        random_state: int = 0,
        params: Mapping[str, Any] | None = None,
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

    # ------------------------------------------------------------ to override
    def _family(self) -> Family:
        raise NotImplementedError

    def _prepared(self, X, y, exposure, sample_weight):
        """Rows, label, weight and log offset that LightGBM fits (see the subclasses)."""
        raise NotImplementedError

    def _objective_params(self) -> dict[str, Any]:
        return {}

    def _hessian_per_unit_weight(self, base: float, params: Mapping[str, Any]) -> float:
        """LightGBM's hessian per unit of weight at the intercept-only fit ``base``."""
        raise NotImplementedError

    # -------------------------------------------------------------- fitting
    def _fit(self, X: pd.DataFrame, label, weight, offset, passed: Sequence[Any]) -> _PricingGBM:
        self._check_options()
        features = self._chosen_features(X, passed)
        categorical = [f for f in features if _is_categorical(f, X[f])]
        monotone = self._monotone_constraints(features, categorical)
        self.features_ = features
        self.categorical_ = categorical
        self.categories_ = {f: _levels(f, X[f]) for f in categorical}
        self.family_ = self._family().name
        matrix = self.encode(X)

        base = _constant_mean(label, weight, offset, self._family().power)
        if not (np.isfinite(base) and base > 0):
            raise ModelError("the weighted response is 0 (no claims or losses, or zero weights): nothing to fit")
        params = {
            "objective": self._objective,
            **self._objective_params(),
            "learning_rate": float(self.learning_rate),
            "num_leaves": int(self.num_leaves),
            "max_depth": int(self.max_depth),
            "feature_fraction": float(self.feature_fraction),
            "bagging_fraction": float(self.bagging_fraction),
            "bagging_freq": int(self.bagging_fraction < 1),
            "lambda_l2": float(self.lambda_l2),
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
            float(self.min_exposure_per_leaf) * self._hessian_per_unit_weight(base, params),
        )

        self.evals_result_: dict[str, dict[str, list[float]]] = {}
        self.best_score_: float | None = None
        if self.early_stopping == "validation":
            n_rounds = self._rounds_by_validation(matrix, label, weight, offset, params)
        elif self.early_stopping == "cv":
            n_rounds = self._rounds_by_cv(matrix, label, weight, offset + np.log(base), params)
        else:
            n_rounds = int(self.n_rounds)
        data = self._dataset(matrix, label, weight, offset + np.log(base), params)
        self.booster_ = lgb.train(params, data, num_boost_round=n_rounds)
        self.base_score_ = float(np.log(base))
        self.n_rounds_ = n_rounds
        self.lgb_params_ = params
        self.n_features_in_ = len(features)
        return self

    def _rounds_by_validation(self, matrix, label, weight, offset, params) -> int:
        """Rounds at which the deviance of a seeded hold-out stops improving."""
        n = len(label)
        n_valid = int(round(self.validation_fraction * n))
        if not 1 <= n_valid < n:
            raise ModelError(f"validation_fraction={self.validation_fraction} leaves no training or validation rows ({n} rows)")
        order = np.random.default_rng(self.random_state).permutation(n)
        valid, train = np.sort(order[:n_valid]), np.sort(order[n_valid:])
        # The hold-out starts from the training part's level: it must not inform its own baseline.
        start = np.log(_constant_mean(label[train], weight[train], offset[train], self._family().power))
        train_set = self._dataset(matrix[train], label[train], weight[train], offset[train] + start, params)
        valid_set = self._dataset(
            matrix[valid], label[valid], weight[valid], offset[valid] + start, params, reference=train_set
        )
        record: dict[str, Any] = {}
        booster = lgb.train(
            params,
            train_set,
            num_boost_round=int(self.max_rounds),
            valid_sets=[valid_set],
            valid_names=["validation"],
            feval=self._deviance_metric(),
            callbacks=[lgb.early_stopping(int(self.patience), verbose=False), lgb.record_evaluation(record)],
        )
        curve = [float(v) for v in record["validation"]["deviance"]]
        n_rounds = int(booster.best_iteration) or int(np.argmin(curve)) + 1
        self.evals_result_ = {"validation": {"deviance": curve}}
        self.best_score_ = curve[n_rounds - 1]
        return n_rounds

    def _rounds_by_cv(self, matrix, label, weight, init_score, params) -> int:
        """Rounds minimising the mean deviance over seeded folds (``lightgbm.cv``)."""
        if len(label) < self.n_folds:
            raise ModelError(f"n_folds={self.n_folds} exceeds the number of rows ({len(label)})")
        # One init_score for all folds: the base level is the whole data's (a constant, a negligible leak).
        folds = list(KFold(int(self.n_folds), shuffle=True, random_state=int(self.random_state)).split(matrix))
        result = lgb.cv(
            params,
            self._dataset(matrix, label, weight, init_score, params),
            num_boost_round=int(self.max_rounds),
            folds=folds,
            feval=self._deviance_metric(),
            callbacks=[lgb.early_stopping(int(self.patience), verbose=False)],
        )
        mean = [float(v) for v in result["valid deviance-mean"]]
        std = [float(v) for v in result["valid deviance-stdv"]]
        self.evals_result_ = {"cv": {"deviance-mean": mean, "deviance-stdv": std}}
        self.best_score_ = mean[-1]  # lightgbm.cv truncates the curves at the best round
        return len(mean)

    def _dataset(self, matrix, label, weight, init_score, params, reference=None) -> lgb.Dataset:
        return lgb.Dataset(
            matrix,
            label=label,
            weight=weight,
            init_score=init_score,
            feature_name=list(self.features_),
            categorical_feature=list(self.categorical_) or "auto",
            reference=reference,
            params={k: params[k] for k in ("verbosity", "seed") if k in params},
            free_raw_data=False,
        )

    def _deviance_metric(self):
        power = self._family().power

        def deviance(predictions: np.ndarray, data: lgb.Dataset) -> tuple[str, float, bool]:
            # predictions include the init_score (offset and base level): the fitted means
            return "deviance", _mean_deviance(data.get_label(), predictions, data.get_weight(), power), False

        return deviance

    # ------------------------------------------------------- option checks
    def _check_options(self) -> None:
        for name, (check, expected) in _RULES.items():
            value = getattr(self, name)
            if not check(value):
                raise ParameterError(f"{name} must be {expected}, got {value!r}")
        if self.early_stopping not in EARLY_STOPPING:
            raise ParameterError(f"early_stopping must be one of {EARLY_STOPPING}, got {self.early_stopping!r}")
        if self.early_stopping is None and self.n_rounds is None:
            raise ParameterError("n_rounds is required when early_stopping=None (the number of boosting rounds)")
        if self.early_stopping is not None and self.n_rounds is not None:
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
            leaked = [s.name for s in passed if isinstance(s, pd.Series) and s.name in X.columns]
            if leaked:
                raise ParameterError(
                    f"features=None would use the columns {leaked} as features, but they are passed as the "
                    "response, exposure or weights: list the features explicitly"
                )
        elif isinstance(self.features, str):
            raise ParameterError(f"features must be a list of column names, got the string {self.features!r}")
        else:
            features = list(self.features)
        _require_columns(X, features)
        if len(set(features)) != len(features):
            raise ParameterError(f"features are listed twice: {features}")
        bad = [f for f in features if not isinstance(f, str) or _SPECIAL_CHARACTERS & set(f) or f == "bias"]
        if bad:
            raise ParameterError(
                f"feature names must be strings without any of {''.join(sorted(_SPECIAL_CHARACTERS))} "
                f"and other than 'bias'; rename {bad}"
            )
        return features

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
        ``categories_``; a missing value or a level unseen in training raises.

        Parameters
        ----------
        X : DataFrame
            Rows to encode; must hold every column of ``features_``.

        Returns
        -------
        ndarray of shape (n_rows, n_features)
        """
        check_is_fitted(self, "features_")
        _require_columns(X, self.features_)
        matrix = np.empty((len(X), len(self.features_)))
        for j, name in enumerate(self.features_):
            if name in self.categories_:
                matrix[:, j] = _codes(name, X[name], self.categories_[name])
            else:
                matrix[:, j] = _numeric_values(name, X[name])
        return matrix

    def predict_log(self, X: pd.DataFrame) -> np.ndarray:
        """Log of the expected value per unit of exposure (the raw score, no offset)."""
        check_is_fitted(self, "booster_")
        return self.base_score_ + self.booster_.predict(self.encode(X), raw_score=True)

    def predict(self, X: pd.DataFrame, exposure: Any = None) -> np.ndarray:
        """Expected value per row: ``exposure * exp(predict_log(X))`` (exposure defaults to 1)."""
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
        contributions = self.booster_.predict(self.encode(X), pred_contrib=True)
        frame = pd.DataFrame(contributions, index=X.index, columns=[*self.features_, "bias"])
        frame["bias"] += self.base_score_
        return frame

    def score(self, X: pd.DataFrame, y: Any, exposure: Any = None, sample_weight: Any = None) -> float:
        """D^2: the fraction of the deviance of the intercept-only model explained on (X, y).

        The intercept-only model keeps the exposure offset, as the GLMs' ``score``.
        """
        check_is_fitted(self, "booster_")
        rows, label, weight, offset = self._prepared(X, y, exposure, sample_weight)
        family = self._family()
        mu = np.exp(self.predict_log(rows) + offset)
        null = _constant_mean(label, weight, offset, family.power) * np.exp(offset)
        return 1.0 - family.deviance(label, mu, weight) / family.deviance(label, null, weight)

    # ------------------------------------------------------------ save, load
    def save(self, path: str | Path) -> Path:
        """Write the model to the folder ``path``: ``model.txt`` and ``metadata.json``.

        ``model.txt`` is LightGBM's own text format; ``metadata.json`` holds
        the constructor parameters, features, levels and base level. No
        pickle: both files are plain text.
        """
        check_is_fitted(self, "booster_")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        metadata = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "class": type(self).__name__,
            "family": self.family_,
            "params": self.get_params(),
            "features": self.features_,
            "categorical": self.categorical_,
            "categories": self.categories_,
            "monotone": {f: int(d) for f, d in (self.monotone or {}).items() if d},
            "base_score": self.base_score_,
            "n_rounds": self.n_rounds_,
            "best_score": self.best_score_,
            "evals_result": self.evals_result_,
            "lgb_params": self.lgb_params_,
            "lightgbm_version": lgb.__version__,
        }
        try:
            text = json.dumps(metadata, indent=1, default=_json_default)
        except TypeError as error:
            raise ModelError(f"the model cannot be saved as JSON: {error}") from None
        self.booster_.save_model(str(folder / MODEL_FILE))
        (folder / METADATA_FILE).write_text(text, encoding="utf-8")
        return folder

    @classmethod
    def load(cls, path: str | Path) -> _PricingGBM:
        """Read a model written by :meth:`save`; its predictions are bit-identical."""
        folder = Path(path)
        for name in (MODEL_FILE, METADATA_FILE):
            if not (folder / name).is_file():
                raise ModelError(f"{folder} is not a saved GBM: {name} is missing")
        metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
        if metadata.get("format") != FORMAT or metadata.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{folder / METADATA_FILE} is not {FORMAT} version {FORMAT_VERSION} metadata")
        classes = {c.__name__: c for c in (FrequencyGBM, SeverityGBM, TweedieGBM)}
        klass = classes.get(metadata["class"])
        if klass is None or not issubclass(klass, cls):
            raise ModelError(f"{folder} holds a {metadata['class']}, not a {cls.__name__}")
        model = klass(**metadata["params"])
        model.features_ = metadata["features"]
        model.categorical_ = metadata["categorical"]
        model.categories_ = metadata["categories"]
        model.family_ = metadata["family"]
        model.base_score_ = metadata["base_score"]
        model.n_rounds_ = metadata["n_rounds"]
        model.best_score_ = metadata["best_score"]
        model.evals_result_ = metadata["evals_result"]
        model.lgb_params_ = metadata["lgb_params"]
        model.n_features_in_ = len(model.features_)
        model.booster_ = lgb.Booster(model_file=str(folder / MODEL_FILE))
        return model


_SHARED_PARAMETERS = """
    features : list of str, optional
        Columns of ``X`` used as features; default all columns. Numeric
        columns enter as numbers; category, string, object and bool columns
        as LightGBM native categoricals (levels seen in training, in
        ``categories_``). Missing values are refused (LightGBM would route
        them silently); so are levels unseen in training, at prediction.
    monotone : dict, optional
        ``{feature: +1 or -1}``: predictions non-decreasing (+1) or
        non-increasing (-1) in a numeric feature, all else fixed
        (LightGBM's ``monotone_constraints``), e.g. ``{"ncd_level": 1}``.
    learning_rate : float, default 0.05
        Shrinkage per round: small, many rounds, chosen by early stopping.
    num_leaves : int, default 15
        Leaves per tree.
    max_depth : int, default -1
        Depth limit of each tree (-1: none).
    min_exposure_per_leaf : float, default 50.0
        Minimum exposure (weight) in a leaf. LightGBM has no such constraint;
        it is mapped to ``min_sum_hessian_in_leaf`` as the exposure times the
        hessian per unit of exposure at the intercept-only fit (see the class
        notes). Exact at the first split; later, a leaf of higher (lower)
        risk than average needs proportionally less (more) exposure.
        ``params={"min_sum_hessian_in_leaf": ...}`` overrides the mapping.
    max_rounds : int, default 3000
        Most rounds early stopping may choose.
    early_stopping : {"validation", "cv", None}, default "validation"
        How the number of rounds is chosen. ``"validation"``: hold out a
        seeded ``validation_fraction`` of the rows, stop when its deviance has
        not improved for ``patience`` rounds, then refit on all rows with the
        best number of rounds. ``"cv"``: ``lightgbm.cv`` over ``n_folds``
        seeded folds, then refit on all rows. ``None``: ``n_rounds`` rounds.
    validation_fraction : float, default 0.2
    n_folds : int, default 5
    patience : int, default 50
        Rounds without improvement before early stopping stops.
    n_rounds : int, optional
        Number of rounds with ``early_stopping=None`` (required then).
    feature_fraction : float, default 0.9
        Share of features each tree may use (seeded).
    bagging_fraction : float, default 1.0
        Share of rows each tree is grown on (seeded; 1: no bagging).
    lambda_l2 : float, default 1.0
        L2 penalty on leaf values.
    random_state : int, default 0
        Seed of every random choice (split, folds, bagging, features): with
        ``deterministic=True`` and one thread, two fits give bit-identical
        predictions.
    params : dict, optional
        Further LightGBM parameters, overriding the defaults (e.g.
        ``{"num_threads": 4, "min_data_in_leaf": 100}``); not ``objective``,
        ``metric`` or the number of rounds."""

_SHARED_ATTRIBUTES = """
    booster_ : lightgbm.Booster
        The trees, refitted on all rows with ``n_rounds_`` rounds.
    base_score_ : float
        Log of the intercept-only fit, added to the trees' raw score.
    features_ : list of str
    categorical_ : list of str
        Features entered as categoricals.
    categories_ : dict
        ``{feature: levels}``; a level's code is its position.
    n_rounds_ : int
        Rounds chosen by early stopping, or ``n_rounds``.
    best_score_ : float or None
        Mean validation (or cross-validated) deviance at ``n_rounds_``.
    evals_result_ : dict
        Mean deviance per round: ``{"validation": {"deviance": [...]}}`` or
        ``{"cv": {"deviance-mean": [...], "deviance-stdv": [...]}}``.
    family_ : str
        ``"poisson"``, ``"gamma"`` or ``"tweedie"``.
    lgb_params_ : dict
        The LightGBM parameters used."""


class FrequencyGBM(_PricingGBM):
    """Claim frequency GBM: Poisson with log exposure as an offset.

    The exposure is never a feature: ``init_score = log(exposure) +
    base_score_`` at training (the hold-out gets its own), and
    ``predict(X, exposure)`` multiplies the rate by the exposure.

    Parameters
    ----------<parameters>

    Attributes
    ----------<attributes>

    Notes
    -----
    LightGBM's Poisson hessian is ``weight * exp(score + 0.7)``
    (``poisson_max_delta_step``); with the offset the score starts at
    ``log(exposure * base rate)``, so ``min_exposure_per_leaf`` becomes
    ``min_sum_hessian_in_leaf = min_exposure_per_leaf * base rate * e^0.7``
    (exposure times sample weight).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"region": rng.choice(["north", "south"], 4000), "age": rng.integers(18, 80, 4000)})
    >>> exposure = rng.uniform(0.2, 1.0, 4000)
    >>> claims = rng.poisson(np.where(X["region"] == "south", 0.3, 0.1) * exposure)
    >>> model = FrequencyGBM(early_stopping=None, n_rounds=100, learning_rate=0.1).fit(X, claims, exposure)
    >>> rates = model.predict(pd.DataFrame({"region": ["north", "south"], "age": [40, 40]}))
    >>> rates.round(1)
    array([0.1, 0.3])
    >>> model.predict(X.head(1), exposure=2.0) / model.predict(X.head(1))
    array([2.])
    """

    _objective = "poisson"

    def _family(self) -> Family:
        return POISSON

    def _hessian_per_unit_weight(self, base: float, params: Mapping[str, Any]) -> float:
        return base * float(np.exp(params.get("poisson_max_delta_step", _POISSON_MAX_DELTA_STEP)))

    def fit(self, X: pd.DataFrame, y: Any, exposure: Any = None, sample_weight: Any = None) -> FrequencyGBM:
        """Fit claim counts ``y`` with exposure (years) as a log offset.

        Parameters
        ----------
        X : DataFrame
            Rating factors, one row per policy period.
        y : array-like
            Claim counts (whole numbers >= 0).
        exposure : array-like or float, optional
            Exposure > 0 per row (default 1).
        sample_weight : array-like, optional
            Prior weights >= 0.

        Returns
        -------
        self
        """
        return self._fit(*self._prepared(X, y, exposure, sample_weight), passed=(y, exposure, sample_weight))

    def _prepared(self, X, y, exposure, sample_weight):
        counts, weight, exposure = _inputs(X, y, sample_weight, exposure, "claim_count", integer=True)
        exposure_column(exposure, X.index, positive=True)
        return X, counts, weight, np.log(exposure)


class SeverityGBM(_PricingGBM):
    """Claim severity GBM: Gamma average claim weighted by the claim count.

    ``fit(X, y, claim_count)`` takes the total claim amount per row and its
    claim count: the label is the average claim ``y / claim_count`` with
    weight ``claim_count``, on rows with claims only. Without
    ``claim_count`` each row is one claim. ``predict`` gives the mean
    severity (times ``exposure``, a number of claims, if given).

    Parameters
    ----------<parameters>

    Attributes
    ----------<attributes>

    Notes
    -----
    LightGBM's Gamma hessian is ``weight * y / mu``, whose expectation is the
    weight: ``min_exposure_per_leaf`` is a minimum number of claims
    (``min_sum_hessian_in_leaf = min_exposure_per_leaf``), met on average.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"region": rng.choice(["north", "south"], 3000)})
    >>> counts = rng.integers(1, 3, 3000)
    >>> mean = np.where(X["region"] == "south", 2000.0, 1000.0)
    >>> amount = rng.gamma(2.0 * counts, mean / 2.0)
    >>> model = SeverityGBM(early_stopping=None, n_rounds=100, learning_rate=0.1).fit(X, amount, counts)
    >>> (model.predict(pd.DataFrame({"region": ["north", "south"]})) / 1000).round(1)
    array([1., 2.])
    """

    _objective = "gamma"

    def _family(self) -> Family:
        return GAMMA

    def _hessian_per_unit_weight(self, base: float, params: Mapping[str, Any]) -> float:
        return 1.0

    def fit(self, X: pd.DataFrame, y: Any, claim_count: Any = None, sample_weight: Any = None) -> SeverityGBM:
        """Fit the average claim ``y / claim_count`` weighted by ``claim_count`` (rows with claims).

        Parameters
        ----------
        X : DataFrame
            Rating factors, one row per policy period (or per claim).
        y : array-like
            Total claim amount per row (> 0 where there are claims).
        claim_count : array-like, optional
            Claims per row (default 1); rows without claims are left out.
        sample_weight : array-like, optional
            Prior weights >= 0, multiplied by the claim count.

        Returns
        -------
        self
        """
        return self._fit(*self._prepared(X, y, claim_count, sample_weight), passed=(y, claim_count, sample_weight))

    def score(self, X: pd.DataFrame, y: Any, claim_count: Any = None, sample_weight: Any = None) -> float:
        """D^2 of the average claim on (X, y, claim_count), rows with claims."""
        return super().score(X, y, claim_count, sample_weight)

    def _prepared(self, X, y, claim_count, sample_weight):
        amount, weight, counts = _inputs(X, y, sample_weight, claim_count, "claim_amount", positive_exposure=False)
        has_claims = counts > 0
        if not has_claims.any():
            raise DataError(DataIssue("claim_count", "no claims", "at least one row with claims"))
        bad = has_claims & (amount <= 0)
        if bad.any():
            raise DataError(
                DataIssue.from_mask("claim_amount", "not positive", "amount > 0 where claim_count > 0", bad, X.index, amount)
            )
        rows = X if has_claims.all() else X.iloc[np.flatnonzero(has_claims)]
        severity = amount[has_claims] / counts[has_claims]
        return rows, severity, weight[has_claims] * counts[has_claims], np.zeros(len(rows))


class TweedieGBM(_PricingGBM):
    """Pure premium GBM: Tweedie compound Poisson-gamma with a log link.

    ``fit(X, y, exposure)`` takes the claim amount per row. As in
    :class:`~autorisk.models.TweedieGLM`, the label is the amount per unit of
    exposure, ``y / exposure``, with weight ``exposure``: a compound Poisson
    total over exposure ``e`` has mean ``e * mu`` and variance proportional
    to ``e``, which this gives (``Var(y / e) = phi * mu**p / e``) and a log
    offset on the raw amount would not (it gives ``phi * (e * mu)**p``) for
    ``1 < p < 2``. The exposure is still never a feature, and
    ``predict(X, exposure)`` multiplies the rate by it.

    Parameters
    ----------<parameters>
    power : float, default 1.5
        Tweedie power in (1, 2) (LightGBM's ``tweedie_variance_power``).

    Attributes
    ----------<attributes>

    Notes
    -----
    LightGBM's Tweedie hessian has expectation ``weight * mu**(2 - power)``:
    ``min_sum_hessian_in_leaf = min_exposure_per_leaf * base**(2 - power)``
    with ``base`` the overall loss per unit of exposure.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> X = pd.DataFrame({"region": rng.choice(["north", "south"], 4000)})
    >>> exposure = rng.uniform(0.5, 1.0, 4000)
    >>> counts = rng.poisson(np.where(X["region"] == "south", 0.4, 0.2) * exposure)
    >>> amount = np.where(counts > 0, rng.gamma(2.0 * np.maximum(counts, 1), 500.0), 0.0)
    >>> model = TweedieGBM(early_stopping=None, n_rounds=50, learning_rate=0.1).fit(X, amount, exposure)
    >>> model.predict(pd.DataFrame({"region": ["north", "south"]})).round(-2)
    array([200., 400.])
    """

    _objective = "tweedie"

    def __init__(
        self,
        features: Sequence[str] | None = None,
        *,
        monotone: Mapping[str, int] | None = None,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        max_depth: int = -1,
        min_exposure_per_leaf: float = 50.0,
        max_rounds: int = 3000,
        early_stopping: str | None = "validation",
        validation_fraction: float = 0.2,
        n_folds: int = 5,
        patience: int = 50,
        n_rounds: int | None = None,
        feature_fraction: float = 0.9,
        bagging_fraction: float = 1.0,
        lambda_l2: float = 1.0,
        random_state: int = 0,
        params: Mapping[str, Any] | None = None,
        power: float = 1.5,
    ):
        super().__init__(
            features, monotone=monotone, learning_rate=learning_rate, num_leaves=num_leaves,
            max_depth=max_depth, min_exposure_per_leaf=min_exposure_per_leaf, max_rounds=max_rounds,
            early_stopping=early_stopping, validation_fraction=validation_fraction, n_folds=n_folds,
            patience=patience, n_rounds=n_rounds, feature_fraction=feature_fraction,
            bagging_fraction=bagging_fraction, lambda_l2=lambda_l2, random_state=random_state, params=params,
        )
        self.power = power

    def _family(self) -> Family:
        if not (_real(self.power) and 1 < self.power < 2):
            raise ParameterError(f"power must be a number in (1, 2), got {self.power!r}")
        return tweedie(float(self.power))

    def _objective_params(self) -> dict[str, Any]:
        return {"tweedie_variance_power": float(self.power)}

    def _hessian_per_unit_weight(self, base: float, params: Mapping[str, Any]) -> float:
        return float(base ** (2.0 - self.power))

    def fit(self, X: pd.DataFrame, y: Any, exposure: Any = None, sample_weight: Any = None) -> TweedieGBM:
        """Fit the claim amount ``y`` per unit of ``exposure``, weighted by exposure.

        Parameters
        ----------
        X : DataFrame
            Rating factors, one row per policy period.
        y : array-like
            Claim amount per row (>= 0).
        exposure : array-like or float, optional
            Exposure > 0 per row (default 1).
        sample_weight : array-like, optional
            Prior weights >= 0, multiplied by the exposure.

        Returns
        -------
        self
        """
        return self._fit(*self._prepared(X, y, exposure, sample_weight), passed=(y, exposure, sample_weight))

    def _prepared(self, X, y, exposure, sample_weight):
        amount, weight, exposure = _inputs(X, y, sample_weight, exposure, "claim_amount")
        exposure_column(exposure, X.index, positive=True)
        return X, amount / exposure, weight * exposure, np.zeros(len(X))


for _estimator in (FrequencyGBM, SeverityGBM, TweedieGBM):
    _estimator.__doc__ = (
        _estimator.__doc__.replace("<parameters>", _SHARED_PARAMETERS).replace("<attributes>", _SHARED_ATTRIBUTES)
    )


# ---------------------------------------------------------------- helpers
def _real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool) and np.isfinite(value)


def _integer(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_categorical(name: str, values: pd.Series) -> bool:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    if pd.api.types.is_numeric_dtype(dtype):
        return False
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return True
    raise SchemaError(DataIssue(name, "unsupported dtype", "numbers, or category/string/bool levels", 0, (), (str(dtype),)))


def _levels(name: str, values: pd.Series) -> list[Any]:
    """Levels seen in training, in their natural order (category order, else sorted)."""
    _refuse_missing(name, values)
    levels = _ordered_levels(values, pd.Index(values.unique()))
    return [level.item() if isinstance(level, np.generic) else level for level in levels]


def _codes(name: str, values: pd.Series, levels: Sequence[Any]) -> np.ndarray:
    """Position of each value among the training levels."""
    _refuse_missing(name, values)
    index = pd.Index(list(levels), dtype=object)
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = index.get_indexer(values.cat.categories.astype(object))[values.cat.codes.to_numpy()]
    else:
        codes = index.get_indexer(values.astype(object))
    unseen = codes < 0
    if unseen.any():
        raise UnknownCategoryError(
            DataIssue.from_mask(name, "unseen level", f"one of the fitted levels {list(levels)}", unseen, values.index, values)
        )
    return codes


def _refuse_missing(name: str, values: pd.Series) -> None:
    absent = values.isna().to_numpy()
    if absent.any():
        raise DataError(DataIssue.from_mask(name, "missing value", "a level", absent, values.index))


def _constant_mean(label: np.ndarray, weight: np.ndarray, offset: np.ndarray, power: float) -> float:
    """Maximum-likelihood ``c`` of the intercept-only model ``mu = c * exp(offset)``.

    The score equation ``sum(w (y - c E) (c E)**(1 - p)) = 0`` with ``E = exp(offset)``
    gives ``c = sum(w y E**(1-p)) / sum(w E**(2-p))``.
    """
    base = np.exp(offset)
    return float(np.sum(weight * label * base ** (1.0 - power)) / np.sum(weight * base ** (2.0 - power)))


def _mean_deviance(y: np.ndarray, mu: np.ndarray, weight: np.ndarray | None, power: float) -> float:
    """Weighted mean Tweedie unit deviance.

    Plain numpy: the validation deviance is evaluated every round, and
    scikit-learn's input checks (in ``Family.deviance``) cost ~0.7 ms a call.
    """
    if power == 1.0:
        unit = 2.0 * (special.xlogy(y, y / mu) - y + mu)
    elif power == 2.0:
        unit = 2.0 * (np.log(mu / y) + y / mu - 1.0)
    else:
        unit = 2.0 * (
            y ** (2.0 - power) / ((1.0 - power) * (2.0 - power))
            - y * mu ** (1.0 - power) / (1.0 - power)
            + mu ** (2.0 - power) / (2.0 - power)
        )
    return float(np.average(unit, weights=weight))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} value {value!r} is not JSON serialisable")


__all__ = ["FrequencyGBM", "SeverityGBM", "TweedieGBM", "load_gbm"]


def load_gbm(path: str | Path) -> _PricingGBM:
    """Read a GBM of any family saved with ``save``; its predictions are bit-identical.

    Parameters
    ----------
    path : str or Path
        The folder ``save`` wrote.

    Returns
    -------
    FrequencyGBM, SeverityGBM or TweedieGBM
        The class that was saved.

    Raises
    ------
    ModelError
        If the folder is not a saved GBM (a file missing, another format version).

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np, pandas as pd
    >>> X = pd.DataFrame({"age": np.arange(200) % 50 + 18.0})
    >>> y = np.random.default_rng(0).poisson(0.1, 200)
    >>> model = FrequencyGBM(n_rounds=5, early_stopping=None, min_exposure_per_leaf=5).fit(X, y)
    >>> again = load_gbm(model.save(tempfile.mkdtemp()))
    >>> type(again).__name__, bool((again.predict(X) == model.predict(X)).all())
    ('FrequencyGBM', True)
    """
    return _PricingGBM.load(path)
