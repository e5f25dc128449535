"""Local engine: the output is the plan's quote of the whole book, bit for bit, however it is cut;
the metadata says what was run on what; bad input and output are named."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autorisk
from autorisk.batch import MANIFEST, SUCCESS, JobError, QuoteJob, rerate
from autorisk.errors import ParameterError, QuoteError, SchemaError

from .batch_helpers import assert_same_output, expected_output, write_files


@pytest.mark.parametrize("chunk_rows", [50, 128, 300, 1_000, 10_000])
def test_files_give_the_whole_book_quote_whatever_the_chunk_size(inforce, book, plan, tmp_path, chunk_rows):
    result = rerate(str(inforce / "*.parquet"), tmp_path / "out", QuoteJob.from_plan(plan), chunk_rows=chunk_rows,
                    progress=False)  # fmt: skip
    assert_same_output(result.read(), expected_output(book, plan))
    assert result.rows == result.input_rows == len(book)
    # unit i is part i; parts hold at most chunk_rows rows unless one 128-row group is larger
    assert [p.name for p in result.parts] == [f"part-{i:05d}.parquet" for i in range(len(result.parts))]
    assert max(pq.read_metadata(p).num_rows for p in result.parts) <= max(chunk_rows, 128)


@settings(max_examples=12, deadline=None)
@given(chunk_rows=st.integers(7, 500), breakdown=st.booleans())
def test_a_dataframe_gives_the_whole_book_quote_whatever_the_chunk_size(book, plan, tmp_path_factory, chunk_rows,
                                                                        breakdown):  # fmt: skip
    small = book.iloc[:400]
    out = tmp_path_factory.mktemp("frame")
    job = QuoteJob.from_plan(plan, breakdown=breakdown)
    result = rerate(small, out, job, chunk_rows=chunk_rows, progress=False)
    assert len(result.parts) == -(-len(small) // chunk_rows)
    assert_same_output(result.read(), expected_output(small, plan, breakdown=breakdown))


def test_a_directory_a_file_and_a_list_are_inputs_too(inforce, book, plan, tmp_path):
    job = QuoteJob.from_plan(plan)
    whole = rerate(inforce, tmp_path / "dir", job, chunk_rows=700, progress=False).read()
    assert_same_output(whole, expected_output(book, plan))
    files = sorted(inforce.glob("*.parquet"))
    one = rerate(files[1], tmp_path / "file", job, chunk_rows=700, progress=False).read()
    assert_same_output(one, expected_output(book.iloc[1000:2500], plan))
    listed = rerate([files[2], files[0]], tmp_path / "list", job, chunk_rows=700, progress=False)
    assert listed.read()["policy_id"].tolist() == book["policy_id"].iloc[[*range(1000), *range(2500, 3000)]].tolist()


def test_only_the_columns_the_job_needs_are_read(inforce, plan, tmp_path):
    seen = []

    class Spy(QuoteJob):
        def __call__(self, chunk):
            seen.append(list(chunk.columns))
            return super().__call__(chunk)

    rerate(inforce, tmp_path / "out", Spy.from_plan(plan, keep=("policy_id", "channel")), progress=False)
    assert all(columns == ["policy_id", "channel", *plan.columns] for columns in seen) and seen
    assert "gender" not in seen[0] and "period_start" not in seen[0]


def test_flagged_rows_keep_nan_premiums_and_a_reason(book, plan, tmp_path):
    bad = book.iloc[:600].astype({"region": str})
    bad.loc[[17, 450], "region"] = "Atlantis"
    result = rerate(bad, tmp_path / "out", QuoteJob.from_plan(plan, errors="flag"), chunk_rows=200, progress=False)
    output = result.read()
    assert_same_output(output, expected_output(bad, plan, errors="flag"))
    assert output["premium_total"].isna().sum() == 2 and "Atlantis" not in output["quote_error"].iloc[0]
    assert output.loc[17, "quote_error"].startswith("region")


def test_a_policy_the_plan_cannot_rate_names_the_unit_file_and_row(inforce, book, plan, tmp_path):
    bad = book.astype({"region": str})
    bad.loc[1700, "region"] = "Atlantis"
    folder = tmp_path / "in"
    write_files(bad, folder, [1000, 2000], row_group_size=250)
    with pytest.raises(QuoteError) as caught:
        rerate(folder, tmp_path / "out", QuoteJob.from_plan(plan), chunk_rows=500, progress=False)
    message = str(caught.value)
    # unit 3 = rows 500-999 of the second file; the row is numbered within its file
    assert "unit 3 (" in message and "inforce-01.parquet, rows 500-999)" in message
    assert "Atlantis" in message and "rows: 700" in message
    assert caught.value.issues and caught.value.issues[0].rows == (700,)
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["status"] == "failed" and "Atlantis" in manifest["runs"][-1]["error"]
    assert not (tmp_path / "out" / SUCCESS).exists()


def test_any_other_job_failure_names_the_unit(book, tmp_path):
    class Broken:
        def __call__(self, chunk):
            raise KeyError("no such thing")

        def fingerprint(self):
            return "broken"

    with pytest.raises(JobError, match=r"unit 0 \(DataFrame, rows 0-99\): KeyError: 'no such thing'"):
        rerate(book.iloc[:100], tmp_path / "out", Broken(), progress=False)


def test_metadata_records_plan_input_units_parts_and_times(inforce, plan, tmp_path):
    job = QuoteJob.from_plan(plan, breakdown=True)
    result = rerate(str(inforce / "*.parquet"), tmp_path / "out", job, chunk_rows=600, progress=False)
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["format"] == "autorisk.batch_run/1" and manifest["autorisk_version"] == autorisk.__version__
    assert manifest["status"] == "complete" and manifest["plan_id"] == plan.plan_id == result.plan_id
    assert manifest["job"]["fingerprint"] == job.fingerprint() == result.job_fingerprint
    assert manifest["job"]["breakdown"] is True and manifest["job"]["plan_name"] == plan.name
    files = manifest["input"]["files"]
    assert [f["path"] for f in files] == [str(p.resolve()) for p in sorted(inforce.glob("*.parquet"))]
    assert [f["rows"] for f in files] == [1000, 1500, 500]
    assert all(f["size"] == (inforce / f["path"]).stat().st_size for f in files)
    assert manifest["input"]["fingerprint"] == result.input_fingerprint
    assert manifest["input"]["columns"] == list(job.columns) and manifest["chunk_rows"] == 600
    parts = [u["part"] for u in manifest["units"]]
    assert parts == [p.name for p in result.parts] and sorted(manifest["parts"]) == parts
    assert sum(manifest["parts"][p]["rows"] for p in parts) == manifest["rows"] == 3000
    # 128-row groups packed up to 600 rows, never across files: 1000 -> 512+488, 1500 -> 512+512+476, 500
    assert [u["rows"][1] - u["rows"][0] for u in manifest["units"]] == [512, 488, 512, 512, 476, 500]
    started, finished = (dt.datetime.fromisoformat(manifest[k]) for k in ("started", "finished"))
    assert started <= finished and started.tzinfo is not None
    (run,) = manifest["runs"]
    assert run["engine"] == "local" and run["parts_written"] == 6 and run["parts_skipped"] == 0
    success = json.loads((tmp_path / "out" / SUCCESS).read_text())
    assert success == {"plan_id": plan.plan_id, "job_fingerprint": job.fingerprint(),
                       "input_fingerprint": result.input_fingerprint, "started": manifest["started"],
                       "finished": manifest["finished"], "input_rows": 3000, "rows": 3000, "parts": parts}  # fmt: skip
    # nothing but the parts and the metadata in the output; parquet readers see the parts only
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([*parts, MANIFEST, SUCCESS])
    assert len(pd.read_parquet(tmp_path / "out")) == 3000
    # each part's footer says which job wrote it from which rows
    footer = pq.read_metadata(result.parts[1]).metadata[b"autorisk.batch.origin"]
    assert json.loads(footer) == {"job": job.fingerprint(), "unit": manifest["units"][1]}


def test_a_dataframe_fingerprint_follows_its_content(book, plan, tmp_path):
    job = QuoteJob.from_plan(plan)
    first = rerate(book, tmp_path / "a", job, progress=False).input_fingerprint
    assert rerate(book.copy(), tmp_path / "b", job, progress=False).input_fingerprint == first
    changed = book.assign(driver_age=book["driver_age"].where(book.index != 5, 40))
    assert rerate(changed, tmp_path / "c", job, progress=False).input_fingerprint != first
    # a column the job does not read is not part of the input
    assert rerate(book.assign(gender="F"), tmp_path / "d", job, progress=False).input_fingerprint == first


def test_missing_input_and_unwritable_output_are_named(inforce, plan, tmp_path):
    job = QuoteJob.from_plan(plan)
    with pytest.raises(ParameterError, match=r"input '.*nothing/\*\.parquet': no file matches"):
        rerate(str(tmp_path / "nothing" / "*.parquet"), tmp_path / "out", job)
    with pytest.raises(ParameterError, match=r"input '.*absent\.parquet': no such file or directory"):
        rerate(tmp_path / "absent.parquet", tmp_path / "out", job)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParameterError, match="no parquet file in this directory"):
        rerate(tmp_path / "empty", tmp_path / "out", job)
    (tmp_path / "notes.txt").write_text("not a directory")
    with pytest.raises(ParameterError, match=r"output '.*notes\.txt/offers': cannot write there"):
        rerate(inforce, tmp_path / "notes.txt" / "offers", job)
    (tmp_path / "fake.parquet").write_text("not parquet")
    with pytest.raises(ParameterError, match=r"fake\.parquet': not a readable parquet file"):
        rerate(tmp_path / "fake.parquet", tmp_path / "out", job)


def test_a_missing_column_is_refused_before_any_work(book, plan, tmp_path):
    folder = tmp_path / "in"
    write_files(book.drop(columns=["ncd_level"]), folder, [3000], row_group_size=1000)
    with pytest.raises(SchemaError, match=r"inforce-00\.parquet: column 'ncd_level': missing column"):
        rerate(folder, tmp_path / "out", QuoteJob.from_plan(plan))
    assert not list((tmp_path / "out").glob("part-*"))
    with pytest.raises(SchemaError, match="DataFrame: column 'policy_id'"):
        rerate(book.drop(columns=["policy_id"]), tmp_path / "out", QuoteJob.from_plan(plan))


def test_invalid_options_are_refused(book, plan, tmp_path):
    job = QuoteJob.from_plan(plan)
    for options, message in [({"engine": "spark"}, r"engine must be one of \['local', 'dask'\]"),
                             ({"chunk_rows": 0}, "chunk_rows must be a positive integer"),
                             ({"n_workers": 1.5}, "n_workers must be a positive integer"),
                             ({"scheduler": "tcp://127.0.0.1:8786"}, "only used with engine='dask'")]:  # fmt: skip
        with pytest.raises(ParameterError, match=message):
            rerate(book, tmp_path / "out", job, **options)
    with pytest.raises(ParameterError, match="job must be callable"):
        rerate(book, tmp_path / "out", plan)
    with pytest.raises(ParameterError, match="errors must be one of"):
        QuoteJob.from_plan(plan, errors="ignore")
    with pytest.raises(ParameterError, match="clash"):
        QuoteJob.from_plan(plan, keep=("policy_id", "premium_total"))


def test_quote_job_pickles_small_and_rebuilds_the_same_plan(plan):
    import pickle

    job = QuoteJob.from_plan(plan, keep=["policy_id"])
    copy = pickle.loads(pickle.dumps(job))
    assert copy == job and copy.keep == ("policy_id",) and copy.fingerprint() == job.fingerprint()
    assert copy.plan.plan_id == plan.plan_id and len(pickle.dumps(job)) < 2 * len(job.plan_json)
    assert QuoteJob.from_plan(plan, breakdown=True).fingerprint() != job.fingerprint()
    assert "China motor (batch tests)" in repr(job) and plan.plan_id[:12] in repr(job)


def test_progress_bar_goes_to_stderr(book, plan, tmp_path, capsys):
    rerate(book, tmp_path / "out", QuoteJob.from_plan(plan), chunk_rows=1000, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "3.00k/3.00k" in captured.err
