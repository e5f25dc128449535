"""Plan diffs list exactly what changed; exported tables read back exactly."""

import dataclasses
import math
import string
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.errors import ParameterError
from autorisk.rating import (
    BandFactor,
    BonusMalusFactor,
    Bound,
    BoundedCoefficient,
    CategoricalFactor,
    Coverage,
    InteractionFactor,
    RatingPlan,
)
from autorisk.rating.diff import DIFF_COLUMNS, diff_plans
from autorisk.rating.export import FACTOR_ATTRIBUTES, TABLE_COLUMNS, export_tables, rating_tables
from autorisk.rating.factors import FACTOR_KINDS

REGION = CategoricalFactor("region", "region", ("Beijing", "Shanghai", "Lhasa"), (1.2, 1.0, 0.9))
AGE = BandFactor("age", "driver_age", (25.0, 60.0), (1.6, 1.0, 1.2), lower=18, upper=99)
PAIR = InteractionFactor("region:use", "region", "use", (("Beijing", "business", 1.5), ("Lhasa", "business", 1.1)))
NCD = BonusMalusFactor("ncd", "ncd_level", -2, (0.6, 0.8, 1.0, 1.2, 1.5))
APC = BoundedCoefficient("autonomous", "autonomous_coefficient", 0.65, 1.35, "CBIRC 2020")
TPL = Coverage("tpl", 500.0, (REGION, AGE, PAIR, NCD, APC), loadings={"expenses": 0.2, "profit": 0.05},
               fees={"policy": 10.0}, taxes={"IPT": 0.06}, min_premium=100.0, rounding=1.0)  # fmt: skip
OD = Coverage("od", 300.0, (AGE, REGION))
PLAN = RatingPlan("motor", "1", (TPL, OD), effective_from="2026-01-01", prohibited_columns=("gender",),
                  bounds=(Bound("autonomous", 0.65, 1.35, "CBIRC 2020"),))  # fmt: skip
POLICIES = pd.DataFrame({
    "region": ["Beijing", "Shanghai", "Lhasa", "Beijing"],
    "use": ["business", "private", "business", "private"],
    "driver_age": [22, 40, 70, 30],
    "ncd_level": [-2, 0, 2, 1],
    "autonomous_coefficient": [0.5, 1.0, 1.4, 0.9],
})  # fmt: skip


def rows(diff):
    """The diff's rows as (coverage, item, level, old, new, what) tuples."""
    table = diff.table
    return [tuple(r) for r in table[["coverage", "item", "level", "old", "new", "what"]].itertuples(index=False)]


def replace_coverage(plan, name, **changes):
    return dataclasses.replace(
        plan, coverages=tuple(dataclasses.replace(c, **changes) if c.name == name else c for c in plan.coverages)
    )


def replace_factor(plan, coverage, factor):
    factors = tuple(factor if f.name == factor.name else f for f in plan.coverage(coverage).factors)
    return replace_coverage(plan, coverage, factors=factors)


# ------------------------------------------------------------------ diff


def test_a_plan_has_no_difference_with_itself_or_its_json_copy():
    for other in (PLAN, RatingPlan.from_json(PLAN.to_json())):
        diff = diff_plans(PLAN, other)
        assert not diff and len(diff) == 0
        assert list(diff.table.columns) == list(DIFF_COLUMNS)
        assert str(diff).endswith("no differences")
        assert "no differences" in diff._repr_html_()


