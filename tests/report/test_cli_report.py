"""`autorisk report`: a portfolio (and renewal offers) to one self-contained HTML file; clear errors."""

import re

import pandas as pd

from autorisk.cli import main
from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
from autorisk.models import FrequencyGBM
from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
from autorisk.renewal import RenewalRules, renewal_offers


def test_report_of_a_portfolio_and_its_renewal(tmp_path, capsys):
    book = synthetic_book(2000, 1, seed=4)
    portfolio = aggregate_claims(book.policies, book.claims)
    portfolio.to_parquet(tmp_path / "book.parquet")
    plan = RatingPlan("t", "1", (Coverage("tpl", 900.0, (CategoricalFactor(
        "use", "use", ("private", "business"), (1.0, 1.3)),)),))  # fmt: skip
    offers = renewal_offers(portfolio.assign(current_premium=1000.0), plan, rules=RenewalRules(),
                            keep=("policy_id", "region"))  # fmt: skip
    offers.to_parquet(tmp_path / "offers.parquet")
    code = main(["report", "--portfolio", str(tmp_path / "book.parquet"), "--factors", "region,use",
                 "--offers", str(tmp_path / "offers.parquet"), "--by", "region",
                 "--output", str(tmp_path / "report.html"), "--title", "Book <2026>"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "report.html")
    html = (tmp_path / "report.html").read_text()
    assert "Book &lt;2026&gt;" in html and "Renewal dislocation" in html and "Experience by region" in html
    assert len(re.findall(r'src="data:image/png;base64,', html)) >= 3
    assert not re.search(r'(src|href)="https?://', html)


def test_report_errors_name_the_path(tmp_path, capsys):
    assert (
        main(
            ["report", "--portfolio", str(tmp_path / "missing.parquet"), "--output", str(tmp_path / "r.html")]
        )
        == 2
    )
    assert "missing.parquet" in capsys.readouterr().err
    pd.DataFrame({"exposure": [1.0], "claim_count": [0], "claim_amount": [0.0]}).to_parquet(
        tmp_path / "b.parquet"
    )
    assert (
        main(
            [
                "report",
                "--portfolio",
                str(tmp_path / "b.parquet"),
                "--output",
                str(tmp_path / "no" / "r.html"),
            ]
        )
        == 2
    )
    assert "does not exist" in capsys.readouterr().err


def test_report_of_a_plan_and_saved_models(tmp_path, capsys):
    book = synthetic_book(2000, 1, seed=5)
    portfolio = aggregate_claims(book.policies, book.claims)
    portfolio = portfolio[portfolio["exposure"] > 0]
    portfolio.to_parquet(tmp_path / "book.parquet")
    use = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.3))
    plan = RatingPlan("t", "3", (Coverage("tpl", 900.0, (use,), loadings={"expenses": 0.2}),), "2027-01-01")
    plan.save(tmp_path / "plan.json")
    for name, features in (("small", ["use"]), ("wide", ["use", "region", "driver_age"])):
        model = FrequencyGBM(features, n_rounds=20, early_stopping=None, min_exposure_per_leaf=20)
        model.fit(portfolio, portfolio["claim_count"], exposure=portfolio["exposure"]).save(tmp_path / name)
    code = main(["report", "--portfolio", str(tmp_path / "book.parquet"), "--factors", "use",
                 "--plan", str(tmp_path / "plan.json"), "--model", f"small={tmp_path / 'small'}",
                 "--model", f"wide={tmp_path / 'wide'}", "--target", "claim_count",
                 "--output", str(tmp_path / "report.html")])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    html = (tmp_path / "report.html").read_text()
    assert ">Rating plan</h2>" in html and f"id {plan.plan_id[:12]}" in html and "tpl: use" in html
    assert ">Model comparison</h2>" in html and "Double lift: small / wide" in html
    # the average premium by use is the plan's premium: 900 x relativity / (1 - 0.2), rounded to the cent
    shown = html.split("Average premium at this plan by use")[1]
    rows = dict(
        (level, (int(n.replace(",", "")), a))
        for level, n, a in re.findall(r"<th>(\w+)</th>\s*<td>([\d,]+)</td>\s*<td>([\d,.]+)</td>", shown)
    )
    counts = portfolio["use"].value_counts()
    assert rows == {  # money to the cent, with thousands separators
        "private": (counts["private"], f"{900 / 0.8:,.2f}"),
        "business": (counts["business"], f"{900 * 1.3 / 0.8:,.2f}"),
    }


def test_report_names_a_missing_model_or_plan(tmp_path, capsys):
    pd.DataFrame({"exposure": [1.0], "claim_count": [0], "claim_amount": [0.0]}).to_parquet(
        tmp_path / "b.parquet"
    )
    code = main(["report", "--portfolio", str(tmp_path / "b.parquet"), "--model", "x=nowhere",
                 "--output", str(tmp_path / "r.html")])  # fmt: skip
    assert code == 2 and "model x 'nowhere': no such file" in capsys.readouterr().err
    code = main(["report", "--portfolio", str(tmp_path / "b.parquet"), "--plan", str(tmp_path / "none.json"),
                 "--output", str(tmp_path / "r.html")])  # fmt: skip
    assert code == 2 and "none.json" in capsys.readouterr().err
