"""The search of a pricing GBM's settings (``tune=``): seeded random search or successive halving.

Every candidate is scored by its k-fold cross-validated mean deviance with
early stopping on the folds' mean deviance (:func:`~autorisk.models._gbm_tuning.cv_curves`,
the same folds for all candidates); the best candidate's settings are then
refitted on all rows with its cross-validated number of rounds (by
:mod:`autorisk.models._gbm_engine`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.models._gbm_numbers import integer, real
from autorisk.models._gbm_tuning import cv_curves

if TYPE_CHECKING:
    from autorisk.models._gbm_engine import _PricingGBM

METHODS = ("random", "halving")
#: How a space entry draws its value: ``(kind, low, high)``, or ``("choice", value, ...)``.
KINDS = ("log", "uniform", "int", "choice")
#: Successive halving keeps the best third of the candidates at each rung.
HALVING_FACTOR = 3

#: The default search space. ``min_exposure_per_leaf`` is drawn as a share of
#: the book's total exposure (claims for severity) and recorded in exposure.
DEFAULT_SPACE: dict[str, tuple[Any, ...]] = {
    "learning_rate": ("log", 0.01, 0.3),
    "num_leaves": ("int", 4, 63),
    "max_depth": ("choice", -1, 3, 4, 6, 8),
    "min_exposure_per_leaf": ("log", 0.0005, 0.05),
    "feature_fraction": ("uniform", 0.5, 1.0),
    "bagging_fraction": ("uniform", 0.5, 1.0),
    "lambda_l2": ("log", 0.01, 100.0),
}
#: Column of ``search_results_`` after the settings.
RESULT_COLUMNS = ("rung", "max_rounds", "n_rounds", "mean_deviance", "sd_deviance", "rank")


@dataclass(frozen=True)
class Tuning:
    """How a GBM searches its settings: the method, the budget of trials, the folds, the space, the seed.

    Pass it (or just ``"random"`` / ``"halving"``, the defaults below) as
    ``tune=`` of :class:`~autorisk.models.FrequencyGBM`,
    :class:`~autorisk.models.SeverityGBM` or :class:`~autorisk.models.TweedieGBM`.

    Parameters
    ----------
    method : {"random", "halving"}, default "random"
        ``"random"``: ``n_trials`` seeded draws from ``space``, each scored
        by ``n_folds``-fold cross-validated mean deviance with early stopping
        on the folds' mean (up to the estimator's ``max_rounds``).
        ``"halving"``: successive halving (scikit-learn's idea) over the
        number of rounds: all ``n_trials`` candidates are scored with a
        small budget of rounds, the best third (rounded up) go on to a
        budget three times larger, and so on until one candidate is left,
        which gets the full ``max_rounds``. With ``R`` rungs (``R = 4`` for
        20 trials: 20, 7, 3, 1 candidates) rung ``r`` allows
        ``max_rounds // 3**(R - 1 - r)`` rounds (at least 1), so each rung
        costs at most about ``n_trials / 3**(R - 1)`` full-budget
        candidates, and the search about ``R`` times that instead of
        ``n_trials``.
    n_trials : int, default 20
        Candidates drawn (>= 1).
    n_folds : int, default 5
        Folds of the cross-validation (>= 2); the same seeded folds for every
        candidate.
    space : dict, optional
        Entries replacing those of the default space (``DEFAULT_SPACE``):
        ``{name: ("log", low, high)}`` (log-uniform), ``("uniform", low,
        high)``, ``("int", low, high)`` (both ends included) or
        ``("choice", value, ...)``; ``None`` leaves a name out of the
        search (the estimator's own value is used). Names: learning_rate,
        num_leaves, max_depth, min_exposure_per_leaf (a share in (0, 1] of
        the book's total exposure; claims for severity), feature_fraction,
        bagging_fraction, lambda_l2. Defaults: learning_rate log-uniform
        0.01-0.3, num_leaves 4-63, max_depth one of -1, 3, 4, 6, 8,
        min_exposure_per_leaf log-uniform 0.05%-5% of the exposure,
        feature_fraction and bagging_fraction uniform 0.5-1, lambda_l2
        log-uniform 0.01-100.
    seed : int, optional
        Seed of the draws and of the folds; default the estimator's
        ``random_state``. A given seed gives the same table and
        bit-identical predictions (LightGBM runs single-threaded and
        deterministic).

    Examples
    --------
    >>> Tuning("halving", n_trials=9, space={"max_depth": None, "num_leaves": ("int", 4, 15)})
    Tuning(method='halving', n_trials=9, n_folds=5, space={'max_depth': None, 'num_leaves': ('int', 4, 15)}, seed=None)
    """

    method: str = "random"
    n_trials: int = 20
    n_folds: int = 5
    space: Mapping[str, tuple[Any, ...] | None] | None = None
    seed: int | None = None


@dataclass(frozen=True)
class SearchResult:
    """What a search found: the table, the winner's settings, rounds and cross-validated curves."""

    table: pd.DataFrame
    best: dict[str, Any]
    n_rounds: int
    mean: list[float]
    std: list[float]


def tuning_spec(tune: Any, random_state: int, rules: Mapping[str, tuple[Callable[[Any], bool], str]]) -> Tuning:
    """``tune`` as a checked :class:`Tuning` with its seed and full space; ParameterError if invalid."""
    if isinstance(tune, str):
        if tune not in METHODS:
            raise ParameterError(f"tune must be None, one of {METHODS} or a Tuning, got {tune!r}")
        tune = Tuning(tune)
    if not isinstance(tune, Tuning):
        raise ParameterError(f"tune must be None, one of {METHODS} or a Tuning, got {tune!r}")
    if tune.method not in METHODS:
        raise ParameterError(f"tune.method must be one of {METHODS}, got {tune.method!r}")
    if not (integer(tune.n_trials) and tune.n_trials >= 1):
        raise ParameterError(f"tune.n_trials must be an integer >= 1, got {tune.n_trials!r}")
    if not (integer(tune.n_folds) and tune.n_folds >= 2):
        raise ParameterError(f"tune.n_folds must be an integer >= 2, got {tune.n_folds!r}")
    if tune.seed is not None and not (integer(tune.seed) and tune.seed >= 0):
        raise ParameterError(f"tune.seed must be None or an integer >= 0, got {tune.seed!r}")
    if tune.space is not None and not isinstance(tune.space, Mapping):
        raise ParameterError(f"tune.space must be None or a dict of name -> range, got {tune.space!r}")
    unknown = sorted(set(tune.space or {}) - set(DEFAULT_SPACE), key=str)
    if unknown:
        raise ParameterError(f"tune.space names {unknown}, which are not tuned; names: {list(DEFAULT_SPACE)}")
    space = {name: (tune.space or {}).get(name, default) for name, default in DEFAULT_SPACE.items()}
    space = {name: tuple(entry) for name, entry in space.items() if entry is not None}
    for name, entry in space.items():
        _check_entry(name, entry, rules[name])
    seed = random_state if tune.seed is None else tune.seed
    return Tuning(tune.method, int(tune.n_trials), int(tune.n_folds), space, int(seed))


def _check_entry(name: str, entry: tuple[Any, ...], rule: tuple[Callable[[Any], bool], str]) -> None:
    kind, *values = entry if entry else ("",)
    shape = "(kind, low, high) with kind 'log', 'uniform' or 'int', or ('choice', value, ...)"
    if kind not in KINDS or (kind != "choice" and len(values) != 2) or not values:
        raise ParameterError(f"tune.space[{name!r}] must be {shape}, got {entry!r}")
    if kind != "choice" and not (all(map(real, values)) and values[0] <= values[1]):
        raise ParameterError(f"tune.space[{name!r}] must have numbers low <= high, got {entry!r}")
    if kind == "log" and values[0] <= 0:
        raise ParameterError(f"tune.space[{name!r}] is log-uniform: low must be > 0, got {entry!r}")
    if kind == "int" and not all(map(integer, values)):
        raise ParameterError(f"tune.space[{name!r}] draws integers: low and high must be integers, got {entry!r}")
    check, expected = rule
    if name == "min_exposure_per_leaf":
        check, expected = (lambda v: real(v) and 0 < v <= 1), "a share of the total exposure in (0, 1]"
    bad = [v for v in values if not check(v)]
    if bad:
        raise ParameterError(f"tune.space[{name!r}] must range over {expected}, got {entry!r}")


def draw(space: Mapping[str, tuple[Any, ...]], n_trials: int, seed: int) -> list[dict[str, Any]]:
    """``n_trials`` candidates, trial by trial and name by name from one seeded generator."""
    rng = np.random.default_rng(seed)
    candidates = []
    for _ in range(n_trials):
        candidate: dict[str, Any] = {}
        for name, (kind, *values) in space.items():
            if kind == "log":
                candidate[name] = float(np.exp(rng.uniform(np.log(values[0]), np.log(values[1]))))
            elif kind == "uniform":
                candidate[name] = float(rng.uniform(values[0], values[1]))
            elif kind == "int":
                candidate[name] = int(rng.integers(values[0], values[1] + 1))
            else:
                value = values[int(rng.integers(len(values)))]
                candidate[name] = value.item() if isinstance(value, np.generic) else value
        candidates.append(candidate)
    return candidates


def rung_sizes(method: str, n_trials: int) -> list[int]:
    """Candidates per rung: all in one for random search; the best third (rounded up) on, for halving."""
    sizes = [n_trials]
    while method == "halving" and sizes[-1] > 1:
        sizes.append(math.ceil(sizes[-1] / HALVING_FACTOR))
    return sizes


def search(
    model: _PricingGBM,
    spec: Tuning,
    matrix: np.ndarray,
    label: np.ndarray,
    weight: np.ndarray,
    init_score: np.ndarray,
    params_for: Callable[[Mapping[str, Any]], dict[str, Any]],
    total_exposure: float,
    groups: np.ndarray | None = None,
) -> SearchResult:
    """Score the candidates of ``spec`` rung by rung; the winner is the best of the last rung.

    ``params_for(settings)`` gives the LightGBM parameters of a candidate's
    settings (``min_exposure_per_leaf`` in exposure). In the table a
    later rung ranks first, then lower mean deviance, then the trial number.
    Since a candidate's cross-validated deviance can only fall with a larger
    budget of rounds (the curves are the same up to the smaller budget), the
    winner also has the table's least mean deviance.
    """
    candidates = draw(spec.space, spec.n_trials, spec.seed)
    for candidate in candidates:
        if "min_exposure_per_leaf" in candidate:
            candidate["min_exposure_per_leaf"] *= total_exposure
    sizes = rung_sizes(spec.method, spec.n_trials)
    scored: dict[int, dict[str, Any]] = {}
    curves: dict[int, tuple[list[float], list[float]]] = {}
    alive = list(range(len(candidates)))
    for rung, size in enumerate(sizes):
        budget = max(1, int(model.max_rounds) // HALVING_FACTOR ** (len(sizes) - 1 - rung))
        alive = alive[:size]
        for trial in alive:
            mean, std = cv_curves(
                model, matrix, label, weight, init_score, params_for(candidates[trial]),
                n_folds=spec.n_folds, seed=spec.seed, max_rounds=budget, groups=groups,
            )
            curves[trial] = (mean, std)
            scored[trial] = {
                "rung": rung, "max_rounds": budget, "n_rounds": len(mean),
                "mean_deviance": mean[-1], "sd_deviance": std[-1],
            }
        alive.sort(key=lambda t: (scored[t]["mean_deviance"], t))
    order = sorted(scored, key=lambda t: (-scored[t]["rung"], scored[t]["mean_deviance"], t))
    ranks = {trial: rank for rank, trial in enumerate(order, start=1)}
    table = pd.DataFrame(
        [{"trial": t, **candidates[t], **scored[t], "rank": ranks[t]} for t in range(len(candidates))]
    )
    best = order[0]
    mean, std = curves[best]
    return SearchResult(table, dict(candidates[best]), scored[best]["n_rounds"], mean, std)


def tune_to_json(tune: Any) -> Any:
    """``tune`` as JSON: None, the method's name, or the fields of a :class:`Tuning`."""
    if isinstance(tune, Tuning):
        fields = asdict(tune)
        fields["space"] = None if tune.space is None else {k: _json_entry(v) for k, v in tune.space.items()}
        return {"Tuning": fields}
    return tune


def tune_from_json(value: Any) -> Any:
    """Inverse of :func:`tune_to_json` (ranges back to tuples)."""
    if isinstance(value, dict) and "Tuning" in value:
        fields = dict(value["Tuning"])
        if fields.get("space") is not None:
            fields["space"] = {k: None if v is None else tuple(v) for k, v in fields["space"].items()}
        return Tuning(**fields)
    return value


def _json_entry(entry: Any) -> Any:
    return None if entry is None else list(entry)


def table_to_json(table: pd.DataFrame | None) -> Any:
    """The search table as ``{"columns": [...], "data": [[...], ...]}`` (None stays None)."""
    if table is None:
        return None
    return {"columns": list(table.columns), "data": table.to_numpy(dtype=object).tolist()}


def table_from_json(value: Any) -> pd.DataFrame | None:
    """Inverse of :func:`table_to_json`: the same columns, values and dtypes."""
    if value is None:
        return None
    return pd.DataFrame(value["data"], columns=value["columns"])
