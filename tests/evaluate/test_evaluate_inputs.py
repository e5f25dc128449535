"""Bad inputs raise DataError naming the argument, the rule, the rows and the values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autorisk.errors import DataError
from autorisk.evaluate import calibration, gini, lift_table, poisson_deviance


def test_length_mismatch():
    with pytest.raises(DataError, match=r"column 'predicted': wrong length.*3 values.*got 2"):
        poisson_deviance([0, 1, 2], [0.5, 0.5])
    with pytest.raises(DataError, match="column 'exposure': wrong length"):
        gini([0, 1, 2], [0.5, 0.5, 0.5], [1.0, 1.0])


def test_rows_are_named_by_the_series_index():
    actual = pd.Series([0.0, 1.0, 2.0, 0.0], index=["p1", "p2", "p3", "p4"])
    with pytest.raises(DataError) as caught:
        poisson_deviance(actual, [0.5, np.nan, 0.5, -1.0], [1.0, 1.0, -0.5, 1.0])
    message = str(caught.value)
    assert "column 'predicted': missing or infinite in 1 row (expected finite numbers); values: nan; rows: 'p2'" in message
    assert "column 'predicted': not positive in 1 row (expected predictions > 0); values: -1.0; rows: 'p4'" in message
    assert "column 'exposure': not positive in 1 row" in message and "rows: 'p3'" in message
    assert caught.value.columns == ["predicted", "exposure"]


@pytest.mark.parametrize(
    ("arguments", "pattern"),
    [
        (([-1.0, 1.0], [1.0, 1.0]), "column 'actual': negative"),
        (([1.0, np.inf], [1.0, 1.0]), "column 'actual': missing or infinite"),
        (([1.0, 1.0], [1.0, 1.0], None, [1.0, -2.0]), "column 'weights': negative"),
        (([1.0, 1.0], [1.0, 1.0], None, [0.0, 0.0]), "no weight"),
        (([], []), "empty"),
        ((["a", "b"], [1.0, 1.0]), "column 'actual': not numeric"),
        (([[1.0, 2.0]], [[1.0, 2.0]]), "not one-dimensional"),
    ],
)
def test_bad_values(arguments, pattern):
    with pytest.raises(DataError, match=pattern):
        lift_table(*arguments)


def test_zero_weight_rows_may_have_missing_actuals_but_not_predictions():
    table = calibration([np.nan, 2.0], [1.0, 1.5], weights=[0.0, 1.0])
    assert table.loc["(all)", "actual"] == 2.0
    with pytest.raises(DataError, match="predicted"):
        calibration([np.nan, 2.0], [np.nan, 1.5], weights=[0.0, 1.0])
