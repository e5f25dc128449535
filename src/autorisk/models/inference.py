"""What actuaries read off a fitted GLM: coefficient tables, relativities, tests, summaries."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone

from autorisk.errors import ParameterError

if TYPE_CHECKING:
    from autorisk.models.glm import _PricingGLM

COEF_COLUMNS = [
    "coef", "std_err", "z", "p_value", "ci_lower", "ci_upper",
    "relativity", "relativity_lower", "relativity_upper", "status",
]
"""Columns of :func:`coef_table` when the dispersion is fixed (Poisson): a ``z`` statistic."""

COEF_COLUMNS_T = ["t" if column == "z" else column for column in COEF_COLUMNS]
"""Columns of :func:`coef_table` when the dispersion is estimated: a ``t`` statistic."""


def dispersion_is_estimated(model: Any) -> bool:
    """Whether a fitted GLM's dispersion was estimated from the data (not fixed at 1).

    Gamma, inverse Gaussian, Tweedie and quasi-Poisson models estimate it, so
    their Wald tests use Student's t and their nested-model tests F, both on the
    model's residual degrees of freedom; a Poisson model's dispersion is 1 by
    definition (normal and chi-square).

    Parameters
    ----------
    model : fitted pricing GLM
        Anything with a fitted ``family_`` (``fixed_dispersion`` attribute).

    Returns
    -------
    bool

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from autorisk.models.families import GAMMA, POISSON
    >>> dispersion_is_estimated(SimpleNamespace(family_=GAMMA)), dispersion_is_estimated(SimpleNamespace(family_=POISSON))
    (True, False)
    """
    return not model.family_.fixed_dispersion


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ParameterError(f"confidence level must be in (0, 1), got {level}")


def coef_table(model: _PricingGLM, level: float = 0.95) -> pd.DataFrame:
    """One row per (term, level), base and restricted levels included.

    ``status`` is ``"estimated"``, ``"base"`` (coefficient 0 by construction,
    no standard error) or ``"restricted"`` (fixed by the user, entered as an
    offset). Indexed by ``(term, level)``; the intercept is ``("(intercept)", "")``.

    The Wald statistic ``coef / std_err`` is referred to the normal (column
    ``z``) when the dispersion is fixed (Poisson) and to Student's t on the
    model's residual degrees of freedom (column ``t``) when it is estimated
    (Gamma, inverse Gaussian, Tweedie, quasi-Poisson), as R's ``summary.glm``
    and statsmodels' ``use_t=True`` do; the p-values and confidence intervals
    follow the same distribution. ``table.attrs`` records ``"statistic"``
    (``"z"`` or ``"t"``) and ``"df_resid"`` (the t's degrees of freedom, or
    ``None`` for the normal).
    """
    _check_level(level)
    estimated_dispersion = dispersion_is_estimated(model)
    df_resid = model.df_resid_ if estimated_dispersion else None
    reference = stats.t(df_resid) if estimated_dispersion else stats.norm()
    quantile = float(reference.ppf(0.5 + level / 2))
    statistic = "t" if estimated_dispersion else "z"
    se = np.sqrt(np.diag(model.cov_params_.to_numpy()))
    estimated = dict(zip(model.params_.index, zip(model.params_.to_numpy(), se, strict=True), strict=True))
    rows: list[tuple[Any, Any, float, float, str]] = []
    intercept = model.params_.index[0]
    rows.append((intercept, "", *estimated[intercept], "estimated"))
    for term in model.design_.terms:
        if term.is_categorical:
            rows.append((term.name, term.base_level, 0.0, np.nan, "base"))
            for level_name in term.levels:
                if level_name != term.base_level:
                    rows.append((term.name, level_name, *estimated[f"{term.name}[{level_name}]"], "estimated"))
        elif term.kind == "interaction" and term.pairs:
            for coef_name, (la, lb) in zip(term.coef_names, term.pairs, strict=True):
                rows.append((term.name, f"{la}:{lb}", *estimated[coef_name], "estimated"))
        elif term.kind == "interaction" and any(parent.is_categorical for parent in term.parents):
            # a level's slope on a numeric factor, "cat[level]:num": labelled by the level
            categorical = next(parent for parent in term.parents if parent.is_categorical)
            order = (categorical.base_level, *(v for v in categorical.levels if v != categorical.base_level))
            for coef_name, level_name in zip(term.coef_names, order[1:], strict=True):
                rows.append((term.name, level_name, *estimated[coef_name], "estimated"))
        else:
            for coef_name in term.coef_names:
                label = coef_name[len(term.name):].strip("[]") if coef_name != term.name else ""
                rows.append((term.name, label, *estimated[coef_name], "estimated"))
    for factor, relativities in (model.restrict or {}).items():
        for level_name, relativity in relativities.items():
            rows.append((factor, level_name, float(np.log(relativity)), np.nan, "restricted"))
    table = pd.DataFrame(rows, columns=["term", "level", "coef", "std_err", "status"])
    table[statistic] = table["coef"] / table["std_err"]
    table["p_value"] = 2 * reference.sf(np.abs(table[statistic]))
    fixed = table["status"] != "estimated"
    half = np.where(fixed, 0.0, quantile * table["std_err"])
    table["ci_lower"] = table["coef"] - half
    table["ci_upper"] = table["coef"] + half
    # An inestimable level (flagged by a warning at fit) has an unbounded interval: inf, not an error.
    with np.errstate(over="ignore"):
        table["relativity"] = np.exp(table["coef"])
        table["relativity_lower"] = np.exp(table["ci_lower"])
        table["relativity_upper"] = np.exp(table["ci_upper"])
    table = table.set_index(["term", "level"])[COEF_COLUMNS_T if estimated_dispersion else COEF_COLUMNS]
    table.attrs.update(statistic=statistic, df_resid=df_resid)
    return table


def relativities(model: _PricingGLM, level: float = 0.95) -> pd.DataFrame:
    """Tidy relativity tables of the categorical and banded factors and their interactions.

    Columns: factor, level, relativity, relativity_lower, relativity_upper,
    exposure (training exposure of the level; claim count for a severity
    model), status. Ready to become rating-plan factor tables.
    """
    table = coef_table(model, level).reset_index().rename(columns={"term": "factor"})
    exposures: dict[str, dict[Any, float]] = {term.name: term.exposure for term in model.design_.terms}
    exposures.update(getattr(model, "restricted_exposure_", {}))
    levelled = {t.name for t in model.design_.terms if t.is_categorical or (t.kind == "interaction" and t.pairs)}
    levelled |= set(model.restrict or {})
    table = table[table["factor"].isin(levelled)].copy()
    table["exposure"] = [
        exposures.get(factor, {}).get(level_name, np.nan) for factor, level_name in zip(table["factor"], table["level"], strict=True)
    ]
    columns = ["factor", "level", "relativity", "relativity_lower", "relativity_upper", "exposure", "status"]
    return table[columns].reset_index(drop=True)


def likelihood_ratio(small: _PricingGLM, large: _PricingGLM) -> dict[str, Any]:
    """Deviance test of a nested model against a larger one, on the same data.

    With a fixed dispersion (Poisson) the deviance difference ``dD`` is a
    likelihood-ratio statistic, referred to chi-square on ``df`` (the extra
    parameters). With an estimated dispersion ``phi`` (Gamma, inverse Gaussian,
    Tweedie, quasi-Poisson) the scaled difference ``dD / phi`` is not
    chi-square, as ``phi`` is itself an estimate: the test is
    ``F = (dD / df) / phi`` on ``(df, n - p)`` degrees of freedom, ``phi`` and
    ``n - p`` those of the larger model, as R's ``anova(small, large,
    test="F")``. ``phi`` is the larger model's own ``dispersion_``, estimated
    as its ``dispersion=`` option says (Pearson by default; R's
    ``drop1(test="F")`` takes the deviance over ``n - p``, which
    ``dispersion="deviance"`` gives).

    Parameters
    ----------
    small : fitted pricing GLM
        The nested model (its terms a subset of ``large``'s).
    large : fitted pricing GLM
        The larger model, fitted on the same rows, response and weights.

    Returns
    -------
    dict
        ``df`` (extra parameters), ``deviance`` (the deviance difference),
        ``lr_stat`` (deviance difference / dispersion of ``large``), then for
        an estimated dispersion ``df_resid`` (``n - p`` of ``large``) and
        ``F`` (``lr_stat / df``); ``p_value`` (chi-square survival function at
        ``lr_stat``, or F's at ``F``). All values are numbers; the F test is
        the one whose result holds ``F``.

    Raises
    ------
    ParameterError
        If ``large`` does not have more parameters than ``small``, or the two
        models differ in family or number of observations.

    Examples
    --------
    Area ``a`` has 2 claims and ``b`` 8 in 10 years of exposure each, and use
    has no effect; the overall rate, 0.5, expects 5 claims in each area, so the
    statistic is ``2 (2 log(2/5) + 8 log(8/5)) = 3.855``:

    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> X = pd.DataFrame({"area": list("aaaabbbb"), "use": ["private", "private", "business", "business"] * 2})
    >>> claims, exposure = [1, 0, 0, 1, 2, 2, 3, 1], [2.5] * 8
    >>> small = FrequencyGLM(["use"]).fit(X, claims, exposure=exposure)
    >>> large = FrequencyGLM(["use", "area"]).fit(X, claims, exposure=exposure)
    >>> {name: round(value, 4) for name, value in likelihood_ratio(small, large).items()}
    {'df': 1, 'deviance': 3.8549, 'lr_stat': 3.8549, 'p_value': 0.0496}

    With quasi-Poisson the same deviance is divided by the estimated
    dispersion and tested by F on (1, 8 - 3) degrees of freedom. The larger
    model expects 0.5 claims in each row of ``a`` and 2 in each of ``b``:
    Pearson's chi-square is ``4 x 0.5 + 2 x 0.5 = 3``, ``phi = 3 / 5 = 0.6``,
    so ``F = 3.855 / 0.6 = 6.425``:

    >>> small = FrequencyGLM(["use"], overdispersion="quasi").fit(X, claims, exposure=exposure)
    >>> large = FrequencyGLM(["use", "area"], overdispersion="quasi").fit(X, claims, exposure=exposure)
    >>> {name: round(value, 4) for name, value in likelihood_ratio(small, large).items()}
    {'df': 1, 'deviance': 3.8549, 'lr_stat': 6.4248, 'df_resid': 5, 'F': 6.4248, 'p_value': 0.0522}
    """
    df = len(large.params_) - len(small.params_)
    if df <= 0:
        raise ParameterError(f"the larger model must have more parameters ({len(large.params_)} <= {len(small.params_)})")
    for attribute in ("family_", "n_obs_"):
        mine, theirs = getattr(small, attribute, None), getattr(large, attribute, None)
        if mine is not None and mine != theirs:
            raise ParameterError(
                f"the two models must be fitted alike: {attribute} is {mine!r} for the small model, {theirs!r} for the large"
            )
    deviance = small.deviance_ - large.deviance_
    statistic = deviance / large.dispersion_
    if not dispersion_is_estimated(large):
        return {"df": df, "deviance": deviance, "lr_stat": statistic, "p_value": float(stats.chi2.sf(statistic, df))}
    df_resid = large.df_resid_
    f_stat = statistic / df
    return {"df": df, "deviance": deviance, "lr_stat": statistic, "df_resid": df_resid, "F": f_stat,
            "p_value": float(stats.f.sf(f_stat, df, df_resid))}  # fmt: skip


DROP_ONE_NOTE = (
    "each row refits the model without the factor and without every interaction that involves it "
    "(column 'dropped'); chi-square test for a fixed dispersion, F on (df, df_resid) for an estimated one"
)


def drop_one(model: _PricingGLM, X: pd.DataFrame, y: Any, **fit_params: Any) -> pd.DataFrame:
    """Type III (drop-one) test of each main-effect factor.

    Each factor is dropped **together with every interaction that involves
    it** (listed in the column ``dropped``), the model is refitted on the same
    rows and compared with the full model by :func:`likelihood_ratio`:
    chi-square for a fixed dispersion (Poisson), ``F = (dD / df) / phi`` on
    ``(df, n - p)`` degrees of freedom for an estimated one (Gamma, Tweedie,
    quasi-Poisson), ``phi`` and ``n - p`` of the full model.

    Parameters
    ----------
    model : fitted pricing GLM
        The full model (left untouched).
    X : DataFrame
        The rating factors the model was fitted on.
    y : array-like
        The response the model was fitted on.
    **fit_params
        The other arguments of the model's ``fit`` (``exposure=``,
        ``claim_count=``, ``sample_weight=``).

    Returns
    -------
    DataFrame
        Indexed by factor: ``dropped`` (the terms removed), the entries of
        :func:`likelihood_ratio` as columns and ``test`` (``"chi2"`` or
        ``"F"``, the test used). ``table.attrs["note"]`` says what was dropped and how it was
        tested.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> X = pd.DataFrame({"area": list("aaaabbbb"), "use": ["private", "private", "business", "business"] * 2})
    >>> claims, exposure = [1, 0, 0, 1, 2, 2, 3, 1], [2.5] * 8
    >>> model = FrequencyGLM(["use", "area"], interactions=[("use", "area")]).fit(X, claims, exposure=exposure)
    >>> table = model.drop_one(X, claims, exposure=exposure)
    >>> table[["dropped", "df", "test"]]
                dropped  df  test
    factor
    use     use, use:area   2  chi2
    area   area, use:area   2  chi2
    """
    rows = []
    for factor in model.design_.factors:
        dropped = [t.name for t in model.design_.terms if t.name == factor or (t.kind == "interaction" and factor in t.columns)]
        if len(model.design_.factors) == 1:
            # the reduced model is intercept-only (plus offsets), whose deviance is the null deviance
            null = SimpleNamespace(params_=model.params_.iloc[:1], deviance_=model.null_deviance_)
            rows.append({"factor": factor, "dropped": ", ".join(dropped), **likelihood_ratio(null, model)})
            continue
        reduced = clone(model)
        reduced.set_params(
            factors=[f for f in model.design_.factors if f != factor],
            interactions=[pair for pair in (model.interactions or []) if factor not in pair] or None,
            bands={k: v for k, v in (model.bands or {}).items() if k != factor} or None,
            splines={k: v for k, v in (model.splines or {}).items() if k != factor} or None,
            base_levels={k: v for k, v in (model.base_levels or {}).items() if k != factor} or None,
        )
        reduced.fit(X, y, **fit_params)
        rows.append({"factor": factor, "dropped": ", ".join(dropped), **likelihood_ratio(reduced, model)})
    table = pd.DataFrame(rows).set_index("factor")
    table["test"] = "F" if dispersion_is_estimated(model) else "chi2"
    table.attrs["note"] = DROP_ONE_NOTE
    return table


class GLMSummary:
    """Printable summary of a fitted pricing GLM (text in a console, HTML in Jupyter)."""

    def __init__(self, model: _PricingGLM, level: float = 0.95):
        self.model = model
        self.table = coef_table(model, level)

    def statistics(self) -> dict[str, Any]:
        m = self.model
        return {
            "family": m.family_.name + (f" (power {m.family_.power:g})" if m.family_.name == "tweedie" else ""),
            "link": "log",
            **({"penalty": _penalty_text(m)} if hasattr(m, "alpha_") else {}),
            "observations": m.n_obs_,
            "parameters": len(m.params_),
            "df residual": m.df_resid_,
            "deviance": m.deviance_,
            "null deviance": m.null_deviance_,
            "D^2": 1 - m.deviance_ / m.null_deviance_ if m.null_deviance_ > 0 else np.nan,
            "dispersion": m.dispersion_,
            "dispersion method": getattr(m, "dispersion", "pearson") if dispersion_is_estimated(m) else "fixed at 1",
            "Wald tests": f"t on {m.df_resid_:,} df" if dispersion_is_estimated(m) else "normal (z)",
            "log-likelihood": m.loglik_,
            "AIC": m.aic_,
            "BIC": m.bic_,
        }

    def _header(self) -> pd.DataFrame:
        return pd.DataFrame({"value": [_fmt(v) for v in self.statistics().values()]}, index=list(self.statistics()))

    def __repr__(self) -> str:
        title = f"{type(self.model).__name__} results"
        table = self.table.copy()
        numeric = table.columns.drop("status")
        table[numeric] = table[numeric].map(lambda v: "" if pd.isna(v) else f"{v:.4g}")
        return f"{title}\n{'=' * len(title)}\n{self._header().to_string(header=False)}\n\n{table.to_string()}"

    def _repr_html_(self) -> str:
        return (
            f"<h4>{type(self.model).__name__} results</h4>"
            + self._header().to_html(header=False)
            + self.table.to_html(float_format=lambda v: f"{v:.4g}", na_rep="")
        )


def _penalty_text(model: Any) -> str:
    """``"age fused, area lasso; alpha 0.0012 (CV)"``: the penalised factors and the strength."""
    kinds = ", ".join(f"{factor} {kind}" for factor, kind in model.penalties_.items()) or "no factor"
    chosen = " (CV)" if hasattr(model, "alpha_path_") else ""
    return f"{kinds}; alpha {model.alpha_:.4g}{chosen}"


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 1e6 else f"{value:,.1f}"
    return str(value)
