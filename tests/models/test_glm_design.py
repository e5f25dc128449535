"""Design features (bands, splines, interactions, restrictions, groups, prediction, base levels).

Each fitted feature is checked against statsmodels on a dense design built here
independently (``pd.cut`` for bands, products of dummies for interactions, a
scipy natural spline for splines), or against a closed form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _glm_reference import (
    GAMMA,
    INTERCEPT,
    POISSON,
    assert_matches_statsmodels,
    dummies,
    largest,
    limits,
    sm_glm,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.interpolate import CubicSpline

from autorisk.datasets import load
from autorisk.models import FrequencyGLM, SeverityGLM

CATEGORICAL = ["driver_age_group", "vehicle_age_group"]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with limits():  # OpenMP/BLAS threads only slow small fits down on a busy 2-core machine
        yield


@pytest.fixture(scope="module")
def car() -> pd.DataFrame:
    return load("ausprivauto0405")


def _frequency_reference(frame, X):
    return sm_glm(frame["claim_count"], X, POISSON, offset=np.log(frame["exposure"]))


def _base(frame, factors, weight="exposure"):
    return {f: largest(frame, f, frame[weight]) for f in factors}


# ------------------------------------------------------------------ bands
def _weighted_quantile_property(x, weight, points, n_bands):
    """Each cut point c is a (weighted) k/n quantile: W(x < c) <= k/n < W(x <= c)."""
    total = weight.sum()
    for c in points:
        below, upto = weight[x < c].sum() / total, weight[x <= c].sum() / total
        ks = np.arange(1, n_bands) / n_bands
        assert np.any((below <= ks + 1e-12) & (ks < upto)), (c, below, upto)


@pytest.mark.parametrize("method", ["cuts", "quantile", "exposure", "tree"])
def test_bands_match_statsmodels(car, method):
    x = car["vehicle_value"].to_numpy()
    e = car["exposure"].to_numpy()
    spec = [1.0, 1.5, 2.5] if method == "cuts" else method
    model = FrequencyGLM(["vehicle_value", *CATEGORICAL], bands={"vehicle_value": spec}, n_bands=5).fit(
        car, car["claim_count"], exposure=car["exposure"]
    )
    term = model.design_.terms[0]
    points = term.cut_points
    assert np.all(np.diff(points) > 0) and 1 <= len(points) <= 4
    if method == "cuts":
        np.testing.assert_array_equal(points, spec)
    elif method == "quantile":
        _weighted_quantile_property(x, np.ones_like(x), points, 5)
    elif method == "exposure":
        _weighted_quantile_property(x, e, points, 5)
    else:  # tree: observed values, each band (a leaf) holds at least 5% of the exposure
        assert set(points) <= set(x)
        shares = pd.Series(e).groupby(np.searchsorted(points, x, side="right")).sum() / e.sum()
        assert len(shares) == len(points) + 1 and shares.min() >= 0.05 - 1e-12
    # independent banding: half-open intervals [c_k, c_k+1), named after autorisk's levels
    codes = pd.cut(x, [-np.inf, *points, np.inf], right=False, labels=False)
    frame = car.assign(vehicle_value=np.asarray(term.levels, dtype=object)[codes])
    base = _base(frame, ["vehicle_value", *CATEGORICAL])
    assert term.base_level == base["vehicle_value"]
    reference = _frequency_reference(frame, dummies(frame, ["vehicle_value", *CATEGORICAL], base))
    assert_matches_statsmodels(model, reference)
    # relativities() reports each band's exposure
    table = model.relativities().query("factor == 'vehicle_value'").set_index("level")["exposure"]
    np.testing.assert_allclose(table[list(term.levels)], frame.groupby("vehicle_value")["exposure"].sum()[list(term.levels)])


# ---------------------------------------------------------------- splines
def _natural_cubic_basis(x, knots):
    """Cardinal natural cubic splines through the knots, linear beyond the boundary knots (scipy)."""
    spline = CubicSpline(knots, np.eye(len(knots)), bc_type="natural")
    slope = spline.derivative()
    out = spline(np.clip(x, knots[0], knots[-1]))
    for edge, side in ((knots[0], x < knots[0]), (knots[-1], x > knots[-1])):
        out[side] = spline(edge) + np.outer(x[side] - edge, slope(edge))
    return out


def test_natural_spline_matches_statsmodels(car):
    model = FrequencyGLM(["vehicle_value", *CATEGORICAL], splines={"vehicle_value": 4}).fit(
        car, car["claim_count"], exposure=car["exposure"]
    )
    term = model.design_.terms[0]
    knots = term.knots
    x, e = car["vehicle_value"].to_numpy(), car["exposure"].to_numpy()
    # knots: exposure-weighted quantiles at 2.5%, 26.25%, ..., 97.5%
    assert len(knots) == 5 and np.all(np.diff(knots) > 0)
    for p, k in zip(np.linspace(0.025, 0.975, 5), knots, strict=True):
        assert e[x < k].sum() / e.sum() < p <= e[x <= k].sum() / e.sum()

    base = _base(car, CATEGORICAL)
    # (a) statsmodels on autorisk's own spline columns gives autorisk's coefficients
    frame = model.design_.transform(car)
    own = dummies(car, CATEGORICAL, base)
    for name in term.coef_names:
        own[name] = frame[name].to_numpy()
    assert_matches_statsmodels(model, _frequency_reference(car, own))

    # (b) an independent natural-spline basis with the same knots spans the same
    # space (with the intercept): same fit, same deviance
    scipy_basis = _natural_cubic_basis(x, knots)  # its columns sum to 1: no separate intercept
    independent = dummies(car, CATEGORICAL, base).drop(columns=INTERCEPT)
    for j in range(len(knots)):
        independent[f"n{j}"] = scipy_basis[:, j]
    reference = _frequency_reference(car, independent)
    np.testing.assert_allclose(model.deviance_, reference.deviance, rtol=1e-8)
    np.testing.assert_allclose(model.predict(car, car["exposure"]), reference.fittedvalues, rtol=1e-6)

    # the fitted curve is linear beyond the boundary knots
    grid = pd.DataFrame({"vehicle_value": np.r_[np.linspace(-1, knots[0], 7), np.linspace(knots[-1], 40, 7)]})
    grid[CATEGORICAL] = car[CATEGORICAL].iloc[[0]].to_numpy().repeat(len(grid), axis=0)
    for c in CATEGORICAL:
        grid[c] = pd.Categorical(grid[c], categories=car[c].cat.categories)
    eta = np.log(model.predict(grid))
    assert np.abs(np.diff(eta[:7], 2)).max() < 1e-10 and np.abs(np.diff(eta[7:], 2)).max() < 1e-10


# ------------------------------------------------------------ interactions
def _products(frame, a, b, base, numeric=None):
    """Interaction columns: products of non-base dummies (or dummy x number), all-zero ones dropped."""
    da = pd.get_dummies(frame[a].astype(object), dtype=float).drop(columns=base[a])
    columns = {}
    if numeric is None:
        db = pd.get_dummies(frame[b].astype(object), dtype=float).drop(columns=base[b])
        for la in da.columns:
            for lb in db.columns:
                product = da[la].to_numpy() * db[lb].to_numpy()
                if product.any():
                    columns[f"{a}[{la}]:{b}[{lb}]"] = product
    else:
        for la in da.columns:
            columns[f"{a}[{la}]:{numeric}"] = da[la].to_numpy() * frame[numeric].to_numpy()
    return pd.DataFrame(columns, index=frame.index)


def test_categorical_interaction_matches_statsmodels(car):
    # leave one cell of two non-base levels empty: its pair must not get a column
    # (emptying a cell of a base level would alias a main effect: a singular design)
    factors = ["driver_age_group", "gender", "vehicle_age_group"]
    other = "Male" if largest(car, "gender", car["exposure"]) == "Female" else "Female"
    data = car[~((car["driver_age_group"] == "youngest people") & (car["gender"] == other))]
    base = _base(data, factors)
    assert base["driver_age_group"] != "youngest people" and base["gender"] != other
    model = FrequencyGLM(factors, interactions=[("driver_age_group", "gender")]).fit(
        data, data["claim_count"], exposure=data["exposure"]
    )
    X = pd.concat([dummies(data, factors, base), _products(data, "driver_age_group", "gender", base)], axis=1)
    assert f"driver_age_group[youngest people]:gender[{other}]" not in model.params_.index
    assert sum(":" in c for c in X.columns) == 4  # 5 non-base ages x 1 non-base gender, less the empty cell
    assert_matches_statsmodels(model, _frequency_reference(data, X))
    # the interaction's relativities come out as levels "a:b"
    table = model.coef_table().loc["driver_age_group:gender"]
    assert len(table) == len([c for c in X.columns if ":" in c])


@pytest.mark.parametrize("order", ["cat-num", "num-cat"])
def test_categorical_numeric_interaction_matches_statsmodels(car, order):
    pair = ("driver_age_group", "vehicle_value") if order == "cat-num" else ("vehicle_value", "driver_age_group")
    factors = ["driver_age_group", "vehicle_value", "gender"]
    model = FrequencyGLM(factors, interactions=[pair]).fit(car, car["claim_count"], exposure=car["exposure"])
    base = _base(car, ["driver_age_group", "gender"])
    X = pd.concat(
        [
            dummies(car, ["driver_age_group", "gender"], base, ["vehicle_value"]),
            _products(car, "driver_age_group", None, base, numeric="vehicle_value"),
        ],
        axis=1,
    )
    assert_matches_statsmodels(model, _frequency_reference(car, X))


def test_numeric_interaction_matches_statsmodels():
    bike = load("swmotorcycle").query("exposure > 0")
    model = FrequencyGLM(["owner_age", "vehicle_age", "area"], interactions=[("owner_age", "vehicle_age")]).fit(
        bike, bike["claim_count"], exposure=bike["exposure"]
    )
    X = dummies(bike, ["area"], _base(bike, ["area"]), ["owner_age", "vehicle_age"])
    X["owner_age:vehicle_age"] = bike["owner_age"].to_numpy(float) * bike["vehicle_age"].to_numpy(float)
    assert_matches_statsmodels(model, _frequency_reference(bike, X))


# ----------------------------------------------------- restrictions and groups
def test_restricted_factor_is_an_offset(car):
    fixed = {"Female": 1.0, "Male": 1.25}
    model = FrequencyGLM(CATEGORICAL, restrict={"gender": fixed}).fit(car, car["claim_count"], exposure=car["exposure"])
    log_fixed = np.log(car["gender"].astype(object).map(fixed).to_numpy(dtype=float))
    reference = sm_glm(
        car["claim_count"], dummies(car, CATEGORICAL, _base(car, CATEGORICAL)), POISSON,
        offset=np.log(car["exposure"]) + log_fixed,
    )  # fmt: skip
    assert_matches_statsmodels(model, reference)
    assert "gender" not in model.design_.factors
    table = model.coef_table().loc["gender"]
    assert (table["status"] == "restricted").all()
    np.testing.assert_allclose(table["relativity"][list(fixed)], list(fixed.values()))
    exposure = model.relativities().query("factor == 'gender'").set_index("level")["exposure"]
    np.testing.assert_allclose(exposure[list(fixed)], car.groupby("gender", observed=True)["exposure"].sum()[list(fixed)])
    # the restricted relativity enters predictions
    male = car.head(5).assign(gender="Male")
    female = car.head(5).assign(gender="Female")
    np.testing.assert_allclose(model.predict(male) / model.predict(female), 1.25, rtol=1e-12)
    # severity too: Gamma with the fixed log relativity as offset
    severity = SeverityGLM(CATEGORICAL, restrict={"gender": fixed}).fit(
        car, car["claim_amount"], claim_count=car["claim_count"]
    )
    claims = car[car["claim_count"] > 0]
    reference = sm_glm(
        claims["claim_amount"] / claims["claim_count"],
        dummies(claims, CATEGORICAL, _base(claims, CATEGORICAL, "claim_count")),
        GAMMA,
        var_weights=claims["claim_count"].to_numpy(dtype=float),
        offset=np.log(claims["gender"].astype(object).map(fixed).to_numpy(dtype=float)),
    )
    assert_matches_statsmodels(severity, reference)


def test_groups_merge_levels(car):
    rare = {"Bus": "other", "Convertible": "other", "Roadster": "other", "Motorized caravan": "other"}
    factors = ["vehicle_body", *CATEGORICAL]
    model = FrequencyGLM(factors, groups={"vehicle_body": rare}).fit(car, car["claim_count"], exposure=car["exposure"])
    grouped = car.assign(vehicle_body=car["vehicle_body"].astype(object).replace(rare))
    assert set(model.design_.terms[0].levels) == set(grouped["vehicle_body"])
    assert_matches_statsmodels(model, _frequency_reference(grouped, dummies(grouped, factors, _base(grouped, factors))))
    # raw levels are mapped at prediction time too
    np.testing.assert_allclose(model.predict(car.head(50)), model.predict(grouped.head(50)), rtol=1e-14)


# -------------------------------------------------------------- prediction
def test_predict_equals_exposure_times_exp_eta(car):
    train = car.sample(frac=0.8, random_state=3)
    test = car.drop(train.index)
    factors = ["vehicle_body", *CATEGORICAL]
    model = FrequencyGLM(factors, bands={"vehicle_value": [1.0, 2.0]}, n_bands=3).set_params(
        factors=[*factors, "vehicle_value"]
    ).fit(train, train["claim_count"], exposure=train["exposure"])
    levels = model.design_.terms[-1].levels
    band = lambda frame: frame.assign(  # noqa: E731
        vehicle_value=np.asarray(levels, dtype=object)[pd.cut(frame["vehicle_value"], [-np.inf, 1, 2, np.inf], right=False, labels=False)]
    )
    all_factors = [*factors, "vehicle_value"]
    base = _base(band(train), all_factors)
    reference = _frequency_reference(band(train), dummies(band(train), all_factors, base))
    X_test = dummies(band(test), all_factors, base).reindex(columns=reference.params.index, fill_value=0.0)
    eta = X_test.to_numpy() @ model.params_[reference.params.index].to_numpy()
    e = test["exposure"].to_numpy()
    np.testing.assert_allclose(model.predict(test, test["exposure"]), e * np.exp(eta), rtol=1e-12)
    np.testing.assert_allclose(model.predict(test, test["exposure"]), reference.predict(X_test, offset=np.log(e)), rtol=1e-6)
    np.testing.assert_allclose(model.predict(test), np.exp(eta), rtol=1e-12)  # exposure defaults to 1
    np.testing.assert_allclose(model.predict(test, 2.0), 2 * np.exp(eta), rtol=1e-12)
    assert isinstance(model.predict(test), np.ndarray) and len(model.predict(test)) == len(test)


# ------------------------------------------------------------- base levels
@st.composite
def one_factor_books(draw):
    names = draw(st.permutations(["a", "b", "c", "d"]))
    k = draw(st.integers(2, 4))
    levels = list(names[:k])
    n = draw(st.integers(k, 30))
    rows = [levels[i % k] for i in range(k)] + draw(st.lists(st.sampled_from(levels), min_size=n - k, max_size=n - k))
    exposure = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    claims = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))  # > 0: every MLE is finite
    categorical = draw(st.booleans())
    return levels, rows, exposure, claims, categorical


@settings(max_examples=40, deadline=None)
@given(one_factor_books())
def test_default_base_level_is_largest_exposure(book):
    levels, rows, exposure, claims, categorical = book
    assume(len(set(claims)) > 1)  # a constant response is refused (ModelError): see test_glm_errors
    values = pd.Categorical(rows, categories=levels) if categorical else pd.Series(rows, dtype=object)
    X = pd.DataFrame({"f": values})
    e, y = np.array(exposure, float), np.array(claims, float)
    model = FrequencyGLM().fit(X, y, exposure=e)
    # natural order: the categories' order, else sorted; ties go to the first
    natural = levels if categorical else sorted(levels)
    totals = {lv: e[np.array(rows) == lv].sum() for lv in natural}  # whole numbers: exact ties
    expected = next(lv for lv in natural if totals[lv] == max(totals.values()))
    assert model.design_.terms[0].base_level == expected
    # one-factor Poisson in closed form: relativity = ratio of claim frequencies,
    # Var(log relativity) = 1 / claims(level) + 1 / claims(base)
    counts = {lv: y[np.array(rows) == lv].sum() for lv in natural}
    table = model.coef_table().loc["f"]
    for lv in natural:
        rel = (counts[lv] / totals[lv]) / (counts[expected] / totals[expected])
        np.testing.assert_allclose(table.loc[lv, "relativity"], rel, rtol=1e-8)
        if lv != expected:
            np.testing.assert_allclose(table.loc[lv, "std_err"], np.sqrt(1 / counts[lv] + 1 / counts[expected]), rtol=1e-6)
    assert table.loc[expected, "status"] == "base"
