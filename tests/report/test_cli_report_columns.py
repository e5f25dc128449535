"""`autorisk report` on a book named otherwise (--map, --exposure, --claim-count) and with --holdout: the models
are scored on the hold-out rows only and the report says which rows its metrics come from."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from autorisk.analytics import experience_table
from autorisk.cli import main
from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
from autorisk.evaluate import compare
from autorisk.models import FrequencyGBM, load_gbm

FEATURES = ["use", "region"]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A French-style book (IDpol, Exposure, ClaimNb, Region), a hold-out flag, and a GBM fitted on the rest."""
    folder = tmp_path_factory.mktemp("book")
    synthetic = synthetic_book(3000, 1, seed=11)
    portfolio = aggregate_claims(synthetic.policies, synthetic.claims)
    portfolio = portfolio[portfolio["exposure"] > 0].reset_index(drop=True)
    holdout = np.random.default_rng(3).random(len(portfolio)) < 0.3
    train = portfolio[~holdout]
    model = FrequencyGBM(FEATURES, n_rounds=20, early_stopping=None, min_exposure_per_leaf=20)
    model.fit(train, train["claim_count"], exposure=train["exposure"]).save(folder / "gbm")
    foreign = portfolio.rename(columns={"policy_id": "IDpol", "exposure": "Exposure", "claim_count": "ClaimNb",
                                        "region": "Region"}).assign(is_test=holdout.astype(int))  # fmt: skip
    foreign.to_parquet(folder / "book.parquet")
    return folder, portfolio, holdout


def _metrics(page: str) -> dict[str, str]:
    """The metric cells of the comparison table: {metric: shown value} of its one model row."""
    table = page.split("Metrics on the")[1].split("</table>")[0].replace("<wbr>", "")
    heads = [h for h in re.findall(r"<th>([a-z_0-9]+)</th>", table.split("</thead>")[0]) if h not in ("metric", "model")]
    cells = re.findall(r"<td>([^<]*)</td>", table)
    return dict(zip(heads, cells, strict=True))


def test_report_with_mapped_columns_and_a_holdout(book, tmp_path, capsys):
    folder, portfolio, holdout = book
    code = main(["report", "--portfolio", str(folder / "book.parquet"), "--factors", "use,driver_age",
                 "--map", "Region=region", "--exposure", "Exposure", "--claim-count", "ClaimNb",
                 "--model", f"gbm={folder / 'gbm'}", "--holdout", "is_test", "--output", str(tmp_path / "r.html")])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    page = (tmp_path / "r.html").read_text()
    n = int(holdout.sum())
    assert f"Metrics on the {n:,} hold-out rows" in page and "test data" not in page
    assert f"They are the rows with is_test true ({n:,} of {len(portfolio):,})" in page
    # the metrics are those of the model on the hold-out rows only (an independent compare in memory)
    expected = compare({"gbm": load_gbm(folder / "gbm")}, portfolio[holdout], target="claim_count").wide.loc["gbm"]
    shown = _metrics(page)
    assert float(shown["gini"]) == pytest.approx(expected["gini"], abs=6e-5)
    assert float(shown["deviance"]) == pytest.approx(expected["deviance"], abs=6e-5)
    # the experience tables read Exposure and ClaimNb: the whole book's totals
    whole = experience_table(portfolio, claim_amount=None)
    assert f"<td>{whole['exposure'].iloc[0]:,.0f}</td>" in page
    assert f"<td>{int(portfolio['claim_count'].sum()):,}</td>" in page
    # driver age (numeric, many values) is banded in its table and chart, and the caption says so
    assert "Experience by driver_age (10 quantile bands)" in page
    assert f"Actual vs models by driver_age (10 quantile bands), on {n:,} hold-out rows (not used in fitting)" in page
    assert f"Actual vs models by use, on {n:,} hold-out rows" in page


def test_report_without_holdout_does_not_call_it_test_data(book, tmp_path, capsys):
    folder, portfolio, _ = book
    code = main(["report", "--portfolio", str(folder / "book.parquet"), "--map", "Region=region,ClaimNb=claim_count",
                 "--exposure", "Exposure", "--model", f"gbm={folder / 'gbm'}", "--output", str(tmp_path / "r.html")])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    page = (tmp_path / "r.html").read_text()
    assert f"Metrics on the {len(portfolio):,} scored rows" in page and "test data" not in page
    assert "not known to be hold-out" in page and "give --holdout COLUMN" in page


def test_constant_exposure(tmp_path, capsys):
    pd.DataFrame({"ClaimNb": [0, 1, 2, 1], "area": ["a", "a", "b", "b"]}).to_parquet(tmp_path / "b.parquet")
    code = main(["report", "--portfolio", str(tmp_path / "b.parquet"), "--claim-count", "ClaimNb", "--exposure", "1",
                 "--factors", "area", "--output", str(tmp_path / "r.html")])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    whole = (tmp_path / "r.html").read_text().split("Whole book")[1].split("</table>")[0]
    # four policy-years of exposure, four claims: frequency 1 (four significant digits)
    assert re.findall(r"<td>([^<]*)</td>", whole)[:4] == ["4", "1", "4", "1"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--exposure", "0"], "--exposure 0: a constant exposure must be a finite number > 0"),
        (["--exposure", "1", "--map", "E=exposure"], "--exposure 1: the portfolio already has a column 'exposure'"),
        ([], "column 'exposure': missing column (expected the exposure column: name it with --exposure COLUMN, "
             "or --exposure 1 for one year per row"),
        (["--exposure", "E"], "column 'claim_count': missing column (expected the claim count column: name it "
                              "with --claim-count COLUMN"),
        (["--map", "Nope=region", "--exposure", "E"], "column 'Nope': missing column (expected a column to read as "
                                                       "'region' (--map Nope=region)"),
        (["--map", "E=n", "--exposure", "E"], "column 'E': missing column"),
        (["--map", "E=ClaimNb"], "--map: the portfolio already has column(s) ['ClaimNb']"),
        (["--exposure", "E", "--claim-count", "ClaimNb", "--holdout", "flag", "--model", "m=x"],
         "column 'flag': not a hold-out flag in 1 row (expected True/False or 1/0 (--holdout)); values: 2; rows: 2"),
        (["--exposure", "E", "--claim-count", "ClaimNb", "--holdout", "none", "--model", "m=x"],
         "--holdout none: no row is marked hold-out (all 3 are False or 0)"),
        (["--exposure", "E", "--claim-count", "ClaimNb", "--holdout", "flag"], "--holdout marks the rows the models "
                                                                               "are scored on: add --model"),
    ],
)
def test_column_errors_name_the_flag(tmp_path, capsys, arguments, message):
    pd.DataFrame({"E": [1.0, 0.5, 1.0], "ClaimNb": [0, 1, 0], "flag": [0, 1, 2], "none": [False] * 3}).to_parquet(
        tmp_path / "b.parquet"
    )
    code = main(["report", "--portfolio", str(tmp_path / "b.parquet"), *arguments, "--output", str(tmp_path / "r.html")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("autorisk report: error: ")
    assert message in err, err
