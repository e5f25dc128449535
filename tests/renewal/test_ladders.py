"""NCD / bonus-malus ladders: published examples by hand, hypothesis properties, JSON, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.datasets.ncd import NcdState, ncd_transition
from autorisk.errors import DataError, ParameterError, SchemaError
from autorisk.renewal.ladders import (
    CoefficientLadder,
    HistoryLadder,
    Ladder,
    LevelTableLadder,
    available_ladders,
    load_ladder,
)

SHIPPED = ("belgium_23", "china_beijing_xiamen", "china_national", "france_crm")


def walk(ladder: Ladder, book: pd.DataFrame, periods: list[dict]) -> list[list]:
    """Renew ``book`` once per entry of ``periods`` (keyword arguments of renew); the level after each."""
    out = []
    for kwargs in periods:
        book = ladder.renew(book, **kwargs)
        out.append(book[ladder.level_column].tolist())
    return out


def test_shipped_names():
    assert available_ladders() == SHIPPED


# ------------------------------------------------------------- France (CRM)


@pytest.fixture(scope="module")
def crm() -> Ladder:
    return load_ladder("france_crm")


def new_crm(crm: Ladder, values: list[float]) -> pd.DataFrame:
    return crm.init_state(pd.DataFrame({"crm": values}))


def test_crm_claim_free_years_reach_the_floor_after_13_years(crm):
    # By hand, truncating to 2 decimals: 0.95, 0.9025 -> 0.90, 0.855 -> 0.85, 0.8075 -> 0.80, 0.76,
    # 0.722 -> 0.72, 0.684 -> 0.68, 0.646 -> 0.64, 0.608 -> 0.60, 0.57, 0.5415 -> 0.54, 0.513 -> 0.51,
    # 0.4845 -> floor 0.50 (year 13).
    path = [lv[0] for lv in walk(crm, new_crm(crm, [1.0]), [{"claims": 0}] * 14)]
    assert path == [0.95, 0.90, 0.85, 0.80, 0.76, 0.72, 0.68, 0.64, 0.60, 0.57, 0.54, 0.51, 0.50, 0.50]
    assert path.index(0.50) + 1 == 13


def test_crm_claims(crm):
    book = new_crm(crm, [1.0, 1.0, 1.0, 1.0, 1.0, 3.4, 0.5])
    renewed = crm.renew(book, at_fault=[1, 2, 0, 4, 1, 1, 0], partly_at_fault=[0, 0, 1, 0, 1, 0, 0])
    # 1.25; 1.5625 -> 1.56; 1.125 -> 1.12; 1.25**4 = 2.44140625 -> 2.44 (truncated once, not 2.43);
    # 1.25 * 1.125 = 1.40625 -> 1.40; 3.4 * 1.25 = 4.25 -> cap 3.50; 0.5 claim-free stays at the floor.
    assert renewed["crm"].tolist() == [1.25, 1.56, 1.12, 2.44, 1.40, 3.50, 0.50]
    # claims= is read as at-fault claims when at_fault= is not given
    assert crm.renew(book, claims=[1, 2, 0, 0, 0, 0, 0])["crm"].tolist()[:3] == [1.25, 1.56, 0.95]


def test_crm_back_to_one_after_two_claim_free_years(crm):
    book = new_crm(crm, [1.0, 3.5])
    path = walk(crm, book, [{"claims": [2, 0]}, {"claims": 0}, {"claims": 0}, {"claims": 0}])
    # 2 claims: 1.56, then 1.482 -> 1.48, then at most 1.00 after the second claim-free year;
    # 3.50 -> 3.325 -> 3.32 after one claim-free year, 1.00 after the second.
    assert path == [[1.56, 3.32], [1.48, 1.00], [1.00, 0.95], [0.95, 0.90]]


def test_crm_first_claim_forgiven_after_three_years_at_the_floor(crm):
    book = new_crm(crm, [1.0])
    path = walk(crm, book, [{"claims": 0}] * 16 + [{"claims": 1}, {"claims": 1}])
    assert [p[0] for p in path[12:]] == [0.50, 0.50, 0.50, 0.50, 0.50, 0.62]
    # 13 claim-free years reach 0.50; years 14-16 are spent at 0.50, so the claim of year 17 is
    # forgiven; the count then restarts, and year 18's claim gives 0.50 * 1.25 = 0.625 -> 0.62.
    at_floor = new_crm(crm, [0.5, 0.5, 0.5]).assign(crm_years_at_floor=[3, 3, 2])
    assert crm.renew(at_floor, claims=[1, 2, 1])["crm"].tolist() == [0.50, 0.62, 0.62]


def test_crm_fault_split_ignores_claims_without_fault(crm):
    book = new_crm(crm, [1.0]).assign(claims_since_renewal=[3])
    assert crm.renew(book, at_fault=[0])["crm"].tolist() == [0.95]


# ---------------------------------------------------------------- Belgium


def test_belgium_steps_and_bounds():
    belgium = load_ladder("belgium_23")
    assert belgium.bounds == (0, 22) and belgium.entry_level == 11
    book = pd.DataFrame({"bm_level": [11, 11, 11, 0, 20, 22, 1]})
    renewed = belgium.renew(book, claims=[0, 1, 2, 0, 1, 0, 0])
    assert renewed["bm_level"].tolist() == [10, 16, 21, 0, 22, 21, 0]
    path = walk(belgium, pd.DataFrame({"bm_level": [22]}), [{"claims": 0}] * 23)
    assert [p[0] for p in path] == [*range(21, -1, -1), 0]


# ------------------------------------------------------------------ China


def new_ncd(ladder: Ladder, n: int = 1) -> pd.DataFrame:
    return ladder.init_state(pd.DataFrame({"ncd_level": [0] * n}))


def test_china_claim_free_years():
    national, bjxm = load_ladder("china_national"), load_ladder("china_beijing_xiamen")
    assert [p[0] for p in walk(national, new_ncd(national), [{"claims": 0}] * 6)] == [-1, -2, -3, -4, -4, -4]
    assert [p[0] for p in walk(bjxm, new_ncd(bjxm), [{"claims": 0}] * 6)] == [-1, -2, -3, -4, -5, -5]


def test_china_claims_over_three_years():
    ncd = load_ladder("china_national")
    # 3 insured years with 1 claim -> -2; 1 insured year with 2 claims -> +1; 6 claims -> +5 (cap);
    # a claim leaves the window after three years.
    assert walk(ncd, new_ncd(ncd), [{"claims": 0}, {"claims": 0}, {"claims": 1}])[-1] == [-2]
    assert walk(ncd, new_ncd(ncd, 2), [{"claims": [2, 7]}]) == [[1, 5]]
    assert [p[0] for p in walk(ncd, new_ncd(ncd), [{"claims": 1}] + [{"claims": 0}] * 4)] == [0, -1, -2, -3, -4]


def test_china_lapse_over_six_months_resets():
    ncd = load_ladder("china_national")
    book = ncd.init_state(pd.DataFrame({"ncd_level": [-4, -4, 3, 3]}))
    renewed = ncd.renew(book, claims=0, lapse_days=[184, 183, 400, 0])
    assert renewed["ncd_level"].tolist() == [0, -4, 0, 2]
    assert renewed.loc[[0, 2], ["insured_years", "claim_free_years", "claims_1", "claims_2"]].eq(0).all(axis=None)


def test_china_init_state_history():
    ncd = load_ladder("china_national")
    book = ncd.init_state(pd.DataFrame({"ncd_level": [-4, -1, 0, 2]}))
    assert book["insured_years"].tolist() == [4, 1, 0, 1]
    assert book["claim_free_years"].tolist() == [4, 1, 0, 0]
    assert book["claims_1"].tolist() == [0, 0, 0, 3]


def test_china_against_the_synthetic_book_rule():
    """Same as datasets.ncd on claim-free runs and on the first renewal; differs once the 3-year window matters."""
    ncd = load_ladder("china_national")

    def simplified(claims: list[int]) -> int:
        state = NcdState(*(np.zeros(1, dtype=np.int8) for _ in range(4)))
        for n in claims:
            state = ncd_transition(state, np.array([n]))
        return int(state.level[0])

    def ours(claims: list[int]) -> int:
        return walk(ncd, new_ncd(ncd), [{"claims": n} for n in claims])[-1][0]

    for claims in ([0], [0, 0, 0, 0, 0], [1], [2], [6]):
        assert ours(claims) == simplified(claims)
    assert (ours([0, 0, 0, 1]), simplified([0, 0, 0, 1])) == (-2, 0)  # insured years offset the claim
    assert (ours([2, 0]), simplified([2, 0])) == (0, -1)  # older claims stay in the window


# ------------------------------------------------------------- properties


LADDERS = {name: load_ladder(name) for name in SHIPPED}


def claim_kwargs(ladder: Ladder, n: int) -> st.SearchStrategy[dict]:
    counts = st.lists(st.integers(0, 4), min_size=n, max_size=n).map(np.array)
    lapse = st.lists(st.sampled_from([0, 0, 30, 183, 184, 400]), min_size=n, max_size=n).map(np.array)
    if isinstance(ladder, CoefficientLadder):
        return st.fixed_dictionaries({"claims": st.just(0), "at_fault": counts, "partly_at_fault": counts})
    return st.fixed_dictionaries({"claims": counts, "lapse_days": lapse})


@st.composite
def books(draw, ladder: Ladder) -> pd.DataFrame:
    """Policies in states a ladder can reach: any level (with its simplest history), then a few renewals."""
    n = draw(st.integers(1, 6))
    if isinstance(ladder, CoefficientLadder):
        units = draw(st.lists(st.integers(round(ladder.floor * 100), round(ladder.cap * 100)), min_size=n, max_size=n))
        book = pd.DataFrame({ladder.level_column: np.array(units) / 100})
        for col in ladder.state_columns[1:]:
            book[col] = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    else:
        low, high = ladder.bounds
        levels = draw(st.lists(st.integers(low, high), min_size=n, max_size=n))
        book = ladder.init_state(pd.DataFrame({ladder.level_column: levels}))
    for _ in range(draw(st.integers(0, 4))):
        book = ladder.renew(book, **draw(claim_kwargs(ladder, n)))
    return book


def more(draw, ladder: Ladder, kwargs: dict) -> dict:
    """The same renewal with more claims (of every kind the ladder reads)."""
    extra = {k: v + np.array(draw(st.lists(st.integers(0, 3), min_size=v.size, max_size=v.size)))
             for k, v in kwargs.items() if k in ("claims", "at_fault", "partly_at_fault") and isinstance(v, np.ndarray)}  # fmt: skip
    return {**kwargs, **extra}


def level(ladder: Ladder, book: pd.DataFrame) -> np.ndarray:
    return book[ladder.level_column].to_numpy()


@pytest.mark.parametrize("name", SHIPPED)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_level_stays_in_range(name, data):
    ladder = LADDERS[name]
    book = data.draw(books(ladder))
    renewed = level(ladder, ladder.renew(book, **data.draw(claim_kwargs(ladder, len(book)))))
    low, high = ladder.bounds
    assert ((renewed >= low) & (renewed <= high)).all()
    if isinstance(ladder, CoefficientLadder):
        np.testing.assert_allclose(renewed * 100, np.round(renewed * 100), atol=1e-9)
    else:
        assert renewed.dtype.kind == "i"


@pytest.mark.parametrize("name", SHIPPED)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_claim_free_year_never_raises_the_level(name, data):
    ladder = LADDERS[name]
    book = data.draw(books(ladder))
    renewed = ladder.renew(book, claims=0, lapse_days=0)
    assert (level(ladder, renewed) <= level(ladder, book)).all()


@pytest.mark.parametrize("name", SHIPPED)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_more_claims_never_give_a_lower_level(name, data):
    ladder = LADDERS[name]
    book = data.draw(books(ladder))
    fewer = data.draw(claim_kwargs(ladder, len(book)))
    more_claims = more(data.draw, ladder, fewer)
    assert (level(ladder, ladder.renew(book, **more_claims)) >= level(ladder, ladder.renew(book, **fewer))).all()


@pytest.mark.parametrize("name", SHIPPED)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_renew_is_vectorised_row_by_row_gives_the_same(name, data):
    ladder = LADDERS[name]
    book = data.draw(books(ladder))
    book.index = [f"p{i}" for i in range(len(book))]
    kwargs = data.draw(claim_kwargs(ladder, len(book)))
    before = book.copy()
    together = ladder.renew(book, **kwargs)
    one_by_one = pd.concat([
        ladder.renew(book.iloc[[i]], **{k: v[i : i + 1] if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})
        for i in range(len(book))
    ])  # fmt: skip
    pd.testing.assert_frame_equal(together, one_by_one)
    pd.testing.assert_frame_equal(book, before)  # the input is not modified


# ------------------------------------------------------------------- JSON


@pytest.mark.parametrize("name", SHIPPED)
def test_json_round_trip(name, tmp_path):
    ladder = load_ladder(name)
    assert Ladder.from_dict(ladder.to_dict()) == ladder
    assert type(ladder).from_dict(json.loads(json.dumps(ladder.to_dict()))) == ladder
    ladder.save(tmp_path / "copy.json")
    assert Ladder.load(tmp_path / "copy.json") == ladder == load_ladder(str(tmp_path / "copy.json"))
    assert ladder.to_dict()["source"] and ladder.to_dict()["assumptions"]


def test_user_defined_ladder_from_a_json_file(tmp_path):
    # The 1992 Belgian rule without its special bonus rule: first claim +4, each further claim +5.
    table = {str(lv): [max(lv - 1, 0), *(min(lv + 4 + 5 * k, 22) for k in range(5))] for lv in range(23)}
    spec = {"name": "belgium_1992", "kind": "level_table", "columns": {"level": "bm"}, "entry_level": 11,
            "lowest": 0, "highest": 22, "transitions": table, "description": "my scale"}  # fmt: skip
    path = tmp_path / "belgium_1992.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    ladder = load_ladder(path)
    assert isinstance(ladder, LevelTableLadder) and ladder.state_columns == ("bm",)
    renewed = ladder.renew(pd.DataFrame({"bm": [11, 11, 11, 11, 20, 0]}), claims=[0, 1, 2, 9, 1, 0])
    assert renewed["bm"].tolist() == [10, 15, 20, 22, 22, 0]
    assert Ladder.from_dict(ladder.to_dict()) == ladder


def test_user_defined_history_ladder_with_own_columns():
    spec = load_ladder("china_national").to_dict() | {
        "name": "mine",
        "columns": {"level": "lvl", "insured_years": "yrs", "claim_free_years": "free", "claims_history": ["c1"]},
        "lapse": None,
    }
    ladder = Ladder.from_dict(spec)
    assert isinstance(ladder, HistoryLadder) and ladder.window == 2
    book = ladder.init_state(pd.DataFrame({"lvl": [0, 0]}))
    assert walk(ladder, book, [{"claims": [1, 0]}, {"claims": 0}, {"claims": 0}]) == [[0, -1], [-1, -2], [-2, -2]]


# -------------------------------------------------------------- bad input


@contextmanager
def raises_naming(exc: type[Exception], *parts: str) -> Iterator[pytest.ExceptionInfo]:
    """pytest.raises, then check that the message names every part."""
    with pytest.raises(exc) as info:
        yield info
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


@pytest.mark.parametrize(
    ("name", "column", "values", "words"),
    [
        ("belgium_23", "bm_level", [11, 23], ["outside the ladder", "23", "'b'"]),
        ("belgium_23", "bm_level", [11, 2.5], ["not an integer", "2.5"]),
        ("belgium_23", "bm_level", [np.nan, 3], ["missing", "'a'"]),
        ("china_national", "ncd_level", [-5, 0], ["outside the ladder", "-5"]),
        ("france_crm", "crm", [0.49, 1.0], ["outside the ladder", "0.49"]),
        ("france_crm", "crm", [1.0, 3.51], ["outside the ladder", "3.51"]),
        ("france_crm", "crm", [0.955, 1.0], ["too many decimals", "0.955"]),
        ("france_crm", "crm_claim_free_years", [1, -1], ["negative", "-1"]),
        ("china_national", "claims_1", [0.5, 0], ["not an integer", "0.5"]),
    ],
)
def test_bad_state_raises_naming_the_column(name, column, values, words):
    ladder = load_ladder(name)
    book = ladder.init_state(pd.DataFrame({ladder.level_column: [ladder.entry_level] * 2}, index=["a", "b"]))
    book[column] = values
    with raises_naming(DataError, f"column '{column}'", *words):
        ladder.renew(book, claims=0)


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ([1, np.nan], ["missing", "'b'"]),
        ([1, -2], ["negative", "-2"]),
        ([1.5, 0], ["not an integer", "1.5", "'a'"]),
        (["x", 0], ["not a number", "'x'"]),
        ([1e12, 0], ["too large"]),
    ],
)
def test_bad_claims_raise_naming_the_column(values, words):
    belgium = load_ladder("belgium_23")
    book = pd.DataFrame({"bm_level": [11, 11], "claims_since_renewal": np.array(values, dtype=object)}, index=["a", "b"])
    with raises_naming(DataError, "column 'claims_since_renewal'", *words):
        belgium.renew(book)


def test_bad_arrays_and_lapses_are_named_by_argument():
    crm, ncd = load_ladder("france_crm"), load_ladder("china_national")
    with raises_naming(DataError, "column 'at_fault'", "negative"):
        crm.renew(new_crm(crm, [1.0]), at_fault=[-1])
    with raises_naming(DataError, "column 'partly_at_fault'", "not an integer"):
        crm.renew(new_crm(crm, [1.0]), claims=0, partly_at_fault=[0.5])
    with raises_naming(SchemaError, "column 'claims_since_renewal'", "claims="):
        crm.renew(new_crm(crm, [1.0]), partly_at_fault=[0])
    with raises_naming(DataError, "column 'lapse_days'", "negative"):
        ncd.renew(new_ncd(ncd), claims=0, lapse_days=[-3])
    nullable = pd.DataFrame({"bm_level": [11, 11], "n": pd.array([1, None], dtype="Int64")})
    with raises_naming(DataError, "column 'n'", "missing"):
        load_ladder("belgium_23").renew(nullable, claims="n")


def test_every_problem_is_listed_at_once():
    book = pd.DataFrame({"bm_level": [30, 11], "claims_since_renewal": [0, -1]})
    with pytest.raises(DataError) as info:
        load_ladder("belgium_23").renew(book)
    assert info.value.columns == ["bm_level", "claims_since_renewal"]


def test_inconsistent_history_is_refused():
    ncd = load_ladder("china_national")
    book = new_ncd(ncd).assign(claim_free_years=[3], insured_years=[1])
    with raises_naming(DataError, "column 'claim_free_years'", "insured_years"):
        ncd.renew(book, claims=0)


def test_missing_columns_and_wrong_arguments():
    belgium, ncd, crm = load_ladder("belgium_23"), load_ladder("china_national"), load_ladder("france_crm")
    with raises_naming(SchemaError, "claims_since_renewal"):
        belgium.renew(pd.DataFrame({"bm_level": [11]}))
    with raises_naming(SchemaError, "insured_years", "init_state"):
        ncd.renew(pd.DataFrame({"ncd_level": [0]}), claims=0)
    with raises_naming(SchemaError, "claims_2"):
        ncd.init_state(pd.DataFrame({"ncd_level": [0], "insured_years": [0], "claim_free_years": [0], "claims_1": [0]}))
    with raises_naming(ParameterError, "at_fault=", "belgium_23"):
        belgium.renew(pd.DataFrame({"bm_level": [11]}), claims=0, at_fault=[1])
    with raises_naming(ParameterError, "claims=", "2 values"):
        belgium.renew(pd.DataFrame({"bm_level": [11, 11]}), claims=[0, 1, 2])
    with raises_naming(ParameterError, "at_fault=", "index"):
        crm.renew(new_crm(crm, [1.0]), at_fault=pd.Series([1], index=[7]))
    with raises_naming(ParameterError, "DataFrame"):
        belgium.renew({"bm_level": [11]}, claims=0)


def test_empty_book():
    ncd = load_ladder("china_national")
    renewed = ncd.renew(new_ncd(ncd, 0), claims=0, lapse_days=0)
    assert len(renewed) == 0 and tuple(renewed.columns) == ncd.state_columns
    assert len(load_ladder("france_crm").renew(pd.DataFrame({"crm": []}).pipe(load_ladder("france_crm").init_state), claims=0)) == 0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"kind": "ladder"}, ["kind must be one of", "'coefficient'"]),
        ({"step_per_claims": 5}, ["unknown key", "step_per_claims"]),
        ({"transitions": {"0": [0]}}, ["transitions", "not both"]),
        ({"step_per_claim": None}, ["step_per_claim"]),
        ({"entry_level": 30}, ["entry_level", "outside"]),
        ({"lowest": 22}, ["lowest"]),
        ({"lapse": {"days": 10}}, ["lapse"]),
        ({"lapse": {"reset_after_days": -1}}, ["reset_after_days"]),
        ({"values": [1.0, 2.0]}, ["values", "23"]),
        ({"columns": {"level": "bm", "ncd": "x"}}, ["column role", "'ncd'"]),
        ({"regions": "x", "author": "me"}, ["unknown key", "author"]),
    ],
)
def test_bad_level_table_json(change, words):
    spec = load_ladder("belgium_23").to_dict() | change
    with raises_naming(ParameterError, *words):
        Ladder.from_dict(spec)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"floor": 1.5}, ["floor <= entry_level"]),
        ({"claim_free_factor": 1.05}, ["claim_free_factor"]),
        ({"at_fault_factor": 0.9}, ["at_fault_factor"]),
        ({"floor": 0.505}, ["floor", "decimals"]),
        ({"return_to_entry_after": 0}, ["return_to_entry_after"]),
        ({"decimals": True}, ["decimals"]),
    ],
)
def test_bad_coefficient_json(change, words):
    spec = load_ladder("france_crm").to_dict() | change
    with raises_naming(ParameterError, *words):
        Ladder.from_dict(spec)


def test_bad_history_and_transition_json():
    ncd = load_ladder("china_national").to_dict()
    with raises_naming(ParameterError, "claim_free_levels[4]", "outside"):
        Ladder.from_dict(ncd | {"claim_free_levels": {"4": -9}})
    with raises_naming(ParameterError, "claim_free_levels", "'four'"):
        Ladder.from_dict(ncd | {"claim_free_levels": {"four": -4}})
    with raises_naming(ParameterError, "missing key", "step_per_claim"):
        Ladder.from_dict({k: v for k, v in ncd.items() if k != "step_per_claim"})
    toy = {"name": "toy", "kind": "level_table", "entry_level": 0, "lowest": 0, "highest": 1}
    with raises_naming(ParameterError, "one row for every level"):
        Ladder.from_dict(toy | {"transitions": {"0": [0, 1]}})
    with raises_naming(ParameterError, "transitions[1]", "outside"):
        Ladder.from_dict(toy | {"transitions": {"0": [0, 1], "1": [0, 2]}})
    with raises_naming(ParameterError, "kind 'history'", "'level_table'"):
        LevelTableLadder.from_dict(ncd)


def test_bad_files(tmp_path):
    with raises_naming(ParameterError, "no shipped ladder", "china_national"):
        load_ladder("china")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with raises_naming(ParameterError, "bad.json", "not valid JSON"):
        load_ladder(bad)
