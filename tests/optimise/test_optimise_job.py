"""OptimisedRenewalJob: multipliers found once, then applied chunk by chunk; output independent of chunking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autorisk.batch import rerate
from autorisk.errors import ParameterError
from autorisk.optimise import (
    MaxAverageChange,
    MinRetention,
    OptimisedRenewalJob,
    SegmentRetention,
    optimise_offers,
)
from autorisk.renewal import RenewalRules

from .reference_demand import reference_model, renewal_book

RULES = RenewalRules(max_increase=0.2, max_decrease=0.15, rounding=None)
CONSTRAINTS = [MinRetention(0.9), MaxAverageChange(0.03), SegmentRetention("region", {"south": 0.86})]
KW = {"expected_cost": "cost", "technical": "prem_pure", "rules": RULES, "constraints": CONSTRAINTS}


def test_the_job_on_the_whole_book_gives_the_optimiser_offers():
    book = renewal_book(3_000, seed=11)
    result = optimise_offers(book, reference_model(), **KW)
    job = OptimisedRenewalJob.from_book(book, reference_model(), **KW)
    offers = job(book)
    np.testing.assert_allclose(offers["offered_premium"], result.offers["offered_premium"], rtol=1e-9)  # sums in another order
    assert offers["retention"].mean() >= 0.9 - 1e-9
    assert len(job.terms) == sum(x > 0 for x in result.multipliers.values())


def test_chunked_output_equals_whole_output_and_rerate_runs_it(tmp_path):
    book = renewal_book(5_000, seed=12)
    job = OptimisedRenewalJob.from_book(book, reference_model(), sample=2_000, seed=3,
                                        **{**KW, "rules": RenewalRules(max_increase=0.2, max_decrease=0.15)})  # fmt: skip
    whole = job(book)
    parts = pd.concat([job(book.iloc[i:i + 700]) for i in range(0, len(book), 700)])
    pd.testing.assert_frame_equal(parts.reset_index(drop=True), whole.reset_index(drop=True))
    book.to_parquet(tmp_path / "book.parquet")
    run = rerate(tmp_path / "book.parquet", tmp_path / "out", job, chunk_rows=1_500, progress=False)
    written = run.read().sort_values("policy_id").reset_index(drop=True)
    np.testing.assert_array_equal(written["offered_premium"].to_numpy(), whole["offered_premium"].to_numpy())
    # on the sample's multipliers the book's retention is close to the target, not exactly on it
    assert whole["retention"].mean() == pytest.approx(0.9, abs=0.005)


def test_the_technical_premium_quoted_from_the_plan_in_every_chunk():
    # No technical column: each policy is quoted with the plan (its total premium), when the
    # multipliers are found and again in each chunk; the offers equal those of a book that carries
    # the plan's premium as a column, and the chunking changes nothing.
    from autorisk.rating import CategoricalFactor, Coverage, RatingPlan

    region = CategoricalFactor("region", "region", ("north", "south", "east"), (1.0, 1.1, 0.9))
    plan = RatingPlan("tariff", "1", (Coverage("tpl", 500.0, (region,)),))
    book = renewal_book(2_000, seed=21).drop(columns="prem_pure")
    kw = {"expected_cost": "cost", "rules": RULES, "constraints": [MinRetention(0.9)], "plan": plan}
    job = OptimisedRenewalJob.from_book(book, reference_model(), technical_from_plan=True, **kw)
    offers = job(book)
    quoted = plan.quote(book, breakdown=False)["premium_total"].to_numpy()
    np.testing.assert_array_equal(offers["technical_premium"], quoted)
    given = OptimisedRenewalJob.from_book(book.assign(tech=quoted), reference_model(), technical="tech", **kw)
    np.testing.assert_array_equal(offers["offered_premium"], given(book.assign(tech=quoted))["offered_premium"])
    halves = pd.concat([job(book.iloc[:700]), job(book.iloc[700:])])
    np.testing.assert_array_equal(halves["offered_premium"], offers["offered_premium"])
    assert "region" in job.columns and "technical_premium_from_plan" not in job.columns
    with pytest.raises(ParameterError, match="technical_from_plan"):
        OptimisedRenewalJob.from_book(book, reference_model(), technical_from_plan=True,
                                      **{**kw, "plan": None})  # fmt: skip
