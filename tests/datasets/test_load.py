"""The bundled real datasets load tidy, match their published sizes, and are documented."""

from pathlib import Path

import pandas as pd
import pytest

from autorisk.datasets import describe, list_datasets, load
from autorisk.datasets.catalogue import CATALOGUE
from autorisk.datasets.loaders import DATA_DIR_ENV, data_dir
from autorisk.errors import DataError, ParameterError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        # Sizes published with the data: Ohlsson & Johansson (2010) for the Swedish
        # motorcycle book, de Jong & Heller (2008) for dataCar and the BI claims,
        # Bolviken (2014) for norauto.
        ("swmotorcycle", 64_548),
        ("ausprivauto0405", 67_856),
        ("norauto", 183_999),
        ("ausautoBI8999", 22_036),
    ],
)
def test_published_row_counts(name, rows):
    assert len(load(name)) == rows


def test_datacar_claim_occurrences_match_de_jong_heller():
    # de Jong & Heller (2008), section 1.2: 4,624 of the 67,856 policies (6.8%) had a claim.
    car = load("ausprivauto0405")
    assert int(car["claim_occurred"].sum()) == 4_624
    assert (car["claim_count"] >= car["claim_occurred"]).all()


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_tidy_and_original_names_hold_the_same_values(name):
    tidy = load(name)
    original = load(name, original_names=True)
    raw = pd.read_parquet(data_dir() / CATALOGUE[name].filename)
    assert list(original.columns) == list(raw.columns)
    assert list(tidy.columns) == [CATALOGUE[name].rename[c] for c in raw.columns]
    assert all(name.islower() and " " not in name for name in tidy.columns)
    for column in CATALOGUE[name].columns:
        if column.kind == "auto":
            pd.testing.assert_series_equal(
                original[column.original], raw[column.original], check_names=False
            )


def test_dates_are_parsed_and_ordered_levels_sort_naturally():
    bi = load("ausautoBI8999")
    for column in ("accident_date", "report_date", "finalisation_date"):
        assert pd.api.types.is_datetime64_any_dtype(bi[column])
    assert (bi["report_date"] >= bi["accident_date"]).all()
    assert (bi["finalisation_date"] >= bi["report_date"]).all()
    car = load("ausprivauto0405")
    assert car["driver_age_group"].cat.ordered
    assert car["driver_age_group"].cat.categories[0] == "youngest people"
    assert load("swmotorcycle")["bonus_class"].max() == "BM7"


def test_float_stored_counts_become_integers_without_changing_values():
    raw = pd.read_parquet(data_dir() / "fremotor1prem0304a.parquet")
    tidy = load("fremotor1prem0304a")
    assert tidy["bonus_malus"].dtype == "int64"
    assert ((tidy["bonus_malus"] - raw["BonusMalus"]).abs() < 1e-6).all()


def test_data_readme_documents_every_column():
    readme = (ROOT / "data" / "README.md").read_text()
    for info in CATALOGUE.values():
        assert f"## {info.name}" in readme
        for column in info.columns:
            assert f"| `{column.name}` | `{column.original}` |" in readme


def test_list_and_describe():
    listed = list_datasets()
    assert set(listed["name"]) == set(CATALOGUE)
    columns = describe("swmotorcycle")
    assert columns.set_index("name").loc["claim_count", "original"] == "ClaimNb"


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ParameterError, match="swmotorcycle") as info:
        load("swmotorcycles")
    assert "'swmotorcycles'" in str(info.value)


def test_missing_file_names_the_folder_and_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataError, match=DATA_DIR_ENV) as info:
        load("norauto")
    assert "norauto.parquet" in str(info.value)
