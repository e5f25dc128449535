"""Saving GLMs and frequency-severity pairs as JSON: bit-identical round trips, strict refusals.

The data are synthetic with known parameters (a region effect, grouped into
three tariff groups, a use effect, a banded age, a spline in vehicle age, a
use x region interaction, a restricted NCD factor with the true relativities
and a numeric factor with integer levels), so each fit is checked against
the truth and each loaded model against the model that was saved, with
``np.array_equal``: the same bits, not approximately.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.errors import ModelError
from autorisk.models import (
    FrequencyGBM,
    FrequencyGLM,
    FrequencySeverity,
    SeverityGLM,
    TweedieGLM,
    load_model,
)
from autorisk.models.persistence import FORMAT, FORMAT_VERSION, decode, encode

REGION = {"r1": 1.0, "r2": 1.0, "r3": 1.3, "r4": 1.3, "r5": 0.8}
GROUPS = {"r1": "low", "r2": "low", "r3": "high", "r4": "high", "r5": "rural"}
NCD = {0: 1.25, 1: 1.0, 2: 0.85, 3: 0.7}
USE = {"private": 1.0, "business": 1.5}
OPTIONS = {
    "factors": ["region", "use", "driver_age", "vehicle_age", "fleet"],
    "bands": {"driver_age": [25.0, 35.0, 60.0]},
    "splines": {"vehicle_age": 3},
    "interactions": [("use", "region")],
    "groups": {"region": GROUPS},
    "restrict": {"ncd": NCD},
    "base_levels": {"use": "private"},
    "unseen": "base",
    "missing": "level",
}


def _book(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "region": rng.choice(list(REGION), n),
            "use": rng.choice(list(USE), n, p=[0.75, 0.25]),
            "driver_age": rng.integers(18, 80, n).astype(float),
            "vehicle_age": rng.uniform(0, 15, n),
            "ncd": rng.choice(list(NCD), n),
            "fleet": rng.choice([True, False], n, p=[0.2, 0.8]),
            "exposure": rng.uniform(0.1, 1.0, n),
        }
    )
    data.loc[rng.random(n) < 0.01, "region"] = None  # the missing="level" policy has a level to save
    age = np.where(data["driver_age"] < 25, 1.8, np.where(data["driver_age"] >= 60, 1.2, 1.0))
    rate = (0.1 * data["region"].map(REGION).fillna(1.0) * data["use"].map(USE) * age
            * data["ncd"].map(NCD) * np.exp(-0.03 * data["vehicle_age"]))  # fmt: skip
    data["claim_count"] = rng.poisson(rate * data["exposure"])
    mean_claim = 3000.0 * np.where(data["use"] == "business", 1.2, 1.0)
    data["claim_amount"] = np.where(data["claim_count"] > 0, rng.gamma(2.0 * data["claim_count"].clip(1), mean_claim / 2.0), 0.0)
    return data


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    return _book(30_000, seed=21)


@pytest.fixture(scope="module")
def new_book() -> pd.DataFrame:
    """Other policies, with a region never seen in training (the unseen="base" policy applies)."""
    data = _book(2_000, seed=22)
    data.loc[:4, "region"] = "r9"
    return data


def _fit_quietly(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return model.fit(*args, **kwargs)


def _predict_quietly(model, X, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the unseen region, mapped to the base level
        return model.predict(X, **kwargs)


@pytest.fixture(scope="module")
def frequency(book) -> FrequencyGLM:
    return _fit_quietly(FrequencyGLM(**OPTIONS), book, book["claim_count"], exposure=book["exposure"])


def _assert_same_model(loaded, model, book, new_book, **predict):
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    for data in (book, new_book):
        kwargs = {name: data[column] for name, column in predict.items()}
        assert np.array_equal(_predict_quietly(loaded, data, **kwargs), _predict_quietly(model, data, **kwargs))
    assert loaded.params_.equals(model.params_) and loaded.cov_params_.equals(model.cov_params_)
    assert np.array_equal(loaded.coef_, model.coef_) and loaded.intercept_ == model.intercept_
    for name in ("dispersion_", "deviance_", "null_deviance_", "loglik_", "aic_", "bic_", "df_resid_", "n_obs_"):
        assert getattr(loaded, name) == getattr(model, name), name
    assert loaded.family_ == model.family_
    assert list(loaded.feature_names_in_) == list(model.feature_names_in_)
    assert loaded.coef_table().equals(model.coef_table())
    assert loaded.relativities().equals(model.relativities())
    assert str(loaded.summary()) == str(model.summary())


def test_frequency_glm_round_trip_is_bit_identical(frequency, book, new_book, tmp_path):
    # the fit finds the known parameters: the truth is in the saved model
    table = frequency.relativities().set_index(["factor", "level"])["relativity"]
    assert table[("region", "high")] == pytest.approx(1.3, rel=0.08)
    assert table[("region", "rural")] == pytest.approx(0.8, rel=0.1)
    assert table[("use", "business")] == pytest.approx(1.5, rel=0.08)
    assert table[("driver_age", "<25")] == pytest.approx(1.8, rel=0.1)
    assert table[("ncd", 3)] == 0.7  # restricted: the given table, an integer level
    path = frequency.save(tmp_path / "frequency.json")
    loaded = FrequencyGLM.load(path)
    _assert_same_model(loaded, frequency, book, new_book, exposure="exposure")
    assert loaded.score(book, book["claim_count"], exposure=book["exposure"]) == frequency.score(
        book, book["claim_count"], exposure=book["exposure"]
    )
    assert loaded.contributions(book).equals(frequency.contributions(book))
    # levels keep their types through JSON: booleans, integers, the missing level
    fleet = next(t for t in loaded.design_.terms if t.name == "fleet")
    assert all(type(level) is bool for level in fleet.levels)
    assert set(loaded.restrict["ncd"]) == {0, 1, 2, 3} and all(type(k) is int for k in loaded.restrict["ncd"])
    assert "(missing)" in next(t for t in loaded.design_.terms if t.name == "region").levels
    # a loaded model refits like the original (get_params is what clone reads)
    refit = _fit_quietly(FrequencyGLM(**loaded.get_params()), book, book["claim_count"], exposure=book["exposure"])
    assert np.array_equal(refit.predict(book), frequency.predict(book))


def test_training_ranges_survive_the_round_trip_and_give_the_same_plan(book, tmp_path):
    # The plan built from a loaded model carries the same default accepted ranges: each numeric
    # term's (min, max) of the training data is saved with the design.
    from autorisk.rating import coverage_from_glm

    options = {**OPTIONS, "factors": ["region", "use", "driver_age", "fleet"], "splines": {}}
    model = _fit_quietly(FrequencyGLM(**options), book, book["claim_count"], exposure=book["exposure"])
    loaded = FrequencyGLM.load(model.save(tmp_path / "frequency.json"))
    age = next(t for t in loaded.design_.terms if t.name == "driver_age")
    assert age.value_range == (float(book["driver_age"].min()), float(book["driver_age"].max()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a restricted factor's table, an unseen-level policy: said elsewhere
        assert coverage_from_glm(loaded, "tpl") == coverage_from_glm(model, "tpl")


def test_saved_file_is_strict_json_with_the_metadata(frequency, tmp_path):
    path = frequency.save(tmp_path / "frequency.json")

    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")

    document = json.loads(path.read_text(), parse_constant=refuse)
    assert document["format"] == FORMAT == "autorisk.glm" and document["format_version"] == FORMAT_VERSION
    assert document["class"] == "FrequencyGLM" and document["autorisk_version"]
    assert document["feature_names_in"][:2] == ["region", "use"]
    assert document["dispersion"] == {"method": "pearson", "value": 1.0}
    assert document["training"]["n_obs"] == 30_000
    assert document["training"]["deviance"] == frequency.deviance_
    names = document["coefficients"]["names"]
    assert names == list(frequency.params_.index) and len(document["covariance"]) == len(names)
    assert {t["name"] for t in document["design"]["terms"]} == {*OPTIONS["factors"], "use:region"}
    assert frequency.save(tmp_path / "again.json").read_text() == path.read_text()  # deterministic


def test_severity_and_tweedie_round_trips(book, new_book, tmp_path):
    severity = _fit_quietly(SeverityGLM(**OPTIONS, dispersion="ml"), book, book["claim_amount"],
                            claim_count=book["claim_count"])  # fmt: skip
    assert severity.relativities().set_index(["factor", "level"]).loc[("use", "business"), "relativity"] == (
        pytest.approx(1.2, rel=0.1)
    )
    _assert_same_model(SeverityGLM.load(severity.save(tmp_path / "s.json")), severity, book, new_book)
    tweedie = _fit_quietly(TweedieGLM(["region", "use", "driver_age"], bands={"driver_age": "quantile"},
                                      groups={"region": GROUPS}, unseen="base", missing="level",
                                      power="profile", power_grid=(1.4, 1.6)),
                           book, book["claim_amount"], exposure=book["exposure"])  # fmt: skip
    loaded = load_model(tweedie.save(tmp_path / "t.json"))
    _assert_same_model(loaded, tweedie, book, new_book, exposure="exposure")
    assert loaded.power_ == tweedie.power_ and loaded.power_profile_.equals(tweedie.power_profile_)


def test_pair_round_trip(book, new_book, tmp_path):
    spec = {k: v for k, v in OPTIONS.items() if k != "interactions"}
    pair = FrequencySeverity(FrequencyGLM(**OPTIONS), SeverityGLM(**spec))
    pair = _fit_quietly(pair, book, book["claim_count"], book["claim_amount"], exposure=book["exposure"])
    path = pair.save(tmp_path / "pair.json")
    for loaded in (FrequencySeverity.load(path), load_model(path)):
        assert isinstance(loaded, FrequencySeverity)
        for data in (book, new_book):
            assert np.array_equal(_predict_quietly(loaded, data, exposure=data["exposure"]),
                                  _predict_quietly(pair, data, exposure=data["exposure"]))  # fmt: skip
        assert loaded.relativities().equals(pair.relativities())
        assert loaded.get_params()["frequency__restrict"] == pair.get_params()["frequency__restrict"]
    default = _fit_quietly(FrequencySeverity(), book[["use"]], book["claim_count"], book["claim_amount"])
    again = FrequencySeverity.load(default.save(tmp_path / "default.json"))
    assert again.frequency is None and np.array_equal(again.predict(book[["use"]]), default.predict(book[["use"]]))


def test_load_model_reads_the_kind_from_the_file(frequency, book, tmp_path):
    assert type(load_model(frequency.save(tmp_path / "f.json"))) is FrequencyGLM
    gbm = FrequencyGBM(["use", "driver_age"], n_rounds=5, early_stopping=None, min_exposure_per_leaf=20)
    gbm.fit(book, book["claim_count"], exposure=book["exposure"]).save(tmp_path / "gbm")
    for path in (tmp_path / "gbm", tmp_path / "gbm" / "metadata.json"):
        loaded = load_model(path)
        assert type(loaded) is FrequencyGBM and np.array_equal(loaded.predict(book), gbm.predict(book))
    (tmp_path / "other.json").write_text('{"format": "autorisk.plan"}')
    with pytest.raises(ModelError, match="not a saved autorisk model.*autorisk.plan"):
        load_model(tmp_path / "other.json")
    (tmp_path / "text.json").write_text("not json")
    with pytest.raises(ModelError, match="not JSON"):
        load_model(tmp_path / "text.json")
    with pytest.raises(ModelError, match="no saved model there"):
        load_model(tmp_path / "nowhere.json")


def test_unknown_format_version_and_wrong_class_are_refused(frequency, tmp_path):
    path = frequency.save(tmp_path / "f.json")
    document = json.loads(path.read_text())
    (tmp_path / "v2.json").write_text(json.dumps({**document, "format_version": 2}))
    for load in (FrequencyGLM.load, load_model):
        with pytest.raises(ModelError, match=r"format version 2 of autorisk\.glm.*reads version 1.*newer"):
            load(tmp_path / "v2.json")
    with pytest.raises(ModelError, match="holds a FrequencyGLM, not a SeverityGLM"):
        SeverityGLM.load(path)
    with pytest.raises(ModelError, match="not a FrequencySeverity"):
        FrequencySeverity.load(path)


def test_loading_builds_only_data(frequency, tmp_path):
    document = json.loads(frequency.save(tmp_path / "f.json").read_text())
    tampered = {**document, "params": {"$eval": "__import__('os').system('echo hacked')"}}
    (tmp_path / "eval.json").write_text(json.dumps(tampered))
    with pytest.raises(ModelError, match="a value autorisk does not write"):
        FrequencyGLM.load(tmp_path / "eval.json")
    injected = {**document, "fitted": {"__class__": "x"}}
    (tmp_path / "inject.json").write_text(json.dumps(injected))
    with pytest.raises(ModelError, match="attribute autorisk does not write"):
        FrequencyGLM.load(tmp_path / "inject.json")
    with pytest.raises(ModelError, match="expected one of"):
        load_model_with_class(document, "os.system", tmp_path)


def load_model_with_class(document, name, tmp_path):
    (tmp_path / "class.json").write_text(json.dumps({**document, "class": name}))
    return load_model(tmp_path / "class.json")


def test_a_level_json_cannot_hold_is_refused_at_save_naming_it(tmp_path):
    X = pd.DataFrame({"start": pd.to_datetime(["2024-01-01", "2024-01-01", "2025-01-01", "2025-01-01"])})
    X["start"] = X["start"].astype(object)
    model = FrequencyGLM(["start"]).fit(X, [0, 1, 2, 1])
    with pytest.raises(ModelError, match="design term 'start'.*Timestamp"):
        model.save(tmp_path / "m.json")
    with pytest.raises(ModelError, match="not fitted"):
        from autorisk.models.persistence import glm_to_dict

        glm_to_dict(FrequencyGLM())


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                     st.text(max_size=5))  # fmt: skip
_KEYS = st.one_of(st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=3))
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner), st.dictionaries(_KEYS, inner, max_size=3)),
    max_leaves=12,
)


def _same(a, b) -> bool:
    """Equal with types kept (True is not 1, 1 is not 1.0) and NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return len(a) == len(b) and all(_same(ka, kb) and _same(a[ka], b[kb]) for ka, kb in zip(a, b, strict=True))
    return a == b


@settings(max_examples=200, deadline=None)
@given(_VALUES)
def test_values_keep_their_types_and_bits_through_strict_json(value):
    text = json.dumps(encode(value, "value"), allow_nan=False)
    assert _same(decode(json.loads(text)), value)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=20))
def test_float_arrays_read_back_bit_for_bit(values):
    array = np.array(values)
    again = decode(json.loads(json.dumps(encode(array, "array"), allow_nan=False)))
    assert again.dtype == array.dtype and np.array_equal(again.view(np.int64), array.view(np.int64))


def test_a_model_that_cannot_be_saved_leaves_the_previous_file_whole(frequency, tmp_path):
    path = frequency.save(tmp_path / "f.json")
    before = path.read_text()
    broken = FrequencyGLM(["start"]).fit(pd.DataFrame({"start": [pd.Timestamp("2024-01-01"), "x"] * 2}), [0, 1, 2, 1])
    with pytest.raises(ModelError):
        broken.save(path)
    assert path.read_text() == before and sorted(p.name for p in tmp_path.iterdir()) == ["f.json"]
