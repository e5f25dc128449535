"""The fremotor1 renewal study runs on the real books and its totals reconcile."""

import numpy as np
import pytest

from autorisk.datasets import load
from autorisk.rating import RatingPlan
from autorisk.studies.fremotor_renewal import fremotor_renewal


@pytest.fixture(scope="module")
def study():
    return fremotor_renewal()


def test_the_book_is_the_policies_present_in_both_years(study):
    premiums = load("fremotor1prem0304a")
    premiums = premiums[~premiums.duplicated(["policy_id", "year"], keep=False)]
    ids = set(premiums.loc[premiums["year"] == 2003, "policy_id"]) & set(premiums.loc[premiums["year"] == 2004, "policy_id"])
    assert set(study.book["policy_id"]) == ids and len(study.offers) == len(ids)
    charged = premiums[(premiums["year"] == 2004) & premiums["policy_id"].isin(ids)]["premium_total"].sum()
    assert study.against_charged.loc["(all)", "charged_2004"] == pytest.approx(charged, rel=1e-12)
    assert study.dropped_duplicates == int(load("fremotor1prem0304a").duplicated(["policy_id", "year"], keep=False).sum())


def test_the_plan_is_at_the_2003_premium_level_and_gender_neutral(study):
    premiums = load("fremotor1prem0304a")
    book_2003 = premiums[(premiums["year"] == 2003) & premiums["policy_id"].isin(study.book["policy_id"])]
    book_2003 = book_2003.drop_duplicates(["policy_id", "year"], keep=False)
    quoted = study.plan.quote(book_2003, breakdown=False)["premium_total"].sum()
    # one rounding to the cent per policy separates the two totals
    assert quoted == pytest.approx(book_2003["premium_total"].sum(), abs=0.005 * len(book_2003))
    assert "gender" not in study.plan.columns and study.plan.prohibited_columns == ("gender",)
    assert RatingPlan.from_json(study.plan.to_json()).plan_id == study.plan.plan_id


def test_the_dislocation_totals_reconcile(study):
    offers, summary = study.offers, study.dislocation
    assert summary.bands["policies"].sum() == len(offers)
    overall = summary.totals.loc["(all)"]
    assert overall["current_premium"] == pytest.approx(offers["current_premium"].sum())
    assert overall["offered_premium"] == pytest.approx(offers["offered_premium"].sum())
    moved = offers["offered_premium"].sum() - offers["current_premium"].sum()
    assert overall["moved_up"] - overall["moved_down"] == pytest.approx(moved)
    regions = summary.totals.drop(index="(all)")
    assert regions["policies"].sum() == len(offers)
    assert regions["offered_premium"].sum() == pytest.approx(overall["offered_premium"])
    table = study.against_charged
    assert table.drop(index="(all)")[["premium_2003", "charged_2004", "offered_2004"]].sum().to_numpy() == pytest.approx(
        table.loc["(all)", ["premium_2003", "charged_2004", "offered_2004"]].to_numpy().astype(float))
    # every offer obeys the caps or the new-business price
    change = offers["change"].to_numpy()
    assert np.all(change <= 0.15 + 1e-9)
    assert np.all((change >= -0.15 - 1e-9) | (offers["reason"].astype(str).str.contains("new_business")))
