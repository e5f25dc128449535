"""Family comparison against AIC/BIC computed from scipy densities; mean excess and QQ points
against direct computations and known tail shapes."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import stats

from autorisk.errors import ParameterError
from autorisk.severity import SeverityFit, compare_families, mean_excess, mean_excess_plot, qq_plot


def test_aic_and_bic_are_those_of_the_scipy_densities_at_the_fitted_parameters():
    x = stats.weibull_min(0.7, scale=2000.0).rvs(3000, random_state=1)
    comparison = compare_families(x)
    table = comparison.table
    assert table.index.tolist()[0] == comparison.best == "weibull"
    assert list(table["aic"]) == sorted(table["aic"]) and table["delta_aic"].iloc[0] == 0
    for name, fit in comparison.fits.items():
        loglik = fit.distribution_.logpdf(x).sum()
        assert table.loc[name, "aic"] == pytest.approx(4 - 2 * loglik, rel=1e-10)
        assert table.loc[name, "bic"] == pytest.approx(2 * np.log(x.size) - 2 * loglik, rel=1e-10)
    assert "weibull" in repr(comparison) and "<table" in comparison._repr_html_()
    with pytest.raises(ParameterError, match="'gpd' models a tail"):
        compare_families(x, ["lognormal", "gpd"])


@pytest.mark.parametrize(("truth", "name"), [(stats.lognorm(1.5, scale=800.0), "lognormal"),
                                             (stats.lomax(1.8, scale=1500.0), "pareto")])  # fmt: skip
def test_the_true_family_wins_on_a_large_censored_truncated_sample(truth, name):
    x = truth.rvs(30_000, random_state=2)
    x = x[x > 100.0]
    comparison = compare_families(np.minimum(x, 50_000.0), deductible=100.0, limit=50_000.0)
    assert comparison.best == name


def test_mean_excess_matches_a_direct_loop():
    x = stats.lognorm(1.0, scale=100.0).rvs(300, random_state=3)
    thresholds = [0.0, 50.0, 100.0, 400.0]
    table = mean_excess(x, thresholds)
    for u, row in zip(thresholds, table.itertuples(), strict=True):
        excess = x[x > u] - u
        assert row.n_excess == excess.size
        assert row.mean_excess == pytest.approx(excess.mean(), rel=1e-10)
        assert row.std_err == pytest.approx(excess.std(ddof=1) / np.sqrt(excess.size), rel=1e-8)


def test_mean_excess_is_flat_for_an_exponential_and_rises_with_slope_xi_over_1_minus_xi_for_a_gpd():
    flat = mean_excess(stats.expon(scale=1000.0).rvs(200_000, random_state=4), [0.0, 1000.0, 3000.0])
    np.testing.assert_allclose(flat["mean_excess"], 1000.0, rtol=0.03)
    rising = mean_excess(stats.genpareto(0.25, scale=1000.0).rvs(400_000, random_state=5), [0.0, 3000.0])
    slope = np.diff(rising["mean_excess"].to_numpy())[0] / 3000.0
    assert slope == pytest.approx(0.25 / 0.75, rel=0.1)


def test_plots_draw_the_right_points():
    x = stats.gamma(2.0, scale=300.0).rvs(200, random_state=6)
    fit = SeverityFit("gamma").fit(x)
    ax = qq_plot(fit, x)
    fitted, observed = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    np.testing.assert_allclose(observed, np.sort(x))
    np.testing.assert_allclose(fitted, stats.gamma.ppf((np.arange(200) + 0.5) / 200, *fit.params_[:1],
                                                       scale=fit.params_["scale"]))  # fmt: skip
    plt.close(ax.figure)
    # censored claims take their rank but are not drawn
    capped = np.minimum(x, np.quantile(x, 0.9))
    censored_ax = qq_plot(SeverityFit("gamma").fit(capped, limit=capped.max()), capped)
    assert len(censored_ax.lines[0].get_xdata()) == int((capped < capped.max()).sum())
    plt.close(censored_ax.figure)
    me = mean_excess_plot(x, [0.0, 100.0, 500.0])
    np.testing.assert_allclose(me.lines[0].get_ydata(), mean_excess(x, [0.0, 100.0, 500.0])["mean_excess"])
    plt.close(me.figure)
