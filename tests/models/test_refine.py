"""Tests of the GLM refinements: grouping levels, restricting and smoothing factors.

Expectations are independent of autorisk's engine: statsmodels fits on
hand-built dummy designs with the restricted relativities as an offset,
weighted least squares done with numpy, and properties of the results
(monotone, log-linear, deviance ordering).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.datasets import load
from autorisk.errors import DataError, ModelError, ParameterError
from autorisk.models import (
    FrequencyGLM,
    SeverityGLM,
    band_factor,
    group_levels,
    restrict_factor,
    smooth_factor,
    smooth_relativities,
)

INTERCEPT = "(intercept)"
FACTORS = ["gender", "area", "bonus_class"]
AREAS = {
    "Central parts of Sweden's three largest cities": "central",
    "Gotland (Sweden's largest island)": "gotland",
    "Lesser towns except Gotland; Northern towns": "lesser_towns",
    "Northern countryside": "north_country",
    "Northern towns": "north_towns",
    "Small towns; countryside except Gotland; Northern towns": "small_towns",
    "Suburbs; middle-sized cities": "suburbs",
}
BONUS = [f"BM{i}" for i in range(1, 8)]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    frame = load("swmotorcycle").query("exposure > 0").reset_index(drop=True)
    frame["area"] = frame["area"].cat.rename_categories(AREAS)
    assert frame["bonus_class"].cat.ordered
    return frame


@pytest.fixture(scope="module")
def freq(data) -> FrequencyGLM:
    return FrequencyGLM(FACTORS).fit(data, data["claim_count"], exposure=data["exposure"])


def fit_kw(data):
    return {"exposure": data["exposure"]}


def table(model, factor) -> pd.Series:
    rel = model.relativities()
    rel = rel[rel["factor"] == factor]
    return pd.Series(rel["relativity"].to_numpy(), index=rel["level"].tolist())


# ------------------------------------------------------------ statsmodels reference
def dummies(frame: pd.DataFrame, factors: dict[str, object]) -> pd.DataFrame:
    """Intercept and one 0/1 column per non-base level, named like autorisk's coefficients."""
    columns = {INTERCEPT: np.ones(len(frame))}
    for factor, base in factors.items():
        values = frame[factor].astype(object)
        for level in sorted(set(values), key=str):
            if level != base:
                columns[f"{factor}[{level}]"] = (values == level).to_numpy(dtype=float)
    return pd.DataFrame(columns, index=frame.index)


def sm_poisson(design, counts, offset):
    return sm.GLM(np.asarray(counts, float), design, family=sm.families.Poisson(), offset=offset).fit(
        tol=1e-13, maxiter=200
    )


def assert_params_match(model, reference, rtol=1e-6, atol=1e-9):
    params = model.params_
    assert sorted(params.index) == sorted(reference.params.index)
    np.testing.assert_allclose(params[reference.params.index], reference.params, rtol=rtol, atol=atol)


# ------------------------------------------------------------------- restrict
@pytest.mark.parametrize("factor", ["area", "bonus_class"])
def test_restricting_to_own_relativities_reproduces_the_fit(data, freq, factor):
    own = table(freq, factor).to_dict()
    restricted = restrict_factor(freq, factor, own, data, data["claim_count"], **fit_kw(data))
    shared = [name for name in freq.params_.index if not name.startswith(f"{factor}[")]
    assert sorted(shared) == sorted(restricted.params_.index)
    np.testing.assert_allclose(restricted.params_[shared], freq.params_[shared], rtol=1e-6, atol=1e-9)
    assert restricted.deviance_ == pytest.approx(freq.deviance_, rel=1e-6)
    np.testing.assert_allclose(restricted.predict(data), freq.predict(data), rtol=1e-6)
    assert factor not in restricted.factors
    assert restricted.restrict == {factor: pytest.approx(own)}
    rel = restricted.relativities()
    assert set(rel.loc[rel["factor"] == factor, "status"]) == {"restricted"}


