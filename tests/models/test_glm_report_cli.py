"""`autorisk report --model NAME=PATH` takes a saved GLM (read by load_model) beside a saved GBM."""

from __future__ import annotations

from autorisk.cli import main
from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
from autorisk.evaluate import compare
from autorisk.models import FrequencyGBM, FrequencyGLM, load_model


def test_report_compares_a_saved_glm_and_a_saved_gbm(tmp_path, capsys):
    book = synthetic_book(2000, 1, seed=5)
    portfolio = aggregate_claims(book.policies, book.claims)
    portfolio = portfolio[portfolio["exposure"] > 0]
    portfolio.to_parquet(tmp_path / "book.parquet")
    fit = (portfolio, portfolio["claim_count"])
    glm = FrequencyGLM(["use", "region"]).fit(*fit, exposure=portfolio["exposure"])
    glm.save(tmp_path / "glm.json")
    gbm = FrequencyGBM(["use", "region"], n_rounds=20, early_stopping=None, min_exposure_per_leaf=20)
    gbm.fit(*fit, exposure=portfolio["exposure"]).save(tmp_path / "gbm")
    code = main(["report", "--portfolio", str(tmp_path / "book.parquet"), "--factors", "use",
                 "--model", f"glm={tmp_path / 'glm.json'}", "--model", f"gbm={tmp_path / 'gbm'}",
                 "--target", "claim_count", "--output", str(tmp_path / "report.html")])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    html = (tmp_path / "report.html").read_text()
    section = html.split(">Model comparison</h2>")[1]
    assert "<th>glm</th>" in section and "<th>gbm</th>" in section and "Double lift: glm / gbm" in section
    # what the report loaded scores exactly as the model that was saved
    data = portfolio.reset_index(drop=True)
    loaded = compare({"glm": load_model(tmp_path / "glm.json")}, data, target="claim_count").wide
    assert loaded.equals(compare({"glm": glm}, data, target="claim_count").wide)


def test_report_names_a_file_that_is_not_a_saved_model(tmp_path, capsys):
    book = synthetic_book(300, 1, seed=6)
    portfolio = aggregate_claims(book.policies, book.claims)
    portfolio.to_parquet(tmp_path / "book.parquet")
    (tmp_path / "plan.json").write_text('{"format": "autorisk.plan"}')
    code = main(["report", "--portfolio", str(tmp_path / "book.parquet"), "--model", f"m={tmp_path / 'plan.json'}",
                 "--target", "claim_count", "--output", str(tmp_path / "r.html")])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "plan.json" in err and "not a saved autorisk model" in err
