"""Logistic demand GLMs: retention (renew or lapse) and conversion (quote to sale).

The design is the pricing GLMs' (:class:`~autorisk.models.design.Design`:
base levels, bands, interactions), with one numeric column per price term
(``log(offered / last)``, ``log(offered / market)``, ``log(offered /
technical)``) and, for each segment named in ``price_interactions``, a
slope per level of the segment. glum fits the binomial likelihood with the
logit link; with ``monotone=True`` every price slope of every segment is
held ``<= 0`` (so retention never rises with the price), by glum's
coefficient bounds or linear inequality constraints, and the slopes held at
0 are named in ``slopes_held_``.

As every price term is ``log(price) - log(reference)``, the logit is
``a + b log(price)`` per row, ``b`` the sum of the row's price slopes:
:meth:`log_linear_price_response` hands ``(a, b)`` to the optimiser, and the
elasticity of retention is ``b (1 - P)`` exactly.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats
from sklearn.utils.validation import check_is_fitted

from autorisk.demand import _prices
from autorisk.demand._base import _DemandModel
from autorisk.demand._binomial import fit_logistic, loglik, null_loglik
from autorisk.errors import ParameterError
from autorisk.models.design import Design, _design_order
from autorisk.models.families import Family
from autorisk.models.glm_numerics import tabmat_design as _tabmat_design

#: The GLMs' family record for a binomial outcome: dispersion 1 (z statistics).
BINOMIAL = Family("binomial", 0.0, True)
#: Most segment combinations whose price slopes the monotone constraint enumerates.
MAX_SLOPE_CELLS = 5_000


def tabmat_design(frame: pd.DataFrame):
    """The pricing GLMs' tabmat design, without tabmat's notice that it copies a non-contiguous block."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Input array is not contiguous", category=UserWarning)
        return _tabmat_design(frame)


