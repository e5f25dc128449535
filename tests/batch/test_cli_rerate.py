"""`autorisk rerate`: a one-line summary on success; exit code 2 and a one-line message naming the culprit
on a bad plan, a missing input or an unwritable output."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from autorisk.batch import MANIFEST
from autorisk.cli import main

from .batch_helpers import assert_same_output, expected_output, write_files


def run(capsys, *args):
    code = main(["rerate", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_happy_path_prints_one_summary_line_and_resumes(capsys, plan_file, plan, inforce, book, tmp_path):
    out = tmp_path / "offers"
    code, stdout, stderr = run(capsys, "--plan", plan_file, "--input", inforce / "*.parquet", "--output", out,
                               "--chunk-rows", 700, "--no-progress")  # fmt: skip
    assert code == 0 and stderr == ""
    assert len(stdout.strip().splitlines()) == 1
    assert re.fullmatch(rf"re-rated 3,000 rows into 6 parts in [\d.]+ s \(local, plan {plan.plan_id[:12]}\) -> "
                        rf"{re.escape(str(out))}\n", stdout)  # fmt: skip
    output = pd.read_parquet(out)
    assert_same_output(output, expected_output(book, plan))
    # the same command again finds the run complete
    code, stdout, _ = run(capsys, "--plan", plan_file, "--input", inforce / "*.parquet", "--output", out,
                          "--chunk-rows", 700, "--no-progress")  # fmt: skip
    assert code == 0 and "(6 kept from an earlier attempt)" in stdout


def test_options_reach_the_job(capsys, plan_file, plan, book, inforce, tmp_path):
    out = tmp_path / "offers"
    code, _, stderr = run(capsys, "--plan", plan_file, "--input", inforce, "--output", out, "--breakdown",
                          "--errors", "flag", "--keep", "policy_id, channel")  # fmt: skip
    assert code == 0 and "rerate" in stderr  # the progress bar
    job = json.loads((out / MANIFEST).read_text())["job"]
    assert (job["breakdown"], job["errors"], job["keep"]) == (True, "flag", ["policy_id", "channel"])
    output = pd.read_parquet(out)
    assert_same_output(output, expected_output(book, plan, keep=("policy_id", "channel"), breakdown=True,
                                               errors="flag"))  # fmt: skip
    # other options are another job: refused on the same output, then replaced with --no-resume
    code, _, stderr = run(capsys, "--plan", plan_file, "--input", inforce, "--output", out, "--no-progress")
    assert code == 2 and "holds a complete run of another job" in stderr
    assert "run the same command with --no-resume" in stderr and "resume=False" not in stderr  # CLI words
    code, stdout, _ = run(capsys, "--plan", plan_file, "--input", inforce, "--output", out, "--no-progress",
                          "--no-resume")  # fmt: skip
    assert code == 0 and "re-rated 3,000 rows into 3 parts" in stdout  # one per file


def assert_one_line_error(code, stdout, stderr, *fragments):
    assert code == 2 and stdout == ""
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("autorisk rerate: error: ")
    for fragment in fragments:
        assert fragment in stderr


def test_bad_plan_files(capsys, plan_file, inforce, tmp_path):
    common = ("--input", inforce, "--output", tmp_path / "offers", "--no-progress")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert_one_line_error(*run(capsys, "--plan", broken, *common), str(broken), "not a JSON rating plan")
    tampered = tmp_path / "tampered.json"
    document = json.loads(plan_file.read_text())
    document["content"]["coverages"][0]["base_rate"] = 1.0
    tampered.write_text(json.dumps(document))
    assert_one_line_error(*run(capsys, "--plan", tampered, *common), str(tampered), "does not match its id")
    assert_one_line_error(*run(capsys, "--plan", tmp_path / "absent.json", *common), "absent.json", "cannot read")
    assert not (tmp_path / "offers").exists()


def test_missing_input(capsys, plan_file, tmp_path):
    pattern = tmp_path / "inforce" / "*.parquet"
    assert_one_line_error(*run(capsys, "--plan", plan_file, "--input", pattern, "--output", tmp_path / "offers"),
                          f"input '{pattern}': no file matches")  # fmt: skip


def test_unwritable_output(capsys, plan_file, inforce, tmp_path):
    blocker = tmp_path / "offers.txt"
    blocker.write_text("a file where a directory should be")
    target = blocker / "offers"
    assert_one_line_error(*run(capsys, "--plan", plan_file, "--input", inforce, "--output", target),
                          f"output '{target}': cannot write there")  # fmt: skip


def test_bad_options_and_unratable_policies(capsys, plan_file, book, tmp_path):
    bad = book.astype({"region": str})
    bad.loc[42, "region"] = "Atlantis"
    write_files(bad, tmp_path / "in", [3000], row_group_size=3000)
    common = ("--plan", plan_file, "--input", tmp_path / "in", "--output", tmp_path / "offers", "--no-progress")
    code, stdout, stderr = run(capsys, *common)
    assert code == 2 and stdout == "" and "unit 0 (" in stderr and "Atlantis" in stderr and "rows: 42" in stderr
    # the command line's words, not rerate()'s Python arguments
    assert_one_line_error(*run(capsys, *common, "--chunk-rows", 0), "--chunk-rows must be a positive integer, got 0")
    assert_one_line_error(*run(capsys, *common, "--workers", -1), "--workers must be a positive integer, got -1")
    assert_one_line_error(*run(capsys, *common, "--scheduler", "tcp://127.0.0.1:8786"),
                          "--scheduler 'tcp://127.0.0.1:8786' is only used with --engine dask")  # fmt: skip
    assert_one_line_error(*run(capsys, *common, "--keep", "policy_number"), "column 'policy_number': missing column")
    with pytest.raises(SystemExit):
        main(["rerate", "--plan", str(plan_file)])  # argparse: --input and --output are required


def test_dask_engine_on_a_scheduler(capsys, dask_cluster, plan_file, plan, book, inforce, tmp_path):
    out = tmp_path / "offers"
    code, stdout, _ = run(capsys, "--plan", plan_file, "--input", inforce, "--output", out, "--engine", "dask",
                          "--scheduler", dask_cluster.scheduler_address, "--chunk-rows", 1000, "--no-progress")  # fmt: skip
    assert code == 0 and f"(dask, plan {plan.plan_id[:12]})" in stdout
    assert_same_output(pd.read_parquet(out), expected_output(book, plan))


def test_python_dash_m_entry_point(plan_file, inforce, tmp_path):
    done = subprocess.run([sys.executable, "-m", "autorisk", "rerate", "--plan", str(plan_file), "--input",
                           str(inforce / "nothing-*.parquet"), "--output", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and "no file matches" in done.stderr and done.stdout == ""


def test_renew_writes_the_offers_renewal_offers_gives_in_memory(capsys, plan_file, plan, book, tmp_path):
    import numpy as np

    from autorisk.renewal import RenewalRules, load_ladder, renewal_offers

    ladder = load_ladder("china_national")
    rng = np.random.default_rng(3)
    inforce = ladder.init_state(book).assign(
        current_premium=plan.quote(book, breakdown=False)["premium_total"].to_numpy() * rng.uniform(0.7, 1.4, len(book)),
        claims_since_renewal=rng.poisson(0.3, len(book)),
        lapse=rng.choice([0, 0, 30, 200, 400], len(book)),
    )  # fmt: skip
    write_files(inforce, tmp_path / "inforce", [1_000, 2_000], row_group_size=500)
    out = tmp_path / "offers"
    code, stdout, stderr = run(capsys, "--plan", plan_file, "--input", tmp_path / "inforce", "--output", out,
                               "--renew", "--ladder", "china_national", "--max-increase", "0.25",
                               "--max-decrease", "none", "--keep", "policy_id,region", "--lapse-days", "lapse",
                               "--no-progress")  # fmt: skip
    assert code == 0, stderr
    rules = RenewalRules(max_increase=0.25, max_decrease=None, new_business_rule=True)
    expected = renewal_offers(inforce, plan, rules=rules, ladder=ladder, keep=("policy_id", "region"),
                              lapse_days="lapse")  # fmt: skip
    assert_same_output(pd.read_parquet(out), expected.reset_index(drop=True))
    # The lapse reached the ladder: policies uninsured over 183 days restart at level 0.
    assert (pd.read_parquet(out)["ncd_level"].to_numpy()[inforce["lapse"].to_numpy() > 183] == 0).all()
    job = json.loads((out / MANIFEST).read_text())["job"]
    assert (job["type"], job["ladder"], job["rules"]["max_increase"], job["rules"]["max_decrease"]) == (
        "RenewalJob", "china_national", 0.25, None)


def test_renew_options_are_checked(capsys, plan_file, tmp_path):
    code, stdout, stderr = run(capsys, "--plan", plan_file, "--input", tmp_path, "--output", tmp_path / "o",
                               "--renew", "--breakdown")  # fmt: skip
    assert_one_line_error(code, stdout, stderr, "--breakdown and --errors apply to quotes")
    with pytest.raises(SystemExit):
        main(["rerate", "--plan", str(plan_file), "--input", "x", "--output", "y", "--renew", "--max-increase", "lots"])
    assert "'lots' is not a share" in capsys.readouterr().err
