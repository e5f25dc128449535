"""Credibility-weighted relativities for a factor with many levels (vehicle model, dealer, postcode).

:class:`CredibilityLevels` is fitted on claim counts and an ``expected``
count per row (another model's prediction without this factor). Each level's
relativity is its actual-over-expected ratio (A/E) shrunk toward its parent's
relativity (a model toward its make), and each parent's toward 1, with
Buhlmann-Straub credibility ``Z = w / (w + k)``, where ``w`` is the level's
expected claim count (the volume measure under which the within-level
variance of the A/E is proportional to ``1 / w`` for Poisson counts).

Estimating ``k`` (Buhlmann-Straub, hierarchical as in Jewell 1975)
------------------------------------------------------------------
Rows ``i`` of level ``j`` have weights ``e_i`` (expected claims) and ratios
``X_i = N_i / e_i``; a level has ``w_j = sum e_i`` and ``X_j = N_j / w_j``.

- Within variance (pooled over all levels, ``n_j`` rows each):
  ``s2 = sum_j sum_i e_i (X_i - X_j)**2 / sum_j (n_j - 1)``.
- Between variance of the levels around their group's raw mean ``X_g``
  (the parent's A/E; the book's for the parents, or without a parent):
  ``a = (sum_j w_j (X_j - X_g)**2 - (J - G) s2) / sum_g (w_g - sum_{j in g} w_j**2 / w_g)``
  with ``J`` levels in ``G`` groups.
- ``k = s2 / a``; ``a <= 0`` (no evidence of a difference between the
  levels) gives ``k = inf`` and ``Z = 0``.

``k="cv"`` instead picks the levels' ``k`` from :data:`CV_GRID` by 5-fold
cross-validated Poisson deviance of the held-out rows (a check on the
estimator: on the synthetic vehicle book the two agree within a factor 3).
The parents' ``k`` is the same estimator with the rows grouped by parent and
one group (the book). Then ``relativity(parent) = Z_p A/E_p + (1 - Z_p)`` and
``relativity(level) = Z_j A/E_j + (1 - Z_j) relativity(parent)``.
:meth:`CredibilityLevels.group_levels` cuts the fitted relativities into a
chosen number of groups for a tariff (the exposure-weighted optimal 1-D
partition of their logarithms).

Examples
--------
>>> import pandas as pd
>>> X = pd.DataFrame({"model": ["a", "a", "b", "b", "c"], "make": ["m", "m", "m", "m", "n"]})
>>> fitted = CredibilityLevels("model", parent="make", k=2.0, parent_k=2.0).fit(X, [1, 2, 0, 0, 1], expected=[1, 1, 1, 1, 1])
>>> fitted.relativities_[["level", "parent", "claims", "credibility", "relativity"]].round(3)
  level parent  claims  credibility  relativity
0     a      m     3.0        0.500       1.167
1     b      m     0.0        0.500       0.417
2     c      n     1.0        0.333       1.000
>>> fitted.parent_relativities_["relativity"].round(3).tolist()  # make m: A/E 0.75, Z = 4 / (4 + 2)
[0.833, 1.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from autorisk.errors import DataError, ModelError, ParameterError
from autorisk.models.partition import optimal_partition

if TYPE_CHECKING:  # rating imports models: the factor class is imported where it is built
    from autorisk.rating.factors import CategoricalFactor

__all__ = ["CV_GRID", "CredibilityLevels", "LevelGroups", "buhlmann_straub_k"]


def buhlmann_straub_k(level: Any, group: Any, claims: Any, expected: Any) -> float:
    """Buhlmann-Straub's estimate of ``k`` for levels nested in groups (see the module docstring).

    Parameters
    ----------
    level : array-like of int
        Level code of each row (``0 .. J-1``).
    group : array-like of int
        Group code of each row (``0 .. G-1``), constant within a level.
    claims : array-like of float
        Claim count of each row.
    expected : array-like of float
        Expected claim count of each row (> 0), the credibility weight.

    Returns
    -------
    float
        ``s2 / a`` in units of expected claims; ``inf`` when the between
        variance ``a`` is not positive.

    Examples
    --------
    Two levels, one with twice the claims of the other, observed over many rows:

    >>> import numpy as np
    >>> level = np.repeat([0, 1], 200)
    >>> claims = np.tile([0, 1, 0, 1], 100) * np.repeat([1, 2], 200)
    >>> k = buhlmann_straub_k(level, np.zeros(400, int), claims, np.full(400, 0.75))
    >>> round(k, 1)
    3.9

    With no difference between the levels there is no credibility:

    >>> buhlmann_straub_k(level, np.zeros(400, int), np.tile([0, 1], 200), np.ones(400))
    inf
    """
    level = np.asarray(level, dtype=np.int64)
    group = np.asarray(group, dtype=np.int64)
    n = np.asarray(claims, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    n_levels = int(level.max()) + 1
    rows = np.bincount(level, minlength=n_levels)
    w = np.bincount(level, e, minlength=n_levels)
    nj = np.bincount(level, n, minlength=n_levels)
    seen = rows > 0
    within_dof = float((rows[seen] - 1).sum())
    if within_dof <= 0:
        return float("inf")
    # sum_i e_i (X_i - X_j)^2 = sum_i N_i^2 / e_i - N_j^2 / w_j
    s2 = float((n**2 / e).sum() - (nj[seen] ** 2 / w[seen]).sum()) / within_dof
    level_group = np.zeros(n_levels, dtype=np.int64)
    level_group[level] = group
    n_groups = int(group.max()) + 1
    wg = np.bincount(level_group[seen], w[seen], minlength=n_groups)
    ng = np.bincount(level_group[seen], nj[seen], minlength=n_groups)
    xg = np.divide(ng, wg, out=np.zeros(n_groups), where=wg > 0)
    xj = nj[seen] / w[seen]
    between = float((w[seen] * (xj - xg[level_group[seen]]) ** 2).sum())
    n_level_groups = int((np.bincount(level_group[seen], minlength=n_groups) > 0).sum())
    w2 = np.bincount(level_group[seen], w[seen] ** 2, minlength=n_groups)
    scale = float((wg - np.divide(w2, wg, out=np.zeros(n_groups), where=wg > 0)).sum())
    a = (between - (int(seen.sum()) - n_level_groups) * s2) / scale if scale > 0 else 0.0
    if a <= 0:  # no evidence that the levels differ: no credibility
        return float("inf")
    return max(s2, 0.0) / a  # s2 == 0 (no noise within the levels): full credibility


class LevelGroups(NamedTuple):
    """Levels cut into groups for a tariff: ``(levels, groups, parents)``.

    Attributes
    ----------
    levels : DataFrame
        One row per fitted level: ``level``, ``parent`` (if any), ``relativity``, ``group``.
    groups : DataFrame
        One row per group (``1 ..`` by increasing relativity): ``group``,
        ``n_levels``, ``exposure`` and ``relativity`` (the exposure-weighted
        geometric mean of its levels' relativities).
    parents : DataFrame or None
        With a parent: the group of each parent (the one whose relativity is
        nearest, in logs, the parent's), for levels unseen in training.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"model": ["a", "b", "c", "d"]})
    >>> fit = CredibilityLevels("model", k=0.0).fit(X, [1, 1, 3, 4], expected=[1, 1, 1, 1])
    >>> fit.group_levels(2).levels["group"].tolist()
    [1, 1, 2, 2]
    """

    levels: pd.DataFrame
    groups: pd.DataFrame
    parents: pd.DataFrame | None


class CredibilityLevels(BaseEstimator):
    """Buhlmann-Straub credibility relativities of a many-level factor, optionally nested in a parent.

    Parameters
    ----------
    column : str, default "model"
        The factor's column in ``X``.
    parent : str, optional
        A coarser factor containing it (``"make"``): each level must belong
        to one parent. ``None``: levels are shrunk toward 1.
    k : float or "cv", optional
        Credibility constant of the levels, in expected claims (``Z = w / (w + k)``);
        ``None`` (default) estimates it by Buhlmann-Straub (module docstring);
        ``"cv"`` picks it from :data:`CV_GRID` by 5-fold cross-validated
        Poisson deviance (folds of rows, seeded; ``cv_results_``).
        ``0`` gives the raw A/E.
    parent_k : float, optional
        The same for the parents; ``None`` estimates it.

    Attributes
    ----------
    relativities_ : DataFrame
        One row per level seen in training: ``level``, ``parent`` (with a
        parent), ``exposure``, ``expected``, ``claims``, ``ae`` (raw
        actual / expected), ``credibility`` (Z) and ``relativity``.
    parent_relativities_ : DataFrame or None
        The same for the parents (``level`` holds the parent).
    k_, parent_k_ : float
        The constants used (estimated or given; ``parent_k_`` is NaN without a parent).
    cv_results_ : DataFrame or None
        With ``k="cv"``: ``k`` and the summed held-out Poisson ``deviance``
        (up to a constant) for each value of the grid.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"model": ["a", "a", "b", "b"]})
    >>> fit = CredibilityLevels("model", k=1.0).fit(X, [2, 2, 0, 1], expected=[1.0, 1.0, 1.0, 1.0])
    >>> fit.relativities_["relativity"].round(4).tolist()
    [1.6667, 0.6667]
    >>> fit.predict(pd.DataFrame({"model": ["b", "new"]})).round(4).tolist()  # unseen -> 1
    [0.6667, 1.0]
    """

    def __init__(
        self,
        column: str = "model",
        parent: str | None = None,
        *,
        k: float | None = None,
        parent_k: float | None = None,
    ) -> None:
        self.column = column
        self.parent = parent
        self.k = k
        self.parent_k = parent_k

    # ------------------------------------------------------------------
    def fit(
        self, X: pd.DataFrame, y: Any, *, expected: Any = None, exposure: Any = None
    ) -> CredibilityLevels:
        """Estimate the credibility relativities.

        Parameters
        ----------
        X : DataFrame
            Rows (policies) with ``column`` and, if set, ``parent``.
        y : array-like
            Claim count of each row (>= 0).
        expected : array-like, optional
            Expected claim count of each row from a model without this factor
            (> 0). ``None``: the book's claim frequency times ``exposure``.
        exposure : array-like, optional
            Exposure of each row (>= 0), reported in the tables and weighting
            :meth:`group_levels`; ``None``: 1 per row.

        Returns
        -------
        CredibilityLevels
            self.

        Examples
        --------
        >>> import pandas as pd
        >>> X = pd.DataFrame({"model": ["a", "b"] * 50})
        >>> fit = CredibilityLevels("model").fit(X, [0, 1] * 50, exposure=[1.0] * 100)
        >>> fit.relativities_["ae"].tolist(), fit.k_  # no variation within a level: full credibility
        ([0.0, 2.0], 0.0)
        """
        k = self.k if isinstance(self.k, str) and self.k == "cv" else _check_k("k", self.k)
        parent_k = _check_k("parent_k", self.parent_k)
        if not isinstance(X, pd.DataFrame):
            raise DataError(f"X must be a DataFrame, got {type(X).__name__}")
        names = [self.column] + ([] if self.parent is None else [self.parent])
        for name in names:
            if not isinstance(name, str) or name not in X.columns:
                raise DataError(
                    f"column {name!r} (column/parent) not in X; columns: {list(X.columns)}"
                )
        n_rows = len(X)
        claims = _numbers("y", y, n_rows, lower=0.0)
        weight = (
            np.ones(n_rows)
            if exposure is None
            else _numbers("exposure", exposure, n_rows, lower=0.0)
        )
        if expected is None:
            if weight.sum() <= 0:
                raise DataError("exposure must have a positive total")
            e = claims.sum() / weight.sum() * weight
        else:
            e = _numbers("expected", expected, n_rows, lower=0.0)
        if not (e > 0).all():
            raise DataError(
                "expected must be > 0 in every row (with expected=None: claims and exposure > 0)"
            )
        level_values = X[self.column].astype(object)
        if level_values.isna().any():
            raise DataError(
                f"column {self.column!r}: missing level in {int(level_values.isna().sum())} rows"
            )
        level_code, levels = pd.factorize(level_values, sort=True)
        if self.parent is None:
            parent_code = np.zeros(n_rows, dtype=np.int64)
            parents = None
        else:
            parent_values = X[self.parent].astype(object)
            if parent_values.isna().any():
                raise DataError(
                    f"column {self.parent!r}: missing parent in {int(parent_values.isna().sum())} rows"
                )
            parent_code, parents = pd.factorize(parent_values, sort=True)
            per_level = pd.Series(parent_code).groupby(level_code).nunique()
            if (per_level > 1).any():
                bad = levels[per_level.index[per_level > 1]].tolist()[:5]
                raise DataError(
                    f"column {self.column!r}: levels {bad} belong to more than one {self.parent!r}"
                )

        if parents is not None:
            self.parent_k_ = (
                buhlmann_straub_k(parent_code, np.zeros(n_rows, int), claims, e)
                if parent_k is None
                else parent_k
            )
            self.parent_relativities_ = _table(
                parent_code, parents, claims, e, weight, self.parent_k_, None, None
            )
            toward = self.parent_relativities_["relativity"].to_numpy()
        else:
            self.parent_k_ = float("nan")
            self.parent_relativities_ = None
            toward = np.ones(1)
        self.cv_results_ = None
        if k == "cv":
            self.cv_results_ = _cv_deviance(
                level_code, parent_code, claims, e, parents is not None, parent_k
            )
            k = float(self.cv_results_["k"][self.cv_results_["deviance"].idxmin()])
        self.k_ = buhlmann_straub_k(level_code, parent_code, claims, e) if k is None else k
        level_parent = np.zeros(len(levels), dtype=np.int64)
        level_parent[level_code] = parent_code
        self.relativities_ = _table(
            level_code,
            levels,
            claims,
            e,
            weight,
            self.k_,
            None if parents is None else parents[level_parent],
            toward[level_parent],
        )
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Relativity of each row: its level's; an unseen level its parent's; else 1.

        Parameters
        ----------
        X : DataFrame
            With ``column`` (and ``parent`` when set).

        Returns
        -------
        ndarray of float

        Examples
        --------
        >>> import pandas as pd
        >>> X = pd.DataFrame({"model": ["a", "b", "c"], "make": ["m", "m", "n"]})
        >>> fit = CredibilityLevels("model", parent="make", k=0.0, parent_k=0.0).fit(X, [2, 0, 1], expected=[1, 1, 1])
        >>> fit.predict(pd.DataFrame({"model": ["a", "z", "z"], "make": ["m", "m", "q"]})).tolist()
        [2.0, 1.0, 1.0]
        """
        self._check_fitted()
        if not isinstance(X, pd.DataFrame) or self.column not in X.columns:
            raise DataError(f"X must be a DataFrame with column {self.column!r}")
        by_level = pd.Series(
            self.relativities_["relativity"].to_numpy(), index=self.relativities_["level"]
        )
        out = by_level.reindex(X[self.column].astype(object).to_numpy()).to_numpy(dtype=np.float64)
        if self.parent_relativities_ is not None:
            if self.parent not in X.columns:
                raise DataError(f"X must have the parent column {self.parent!r}")
            table = self.parent_relativities_
            by_parent = pd.Series(table["relativity"].to_numpy(), index=table["level"])
            fallback = by_parent.reindex(X[self.parent].astype(object).to_numpy()).to_numpy(
                dtype=np.float64
            )
            out = np.where(np.isnan(out), fallback, out)
        return np.where(np.isnan(out), 1.0, out)

    def group_levels(self, n_groups: int) -> LevelGroups:
        """Cut the fitted levels into ``n_groups`` groups of similar relativity.

        The exposure-weighted optimal 1-D partition of the log relativities
        (:func:`autorisk.models.partition.optimal_partition`); groups numbered ``1 ..`` by increasing
        relativity, each with the exposure-weighted geometric mean of its
        levels' relativities.

        Parameters
        ----------
        n_groups : int
            ``1 ..`` the number of fitted levels.

        Returns
        -------
        LevelGroups

        Examples
        --------
        >>> import pandas as pd
        >>> X = pd.DataFrame({"model": ["a", "b", "c"]})
        >>> fit = CredibilityLevels("model", k=0.0).fit(X, [1, 1, 3], expected=[1, 1, 1])
        >>> fit.group_levels(2).groups[["group", "n_levels", "relativity"]]
           group  n_levels  relativity
        0      1         2         1.0
        1      2         1         3.0
        """
        self._check_fitted()
        table = self.relativities_
        if (
            isinstance(n_groups, bool)
            or not isinstance(n_groups, (int, np.integer))
            or not 1 <= n_groups <= len(table)
        ):
            raise ParameterError(
                f"n_groups must be an integer in [1, {len(table)}], got {n_groups!r}"
            )
        rel = table["relativity"].to_numpy()
        if not (rel > 0).all():
            raise ModelError(
                "group_levels needs positive relativities; some levels have none (0 claims, k=0)"
            )
        log_rel = np.log(rel)
        weight = table["exposure"].to_numpy()
        # a level of zero exposure still joins a group; labels 1 .. by increasing relativity
        group = optimal_partition(log_rel, np.maximum(weight, 1e-12), int(n_groups)) + 1
        keep = ["level"] + (["parent"] if "parent" in table else []) + ["relativity"]
        levels = table[keep].assign(group=group)
        w = weight + 1e-12
        sums = (
            pd.DataFrame({"group": group, "w": w, "wl": w * log_rel, "exposure": weight, "n": 1})
            .groupby("group")
            .sum()
        )
        groups = pd.DataFrame(
            {
                "group": sums.index.to_numpy(),
                "n_levels": sums["n"].to_numpy(),
                "exposure": sums["exposure"].to_numpy(),
                "relativity": np.exp(sums["wl"].to_numpy() / sums["w"].to_numpy()),
            }
        )
        parents = None
        if self.parent_relativities_ is not None:
            p = self.parent_relativities_
            distance = np.abs(
                np.log(p["relativity"].to_numpy())[:, None]
                - np.log(groups["relativity"].to_numpy())[None, :]
            )
            parents = pd.DataFrame(
                {
                    "parent": p["level"].to_numpy(),
                    "group": groups["group"].to_numpy()[distance.argmin(axis=1)],
                }
            )
        return LevelGroups(levels, groups, parents)

    def to_factor(
        self, n_groups: int | None = None, *, name: str | None = None
    ) -> CategoricalFactor:
        """A rating-plan factor ``level -> relativity`` (grouped when ``n_groups`` is given).

        The factor lists the fitted levels; map unseen levels before rating
        (with :meth:`predict`, or the ``parents`` table of :meth:`group_levels`).

        Parameters
        ----------
        n_groups : int, optional
            Give every level its group's relativity; ``None``: each its own.
        name : str, optional
            The factor's name; default ``column``.

        Returns
        -------
        autorisk.rating.CategoricalFactor

        Examples
        --------
        >>> import pandas as pd
        >>> X = pd.DataFrame({"model": ["a", "b", "c"]})
        >>> fit = CredibilityLevels("model", k=0.0).fit(X, [1, 1, 3], expected=[1, 1, 1])
        >>> fit.to_factor(2).relativity({"model": "b"})
        1.0
        """
        from autorisk.rating.factors import CategoricalFactor

        self._check_fitted()
        if n_groups is None:
            values = self.relativities_["relativity"].to_numpy()
        else:
            grouped = self.group_levels(n_groups)
            values = (
                grouped.groups.set_index("group")["relativity"]
                .reindex(grouped.levels["group"])
                .to_numpy()
            )
        levels = tuple(self.relativities_["level"].tolist())
        return CategoricalFactor(
            name or self.column, self.column, levels, tuple(float(v) for v in values)
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "relativities_"):
            raise ModelError("CredibilityLevels is not fitted: call fit first")


