"""The numerics of the logistic demand GLM: glum's fit, Newton polish, slopes held at 0.

The log-likelihood of a binary outcome ``y`` with prior weights ``w`` and
``P = expit(eta)`` is ``sum(w (y eta - log(1 + e^eta)))``, concave in the
coefficients. glum fits it (IRLS; with the monotone constraint, its
coefficient bounds or linear inequalities), then a few Newton steps bring
the solution to round-off, as statsmodels' ``Logit`` does. The constraint
``C beta <= 0`` (each row one price slope of one segment) is met by an
active-set method: the rows at their bound are held as equalities (the
coefficients move in the null space of those rows), and a row is released
when its Lagrange multiplier says the likelihood wants it inside.
"""

from __future__ import annotations

import warnings

import glum
import numpy as np
import tabmat
from scipy import linalg, special

from autorisk.errors import ModelError
from autorisk.models.glm_numerics import SINGULAR, information

#: A constraint row within this of 0 is at its bound.
ACTIVE_TOLERANCE = 1e-7


def loglik(eta: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    """Binomial log-likelihood of 0/1 outcomes at linear predictors ``eta``."""
    return float(np.sum(weights * (y * eta - np.logaddexp(0.0, eta))))


def null_loglik(y: np.ndarray, weights: np.ndarray) -> float:
    """Log-likelihood of the intercept-only model (the weighted mean outcome)."""
    mean = np.average(y, weights=weights)
    return loglik(np.full(len(y), special.logit(mean)), y, weights)


def fit_logistic(
    matrix: tabmat.MatrixBase,
    y: np.ndarray,
    weights: np.ndarray,
    constraints: np.ndarray | None,
    *,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Maximum-likelihood ``[intercept, coefficients]`` subject to ``constraints @ coefficients <= 0``.

    Returns
    -------
    tuple
        ``(beta, covariance, active, n_iter)``: the coefficients, their
        covariance (inverse information in the null space of the active
        rows), the boolean mask of the constraint rows held at 0, and glum's
        iterations.
    """
    p = matrix.shape[1]
    C = np.zeros((0, p)) if constraints is None else np.asarray(constraints, dtype=float)
    options = dict(family="binomial", link="logit", alpha=0, gradient_tol=tol, max_iter=max_iter)
    beta, n_iter = _glum(matrix, y, weights, **options)
    active = np.zeros(len(C), dtype=bool)
    if len(C) and np.max(C @ beta[1:]) > ACTIVE_TOLERANCE:
        unit = np.all((C == 0) | (C == 1), axis=1) & (np.count_nonzero(C, axis=1) == 1)
        if unit.all():  # each row bounds one coefficient: glum's bounds
            upper = np.full(p, np.inf)
            upper[np.argmax(C, axis=1)] = 0.0
            beta, n_iter = _glum(matrix, y, weights, upper_bounds=upper, **options)
        else:
            beta, n_iter = _glum(matrix, y, weights, A_ineq=C, b_ineq=np.zeros(len(C)), solver="trust-constr", **options)
        active = C @ beta[1:] > -1e-4
    beta, active, covariance = _active_set(matrix, y, weights, C, beta, active)
    return beta, covariance, active, n_iter


def _glum(matrix, y, weights, **options) -> tuple[np.ndarray, int]:
    engine = glum.GeneralizedLinearRegressor(**options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            engine.fit(matrix, y, sample_weight=weights)
        except (np.linalg.LinAlgError, ValueError) as error:
            raise ModelError(f"the logistic fit failed: {error}; {SINGULAR}") from None
    return np.r_[engine.intercept_, engine.coef_], int(engine.n_iter_)


def _active_set(matrix, y, weights, C, beta, active) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A primal active-set Newton method from glum's (feasible) solution to the constrained maximum.

    The rows in ``active`` are held at 0: Newton steps move in the null space
    of those rows, each step cut where it would cross an inactive row (which
    then joins the active set). At a maximum of that subproblem, the row of
    most negative Lagrange multiplier (the likelihood pulling inside) is
    released; the method stops when every multiplier is >= 0 (the KKT
    conditions of the concave problem).
    """
    C_full = np.c_[np.zeros(len(C)), C]  # the intercept is never constrained
    basis = _basis(C_full, active)
    beta = basis @ (basis.T @ beta)  # onto the active rows exactly; the others had slack
    for _ in range(10 * len(C) + 10):
        beta, blocked = _newton(matrix, y, weights, beta, basis, C_full, active)
        if blocked is not None:
            active[blocked] = True
            basis = _basis(C_full, active)
            beta = basis @ (basis.T @ beta)
            continue
        if not active.any():
            break
        gradient = _gradient(matrix, y, weights, beta)
        # gradient = A' lambda with lambda >= 0 at a constrained maximum of a concave likelihood
        multipliers = np.linalg.lstsq(C_full[active].T, gradient, rcond=None)[0]
        if multipliers.min() >= -1e-8 * max(1.0, np.abs(gradient).max()):
            break
        active[np.flatnonzero(active)[np.argmin(multipliers)]] = False
        basis = _basis(C_full, active)
    else:
        raise ModelError("the monotone price constraint did not converge (active-set iterations exhausted)")
    mu = special.expit(beta[0] + matrix.matvec(beta[1:]))
    reduced = basis.T @ information(matrix, weights * mu * (1.0 - mu)) @ basis
    try:
        inverse = linalg.cho_solve(linalg.cho_factor(reduced), np.eye(len(reduced)))
    except linalg.LinAlgError:
        raise ModelError(SINGULAR) from None
    return beta, active, basis @ inverse @ basis.T


def _basis(C_full: np.ndarray, active: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the coefficients that keep the active rows at 0."""
    return linalg.null_space(C_full[active]) if active.any() else np.eye(C_full.shape[1])


def _gradient(matrix, y, weights, beta) -> np.ndarray:
    eta = beta[0] + matrix.matvec(beta[1:])
    residual = weights * (y - special.expit(eta))
    return np.r_[residual.sum(), matrix.transpose_matvec(residual)]


def _newton(matrix, y, weights, beta, basis, C_full, active, steps: int = 50) -> tuple[np.ndarray, int | None]:
    """Newton steps in the column space of ``basis``, halved while the likelihood does not rise.

    Returns the coefficients and the inactive row a step was cut at (None
    when the steps converged without meeting one).
    """
    def state(beta):
        eta = beta[0] + matrix.matvec(beta[1:])
        return eta, loglik(eta, y, weights)

    eta, current = state(beta)
    for _ in range(steps):
        mu = special.expit(eta)
        hessian = information(matrix, weights * mu * (1.0 - mu))
        residual = weights * (y - mu)
        gradient = np.r_[residual.sum(), matrix.transpose_matvec(residual)]
        try:
            step = basis @ linalg.cho_solve(linalg.cho_factor(basis.T @ hessian @ basis), basis.T @ gradient)
        except linalg.LinAlgError:
            raise ModelError(SINGULAR) from None
        # ratio test: the longest step (up to 1) that keeps every inactive row <= 0
        rates, slack = C_full @ step, C_full @ beta
        rising = ~active & (rates > 0)
        limits = np.where(rising, -np.minimum(slack, 0.0) / np.where(rising, rates, 1.0), np.inf)
        blocked = int(np.argmin(limits)) if rising.any() and limits.min() < 1.0 else None
        scale = 1.0 if blocked is None else float(limits[blocked])
        if blocked is not None:
            if state(beta + scale * step)[1] >= current - 1e-12 * abs(current):
                return beta + scale * step, blocked
            scale /= 2  # the likelihood peaks before the row: a shorter step inside
        while scale > 1e-6:
            candidate = beta + scale * step
            eta_new, value = state(candidate)
            if value >= current - 1e-12 * abs(current):
                break
            scale /= 2
        else:
            break
        beta, eta, current = candidate, eta_new, value
        if np.max(np.abs(scale * step)) < 1e-13:
            break
    return beta, None