def test_overrides_are_listed_exactly_and_marked():
    new = (PLAN.override("tpl", "region", {"Beijing": 1.25})
               .override("tpl", "age", {"[25, 60)": 0.95})
               .override("tpl", "region:use", {("Shanghai", "business"): 1.2})
               .override("tpl", "ncd", {0: 0.97}))  # fmt: skip
    diff = diff_plans(PLAN, new)
    assert rows(diff) == [
        ("tpl", "region", "Beijing", 1.2, 1.25, "overridden"),
        ("tpl", "age", "[25, 60)", 1.0, 0.95, "overridden"),
        ("tpl", "region:use", "Shanghai, business", None, 1.2, "overridden"),
        ("tpl", "ncd", "0", 1.0, 0.97, "overridden"),
    ]
    assert diff.table["change"].iloc[0] == 1.25 / 1.2 - 1
    assert math.isnan(diff.table["change"].iloc[2])
    text = str(diff)
    assert text.startswith(f"plan 'motor' v1 ({PLAN.plan_id[:8]}…) -> v1 ({new.plan_id[:8]}…)")
    for line in ("coverage tpl:", "  tpl.region[Beijing]: 1.2 -> 1.25 (+4.2%) overridden",
                 "  tpl.age[[25, 60)]: 1 -> 0.95 (-5.0%) overridden",
                 "  tpl.region:use[Shanghai, business]: added 1.2 overridden",
                 "  tpl.ncd[0]: 1 -> 0.97 (-3.0%) overridden"):  # fmt: skip
        assert line in text.splitlines()
    html = diff._repr_html_()
    assert "<table" in html and "+4.2%" in html and "Shanghai, business" in html


def test_overriding_to_the_same_value_and_dropping_an_override_are_reported():
    same = PLAN.override("tpl", "region", {"Beijing": 1.2})
    assert rows(diff_plans(PLAN, same)) == [("tpl", "region", "Beijing", 1.2, 1.2, "overridden")]
    unmarked = replace_factor(same, "tpl", dataclasses.replace(same.coverage("tpl").factors[0], overridden=()))
    assert rows(diff_plans(same, unmarked)) == [("tpl", "region", "Beijing", 1.2, 1.2, "override dropped")]
    # a hand-set value replaced by a refit one (same mark removal, new value) is a plain change
    refit = replace_factor(PLAN, "tpl", dataclasses.replace(REGION, values=(1.3, 1.0, 0.9)))
    assert rows(diff_plans(same, refit)) == [("tpl", "region", "Beijing", 1.2, 1.3, "changed")]


def test_scalar_and_plan_level_changes_are_listed_exactly():
    new = replace_coverage(
        PLAN, "tpl", base_rate=520.0, loadings={"expenses": 0.22, "profit": 0.05}, fees={},
        taxes={"IPT": 0.06, "levy": 0.01}, min_premium=None, max_premium=2000.0,
    )  # fmt: skip
    new = dataclasses.replace(new, version="2", effective_to="2028-01-01", prohibited_columns=("gender", "religion"),
                              bounds=(Bound("autonomous", 0.6, 1.35, "CBIRC 2024"),))  # fmt: skip
    diff = diff_plans(PLAN, new)
    assert rows(diff) == [
        (None, "version", None, "1", "2", "changed"),
        (None, "effective_to", None, None, "2028-01-01", "added"),
        (None, "prohibited_columns", "religion", None, None, "added"),
        (None, "bound:autonomous", "lower", 0.65, 0.6, "changed"),
        (None, "bound:autonomous", "source", "CBIRC 2020", "CBIRC 2024", "changed"),
        ("tpl", "base_rate", None, 500.0, 520.0, "changed"),
        ("tpl", "loading:expenses", None, 0.2, 0.22, "changed"),
        ("tpl", "tax:levy", None, None, 0.01, "added"),
        ("tpl", "max_premium", None, None, 2000.0, "added"),
        ("tpl", "fee:policy", None, 10.0, None, "removed"),
        ("tpl", "min_premium", None, 100.0, None, "removed"),
    ]
    change = dict(zip(diff.table["item"], diff.table["change"], strict=True))
    assert change["base_rate"] == pytest.approx(0.04) and change["loading:expenses"] == pytest.approx(0.1)
    assert math.isnan(change["version"]) and math.isnan(change["fee:policy"])
    lines = str(diff).splitlines()
    for line in ("  version: 1 -> 2", "  effective_to: added 2028-01-01", "  prohibited_columns[religion]: added",
                 "  bound:autonomous[lower]: 0.65 -> 0.6 (-7.7%)", "  tpl.base_rate: 500 -> 520 (+4.0%)",
                 "  tpl.fee:policy: removed 10", "  tpl.tax:levy: added 0.01"):  # fmt: skip
        assert line in lines


