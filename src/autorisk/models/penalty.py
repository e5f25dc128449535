"""Penalised GLM fits: ridge, lasso and fused lasso per factor, the strength chosen by cross-validation.

A :class:`Penalty` names, per categorical (or banded) factor, how its
coefficients are penalised:

- ``"ridge"``: ``alpha / 2`` times the sum of squares of its coefficients on
  the usual coding (base level dropped): relativities shrink toward the base.
- ``"lasso"``: ``alpha`` times the sum of their absolute values: a level
  whose experience the data cannot tell from the base's is set to the base.
- ``"fused"``: the factor's levels in their natural order (bands low to
  high, category order, else sorted) are coded cumulatively, a
  "thermometer" (column ``j`` is 1 for the ``j``-th level and above), whose
  coefficients are the steps between neighbouring levels; ``alpha`` times the
  sum of the steps' absolute values merges neighbours the data cannot tell
  apart, leaving a step function of the levels.

The objective is glum's: the deviance over twice the sum of prior weights
plus the penalties above; the intercept and unpenalised terms are free.
Whatever the coding at fit, the coefficients are handed back on the model's
usual coding (one per non-base level), so relativity tables, rating plans
and saved models read a penalised GLM as any other: merged levels simply
share a relativity.

With ``alpha=None`` the strength is chosen along a path of ``n_alphas``
values from the smallest alpha that sets every L1-penalised coefficient to 0
(glum's ``alpha_max``) down to ``MIN_ALPHA_RATIO`` times it, by the mean
held-out deviance of ``n_folds``-fold cross-validation (``rule="min"``) or
the largest alpha within one standard error of that minimum (``"1se"``);
the model is then refitted on all rows at the chosen alpha.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import glum
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

from autorisk.errors import ModelError, ParameterError
from autorisk.models.design import Design, Term, _design_order
from autorisk.models.families import Family
from autorisk.models.glm_numerics import STEP_SIZE_TOL, tabmat_design

PENALTY_KINDS = ("fused", "lasso", "ridge")
RULES = ("min", "1se")
#: The smallest alpha of a cross-validated path, as a share of the largest.
MIN_ALPHA_RATIO = 1e-4


@dataclass(frozen=True)
class Penalty:
    """How a pricing GLM penalises its factors, and how strongly.

    Parameters
    ----------
    kind : {"fused", "lasso", "ridge"}, default "fused"
        Penalty of the factors ``factors`` does not name otherwise. With
        ``factors=None`` it applies to every categorical or banded factor,
        except that ``"fused"`` falls back to ``"lasso"`` on an unordered one
        (a string or unordered categorical column); numeric, spline and
        interaction terms are never penalised.
    factors : mapping of str to kind, optional
        ``{factor: kind}``: penalise only these factors (each categorical or
        banded), each its own way; the other terms are unpenalised. An
        explicit ``"fused"`` uses the factor's natural level order.
    alpha : float, optional
        Penalty strength (>= 0; 0 is the unpenalised fit). Default: chosen by
        cross-validation along a path.
    n_alphas : int, default 20
        Length of the path (>= 2).
    n_folds : int, default 5
        Folds of the cross-validation (>= 2).
    rule : {"min", "1se"}, default "min"
        The alpha of least mean held-out deviance, or the largest within one
        standard error of it (a sparser model).
    seed : int, optional
        Seed of the shuffled fold assignment.
    relax : bool, default False
        Refit the unpenalised likelihood on the grouping the L1 penalty
        found (a "relaxed" lasso: merged neighbours and levels set to the
        base stay merged, the rest is free of the L1 shrinkage; ridge stays),
        at every alpha of the path and in every fold, so the CV chooses the
        grouping whose unshrunk relativities predict best.

    Examples
    --------
    >>> Penalty("fused", alpha=0.01)
    Penalty(kind='fused', factors=None, alpha=0.01, n_alphas=20, n_folds=5, rule='min', seed=None, relax=False)
    >>> Penalty(rule="best")
    Traceback (most recent call last):
    ...
    autorisk.errors.ParameterError: penalty rule must be one of ('min', '1se'), got 'best'
    """

    kind: str = "fused"
    factors: Mapping[str, str] | None = None
    alpha: float | None = None
    n_alphas: int = 20
    n_folds: int = 5
    rule: str = "min"
    seed: int | None = None
    relax: bool = False

    def __post_init__(self) -> None:
        if self.kind not in PENALTY_KINDS:
            raise ParameterError(f"penalty kind must be one of {PENALTY_KINDS}, got {self.kind!r}")
        if self.factors is not None:
            if not isinstance(self.factors, Mapping) or not self.factors:
                raise ParameterError(f"penalty factors must be a non-empty mapping factor -> kind, got {self.factors!r}")
            for factor, kind in self.factors.items():
                if kind not in PENALTY_KINDS:
                    raise ParameterError(
                        f"penalty kind of factor {factor!r} must be one of {PENALTY_KINDS}, got {kind!r}"
                    )
        if self.alpha is not None and (
            isinstance(self.alpha, bool) or not isinstance(self.alpha, (int, float)) or not np.isfinite(self.alpha)
            or self.alpha < 0
        ):
            raise ParameterError(f"penalty alpha must be a finite number >= 0 or None, got {self.alpha!r}")
        for name, low in (("n_alphas", 2), ("n_folds", 2)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ParameterError(f"penalty {name} must be an integer >= {low}, got {value!r}")
        if self.rule not in RULES:
            raise ParameterError(f"penalty rule must be one of {RULES}, got {self.rule!r}")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer))):
            raise ParameterError(f"penalty seed must be an integer or None, got {self.seed!r}")
        if not isinstance(self.relax, (bool, np.bool_)):
            raise ParameterError(f"penalty relax must be True or False, got {self.relax!r}")


def as_penalty(penalty: Any) -> Penalty | None:
    """``penalty=`` of a GLM as a :class:`Penalty`: None, a Penalty, or a kind (``"fused"`` is ``Penalty("fused")``)."""
    if penalty is None or isinstance(penalty, Penalty):
        return penalty
    if isinstance(penalty, str):
        return Penalty(penalty)
    raise ParameterError(f"penalty must be None, a Penalty or one of {PENALTY_KINDS}, got {penalty!r}")


@dataclass
class PenalisedFit:
    """What :func:`fit_penalised` returns: coefficients on the design's usual coding and the path read-outs."""

    beta: np.ndarray
    alpha: float
    kinds: dict[str, str]
    n_iter: int
    alpha_path: pd.DataFrame | None = None
    selection_path: pd.DataFrame | None = None


