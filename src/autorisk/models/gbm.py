"""Gradient-boosted pricing models on LightGBM: frequency, severity, pure premium.

One private engine, :class:`_PricingGBM`, does the work (feature encoding,
choice of the number of rounds, training, prediction, save/load); the public
classes differ only in their LightGBM objective and in how the response and
exposure enter, exactly as the GLMs of :mod:`autorisk.models.glm`:

- :class:`FrequencyGBM`: Poisson claim counts, log exposure as an offset
  (LightGBM's ``init_score``; added back at prediction, never a feature).
- :class:`SeverityGBM`: Gamma average claim weighted by the claim count.
- :class:`TweedieGBM`: loss per unit of exposure weighted by exposure.

``tune=`` replaces the settings by a seeded search (random or successive
halving, :class:`Tuning`) scored by k-fold cross-validated deviance, then
refits the best (:mod:`~autorisk.models._gbm_search`).

Every booster starts from the intercept-only fit (``base_score_``, on the log
scale, part of the ``init_score``), so trees model relativities only and the
first rounds are not spent finding the overall level.

The engine lives in :mod:`autorisk.models._gbm_engine` (training and
prediction), :mod:`~autorisk.models._gbm_tuning` (the number of rounds),
:mod:`~autorisk.models._gbm_encoding` (features) and
:mod:`~autorisk.models._gbm_io` (save, load); every name stays importable
from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from autorisk.data.arrays import exposure_column
from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.models._gbm_engine import (
    _POISSON_MAX_DELTA_STEP,
    EARLY_STOPPING,
    RESERVED_PARAMS,
    _PricingGBM,
)
from autorisk.models._gbm_io import FORMAT, FORMAT_VERSION, METADATA_FILE, MODEL_FILE
from autorisk.models._gbm_numbers import constant_mean as _constant_mean
from autorisk.models._gbm_numbers import mean_deviance as _mean_deviance
from autorisk.models._gbm_numbers import real
from autorisk.models._gbm_search import DEFAULT_SPACE, Tuning
from autorisk.models._gbm_tuning import group_labels
from autorisk.models._inputs import fit_inputs
from autorisk.models.families import GAMMA, POISSON, Family, tweedie

_SHARED_PARAMETERS = """
    features : list of str, optional
        Columns of ``X`` used as features; default all columns. Numeric
        columns enter as numbers; category, string, object and bool columns
        as LightGBM native categoricals (levels seen in training, in
        ``categories_``). Missing values are refused (LightGBM would route
        them silently); levels unseen in training follow ``unseen``.
    monotone : dict, optional
        ``{feature: +1 or -1}``: predictions non-decreasing (+1) or
        non-increasing (-1) in a numeric feature, all else fixed
        (LightGBM's ``monotone_constraints``), e.g. ``{"ncd_level": 1}``.
    learning_rate : float, default 0.05
        Shrinkage per round: small, many rounds, chosen by early stopping.
    num_leaves : int, default 7
        Leaves per tree.
    max_depth : int, default -1
        Depth limit of each tree (-1: none).
    min_exposure_per_leaf : float or "auto", default "auto"
        Minimum exposure (weight) in a leaf; ``"auto"``: the exposure in
        which the book's average frequency expects 10 claims (frequency:
        10 / claims per year; severity: 10 claims; Tweedie: 10 times the
        exposure per row with a loss), kept in ``min_exposure_per_leaf_``.
        LightGBM has no such constraint;
        it is mapped to ``min_sum_hessian_in_leaf`` as the exposure times the
        hessian per unit of exposure at the intercept-only fit (see the class
        notes). Exact at the first split; later, a leaf of higher (lower)
        risk than average needs proportionally less (more) exposure.
        ``params={"min_sum_hessian_in_leaf": ...}`` overrides the mapping.
    max_rounds : int, default 3000
        Most rounds early stopping may choose.
    early_stopping : {"cv", "validation", None}, default "cv"
        How the number of rounds is chosen. ``"cv"``: ``lightgbm.cv`` over
        ``n_folds`` seeded folds (whole groups with ``fit(groups=)``), the
        rounds of least mean deviance, then refit on all rows.
        ``"validation"``: hold out a seeded ``validation_fraction`` of the
        rows, stop when its deviance has not improved for ``patience``
        rounds, then refit on all rows with the best number of rounds
        (``n_folds`` + 1 times faster, noisier). ``None``: ``n_rounds``
        rounds.
    validation_fraction : float, default 0.2
    n_folds : int, default 5
    patience : int, default 50
        Rounds without improvement before early stopping stops.
    n_rounds : int, optional
        Number of rounds with ``early_stopping=None`` (required then).
    feature_fraction : float, default 0.9
        Share of features each tree may use (seeded).
    bagging_fraction : float, default 0.8
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
        ``metric`` or the number of rounds.
    unseen : {"raise", "base"}, default "raise"
        A level unseen in training, at prediction: raise
        ``UnknownCategoryError``, or predict it as the feature's level of
        largest exposure (``base_levels_``) with a warning, as the GLMs'
        ``unseen="base"``. A factor with rare levels grouped by
        ``min_exposure`` puts unseen levels in ``"other"`` instead.
    min_exposure : float or dict, optional
        Levels of a categorical feature whose exposure (for severity, claim
        count; times the sample weight) is below this join one level
        ``"other"`` before fitting; one number for every categorical
        feature or ``{feature: number}``. The mapping is kept in
        ``level_groups_``, and at prediction a level unseen in training
        joins ``"other"`` too, with a warning (see
        :mod:`autorisk.models.levels`).
    tune : {None, "random", "halving"} or Tuning, default None
        None: the settings above as given. Otherwise a seeded search of
        learning_rate, num_leaves, max_depth, min_exposure_per_leaf,
        feature_fraction, bagging_fraction and lambda_l2 (a
        :class:`~autorisk.models.gbm.Tuning`; a name is ``Tuning(name)``:
        20 trials, 5 folds, the default space), each candidate scored by
        cross-validated mean deviance with early stopping on the folds' mean;
        the best one is refitted on all rows with its cross-validated number
        of rounds (``early_stopping`` and ``validation_fraction`` are then
        not used, and ``n_rounds`` must be None). Settings not searched keep
        the values above; ``params`` override the search's."""