def test_restricting_severity_to_own_relativities_reproduces_the_fit(data):
    claims = {"claim_count": data["claim_count"]}
    sev = SeverityGLM(["gender", "bonus_class"]).fit(data, data["claim_amount"], **claims)
    restricted = restrict_factor(sev, "bonus_class", table(sev, "bonus_class"), data, data["claim_amount"], **claims)
    assert restricted.deviance_ == pytest.approx(sev.deviance_, rel=1e-6)
    np.testing.assert_allclose(restricted.params_, sev.params_[restricted.params_.index], rtol=1e-6, atol=1e-9)


def test_restricting_to_arbitrary_values_equals_statsmodels_with_an_offset(data, freq):
    values = {"central": 3.0, "gotland": 0.5, "lesser_towns": 1.6, "north_country": 1.1,
              "north_towns": 0.9, "small_towns": 1.0, "suburbs": 2.2}
    restricted = restrict_factor(freq, "area", values, data, data["claim_count"], **fit_kw(data))
    bases = {"gender": freq.design_.terms[0].base_level, "bonus_class": freq.design_.terms[2].base_level}
    offset = np.log(data["exposure"].to_numpy()) + np.log(data["area"].astype(object).map(values).to_numpy(float))
    reference = sm_poisson(dummies(data, bases), data["claim_count"], offset)
    assert_params_match(restricted, reference)
    assert restricted.deviance_ == pytest.approx(reference.deviance, rel=1e-8)
    np.testing.assert_allclose(restricted.cov_params_.loc[reference.params.index, reference.params.index],
                               reference.cov_params(), rtol=1e-5)
    # The restricted relativities are reported as given.
    assert table(restricted, "area").to_dict() == pytest.approx(values)


def test_restrict_replaces_an_existing_restriction(data, freq):
    first = restrict_factor(freq, "gender", {"Male": 1.0, "Female": 0.5}, data, data["claim_count"], **fit_kw(data))
    second = restrict_factor(first, "gender", {"Male": 1.0, "Female": 0.9}, data, data["claim_count"], **fit_kw(data))
    assert second.restrict == {"gender": {"Female": 0.9, "Male": 1.0}}
    assert [r["kind"] for r in second.refinements_] == ["restrict", "restrict"]


def test_restrict_accepts_a_series_and_keeps_other_restrictions(data, freq):
    first = restrict_factor(freq, "gender", pd.Series({"Male": 1.0, "Female": 0.8}), data, data["claim_count"],
                            **fit_kw(data))
    second = restrict_factor(first, "bonus_class", table(first, "bonus_class"), data, data["claim_count"],
                             **fit_kw(data))
    assert set(second.restrict) == {"gender", "bonus_class"}
    assert second.design_.factors == ["area"]
    assert second.deviance_ == pytest.approx(first.deviance_, rel=1e-6)


def test_restricting_a_factor_drops_its_interactions_with_a_warning(data):
    model = FrequencyGLM(["gender", "bonus_class"], interactions=[("gender", "bonus_class")]).fit(
        data, data["claim_count"], exposure=data["exposure"]
    )
    with pytest.warns(UserWarning, match="drops its interactions"):
        restricted = restrict_factor(model, "gender", {"Male": 1, "Female": 0.8}, data, data["claim_count"],
                                     **fit_kw(data))
    assert restricted.interactions is None
    assert restricted.refinements_[-1]["details"]["dropped_interactions"] == [("gender", "bonus_class")]


# ---------------------------------------------------------------------- smooth
def test_full_degree_smoothing_reproduces_the_relativities(data, freq):
    smoothed = smooth_factor(freq, "bonus_class", data, data["claim_count"], degree=6, **fit_kw(data))
    original = table(freq, "bonus_class")
    np.testing.assert_allclose(table(smoothed, "bonus_class")[original.index], original, rtol=1e-6)
    shared = smoothed.params_.index
    np.testing.assert_allclose(smoothed.params_, freq.params_[shared], rtol=1e-6, atol=1e-9)
    assert smoothed.deviance_ == pytest.approx(freq.deviance_, rel=1e-8)


