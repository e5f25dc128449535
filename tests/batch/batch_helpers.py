"""Data of the batch tests: a synthetic book with every column the China plan reads, the plan, expected outputs."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from autorisk.datasets import synthetic_book
from autorisk.rating import RatingPlan
from autorisk.rating.templates.china import ctpl_vehicle_class
from autorisk.service.examples import china_demo_plan


@functools.cache
def china_plan(expense_loading: float = 0.25) -> RatingPlan:
    """The China motor template on the service demo's benchmark coverages (one copy of them)."""
    return china_demo_plan(expense_loading=expense_loading, name="China motor (batch tests)")


def rating_attributes(policies: pd.DataFrame) -> pd.DataFrame:
    """The columns the China plan reads that the synthetic book lacks, derived deterministically from it."""
    out = policies.reset_index(drop=True)
    key = out["policy_id"].to_numpy()
    ncd = out["ncd_level"].to_numpy()
    out["ctpl_class"] = ctpl_vehicle_class(out["use"], out["seats"])
    out["ctpl_history"] = np.select([ncd <= -3, ncd == -2, ncd == -1, ncd == 0, ncd >= 1], [3, 2, 1, 4, 5])
    out["traffic_violation_class"] = np.array(["none", "minor_1_2", "red_light_or_speeding_3_5"])[key % 3]
    out["tpl_limit"] = np.array([1_000_000, 2_000_000, 3_000_000])[key % 3]
    out["od_deductible"] = np.array([0, 500, 1000])[(key // 3) % 3]
    # spans the 2020 range [0.65, 1.35] and beyond, so some coefficients are clamped
    out["autonomous_coefficient"] = 0.55 + (key % 97) / 96 * 0.9
    return out


@functools.cache
def _book(n_policies: int, seed: int) -> pd.DataFrame:
    policies = synthetic_book(n_policies=n_policies, n_years=1, seed=seed).policies
    return rating_attributes(policies)


def china_book(n_policies: int = 3_000, seed: int = 5) -> pd.DataFrame:
    """A fresh copy of a one-year synthetic book with the China plan's columns."""
    return _book(n_policies, seed).copy()


def write_files(book: pd.DataFrame, folder: Path, sizes: list[int], row_group_size: int) -> list[Path]:
    """Split ``book`` into files of ``sizes`` rows (in order) with row groups of ``row_group_size`` rows."""
    folder.mkdir(parents=True, exist_ok=True)
    paths, start = [], 0
    for i, size in enumerate(sizes):
        table = pa.Table.from_pandas(book.iloc[start : start + size], preserve_index=False)
        path = folder / f"inforce-{i:02d}.parquet"
        pq.write_table(table, path, row_group_size=row_group_size)
        paths.append(path)
        start += size
    assert start == len(book)
    return paths


def expected_output(book: pd.DataFrame, plan: RatingPlan, keep=("policy_id",), breakdown=False, errors="raise"):
    """What a re-rating of ``book`` must give: the plan's quote of the whole book at once, index dropped."""
    quotes = plan.quote(book, breakdown=breakdown, errors=errors)
    return pd.concat([book[list(keep)], quotes], axis=1).reset_index(drop=True)


def assert_same_output(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Frames equal, and every float column equal bit for bit (NaN payloads included)."""
    pd.testing.assert_frame_equal(actual, expected, check_categorical=False)
    for column in expected.columns:
        if expected[column].dtype == np.float64:
            assert np.array_equal(actual[column].to_numpy().view(np.uint64), expected[column].to_numpy().view(np.uint64)), column
