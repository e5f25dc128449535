"""What the pricing estimators accept as ``X``, ``y`` and weights, checked once for GLMs and GBMs.

``X`` is a table of rating factors: a DataFrame (its own column names) or,
as scikit-learn hands data around, a 2-D array whose columns are named
``x0``, ``x1``, ... At ``fit`` the names go to ``feature_names_in_`` and
their number to ``n_features_in_``; ``predict`` reads a DataFrame by name
(extra columns are ignored, so a whole policy table will do) and an array
by position, which must then have ``n_features_in_`` columns.

Refusals use scikit-learn's own wording where its estimator checks look for
it ("Input contains NaN", "Complex data not supported", "0 sample(s)",
"sparse"), always as exceptions of :mod:`autorisk.errors`.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.exceptions import DataConversionWarning

from autorisk.data.arrays import numeric_column
from autorisk.errors import DataError, DataIssue, ParameterError

#: Fewest rows a pricing model is fitted on (one row has nothing to vary).
MIN_SAMPLES = 2


class _NotScalarError(DataError, TypeError):
    """An array cell that is neither a number nor a string (a dict, a list).

    A :class:`~autorisk.errors.DataError` like every refusal of bad data, and a
    ``TypeError`` as numpy's own refusal to read such a cell as a number is.
    """


class PricingTags:
    """scikit-learn tags and expected check failures shared by the pricing GLMs and GBMs (a mixin).

    The responses are claim counts, amounts and average claims: ``y >= 0``
    (severity ``> 0``), as scikit-learn's own ``PoissonRegressor`` and
    ``GammaRegressor`` declare with ``target_tags.positive_only``. Input is
    dense (``input_tags.sparse`` False): categorical factors are read as
    levels of table columns, not as one-hot sparse matrices.
    """

    #: True for claim-count models, whose response must be whole numbers.
    _counts_response: ClassVar[bool] = False
    #: Further checks that do not apply to the model, each with the reason.
    _inapplicable_checks: ClassVar[dict[str, str]] = {}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        tags.input_tags.sparse = False
        return tags

    def _expected_failed_checks(self) -> dict[str, str]:
        """scikit-learn checks that do not apply to this model, each with the reason."""
        return {**(COUNT_CHECKS if self._counts_response else {}), **self._inapplicable_checks}


_NOT_COUNTS = (
    "fits a continuous target (random floats); a claim count model refuses counts that are not whole "
    "numbers (DataError naming the rows) and is checked on the same data with the target rounded"
)
#: Checks whose target is continuous, which a claim-count model refuses.
COUNT_CHECKS: dict[str, str] = {
    name: _NOT_COUNTS
    for name in (
        "check_n_features_in_after_fitting",
        "check_regressors_train",
        "check_regressor_data_not_an_array",
        "check_regressors_no_decision_function",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
    )
}

#: The GLMs are unpenalised maximum likelihood.
UNPENALISED_CHECKS: dict[str, str] = {
    "check_sample_weight_equivalence_on_dense_data": (
        "fits 15 rows on 30 numeric columns: an unpenalised GLM with more coefficients than rows is "
        "singular and refused (ModelError); weights as repeated rows are checked on a well-posed design "
        "in tests/models/test_sklearn_checks.py"
    ),
}

_TWO_TARGETS = (
    "FrequencySeverity.fit(X, claim_count, claim_amount) takes two targets, where the check calls fit(X, y); "
    "its two models pass the checks themselves"
)
#: Every check that fits: all of them call ``fit(X, y)``.
PAIR_CHECKS: dict[str, str] = {
    name: _TWO_TARGETS
    for name in (
        "check_fit_score_takes_y", "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self", "check_readonly_memmap_input", "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_sample_weights_pandas_series",
        "check_sample_weights_not_an_array", "check_sample_weights_list", "check_all_zero_sample_weights_error",
        "check_sample_weights_shape", "check_sample_weights_not_overwritten",
        "check_sample_weight_equivalence_on_dense_data", "check_complex_data", "check_dtype_object",
        "check_estimators_empty_data_messages", "check_pipeline_consistency", "check_estimators_nan_inf",
        "check_estimator_sparse_tag", "check_estimator_sparse_array", "check_estimator_sparse_matrix",
        "check_estimators_pickle", "check_f_contiguous_array_estimator", "check_methods_sample_order_invariance",
        "check_methods_subset_invariance", "check_fit2d_1sample", "check_fit2d_1feature", "check_dict_unchanged",
        "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in", "check_fit1d",
        "check_fit2d_predict1d",
    )
}


def expected_failed_checks(estimator: Any) -> dict[str, str]:
    """scikit-learn checks that do not apply to an autorisk estimator, each with the reason.

    For ``parametrize_with_checks(..., expected_failed_checks=expected_failed_checks)``.

    Parameters
    ----------
    estimator : estimator
        A pricing GLM or GBM, or a :class:`~autorisk.models.FrequencySeverity`.

    Returns
    -------
    dict
        ``{check name: reason}``.
    """
    from autorisk.models.pair import FrequencySeverity

    if isinstance(estimator, FrequencySeverity):
        return dict(PAIR_CHECKS)
    if isinstance(estimator, PricingTags):
        return estimator._expected_failed_checks()
    return {}


def rating_table(estimator: Any, X: Any, *, reset: bool) -> pd.DataFrame:
    """``X`` as a DataFrame of rating factors; with ``reset`` (at fit) record its names and width.

    Parameters
    ----------
    estimator : estimator
        Receives ``feature_names_in_`` and ``n_features_in_`` when ``reset``;
        else they name and check the columns of an array.
    X : DataFrame or array-like of shape (n_samples, n_features)
        Rating factors. Not sparse, not complex, 2-D; at fit, with at
        least ``MIN_SAMPLES`` rows and one column.
    reset : bool
        True at fit, False at predict and score.

    Returns
    -------
    DataFrame
        ``X`` itself when it is a DataFrame, else a new one with columns
        ``x0``, ``x1``, ... (or, at predict, the names seen at fit).
    """
    name = type(estimator).__name__
    if sparse.issparse(X):
        raise ParameterError(
            f"{name} got sparse input, which is not supported: pass a DataFrame or a dense 2-D array (X.toarray())"
        )
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        frame = _array_table(estimator, X, reset=reset)
    if not reset:
        return frame  # any number of rows can be predicted, none included
    n_rows, n_columns = frame.shape
    if n_rows < MIN_SAMPLES:
        raise DataError(
            f"Found array with {n_rows} sample(s) (shape={frame.shape}) while a minimum of {MIN_SAMPLES} "
            f"is required by {name}"
        )
    if n_columns == 0:
        raise DataError(f"Found array with 0 feature(s) (shape={frame.shape}) while a minimum of 1 is required by {name}")
    if reset:
        estimator.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        estimator.n_features_in_ = n_columns
    return frame


def _array_table(estimator: Any, X: Any, *, reset: bool) -> pd.DataFrame:
    """A 2-D array as a table: numeric columns as floats, text columns as levels."""
    name = type(estimator).__name__
    array = X.to_numpy() if isinstance(X, pd.Series) else np.asarray(X)
    if np.iscomplexobj(array):
        raise DataError(f"Complex data not supported: {name} got a complex array as X")
    if array.ndim != 2:
        raise DataError(
            f"Expected a 2D array, got a {array.ndim}D array instead. Reshape your data either with "
            "X.reshape(-1, 1) if it has a single feature or X.reshape(1, -1) if it holds a single sample"
        )
    if reset:
        columns = [f"x{j}" for j in range(array.shape[1])]
    else:
        fitted = getattr(estimator, "feature_names_in_", None)
        expected = getattr(estimator, "n_features_in_", None)
        if fitted is None or expected is None:
            columns = [f"x{j}" for j in range(array.shape[1])]
        elif array.shape[1] != expected:
            raise DataError(f"X has {array.shape[1]} features, but {name} is expecting {expected} features as input")
        else:
            columns = list(fitted)
            if columns != [f"x{j}" for j in range(expected)]:
                warnings.warn(
                    f"X does not have valid feature names, but {name} was fitted with feature names: "
                    f"its columns are read in the order {columns}",
                    UserWarning,
                    stacklevel=4,
                )
    index = pd.RangeIndex(array.shape[0])
    data = {column: _array_column(column, array[:, j], index) for j, column in enumerate(columns)}
    return pd.DataFrame(data, index=index, columns=columns)


def _array_column(name: str, values: np.ndarray, index: pd.Index) -> np.ndarray:
    """One array column: finite numbers, or (an object column not all numbers) levels kept as objects."""
    if values.dtype == object:
        scalar = np.array([v is None or isinstance(v, str | int | float | np.generic) for v in values])
        if not scalar.all():
            raise _NotScalarError(
                DataIssue.from_mask(
                    name, "neither a number nor a string", "each argument must be a string or a number",
                    ~scalar, index, values,
                )
            )
        numbers = [isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_) for v in values]
        if not all(numbers):
            # text or booleans: levels of a categorical factor, as in a DataFrame ("3" stays the level "3";
            # missing ones follow the model's missing= policy)
            return values
        values = values.astype(float)
    if values.dtype.kind in "fc":
        for rule, mask in (("Input contains NaN", np.isnan(values)), ("Input contains infinity", np.isinf(values))):
            if mask.any():
                raise DataError(DataIssue.from_mask(name, rule, "finite numbers", mask, index, values))
    return values


def target(estimator: Any, y: Any, name: str) -> Any:
    """``y`` as one value per row: refuse None and complex numbers, flatten a column vector with a warning.

    Parameters
    ----------
    estimator : estimator
        Named in the messages.
    y : array-like
        The response.
    name : str
        The response's name in messages (``"claim_count"``, ``"claim_amount"``).

    Returns
    -------
    array-like
        ``y`` (a Series as given) for :func:`~autorisk.data.arrays.numeric_column`.
    """
    if y is None:
        raise DataError(f"{type(estimator).__name__} requires y to be passed, but the target y is None ({name})")
    if isinstance(y, pd.Series | pd.Index) or np.isscalar(y):
        return y
    array = y.to_numpy() if isinstance(y, pd.DataFrame) else np.asarray(y)
    if np.iscomplexobj(array):
        raise DataError(f"Complex data not supported: {name} (y) holds complex numbers")
    if array.ndim == 2 and array.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please change the shape of y to "
            "(n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=4,
        )
        return array.ravel()
    if array.ndim > 1:
        raise DataError(f"y should be a 1d array, got an array of shape {array.shape} instead ({name})")
    return array


def fit_inputs(
    estimator: Any,
    X: Any,
    y: Any,
    sample_weight: Any,
    exposure: Any,
    response_name: str,
    *,
    integer: bool = False,
    positive_exposure: bool = True,
    reset: bool = True,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The table, response, prior weights and exposure (or claim counts) of a fit or a score.

    Parameters
    ----------
    estimator : estimator
        The model being fitted (``reset=True``) or scored.
    X : DataFrame or 2-D array
        Rating factors (see :func:`rating_table`).
    y : array-like
        Response, ``>= 0`` (whole numbers with ``integer``).
    sample_weight : array-like or None
        Prior weights ``>= 0``, not all zero (default 1).
    exposure : array-like, float or None
        Exposure (or, with ``positive_exposure=False``, claim counts) ``>= 0``.
    response_name : str
        The response's name in messages.
    integer : bool, default False
        Require whole numbers (claim counts).
    positive_exposure : bool, default True
        Name the last input ``exposure`` (True) or ``claim_count`` (False).
    reset : bool, default True
        Record ``feature_names_in_`` and ``n_features_in_`` (at fit).

    Returns
    -------
    tuple
        ``(X, y, weights, exposure)``: the table and three float arrays.
    """
    X = rating_table(estimator, X, reset=reset)
    n = len(X)
    y = numeric_column(target(estimator, y, response_name), X.index, response_name)
    issues = []
    if integer and np.any(y != np.round(y)):
        issues.append(DataIssue.from_mask(response_name, "not a whole number", "claim counts", y != np.round(y), X.index, y))
    if np.any(y < 0):
        issues.append(DataIssue.from_mask(response_name, "negative", "values >= 0", y < 0, X.index, y))
    weights = np.ones(n) if sample_weight is None else numeric_column(sample_weight, X.index, "sample_weight")
    if np.any(weights < 0):
        issues.append(DataIssue.from_mask("sample_weight", "negative", "weights >= 0", weights < 0, X.index, weights))
    elif not np.any(weights > 0):
        issues.append(DataIssue("sample_weight", "all zero", "at least one weight > 0", n))
    name = "exposure" if positive_exposure else "claim_count"
    exposure = np.ones(n) if exposure is None else numeric_column(exposure, X.index, name)
    if np.any(exposure < 0):
        issues.append(DataIssue.from_mask(name, "negative", "values >= 0", exposure < 0, X.index, exposure))
    if issues:
        raise DataError(issues)
    return X, y, weights, exposure
