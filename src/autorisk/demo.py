"""The main job end to end on bundled data: what ``make demo`` runs.

Each step prints what an actuary would look at. Later layers (models, rating
plans, renewal) add their steps here, so there stays one entry point.
"""

from __future__ import annotations

import time

import pandas as pd

from autorisk.analytics import experience_table
from autorisk.data import (
    aggregate_claims,
    large_loss_loading,
    split_exposure,
    validate_claims,
    validate_policies,
)
from autorisk.datasets import dataset_info, load, synthetic_book
from autorisk.errors import ParameterError

#: Rating factors summarised for each bundled policy-level dataset.
REAL_BOOK_FACTORS = {
    "swmotorcycle": ["bonus_class", "area", "risk_class"],
    "ausprivauto0405": ["driver_age_group", "vehicle_age_group", "gender"],
    "norauto": ["geo_region", "distance_limit", "young"],
}

#: Large-loss threshold (CNY per claim) used on the synthetic book.
LARGE_LOSS_CAP = 100_000.0


def run_demo(
    dataset: str = "swmotorcycle", n_policies: int = 50_000, n_years: int = 3, seed: int = 2024
) -> None:
    """Run the end-to-end demo and print its summaries.

    Parameters
    ----------
    dataset : str
        A bundled policy-level dataset with exposure, claim counts and amounts
        (one of ``REAL_BOOK_FACTORS``).
    n_policies, n_years, seed
        Size and seed of the synthetic Chinese private-car book.
    """
    with pd.option_context("display.width", 120, "display.max_columns", 12, "display.max_colwidth", 40):
        _real_book(dataset)
        _synthetic_book(n_policies, n_years, seed)


def _real_book(name: str) -> None:
    info = dataset_info(name)
    factors = REAL_BOOK_FACTORS.get(name)
    if factors is None:
        raise ParameterError(
            f"demo needs a policy-level dataset; valid names: {', '.join(REAL_BOOK_FACTORS)}"
        )
    _title(f"1. Real book: {info.title}")
    print(f"source: {info.source}")
    raw = load(name)
    # These books have one row per policy and no policy number: the row label is the id.
    policies, rejected = validate_policies(
        raw.rename_axis("policy_id").reset_index(), factors=factors, errors="reject"
    )
    print(f"validated {len(policies):,} policies ({len(rejected):,} rejected)")
    _show("portfolio", experience_table(policies))
    for factor in factors:
        _show(f"by {factor}", experience_table(policies, factor))


def _synthetic_book(n_policies: int, n_years: int, seed: int) -> None:
    _title(f"2. Synthetic Chinese private-car book: {n_policies:,} policies x {n_years} years, seed {seed}")
    started = time.perf_counter()
    book = synthetic_book(n_policies, n_years, seed)
    print(
        f"generated {len(book.policies):,} policy periods and {len(book.claims):,} claims "
        f"in {time.perf_counter() - started:.1f} s"
    )
    factors = ["vehicle_type", "use", "region", "ncd_level", "channel", "gender"]
    policies, _ = validate_policies(book.policies, factors=factors)
    claims, _ = validate_claims(book.claims, policies)
    print("policies and claims validated: no rejected rows; every claim inside its policy period")

    experience = aggregate_claims(policies, claims, cap=LARGE_LOSS_CAP)
    loading = large_loss_loading(experience)
    print(
        f"claims capped at {LARGE_LOSS_CAP:,.0f} CNY: excess "
        f"{experience['claim_amount_excess'].sum():,.0f} CNY, large-loss loading {loading:.2%}"
    )
    _show("portfolio", experience_table(experience))

    by_year = split_exposure(policies)
    _show(
        "earned exposure by calendar year",
        by_year.groupby("year", observed=True)["exposure"].sum().to_frame(),
    )
    _show("by coverage", _by_coverage(experience, claims))

    banded = book.truth.band(experience)
    for factor in ["ncd_level", "driver_age_band", "region", "gender"]:
        _show(f"by {factor}", experience_table(banded, factor))

    expected = {c: float(book.truth.expected_claims(policies, c).sum()) for c in book.truth.coverages}
    actual = claims["coverage"].value_counts()
    _show(
        "claim counts against the known truth (actual / expected)",
        pd.DataFrame({"actual": actual, "expected": pd.Series(expected)}).assign(
            ratio=lambda t: t["actual"] / t["expected"]
        ),
    )


def _by_coverage(experience: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    # Own damage is optional cover: its exposure is that of the policies that bought it.
    covered = experience.assign(exposure_od=experience["exposure"].where(experience["od_cover"], 0.0))
    rows = {}
    for coverage in claims["coverage"].cat.categories:
        table = experience_table(
            covered,
            exposure="exposure_od" if coverage == "od" else "exposure",
            claim_count=f"claim_count_{coverage}",
            claim_amount=f"claim_amount_{coverage}",
        )
        rows[coverage] = table.iloc[0].drop("exposure_share")
    return pd.DataFrame(rows).T


def _title(text: str) -> None:
    print(f"\n{'=' * len(text)}\n{text}\n{'=' * len(text)}")


def _show(caption: str, table: pd.DataFrame) -> None:
    print(f"\n-- {caption}")
    print(table.map(_number).to_string())


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return value
    if isinstance(value, int) or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4f}"
