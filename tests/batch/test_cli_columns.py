"""`autorisk rerate` on a book whose columns are named otherwise (--map, --exposure, --claim-count), and what a
refused or failed run says on the command line (--no-resume, the folder), never rerate()'s Python arguments."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from autorisk.batch import MANIFEST, QuoteJob, ResumeError, rerate
from autorisk.batch.columns import MappedJob
from autorisk.cli import main
from autorisk.errors import ParameterError

from .batch_helpers import assert_same_output, expected_output, write_files

#: How a foreign book names some of the plan's columns (input name -> name the plan reads).
FOREIGN = {"policy_id": "IDpol", "region": "Region", "driver_age": "DrivAge", "exposure": "Exposure"}


def run(capsys, *args):
    code = main(["rerate", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def foreign(tmp_path, book):
    """The book with foreign column names and a claim count column, as two parquet files."""
    renamed = book.assign(ClaimNb=np.arange(len(book)) % 3).rename(columns=FOREIGN)
    write_files(renamed, tmp_path / "foreign", [2000, 1000], row_group_size=500)
    return tmp_path / "foreign"


def test_map_exposure_and_claim_count_columns(capsys, plan_file, plan, book, foreign, tmp_path):
    out = tmp_path / "quotes"
    code, stdout, stderr = run(capsys, "--plan", plan_file, "--input", foreign, "--output", out, "--no-progress",
                               "--map", "IDpol=policy_id,Region=region", "--map", "DrivAge=driver_age",
                               "--exposure", "Exposure", "--claim-count", "ClaimNb")  # fmt: skip
    assert code == 0, stderr
    assert "re-rated 3,000 rows" in stdout
    output = pd.read_parquet(out)
    # the same premiums as the plan's own quote of the book under its own names, exposure and claims kept
    expected = expected_output(book, plan, keep=("policy_id",))
    expected.insert(1, "exposure", book["exposure"].to_numpy())
    expected.insert(2, "claim_count", np.arange(len(book)) % 3)
    assert_same_output(output, expected)
    job = json.loads((out / MANIFEST).read_text())["job"]
    assert job["rename"] == {"IDpol": "policy_id", "Region": "region", "DrivAge": "driver_age",
                             "Exposure": "exposure", "ClaimNb": "claim_count"}  # fmt: skip


def test_constant_exposure(capsys, plan_file, plan, book, foreign, tmp_path):
    out = tmp_path / "quotes"
    code, _, stderr = run(capsys, "--plan", plan_file, "--input", foreign, "--output", out, "--no-progress",
                          "--map", "IDpol=policy_id,Region=region,DrivAge=driver_age", "--exposure", "0.5")  # fmt: skip
    assert code == 0, stderr
    output = pd.read_parquet(out)
    assert output["exposure"].tolist() == [0.5] * len(book)
    np.testing.assert_array_equal(output["premium_total"], plan.quote(book, breakdown=False)["premium_total"])


def test_unmapped_column_names_the_input_column(capsys, plan_file, foreign, tmp_path):
    code, stdout, stderr = run(capsys, "--plan", plan_file, "--input", foreign, "--output", tmp_path / "q",
                               "--no-progress", "--map", "IDpol=policy_id,Region=region")  # fmt: skip
    assert code == 2 and stdout == "" and "driver_age" in stderr and "missing column" in stderr
    code, _, stderr = run(capsys, "--plan", plan_file, "--input", foreign, "--output", tmp_path / "q",
                          "--map", "IDpol")  # fmt: skip
    assert code == 2 and "--map 'IDpol': expected INPUT=NAME" in stderr
    code, _, stderr = run(capsys, "--plan", plan_file, "--input", foreign, "--output", tmp_path / "q",
                          "--map", "IDpol=policy_id,Region=policy_id")  # fmt: skip
    assert code == 2 and "same name: ['policy_id']" in stderr
    code, _, stderr = run(capsys, "--plan", plan_file, "--input", foreign, "--output", tmp_path / "q",
                          "--exposure", "-1")  # fmt: skip
    assert code == 2 and "--exposure -1: a constant exposure must be a finite number > 0" in stderr


def test_mapped_job_refuses_a_name_the_input_already_has(plan, book):
    job = MappedJob(QuoteJob.from_plan(plan), {"Region": "region"})
    with pytest.raises(ParameterError, match=r"already has column\(s\) \['region'\].*Region=region"):
        job(book.assign(Region=book["region"]))
    with pytest.raises(ParameterError, match="same name"):
        MappedJob(job, {"a": "x", "b": "x"})
    # the renaming is part of the fingerprint: a run cannot resume with another mapping
    assert MappedJob(job.job, {"R": "region"}).fingerprint() != MappedJob(job.job, {"Region": "region"}).fingerprint()


def test_refused_run_says_how_to_start_over(capsys, plan_file, book, tmp_path):
    """A run that failed on bad data leaves its folder; a run with other options is refused, saying how to start
    over in the command line's words, and --no-resume does."""
    bad = book.astype({"region": str})
    bad.loc[2500, "region"] = "Atlantis"
    write_files(bad, tmp_path / "in", [2000, 1000], row_group_size=1000)
    out = tmp_path / "quotes"
    common = ("--plan", plan_file, "--input", tmp_path / "in", "--output", out, "--no-progress")
    code, _, stderr = run(capsys, *common, "--chunk-rows", 1000)
    assert code == 2 and "Atlantis" in stderr
    assert "the same command resumes it" in stderr and "add --no-resume to start over" in stderr
    assert json.loads((out / MANIFEST).read_text())["status"] == "failed"
    # an error in the options is not a stopped run: no advice about resuming
    code, _, stderr = run(capsys, *common, "--chunk-rows", 0)
    assert code == 2 and stderr == "autorisk rerate: error: --chunk-rows must be a positive integer, got 0\n"
    # other options (flag the bad row instead): refused, naming the failed run and the way out
    code, _, stderr = run(capsys, *common, "--chunk-rows", 1000, "--errors", "flag")
    assert code == 2 and len(stderr.strip().splitlines()) == 1
    assert "holds a failed run (QuoteError" in stderr and "of another job" in stderr
    assert "run the same command with --no-resume" in stderr and f"delete the folder '{out}'" in stderr
    assert "resume=False" not in stderr
    code, stdout, stderr = run(capsys, *common, "--chunk-rows", 1000, "--errors", "flag", "--no-resume")
    assert code == 0, stderr
    flagged = pd.read_parquet(out)
    assert flagged["quote_error"].ne("").sum() == 1 and flagged.loc[2500, "quote_error"] != ""


