"""How a pricing GBM chooses its number of boosting rounds: a seeded hold-out or seeded folds.

With ``groups`` (a label per row, e.g. the policy of each policy-year) the
hold-out and the folds keep each group's rows together, so that a policy
seen in several years never scores a model that learned from its other
years. Both stop on the family's mean deviance (evaluated every round by
:func:`deviance_metric`) and record the curve in ``evals_result_`` and the
best value in ``best_score_`` of the model they tune.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from autorisk.errors import DataError, DataIssue, ModelError
from autorisk.models._gbm_numbers import constant_mean, mean_deviance

if TYPE_CHECKING:
    from autorisk.models._gbm_engine import _PricingGBM


def group_labels(X: pd.DataFrame, groups: Any) -> np.ndarray | None:
    """``groups`` as integer codes per row of ``X`` (None stays None); DataError if unusable.

    ``groups`` is a column name of ``X`` or an array-like with one label per
    row; the labels must not be missing.
    """
    if groups is None:
        return None
    if isinstance(groups, str):
        if groups not in X.columns:
            raise DataError(DataIssue("groups", "missing column", f"a column of X named {groups!r}"))
        values = X[groups].to_numpy()
    else:
        values = groups.to_numpy() if isinstance(groups, (pd.Series, pd.Index)) else np.asarray(groups)
        if values.ndim != 1 or len(values) != len(X):
            raise DataError(DataIssue(
                "groups", "wrong length", f"one label per row of X ({len(X)} rows), got shape {np.shape(values)}"
            ))
    missing = np.asarray(pd.isna(values), dtype=bool)
    if missing.any():
        raise DataError(DataIssue.from_mask("groups", "missing", "a label on every row", missing, X.index, values))
    codes, _ = pd.factorize(values, sort=True)
    return codes.astype(np.int64)


def cv_folds(n: int, n_folds: int, seed: int, groups: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Seeded ``(train, test)`` row indices of ``n_folds`` folds; a group's rows share a fold.

    Without groups these are exactly ``KFold(n_folds, shuffle=True,
    random_state=seed)``'s folds. With groups, the distinct groups are put in
    a seeded random order and dealt to the folds in turn (group ``k`` of the
    order goes to fold ``k % n_folds``).
    """
    if groups is None:
        if n < n_folds:
            raise ModelError(f"n_folds={n_folds} exceeds the number of rows ({n})")
        return list(KFold(n_folds, shuffle=True, random_state=seed).split(np.zeros((n, 1))))
    _, groups = np.unique(groups, return_inverse=True)  # codes 0..n_groups-1 (rows may have been filtered)
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    if n_groups < n_folds:
        raise ModelError(f"n_folds={n_folds} exceeds the number of groups ({n_groups})")
    fold_of_group = np.empty(n_groups, dtype=np.int64)
    fold_of_group[np.random.default_rng(seed).permutation(n_groups)] = np.arange(n_groups) % n_folds
    fold = fold_of_group[groups]
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(n_folds)]


def _hold_out(n: int, fraction: float, seed: int, groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (train, valid) row indices; with groups, whole groups are held out."""
    if groups is None:
        n_valid = int(round(fraction * n))
        if not 1 <= n_valid < n:
            raise ModelError(f"validation_fraction={fraction} leaves no training or validation rows ({n} rows)")
        order = np.random.default_rng(seed).permutation(n)
        return np.sort(order[n_valid:]), np.sort(order[:n_valid])
    _, groups = np.unique(groups, return_inverse=True)
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    n_valid = int(round(fraction * n_groups))
    if not 1 <= n_valid < n_groups:
        raise ModelError(
            f"validation_fraction={fraction} leaves no training or validation groups ({n_groups} groups)"
        )
    held = np.zeros(n_groups, dtype=bool)
    held[np.random.default_rng(seed).permutation(n_groups)[:n_valid]] = True
    return np.flatnonzero(~held[groups]), np.flatnonzero(held[groups])


def rounds_by_validation(model: _PricingGBM, matrix, label, weight, offset, params, groups=None) -> int:
    """Rounds at which the deviance of a seeded hold-out (of rows, or of whole groups) stops improving."""
    train, valid = _hold_out(len(label), model.validation_fraction, model.random_state, groups)
    # The hold-out starts from the training part's level: it must not inform its own baseline.
    start = np.log(constant_mean(label[train], weight[train], offset[train], model._family().power))
    train_set = model._dataset(matrix[train], label[train], weight[train], offset[train] + start, params)
    valid_set = model._dataset(
        matrix[valid], label[valid], weight[valid], offset[valid] + start, params, reference=train_set
    )
    record: dict[str, Any] = {}
    booster = lgb.train(
        params,
        train_set,
        num_boost_round=int(model.max_rounds),
        valid_sets=[valid_set],
        valid_names=["validation"],
        feval=deviance_metric(model),
        callbacks=[lgb.early_stopping(int(model.patience), verbose=False), lgb.record_evaluation(record)],
    )
    curve = [float(v) for v in record["validation"]["deviance"]]
    n_rounds = int(booster.best_iteration) or int(np.argmin(curve)) + 1
    model.evals_result_ = {"validation": {"deviance": curve}}
    model.best_score_ = curve[n_rounds - 1]
    return n_rounds


def rounds_by_cv(model: _PricingGBM, matrix, label, weight, init_score, params, groups=None) -> int:
    """Rounds minimising the mean deviance over seeded folds (``lightgbm.cv``), groups kept whole."""
    mean, std = cv_curves(
        model, matrix, label, weight, init_score, params,
        n_folds=int(model.n_folds), seed=int(model.random_state), max_rounds=int(model.max_rounds), groups=groups,
    )
    model.evals_result_ = {"cv": {"deviance-mean": mean, "deviance-stdv": std}}
    model.best_score_ = mean[-1]  # lightgbm.cv truncates the curves at the best round
    return len(mean)


def cv_curves(
    model: _PricingGBM, matrix, label, weight, init_score, params, *, n_folds: int, seed: int, max_rounds: int,
    groups: np.ndarray | None = None,
) -> tuple[list[float], list[float]]:
    """Mean and sd of the folds' deviance per round, up to the best round (the folds boosted together, stopped when their mean stops improving).

    The folds are :func:`cv_folds` (``KFold(n_folds, shuffle=True,
    random_state=seed)`` without groups; whole groups per fold with them); the
    curves end at the round of least mean deviance (``lightgbm.cv`` truncates
    them there, also when it reaches ``max_rounds``), so a longer budget
    never gives a larger last value.
    """
    # One init_score for all folds: the base level is the whole data's (a constant, a negligible leak).
    folds = cv_folds(len(label), n_folds, seed, groups)
    result = lgb.cv(
        params,
        model._dataset(matrix, label, weight, init_score, params),
        num_boost_round=max_rounds,
        folds=folds,
        feval=deviance_metric(model),
        callbacks=[lgb.early_stopping(int(model.patience), verbose=False)],
    )
    return [float(v) for v in result["valid deviance-mean"]], [float(v) for v in result["valid deviance-stdv"]]


def deviance_metric(model: _PricingGBM):
    """LightGBM ``feval`` of the model's mean deviance on the fitted means."""
    power = model._family().power

    def deviance(predictions: np.ndarray, data: lgb.Dataset) -> tuple[str, float, bool]:
        # predictions include the init_score (offset and base level): the fitted means
        return "deviance", mean_deviance(data.get_label(), predictions, data.get_weight(), power), False

    return deviance