def test_linear_smoothing_is_log_linear_in_rank_and_fits_no_better(data, freq):
    smoothed = smooth_factor(freq, "bonus_class", data, data["claim_count"], degree=1, **fit_kw(data))
    rel = table(smoothed, "bonus_class")
    assert rel.index.tolist() == BONUS  # natural order of the ordered categorical
    log_rel = np.log(rel.to_numpy())
    np.testing.assert_allclose(np.diff(log_rel, 2), 0.0, atol=1e-12)
    assert rel["BM7"] == 1.0  # the base level keeps relativity 1
    assert smoothed.deviance_ >= freq.deviance_
    # Independent check: exposure-weighted least-squares line through the original log-relativities.
    original = table(freq, "bonus_class")[BONUS]
    exposure = np.array([freq.design_.terms[2].exposure[level] for level in BONUS])
    design = np.column_stack([np.ones(7), np.arange(7.0)])
    root = np.sqrt(exposure)
    coef = np.linalg.lstsq(design * root[:, None], np.log(original.to_numpy()) * root, rcond=None)[0]
    assert np.diff(log_rel)[0] == pytest.approx(coef[1], rel=1e-9)
    details = smoothed.refinements_[-1]
    assert details["kind"] == "smooth" and details["factor"] == "bonus_class"
    assert details["details"]["method"] == "polynomial" and details["details"]["degree"] == 1
    assert details["details"]["order"] == BONUS
    assert details["details"]["original"] == pytest.approx(original.to_dict())


@pytest.mark.parametrize("direction", ["increasing", "decreasing"])
def test_monotone_smoothing_gives_monotone_relativities(data, freq, direction):
    smoothed = smooth_factor(freq, "bonus_class", data, data["claim_count"], monotone=direction, **fit_kw(data))
    rel = table(smoothed, "bonus_class")[BONUS].to_numpy()
    steps = np.diff(rel)
    assert np.all(steps >= -1e-12) if direction == "increasing" else np.all(steps <= 1e-12)
    assert table(smoothed, "bonus_class")["BM7"] == 1.0
    assert smoothed.deviance_ >= freq.deviance_
    assert smoothed.refinements_[-1]["details"]["monotone"] == direction


def test_smoothing_an_unordered_factor_needs_an_order(data, freq):
    with pytest.raises(ParameterError, match=r"'area'.*no natural order.*order="):
        smooth_factor(freq, "area", data, data["claim_count"], degree=1, **fit_kw(data))
    order = ["gotland", "north_towns", "north_country", "small_towns", "lesser_towns", "suburbs", "central"]
    smoothed = smooth_factor(freq, "area", data, data["claim_count"], degree=2, order=order, **fit_kw(data))
    log_rel = np.log(table(smoothed, "area")[order].to_numpy())
    np.testing.assert_allclose(np.diff(log_rel, 3), 0.0, atol=1e-10)  # quadratic in rank
    with pytest.raises(ParameterError, match="order must list each level"):
        smooth_factor(freq, "area", data, data["claim_count"], degree=1, order=order[:-1], **fit_kw(data))


def test_smoothing_a_grouped_ordered_factor_ranks_groups_by_their_members(data, freq):
    grouped = group_levels(freq, "bonus_class", {"BM5": "BM5+", "BM6": "BM5+", "BM7": "BM5+"}, data,
                           data["claim_count"], **fit_kw(data))
    smoothed = smooth_factor(grouped, "bonus_class", data, data["claim_count"], degree=1, **fit_kw(data))
    assert smoothed.refinements_[-1]["details"]["order"] == ["BM1", "BM2", "BM3", "BM4", "BM5+"]
    assert [r["kind"] for r in smoothed.refinements_] == ["group", "smooth"]
    rel = table(smoothed, "bonus_class")
    np.testing.assert_allclose(np.diff(np.log(rel[["BM1", "BM2", "BM3", "BM4", "BM5+"]].to_numpy()), 2), 0,
                               atol=1e-12)
    # The grouped model still predicts from raw levels.
    assert np.isfinite(smoothed.predict(data)).all()


