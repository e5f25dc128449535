"""Benchmark batch re-rating: a 10M-policy in-force book in parquet, renewed end to end, locally and on Dask.

The book (``--policies``, default 10,000,000) is written as parquet files of
500,000 policies each, generated file by file (bounded memory): the rating
attributes of ``benchmarks/rating.py`` (3 coverages x 12 factors, strings,
categoricals, integers, floats), the China national NCD state, the claims
since the last renewal and the current premium.

The job (:class:`autorisk.renewal.RenewalJob`): read each file, move every
policy's NCD level on by the China national ladder, re-score with the plan,
cap the change at +25% / -15% within the new-business price, write the
offers (one parquet part per file).

Stages, in one run:

1. ``local``: ``rerate(..., engine="local")`` on the first 2,000,000 policies,
   then on the whole book; the peak RSS after each shows whether memory
   grows with the book (it should not: one file at a time).
2. ``dask``: the same job on a ``LocalCluster`` of 1 worker, then of 2
   workers (one thread each, processes), clusters started before timing;
   the outputs are compared with the local one, part by part, bit for bit.

Usage::

    python benchmarks/rerate.py                      # 10,000,000 policies (a few minutes)
    python benchmarks/rerate.py --policies 2000000

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from autorisk.batch import rerate
from autorisk.renewal import RenewalJob, RenewalRules, load_ladder
from rating import make_plan, make_policies

FILE_ROWS = 500_000
TARGETS = {"local_policies_per_s": 1_000_000, "peak_rss_mb": 1500.0, "dask_scaling": 1.6}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_book(folder: Path, n: int, seed: int) -> list[Path]:
    """The in-force book as parquet files of FILE_ROWS policies, generated one file at a time."""
    plan, ladder = make_plan(seed), load_ladder("china_national")
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, start in enumerate(range(0, n, FILE_ROWS)):
        rows = min(FILE_ROWS, n - start)
        policies = make_policies(rows, seed + 10 * i)
        rng = np.random.default_rng(seed + 10 * i + 5)
        policies.insert(0, "policy_id", np.arange(start, start + rows, dtype=np.int64))
        policies = ladder.init_state(policies)
        technical = plan.quote(policies, breakdown=False)["premium_total"].to_numpy()
        policies["current_premium"] = np.round(technical * rng.lognormal(0.0, 0.15, rows), 2)
        policies["claims_since_renewal"] = rng.poisson(0.12, rows).astype(np.int64)
        path = folder / f"inforce-{i:04d}.parquet"
        policies.to_parquet(path, index=False)
        files.append(path)
    return files


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policies", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default=None, help="where the book and outputs go (default: a temp dir)")
    args = parser.parse_args(argv)
    n = args.policies
    work = Path(args.workdir or tempfile.mkdtemp(prefix="autorisk-rerate-"))
    try:
        return run(n, args.seed, work)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def run(n: int, seed: int, work: Path) -> dict:
    started = time.perf_counter()
    files = write_book(work / "inforce", n, seed)
    print(f"book: {n:,} policies in {len(files)} parquet files ({time.perf_counter() - started:.1f} s); "
          f"RSS peak so far {peak_rss_mb():,.0f} MiB")  # fmt: skip
    plan = make_plan(seed)
    job = RenewalJob.from_plan(plan, RenewalRules(max_increase=0.25, max_decrease=0.15),
                               load_ladder("china_national"))  # fmt: skip

    small = files[: max(1, 2_000_000 // FILE_ROWS)]
    rerate(small, work / "offers-small", job, progress=False)
    small_rss = peak_rss_mb()
    start = time.perf_counter()
    local = rerate(work / "inforce", work / "offers-local", job, progress=False)
    local_s = time.perf_counter() - start
    local_rss = peak_rss_mb()
    print(f"local:  {local_s:.2f} s -> {n / local_s:,.0f} policies/s; peak RSS {small_rss:,.0f} MiB after "
          f"{sum(pd.read_parquet(f, columns=['policy_id']).shape[0] for f in small):,} policies, "
          f"{local_rss:,.0f} MiB after {n:,}")  # fmt: skip

    from distributed import Client, LocalCluster

    dask_times = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:  # fmt: skip
            client.run(lambda: None)  # workers up before the clock starts
            out = work / f"offers-dask-{workers}"
            start = time.perf_counter()
            rerate(work / "inforce", out, job, engine="dask", scheduler=cluster.scheduler_address, progress=False)
            dask_times[workers] = time.perf_counter() - start
        print(f"dask, {workers} worker{'s' if workers > 1 else ''}: {dask_times[workers]:.2f} s")
    identical = all(
        pd.read_parquet(a).equals(pd.read_parquet(b))
        for a, b in zip(sorted((work / "offers-local").glob("part-*.parquet")),
                        sorted((work / "offers-dask-2").glob("part-*.parquet")), strict=True)
    )  # fmt: skip
    scaling = dask_times[1] / dask_times[2]
    print(f"dask scaling 1 -> 2 workers: {scaling:.2f}x; dask output identical to local: {identical}")
    summary = {
        "n_policies": n,
        "n_files": len(files),
        "local_s": round(local_s, 3),
        "local_policies_per_s": round(n / local_s),
        "peak_rss_mb": round(local_rss, 1),
        "peak_rss_mb_at_2m_policies": round(small_rss, 1),
        "dask_1_worker_s": round(dask_times[1], 3),
        "dask_2_workers_s": round(dask_times[2], 3),
        "dask_scaling": round(scaling, 3),
        "dask_identical_to_local": bool(identical),
        "rows_written": int(local.rows) if hasattr(local, "rows") else None,
        "cores": os.cpu_count(),
        "targets_met": {
            "local_policies_per_s": n / local_s >= TARGETS["local_policies_per_s"],
            "peak_rss_mb": local_rss <= TARGETS["peak_rss_mb"],
            "dask_scaling": scaling >= TARGETS["dask_scaling"],
        },
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