def penalty_kinds(penalty: Penalty, design: Design, ordered: Mapping[str, bool]) -> dict[str, str]:
    """``{factor: kind}`` of the penalised categorical terms of ``design``.

    ``ordered`` says per factor whether its levels have a natural order (a
    band or an ordered categorical), for ``"fused"`` with ``factors=None``.
    """
    categorical = {term.name for term in design.terms if term.is_categorical}
    if penalty.factors is None:
        return {
            name: ("lasso" if penalty.kind == "fused" and not ordered.get(name, False) else penalty.kind)
            for name in sorted(categorical, key=[t.name for t in design.terms].index)
        }
    stray = [factor for factor in penalty.factors if factor not in categorical]
    if stray:
        raise ParameterError(
            f"penalty factors {stray} are not categorical or banded factors of the model; those are {sorted(categorical)}"
        )
    return dict(penalty.factors)


def fit_penalised(
    penalty: Penalty,
    design: Design,
    frame: pd.DataFrame,
    kinds: Mapping[str, str],
    family: Family,
    response: np.ndarray,
    weights: np.ndarray,
    offset: np.ndarray | None,
    *,
    tol: float,
    max_iter: int,
) -> PenalisedFit:
    """Fit the penalised GLM on the model frame ``frame`` of ``design`` (as the engine builds it)."""
    columns = penalised_frame(design, frame, kinds)
    p1, p2 = penalty_weights(design, kinds)
    options = dict(
        family=family.glum_family, link="log", l1_ratio=0.5, P1=2 * p1, P2=2 * p2, drop_first=True,
        gradient_tol=tol, step_size_tol=STEP_SIZE_TOL, max_iter=max_iter,
    )  # fmt: skip
    alpha_path = selection_path = None
    alpha = penalty.alpha
    l1 = p1 > 0
    if alpha is None:
        if not p1.any() and not p2.any():
            raise ParameterError("penalty: no factor is penalised, so there is no strength to choose")
        alphas, intercepts, coefs = _path(penalty, options, l1, columns, response, weights, offset)
        cv = _cross_validate(penalty, options, l1, columns, response, weights, offset, family, alphas)
        alpha = _choose(alphas, cv, penalty.rule)
        read = _path_readout(design, kinds, coefs)
        training = [
            family.deviance(response, _mean(intercept, coef, columns, offset), weights)
            for intercept, coef in zip(intercepts, coefs, strict=True)
        ]
        alpha_path = pd.DataFrame({"alpha": alphas, "cv_deviance": cv.mean(axis=0),
                                   "cv_deviance_sd": cv.std(axis=0, ddof=1),
                                   "cv_deviance_se": cv.std(axis=0, ddof=1) / np.sqrt(cv.shape[0])})  # fmt: skip
        for factor in kinds:
            alpha_path[factor] = read["levels"][factor]
        selection_path = pd.DataFrame({"alpha": alphas, "deviance": np.asarray(training, dtype=float),
                                       "cv_deviance": alpha_path["cv_deviance"].to_numpy()})  # fmt: skip
        for factor in kinds:
            selection_path[factor] = read["active"][factor]
    engine = _glum(alpha=float(alpha), **options)
    _fit_engine(engine, columns, response, weights, offset)
    intercept, coef = float(engine.intercept_), np.asarray(engine.coef_, dtype=float)
    if penalty.relax:
        intercept, coef = _relaxed(options, float(alpha), l1, intercept, coef, columns, response, weights, offset)
    beta = usual_coding(design, kinds, intercept, coef)
    return PenalisedFit(beta, float(alpha), dict(kinds), int(engine.n_iter_), alpha_path, selection_path)