def test_banded_factors_are_refused_and_band_factor_gives_the_workaround(data):
    model = FrequencyGLM(["gender", "owner_age"], bands={"owner_age": [20, 30, 40, 50, 60]}).fit(
        data, data["claim_count"], exposure=data["exposure"]
    )
    for call in (
        lambda: smooth_factor(model, "owner_age", data, data["claim_count"], degree=1, **fit_kw(data)),
        lambda: restrict_factor(model, "owner_age", {}, data, data["claim_count"], **fit_kw(data)),
        lambda: group_levels(model, "owner_age", {}, data, data["claim_count"], **fit_kw(data)),
    ):
        with pytest.raises(ParameterError, match=r"'owner_age'.*banded.*band_factor"):
            call()
    banded = data.assign(owner_age=band_factor(model, "owner_age", data))
    again = FrequencyGLM(["gender", "owner_age"]).fit(banded, banded["claim_count"], exposure=banded["exposure"])
    np.testing.assert_allclose(again.deviance_, model.deviance_, rtol=1e-9)
    smoothed = smooth_factor(again, "owner_age", banded, banded["claim_count"], monotone="auto", **fit_kw(banded))
    order = smoothed.refinements_[-1]["details"]["order"]
    assert order == ["<20", "[20, 30)", "[30, 40)", "[40, 50)", "[50, 60)", ">=60"]
    rel = table(smoothed, "owner_age")[order].to_numpy()
    assert np.all(np.diff(rel) <= 1e-12) or np.all(np.diff(rel) >= -1e-12)
    with pytest.raises(ParameterError, match="not a banded factor"):
        band_factor(model, "gender", data)


def test_refinement_history_extends_and_the_input_model_is_untouched(data, freq):
    before = freq.params_.copy()
    step1 = group_levels(freq, "area", {"gotland": "north_country"}, data, data["claim_count"], **fit_kw(data))
    step2 = smooth_factor(step1, "bonus_class", data, data["claim_count"], monotone="auto", **fit_kw(data))
    step3 = restrict_factor(step2, "gender", {"Male": 1.0, "Female": 0.75}, data, data["claim_count"],
                            **fit_kw(data))
    assert [(r["kind"], r["factor"]) for r in step3.refinements_] == [
        ("group", "area"), ("smooth", "bonus_class"), ("restrict", "gender")
    ]
    assert len(step1.refinements_) == 1 and len(step2.refinements_) == 2
    assert not hasattr(freq, "refinements_")
    pd.testing.assert_series_equal(freq.params_, before)
    assert step3.refinements_[0]["details"]["deviance_after"] == pytest.approx(step1.deviance_)
    # Same surface as any fitted model.
    text = repr(step3.summary())
    assert "restricted" in text
    assert set(step3.coef_table().loc["bonus_class", "status"]) == {"restricted"}
    assert step3.design_.factors == ["area"]
    assert np.isfinite(step3.predict(data, exposure=data["exposure"])).all()


def test_resmoothing_a_restricted_factor(data, freq):
    smoothed = smooth_factor(freq, "bonus_class", data, data["claim_count"], degree=3, **fit_kw(data))
    again = smooth_factor(smoothed, "bonus_class", data, data["claim_count"], degree=1, **fit_kw(data))
    log_rel = np.log(table(again, "bonus_class")[BONUS].to_numpy())
    np.testing.assert_allclose(np.diff(log_rel, 2), 0, atol=1e-12)
    assert table(again, "bonus_class")["BM7"] == 1.0


# ----------------------------------------------------------------------- group
def test_group_levels_equals_statsmodels_on_regrouped_dummies(data, freq):
    mapping = {"BM5": "BM5-7", "BM6": "BM5-7", "BM7": "BM5-7"}
    grouped = group_levels(freq, "bonus_class", mapping, data, data["claim_count"], **fit_kw(data))
    regrouped = data.assign(bonus_class=data["bonus_class"].astype(object).replace(mapping))
    bases = {"gender": "Male", "area": "small_towns", "bonus_class": "BM5-7"}
    assert {t.name: t.base_level for t in grouped.design_.terms} == bases  # base BM7 -> its group
    reference = sm_poisson(dummies(regrouped, bases), data["claim_count"], np.log(data["exposure"].to_numpy()))
    assert_params_match(grouped, reference)
    assert grouped.deviance_ == pytest.approx(reference.deviance, rel=1e-8)
    assert grouped.deviance_ >= freq.deviance_
    assert grouped.groups == {"bonus_class": mapping}


