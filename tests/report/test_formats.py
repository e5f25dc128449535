"""Report number formats: one decimal count per column, no exponent notation, thousands separators; numeric
factors banded in the report as experience_table bands them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.analytics import experience_table
from autorisk.errors import ParameterError
from autorisk.report import build_pricing_report
from autorisk.report.formats import column_format, format_frame

_SHOWN = re.compile(r"-?\d{1,3}(,\d{3})*(\.(\d+))?")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_subnormal=True), min_size=1,
             max_size=30),  # fmt: skip
    st.sampled_from(["frequency", "premium_total", "claim_amount", "relativity", "ae"]),
)
def test_one_format_per_column(values, name):
    shown = format_frame(pd.DataFrame({name: values}))[name]
    matches = [_SHOWN.fullmatch(text) for text in shown]
    assert all(matches), list(shown)  # plain digits with separators: never 1e+08
    assert len({len(m.group(3) or "") for m in matches}) == 1
    # what is shown is the value, to the precision shown
    for text, value, match in zip(shown, values, matches, strict=True):
        decimals = len(match.group(3) or "")
        assert float(text.replace(",", "")) == pytest.approx(value, abs=0.5 * 10**-decimals + 1e-9 * abs(value))


def test_formats_by_kind():
    frame = pd.DataFrame({
        "policy_id": [31545, 7], "year": [2021, 2022], "policies": [3206, 12], "p_value": [3.686e-05, 0.7307],
        "pure_premium": [2398.7, 12.0], "ultimate_loss": [158_969_641.59, 12.5], "loss_ratio": [1.0191, 0.75],
        "flag": [True, False], "region": ["N", "S"], "gap": [np.nan, 0.5],
    })  # fmt: skip
    shown = format_frame(frame)
    assert shown["policy_id"].tolist() == ["31545", "7"] and shown["year"].tolist() == ["2021", "2022"]
    assert shown["policies"].tolist() == ["3,206", "12"]
    assert shown["p_value"].tolist() == ["<0.0001", "0.7307"]
    assert shown["pure_premium"].tolist() == ["2,398.70", "12.00"]  # money to the cent below 100,000
    assert shown["ultimate_loss"].tolist() == ["158,969,642", "12"]  # whole units above
    assert shown["loss_ratio"].tolist() == ["1.019", "0.750"]  # a ratio is not money
    assert shown["flag"].tolist() == [True, False] and shown["region"].tolist() == ["N", "S"]
    assert shown["gap"].tolist() == ["", "0.5000"]
    assert column_format(pd.Series([-0.0001, 0.5]), "share")(-0.00001) == "0.0000"  # never "-0.0000"
    assert format_frame(frame, {"loss_ratio": ".1%"})["loss_ratio"].tolist() == ["101.9%", "75.0%"]


@pytest.fixture
def book() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"driver_age": rng.integers(18, 80, 400), "area": rng.choice(["a", "b"], 400),
                         "exposure": rng.uniform(0.2, 1, 400), "claim_count": rng.poisson(0.3, 400)})  # fmt: skip


def _experience_rows(page: str, caption: str) -> dict[str, float]:
    """{segment: exposure shown} of the experience table under ``caption``."""
    table = page.split(caption)[1].split("</table>")[0]
    rows = re.findall(r"<th>([^<]+)</th>\s*<td>([^<]*)</td>", table)
    return {label.replace("&lt;", "<").replace("&gt;", ">"): float(text.replace(",", "")) for label, text in rows}


def _hand_bands(book: pd.DataFrame, cuts: list[float]) -> pd.Series:
    """Exposure by band, by hand: pd.cut on [-inf, c_1), [c_1, c_2), ..., [c_k, inf), then the total."""
    bands = pd.cut(book["driver_age"], [-np.inf, *cuts, np.inf], right=False)
    exposure = book.groupby(bands, observed=True)["exposure"].sum()
    return pd.concat([exposure, pd.Series({"All": book["exposure"].sum()})])


def test_given_bands_match_a_hand_banding(book):
    page = build_pricing_report(portfolio=book, factors=["driver_age", "area"], bands={"driver_age": [30, 50]},
                                claim_amount=None).to_html()  # fmt: skip
    shown = _experience_rows(page, "Experience by driver_age (3 bands), with classical credibility")
    assert list(shown) == ["<30", "[30, 50)", ">=50", "All"]
    np.testing.assert_allclose(list(shown.values()), _hand_bands(book, [30, 50]).to_numpy(), atol=0.05)
    assert "Experience by area, with" in page  # text is never banded


def test_many_numeric_values_get_quantile_bands(book):
    page = build_pricing_report(portfolio=book, factors=["driver_age"], claim_amount=None).to_html()
    shown = _experience_rows(page, "Experience by driver_age (10 quantile bands)")
    assert len(shown) == 11  # ten bands and the total
    # cut k: the first value above the lowest k tenths of the rows (ties may merge bands; here none do)
    ordered = np.sort(book["driver_age"].to_numpy())
    cuts = [ordered[len(ordered) * k // 10] for k in range(1, 10)]
    assert len(set(cuts)) == 9
    assert list(shown)[1] == f"[{cuts[0]:g}, {cuts[1]:g})"
    np.testing.assert_allclose(list(shown.values()), _hand_bands(book, list(cuts)).to_numpy(), atol=0.05)
    # the same bands as experience_table's bands= option
    assert list(shown)[:-1] == list(experience_table(book, "driver_age", claim_amount=None,
                                                     bands={"driver_age": 10}).index[:-1])  # fmt: skip


def test_bad_bands_are_refused(book):
    with pytest.raises(ParameterError, match=r"not among the factors: \['age'\]"):
        build_pricing_report(portfolio=book, factors=["driver_age"], bands={"age": 3}, claim_amount=None)
    with pytest.raises(ParameterError, match=r"bands\['area'\]: column 'area' is not numeric"):
        build_pricing_report(portfolio=book, factors=["area"], bands={"area": 3}, claim_amount=None)
    with pytest.raises(ParameterError, match="comparison_on must be one of"):
        build_pricing_report(portfolio=book, comparison_on="test", claim_amount=None)