def _path(penalty, options, l1, columns, response, weights, offset, alphas=None):
    """Alphas (largest first), intercepts and coefficients of the path (relaxed if ``penalty.relax``)."""
    if alphas is None:
        engine = _glum(alpha_search=True, n_alphas=penalty.n_alphas, min_alpha_ratio=MIN_ALPHA_RATIO, **options)
    else:
        engine = _glum(alpha_search=True, alpha=list(alphas), **options)
    _fit_engine(engine, columns, response, weights, offset, quiet=True)
    alphas = np.asarray(engine._alphas, dtype=float)
    intercepts = np.asarray(engine.intercept_path_, dtype=float).copy()
    coefs = np.asarray(engine.coef_path_, dtype=float).copy()
    if penalty.relax:
        for k, alpha in enumerate(alphas):
            intercepts[k], coefs[k] = _relaxed(
                options, alpha, l1, intercepts[k], coefs[k], columns, response, weights, offset, quiet=True
            )
    return alphas, intercepts, coefs


def _relaxed(options, alpha, l1, intercept, coef, columns, response, weights, offset, quiet=False):
    """The fit without the L1 penalty, its zero L1 coefficients held at 0 (ridge kept at ``alpha``)."""
    fixed = l1 & (coef == 0)
    if not l1.any():
        return intercept, coef
    relaxed = dict(options, P1=np.zeros(len(coef)), lower_bounds=np.where(fixed, 0.0, -np.inf),
                   upper_bounds=np.where(fixed, 0.0, np.inf), solver="irls-cd",
                   start_params=np.r_[intercept, coef])  # fmt: skip
    engine = _glum(alpha=float(alpha), **relaxed)
    _fit_engine(engine, columns, response, weights, offset, quiet=quiet)
    coef = np.where(fixed, 0.0, np.asarray(engine.coef_, dtype=float))
    return float(engine.intercept_), coef