def test_python_api_speaks_python(plan, book, tmp_path):
    job = QuoteJob.from_plan(plan)
    rerate(book, tmp_path, job, progress=False)
    with pytest.raises(ResumeError) as caught:
        rerate(book, tmp_path, QuoteJob.from_plan(plan, errors="flag"), progress=False)
    assert "pass resume=False to discard it and start afresh" in str(caught.value)
    assert "--no-resume" not in str(caught.value) and "--no-resume" in caught.value.cli_message()
    assert caught.value.output == tmp_path.resolve()
    again = pickle.loads(pickle.dumps(caught.value))  # e.g. sent back from a worker: the same message and parts
    assert str(again) == str(caught.value) and again.cli_message() == caught.value.cli_message()


def test_mapped_run_on_dask_equals_the_local_run(capsys, dask_cluster, plan_file, foreign, tmp_path):
    mapping = ("--map", "IDpol=policy_id,Region=region,DrivAge=driver_age", "--exposure", "1")
    outputs = {}
    for engine in ("local", "dask"):
        extra = ("--engine", "dask", "--scheduler", dask_cluster.scheduler_address) if engine == "dask" else ()
        code, _, stderr = run(capsys, "--plan", plan_file, "--input", foreign, "--output", tmp_path / engine,
                              "--no-progress", "--chunk-rows", 1000, *mapping, *extra)  # fmt: skip
        assert code == 0, stderr
        outputs[engine] = sorted((tmp_path / engine).glob("part-*.parquet"))
    assert len(outputs["local"]) == len(outputs["dask"]) == 3
    for local, remote in zip(outputs["local"], outputs["dask"], strict=True):
        assert local.read_bytes() == remote.read_bytes()
