"""``autorisk optimise``: the multipliers found on the book, offers written by rerate; errors exit with code 2.

``autorisk.demand.load_demand_model`` is stood in for by a loader returning the
reference model (the real one is another part's), put in ``sys.modules``.
"""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pandas as pd
import pytest

from autorisk.cli import main
from autorisk.optimise import MinRetention, optimise_offers
from autorisk.renewal import RenewalRules

from .reference_demand import reference_model, renewal_book


@pytest.fixture
def loader(monkeypatch):
    module = types.ModuleType("autorisk.demand")
    module.load_demand_model = lambda path: reference_model()
    monkeypatch.setitem(sys.modules, "autorisk.demand", module)


def test_optimise_command_writes_the_optimiser_offers(tmp_path, loader, capsys):
    book = renewal_book(4_000, seed=21)
    book.to_parquet(tmp_path / "book.parquet")
    code = main(["optimise", "--demand", "model", "--input", str(tmp_path / "book.parquet"), "--output",
                 str(tmp_path / "out"), "--expected-cost", "cost", "--technical", "prem_pure", "--min-retention",
                 "0.9", "--max-increase", "0.2", "--max-decrease", "0.15", "--chunk-rows", "1500"])  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    expected = optimise_offers(book, reference_model(), expected_cost="cost", technical="prem_pure",
                               rules=RenewalRules(max_increase=0.2, max_decrease=0.15),
                               constraints=[MinRetention(0.9)], sample=None)  # fmt: skip
    written = pd.read_parquet(tmp_path / "out").sort_values("policy_id")
    assert summary["policies"] == 4_000
    np.testing.assert_allclose(written["offered_premium"], expected.offers["offered_premium"], atol=0.01)
    assert summary["expected_retention"] == pytest.approx(0.9, abs=1e-4)


def test_optimise_command_reports_an_infeasible_target(tmp_path, loader, capsys):
    renewal_book(200).to_parquet(tmp_path / "book.parquet")
    code = main(["optimise", "--demand", "model", "--input", str(tmp_path / "book.parquet"), "--output",
                 str(tmp_path / "out"), "--expected-cost", "cost", "--technical", "prem_pure",
                 "--min-retention", "0.999"])  # fmt: skip
    assert code == 2
    assert "best retention the rules allow is" in capsys.readouterr().err
