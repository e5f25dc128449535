"""How a pricing GBM chooses its number of boosting rounds: a seeded hold-out or seeded folds.

Both stop on the family's mean deviance (evaluated every round by
:func:`deviance_metric`) and record the curve in ``evals_result_`` and the
best value in ``best_score_`` of the model they tune.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np
from sklearn.model_selection import KFold

from autorisk.errors import ModelError
from autorisk.models._gbm_numbers import constant_mean, mean_deviance

if TYPE_CHECKING:
    from autorisk.models._gbm_engine import _PricingGBM


def rounds_by_validation(model: _PricingGBM, matrix, label, weight, offset, params) -> int:
    """Rounds at which the deviance of a seeded hold-out stops improving."""
    n = len(label)
    n_valid = int(round(model.validation_fraction * n))
    if not 1 <= n_valid < n:
        raise ModelError(f"validation_fraction={model.validation_fraction} leaves no training or validation rows ({n} rows)")
    order = np.random.default_rng(model.random_state).permutation(n)
    valid, train = np.sort(order[:n_valid]), np.sort(order[n_valid:])
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


def rounds_by_cv(model: _PricingGBM, matrix, label, weight, init_score, params) -> int:
    """Rounds minimising the mean deviance over seeded folds (``lightgbm.cv``)."""
    mean, std = cv_curves(
        model, matrix, label, weight, init_score, params,
        n_folds=int(model.n_folds), seed=int(model.random_state), max_rounds=int(model.max_rounds),
    )
    model.evals_result_ = {"cv": {"deviance-mean": mean, "deviance-stdv": std}}
    model.best_score_ = mean[-1]  # lightgbm.cv truncates the curves at the best round
    return len(mean)


def cv_curves(
    model: _PricingGBM, matrix, label, weight, init_score, params, *, n_folds: int, seed: int, max_rounds: int
) -> tuple[list[float], list[float]]:
    """Mean and sd of the folds' deviance per round, up to the best round (early stopping in each fold).

    The folds are ``KFold(n_folds, shuffle=True, random_state=seed)``; the
    curves end at the round of least mean deviance (``lightgbm.cv`` truncates
    them there, also when it reaches ``max_rounds``), so a longer budget
    never gives a larger last value.
    """
    if len(label) < n_folds:
        raise ModelError(f"n_folds={n_folds} exceeds the number of rows ({len(label)})")
    # One init_score for all folds: the base level is the whole data's (a constant, a negligible leak).
    folds = list(KFold(n_folds, shuffle=True, random_state=seed).split(matrix))
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