#: Values of ``k`` (expected claims) tried by ``k="cv"``.
CV_GRID = np.geomspace(0.1, 1000.0, 41)
_CV_FOLDS, _CV_SEED = 5, 0


def _cv_deviance(
    level: np.ndarray,
    parent: np.ndarray,
    claims: np.ndarray,
    e: np.ndarray,
    has_parent: bool,
    parent_k: float | None,
) -> pd.DataFrame:
    """Held-out Poisson deviance of each ``k`` in :data:`CV_GRID`, summed over 5 folds of rows.

    With ``mu = e * r_j`` the deviance of the held-out rows of level ``j`` is,
    up to terms free of ``r_j``, ``2 (W_j r_j - N_j log r_j)`` (sums over those rows).
    """
    fold = np.random.default_rng(_CV_SEED).permutation(len(claims)) % _CV_FOLDS
    n_levels, n_parents = int(level.max()) + 1, int(parent.max()) + 1
    level_parent = np.zeros(n_levels, dtype=np.int64)
    level_parent[level] = parent
    total = np.zeros(len(CV_GRID))
    for f in range(_CV_FOLDS):
        train, test = fold != f, fold == f
        n_p = np.bincount(parent[train], claims[train], minlength=n_parents)
        w_p = np.bincount(parent[train], e[train], minlength=n_parents)
        if has_parent:
            kp = parent_k
            if kp is None:
                kp = buhlmann_straub_k(
                    parent[train], np.zeros(int(train.sum()), int), claims[train], e[train]
                )
            z_p = w_p / (w_p + kp) if np.isfinite(kp) else np.zeros(n_parents)
            rel_p = z_p * np.divide(n_p, w_p, out=np.ones(n_parents), where=w_p > 0) + 1.0 - z_p
        else:  # no parent: shrink toward 1
            rel_p = np.ones(1)
        n_j = np.bincount(level[train], claims[train], minlength=n_levels)
        w_j = np.bincount(level[train], e[train], minlength=n_levels)
        ae = np.divide(n_j, w_j, out=np.zeros(n_levels), where=w_j > 0)
        z = w_j[None, :] / (w_j[None, :] + CV_GRID[:, None])
        rel = z * ae[None, :] + (1.0 - z) * rel_p[level_parent][None, :]
        rel = np.maximum(rel, 1e-300)
        held_n = np.bincount(level[test], claims[test], minlength=n_levels)
        held_w = np.bincount(level[test], e[test], minlength=n_levels)
        total += 2.0 * (held_w[None, :] * rel - held_n[None, :] * np.log(rel)).sum(axis=1)
    return pd.DataFrame({"k": CV_GRID, "deviance": total})