def test_factor_structure_changes_recut_bands_and_kinds():
    age = dataclasses.replace(AGE, cut_points=(25.0, 30.0, 60.0), values=(1.6, 1.1, 1.0, 1.2))
    use = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.3))
    pair = dataclasses.replace(PAIR, default=None)
    new = replace_coverage(PLAN, "tpl", factors=(REGION, age, pair, APC, use))
    diff = diff_plans(PLAN, new)
    old_bands = [("tpl", "age", label, value, None, "removed") for label, value in AGE.table()]
    new_bands = [("tpl", "age", label, None, value, "added") for label, value in age.table()]
    assert rows(diff) == [
        ("tpl", "age.cut_points", None, "25, 60", "25, 30, 60", "changed"),
        *old_bands,
        *new_bands,
        ("tpl", "region:use.default", None, 1.0, None, "removed"),
        ("tpl", "use", None, None, "categorical", "added"),
        ("tpl", "use.columns", None, None, "use", "added"),
        ("tpl", "use", "private", None, 1.0, "added"),
        ("tpl", "use", "business", None, 1.3, "added"),
        ("tpl", "ncd", None, "bonus_malus", None, "removed"),
        ("tpl", "ncd.columns", None, "ncd_level", None, "removed"),
        *[("tpl", "ncd", str(level), value, None, "removed") for level, value in NCD.table()],
    ]
    # a factor that changes kind: its settings and both whole tables
    age_group = CategoricalFactor("age", "age_group", ("young", "old"), (1.4, 1.0))
    kind = diff_plans(PLAN, replace_coverage(PLAN, "od", factors=(age_group, REGION)))
    assert rows(kind)[:2] == [("od", "age", None, "bands", "categorical", "changed"),
                              ("od", "age.columns", None, "driver_age", "age_group", "changed")]  # fmt: skip
    levels = kind.table[kind.table["level"].notna() & (kind.table["item"] == "age")]
    assert levels["what"].tolist() == ["removed"] * 3 + ["added"] * 2
    assert levels["level"].tolist() == [label for label, _ in AGE.table()] + ["young", "old"]


def test_coverages_added_removed_and_reordered():
    theft = Coverage("theft", 80.0, (REGION,))
    diff = diff_plans(PLAN, dataclasses.replace(PLAN, coverages=(TPL, theft)))
    assert rows(diff)[:2] == [(None, "coverage", "theft", None, None, "added"),
                              (None, "coverage", "od", None, None, "removed")]  # fmt: skip
    by_coverage = diff.table.groupby("coverage")["what"].unique()
    assert list(by_coverage["theft"]) == ["added"] and list(by_coverage["od"]) == ["removed"]
    theft_levels = diff.table[(diff.table["coverage"] == "theft") & diff.table["level"].notna()]
    assert theft_levels["new"].tolist() == list(REGION.values)
    assert "coverage[theft]: added" in str(diff)
    assert "tpl" not in set(diff.table["coverage"])
    reordered = diff_plans(PLAN, dataclasses.replace(PLAN, coverages=(OD, TPL)))
    assert rows(reordered) == [(None, "coverage_order", None, "tpl, od", "od, tpl", "changed")]
    swapped = diff_plans(PLAN, replace_coverage(PLAN, "od", factors=(REGION, AGE)))
    assert rows(swapped) == [("od", "factor_order", None, "age, region", "region, age", "changed")]


