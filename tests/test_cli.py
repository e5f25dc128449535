"""`autorisk demo` runs end to end and its figures agree with the data it summarises."""

import re
from pathlib import Path

import pytest

from autorisk.cli import main
from autorisk.datasets import load
from autorisk.errors import ParameterError


def test_demo_prints_real_and_synthetic_summaries(capsys, recwarn):
    assert main(["demo", "--policies", "3000", "--years", "2", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    # the indication gets the severity CV of the credibility standard from the claim amounts: no warning
    assert not [w for w in recwarn if "severity_cv" in str(w.message)]
    assert re.search(r"severity CV\s+[\d.]+\s+sample std / mean of [\d,]+ claim amounts", out)
    motorcycle = load("swmotorcycle")
    assert f"validated {len(motorcycle):,} policies (0 rejected)" in out
    assert f"{int(motorcycle['claim_count'].sum()):,}" in out
    assert "generated 6,000 policy periods" in out
    # the GLMs are fitted and reported: their deviances are below the null deviances
    assert "FrequencyGLM results" in out and "SeverityGLM results" in out
    deviances = [float(v.replace(",", "")) for v in re.findall(r"^deviance\s+([\d,.]+)$", out, flags=re.MULTILINE)]
    nulls = [float(v.replace(",", "")) for v in re.findall(r"^null deviance\s+([\d,.]+)$", out, flags=re.MULTILINE)]
    assert len(deviances) == len(nulls) == 2
    assert all(d < n for d, n in zip(deviances, nulls, strict=True))
    assert "premiums equal the models' predictions: True" in out
    inside, total = map(int, re.search(r"(\d+) of (\d+) true relativities inside", out).groups())
    assert total >= 30 and inside / total >= 0.8
    # every coverage's actual/expected ratio is printed and plausible for a known-truth book
    ratios = re.findall(r"^(ctpl|tpl|od)\s+[\d,]+\s+[\d,]+\s+([\d.]+)$", out, flags=re.MULTILINE)
    assert {c for c, _ in ratios} == {"ctpl", "tpl", "od"}
    assert all(0.8 < float(r) < 1.2 for _, r in ratios)
    # the GBM challenger is compared with the GLM on held-out data and the charts are written
    rows = dict(re.findall(r"^(glm|gbm)\s+([\d.]+)\s+[\d.]+\s+-?[\d.]+\s+-?[\d.]+\s+[\d.]+$", out, flags=re.MULTILINE))
    assert set(rows) == {"glm", "gbm"} and all(float(v) > 0 for v in rows.values())
    for chart in re.findall(r"chart saved to (\S+\.png)", out):
        assert Path(chart).stat().st_size > 10_000
    assert len(re.findall(r"(?:lift|double-lift|dislocation) chart saved to", out)) == 3
    kept = float(re.search(r"it keeps (\d+)% of the GBM's held-out Gini", out).group(1))
    assert 0 < kept <= 200
    # the China plan is built, saved, reloaded, quoted (batch == one), clamps counted, diffed and exported
    assert "reloaded (same id: True)" in out and "equals the batch bit for bit: True" in out
    quoted, raised, lowered, inside = (int(v.replace(",", "")) for v in re.search(
        r"quoted ([\d,]+) policies.*: ([\d,]+) raised, ([\d,]+) lowered, ([\d,]+) inside", out).groups())  # fmt: skip
    assert raised + lowered + inside == quoted > 0
    report = Path(re.search(r"HTML report of this run \(self-contained\) written to (\S+)", out).group(1))
    html = report.read_text()
    assert "Renewal dislocation" in html and html.count("data:image/png;base64,") >= 5 and "http://" not in html
    renewed = int(re.search(r"([\d,]+) policies renewed with plan", out).group(1).replace(",", ""))
    assert renewed == quoted and "-- dislocation summary" in out
    band_counts = re.findall(r"^(?:< |>= |\[)\S+(?:, \S+)?\s+(\d+)\s+[\d.]+\s", out.split("-- dislocation summary")[1],
                             flags=re.MULTILINE)  # fmt: skip
    assert sum(map(int, band_counts)) == renewed  # every renewed policy is in one change band
    assert re.search(r"tpl\.region\[Beijing\]: [\d.]+ -> [\d.]+ \(\+10\.0%\) overridden", out)
    # losses are developed to ultimate and feed the indication; both methods agree on the same inputs
    pure_premium, loss_ratio = re.search(
        r"pure-premium method on the same inputs: ([-+\d.]+)% \(loss-ratio method ([-+\d.]+)%\)", out).groups()
    assert pure_premium == loss_ratio
    assert "Loss development" in html and "Rate indication" in html and "Mack chain ladder" in html
    assert ">Rating plan</h2>" in html and ">Risk segmentation</h2>" in html and ">Monitoring</h2>" in html
    # the comparison says what its rows are: the whole held-out set, not test data of unknown origin
    held_out = int(re.search(r"held-out comparison on ([\d,]+) policy-years", out).group(1).replace(",", ""))
    assert f"Metrics on the {held_out:,} hold-out rows" in html and "test data" not in html
    assert "not a sample of them" in html
    assert not re.search(r"<td>-?[\d,.]+e[+-]?\d+</td>", html)  # no exponent notation in any table cell
    assert "Not computed: the portfolio lacks columns the plan reads ([&#x27;ctpl_class&#x27;," in html
    # severity fits of the bodily-injury amounts: a family AIC table in AIC order, and ILFs at the TPL limits
    section = out.split("7. Severity distributions and increased-limit factors")[1]
    aic = re.findall(r"^(lognormal|gamma|weibull|pareto)\s+2\s+-[\d,]+\s+([\d,]+)\s+[\d,]+\s+[\d,.]+$", section,
                     flags=re.MULTILINE)  # fmt: skip
    assert {f for f, _ in aic} == {"lognormal", "gamma", "weibull", "pareto"}
    values = [float(v.replace(",", "")) for _, v in aic]
    assert values == sorted(values)
    ilfs = {int(limit): [float(v) for v in rest.split()] for limit, rest in
            re.findall(r"^(1000000|2000000|3000000|5000000)((?:\s+[\d.]+){6})$", section, flags=re.MULTILINE)}  # fmt: skip
    assert sorted(ilfs) == [1_000_000, 2_000_000, 3_000_000, 5_000_000] and set(ilfs[1_000_000]) == {1.0}
    columns = list(zip(*(ilfs[k] for k in sorted(ilfs)), strict=True))
    assert all(list(c) == sorted(c) for c in columns)  # every severity's factors rise with the limit
    assert "GPD tail above 200,000" in section


def test_demo_refuses_a_claim_level_dataset():
    with pytest.raises(ParameterError, match="swmotorcycle"):
        main(["demo", "--dataset", "freMTPL2sev", "--policies", "100", "--years", "1"])
