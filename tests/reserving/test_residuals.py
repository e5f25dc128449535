"""ODP residual diagnostics against statsmodels' Poisson GLM of the incremental triangle (England & Verrall)."""

from __future__ import annotations

import chainladder as cl
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from autorisk.errors import ParameterError
from autorisk.reserving import odp_residuals


def _glm(triangle: cl.Triangle):
    """Poisson GLM, log link, origin and development factors, on the observed incremental cells."""
    cumulative = np.asarray(triangle.values, dtype=float)[0, 0]
    incremental = np.diff(cumulative, axis=1, prepend=0.0)
    rows, columns = np.nonzero(~np.isnan(cumulative))
    cells = pd.DataFrame({"origin": rows, "development": columns, "value": incremental[rows, columns]})
    design = pd.get_dummies(cells[["origin", "development"]].astype("category"), drop_first=True, dtype=float)
    return sm.GLM(cells["value"], sm.add_constant(design), family=sm.families.Poisson()).fit(), cells


@pytest.mark.parametrize("sample", ["raa", "genins"])
def test_residuals_equal_the_poisson_glm_of_the_incremental_triangle(sample):
    triangle = cl.load_sample(sample)
    result = odp_residuals(triangle)
    fit, cells = _glm(triangle)
    table = result.table
    assert table[["origin", "development"]].to_numpy().tolist() == cells[["origin", "development"]].to_numpy().tolist()
    # the GLM's fitted values are the chain ladder's (England & Verrall's equivalence)
    np.testing.assert_allclose(table["expected"], fit.fittedvalues, rtol=1e-8)
    np.testing.assert_allclose(table["pearson"], fit.resid_pearson, rtol=1e-7, atol=1e-9)
    assert result.degrees_of_freedom == int(fit.df_resid)
    assert result.scale == pytest.approx(fit.pearson_chi2 / fit.df_resid, rel=1e-8)
    hat = fit.get_influence().hat_matrix_diag
    free = hat < 1 - 1e-9
    np.testing.assert_allclose(table["leverage"][free], hat[free], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(table["adjusted"][free], fit.resid_pearson[free] / np.sqrt(1 - hat[free]), rtol=1e-6)
    assert np.all(table["adjusted"][~free] == 0)  # corners fitted exactly


def test_by_period_summaries_are_group_means_and_the_plot_has_three_panels():
    result = odp_residuals(cl.load_sample("raa"))
    calendar = result.by("calendar")
    expected = result.table.groupby("calendar")["standardised"].mean()
    np.testing.assert_allclose(calendar["mean"], expected)
    assert calendar["cells"].tolist() == list(range(1, 11))
    axes = result.plot()
    assert len(axes) == 3 and all(len(ax.collections[0].get_offsets()) == len(result.table) for ax in axes)
    with pytest.raises(ParameterError, match="axis must be one of"):
        result.by("accident")
