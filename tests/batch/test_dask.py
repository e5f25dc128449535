"""Dask engine on a local cluster of two worker processes: the same part files, byte for byte, as the
local engine; errors name their unit; runs resume across engines."""

from __future__ import annotations

import filecmp
import json

import pytest

from autorisk.batch import MANIFEST, QuoteJob, rerate
from autorisk.errors import ParameterError, QuoteError

from .batch_helpers import assert_same_output, expected_output

CHUNK = 300


def same_files(left, right) -> bool:
    return [p.name for p in left] == [p.name for p in right] and all(
        filecmp.cmp(a, b, shallow=False) for a, b in zip(left, right, strict=True)
    )


@pytest.fixture(scope="module")
def local_run(inforce, plan, tmp_path_factory):
    job = QuoteJob.from_plan(plan, breakdown=True)
    return rerate(inforce, tmp_path_factory.mktemp("local"), job, chunk_rows=CHUNK, progress=False)


def test_dask_writes_the_local_engine_parts_byte_for_byte(dask_cluster, inforce, book, plan, local_run, tmp_path):
    job = QuoteJob.from_plan(plan, breakdown=True)
    result = rerate(str(inforce / "*.parquet"), tmp_path / "out", job, engine="dask",
                    scheduler=dask_cluster.scheduler_address, chunk_rows=CHUNK, progress=False)  # fmt: skip
    assert len(result.parts) == len(local_run.parts) > 2
    assert same_files(result.parts, local_run.parts)
    # row groups longer than the chunk, streamed in batches, too
    local_small = rerate(inforce, tmp_path / "local_small", job, chunk_rows=50, progress=False)
    small = rerate(inforce, tmp_path / "small", job, engine="dask", scheduler=dask_cluster.scheduler_address,
                   chunk_rows=50, progress=False)  # fmt: skip
    assert same_files(small.parts, local_small.parts)
    output = result.read()
    assert_same_output(output, local_run.read())
    assert_same_output(output, expected_output(book, plan, breakdown=True))
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["status"] == "complete" and manifest["runs"][-1]["engine"] == "dask"
    assert manifest["rows"] == len(book) and result.engine == "dask"


def test_dask_on_a_dataframe_matches_local(dask_cluster, book, plan, tmp_path):
    job = QuoteJob.from_plan(plan)
    local = rerate(book, tmp_path / "local", job, chunk_rows=700, progress=False)
    remote = rerate(book, tmp_path / "dask", job, engine="dask", scheduler=dask_cluster.scheduler_address,
                    chunk_rows=700, progress=False)  # fmt: skip
    assert len(remote.parts) == 5 and same_files(remote.parts, local.parts)


def test_a_failing_unit_on_a_worker_is_raised_naming_it(dask_cluster, book, plan, tmp_path):
    bad = book.astype({"region": str})
    bad.loc[2222, "region"] = "Atlantis"
    with pytest.raises(QuoteError, match=r"(?s)unit 3 \(DataFrame, rows 2,100-2,799\).*Atlantis.*rows: 2222") as caught:
        rerate(bad, tmp_path / "out", QuoteJob.from_plan(plan), engine="dask",
               scheduler=dask_cluster.scheduler_address, chunk_rows=700, progress=False)  # fmt: skip
    assert caught.value.issues and caught.value.issues[0].rows == (2222,)
    assert json.loads((tmp_path / "out" / MANIFEST).read_text())["status"] == "failed"


def test_a_run_resumes_across_engines(dask_cluster, inforce, plan, local_run, tmp_path):
    job = QuoteJob.from_plan(plan, breakdown=True)
    out = tmp_path / "out"
    rerate(inforce, out, job, chunk_rows=CHUNK, progress=False)
    for name in ("part-00001.parquet", "part-00004.parquet"):
        (out / name).unlink()
    resumed = rerate(inforce, out, job, engine="dask", scheduler=dask_cluster.scheduler_address, chunk_rows=CHUNK,
                     progress=False)  # fmt: skip
    assert (resumed.written, resumed.skipped) == (2, len(local_run.parts) - 2)
    assert same_files(resumed.parts, local_run.parts)
    runs = json.loads((out / MANIFEST).read_text())["runs"]
    assert [r["engine"] for r in runs] == ["local", "dask"]


def test_a_client_can_be_passed_and_is_left_open(dask_cluster, book, plan, tmp_path):
    from distributed import Client

    with Client(dask_cluster, set_as_default=False) as client:
        result = rerate(book.iloc[:500], tmp_path / "out", QuoteJob.from_plan(plan), engine="dask",
                        scheduler=client, chunk_rows=200, progress=False)  # fmt: skip
        assert result.rows == 500 and client.status == "running"


def test_without_a_scheduler_a_local_cluster_is_started_and_closed(book, plan, tmp_path):
    job = QuoteJob.from_plan(plan)
    local = rerate(book, tmp_path / "local", job, chunk_rows=1_000, progress=False)
    remote = rerate(book, tmp_path / "dask", job, engine="dask", n_workers=1, chunk_rows=1_000, progress=False)
    assert same_files(remote.parts, local.parts)


def test_an_unreachable_scheduler_is_named(book, plan, tmp_path):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(ParameterError, match=r"scheduler 'tcp://127\.0\.0\.1:9': cannot connect"):
            rerate(book, tmp_path / "out", QuoteJob.from_plan(plan), engine="dask", scheduler="tcp://127.0.0.1:9",
                   progress=False)  # fmt: skip
