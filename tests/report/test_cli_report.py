"""`autorisk report`: a portfolio (and renewal offers) to one self-contained HTML file; clear errors."""

import re

import pandas as pd

from autorisk.cli import main
from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
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
    assert main(["report", "--portfolio", str(tmp_path / "missing.parquet"), "--output", str(tmp_path / "r.html")]) == 2
    assert "missing.parquet" in capsys.readouterr().err
    pd.DataFrame({"exposure": [1.0], "claim_count": [0], "claim_amount": [0.0]}).to_parquet(tmp_path / "b.parquet")
    assert main(["report", "--portfolio", str(tmp_path / "b.parquet"), "--output", str(tmp_path / "no" / "r.html")]) == 2
    assert "does not exist" in capsys.readouterr().err