def test_a_diff_is_empty_exactly_when_the_plan_id_is_unchanged():
    variants = [
        PLAN,
        PLAN.override("od", "region", {"Lhasa": 0.9}),
        dataclasses.replace(PLAN, name="motor2"),
        replace_factor(PLAN, "tpl", dataclasses.replace(APC, source="")),
        replace_factor(PLAN, "tpl", dataclasses.replace(NCD, scale="China 2020")),
        replace_factor(PLAN, "tpl", dataclasses.replace(AGE, closed="right")),
        replace_factor(PLAN, "tpl", dataclasses.replace(AGE, lower=17)),
        replace_factor(PLAN, "tpl", dataclasses.replace(PAIR, column_b="usage")),
        replace_coverage(PLAN, "tpl", rounding=5.0),
    ]
    for variant in variants:
        assert bool(diff_plans(PLAN, variant)) == (variant.plan_id != PLAN.plan_id), variant
        assert bool(diff_plans(variant, PLAN)) == (variant.plan_id != PLAN.plan_id), variant


def test_premium_impact_totals_both_quotes():
    new = PLAN.override("tpl", "region", {"Beijing": 1.5})
    impact = diff_plans(PLAN, new).premium_impact(POLICIES)
    assert list(impact.index) == ["tpl", "od", "total"]
    old_quote, new_quote = PLAN.quote(POLICIES), new.quote(POLICIES)
    assert impact.loc["tpl", "old"] == old_quote["premium_tpl"].sum()
    assert impact.loc["total", "new"] == new_quote["premium_total"].sum()
    assert impact.loc["tpl", "change"] > 0 and impact.loc["od", "change"] == 0
    without_od = diff_plans(PLAN, dataclasses.replace(PLAN, coverages=(TPL,))).premium_impact(POLICIES)
    assert math.isnan(without_od.loc["od", "new"])


@st.composite
def categorical_changes(draw):
    # A blank level counts as missing (autorisk.rating.values), so a plan cannot hold one.
    levels = draw(st.lists(st.text(string.ascii_letters + string.digits + " ,[]", min_size=1, max_size=6)
                           .filter(str.strip), min_size=1, max_size=8, unique=True))  # fmt: skip
    relativity = st.floats(0.05, 20.0, allow_nan=False)
    values = draw(st.lists(relativity, min_size=len(levels), max_size=len(levels)))
    changed = draw(st.lists(st.sampled_from(levels), unique=True))
    return levels, values, {level: draw(relativity) for level in changed}


@settings(max_examples=60, deadline=None)
@given(categorical_changes())
def test_property_diff_rows_are_exactly_the_changed_levels(case):
    levels, values, changes = case
    factor = CategoricalFactor("f", "x", tuple(levels), tuple(values))
    plan = RatingPlan("p", "1", (Coverage("c", 100.0, (factor,)),))
    old = dict(zip(levels, values, strict=True))
    # by override: every touched level is listed (even at its old value) and marked
    overridden = diff_plans(plan, plan.override("c", "f", changes))
    touched = [level for level in levels if level in changes]  # the diff follows the table's order
    assert rows(overridden) == [("c", "f", level, old[level], changes[level], "overridden") for level in touched]
    # by editing the table: exactly the levels whose value moved
    edited = dataclasses.replace(factor, values=tuple(changes.get(level, old[level]) for level in levels))
    diff = diff_plans(plan, replace_factor(plan, "c", edited))
    moved = [level for level in touched if changes[level] != old[level]]
    assert rows(diff) == [("c", "f", level, old[level], changes[level], "changed") for level in moved]
    assert diff.table["change"].tolist() == [changes[level] / old[level] - 1 for level in moved]
    assert bool(diff) == bool(moved)
    for level in moved:
        assert f"c.f[{level}]: " in str(diff)


# ---------------------------------------------------------------- export