def penalised_frame(design: Design, frame: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """The model frame with each fused factor's categorical column replaced by its thermometer columns.

    Column ``name[>=level]`` is 1 for rows at ``level`` or above in the
    factor's natural order (its first level has no column).
    """
    blocks: dict[str, Any] = {}
    for term in design.terms:
        if term.is_categorical and kinds.get(term.name) == "fused":
            rank = _natural_rank(term)[frame[term.name].cat.codes.to_numpy()]
            for j, level in enumerate(term.levels[1:], start=1):
                blocks[f"{term.name}[>={level}]"] = (rank >= j).astype(float)
        elif term.is_categorical:
            blocks[term.name] = frame[term.name]
        else:
            blocks.update({name: frame[name] for name in term.coef_names})
    return pd.DataFrame(blocks, index=frame.index)


def penalty_weights(design: Design, kinds: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Per design column, 1 where the L1 (fused, lasso) or the L2 (ridge) penalty applies, else 0."""
    l1, l2 = [], []
    for term in design.terms:
        kind = kinds.get(term.name) if term.is_categorical else None
        n = len(term.coef_names)
        l1 += [float(kind in ("fused", "lasso"))] * n
        l2 += [float(kind == "ridge")] * n
    return np.array(l1), np.array(l2)


def usual_coding(design: Design, kinds: Mapping[str, str], intercept: float, coef: np.ndarray) -> np.ndarray:
    """Intercept and coefficients on the design's usual coding from those of :func:`penalised_frame`.

    A fused factor's steps add up to each level's log relativity to its
    first level; relative to the base level instead, the base's share moves
    into the intercept.
    """
    beta = [intercept]
    start = 0
    for term in design.terms:
        n = len(term.coef_names)
        block = coef[start:start + n]
        start += n
        if term.is_categorical and kinds.get(term.name) == "fused":
            level_log = dict(zip(term.levels, np.r_[0.0, np.cumsum(block)], strict=True))
            base = level_log[term.base_level]
            beta[0] += base
            beta += [level_log[level] - base for level in _design_order(term)[1:]]
        else:
            beta += list(block)
    return np.asarray(beta, dtype=float)


def distinct_levels(term: Term, kind: str, block: np.ndarray) -> int:
    """How many distinct relativities a penalised factor's coefficients ``block`` give its levels.

    A fused factor has one group of neighbours per non-zero step plus one;
    a lasso or ridge factor, the distinct values among its coefficients and
    the base's 0.
    """
    if kind == "fused":
        return 1 + int(np.count_nonzero(block))
    return len(np.unique(np.r_[0.0, block]))


def _path_readout(design: Design, kinds: Mapping[str, str], coef_path: np.ndarray) -> dict[str, dict[str, list]]:
    levels: dict[str, list] = {factor: [] for factor in kinds}
    active: dict[str, list] = {factor: [] for factor in kinds}
    for coef in coef_path:
        start = 0
        for term in design.terms:
            n = len(term.coef_names)
            block = coef[start:start + n]
            start += n
            if term.name in kinds and term.is_categorical:
                levels[term.name].append(distinct_levels(term, kinds[term.name], block))
                active[term.name].append(bool(np.any(block != 0)))
    return {"levels": {f: np.array(v, dtype=np.int64) for f, v in levels.items()},
            "active": {f: np.array(v, dtype=bool) for f, v in active.items()}}  # fmt: skip


def _cross_validate(penalty, options, l1, columns, response, weights, offset, family, alphas) -> np.ndarray:
    """Held-out deviance per unit of prior weight, folds by alphas."""
    folds = KFold(penalty.n_folds, shuffle=True, random_state=penalty.seed).split(columns)
    scores = np.empty((penalty.n_folds, len(alphas)))
    for i, (train, test) in enumerate(folds):
        fold_offset = None if offset is None else offset[train]
        _, intercepts, coefs = _path(
            penalty, options, l1, columns.iloc[train], response[train], weights[train], fold_offset, alphas
        )
        held = columns.iloc[test]
        test_offset = None if offset is None else offset[test]
        for k in range(len(alphas)):
            mu = _mean(intercepts[k], coefs[k], held, test_offset)
            scores[i, k] = family.deviance(response[test], mu, weights[test]) / weights[test].sum()
    return scores


def _choose(alphas: np.ndarray, cv: np.ndarray, rule: str) -> float:
    mean = cv.mean(axis=0)
    best = int(np.argmin(mean))
    if rule == "min":
        return float(alphas[best])
    se = cv[:, best].std(ddof=1) / np.sqrt(cv.shape[0])
    return float(np.max(alphas[mean <= mean[best] + se]))


def _mean(intercept: float, coef: np.ndarray, columns: pd.DataFrame, offset: np.ndarray | None) -> np.ndarray:
    eta = intercept + tabmat_design(columns).matvec(np.asarray(coef, dtype=float))
    return np.exp(eta if offset is None else eta + offset)


def _glum(**options: Any) -> glum.GeneralizedLinearRegressor:
    return glum.GeneralizedLinearRegressor(**options)


def _fit_engine(engine, columns: pd.DataFrame, response, weights, offset, quiet: bool = False) -> None:
    """Fit ``engine``; ``quiet`` silences glum's convergence warnings (path and fold fits, near alpha 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        if quiet:
            warnings.simplefilter("ignore", category=ConvergenceWarning)
        try:
            engine.fit(tabmat_design(columns), response, sample_weight=weights, offset=offset)
        except np.linalg.LinAlgError:
            raise ModelError("the penalised design is singular: an unpenalised factor has a level with no data") from None


def _natural_rank(term: Term) -> np.ndarray:
    """Rank in natural order (``term.levels``) of each position of the design order (base first)."""
    rank = {level: i for i, level in enumerate(term.levels)}
    return np.array([rank[level] for level in _design_order(term)], dtype=np.int64)


def penalty_fields(penalty: Penalty) -> dict[str, Any]:
    """The fields of a :class:`Penalty` as a dict (for saving)."""
    return {field.name: getattr(penalty, field.name) for field in dataclasses.fields(penalty)}


__all__ = ["MIN_ALPHA_RATIO", "PENALTY_KINDS", "RULES", "Penalty"]