class _DemandGLM(_DemandModel):
    """Shared engine of the logistic demand GLMs; use RetentionGLM or ConversionGLM."""

    #: No restricted factors (what the pricing GLMs' coefficient table reads).
    restrict = None

    # -------------------------------------------------------------- fitting
    def fit(self, X: pd.DataFrame, y: Any, sample_weight: Any = None) -> _DemandGLM:
        """Fit the outcome ``y`` (1 renewed or bought, 0 not) on the factors and price terms of ``X``.

        Parameters
        ----------
        X : DataFrame
            Factors and price columns.
        y : array-like
            1 (renewed, or bought) or 0 per row.
        sample_weight : array-like, optional
            Prior weights ``>= 0`` (default 1).

        Returns
        -------
        self
        """
        X, outcome, weights, values = self._prepare(X, y, sample_weight)
        segments = self._segments()
        columns = [_prices.PRICE_TERMS[t][1] for t in self.price_terms_]
        frame = _prices.term_frame(X, self.factors_, self.price_terms_, values)
        self.design_ = Design(
            [*self.factors_, *columns],
            base_levels=self.base_levels,
            bands=self.bands,
            n_bands=self.n_bands,
            interactions=[*(tuple(p) for p in (self.interactions or [])), *((s, c) for c in columns for s in segments)],
            unseen=self.unseen,
            missing=self.missing,
        ).fit(frame, exposure=weights)
        for s in segments:
            if not self._term(s).is_categorical:
                raise ParameterError(f"price_interactions: {s!r} is numeric; band it (bands={{{s!r}: ...}}) to give each band a slope")
        names = self.design_.coef_names
        constraints, labels = self._slope_cells(names, columns) if self.monotone else (None, [])
        matrix = tabmat_design(self.design_.transform(frame))
        beta, covariance, active, n_iter = fit_logistic(matrix, outcome, weights, constraints, tol=self.tol, max_iter=self.max_iter)
        index = ["(intercept)", *names]
        self.params_ = pd.Series(beta, index=index, name="coef")
        self.intercept_, self.coef_ = float(beta[0]), beta[1:].copy()
        self.cov_params_ = pd.DataFrame(covariance, index=index, columns=index)
        self.family_ = BINOMIAL
        self.n_iter_ = n_iter
        self.slope_cells_ = constraints if constraints is not None else np.zeros((0, len(names)))
        self.slope_labels_ = labels
        self.slopes_held_ = [label for label, held in zip(labels, active, strict=True) if held]
        self.monotone_ = (
            "not constrained (monotone=False)" if not self.monotone
            else "constrained: price slopes held at 0: " + ", ".join(self.slopes_held_) if self.slopes_held_
            else "every price slope <= 0 without constraint"
        )  # fmt: skip
        eta = beta[0] + matrix.matvec(beta[1:])
        n, p = len(outcome), len(beta) - int(active.sum())
        self.n_obs_, self.df_resid_ = n, n - p
        self.loglik_ = loglik(eta, outcome, weights)
        self.deviance_ = -2.0 * self.loglik_
        self.null_deviance_ = -2.0 * null_loglik(outcome, weights)
        self.aic_, self.bic_ = -2 * self.loglik_ + 2 * p, -2 * self.loglik_ + p * np.log(n)
        return self

    def _segments(self) -> list[str]:
        segments = list(self.price_interactions or [])
        if isinstance(self.price_interactions, str):
            raise ParameterError(f"price_interactions must be a list of factors, got the string {self.price_interactions!r}")
        stray = [s for s in segments if s not in self.factors_]
        if stray or len(set(segments)) != len(segments):
            raise ParameterError(f"price_interactions must name factors, once each: got {segments}; factors: {self.factors_}")
        return segments

    def _term(self, name: str):
        return next(t for t in self.design_.terms if t.name == name)

    def _price_coef_names(self, column: str) -> list[str]:
        """The coefficients of a price term's slope: its own and one per non-base level of each segment."""
        out = [column]
        for s in self.price_interactions or []:
            out += [f"{s}[{level}]:{column}" for level in _design_order(self._term(s))[1:]]
        return out

    def _slope_cells(self, names: list[str], columns: list[str]) -> tuple[np.ndarray, list[str]]:
        """One row per price term and combination of segment levels: the coefficients summing to its slope."""
        segments = list(self.price_interactions or [])
        orders = [_design_order(self._term(s)) for s in segments]
        n_cells = int(np.prod([len(o) for o in orders])) * len(columns)
        if n_cells > MAX_SLOPE_CELLS:
            raise ParameterError(
                f"price_interactions {segments} make {n_cells} price slopes to constrain (more than {MAX_SLOPE_CELLS}): "
                "interact fewer or coarser segments"
            )
        rows, labels = [], []
        for term, column in zip(self.price_terms_, columns, strict=True):
            for combination in itertools.product(*orders):
                row = np.zeros(len(names))
                row[names.index(column)] = 1.0
                for s, order, level in zip(segments, orders, combination, strict=True):
                    if level != order[0]:
                        row[names.index(f"{s}[{level}]:{column}")] = 1.0
                rows.append(row)
                where = ", ".join(f"{s}={level!r}" for s, level in zip(segments, combination, strict=True))
                labels.append(f"{term} ({where})" if where else term)
        return np.array(rows), labels

    # ----------------------------------------------------------- prediction
    def _components(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: the logit without price terms, each term's slope ``(n, terms)``, log reference prices."""
        check_is_fitted(self, "params_")
        X = self._rows(X)
        logs = _prices.log_references(X, self.price_columns_, self.price_terms_)
        frame = self.design_.transform(_prices.term_frame(X, self.factors_, self.price_terms_, np.ones_like(logs)))
        price_index = self._price_indices()
        rest = self.coef_.copy()
        rest[[i for indices in price_index.values() for i in indices]] = 0.0
        base = self.intercept_ + tabmat_design(frame).matvec(rest) if len(rest) else np.full(len(X), self.intercept_)
        names = self.design_.coef_names
        slopes = np.column_stack([
            frame[[names[i] for i in indices]].to_numpy(dtype=float) @ self.coef_[indices] for indices in price_index.values()
        ])  # fmt: skip
        return base, slopes, logs

    def _price_indices(self) -> dict[str, list[int]]:
        names = self.design_.coef_names
        columns = [_prices.PRICE_TERMS[t][1] for t in self.price_terms_]
        return {c: [names.index(n) for n in self._price_coef_names(c)] for c in columns}

    def log_linear_price_response(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """``(a, b)`` per row with ``logit P(price) = a + b log(price)``.

        Parameters
        ----------
        X : DataFrame
            The model's factors and price columns (the offered price is not read).

        Returns
        -------
        tuple of ndarray
            ``a`` and ``b``, each of shape ``(n,)``; ``b <= 0`` with ``monotone=True``.
        """
        base, slopes, logs = self._components(X)
        return base - np.sum(slopes * logs, axis=1), slopes.sum(axis=1)

    def predict_retention(self, X: pd.DataFrame, price: Any = None) -> np.ndarray:
        """Probability of the outcome at ``price``: ``expit(a + b log(price))``.

        Parameters
        ----------
        X : DataFrame
            The model's factors and price columns.
        price : array-like, optional
            None (the offered column of ``X``), one price per row (``(n,)``)
            or ``k`` prices per row (``(n, k)``).

        Returns
        -------
        ndarray
            The shape of ``price`` (``(n,)`` when None).
        """
        a, b = self.log_linear_price_response(X)
        log_price = np.log(_prices.offered_prices(X, self.price_columns_, price))
        if log_price.ndim == 2:
            a, b = a[:, None], b[:, None]
        return special.expit(a + b * log_price)

    def elasticity(self, X: pd.DataFrame, price: Any = None) -> np.ndarray:
        """``d log P / d log price = b (1 - P)`` per row (analytic).

        Parameters
        ----------
        X : DataFrame
            The model's factors and price columns.
        price : array-like, optional
            As :meth:`predict_retention` (default the offered column).

        Returns
        -------
        ndarray
            The shape of ``price``.
        """
        _, b = self.log_linear_price_response(X)
        p = self.predict_retention(X, price)
        return (b if p.ndim == 1 else b[:, None]) * (1.0 - p)

    # -------------------------------------------------------------- tables
    def coef_table(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficients, standard errors, z, p-values, intervals and odds ratios (``relativity``), base levels included.

        The pricing GLMs' table (:func:`autorisk.models.inference.coef_table`):
        on the logit scale ``exp(coef)`` is an odds ratio.

        Parameters
        ----------
        level : float, default 0.95

        Returns
        -------
        DataFrame
        """
        from autorisk.models import inference

        check_is_fitted(self, "params_")
        return inference.coef_table(self, level)

    def relativities(self, level: float = 0.95) -> pd.DataFrame:
        """Odds ratios by level of each categorical or banded factor, with intervals and weight per level.

        Parameters
        ----------
        level : float, default 0.95

        Returns
        -------
        DataFrame
        """
        from autorisk.models import inference

        check_is_fitted(self, "params_")
        return inference.relativities(self, level)

    def price_slopes(self, level: float = 0.95) -> pd.DataFrame:
        """Each price term's slope per segment combination, with standard error, interval and status.

        ``status`` is ``"held at 0"`` for a slope the monotone constraint
        holds at its bound (its standard error is then 0), else ``"estimated"``.

        Parameters
        ----------
        level : float, default 0.95

        Returns
        -------
        DataFrame
            Columns ``slope``, ``std_err``, ``ci_lower``, ``ci_upper``, ``status``, indexed by label.
        """
        check_is_fitted(self, "params_")
        if len(self.slope_cells_):
            cells, labels = self.slope_cells_, self.slope_labels_
        else:  # monotone=False: the same cells, none constrained
            cells, labels = self._slope_cells(self.design_.coef_names, [_prices.PRICE_TERMS[t][1] for t in self.price_terms_])
        covariance = self.cov_params_.to_numpy()[1:, 1:]
        slope = cells @ self.coef_
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", cells, covariance, cells), 0.0))
        z = stats.norm.ppf(0.5 + level / 2)
        held = set(self.slopes_held_)
        return pd.DataFrame(
            {"slope": slope, "std_err": se, "ci_lower": slope - z * se, "ci_upper": slope + z * se,
             "status": ["held at 0" if label in held else "estimated" for label in labels]},
            index=pd.Index(labels, name="price slope"),
        )  # fmt: skip

    # ------------------------------------------------------------ save, load
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to the JSON file ``path`` (no pickle) and return the path.

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        Path
        """
        from autorisk.demand import persistence

        return persistence.save_glm(self, path)


_GLM_PARAMETERS = """
    factors : list of str, optional
        Segment columns entering as main effects (categorical, banded or
        numeric, as the pricing GLMs); default every column but the price columns.
    offered : str, default "offered"
        Column of the price offered (quoted).{last}
    market : str, optional
        Column of a market price proxy: the term ``log(offered / market)``.
    technical : str, optional
        Column of the technical premium: the term ``log(offered / technical)``,
        the price change net of the technical re-rating (remedy (a) for
        prices that follow risk; ``remedy_`` says which remedy the fit has).
    price_terms : list of str, optional
        Among {terms}; default every term whose column is named.
    price_interactions : list of str, optional
        Categorical (or banded) factors giving each price term a slope per level.
    monotone : bool, default True
        Hold every price slope of every segment ``<= 0``.
    base_levels, bands, n_bands, interactions, unseen, missing
        As :class:`~autorisk.models.FrequencyGLM`; the weights play the part of the exposure.
    tol : float, default 1e-8
        Gradient tolerance of glum's solver (Newton steps then polish to round-off).
    max_iter : int, default 100"""

_GLM_ATTRIBUTES = """
    params_ : Series
        Intercept and coefficients (logit scale); ``intercept_``, ``coef_``.
    cov_params_ : DataFrame
        Inverse Fisher information (in the null space of the slopes held at 0).
    price_columns_ : dict
        ``{role: column}`` of the price columns read.
    price_terms_ : list of str
    factors_, feature_names_in_ : list, ndarray
        The non-price columns read.
    slopes_held_ : list of str
        Price slopes the monotone constraint holds at 0 (empty if none).
    monotone_ : str
        How the monotone constraint was met.
    remedy_ : str
        Which remedy for non-random prices the fit has.
    design_ : Design
    deviance_, null_deviance_, loglik_, aic_, bic_ : float
    n_obs_, df_resid_, n_iter_ : int"""


class RetentionGLM(_DemandGLM):
    """Renewal retention GLM: logistic in the segments and the price terms, retention non-increasing in price.

    Parameters
    ----------<parameters>

    Attributes
    ----------<attributes>

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 4_000
    >>> X = pd.DataFrame({"age": rng.choice(["young", "old"], n), "last": 500.0})
    >>> X["offered"] = X["last"] * np.exp(rng.normal(0, 0.1, n))
    >>> logit = 1.5 - 4.0 * np.log(X["offered"] / X["last"])
    >>> renewed = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    >>> model = RetentionGLM(["age"]).fit(X, renewed)
    >>> model.price_columns_
    {'offered': 'offered', 'last': 'last'}
    >>> bool(-5.0 < model.params_["log_price_change"] < -3.0)
    True
    >>> p = model.predict_retention(X.head(2), np.array([[450.0, 500.0, 550.0]] * 2))
    >>> p.shape, bool(np.all(np.diff(p, axis=1) < 0))
    ((2, 3), True)
    """

    _outcome = "renewed"

    def __init__(
        self,
        factors: Sequence[str] | None = None,
        *,
        offered: str = "offered",
        last: str | None = "last",
        market: str | None = None,
        technical: str | None = None,
        price_terms: Sequence[str] | None = None,
        price_interactions: Sequence[str] | None = None,
        monotone: bool = True,
        base_levels: Mapping[str, Any] | None = None,
        bands: Mapping[str, str | Sequence[float]] | None = None,
        n_bands: int = 5,
        interactions: Sequence[tuple[str, str]] | None = None,
        unseen: str = "raise",
        missing: str = "raise",
        tol: float = 1e-8,
        max_iter: int = 100,
    ):
        self.factors = factors
        self.offered = offered
        self.last = last
        self.market = market
        self.technical = technical
        self.price_terms = price_terms
        self.price_interactions = price_interactions
        self.monotone = monotone
        self.base_levels = base_levels
        self.bands = bands
        self.n_bands = n_bands
        self.interactions = interactions
        self.unseen = unseen
        self.missing = missing
        self.tol = tol
        self.max_iter = max_iter


class ConversionGLM(_DemandGLM):
    """New-business conversion GLM (quote to sale): as :class:`RetentionGLM` without a last price.

    Parameters
    ----------<parameters>

    Attributes
    ----------<attributes>

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> n = 4_000
    >>> X = pd.DataFrame({"channel": rng.choice(["web", "broker"], n), "market": 400.0})
    >>> X["offered"] = X["market"] * np.exp(rng.normal(0, 0.15, n))
    >>> sold = (rng.random(n) < 1 / (1 + np.exp(-(-1.0 - 3.0 * np.log(X["offered"] / X["market"]))))).astype(int)
    >>> model = ConversionGLM(["channel"], market="market").fit(X, sold)
    >>> model.price_terms_, bool(-4.0 < model.params_["log_competitiveness"] < -2.0)
    (['competitiveness'], True)
    """

    _roles = ("offered", "market", "technical")
    _outcome = "sold"

    def __init__(
        self,
        factors: Sequence[str] | None = None,
        *,
        offered: str = "offered",
        market: str | None = None,
        technical: str | None = None,
        price_terms: Sequence[str] | None = None,
        price_interactions: Sequence[str] | None = None,
        monotone: bool = True,
        base_levels: Mapping[str, Any] | None = None,
        bands: Mapping[str, str | Sequence[float]] | None = None,
        n_bands: int = 5,
        interactions: Sequence[tuple[str, str]] | None = None,
        unseen: str = "raise",
        missing: str = "raise",
        tol: float = 1e-8,
        max_iter: int = 100,
    ):
        self.factors = factors
        self.offered = offered
        self.market = market
        self.technical = technical
        self.price_terms = price_terms
        self.price_interactions = price_interactions
        self.monotone = monotone
        self.base_levels = base_levels
        self.bands = bands
        self.n_bands = n_bands
        self.interactions = interactions
        self.unseen = unseen
        self.missing = missing
        self.tol = tol
        self.max_iter = max_iter


_LAST = """
    last : str, default "last"
        Column of last year's premium: the term ``log(offered / last)``, the log price change."""
RetentionGLM.__doc__ = (RetentionGLM.__doc__ or "").replace(
    "<parameters>", _GLM_PARAMETERS.format(last=_LAST, terms='"change", "competitiveness", "net"')
).replace("<attributes>", _GLM_ATTRIBUTES)
ConversionGLM.__doc__ = (ConversionGLM.__doc__ or "").replace(
    "<parameters>", _GLM_PARAMETERS.format(last="", terms='"competitiveness", "net"')
).replace("<attributes>", _GLM_ATTRIBUTES)

__all__ = ["ConversionGLM", "RetentionGLM"]
