"""Tests of FrequencySeverity: a frequency and a severity GLM combined into expected cost.

The expectations come from the two GLMs fitted separately (and, for the
rebased relativities, from the combined model's own predictions on policies
that differ in one factor only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from autorisk.datasets import load
from autorisk.errors import ModelError, ParameterError
from autorisk.models import FrequencyGLM, FrequencySeverity, SeverityGLM

COLUMNS = ["factor", "level", "frequency_relativity", "severity_relativity", "relativity"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return load("swmotorcycle").query("exposure > 0").reset_index(drop=True)


def fit_pair(data, frequency, severity) -> FrequencySeverity:
    return FrequencySeverity(frequency, severity).fit(
        data, data["claim_count"], data["claim_amount"], exposure=data["exposure"]
    )


def separate(data, frequency, severity):
    freq = clone(frequency).fit(data, data["claim_count"], exposure=data["exposure"])
    sev = clone(severity).fit(data, data["claim_amount"], claim_count=data["claim_count"])
    return freq, sev


def relativity_dict(model, factor) -> dict:
    table = model.relativities()
    table = table[table["factor"] == factor]
    return dict(zip(table["level"], table["relativity"], strict=True))


@pytest.fixture(scope="module")
def pair(data) -> FrequencySeverity:
    return fit_pair(data, FrequencyGLM(["gender", "area", "bonus_class"]), SeverityGLM(["gender", "bonus_class"]))


def test_predictions_are_the_product_of_separately_fitted_models(data, pair):
    freq, sev = separate(data, pair.frequency, pair.severity)
    expected = freq.predict(data, exposure=data["exposure"]) * sev.predict(data)
    np.testing.assert_allclose(pair.predict(data, exposure=data["exposure"]), expected, rtol=1e-10)
    np.testing.assert_allclose(pair.predict(data), freq.predict(data) * sev.predict(data), rtol=1e-10)
    pd.testing.assert_series_equal(pair.frequency_.params_, freq.params_, rtol=1e-10)
    pd.testing.assert_series_equal(pair.severity_.params_, sev.params_, rtol=1e-10)
    # The severity model sees the rows with claims only, weighted by their counts.
    assert pair.severity_.n_obs_ == int((data["claim_count"] > 0).sum())
    # The given estimators are templates: cloned, left unfitted.
    assert not hasattr(pair.frequency, "params_") and not hasattr(pair.severity, "params_")


def test_relativities_are_the_products_per_factor_and_level(data, pair):
    table = pair.relativities()
    assert table.columns.tolist() == COLUMNS
    freq, sev = separate(data, pair.frequency, pair.severity)
    for factor in ("gender", "bonus_class"):
        rows = table[table["factor"] == factor].set_index("level")
        f, s = relativity_dict(freq, factor), relativity_dict(sev, factor)
        assert set(rows.index) == set(f) == set(s)
        for level in rows.index:
            assert rows.loc[level, "frequency_relativity"] == pytest.approx(f[level], rel=1e-10)
            assert rows.loc[level, "severity_relativity"] == pytest.approx(s[level], rel=1e-10)
            assert rows.loc[level, "relativity"] == pytest.approx(f[level] * s[level], rel=1e-10)
    # area is in the frequency model only: severity relativity 1.
    area = table[table["factor"] == "area"]
    assert len(area) == data["area"].nunique()
    assert (area["severity_relativity"] == 1.0).all()
    np.testing.assert_allclose(area["relativity"], area["frequency_relativity"])


def test_a_factor_only_in_the_severity_model(data):
    model = fit_pair(data, FrequencyGLM(["gender"]), SeverityGLM(["gender", "bonus_class"]))
    rows = model.relativities().query("factor == 'bonus_class'")
    assert (rows["frequency_relativity"] == 1.0).all()
    np.testing.assert_allclose(rows["relativity"], rows["severity_relativity"])


def test_different_base_levels_are_rebased_to_the_frequency_base(data):
    frequency = FrequencyGLM(["gender", "bonus_class"], base_levels={"bonus_class": "BM7"})
    severity = SeverityGLM(["gender", "bonus_class"], base_levels={"bonus_class": "BM1"})
    model = fit_pair(data, frequency, severity)
    rows = model.relativities().query("factor == 'bonus_class'").set_index("level")
    assert rows.loc["BM7", "relativity"] == pytest.approx(1.0)
    assert rows.loc["BM7", "severity_relativity"] == pytest.approx(1.0)
    # Severity relativities are the severity model's own, divided by its relativity at BM7.
    own = relativity_dict(model.severity_, "bonus_class")
    assert own["BM1"] == 1.0
    for level in own:
        assert rows.loc[level, "severity_relativity"] == pytest.approx(own[level] / own["BM7"], rel=1e-10)
    # Independent check: the combined relativity is the ratio of expected costs to the base level.
    levels = rows.index.tolist()
    probe = pd.DataFrame({
        "gender": pd.Categorical(["Female"] * len(levels), categories=data["gender"].cat.categories),
        "bonus_class": pd.Categorical(levels, categories=data["bonus_class"].cat.categories, ordered=True),
    })
    cost = pd.Series(model.predict(probe), index=levels)
    np.testing.assert_allclose(rows["relativity"], cost / cost["BM7"], rtol=1e-10)
    # The same combined table as when both models share the frequency base.
    aligned = fit_pair(data, frequency, SeverityGLM(["gender", "bonus_class"], base_levels={"bonus_class": "BM7"}))
    expected = aligned.relativities().query("factor == 'bonus_class'").set_index("level")
    np.testing.assert_allclose(rows.loc[expected.index, "relativity"], expected["relativity"], rtol=1e-8)


def test_a_level_without_claims_has_no_severity_relativity(data):
    subset = data[~((data["area"].astype(str).str.startswith("Gotland")) & (data["claim_count"] > 0))]
    model = fit_pair(subset, FrequencyGLM(["area"]), SeverityGLM(["area"]))
    rows = model.relativities().set_index("level")
    gotland = [level for level in rows.index if level.startswith("Gotland")][0]
    assert np.isnan(rows.loc[gotland, "severity_relativity"])
    assert np.isnan(rows.loc[gotland, "relativity"])
    assert rows["relativity"].drop(gotland).notna().all()


def test_restricted_factors_are_combined(data):
    frequency = FrequencyGLM(["bonus_class"], restrict={"gender": {"Male": 1.0, "Female": 0.7}})
    model = fit_pair(data, frequency, SeverityGLM(["gender", "bonus_class"]))
    rows = model.relativities().query("factor == 'gender'").set_index("level")
    sev = relativity_dict(model.severity_, "gender")
    assert rows.loc["Female", "frequency_relativity"] == 0.7
    assert rows.loc["Female", "relativity"] == pytest.approx(0.7 * sev["Female"])
    assert rows.loc["Male", "relativity"] == pytest.approx(sev["Male"])


def test_a_restricted_severity_factor_is_rebased_to_the_frequency_base(data):
    # The frequency base of gender is Male (largest exposure); the severity table is given with Female = 1.
    severity = SeverityGLM(["bonus_class"], restrict={"gender": {"Female": 1.0, "Male": 1.25}})
    model = fit_pair(data, FrequencyGLM(["gender", "bonus_class"]), severity)
    rows = model.relativities().query("factor == 'gender'").set_index("level")
    assert model.frequency_.design_.terms[0].base_level == "Male"
    assert rows.loc["Male", "relativity"] == pytest.approx(1.0)
    assert rows.loc["Female", "severity_relativity"] == pytest.approx(1.0 / 1.25)
    # Independent check: the combined relativity is the ratio of expected costs, other factors equal.
    probe = pd.DataFrame({
        "gender": pd.Categorical(["Female", "Male"], categories=data["gender"].cat.categories),
        "bonus_class": pd.Categorical(["BM7", "BM7"], categories=data["bonus_class"].cat.categories, ordered=True),
    })
    cost = model.predict(probe)
    assert rows.loc["Female", "relativity"] == pytest.approx(cost[0] / cost[1], rel=1e-10)


def test_interactions_need_matching_base_levels(data):
    frequency = FrequencyGLM(["gender", "bonus_class"], interactions=[("gender", "bonus_class")],
                             base_levels={"bonus_class": "BM7"})
    same = fit_pair(data, frequency, SeverityGLM(["gender", "bonus_class"], base_levels={"bonus_class": "BM7"}))
    rows = same.relativities().query("factor == 'gender:bonus_class'")
    assert len(rows) == 6 and (rows["severity_relativity"] == 1.0).all()
    np.testing.assert_allclose(rows["relativity"], rows["frequency_relativity"])
    severity = SeverityGLM(["gender", "bonus_class"], interactions=[("gender", "bonus_class")],
                           base_levels={"bonus_class": "BM1"})
    differ = fit_pair(data, frequency, severity)
    with pytest.raises(ModelError, match=r"gender:bonus_class.*'bonus_class'.*'BM7'.*'BM1'"):
        differ.relativities()


def test_sklearn_conventions_and_errors(data, pair):
    params = pair.get_params()
    assert params["frequency__factors"] == ["gender", "area", "bonus_class"]
    tuned = clone(pair).set_params(severity__factors=["gender"])
    assert tuned.severity.factors == ["gender"] and not hasattr(tuned, "frequency_")
    with pytest.raises(NotFittedError):
        FrequencySeverity(FrequencyGLM(), SeverityGLM()).predict(data)
    with pytest.raises(ParameterError, match="frequency must be a FrequencyGLM, got SeverityGLM"):
        FrequencySeverity(SeverityGLM(), SeverityGLM()).fit(data, data["claim_count"], data["claim_amount"])
    with pytest.raises(ParameterError, match="severity must be a SeverityGLM, got FrequencyGLM"):
        FrequencySeverity(FrequencyGLM(), FrequencyGLM()).fit(data, data["claim_count"], data["claim_amount"])
    default = FrequencySeverity().fit(data[["gender"]], data["claim_count"], data["claim_amount"],
                                      exposure=data["exposure"])
    assert default.frequency_.design_.factors == ["gender"]
    assert default.n_features_in_ == 1
