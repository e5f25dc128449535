"""Residuals, leverage and influence of a fitted pricing GLM.

:func:`diagnose` rebuilds the design, weights and offset the model was
fitted on (from the same data and ``fit`` arguments) and returns a
:class:`GLMDiagnostics`: per row the deviance, Pearson, working and
randomised quantile residuals, the leverage, standardised residuals and
Cook's distance, with charts against fitted values and by factor level.

Definitions (``w`` the prior weight, ``V(mu) = mu**p``, ``phi`` the model's
``dispersion_``, ``h`` the leverage), as statsmodels' ``GLMResults`` and R's
``residuals.glm`` / ``cooks.distance``:

- deviance ``sign(y - mu) sqrt(w d(y, mu))``, ``d`` the unit deviance;
- Pearson ``sqrt(w) (y - mu) / sqrt(V(mu))``; working ``(y - mu) / mu`` (log link);
- leverage: the diagonal of the weighted hat matrix with the IRLS weights
  ``w mu**(2 - p)`` (the expected information: statsmodels'
  ``get_influence(observed=False)``, R's ``hatvalues``);
- standardised ``r / sqrt(phi (1 - h))`` of the deviance and Pearson residuals;
- Cook's distance ``r_P**2 h / (phi (1 - h)**2 k)``, ``k`` the number of parameters;
- randomised quantile residuals (Dunn & Smyth 1996): ``Phi^-1(u)`` with
  ``u`` uniform between ``F(y-)`` and ``F(y)`` under the fitted
  distribution, standard normal when the model is right. Defined for
  Poisson (unit weights: a weighted Poisson is not a distribution), Gamma,
  inverse Gaussian and Tweedie (its distribution function by
  :func:`~autorisk.models.tweedie_density.tweedie_cdf`); not for
  quasi-Poisson, which has no distribution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special, stats
from sklearn.utils.validation import check_is_fitted

from autorisk.errors import ModelError, ParameterError, SchemaError, levels_text
from autorisk.evaluate.deviance import unit_deviance
from autorisk.models.families import Family
from autorisk.models.glm_engine import FittedArrays, _PricingGLM
from autorisk.models.glm_numerics import hat_diagonal
from autorisk.models.tweedie_density import tweedie_cdf

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["GLMDiagnostics", "diagnose", "quantile_residuals"]

#: The residuals of :class:`GLMDiagnostics`, by the name ``kind=`` takes.
RESIDUAL_KINDS = ("quantile", "deviance", "pearson", "working", "response", "std_deviance", "std_pearson")
#: How far (relative) the deviance of the rebuilt fit may be from the model's before the data are refused.
SAME_FIT_RTOL = 1e-6
#: Numeric factors are shown in this many equal-count bins by :meth:`GLMDiagnostics.plot_residuals_by`.
NUMERIC_BINS = 10


def quantile_residuals(
    family: Family, y: np.ndarray, mu: np.ndarray, weights: np.ndarray, dispersion: float, seed: int | None = 0
) -> np.ndarray:
    """Randomised quantile residuals (Dunn & Smyth 1996) of a fitted family, seeded.

    ``Phi^-1(u)`` with ``u`` drawn uniformly between ``F(y-)`` and ``F(y)``
    (a continuous distribution has ``u = F(y)``); rows of zero weight get NaN.

    Parameters
    ----------
    family : Family
        The fitted family (``model.family_``): Poisson, Gamma, inverse
        Gaussian or Tweedie.
    y, mu, weights : ndarray
        Response, fitted means and prior weights, on the engine's scale.
    dispersion : float
        The dispersion ``phi`` (1 for Poisson); row ``i`` has ``phi / w_i``.
    seed : int or None, default 0
        Seed of the uniform draws (only discrete outcomes use them: counts,
        and a Tweedie zero).

    Returns
    -------
    ndarray

    Raises
    ------
    ModelError
        For quasi-Poisson (no distribution), or Poisson with weights other than 1.

    Examples
    --------
    A Gamma response at its median has residual 0:

    >>> from autorisk.models.families import GAMMA
    >>> from scipy import stats
    >>> median = stats.gamma.median(a=2.0, scale=0.5)
    >>> quantile_residuals(GAMMA, np.array([median]), np.array([1.0]), np.array([1.0]), dispersion=0.5).round(12)
    array([0.])
    """
    y, mu, weights = (np.asarray(a, dtype=float) for a in (y, mu, weights))
    used = weights > 0
    lower, upper = np.zeros_like(y), np.zeros_like(y)
    yu, mu_u, wu = y[used], mu[used], weights[used]
    if family.name == "quasi_poisson":
        raise ModelError("quantile residuals need a distribution, which quasi-Poisson does not have")
    if family.name == "poisson":
        if np.any(wu != 1):
            raise ModelError(
                "quantile residuals of a Poisson fit with sample weights other than 1 are not defined "
                "(a weighted Poisson is not a distribution of the counts)"
            )
        lower[used], upper[used] = stats.poisson.cdf(yu - 1, mu_u), stats.poisson.cdf(yu, mu_u)
    elif family.name == "gamma":
        shape = wu / dispersion
        lower[used] = upper[used] = stats.gamma.cdf(yu, a=shape, scale=mu_u / shape)
    elif family.name == "inverse_gaussian":
        shape = wu / dispersion  # lambda of IG(mu, lambda), variance mu**3 / lambda
        lower[used] = upper[used] = stats.invgauss.cdf(yu, mu_u / shape, scale=shape)
    elif family.name == "tweedie":
        cdf = tweedie_cdf(yu, mu_u, dispersion, family.power, wu)
        lower[used] = np.where(yu == 0, 0.0, cdf)
        upper[used] = cdf
    else:
        raise ModelError(f"no quantile residuals for the {family.name} family")
    u = lower + np.random.default_rng(seed).uniform(size=y.shape) * (upper - lower)
    tiny = np.finfo(float).tiny
    residuals = special.ndtri(np.clip(u, tiny, 1.0 - np.finfo(float).epsneg))
    return np.where(used, residuals, np.nan)


def diagnose(model: _PricingGLM, X: pd.DataFrame, y: Any, *, seed: int | None = 0, **fit_params: Any) -> GLMDiagnostics:
    """Residuals, leverage and Cook's distance of a fitted GLM on the data it was fitted on.

    Parameters
    ----------
    model : FrequencyGLM, SeverityGLM or TweedieGLM
        A fitted model.
    X : DataFrame
        The rating factors it was fitted on (other columns are kept for
        :meth:`GLMDiagnostics.plot_residuals_by`).
    y : array-like
        The response it was fitted on.
    seed : int or None, default 0
        Seed of the randomised quantile residuals.
    **fit_params
        The other arguments of the model's ``fit`` (``exposure=``,
        ``claim_count=``, ``sample_weight=``), as at fit.

    Returns
    -------
    GLMDiagnostics

    Raises
    ------
    ModelError
        If the data do not reproduce the model's fit (other rows, response or
        weights: the deviance differs), or the design is singular.

    Notes
    -----
    Leverage and Cook's distance are properties of the fit, so only the
    training data are accepted. For a penalised model they are computed, as
    its standard errors are, from the unpenalised information at the
    penalised estimates: they ignore the shrinkage.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> X = pd.DataFrame({"area": list("aaaabbbb")})
    >>> claims, exposure = [1, 0, 0, 1, 2, 2, 3, 1], [2.5] * 8
    >>> model = FrequencyGLM(["area"]).fit(X, claims, exposure=exposure)
    >>> checks = diagnose(model, X, claims, exposure=exposure)
    >>> checks.table[["fitted", "deviance", "pearson", "leverage"]].round(3).head(2)
       fitted  deviance  pearson  leverage
    0     0.5     0.622    0.707      0.25
    1     0.5    -1.000   -0.707      0.25
    >>> round(float(checks.table["leverage"].sum()), 6)  # the number of parameters
    2.0
    """
    check_is_fitted(model, "params_")
    arrays = model._fitted_arrays(X, y, **fit_params)
    deviance = model.family_.deviance(arrays.response, arrays.mu, arrays.weights)
    if len(arrays.response) != model.n_obs_ or not np.isclose(deviance, model.deviance_, rtol=SAME_FIT_RTOL, atol=1e-9):
        raise ModelError(
            f"diagnostics need the data the model was fitted on: these give {len(arrays.response)} rows and deviance "
            f"{deviance:.8g}, the fit had {model.n_obs_} rows and deviance {model.deviance_:.8g}"
        )
    return GLMDiagnostics(model, arrays, seed=seed)


class GLMDiagnostics:
    """Per-row residuals, leverage and influence of a fitted GLM, with charts (see :func:`diagnose`).

    Parameters
    ----------
    model : fitted pricing GLM
        The model.
    arrays : FittedArrays
        What it was fitted on (``model._fitted_arrays(X, y, **fit_params)``).
    seed : int or None, default 0
        Seed of the randomised quantile residuals.

    Attributes
    ----------
    table : DataFrame
        Indexed like the fitted rows (a severity model's rows with claims):
        ``response`` and ``fitted`` on the engine's scale (a claim count, an
        average claim, an amount per unit of exposure), ``weight`` (prior
        weight: 1, the claim count, the exposure), the residuals ``resid``
        (``y - mu``), ``deviance``, ``pearson``,
        ``working``, ``quantile`` (NaN where the family has none),
        ``leverage``, ``std_deviance``, ``std_pearson`` and ``cooks_distance``.
    dispersion : float
        The model's ``dispersion_`` the standardised residuals divide by.
    n_params : int
        Number of parameters (intercept included).

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.models import SeverityGLM
    >>> X = pd.DataFrame({"area": ["a", "a", "b", "b", "b"]})
    >>> amount, counts = [1000.0, 3000.0, 2000.0, 6000.0, 1500.0], [1, 1, 1, 2, 1]
    >>> checks = SeverityGLM(["area"]).fit(X, amount, claim_count=counts).diagnostics(X, amount, claim_count=counts)
    >>> checks.table["weight"].tolist(), round(float(checks.table["leverage"].sum()), 6)
    ([1.0, 1.0, 1.0, 2.0, 1.0], 2.0)
    """

    def __init__(self, model: _PricingGLM, arrays: FittedArrays, *, seed: int | None = 0):
        family: Family = model.family_
        y, mu, w = arrays.response, arrays.mu, arrays.weights
        self.model = model
        self.dispersion = float(model.dispersion_)
        self.n_params = len(model.params_)
        self.family_name = family.name
        self._table_rows = arrays.table
        self._frame = arrays.frame
        leverage = hat_diagonal(arrays.matrix, family.working_weights(mu, w))
        deviance = np.sign(y - mu) * np.sqrt(np.maximum(w * unit_deviance(y, mu, family.power), 0.0))
        pearson = np.sqrt(w) * (y - mu) / np.sqrt(family.variance(mu))
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.sqrt(self.dispersion * (1.0 - leverage))
            std_pearson = pearson / scale
            cooks = std_pearson**2 * leverage / (1.0 - leverage) / self.n_params
            std_deviance = deviance / scale
        try:
            quantile = quantile_residuals(family, y, mu, w, self.dispersion, seed)
            self.quantile_note = ""
        except ModelError as error:
            quantile = np.full(len(y), np.nan)
            self.quantile_note = str(error)
        self.table = pd.DataFrame(
            {
                "response": y, "fitted": mu, "weight": w, "resid": y - mu, "deviance": deviance, "pearson": pearson,
                "working": (y - mu) / mu, "quantile": quantile, "leverage": leverage, "std_deviance": std_deviance,
                "std_pearson": std_pearson, "cooks_distance": cooks,
            },
            index=arrays.table.index,
        )  # fmt: skip

    # ------------------------------------------------------------- numbers
    def residuals(self, kind: str = "quantile") -> pd.Series:
        """One kind of residual per row.

        Parameters
        ----------
        kind : {"quantile", "deviance", "pearson", "working", "response", "std_deviance", "std_pearson"}
            ``"response"`` is ``y - mu``.

        Returns
        -------
        Series

        Examples
        --------
        >>> import pandas as pd
        >>> from autorisk.models import FrequencyGLM
        >>> X = pd.DataFrame({"area": list("aabb")})
        >>> model = FrequencyGLM(["area"]).fit(X, [0, 2, 1, 3])
        >>> model.diagnostics(X, [0, 2, 1, 3]).residuals("response").tolist()
        [-1.0, 1.0, -1.0, 1.0]
        """
        if kind not in RESIDUAL_KINDS:
            raise ParameterError(f"kind must be one of {RESIDUAL_KINDS}, got {kind!r}")
        if kind == "quantile" and self.quantile_note:
            raise ModelError(self.quantile_note)
        column = "resid" if kind == "response" else kind
        return self.table[column].rename(kind)

    def statistics(self) -> dict[str, Any]:
        """Headline numbers: rows, parameters, dispersion, quantile residuals' moments, extremes.

        Returns
        -------
        dict
            ``rows``, ``parameters``, ``dispersion``, ``quantile mean``,
            ``quantile sd`` (about 0 and 1 under a right model), ``|std
            deviance| > 3`` (rows), ``max leverage``, ``max Cook's distance``
            and the row holding it.

        Examples
        --------
        >>> import pandas as pd
        >>> from autorisk.models import FrequencyGLM
        >>> X = pd.DataFrame({"area": list("aabb")})
        >>> FrequencyGLM(["area"]).fit(X, [0, 2, 1, 3]).diagnostics(X, [0, 2, 1, 3]).statistics()["max leverage"]
        0.5
        """
        t = self.table
        q = t["quantile"].dropna()
        return {
            "family": self.family_name,
            "rows": len(t),
            "parameters": self.n_params,
            "dispersion": self.dispersion,
            "quantile mean": float(q.mean()) if len(q) else np.nan,
            "quantile sd": float(q.std(ddof=1)) if len(q) > 1 else np.nan,
            "|std deviance| > 3": int((t["std_deviance"].abs() > 3).sum()),
            "max leverage": float(t["leverage"].max()),
            "max Cook's distance": float(t["cooks_distance"].max()),
            "row of max Cook's distance": t["cooks_distance"].idxmax() if t["cooks_distance"].notna().any() else None,
        }

    # -------------------------------------------------------------- charts
    def plot_residuals(self, kind: str = "quantile", *, ax: Axes | None = None) -> Axes:
        """Residuals against fitted values (:func:`~autorisk.evaluate.residual_plots.plot_residuals`).

        Parameters
        ----------
        kind : str, default "quantile"
            As :meth:`residuals`.
        ax : Axes, optional
            Axes to draw on; default a new figure.

        Returns
        -------
        Axes

        Examples
        --------
        >>> import pandas as pd
        >>> from autorisk.models import FrequencyGLM
        >>> X = pd.DataFrame({"area": list("aabb")})
        >>> ax = FrequencyGLM(["area"]).fit(X, [0, 2, 1, 3]).diagnostics(X, [0, 2, 1, 3]).plot_residuals()
        >>> len(ax.collections[0].get_offsets())
        4
        """
        from autorisk.evaluate.residual_plots import plot_residuals

        return plot_residuals(self.table["fitted"], self.residuals(kind), label=f"{kind} residual", ax=ax)

    def plot_residuals_by(self, factor: str, kind: str = "quantile", *, level: float = 0.95, ax: Axes | None = None) -> Axes:
        """Mean residual per level of a factor with its interval (:func:`~autorisk.evaluate.residual_plots.plot_residuals_by_level`).

        Parameters
        ----------
        factor : str
            A factor of the model (levels as the model sees them: grouped,
            banded), or any other column of the data passed to
            :func:`diagnose` (a candidate factor); numeric columns that are
            not categorical terms are cut into :data:`NUMERIC_BINS`
            equal-count bins.
        kind : str, default "quantile"
            As :meth:`residuals`.
        level : float, default 0.95
            Coverage of the intervals.
        ax : Axes, optional
            Axes to draw on; default a new figure.

        Returns
        -------
        Axes

        Examples
        --------
        >>> import pandas as pd
        >>> from autorisk.models import FrequencyGLM
        >>> X = pd.DataFrame({"area": list("aabbcc"), "use": list("pbpbpb")})
        >>> checks = FrequencyGLM(["area"]).fit(X, [0, 2, 1, 3, 1, 1]).diagnostics(X, [0, 2, 1, 3, 1, 1])
        >>> len(checks.plot_residuals_by("use", "deviance").lines[0].get_xdata())
        2
        """
        from autorisk.evaluate.residual_plots import plot_residuals_by_level

        return plot_residuals_by_level(self.levels_of(factor), self.residuals(kind), name=factor,
                                       label=f"{kind} residual", level=level, ax=ax)  # fmt: skip

    def levels_of(self, factor: str) -> pd.Series:
        """The level of each row for :meth:`plot_residuals_by`: a model term's levels, or the column (binned if numeric).

        Parameters
        ----------
        factor : str
            A factor of the model or a column of the data.

        Returns
        -------
        Series
            Indexed like :attr:`table`.

        Examples
        --------
        >>> import pandas as pd
        >>> from autorisk.models import FrequencyGLM
        >>> X = pd.DataFrame({"area": list("aabb")})
        >>> FrequencyGLM(["area"]).fit(X, [0, 2, 1, 3]).diagnostics(X, [0, 2, 1, 3]).levels_of("area").tolist()
        ['a', 'a', 'b', 'b']
        """
        terms = {term.name: term for term in self.model.design_.terms}
        if factor in terms and terms[factor].is_categorical:
            natural = list(terms[factor].levels)
            values = self._frame[factor].astype(pd.CategoricalDtype(natural))
            return pd.Series(values.to_numpy(), index=self.table.index, name=factor)
        if factor not in self._table_rows.columns:
            raise SchemaError(f"{factor!r} is neither a factor of the model nor a column of the data; "
                              f"columns: {levels_text(list(self._table_rows.columns))}")  # fmt: skip
        values = self._table_rows[factor]
        if pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype, pd.CategoricalDtype):
            if values.nunique() > NUMERIC_BINS:
                values = pd.qcut(values, NUMERIC_BINS, duplicates="drop")
        return values.rename(factor)

    # ------------------------------------------------------------- display
    def _statistics_frame(self) -> pd.DataFrame:
        shown = {k: (f"{v:.4g}" if isinstance(v, float) else str(v)) for k, v in self.statistics().items()}
        return pd.DataFrame({"value": list(shown.values())}, index=list(shown))

    def __repr__(self) -> str:
        title = f"{type(self.model).__name__} diagnostics"
        note = f"\nquantile residuals: {self.quantile_note}" if self.quantile_note else ""
        return f"{title}\n{'=' * len(title)}\n{self._statistics_frame().to_string(header=False)}{note}"

    def _repr_html_(self) -> str:
        note = f"<p>quantile residuals: {self.quantile_note}</p>" if self.quantile_note else ""
        return f"<h4>{type(self.model).__name__} diagnostics</h4>" + self._statistics_frame().to_html(header=False) + note