def _check_k(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not value >= 0
    ):
        options = 'None, "cv"' if name == "k" else "None"
        raise ParameterError(f"{name} must be {options} or a number >= 0, got {value!r}")
    return float(value)


def _numbers(name: str, values: Any, n_rows: int, *, lower: float) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numbers, got {values!r}") from exc
    if len(array) != n_rows:
        raise DataError(f"{name} has {len(array)} values for {n_rows} rows of X")
    bad = ~np.isfinite(array) | (array < lower)
    if bad.any():
        raise DataError(
            f"{name} must be finite and >= {lower:g}; {int(bad.sum())} rows are not (first: {array[bad][0]!r})"
        )
    return array


def _table(
    code: np.ndarray,
    levels: Any,
    claims: np.ndarray,
    expected: np.ndarray,
    exposure: np.ndarray,
    k: float,
    parent: Any,
    toward: np.ndarray | None,
) -> pd.DataFrame:
    m = len(levels)
    n = np.bincount(code, claims, minlength=m)
    w = np.bincount(code, expected, minlength=m)
    ae = n / w
    z = w / (w + k) if np.isfinite(k) else np.zeros(m)
    base = np.ones(m) if toward is None else toward
    columns: dict[str, Any] = {"level": np.asarray(levels, dtype=object)}
    if parent is not None:
        columns["parent"] = np.asarray(parent, dtype=object)
    columns |= {
        "exposure": np.bincount(code, exposure, minlength=m),
        "expected": w,
        "claims": n,
        "ae": ae,
        "credibility": z,
        "relativity": z * ae + (1.0 - z) * base,
    }
    return pd.DataFrame(columns)