_GROUPS_PARAMETER = """groups : array-like or str, optional
            A group label per row, or the name of a column of ``X`` (e.g.
            the policy of each policy-year): the cross-validation folds and
            the validation hold-out that choose the number of rounds (and,
            with ``tune``, the settings) keep each group's rows together, so
            that no group informs its own score. The column is not a feature
            unless ``features`` names it."""

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
    base_levels_ : dict
        ``{feature: level}``: the level of largest exposure, which
        ``unseen="base"`` predicts an unseen level as.
    level_groups_ : dict
        ``{feature: {level: group}}`` of the features ``min_exposure`` grouped.
    feature_names_in_ : ndarray of str
        Columns of the ``X`` fitted on (``x0``, ``x1``, ... for an array).
    n_features_in_ : int
    n_rounds_ : int
        Rounds chosen by early stopping, or ``n_rounds``.
    min_exposure_per_leaf_ : float
        The minimum exposure per leaf used (``"auto"`` resolved; with
        ``tune``, the estimator's value, which the search may replace).
    best_score_ : float or None
        Mean validation (or cross-validated) deviance at ``n_rounds_``.
    evals_result_ : dict
        Mean deviance per round: ``{"validation": {"deviance": [...]}}`` or
        ``{"cv": {"deviance-mean": [...], "deviance-stdv": [...]}}``.
    family_ : str
        ``"poisson"``, ``"gamma"`` or ``"tweedie"``.
    lgb_params_ : dict
        The LightGBM parameters used.
    search_results_ : DataFrame or None
        With ``tune``: one row per trial (``trial``), its settings
        (``min_exposure_per_leaf`` in exposure), its ``rung`` and budget of
        rounds (``max_rounds``; one rung for a random search), cross-validated
        ``n_rounds``, ``mean_deviance`` and ``sd_deviance`` (across folds, at
        those rounds) and ``rank`` (1: the refitted one, the least
        ``mean_deviance``). None without ``tune``.
    best_params_ : dict or None
        With ``tune``: the chosen trial's settings, which the refit uses
        (``set_params(**best_params_, early_stopping=None, n_rounds=n_rounds_)``
        gives the same model). None without ``tune``."""


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
    _counts_response = True

    def _family(self) -> Family:
        return POISSON

    def _hessian_per_unit_weight(self, base: float, params: Mapping[str, Any]) -> float:
        return base * float(np.exp(params.get("poisson_max_delta_step", _POISSON_MAX_DELTA_STEP)))

    def _exposure_per_claim(self, label, weight, offset, base) -> float:
        return 1.0 / base  # base: claims per unit of exposure

    def fit(self, X: pd.DataFrame, y: Any, exposure: Any = None, sample_weight: Any = None,
            groups: Any = None) -> FrequencyGBM:
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
        <groups>

        Returns
        -------
        self
        """
        return self._fit(*self._prepared(X, y, exposure, sample_weight, groups=groups), passed=(y, exposure, sample_weight, groups))

    def _prepared(self, X, y, exposure, sample_weight, reset=True, groups=None):
        X, counts, weight, exposure = fit_inputs(
            self, X, y, sample_weight, exposure, "claim_count", integer=True, reset=reset
        )
        exposure_column(exposure, X.index, positive=True)
        return X, counts, weight, np.log(exposure), group_labels(X, groups)


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

    def _exposure_per_claim(self, label, weight, offset, base) -> float:
        return 1.0  # the weight is the claim count

    def fit(self, X: pd.DataFrame, y: Any, claim_count: Any = None, sample_weight: Any = None,
            groups: Any = None) -> SeverityGBM:
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
        <groups>

        Returns
        -------
        self
        """
        return self._fit(*self._prepared(X, y, claim_count, sample_weight, groups=groups), passed=(y, claim_count, sample_weight, groups))

    def score(self, X: pd.DataFrame, y: Any, claim_count: Any = None, sample_weight: Any = None) -> float:
        """D^2 of the average claim on (X, y, claim_count), rows with claims."""
        return super().score(X, y, claim_count, sample_weight)

    def _prepared(self, X, y, claim_count, sample_weight, reset=True, groups=None):
        X, amount, weight, counts = fit_inputs(
            self, X, y, sample_weight, claim_count, "claim_amount", positive_exposure=False, reset=reset
        )
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
        labels = group_labels(X, groups)
        labels = None if labels is None else labels[has_claims]
        return rows, severity, weight[has_claims] * counts[has_claims], np.zeros(len(rows)), labels


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
        power: float = 1.5,
    ):
        super().__init__(
            features, monotone=monotone, learning_rate=learning_rate, num_leaves=num_leaves,
            max_depth=max_depth, min_exposure_per_leaf=min_exposure_per_leaf, max_rounds=max_rounds,
            early_stopping=early_stopping, validation_fraction=validation_fraction, n_folds=n_folds,
            patience=patience, n_rounds=n_rounds, feature_fraction=feature_fraction,
            bagging_fraction=bagging_fraction, lambda_l2=lambda_l2, random_state=random_state, params=params,
            unseen=unseen, min_exposure=min_exposure, tune=tune,
        )
        self.power = power

    def _family(self) -> Family:
        if not (real(self.power) and 1 < self.power < 2):
            raise ParameterError(f"power must be a number in (1, 2), got {self.power!r}")
        return tweedie(float(self.power))

    def _objective_params(self) -> dict[str, Any]:
        return {"tweedie_variance_power": float(self.power)}

    def _hessian_per_unit_weight(self, base: float, params: Mapping[str, Any]) -> float:
        return float(base ** (2.0 - self.power))

    def _exposure_per_claim(self, label, weight, offset, base) -> float:
        # no claim counts: a row with a loss stands for a claim
        losses = np.sum((label > 0) & (weight > 0))
        return float(np.sum(weight) / max(losses, 1))

    def fit(self, X: pd.DataFrame, y: Any, exposure: Any = None, sample_weight: Any = None,
            groups: Any = None) -> TweedieGBM:
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
        <groups>

        Returns
        -------
        self
        """
        return self._fit(*self._prepared(X, y, exposure, sample_weight, groups=groups), passed=(y, exposure, sample_weight, groups))

    def _prepared(self, X, y, exposure, sample_weight, reset=True, groups=None):
        X, amount, weight, exposure = fit_inputs(self, X, y, sample_weight, exposure, "claim_amount", reset=reset)
        exposure_column(exposure, X.index, positive=True)
        return X, amount / exposure, weight * exposure, np.zeros(len(X)), group_labels(X, groups)


for _estimator in (FrequencyGBM, SeverityGBM, TweedieGBM):
    _estimator.fit.__doc__ = _estimator.fit.__doc__.replace("<groups>", _GROUPS_PARAMETER)
    _estimator.__doc__ = (
        _estimator.__doc__.replace("<parameters>", _SHARED_PARAMETERS).replace("<attributes>", _SHARED_ATTRIBUTES)
    )


__all__ = ["FrequencyGBM", "SeverityGBM", "TweedieGBM", "Tuning", "load_gbm"]
#: Importable from here as before the split.
_REEXPORTED = (DEFAULT_SPACE, EARLY_STOPPING, FORMAT, FORMAT_VERSION, METADATA_FILE, MODEL_FILE, RESERVED_PARAMS, _constant_mean, _mean_deviance)


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
