"""Fixtures of the batch tests: the China plan, a book, its parquet files, a two-worker Dask cluster."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from autorisk.rating import RatingPlan

from .batch_helpers import china_book, china_plan, write_files


@pytest.fixture(scope="session")
def plan() -> RatingPlan:
    return china_plan()


@pytest.fixture(scope="session")
def book() -> pd.DataFrame:
    return china_book()


@pytest.fixture(scope="session")
def dask_cluster():
    """A local Dask cluster of two one-thread worker processes, started once for every test that needs it."""
    from autorisk.batch.engines import local_cluster

    with local_cluster(2) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def plan_file(tmp_path_factory, plan) -> Path:
    return plan.save(tmp_path_factory.mktemp("plan") / "plan.json")


@pytest.fixture(scope="session")
def inforce(tmp_path_factory, book) -> Path:
    """The book as three parquet files of 1,000, 1,500 and 500 rows in row groups of 128 rows (read only)."""
    folder = tmp_path_factory.mktemp("inforce")
    write_files(book, folder, [1000, 1500, 500], row_group_size=128)
    return folder