def test_grouping_twice_composes(data, freq):
    once = group_levels(freq, "area", {"gotland": "rural", "north_country": "rural", "north_towns": "rural"},
                        data, data["claim_count"], **fit_kw(data))
    step = group_levels(freq, "area", {"gotland": "g+nc", "north_country": "g+nc"}, data, data["claim_count"],
                        **fit_kw(data))
    twice = group_levels(step, "area", {"g+nc": "rural", "north_towns": "rural"}, data, data["claim_count"],
                         **fit_kw(data))
    assert twice.groups == once.groups
    np.testing.assert_allclose(twice.params_, once.params_, rtol=1e-9)
    # Merging a level into an existing one (named after it).
    into = group_levels(freq, "area", {"gotland": "north_country"}, data, data["claim_count"], **fit_kw(data))
    assert "gotland" not in table(into, "area").index


def test_group_levels_errors_name_the_levels(data, freq):
    with pytest.raises(ParameterError, match=r"unknown level\(s\) \['BM9'\].*'BM1'"):
        group_levels(freq, "bonus_class", {"BM9": "x", "BM1": "x"}, data, data["claim_count"], **fit_kw(data))
    with pytest.raises(ParameterError, match="'region' is not a factor.*'gender'"):
        group_levels(freq, "region", {"a": "b"}, data, data["claim_count"], **fit_kw(data))
    with pytest.raises(ParameterError, match="removes the factor"):
        group_levels(freq, "gender", {"Male": "all", "Female": "all"}, data, data["claim_count"], **fit_kw(data))
    with pytest.raises(ParameterError, match="must be a mapping"):
        group_levels(freq, "gender", ["Male"], data, data["claim_count"], **fit_kw(data))
    numeric = FrequencyGLM(["gender", "vehicle_age"]).fit(data, data["claim_count"], exposure=data["exposure"])
    with pytest.raises(ParameterError, match="'vehicle_age'.*numeric term"):
        group_levels(numeric, "vehicle_age", {1: 2}, data, data["claim_count"], **fit_kw(data))
    restricted = restrict_factor(freq, "gender", {"Male": 1, "Female": 1}, data, data["claim_count"], **fit_kw(data))
    with pytest.raises(ParameterError, match="'gender'.*restricted"):
        group_levels(restricted, "gender", {"Male": "x"}, data, data["claim_count"], **fit_kw(data))
    with pytest.raises(ModelError, match="not fitted"):
        group_levels(FrequencyGLM(), "gender", {"Male": "x"}, data, data["claim_count"])


def test_restrict_factor_errors_name_the_levels(data, freq):
    with pytest.raises(ParameterError, match=r"no relativity for level\(s\) \['Female'\]"):
        restrict_factor(freq, "gender", {"Male": 1.0}, data, data["claim_count"], **fit_kw(data))
    with pytest.raises(ParameterError, match=r"unknown level\(s\) \['Femal'\].*'Female'"):
        restrict_factor(freq, "gender", {"Male": 1.0, "Female": 1.0, "Femal": 2.0}, data, data["claim_count"],
                        **fit_kw(data))
    with pytest.raises(ParameterError, match=r"positive numbers.*'Female': -1"):
        restrict_factor(freq, "gender", {"Male": 1.0, "Female": -1}, data, data["claim_count"], **fit_kw(data))
    with pytest.raises(ParameterError, match="positive numbers"):
        restrict_factor(freq, "gender", {"Male": 1.0, "Female": "x"}, data, data["claim_count"], **fit_kw(data))
    holes = data.assign(gender=data["gender"].where(data.index % 100 != 7))
    with pytest.raises(DataError, match="'gender': missing value in 6[0-9][0-9] rows"):
        restrict_factor(freq, "gender", {"Male": 1.0, "Female": 1.0}, holes, holes["claim_count"], **fit_kw(holes))


