"""The README's tour runs as written and does what its comments say."""

import re
from pathlib import Path

import numpy as np
import pandas as pd

README = Path(__file__).resolve().parents[1] / "README.md"


def _tour() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## A tour of the Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, flags=re.DOTALL).group(1)


def test_the_tour_is_at_most_twenty_lines():
    assert len(_tour().strip().splitlines()) <= 20


def test_the_tour_runs_and_its_comments_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(_tour(), "README.md tour", "exec"), namespace)
    experience, plan, quotes, one, pair = (namespace[k] for k in ("experience", "plan", "quotes", "one", "pair"))
    # the plan reproduces the fitted models and the one quote equals the batch, bit for bit
    np.testing.assert_allclose(quotes["premium_tpl"], pair.predict(experience), rtol=1e-9)
    assert all(one[column] == quotes[column].iloc[0] for column in quotes.columns)
    # re-rating the parquet book writes the same premiums, row for row
    rerated = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "rerated").glob("part-*.parquet")))
    assert len(rerated) == len(experience) == namespace["run"].rows
    assert (rerated["premium_total"].to_numpy() == quotes["premium_total"].to_numpy()).all()
