"""AIC / BIC comparison of claim-size families fitted to the same claims."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import ModelError, ParameterError
from autorisk.severity.fit import SeverityFit

__all__ = ["DEFAULT_FAMILIES", "FamilyComparison", "compare_families"]

#: The families compared by default: all but the GPD, which models a tail above a threshold.
DEFAULT_FAMILIES = ("lognormal", "gamma", "weibull", "pareto")


@dataclass(frozen=True)
class FamilyComparison:
    """Families fitted to the same claims, ranked by AIC.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per family, by AIC (best first): ``n_params``, ``loglik``,
        ``aic``, ``bic``, ``delta_aic`` (AIC minus the best's), and the
        parameters as text. Families whose fit failed are left out, and
        named in ``failed``.
    fits : dict of str to SeverityFit
        The fits, by family.
    failed : dict of str to str
        Why each left-out family could not be fitted.

    Examples
    --------
    >>> from scipy import stats
    >>> amounts = stats.lognorm(1.0, scale=1000.0).rvs(3000, random_state=0)
    >>> comparison = compare_families(amounts)
    >>> comparison.best, comparison.table.index.tolist()[0]
    ('lognormal', 'lognormal')
    """

    table: pd.DataFrame
    fits: dict[str, SeverityFit]
    failed: dict[str, str]

    @property
    def best(self) -> str:
        """The family with the smallest AIC."""
        return str(self.table.index[0])

    def __repr__(self) -> str:
        return f"severity families by AIC\n{self.table.to_string()}"

    def _repr_html_(self) -> str:
        return f"<p>{html.escape('severity families by AIC')}</p>{self.table.to_html()}"


def compare_families(
    amounts: Any,
    families: Sequence[str] = DEFAULT_FAMILIES,
    *,
    deductible: Any = 0.0,
    limit: Any = np.inf,
    censored: Any = None,
    weights: Any = None,
) -> FamilyComparison:
    """Fit each family to the same claims by maximum likelihood and rank them by AIC.

    The likelihoods are of the same data with the same truncation and
    censoring, so their AIC and BIC are comparable.

    Parameters
    ----------
    amounts : array-like of float
        Ground-up loss amounts, as in :meth:`SeverityFit.fit`.
    families : sequence of str, default DEFAULT_FAMILIES
        Families to fit (not "gpd", whose likelihood is of excesses only).
    deductible, limit, censored, weights
        As in :meth:`SeverityFit.fit`.

    Returns
    -------
    FamilyComparison

    Raises
    ------
    ModelError
        No family could be fitted.
    ParameterError
        "gpd" among the families; and as :meth:`SeverityFit.fit`.
    DataError
        As :meth:`SeverityFit.fit`.

    Examples
    --------
    >>> from scipy import stats
    >>> amounts = stats.gamma(2.0, scale=500.0).rvs(2000, random_state=0)
    >>> compare_families(amounts, ["gamma", "lognormal"]).table[["n_params", "delta_aic"]].round(1)
               n_params  delta_aic
    family
    gamma             2        0.0
    lognormal         2      155.5
    """
    if "gpd" in families:
        raise ParameterError("compare_families fits whole distributions: 'gpd' models a tail (use SplicedFit)")
    fits, failed = {}, {}
    for name in families:
        try:
            fits[name] = SeverityFit(name).fit(
                amounts, deductible=deductible, limit=limit, censored=censored, weights=weights
            )
        except ModelError as error:
            failed[name] = str(error)
    if not fits:
        raise ModelError(f"no family could be fitted: {failed}")
    rows = {
        name: {
            "n_params": fit.theta_.size,
            "loglik": fit.loglik_,
            "aic": fit.aic_,
            "bic": fit.bic_,
            "parameters": ", ".join(f"{k}={v:.4g}" for k, v in fit.params_.items()),
        }
        for name, fit in fits.items()
    }
    table = pd.DataFrame(rows).T.sort_values("aic")
    table = table.astype({"n_params": int, "loglik": float, "aic": float, "bic": float})
    table.insert(4, "delta_aic", table["aic"] - table["aic"].iloc[0])
    table.index.name = "family"
    return FamilyComparison(table, fits, failed)
