"""Cut points where a model's effect changes, rounded to numbers a rating table can show."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeRegressor

from autorisk.errors import ParameterError


def nice_number(low: float, high: float, target: float) -> float:
    """The roundest number in ``(low, high]``, nearest ``target`` among equally round ones.

    Steps are tried from coarse to fine: 10^k, 5 x 10^(k-1), 10^(k-1), ...;
    the first step with a multiple in the interval wins.

    Parameters
    ----------
    low, high : float
        The interval ``(low, high]``, ``low < high``.
    target : float
        Preferred value: among multiples of the winning step, the nearest wins.

    Returns
    -------
    float
        A multiple of the roundest step in the interval (``high`` if none
        of 16 magnitudes fits).

    Raises
    ------
    ParameterError
        If ``low >= high``.

    Examples
    --------
    >>> nice_number(23.0, 26.0, 24.5), nice_number(236_400.0, 262_100.0, 249_000.0)
    (25.0, 250000.0)
    """
    if not high > low:
        raise ParameterError(f"need low < high, got ({low}, {high}]")
    magnitude = max(abs(low), abs(high))
    exponent = math.floor(math.log10(magnitude)) + 1 if magnitude > 0 else 0
    for power in range(exponent, exponent - 16, -1):
        for step in (10.0**power, 5 * 10.0 ** (power - 1)):
            first, last = math.floor(low / step) + 1, math.floor(high / step)
            if first <= last:
                multiple = min(max(round(target / step), first), last)
                return float(f"{multiple * step:.12g}")
    return float(high)


def effect_cut_points(
    values: np.ndarray,
    effect: np.ndarray,
    exposure: np.ndarray,
    *,
    max_bands: int = 6,
    min_exposure_share: float = 0.02,
    tolerance: float | None = None,
    min_decrease: float = 1e-5,
) -> np.ndarray:
    """Inner cut points where a numeric feature's effect changes most.

    An exposure-weighted regression tree of ``effect`` (say each row's SHAP
    value, or its partial dependence, on the log scale) on ``values`` with at
    most ``max_bands`` leaves, each holding at least ``min_exposure_share``
    of the exposure, places the cuts; a split must lower the exposure-weighted
    mean squared effect by ``min_decrease`` (log scale: about a 1% step over
    half the exposure), so flat stretches and noise stay in one band. Each cut is then moved to the roundest
    number (:func:`nice_number`) whose band boundary shifts at most
    ``tolerance`` of the exposure (default ``min_exposure_share / 4``).
    Bands read ``< c1``, ``[c1, c2)``, ..., ``>= ck``, as in
    :mod:`autorisk.models.banding`.

    Parameters
    ----------
    values : array-like
        The numeric feature, one value per row.
    effect : array-like
        Each row's effect of the feature, on the log scale.
    exposure : array-like
        Row weights, ``>= 0``.
    max_bands : int, default 6
        Most bands (cut points + 1).
    min_exposure_share : float, default 0.02
        Least share of the exposure in a band, in ``[0, 0.5)``.
    tolerance : float, optional
        Largest share of the exposure a cut may move across when rounded;
        default ``min_exposure_share / 4``.
    min_decrease : float, default 1e-5
        Least decrease of the weighted mean squared effect for a split.

    Returns
    -------
    ndarray
        Increasing inner cut points; empty when one band fits.

    Raises
    ------
    ParameterError
        If ``max_bands`` is not a positive integer or ``min_exposure_share``
        is outside ``[0, 0.5)``.

    Examples
    --------
    >>> import numpy as np
    >>> age = np.arange(18, 80)
    >>> effect = np.where(age < 25, 0.5, np.where(age < 60, 0.0, 0.2))
    >>> effect_cut_points(age, effect, np.ones(len(age)), max_bands=3).tolist()
    [25.0, 60.0]
    """
    if max_bands < 1 or int(max_bands) != max_bands:
        raise ParameterError(f"max_bands must be a positive integer, got {max_bands!r}")
    if not 0 <= min_exposure_share < 0.5:
        raise ParameterError(f"min_exposure_share must be in [0, 0.5), got {min_exposure_share!r}")
    tolerance = min_exposure_share / 4 if tolerance is None else tolerance
    # Splits of a squared-error tree do not change when rows are pooled by value.
    pooled = (
        pd.DataFrame({"x": np.asarray(values, dtype=float), "w": exposure, "we": exposure * effect})
        .groupby("x", sort=True)[["w", "we"]]
        .sum()
    )
    pooled = pooled[pooled["w"] > 0]
    if max_bands == 1 or len(pooled) < 2:
        return np.array([])
    x, w = pooled.index.to_numpy(dtype=float), pooled["w"].to_numpy()
    tree = DecisionTreeRegressor(
        max_leaf_nodes=max_bands,
        min_weight_fraction_leaf=min_exposure_share,
        min_impurity_decrease=min_decrease,
        random_state=0,
    ).fit(x[:, None], pooled["we"].to_numpy() / w, sample_weight=w)
    thresholds = np.sort(tree.tree_.threshold[tree.tree_.feature >= 0])
    below = np.r_[0.0, np.cumsum(w)[:-1]] / w.sum()  # exposure share strictly below each value
    cuts = []
    for threshold in thresholds:
        i = int(np.searchsorted(x, threshold, side="right"))  # first value at or above the cut
        close = np.flatnonzero((np.abs(below - below[i]) <= tolerance) & (np.arange(len(x)) >= 1))
        low, high = x[close.min() - 1], x[close.max()]
        cuts.append(nice_number(low, high, threshold))
    return np.unique(cuts)
