"""Resumable runs: a run stopped anywhere and restarted ends with exactly the output of an uninterrupted run,
nothing lost or duplicated; a restart with another plan, other input or another cut is refused."""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from autorisk.batch import MANIFEST, SUCCESS, JobError, QuoteJob, ResumeError, rerate

from .batch_helpers import assert_same_output, china_plan, expected_output

CHUNK = 256  # 1,000 + 1,500 + 500 rows in 128-row groups: 4 + 6 + 2 = 12 units
UNITS = 12


@pytest.fixture(scope="module")
def reference(inforce, plan, tmp_path_factory):
    """An uninterrupted run, to compare every interrupted one with."""
    result = rerate(inforce, tmp_path_factory.mktemp("reference"), QuoteJob.from_plan(plan), chunk_rows=CHUNK,
                    progress=False)  # fmt: skip
    assert len(result.parts) == UNITS
    return result


@dataclass(frozen=True)
class CrashOnce:
    """The quote job, failing at its ``after``-th chunk the first time it gets there (same fingerprint)."""

    inner: QuoteJob
    after: int
    calls: list[int] = field(default_factory=lambda: [0])

    @property
    def columns(self):
        return self.inner.columns

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def describe(self):
        return self.inner.describe()

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        self.calls[0] += 1
        if self.calls[0] == self.after:
            raise RuntimeError("simulated crash")
        return self.inner(chunk)


def same_parts(result, reference) -> bool:
    names = [p.name for p in result.parts]
    return names == [p.name for p in reference.parts] and all(
        filecmp.cmp(a, b, shallow=False) for a, b in zip(result.parts, reference.parts, strict=True)
    )


def assert_no_duplicates(output: Path, n_units: int, rows: int) -> None:
    manifest = json.loads((output / MANIFEST).read_text())
    parts = [u["part"] for u in manifest["units"]]
    assert len(set(parts)) == len(parts) == n_units and sorted(manifest["parts"]) == parts
    assert sum(manifest["parts"][p]["rows"] for p in parts) == manifest["rows"] == rows
    last = manifest["runs"][-1]
    assert last["status"] == "complete" and last["parts_written"] + last["parts_skipped"] == n_units
    assert sorted(p.name for p in output.glob("part-*")) == parts and not list(output.glob(".*"))


def test_a_run_that_failed_halfway_resumes_to_the_same_bytes(inforce, book, plan, reference, tmp_path):
    job = QuoteJob.from_plan(plan)
    out = tmp_path / "out"
    with pytest.raises(JobError, match="unit 6 .*simulated crash"):
        rerate(inforce, out, CrashOnce(job, after=7), chunk_rows=CHUNK, progress=False)
    assert sorted(p.name for p in out.glob("part-*")) == [f"part-{i:05d}.parquet" for i in range(6)]
    assert json.loads((out / MANIFEST).read_text())["status"] == "failed" and not (out / SUCCESS).exists()

    resumed = rerate(inforce, out, job, chunk_rows=CHUNK, progress=False)
    assert (resumed.skipped, resumed.written) == (6, UNITS - 6)
    assert resumed.rerated_rows == sum(pq.read_metadata(p).num_rows for p in resumed.parts[6:])
    assert same_parts(resumed, reference)
    assert_same_output(resumed.read(), expected_output(book, plan))
    assert_no_duplicates(out, UNITS, len(book))
    runs = json.loads((out / MANIFEST).read_text())["runs"]
    assert [r["status"] for r in runs] == ["failed", "complete"] and "simulated crash" in runs[0]["error"]
    # a third call finds everything done
    again = rerate(inforce, out, job, chunk_rows=CHUNK, progress=False)
    assert (again.skipped, again.written) == (UNITS, 0) and same_parts(again, reference)


KILLED_RUN = """
import sys, time
from autorisk.batch import QuoteJob, rerate
from autorisk.rating import RatingPlan

class SlowJob(QuoteJob):
    def __call__(self, chunk):
        time.sleep(0.15)
        return super().__call__(chunk)

job = SlowJob.from_plan(RatingPlan.load(sys.argv[1]))
rerate(sys.argv[2], sys.argv[3], job, chunk_rows=int(sys.argv[4]), progress=False)
"""


def test_a_killed_process_resumes_to_the_same_bytes(inforce, book, plan, plan_file, reference, tmp_path):
    out = tmp_path / "out"
    script = tmp_path / "killed_run.py"
    script.write_text(KILLED_RUN)
    process = subprocess.Popen([sys.executable, str(script), str(plan_file), str(inforce), str(out), str(CHUNK)])
    try:
        deadline = time.monotonic() + 60
        while len(list(out.glob("part-*.parquet"))) < 4 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, "the run finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert 4 <= len(list(out.glob("part-*.parquet"))) < UNITS
    assert json.loads((out / MANIFEST).read_text())["status"] == "running"

    resumed = rerate(inforce, out, QuoteJob.from_plan(plan), chunk_rows=CHUNK, progress=False)
    assert resumed.written < UNITS
    assert same_parts(resumed, reference)
    assert_no_duplicates(out, UNITS, len(book))