def test_smooth_factor_argument_errors(data, freq):
    args = (freq, "bonus_class", data, data["claim_count"])
    with pytest.raises(ParameterError, match="exactly one of degree"):
        smooth_factor(*args, **fit_kw(data))
    with pytest.raises(ParameterError, match="exactly one of degree"):
        smooth_factor(*args, degree=1, monotone="increasing", **fit_kw(data))
    with pytest.raises(ParameterError, match=r"degree must be an integer in 0\.\.6"):
        smooth_factor(*args, degree=7, **fit_kw(data))
    with pytest.raises(ParameterError, match="degree must be an integer"):
        smooth_factor(*args, degree=1.5, **fit_kw(data))
    with pytest.raises(ParameterError, match="monotone must be one of"):
        smooth_factor(*args, monotone="up", **fit_kw(data))
    with pytest.raises(ParameterError, match="'nope' is not a factor"):
        smooth_factor(freq, "nope", data, data["claim_count"], degree=1, **fit_kw(data))


# ------------------------------------------------------- smooth_relativities
relativity_vectors = st.integers(2, 9).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(0.05, 20.0), min_size=k, max_size=k),
        st.lists(st.floats(0.01, 1e4), min_size=k, max_size=k),
        st.integers(0, k - 1),
    )
)


@settings(max_examples=60, deadline=None)
@given(relativity_vectors, st.sampled_from(["increasing", "decreasing"]))
def test_isotonic_smoothing_is_monotone_and_idempotent(case, direction):
    relativities, weights, base = case
    smoothed = smooth_relativities(relativities, weights, monotone=direction, base=base)
    steps = np.diff(np.log(smoothed))
    assert np.all(steps >= -1e-9) if direction == "increasing" else np.all(steps <= 1e-9)
    assert smoothed[base] == 1.0
    assert np.all(smoothed > 0)
    # Already monotone relativities are left as they are (up to the base rescaling).
    again = smooth_relativities(smoothed * 3.0, weights, monotone=direction, base=base)
    np.testing.assert_allclose(again, smoothed, rtol=1e-9)
    # Weighted least squares: each pooled block sits at the weighted mean of its log-relativities,
    # so the weighted residuals sum to zero once the base rescaling is undone.
    log_rel, fitted = np.log(relativities), np.log(smoothed)
    shift = np.average(log_rel - fitted, weights=weights)
    for value in np.unique(np.round(fitted, 9)):
        block = np.isclose(fitted, value, atol=1e-9)
        assert np.average(log_rel[block], weights=np.asarray(weights)[block]) == pytest.approx(value + shift,
                                                                                                abs=1e-7)


@settings(max_examples=60, deadline=None)
@given(relativity_vectors)
def test_polynomial_smoothing_degrees(case):
    relativities, weights, base = case
    k = len(relativities)
    full = smooth_relativities(relativities, weights, degree=k - 1, base=base)
    np.testing.assert_allclose(full, np.asarray(relativities) / relativities[base], rtol=1e-6)
    linear = smooth_relativities(relativities, weights, degree=1, base=base)
    np.testing.assert_allclose(np.diff(np.log(linear), 2), 0.0, atol=1e-9)
    flat = smooth_relativities(relativities, weights, degree=0, base=base)
    np.testing.assert_array_equal(flat, np.ones(k))


def test_smooth_relativities_argument_errors():
    with pytest.raises(ParameterError, match="positive numbers"):
        smooth_relativities([1.0, 0.0], degree=1)
    with pytest.raises(ParameterError, match="2 weights for 3"):
        smooth_relativities([1.0, 2.0, 3.0], [1, 1], degree=1)
    with pytest.raises(ParameterError, match="non-negative"):
        smooth_relativities([1.0, 2.0], [1, -1], degree=1)
    with pytest.raises(ParameterError, match="base must be a position"):
        smooth_relativities([1.0, 2.0], degree=1, base=2)
    with pytest.raises(ParameterError, match="at least 2 levels with positive weight"):
        smooth_relativities([1.0, 2.0, 3.0], [1, 0, 0], degree=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = smooth_relativities([1.0, 2.0, 3.0], [1, 0, 1], monotone="increasing")
    assert np.all(np.diff(result) >= 0)
