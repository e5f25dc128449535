"""Deductible and limit options priced from a claim severity distribution.

Everything rests on the limited expected value ``E[X ∧ u] = E[min(X, u)]``
of a ground-up claim amount ``X``. A policy with deductible ``d`` and limit
``L`` (both on the ground-up amount, ``d < L``) pays ``min(X, L) - min(X, d)``
per claim, so its expected cost per ground-up claim is
``E[X ∧ L] - E[X ∧ d]``, and the options' relativities are ratios of these
layers: :func:`deductible_factor` and :func:`limit_factor` turn them into
:class:`~autorisk.rating.CategoricalFactor` tables for a rating plan.

The severity is either a frozen continuous :mod:`scipy.stats` distribution
(``E[X ∧ u] = ∫_0^u S(x) dx``, integrated with :func:`scipy.integrate.quad`)
or a sample of claim amounts (the empirical distribution, optionally weighted).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import integrate, stats

from autorisk.errors import ParameterError
from autorisk.rating.factors import CategoricalFactor

__all__ = [
    "deductible_factor",
    "gamma_severity",
    "limit_factor",
    "limited_expected_value",
    "loss_elimination_ratio",
]

#: Probabilities whose quantiles split the integral: quad is far more accurate
#: on pieces where the survival function changes by a bounded factor.
SPLIT_LEVELS = (0.5, 0.9, 0.99, 0.999)
#: Relative accuracy asked of each quad call.
QUAD_RTOL = 1e-10
#: Largest estimated relative error of an integral accepted as converged.
MAX_ERROR = 1e-7

Severity = Any  # a frozen scipy.stats continuous distribution or an array-like of claim amounts


# ------------------------------------------------------------------ public


def limited_expected_value(
    severity: Severity, limits: Any, *, weights: Any = None, order: int = 1
) -> np.ndarray:
    """Limited expected value ``E[min(X, u)]`` of the claim amount for each limit ``u``.

    With ``order=k``, the limited moment ``E[min(X, u)^k] = ∫_0^u k x^(k-1) S(x) dx``.

    Parameters
    ----------
    severity : frozen scipy.stats continuous distribution or array-like of float
        The ground-up claim amount ``X``. A distribution must have support in
        ``[0, inf)``; its ``E[X ∧ u] = ∫_0^u S(x) dx`` is integrated piecewise
        between a few of its quantiles, the far tail in probability space.
        A sample gives the empirical ``mean(minimum(x, u))``; amounts must be
        finite and ``>= 0``.
    limits : float or array-like of float
        Limits ``u >= 0``; ``np.inf`` gives ``E[X]``.
    weights : array-like of float, optional
        Weights ``>= 0`` of the sample's claims (not for a distribution).
    order : int, default 1
        The moment ``k >= 1``: 2 gives ``E[(X ∧ u)^2]``, for a layer's variance.

    Returns
    -------
    ndarray
        ``E[(X ∧ u)^k]``, with the shape of ``limits``.

    Raises
    ------
    ParameterError
        Negative or NaN limits; an empty sample or one with negative or
        non-finite amounts; bad weights; a distribution with support below 0,
        or with an infinite mean when a limit is ``inf``; an integral whose
        estimated relative error exceeds :data:`MAX_ERROR`.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> limited_expected_value(stats.expon(scale=1000.0), [0, 1000, np.inf]).round(2).tolist()
    [0.0, 632.12, 1000.0]
    >>> limited_expected_value([100.0, 400.0, 2500.0], [500, np.inf]).round(2).tolist()
    [333.33, 1000.0]
    >>> limited_expected_value(stats.expon(scale=1000.0), np.inf, order=2).round(2).tolist()
    2000000.0
    """
    amounts = _amounts(limits, "limits")
    return _layers(severity, 0.0, amounts.ravel(), weights, _order(order)).reshape(amounts.shape)


def loss_elimination_ratio(
    severity: Severity, deductibles: Any, limit: float = np.inf, *, weights: Any = None
) -> np.ndarray:
    """Share of the expected loss up to ``limit`` that each deductible removes.

    ``LER(d) = E[X ∧ d] / E[X ∧ limit]``, in ``[0, 1]`` for ``d <= limit``.

    Parameters
    ----------
    severity : frozen scipy.stats continuous distribution or array-like of float
        The ground-up claim amount, as in :func:`limited_expected_value`.
    deductibles : float or array-like of float
        Deductibles ``0 <= d <= limit``.
    limit : float, default inf
        Limit on the ground-up amount (``inf``: unlimited).
    weights : array-like of float, optional
        Weights of a sample's claims.

    Returns
    -------
    ndarray
        The ratios, with the shape of ``deductibles``.

    Raises
    ------
    ParameterError
        Negative or NaN deductibles or limit, a deductible above the limit,
        ``E[X ∧ limit] = 0``, and the errors of :func:`limited_expected_value`.

    Examples
    --------
    >>> from scipy import stats
    >>> loss_elimination_ratio(stats.expon(scale=1000.0), [0, 500, 1000]).round(4).tolist()
    [0.0, 0.3935, 0.6321]
    """
    amounts = _amounts(deductibles, "deductibles")
    limit = _amount(limit, "limit")
    _require(amounts <= limit, amounts, f"deductibles must not exceed limit {limit!r}")
    values = _layers(severity, 0.0, np.append(amounts.ravel(), limit), weights)
    if values[-1] <= 0:
        raise ParameterError(
            f"limit {limit!r} leaves no expected loss (E[X ∧ limit] = 0): the ratio is undefined"
        )
    return (values[:-1] / values[-1]).reshape(amounts.shape)


def deductible_factor(
    severity: Severity,
    deductibles: Sequence[float],
    *,
    base: float,
    column: str = "deductible",
    name: str = "deductible",
    limit: float = np.inf,
    weights: Any = None,
) -> CategoricalFactor:
    """Rating factor of deductible options: the expected cost of each, relative to the base.

    ``relativity(d) = (E[X ∧ L] - E[X ∧ d]) / (E[X ∧ L] - E[X ∧ base])``,
    non-increasing in ``d`` and 1 at ``base``.

    Parameters
    ----------
    severity : frozen scipy.stats continuous distribution or array-like of float
        The ground-up claim amount, as in :func:`limited_expected_value`.
    deductibles : sequence of float
        The options, distinct, finite, ``>= 0`` and below ``limit``; they
        become the factor's levels unchanged (ints stay ints).
    base : float
        The option with relativity 1; one of ``deductibles``.
    column : str, default "deductible"
        Policy attribute the factor reads.
    name : str, default "deductible"
        The factor's name in the plan.
    limit : float, default inf
        Limit ``L`` on the ground-up amount shared by all options.
    weights : array-like of float, optional
        Weights of a sample's claims.

    Returns
    -------
    CategoricalFactor
        Levels ``deductibles``, values the relativities (Python floats).

    Raises
    ------
    ParameterError
        Bad options (negative, NaN, infinite, repeated, not below ``limit``),
        ``base`` not among them, an option that leaves no expected loss, and
        the errors of :func:`limited_expected_value`.

    Examples
    --------
    >>> from scipy import stats
    >>> factor = deductible_factor(stats.expon(scale=1000.0), [0, 250, 500], base=0)
    >>> factor.levels, [round(v, 4) for v in factor.values]
    ((0, 250, 500), [1.0, 0.7788, 0.6065])
    """
    levels, amounts = _options(deductibles, "deductibles", finite=True)
    limit = _amount(limit, "limit")
    _require(amounts < limit, amounts, f"deductibles must be below limit {limit!r}")
    position = _position(base, levels, amounts, "deductibles")
    layers = _layers(severity, amounts, limit, weights)
    _require(
        layers > 0,
        amounts,
        f"deductibles must leave an expected loss below limit {limit!r} for this severity",
    )
    return CategoricalFactor(name, column, levels, _ratios(layers, position))


def limit_factor(
    severity: Severity,
    limits: Sequence[float],
    *,
    base: float,
    column: str = "limit",
    name: str = "limit",
    deductible: float = 0.0,
    weights: Any = None,
    risk_load: float = 0.0,
    risk_load_basis: str = "variance",
    alae: float = 0.0,
    alae_basis: str = "unlimited",
) -> CategoricalFactor:
    """Increased-limit factors: the expected cost of each limit option, relative to the base.

    ``ILF(L) = (E[X ∧ L] - E[X ∧ d]) / (E[X ∧ base] - E[X ∧ d])``,
    non-decreasing in ``L`` and 1 at ``base``. The limit caps the ground-up
    amount: a cap ``m`` on the payment after the deductible is ``L = d + m``.

    With a risk load and ALAE, each option's cost per ground-up claim is
    ``E[Y_L] + ALAE_L + RL_L``, where ``Y_L = X ∧ L - X ∧ d`` is the layer
    payment, and the factor is its ratio to the base's cost:

    * risk load (on the loss, not on ALAE): ``RL_L = risk_load * Var(Y_L)``
      (``risk_load_basis="variance"``, ``risk_load`` per currency unit) or
      ``risk_load * SD(Y_L)`` (``"std"``, dimensionless); the moments are
      those of one claim's layer payment (``E[Y^2]`` comes from the limited
      second moments), so higher limits, whose payments vary more, carry
      more load;
    * ALAE: ``"unlimited"`` (default) adds the same amount to every option,
      ``alae * E[Y_base]``: ALAE paid in addition to the limit and not
      capped by it, expressed as a ratio to the base layer's loss, which
      pulls the factors towards 1; ``"proportional"`` adds ``alae * E[Y_L]``
      (ALAE capped with the loss), which cancels from the ratios unless there
      is a risk load.

    Parameters
    ----------
    severity : frozen scipy.stats continuous distribution or array-like of float
        The ground-up claim amount, as in :func:`limited_expected_value`.
    limits : sequence of float
        The options, distinct, finite (a plan's JSON cannot hold ``inf``:
        price "unlimited" as a large amount) and above ``deductible``; they
        become the factor's levels unchanged (ints stay ints).
    base : float
        The option with factor 1; one of ``limits``.
    column : str, default "limit"
        Policy attribute the factor reads.
    name : str, default "limit"
        The factor's name in the plan.
    deductible : float, default 0.0
        Deductible ``d`` shared by all options.
    weights : array-like of float, optional
        Weights of a sample's claims.
    risk_load : float, default 0.0
        Risk-load multiplier ``>= 0`` (0: none).
    risk_load_basis : {"variance", "std"}, default "variance"
        Whether the load is on the layer payment's variance or standard deviation.
    alae : float, default 0.0
        Allocated loss adjustment expense ``>= 0`` as a ratio to loss (see above).
    alae_basis : {"unlimited", "proportional"}, default "unlimited"
        ALAE outside the limit (the same for every option) or within it.

    Returns
    -------
    CategoricalFactor
        Levels ``limits``, values the increased-limit factors (Python floats).

    Raises
    ------
    ParameterError
        Bad options (negative, NaN, infinite, repeated, not above
        ``deductible``), a bad ``deductible``, ``base`` not among the options,
        an option whose layer has no expected loss, and the errors of
        :func:`limited_expected_value`.

    Examples
    --------
    >>> factor = limit_factor(gamma_severity(2000.0, 1.0), [1000, 5000, 20000], base=5000)
    >>> factor.levels, [round(v, 4) for v in factor.values]
    ((1000, 5000, 20000), [0.4287, 1.0, 1.0894])
    >>> loaded = limit_factor(gamma_severity(2000.0, 1.0), [1000, 5000, 20000], base=5000,
    ...                       risk_load=0.1, risk_load_basis="std", alae=0.05)
    >>> [round(v, 4) for v in loaded.values]
    [0.4378, 1.0, 1.1016]
    """
    levels, amounts = _options(limits, "limits", finite=True)
    deductible = _amount(deductible, "deductible", finite=True)
    _require(amounts > deductible, amounts, f"limits must exceed deductible {deductible!r}")
    position = _position(base, levels, amounts, "limits")
    layers = _layers(severity, deductible, amounts, weights)
    _require(
        layers > 0,
        amounts,
        f"limits must leave an expected loss above deductible {deductible!r} for this severity",
    )
    costs = layers + _risk_load(
        severity, deductible, amounts, layers, weights, risk_load, risk_load_basis
    )
    costs = costs + _alae(layers, position, alae, alae_basis)
    return CategoricalFactor(name, column, levels, _ratios(costs, position))


def gamma_severity(mean: float, dispersion: float) -> Any:
    """Gamma claim amount with a given mean and dispersion, as a Gamma GLM fits it.

    A Gamma GLM's variance is ``dispersion * mean**2``: shape
    ``1 / dispersion``, scale ``mean * dispersion``.

    The gamma's tail is thin (exponential: ``S(x)`` falls like
    ``x^(a-1) e^(-x/scale)``), so increased-limit factors for limits many
    times its scale ``mean * dispersion`` come out lower than those of a
    heavier-tailed severity with the same mean and CV (a lognormal, a
    Pareto, a spliced GPD tail); e.g. mean 40,000 and CV 2: ILF of 5M over
    1M 1.0004 for the gamma, 1.0095 for the lognormal. (With a CV so large
    that the scale nears the limits, the gamma can give the larger factor.)
    A gamma GLM is fine for the mean claim; for high limits fit the tail
    itself (:mod:`autorisk.severity`).

    Parameters
    ----------
    mean : float
        Expected claim amount, ``> 0`` (e.g. a severity model's prediction).
    dispersion : float
        Dispersion ``> 0`` (e.g. a fitted model's ``dispersion_``); the
        coefficient of variation is ``sqrt(dispersion)``.

    Returns
    -------
    scipy.stats frozen gamma distribution

    Examples
    --------
    >>> severity = gamma_severity(2500.0, 0.8)
    >>> round(float(severity.mean()), 6), round(float(severity.std() / severity.mean()), 4)
    (2500.0, 0.8944)
    """
    mean = _amount(mean, "mean", finite=True)
    dispersion = _amount(dispersion, "dispersion", finite=True)
    for label, value in (("mean", mean), ("dispersion", dispersion)):
        if value <= 0:
            raise ParameterError(f"{label} must be > 0, got {value!r}")
    return stats.gamma(1.0 / dispersion, scale=mean * dispersion)


# ---------------------------------------------------------------- checks


def _amounts(values: Any, label: str, *, finite: bool = False) -> np.ndarray:
    """Amounts as a float array, refusing NaN, negatives (and ``inf`` if ``finite``)."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{label} must be numbers, got {values!r}") from None
    bad = np.isnan(array) | (array < 0)
    if finite:
        bad |= np.isinf(array)
    _require(~bad, array, f"{label} must be {'finite, ' if finite else ''}>= 0 and not NaN")
    return array


def _amount(value: Any, label: str, *, finite: bool = False) -> float:
    array = _amounts(value, label, finite=finite)
    if array.ndim != 0:
        raise ParameterError(f"{label} must be one number, got {value!r}")
    return float(array)


def _options(values: Any, label: str, *, finite: bool) -> tuple[tuple[Any, ...], np.ndarray]:
    """The options as the factor's levels (numpy scalars made plain) and as floats."""
    if np.ndim(values) != 1 or len(values) == 0:
        raise ParameterError(f"{label} must be a non-empty sequence of amounts, got {values!r}")
    amounts = _amounts(values, label, finite=finite)
    unique, counts = np.unique(amounts, return_counts=True)
    if (counts > 1).any():
        raise ParameterError(f"{label} must be distinct; repeated: {unique[counts > 1].tolist()}")
    levels = tuple(v.item() if isinstance(v, np.generic) else v for v in values)
    return levels, amounts


def _position(base: Any, levels: tuple[Any, ...], amounts: np.ndarray, label: str) -> int:
    try:
        matches = np.flatnonzero(amounts == float(base))
    except (TypeError, ValueError):
        matches = np.array([], dtype=int)
    if matches.size == 0:
        raise ParameterError(f"base {base!r} is not among {label} {list(levels)}")
    return int(matches[0])


def _require(ok: np.ndarray, values: np.ndarray, message: str) -> None:
    """Raise ``message`` listing the values where ``ok`` is false."""
    ok = np.asarray(ok, dtype=bool)
    if not ok.all():
        raise ParameterError(f"{message}; got {np.asarray(values)[~ok].tolist()}")


def _order(order: Any) -> int:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ParameterError(f"order must be an integer >= 1, got {order!r}")
    return int(order)


def _choice(value: Any, label: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ParameterError(f"{label} must be one of {options}, got {value!r}")
    return value


def _risk_load(
    severity: Severity,
    deductible: float,
    limits: np.ndarray,
    layers: np.ndarray,
    weights: Any,
    multiplier: float,
    basis: str,
) -> np.ndarray:
    """Risk load per option on the variance or standard deviation of the layer payment ``Y``.

    ``E[Y^2] = E[(X ∧ L)^2] - E[(X ∧ d)^2] - 2 d (E[X ∧ L] - E[X ∧ d])``, since
    ``Y = (X ∧ L) - (X ∧ d)`` is 0, ``X - d`` or ``L - d``.
    """
    multiplier = _amount(multiplier, "risk_load", finite=True)
    basis = _choice(basis, "risk_load_basis", ("variance", "std"))
    if multiplier == 0:
        return np.zeros_like(layers)
    second = _layers(severity, deductible, limits, weights, 2) - 2 * deductible * layers
    variance = np.maximum(second - layers**2, 0.0)
    return multiplier * (variance if basis == "variance" else np.sqrt(variance))


def _alae(layers: np.ndarray, position: int, ratio: float, basis: str) -> np.ndarray:
    """ALAE per option: a ratio to the base layer's loss for all (unlimited), or to each layer's."""
    ratio = _amount(ratio, "alae", finite=True)
    basis = _choice(basis, "alae_basis", ("unlimited", "proportional"))
    return ratio * (np.full_like(layers, layers[position]) if basis == "unlimited" else layers)


def _ratios(layers: np.ndarray, position: int) -> tuple[float, ...]:
    # Dividing by the very same number makes the base exactly 1.
    return tuple(float(v) for v in layers / layers[position])


# ----------------------------------------------------------------- engine


def _layers(severity: Severity, lower: Any, upper: Any, weights: Any, order: int = 1) -> np.ndarray:
    """``E[(X ∧ upper)^k] - E[(X ∧ lower)^k]`` per layer; one end is shared (a scalar), the other a 1-D array.

    Layers are summed directly rather than differenced from ``E[X ∧ u]``, so a
    layer far in the tail keeps its relative accuracy.
    """
    dist = getattr(severity, "dist", None)
    if isinstance(dist, stats.rv_discrete):
        raise ParameterError(
            f"severity must be a continuous distribution, got discrete {_describe(severity)}"
        )
    if isinstance(dist, stats.rv_continuous):
        if weights is not None:
            raise ParameterError(
                "weights apply to a sample of claim amounts, not to a distribution"
            )
        return _distribution_layers(
            severity, np.asarray(lower, float), np.asarray(upper, float), order
        )
    claims, claim_weights = _sample(severity, weights)
    return np.array(
        [
            np.average(
                np.minimum(claims, u) ** order - np.minimum(claims, d) ** order,
                weights=claim_weights,
            )
            for d, u in zip(*np.broadcast_arrays(lower, upper), strict=True)
        ]
    )


def _sample(severity: Any, weights: Any) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        claims = np.asarray(severity, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(
            f"severity must be a frozen scipy.stats continuous distribution or claim amounts, got {severity!r}"
        ) from None
    if claims.ndim != 1 or claims.size == 0:
        raise ParameterError(
            f"severity sample must be a non-empty 1-D array of claim amounts, got {severity!r}"
        )
    _require(
        np.isfinite(claims) & (claims >= 0),
        claims,
        "severity sample must hold finite claim amounts >= 0",
    )
    if weights is None:
        return claims, None
    claim_weights = _amounts(weights, "weights", finite=True)
    if claim_weights.shape != claims.shape:
        raise ParameterError(
            f"weights must have one value per claim ({claims.size}), got shape {claim_weights.shape}"
        )
    if claim_weights.sum() <= 0:
        raise ParameterError(f"weights must not all be 0, got {claim_weights.tolist()}")
    return claims, claim_weights


def _distribution_layers(
    dist: Any, lower: np.ndarray, upper: np.ndarray, order: int = 1
) -> np.ndarray:
    """``∫ k x^(k-1) S(x) dx`` over each layer (``k = order``), as running sums of pieces between knots.

    The knots are the support's lower end, a few quantiles and the layers'
    ends. Sums run away from the shared end, adding non-negative pieces, so the
    result is exactly monotone in the other end and relativities are too.
    Beyond the last quantile a piece is integrated over probabilities instead
    (``∫ S(x) dx = ∫ (isf(w) - a) dw``): heavy tails defeat quad in ``x``,
    over an infinite interval or over many decades of ``S``.
    """
    if max(lower.size, upper.size) == 0:
        return np.empty(0)
    bottom, top = (float(v) for v in dist.support())
    if bottom < 0:
        raise ParameterError(
            f"severity {_describe(dist)} has support [{bottom}, {top}]: claim amounts must be >= 0"
        )
    lower, upper = np.minimum(lower, top), np.minimum(upper, top)  # S = 0 beyond the support
    if np.isinf(upper).any() and not np.isfinite(moment := float(dist.moment(order))):
        name = "mean" if order == 1 else f"moment of order {order}"
        raise ParameterError(
            f"severity {_describe(dist)} has {name} {moment}, so E[(X ∧ inf)^{order}] is undefined: "
            "use a finite limit"
        )
    split = np.asarray(dist.ppf(SPLIT_LEVELS), dtype=float)
    split = split[np.isfinite(split)]
    knots = np.unique(np.concatenate(([bottom], split, lower.ravel(), upper.ravel())))
    knots = knots[(knots >= lower.min()) & (knots <= upper.max())]
    tail_start = split.max(initial=bottom)
    pieces = np.array([_piece(dist, a, b, tail_start, order) for a, b in itertools.pairwise(knots)])
    pieces = pieces.reshape(-1, 2)
    if lower.ndim == 0:  # shared lower end, knots[0]: sum upwards
        sums = np.concatenate(([[0.0, 0.0]], np.cumsum(pieces, axis=0)))
        values, estimated = sums[np.searchsorted(knots, upper)].T
    else:  # shared upper end, knots[-1]: sum downwards
        sums = np.concatenate((np.cumsum(pieces[::-1], axis=0)[::-1], [[0.0, 0.0]]))
        values, estimated = sums[np.searchsorted(knots, lower)].T
    failed = ~np.isfinite(values) | ~(estimated <= MAX_ERROR * values)
    if failed.any():
        d = float(np.broadcast_to(lower, failed.shape)[failed][0])
        u = float(np.broadcast_to(upper, failed.shape)[failed][0])
        raise ParameterError(
            f"severity {_describe(dist)}: the integral of the survival function over ({d!r}, {u!r}] "
            f"did not converge (estimated error {float(estimated[failed][0])!r} on {float(values[failed][0])!r})"
        )
    return values


def _piece(
    dist: Any, a: float, b: float, tail_start: float, order: int = 1
) -> tuple[float, float]:
    """``∫_a^b k x^(k-1) S(x) dx`` (``k = order``; ``∫_a^b S(x) dx`` for 1) and quad's error estimate."""
    options = {"epsabs": 0.0, "epsrel": QUAD_RTOL, "limit": 200, "full_output": 1}
    if a < tail_start:
        if order == 1:
            value, error, *_ = integrate.quad(dist.sf, a, b, **options)
        else:
            value, error, *_ = integrate.quad(
                lambda x: order * x ** (order - 1) * dist.sf(x), a, b, **options
            )
        return value, error
    rise = b**order - a**order

    # In the tail, integrate over the survival probability w = S(x) instead (h(x) = x^k):
    # ∫_a^b h'(x) S(x) dx = (h(b) - h(a)) S(b) + ∫_{S(b)}^{S(a)} (h(min(isf(w), b)) - h(a)) dw.
    def excess(w: float) -> float:
        return min(max(float(dist.isf(w)), a), b) ** order - a**order

    if np.isinf(b) or dist.sf(b) == 0:
        # isf(w) grows like a power of 1/w as w -> 0: an endpoint singularity quad extrapolates.
        value, error, *_ = integrate.quad(excess, 0.0, float(dist.sf(a)), **options)
        return value, error
    # Over t = log w the integrand stays smooth however many decades S(b) lies below S(a).
    low, high = float(dist.logsf(b)), float(dist.logsf(a))
    value, error, *_ = integrate.quad(
        lambda t: excess(math.exp(t)) * math.exp(t), low, high, **options
    )
    return value + rise * math.exp(low), error


def _describe(dist: Any) -> str:
    arguments = [repr(_plain(v)) for v in dist.args] + [
        f"{k}={_plain(v)!r}" for k, v in dist.kwds.items()
    ]
    return f"{dist.dist.name}({', '.join(arguments)})"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
