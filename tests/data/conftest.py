"""Small hand-made policy and claims tables shared by the data-layer tests."""

import pandas as pd
import pytest


@pytest.fixture
def policies() -> pd.DataFrame:
    """Canonical policies: A renewed once, B for half a year; labelled rows."""
    return pd.DataFrame(
        {
            "policy_id": ["A", "A", "B"],
            "period_start": pd.to_datetime(["2022-01-01", "2023-01-01", "2023-01-01"]),
            "period_end": pd.to_datetime(["2023-01-01", "2024-01-01", "2023-07-01"]),
            "area": ["x", "x", "y"],
        },
        index=["A-22", "A-23", "B-23"],
    )


@pytest.fixture
def claims() -> pd.DataFrame:
    """Canonical claims on :func:`policies`, every one valid."""
    return pd.DataFrame(
        {
            "claim_id": ["c1", "c2", "c3", "c4"],
            "policy_id": ["A", "A", "A", "B"],
            "occurrence_date": pd.to_datetime(
                ["2022-05-01", "2023-01-01", "2023-12-31", "2023-03-15"]
            ),
            "report_date": pd.to_datetime(["2022-05-03", "2023-01-10", None, "2023-03-20"]),
            "settlement_date": pd.to_datetime(["2022-08-01", None, None, "2023-06-01"]),
            "paid": [1_000.0, 0.0, 0.0, 250.0],
            "incurred": [1_200.0, 40_000.0, 500.0, 250.0],
            "coverage": ["od", "tpl", "od", "tpl"],
        },
        index=[10, 11, 12, 13],
    )