def expected_tables(plan):
    """(coverage, factor) -> [(level text, relativity, overridden)], straight from the factors."""
    out = {}
    for coverage in plan.coverages:
        for factor in coverage.factors:
            marked = getattr(factor, "overridden", ())
            table = []
            for i, (level, value) in enumerate(factor.table()):
                if isinstance(factor, BandFactor):
                    flag = i in marked
                elif isinstance(factor, InteractionFactor):
                    flag, level = level in marked, f"{level[0]}, {level[1]}"
                else:
                    flag = level in marked
                table.append((str(level), value, flag))
            out[coverage.name, factor.name] = table
    return out


def records(frame):
    return [(r.level, r.relativity, bool(r.overridden)) for r in frame.itertuples(index=False)]


# A fitted relativity that needs all 17 significant digits: a writer keeping 16 would not read it back exactly.
SEVENTEEN_DIGITS = 1.0851391088977806
OVERRIDDEN = (PLAN.override("tpl", "region", {"Lhasa": SEVENTEEN_DIGITS}).override("tpl", "age", {0: 1.55})
                  .override("tpl", "region:use", {("Lhasa", "business"): 1.15}).override("tpl", "ncd", {-2: 0.55}))  # fmt: skip


def test_every_factor_kind_declares_its_settings():
    assert set(FACTOR_ATTRIBUTES) == set(FACTOR_KINDS)


def test_rating_tables_lists_every_level_of_every_factor():
    assert f"{SEVENTEEN_DIGITS:.16g}" != repr(SEVENTEEN_DIGITS)
    tables = rating_tables(OVERRIDDEN)
    assert list(tables.columns) == list(TABLE_COLUMNS)
    expected = expected_tables(OVERRIDDEN)
    for (coverage, factor), table in expected.items():
        got = tables[(tables["coverage"] == coverage) & (tables["factor"] == factor)]
        assert records(got) == table
    assert len(tables) == sum(map(len, expected.values()))
    assert tables.loc[tables["factor"] == "region:use", "columns"].iloc[0] == "region, use"
    assert tables.loc[tables["factor"] == "autonomous", "level"].tolist() == ["lower", "upper"]


def test_csv_folder_round_trips_exactly(tmp_path):
    folder = export_tables(OVERRIDDEN, tmp_path / "filing")
    index = pd.read_csv(folder / "index.csv")
    expected = expected_tables(OVERRIDDEN)
    assert sorted(p.name for p in folder.iterdir()) == sorted(["plan.csv", "index.csv", "tables.csv", *index["file"]])
    assert list(zip(index["coverage"], index["factor"], strict=True)) == list(expected)
    for row in index.itertuples(index=False):
        table = pd.read_csv(folder / row.file, dtype={"level": str})
        assert records(table) == expected[row.coverage, row.factor]
        assert row.levels == len(table)
    long = pd.read_csv(folder / "tables.csv", dtype={"level": str})
    pd.testing.assert_frame_equal(long, rating_tables(OVERRIDDEN), check_dtype=False)
    plan_rows = pd.read_csv(folder / "plan.csv")
    value = {(r.section, r.item): r.value for r in plan_rows.itertuples(index=False)}
    assert value["plan", "plan_id"] == OVERRIDDEN.plan_id and value["plan", "prohibited_columns"] == "gender"
    assert value["bound:autonomous", "source"] == "CBIRC 2020" and float(value["bound:autonomous", "upper"]) == 1.35
    assert float(value["coverage:tpl", "base_rate"]) == 500.0 and float(value["coverage:tpl", "tax:IPT"]) == 0.06
    assert value["coverage:tpl", "age.cut_points"] == "25, 60" and value["coverage:od", "age"] == "bands"
    assert pd.isna(value["plan", "effective_to"]) and pd.isna(value["coverage:tpl", "max_premium"])


