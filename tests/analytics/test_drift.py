"""PSI and drift_report against hand-worked figures."""

import numpy as np
import pandas as pd
import pytest

from autorisk.analytics.drift import EPSILON, drift_report, psi, psi_table
from autorisk.errors import DataError, ParameterError, SchemaError


def test_psi_by_hand():
    # shares e = (.5, .3, .2), a = (.3, .3, .4)
    expected = ["x"] * 5 + ["y"] * 3 + ["z"] * 2
    actual = ["x"] * 3 + ["y"] * 3 + ["z"] * 4
    # (.3 - .5) ln(.3/.5) + 0 + (.4 - .2) ln(.4/.2) = .2 ln(5/3) + .2 ln 2 = .2 ln(10/3)
    assert psi(expected, actual) == pytest.approx(0.2 * np.log(10 / 3))
    table = psi_table(expected, actual)
    assert list(table.index) == ["x", "y", "z"]
    np.testing.assert_allclose(table["expected_share"], [0.5, 0.3, 0.2])
    np.testing.assert_allclose(table["psi"], [0.2 * np.log(5 / 3), 0.0, 0.2 * np.log(2)])


def test_psi_of_identical_samples_is_zero():
    values = np.random.default_rng(1).gamma(2.0, 3.0, size=2_000)
    assert psi(values, values) == 0.0
    assert psi(values, values.copy(), bins=4) == 0.0
    assert psi(["a", "b", "b"], ["a", "b", "b"]) == 0.0


def test_psi_is_symmetric_once_bins_are_fixed():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=500), rng.normal(0.4, 1.2, size=700)
    cuts = [-1.0, 0.0, 1.0]
    assert psi(a, b, bins=cuts) == pytest.approx(psi(b, a, bins=cuts))
    cats_a, cats_b = ["p", "p", "q", "r"], ["p", "q", "q", "q", "r"]
    assert psi(cats_a, cats_b) == pytest.approx(psi(cats_b, cats_a))
    assert psi(a, b) > 0


def test_numeric_bins_are_reference_quantiles():
    reference = np.arange(100.0)
    table = psi_table(reference, reference + 0.5)
    assert len(table) == 10
    np.testing.assert_allclose(table["expected_share"], 0.1)
    # Heavily tied values give fewer bins rather than empty ones.
    tied = np.r_[np.zeros(90), np.arange(1.0, 11.0)]
    assert len(psi_table(tied, tied)) < 10


def test_new_levels_and_missing_values_get_their_own_bin_with_epsilon():
    # e = (.5, .5, 0), a = (.5, .25, .25): the empty bin counts as EPSILON.
    expected, actual = ["a", "a", "b", "b"], ["a", "a", "b", "new"]
    table = psi_table(expected, actual)
    assert list(table.index) == ["a", "b", "new"]
    assert table.loc["new", "expected_share"] == 0.0
    assert table.loc["new", "psi"] == pytest.approx((0.25 - EPSILON) * np.log(0.25 / EPSILON))
    assert psi(expected, actual) == pytest.approx(
        0.25 * np.log(2) + (0.25 - EPSILON) * np.log(0.25 / EPSILON)
    )
    numeric = psi_table([1.0, 2.0, 3.0, 4.0], [1.0, np.nan, 3.0, 4.0], bins=2)
    assert numeric.index[-1] == "missing"
    assert numeric.loc["missing", "actual_share"] == 0.25


def test_weights_act_like_repeated_rows():
    expected, actual = ["a", "b"], ["a", "b", "b"]
    weighted = psi(expected, actual, expected_weights=[3, 1], actual_weights=[1, 1, 2])
    assert weighted == pytest.approx(psi(["a"] * 3 + ["b"], ["a"] + ["b"] * 3))


def test_psi_bad_inputs():
    with pytest.raises(ParameterError, match="bins"):
        psi([1, 2], [1, 2], bins=0)
    with pytest.raises(ParameterError, match="bins"):
        psi([1, 2], [1, 2], bins="quantile")
    with pytest.raises(ParameterError, match="strictly increasing"):
        psi([1, 2], [1, 2], bins=[2.0, 1.0])
    with pytest.raises(ParameterError, match="epsilon"):
        psi([1, 2], [1, 2], epsilon=0)
    with pytest.raises(ParameterError, match="at least one"):
        psi([], [1, 2])
    with pytest.raises(DataError, match="'exposure'"):
        psi([1, 2], [1, 2], expected_weights=pd.Series([1.0, -1.0], name="exposure"))


def _snapshots():
    reference = pd.DataFrame(
        {"area": ["x"] * 5 + ["y"] * 3 + ["z"] * 2, "age": np.arange(10.0), "exposure": 1.0}
    )
    current = pd.DataFrame(
        {"area": ["x"] * 3 + ["y"] * 3 + ["z"] * 4, "age": np.arange(10.0) + 0.25, "exposure": 1.0}
    )
    return reference, current


def test_drift_report_statuses_at_thresholds():
    reference, current = _snapshots()
    value = 0.2 * np.log(10 / 3)  # PSI of "area", as in test_psi_by_hand (about .24)
    report = drift_report(reference, current, ["area", "age"], bins={"age": [2.5, 5.5]})
    assert list(report.index) == ["area", "age"]
    assert report.loc["area", "psi"] == pytest.approx(value)
    assert report.loc["area", "status"] == "moderate shift"  # .1 <= .24 < .25
    assert report.loc["age", "psi"] == 0.0 and report.loc["age", "status"] == "stable"

    def status(thresholds):
        return drift_report(reference, current, "area", thresholds=thresholds).loc["area", "status"]

    psi_area = drift_report(reference, current, "area").loc["area", "psi"]
    assert status((psi_area, 1.0)) == "moderate shift"  # equal to the low threshold
    assert status((0.01, psi_area)) == "significant shift"  # equal to the high threshold
    assert status((np.nextafter(psi_area, 1), 1.0)) == "stable"
    assert status((0.01, 0.02)) == "significant shift"


def test_drift_report_weights_and_new_levels():
    reference, current = _snapshots()
    current = pd.concat([current, pd.DataFrame({"area": ["w"], "age": [3.0], "exposure": [0.0]})])
    report = drift_report(reference, current, "area", weights="exposure")
    assert report.loc["area", "new_levels"] == 0  # the new level has no weight
    assert report.loc["area", "psi"] == pytest.approx(0.2 * np.log(10 / 3))
    current.loc[current["area"] == "w", "exposure"] = 1.0
    assert (
        drift_report(reference, current, "area", weights="exposure").loc["area", "new_levels"] == 1
    )


def test_drift_report_bad_inputs_name_the_column():
    reference, current = _snapshots()
    with pytest.raises(SchemaError, match="current: column 'area'"):
        drift_report(reference, current.rename(columns={"area": "region"}), "area")
    with pytest.raises(SchemaError, match="reference: column 'weight'"):
        drift_report(reference, current, "area", weights="weight")
    with pytest.raises(DataError, match="'exposure'"):
        drift_report(reference.assign(exposure=-1.0), current, "area", weights="exposure")
    with pytest.raises(ParameterError, match="thresholds"):
        drift_report(reference, current, "area", thresholds=(0.25, 0.1))
    with pytest.raises(ParameterError, match="thresholds"):
        drift_report(reference, current, "area", thresholds=0.1)
    with pytest.raises(ParameterError, match="factor 'age'"):
        drift_report(reference, current, "age", bins=0)