def test_missing_truncated_or_replaced_parts_are_redone(inforce, plan, reference, tmp_path):
    job = QuoteJob.from_plan(plan)
    out = tmp_path / "out"
    rerate(inforce, out, job, chunk_rows=CHUNK, progress=False)
    (out / "part-00002.parquet").unlink()
    data = (out / "part-00005.parquet").read_bytes()
    (out / "part-00005.parquet").write_bytes(data[: len(data) // 2])
    (out / "part-00009.parquet").write_bytes((out / "part-00008.parquet").read_bytes())  # whole file, wrong rows
    (out / ".tmp-part-00011.parquet.0123").write_bytes(b"left by a killed run")
    resumed = rerate(inforce, out, job, chunk_rows=CHUNK, progress=False)
    assert (resumed.written, resumed.skipped) == (3, UNITS - 3)
    assert same_parts(resumed, reference)
    assert_no_duplicates(out, UNITS, reference.rows)


def test_whole_parts_the_manifest_had_not_listed_yet_are_recognised_by_their_footer(inforce, plan, reference,
                                                                                    tmp_path):  # fmt: skip
    job = QuoteJob.from_plan(plan)
    out = tmp_path / "out"
    rerate(inforce, out, job, chunk_rows=CHUNK, progress=False)
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["parts"] = {}  # as if killed before the manifest was saved
    (out / MANIFEST).write_text(json.dumps(manifest))
    # a part of another job under the right name is not trusted
    other = rerate(inforce, tmp_path / "other", QuoteJob.from_plan(plan, breakdown=True), chunk_rows=CHUNK,
                   progress=False)  # fmt: skip
    (out / "part-00004.parquet").write_bytes(other.parts[4].read_bytes())
    resumed = rerate(inforce, out, job, chunk_rows=CHUNK, progress=False)
    assert (resumed.written, resumed.skipped) == (1, UNITS - 1)
    assert same_parts(resumed, reference)
    assert_no_duplicates(out, UNITS, reference.rows)


def test_another_plan_other_input_or_another_cut_refuses_to_resume(inforce, book, plan, tmp_path):
    out = tmp_path / "out"
    job = QuoteJob.from_plan(plan)
    with pytest.raises(JobError):
        rerate(inforce, out, CrashOnce(job, after=3), chunk_rows=CHUNK, progress=False)
    before = {p.name: p.read_bytes() for p in out.glob("part-*")}

    other = QuoteJob.from_plan(china_plan(expense_loading=0.2))
    with pytest.raises(ResumeError, match=rf"another job \(plan {plan.plan_id[:12]}.*this job: plan {other.plan.plan_id[:12]}.*resume=False"):
        rerate(inforce, out, other, chunk_rows=CHUNK, progress=False)
    with pytest.raises(ResumeError, match="another job"):
        rerate(inforce, out, QuoteJob.from_plan(plan, breakdown=True), chunk_rows=CHUNK, progress=False)
    with pytest.raises(ResumeError, match="other input data"):
        rerate(book, out, job, chunk_rows=CHUNK, progress=False)
    with pytest.raises(ResumeError, match="cut into other units"):
        rerate(inforce, out, job, chunk_rows=CHUNK * 2, progress=False)
    touched = sorted(inforce.glob("*.parquet"))[0]
    stat = touched.stat()
    try:
        os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        with pytest.raises(ResumeError, match="other input data"):
            rerate(inforce, out, job, chunk_rows=CHUNK, progress=False)
    finally:
        os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # nothing was touched by the refusals
    assert {p.name: p.read_bytes() for p in out.glob("part-*")} == before

    # resume=False starts afresh with the new plan: old parts and manifest are replaced
    fresh = rerate(inforce, out, other, chunk_rows=CHUNK * 2, progress=False, resume=False)
    assert (fresh.written, fresh.skipped) == (len(fresh.parts), 0) and len(fresh.parts) < UNITS
    assert sorted(p.name for p in out.glob("part-*")) == [p.name for p in fresh.parts]
    manifest = json.loads((out / MANIFEST).read_text())
    assert len(manifest["runs"]) == 1 and manifest["plan_id"] == other.plan.plan_id
    assert_same_output(fresh.read(), expected_output(book, other.plan))


def test_parts_without_a_manifest_are_not_trusted(inforce, plan, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00000.parquet").write_bytes(b"someone else's")
    (out / "README.txt").write_text("kept")
    job = QuoteJob.from_plan(plan)
    with pytest.raises(ResumeError, match="holds parts .* but no run manifest"):
        rerate(inforce, out, job, chunk_rows=CHUNK, progress=False)
    result = rerate(inforce, out, job, chunk_rows=CHUNK, progress=False, resume=False)
    assert result.rows == 3000 and (out / "README.txt").read_text() == "kept"
    (out / MANIFEST).write_text("{broken")
    with pytest.raises(ResumeError, match="cannot read the run manifest"):
        rerate(inforce, out, job, chunk_rows=CHUNK, progress=False)
