"""GLM diagnostics equal statsmodels' residuals and influence, and quantile residuals behave as theory says.

References: statsmodels' ``GLMResults`` on dense dummies built independently
(``_glm_reference``), with the same offset and ``var_weights``;
``get_influence(observed=False)`` is the expected-information hat matrix
that IRLS (and R's ``hatvalues``) uses, the same as the observed one for
Poisson's canonical link. Randomised quantile residuals are checked against
the standard normal under a correctly specified model with known parameters
(Kolmogorov-Smirnov and moments) and shown to depart from it under a
misspecified one.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _glm_reference import GAMMA, POISSON, dummies, limits, sm_glm
from scipy import integrate, stats

from autorisk.errors import ModelError, ParameterError, SchemaError
from autorisk.evaluate.residual_plots import residual_means
from autorisk.models import FrequencyGLM, SeverityGLM, TweedieGLM
from autorisk.models.diagnostics import GLMDiagnostics, diagnose
from autorisk.models.tweedie_density import tweedie_cdf, tweedie_logpdf

AREA = {"A": 0.0, "B": 0.3, "C": -0.4, "D": 0.6}
USE = {"private": 0.0, "business": 0.5}
BASE = {"area": "A", "use": "private"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _book(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    book = pd.DataFrame(
        {
            "area": rng.choice(list(AREA), n, p=[0.4, 0.3, 0.2, 0.1]),
            "use": rng.choice(list(USE), n, p=[0.7, 0.3]),
            "age": rng.uniform(18, 80, n).round(),
            "exposure": rng.uniform(0.1, 1.0, n),
        }
    )
    book["eta"] = book["area"].map(AREA) + book["use"].map(USE) - 0.01 * (book["age"] - 45)
    return book


def _reference_design(book: pd.DataFrame) -> pd.DataFrame:
    design = dummies(book, ["area", "use"], BASE, ["age"])
    # the interaction area x use, named as autorisk names it
    for level in ("B", "C", "D"):
        design[f"area[{level}]:use[business]"] = design[f"area[{level}]"] * design["use[business]"]
    return design


def _assert_matches(checks: GLMDiagnostics, result, rtol: float = 1e-8) -> None:
    influence = result.get_influence(observed=False)
    table = checks.table
    # atol at round-off of residuals of order 1, for the ones that are (nearly) zero
    for ours, theirs in [
        ("deviance", result.resid_deviance),
        ("pearson", result.resid_pearson),
        ("working", result.resid_working),
        ("resid", result.resid_response),
        ("leverage", influence.hat_matrix_diag),
        ("std_pearson", influence.resid_studentized),
        ("cooks_distance", influence.cooks_distance[0]),
    ]:
        np.testing.assert_allclose(table[ours].to_numpy(), np.asarray(theirs), rtol=rtol, atol=1e-12, err_msg=ours)
    expected = np.asarray(result.resid_deviance) / np.sqrt(result.scale * (1 - influence.hat_matrix_diag))
    np.testing.assert_allclose(table["std_deviance"].to_numpy(), expected, rtol=rtol, atol=1e-12)


@pytest.fixture(scope="module")
def frequency():
    book = _book(4_000, seed=1)
    rng = np.random.default_rng(2)
    book["claims"] = rng.poisson(book["exposure"] * np.exp(-1.5 + book["eta"]))
    model = FrequencyGLM(["area", "use", "age"], base_levels=BASE, interactions=[("area", "use")])
    model.fit(book, book["claims"], exposure=book["exposure"])
    with limits():
        result = sm_glm(book["claims"], _reference_design(book), POISSON, offset=np.log(book["exposure"]))
    return book, model, result


def test_poisson_with_exposure_offset_equals_statsmodels(frequency):
    book, model, result = frequency
    checks = model.diagnostics(book, book["claims"], exposure=book["exposure"])
    np.testing.assert_allclose(checks.table["fitted"], result.fittedvalues, rtol=1e-9)
    _assert_matches(checks, result)
    # the observed information is the expected one for the canonical link
    np.testing.assert_allclose(checks.table["leverage"], result.get_influence().hat_matrix_diag, rtol=1e-8)


def test_gamma_with_claim_count_weights_equals_statsmodels():
    book = _book(3_000, seed=3)
    rng = np.random.default_rng(4)
    book["claim_count"] = rng.choice([0, 1, 2, 3], len(book), p=[0.4, 0.4, 0.15, 0.05])
    mean = 2_000 * np.exp(0.5 * book["eta"])
    shape = 1.5 * book["claim_count"].clip(lower=1)  # the average of k claims of shape 1.5
    book["amount"] = np.where(book["claim_count"] > 0, rng.gamma(shape, mean / shape), 0.0) * book["claim_count"]
    model = SeverityGLM(["area", "use", "age"], base_levels=BASE, interactions=[("area", "use")])
    model.fit(book, book["amount"], claim_count=book["claim_count"])
    claims = book[book["claim_count"] > 0]
    with limits():
        result = sm_glm(
            claims["amount"] / claims["claim_count"], _reference_design(claims), GAMMA,
            var_weights=claims["claim_count"].to_numpy(dtype=float),
        )  # fmt: skip
    checks = diagnose(model, book, book["amount"], claim_count=book["claim_count"])
    assert list(checks.table.index) == list(claims.index)  # the rows with claims, by label
    np.testing.assert_allclose(checks.table["weight"], claims["claim_count"], rtol=0)
    _assert_matches(checks, result)
    # and not the observed-information leverage, which differs for Gamma's non-canonical log link
    observed = result.get_influence(observed=True).hat_matrix_diag
    assert np.max(np.abs(checks.table["leverage"].to_numpy() - observed)) > 1e-3


def test_tweedie_rate_weighted_by_exposure_equals_statsmodels():
    book = _book(3_000, seed=5)
    rng = np.random.default_rng(6)
    counts = rng.poisson(book["exposure"] * np.exp(-1.5 + book["eta"]))
    book["amount"] = rng.gamma(np.maximum(counts, 1) * 2.0, 500.0) * (counts > 0)
    model = TweedieGLM(["area", "use", "age"], base_levels=BASE, interactions=[("area", "use")], power=1.5)
    model.fit(book, book["amount"], exposure=book["exposure"])
    family = sm.families.Tweedie(var_power=1.5, link=sm.families.links.Log())
    with limits():
        result = sm_glm(book["amount"] / book["exposure"], _reference_design(book), family,
                        var_weights=book["exposure"].to_numpy())  # fmt: skip
    _assert_matches(model.diagnostics(book, book["amount"], exposure=book["exposure"]), result)


def test_leverages_sum_to_the_number_of_parameters(frequency):
    book, model, _ = frequency
    leverage = model.diagnostics(book, book["claims"], exposure=book["exposure"]).table["leverage"]
    assert leverage.sum() == pytest.approx(len(model.params_), rel=1e-10)
    assert leverage.between(0, 1).all()


def test_leverage_needs_memory_linear_in_the_rows():
    # an n x n hat matrix of 20,000 rows would take 3.2 GB; the diagnostics stay within 200 columns of floats
    import tracemalloc

    book = _book(20_000, seed=15)
    book["claims"] = np.random.default_rng(16).poisson(book["exposure"] * np.exp(-1.5 + book["eta"]))
    model = FrequencyGLM(["area", "use", "age"], interactions=[("area", "use")])
    model.fit(book, book["claims"], exposure=book["exposure"])
    tracemalloc.start()
    try:
        model.diagnostics(book, book["claims"], exposure=book["exposure"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * len(book) * 8, peak


def test_other_data_than_the_fit_are_refused(frequency):
    book, model, _ = frequency
    with pytest.raises(ModelError, match="data the model was fitted on"):
        model.diagnostics(book, book["claims"], exposure=2 * book["exposure"])
    with pytest.raises(ModelError, match="data the model was fitted on"):
        model.diagnostics(book.iloc[:-1], book["claims"].iloc[:-1], exposure=book["exposure"].iloc[:-1])


# ------------------------------------------------------------------ quantile residuals


def _normality(residuals: pd.Series) -> tuple[float, float, float]:
    r = residuals.to_numpy()
    return float(stats.kstest(r, "norm").pvalue), float(r.mean()), float(r.std(ddof=1))


def test_quantile_residuals_are_standard_normal_for_a_right_poisson_model():
    book = _book(20_000, seed=7)
    book["claims"] = np.random.default_rng(8).poisson(book["exposure"] * np.exp(-1.0 + book["eta"]))
    model = FrequencyGLM(["area", "use", "age"]).fit(book, book["claims"], exposure=book["exposure"])
    checks = model.diagnostics(book, book["claims"], exposure=book["exposure"], seed=1)
    p_value, mean, sd = _normality(checks.residuals("quantile"))
    assert p_value > 0.01 and abs(mean) < 0.03 and abs(sd - 1) < 0.03, (p_value, mean, sd)
    # seeded: the same seed draws the same residuals, another seed others
    again = model.diagnostics(book, book["claims"], exposure=book["exposure"], seed=1).table["quantile"]
    other = model.diagnostics(book, book["claims"], exposure=book["exposure"], seed=2).table["quantile"]
    assert again.equals(checks.table["quantile"]) and not other.equals(again)


def test_quantile_residuals_detect_overdispersed_counts_fitted_as_poisson():
    book = _book(20_000, seed=7)
    rng = np.random.default_rng(9)
    frailty = rng.gamma(0.5, 2.0, len(book))  # mean 1, variance 2: negative binomial counts
    book["claims"] = rng.poisson(frailty * book["exposure"] * np.exp(-1.0 + book["eta"]))
    model = FrequencyGLM(["area", "use", "age"]).fit(book, book["claims"], exposure=book["exposure"])
    p_value, _, sd = _normality(model.diagnostics(book, book["claims"], exposure=book["exposure"]).residuals())
    assert p_value < 1e-6 and sd > 1.05, (p_value, sd)  # a right model: sd within 0.03 of 1


def test_quantile_residuals_are_standard_normal_for_a_right_gamma_model_and_not_for_lognormal_claims():
    book = _book(10_000, seed=10)
    rng = np.random.default_rng(11)
    book["claim_count"] = rng.choice([1, 2, 3], len(book), p=[0.7, 0.2, 0.1])
    mean = 2_000 * np.exp(0.5 * book["eta"])
    shape = 2.0 * book["claim_count"]  # the average of k gamma claims of shape 2
    book["amount"] = rng.gamma(shape, mean / shape) * book["claim_count"]
    model = SeverityGLM(["area", "use", "age"]).fit(book, book["amount"], claim_count=book["claim_count"])
    p_value, mean_r, sd = _normality(model.diagnostics(book, book["amount"], claim_count=book["claim_count"]).residuals())
    assert p_value > 0.01 and abs(mean_r) < 0.04 and abs(sd - 1) < 0.04, (p_value, mean_r, sd)

    skewed = rng.lognormal(np.log(mean) - 0.5, 1.0) * book["claim_count"]  # lognormal, one claim each
    wrong = SeverityGLM(["area", "use", "age"]).fit(book, skewed)
    p_value, _, _ = _normality(wrong.diagnostics(book, skewed).residuals())
    assert p_value < 1e-6, p_value


def test_quantile_residuals_are_standard_normal_for_a_right_tweedie_model():
    book = _book(20_000, seed=12)
    rng = np.random.default_rng(13)
    power, dispersion = 1.5, 40.0
    mu = 150.0 * np.exp(book["eta"])  # amount per year
    # rate per year with dispersion phi / exposure: compound Poisson with gamma claims
    phi = dispersion / book["exposure"]
    lam = mu ** (2 - power) / (phi * (2 - power))
    alpha, scale = (2 - power) / (power - 1), phi * (power - 1) * mu ** (power - 1)
    counts = rng.poisson(lam)
    rate = np.where(counts > 0, rng.gamma(np.maximum(counts, 1) * alpha, scale), 0.0)
    book["amount"] = rate * book["exposure"]
    model = TweedieGLM(["area", "use", "age"], power=power).fit(book, book["amount"], exposure=book["exposure"])
    p_value, mean_r, sd = _normality(model.diagnostics(book, book["amount"], exposure=book["exposure"]).residuals())
    assert p_value > 0.01 and abs(mean_r) < 0.03 and abs(sd - 1) < 0.03, (p_value, mean_r, sd)
    assert model.dispersion_ == pytest.approx(dispersion, rel=0.05)


@pytest.mark.parametrize(("mu", "phi", "power"), [(1.0, 1.0, 1.5), (0.1, 2.0, 1.3), (200.0, 50.0, 1.7), (1000.0, 0.1, 1.2)])
def test_tweedie_cdf_integrates_the_series_density(mu, phi, power):
    y = np.array([0.5, 1.0, 2.0]) * mu
    atom = np.exp(tweedie_logpdf(0.0, mu, phi, power))
    integral = [integrate.quad(lambda t: np.exp(tweedie_logpdf(t, mu, phi, power)), 0, b, limit=500, epsabs=1e-13)[0] for b in y]
    np.testing.assert_allclose(tweedie_cdf(y, mu, phi, power), atom + np.array(integral), rtol=1e-8, atol=1e-12)
    assert tweedie_cdf(0.0, mu, phi, power) == pytest.approx(atom, rel=1e-12)


def test_tweedie_cdf_equals_the_empirical_distribution_of_simulated_totals():
    rng = np.random.default_rng(14)
    mu, phi, power, weight = 3.0, 2.0, 1.4, 2.5
    phi_i = phi / weight
    lam = mu ** (2 - power) / (phi_i * (2 - power))
    counts = rng.poisson(lam, 200_000)
    totals = np.where(counts > 0, rng.gamma(np.maximum(counts, 1) * (2 - power) / (power - 1), phi_i * (power - 1) * mu ** (power - 1)), 0.0)
    grid = np.quantile(totals, [0.3, 0.5, 0.7, 0.9, 0.99])
    empirical = (totals[:, None] <= grid).mean(axis=0)
    np.testing.assert_allclose(tweedie_cdf(grid, mu, phi, power, weights=weight), empirical, atol=4e-3)


def test_quantile_residuals_are_refused_without_a_distribution(frequency):
    book, _, _ = frequency
    quasi = FrequencyGLM(["area", "use"], overdispersion="quasi").fit(book, book["claims"], exposure=book["exposure"])
    checks = quasi.diagnostics(book, book["claims"], exposure=book["exposure"])
    assert checks.table["quantile"].isna().all() and checks.table["deviance"].notna().all()
    with pytest.raises(ModelError, match="quasi-Poisson"):
        checks.residuals("quantile")
    weights = np.where(book["use"] == "business", 2.0, 1.0)
    weighted = FrequencyGLM(["area"]).fit(book, book["claims"], exposure=book["exposure"], sample_weight=weights)
    with pytest.raises(ModelError, match="sample weights"):
        weighted.diagnostics(book, book["claims"], exposure=book["exposure"], sample_weight=weights).residuals()
    with pytest.raises(ParameterError, match="kind must be one of"):
        checks.residuals("studentised")


# ------------------------------------------------------------------ charts


def test_residuals_against_fitted_draw_every_row(frequency):
    book, model, _ = frequency
    checks = model.diagnostics(book, book["claims"], exposure=book["exposure"])
    ax = checks.plot_residuals("deviance")
    points = ax.collections[0].get_offsets()
    assert len(points) == len(book)
    np.testing.assert_allclose(np.asarray(points)[:, 1], checks.table["deviance"])
    assert ax.get_xscale() == "log"


@pytest.mark.parametrize(("factor", "n_levels"), [("area", 4), ("use", 2), ("age", 10)])
def test_residuals_by_level_draw_one_mean_per_level(frequency, factor, n_levels):
    book, model, _ = frequency
    checks = model.diagnostics(book, book["claims"], exposure=book["exposure"])
    ax = checks.plot_residuals_by(factor, "pearson")
    means = ax.lines[0].get_ydata()
    assert len(means) == n_levels == len(ax.get_xticklabels())
    if factor != "age":  # categorical: the means are the plain means of the residuals by level, in the level order
        expected = checks.table["pearson"].groupby(book[factor]).mean()
        labels = [tick.get_text() for tick in ax.get_xticklabels()]
        np.testing.assert_allclose(means, expected[labels].to_numpy(), rtol=1e-12)


def test_residuals_by_a_column_that_is_not_in_the_model(frequency):
    book, _, _ = frequency
    small = FrequencyGLM(["area"]).fit(book, book["claims"], exposure=book["exposure"])
    checks = small.diagnostics(book, book["claims"], exposure=book["exposure"])
    ax = checks.plot_residuals_by("use")  # the missing factor shows: business is under-predicted
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    means = dict(zip(labels, ax.lines[0].get_ydata(), strict=True))
    table = residual_means(book["use"], checks.table["quantile"])  # the intervals drawn, away from zero
    assert means["business"] == table.loc["business", "mean"] > table.loc["business", "lower"] > 0
    assert means["private"] == table.loc["private", "mean"] < table.loc["private", "upper"] < 0
    with pytest.raises(SchemaError, match="neither a factor"):
        checks.plot_residuals_by("colour")


def test_results_render_as_text_and_html(frequency):
    book, model, _ = frequency
    checks = model.diagnostics(book, book["claims"], exposure=book["exposure"])
    statistics = checks.statistics()
    assert statistics["rows"] == len(book) and statistics["parameters"] == len(model.params_)
    assert statistics["max Cook's distance"] == checks.table["cooks_distance"].max()
    assert "FrequencyGLM diagnostics" in repr(checks) and "<table" in checks._repr_html_()
