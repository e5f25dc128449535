"""The numerics under the GLM engine: Fisher information, scoring steps, the intercept-only fit.

Plain functions of a tabmat design, a family and arrays; :mod:`autorisk.models.glm`
calls them. They sit below the engine with the families.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import tabmat
from scipy import linalg

from autorisk.errors import ModelError
from autorisk.models.families import Family

SINGULAR = (
    "the design is singular: some coefficients are aliased (a level with no data, "
    "or factors that determine each other); group levels or drop a factor"
)

#: IRLS also stops when a step moves the coefficients by less than this (L2 norm,
#: sqrt of machine epsilon): on large data glum's gradient stalls at a round-off
#: floor (about 1e-8 at 1M rows) and it would otherwise run to ``max_iter``.
STEP_SIZE_TOL = float(np.sqrt(np.finfo(float).eps))


def tabmat_design(frame: pd.DataFrame) -> tabmat.MatrixBase:
    # tabmat's kernels write into their inputs' buffers; pandas copy-on-write hands out read-only ones.
    return tabmat.from_pandas(frame.copy(), drop_first=True, cat_threshold=1)


def polish(matrix, family, y, weights, offset, beta, steps: int = 5) -> np.ndarray:
    """Fisher-scoring steps from the engine's solution to the maximum likelihood.

    glum stops on a gradient tolerance of its weight-normalised objective, which
    can leave the coefficient of a level with a claim or two ~1e-6 away from the
    maximum; a few scoring steps bring every coefficient to round-off, as
    statsmodels' IRLS does. A large step means no nearby maximum (say a level
    without claims, whose coefficient runs off to -inf): the engine's answer stays.
    The information is computed and factored once, at the engine's solution (a
    chord iteration): that close to the maximum it changes by ~1e-6 relative
    from step to step, so the steps contract as fast, and each costs one
    product with the design instead of a sandwich product.
    """
    def score(beta):
        mu = np.exp(beta[0] + matrix.matvec(beta[1:]) + (0.0 if offset is None else offset))
        residual = weights * (y - mu) * mu ** (1.0 - family.power)
        return mu, np.r_[residual.sum(), matrix.transpose_matvec(residual)]

    mu, gradient = score(beta)
    try:
        factor = linalg.cho_factor(information(matrix, family.working_weights(mu, weights)))
    except linalg.LinAlgError:
        return beta
    for _ in range(steps):
        step = linalg.cho_solve(factor, gradient)
        if not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 1e-3:
            break
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
        mu, gradient = score(beta)
    return beta


def information(matrix: tabmat.MatrixBase, working: np.ndarray) -> np.ndarray:
    """``[1 X]' diag(working) [1 X]``: the (unscaled) Fisher information of intercept and coefficients."""
    working = np.array(working, dtype=float)
    p = matrix.shape[1] + 1
    information = np.empty((p, p))
    information[0, 0] = working.sum()
    if p > 1:
        cross = matrix.transpose_matvec(working)
        information[0, 1:] = cross
        information[1:, 0] = cross
        sandwich = matrix.sandwich(working)
        # A lone categorical factor is a CategoricalMatrix, whose sandwich is a scipy sparse matrix.
        information[1:, 1:] = sandwich.toarray() if hasattr(sandwich, "toarray") else sandwich
    return information


def inverse_information(matrix: tabmat.MatrixBase, working: np.ndarray) -> np.ndarray:
    information_matrix = information(matrix, working)
    p = len(information_matrix)
    try:
        factor = np.linalg.cholesky(information_matrix)
    except np.linalg.LinAlgError:
        raise ModelError(SINGULAR) from None
    identity = np.eye(p)
    inverse_factor = np.linalg.solve(factor, identity)
    return inverse_factor.T @ inverse_factor


def null_mean(family: Family, y: np.ndarray, weights: np.ndarray, offset: np.ndarray | None) -> np.ndarray:
    """Fitted mean of the intercept-only model (with the same offset)."""
    if offset is None:
        return np.full(len(y), np.average(y, weights=weights))
    return intercept_only_mean(family, y, weights, np.exp(offset))


def intercept_only_mean(family: Family, y: np.ndarray, weights: np.ndarray, base: np.ndarray) -> np.ndarray:
    """``c * base`` with ``c`` the maximum-likelihood intercept (exp scale) given the offsets ``log(base)``.

    The score equation of the log link, ``sum(w (y - c b) (c b)**(1 - p)) = 0``,
    gives ``c = sum(w y b**(1 - p)) / sum(w b**(2 - p))`` for every power ``p``.
    """
    power = family.power
    c = np.sum(weights * y * base ** (1.0 - power)) / np.sum(weights * base ** (2.0 - power))
    return base * c


def hat_diagonal(matrix: tabmat.MatrixBase, working: np.ndarray) -> np.ndarray:
    """Leverages: the diagonal of ``W^1/2 [1 X] (X'WX)^-1 [1 X]' W^1/2``, without an n x n matrix.

    With ``X'WX = L L'`` (Cholesky), ``h_i = w_i |L^-1 x_i|^2``: the squared
    norms of the rows of ``[1 X] L^-T``, built one column at a time from
    products with the design (memory ``O(n)`` beyond the design itself).
    """
    working = np.asarray(working, dtype=float)
    try:
        factor = np.linalg.cholesky(information(matrix, working))
    except np.linalg.LinAlgError:
        raise ModelError(SINGULAR) from None
    inverse_t = linalg.solve_triangular(factor, np.eye(len(factor)), lower=True).T  # L^-T
    squares = np.zeros(len(working))
    for column in inverse_t.T:
        projected = column[0] + (matrix.matvec(column[1:]) if len(column) > 1 else 0.0)
        squares += projected**2
    return working * squares