def test_workbook_round_trips_exactly_with_safe_unique_sheet_names(tmp_path):
    book = export_tables(OVERRIDDEN, tmp_path / "filing.xlsx")
    sheets = pd.read_excel(book, sheet_name=None, engine="openpyxl", dtype={"level": str})
    index = sheets["index"]
    expected = expected_tables(OVERRIDDEN)
    assert list(sheets) == ["plan", "index", *index["sheet"]]
    assert list(zip(index["coverage"], index["factor"], strict=True)) == list(expected)
    for row in index.itertuples(index=False):
        assert records(sheets[row.sheet]) == expected[row.coverage, row.factor]
    value = {(r.section, r.item): r.value for r in sheets["plan"].itertuples(index=False)}
    assert value["plan", "plan_id"] == OVERRIDDEN.plan_id and value["coverage:tpl", "loading:expenses"] == 0.2
    assert value["coverage:tpl", "rounding"] == 1.0 and value["bound:autonomous", "lower"] == 0.65


def test_awkward_names_make_safe_unique_deterministic_sheets_and_files(tmp_path):
    long = "claim_frequency_by_vehicle_group_and_region_"
    factors = (
        CategoricalFactor(long + "a", "x", ("p", "q"), (1.0, 2.0)),
        CategoricalFactor(long + "b", "x", ("p",), (1.5,)),
        CategoricalFactor("[weird]: a/b\\c?*", "x", ("p",), (1.25,)),
        CategoricalFactor("Region", "x", ("p",), (1.1,)),
        CategoricalFactor("region", "x", ("p",), (1.2,)),
        CategoricalFactor("formula", "x", ("=1+1", "01", "-4", "1.0"), (1.0, 1.1, 1.2, 1.3)),  # levels stay text
    )
    plan = RatingPlan("names", "1", (Coverage("own/damage", 100.0, factors), Coverage("plan", 50.0, factors[:1])))
    first = export_tables(plan, tmp_path / "a.xlsx")
    names = pd.read_excel(first, sheet_name="index")["sheet"].tolist()
    assert len({n.casefold() for n in ["plan", "index", *names]}) == len(names) + 2
    assert all(0 < len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    again = pd.read_excel(export_tables(plan, tmp_path / "b.xlsx"), sheet_name="index")["sheet"].tolist()
    assert again == names
    sheets = pd.read_excel(first, sheet_name=None, dtype={"level": str})
    expected = expected_tables(plan)
    for row in sheets["index"].itertuples(index=False):
        assert records(sheets[row.sheet]) == expected[row.coverage, row.factor]
    folder = export_tables(plan, tmp_path / "csv")
    files = pd.read_csv(folder / "index.csv")["file"].tolist()
    assert len({f.casefold() for f in files}) == len(files) and "plan.csv" not in files
    assert all(set(f) <= set(string.ascii_letters + string.digits + "._-~") for f in files)


def test_spreadsheet_formats_other_than_xlsx_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="xlsx"):
        export_tables(PLAN, tmp_path / "tables.csv")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=0.0, exclude_min=True, allow_infinity=False), min_size=3, max_size=3),
       st.lists(st.floats(1e-3, 1e3), min_size=2, max_size=2))  # fmt: skip
def test_property_any_relativity_reads_back_bit_for_bit(bands, levels):
    plan = RatingPlan("p", "1", (Coverage("c", 100.0, (
        BandFactor("age", "age", (25.0, 60.0), tuple(bands)),
        CategoricalFactor("use", "use", ("private", "business"), tuple(levels)),
    )),))  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = export_tables(plan, Path(tmp) / "csv")
        from_csv = pd.read_csv(folder / "tables.csv", dtype={"level": str})["relativity"].tolist()
        book = pd.read_excel(export_tables(plan, Path(tmp) / "t.xlsx"), sheet_name=None, dtype={"level": str})
    assert from_csv == [*bands, *levels]
    assert book["c.age"]["relativity"].tolist() == bands and book["c.use"]["relativity"].tolist() == levels
