"""Load the real motor datasets bundled with autorisk."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from autorisk.datasets.catalogue import CATALOGUE, DatasetInfo
from autorisk.errors import DataError, DataIssue, ParameterError

#: Environment variable that points to a folder holding the parquet files.
DATA_DIR_ENV = "AUTORISK_DATA_DIR"


def data_dir() -> Path:
    """Folder holding the bundled parquet files.

    ``$AUTORISK_DATA_DIR`` if set, else the repository's ``data/`` folder
    (the package is installed from the repository, editable, by ``make``).

    Returns
    -------
    Path

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"AUTORISK_DATA_DIR": "/srv/motor"}):
    ...     data_dir().as_posix()
    '/srv/motor'
    >>> (data_dir() / dataset_info("norauto").filename).is_file()
    True
    """
    if env := os.environ.get(DATA_DIR_ENV):
        return Path(env)
    return Path(__file__).resolve().parents[3] / "data"


def dataset_info(name: str) -> DatasetInfo:
    """Catalogue entry of a bundled dataset, or a ParameterError listing the valid names.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`' names.

    Returns
    -------
    DatasetInfo
        File name, title, source, unit of observation and column declarations.

    Raises
    ------
    ParameterError
        If ``name`` is not a bundled dataset.

    Examples
    --------
    >>> info = dataset_info("norauto")
    >>> info.filename, info.unit, len(info.columns)
    ('norauto.parquet', 'policy', 7)
    >>> dataset_info("nor_auto")
    Traceback (most recent call last):
    ...
    autorisk.errors.ParameterError: unknown dataset 'nor_auto'; valid names: ..., norauto, ...
    """
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ParameterError(
            f"unknown dataset {name!r}; valid names: {', '.join(sorted(CATALOGUE))}"
        ) from None


def list_datasets() -> pd.DataFrame:
    """One row per bundled dataset: name, title, unit of observation and source.

    Returns
    -------
    DataFrame
        Columns ``name``, ``title``, ``unit``, ``columns`` (how many) and ``source``.

    Examples
    --------
    >>> from autorisk.datasets import list_datasets
    >>> "swmotorcycle" in list_datasets()["name"].tolist()
    True
    """
    return pd.DataFrame(
        [
            {"name": i.name, "title": i.title, "unit": i.unit, "columns": len(i.columns), "source": i.source}
            for i in CATALOGUE.values()
        ]
    )


def describe(name: str) -> pd.DataFrame:
    """Column dictionary of a dataset: tidy name, original name and meaning.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`' names.

    Returns
    -------
    DataFrame
        One row per column: ``name`` (as :func:`load` returns it),
        ``original`` (CASdatasets name) and ``description``.

    Raises
    ------
    ParameterError
        If ``name`` is not a bundled dataset.

    Examples
    --------
    >>> from autorisk.datasets import describe
    >>> describe("norauto").set_index("name").loc["exposure", "original"]
    'Expo'
    """
    info = dataset_info(name)
    return pd.DataFrame(
        [{"name": c.name, "original": c.original, "description": c.description} for c in info.columns]
    )


def load(name: str, *, original_names: bool = False) -> pd.DataFrame:
    """Load a bundled real motor dataset as a tidy DataFrame.

    Tidy means snake_case English column names (see :func:`describe`), dates
    as ``datetime64``, counts and years as integers, and ordered categoricals
    where levels have a natural order (age groups, bonus classes).

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`' names, e.g. ``"swmotorcycle"``.
    original_names : bool, default False
        Keep the original CASdatasets column names (the values are still tidied).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ParameterError
        If ``name`` is not a bundled dataset.
    DataError
        If the file is missing or a column does not convert as declared.

    Examples
    --------
    >>> from autorisk.datasets import load
    >>> motor = load("swmotorcycle")
    >>> motor.shape
    (64548, 9)
    >>> str(motor["bonus_class"].cat.categories[0])
    'BM1'
    """
    info = dataset_info(name)
    path = data_dir() / info.filename
    if not path.exists():
        raise DataError(
            f"dataset file {path} not found; set ${DATA_DIR_ENV} to the folder holding {info.filename}"
        )
    frame = pd.read_parquet(path)
    for column in info.columns:
        frame[column.original] = _convert(frame[column.original], column.kind, column.levels, column.ordered)
    if not original_names:
        frame = frame.rename(columns=info.rename)
    frame.attrs["dataset"] = name
    return frame


def _convert(
    values: pd.Series, kind: str, levels: tuple[str, ...] | None, ordered: bool = True
) -> pd.Series:
    if kind == "date":
        converted = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
        _require(values, converted.isna() & values.notna(), "dates as YYYY-MM-DD")
        return converted
    if kind == "int":
        # Stored as float; some are 57.99999999999999 from an upstream computation.
        rounded = values.round()
        _require(values, (values - rounded).abs() > 1e-6, "whole numbers")
        return rounded.astype("Int64" if values.isna().any() else "int64")
    if kind == "category":
        values = values.astype("category")
        if levels is None:
            return values
        unknown = ~values.isin(levels) & values.notna()
        _require(values, unknown, f"one of {list(levels)}")
        return values.cat.set_categories(levels, ordered=ordered)
    return values


def _require(values: pd.Series, bad: pd.Series, expected: str) -> None:
    if bad.any():
        raise DataError(
            DataIssue.from_mask(str(values.name), "unexpected values", expected, bad, values.index, values)
        )
