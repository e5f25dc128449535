"""Benchmark ``synthetic_book`` against a naive row-by-row generator.

The vectorised generator runs in a child process pinned to one CPU core
(single-threaded BLAS), so the child's peak resident memory can be measured
with ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``. The baseline is a
straightforward pure-Python generator that builds the same policy fields row
by row (including NCD moves, which need per-period claim counts, but not the
claim rows themselves) for a small book; the speed-up compares rows per second.

Usage::

    python benchmarks/bench_synthetic_book.py                  # 2_000_000 x 5 years
    python benchmarks/bench_synthetic_book.py --policies 20000 --years 2   # CI-sized

The last line printed is one JSON object with ``policy_years, seconds,
rows_per_second, peak_rss_mb, n_claims, baseline_rows_per_second, speedup``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import resource
import subprocess
import sys
import time

import pandas as pd

from autorisk.datasets.truth import BAND_EDGES, LEVELS, SyntheticTruth

CHILD = r"""
import json, os, sys, time
if hasattr(os, "sched_setaffinity"):  # one core
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
from autorisk.datasets.synthetic import synthetic_book
n, years, seed = map(int, sys.argv[1:4])
t0 = time.perf_counter()
book = synthetic_book(n, years, seed)
seconds = time.perf_counter() - t0
print(json.dumps({"policy_years": len(book.policies), "n_claims": len(book.claims),
                  "seconds": seconds}))
"""

SINGLE_THREAD = {
    var: "1"
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
}


def run_vectorised(n_policies: int, n_years: int, seed: int) -> dict:
    """Time ``synthetic_book`` in a fresh single-core child; add its peak RSS."""
    env = {**os.environ, **SINGLE_THREAD}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(n_policies), str(n_years), str(seed)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"benchmark child failed with exit code {proc.returncode}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    result["peak_rss_mb"] = maxrss * scale / 2**20
    return result


# --------------------------------------------------------------------------
# naive baseline: one Python dict per policy period
# --------------------------------------------------------------------------
def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, prod = math.exp(-mean), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _band(value: int, edges: tuple[int, ...], labels: tuple[str, ...]) -> str:
    for edge, label in zip(reversed(edges), reversed(labels), strict=True):
        if value >= edge:
            return label
    raise ValueError(value)


def naive_book(n_policies: int, n_years: int, seed: int = 0) -> pd.DataFrame:
    """Row-by-row generator of the policy table (same fields and rules, plain Python)."""
    rng = random.Random(seed)
    truth = SyntheticTruth.default()
    rel = truth.relativities
    vab = LEVELS["vehicle_age_band"]
    dab = LEVELS["driver_age_band"]
    rows: list[dict] = []
    prev: list[dict] = []
    next_id = 1

    def new_business(year: int) -> dict:
        nonlocal next_id
        vtype = rng.choices(LEVELS["vehicle_type"], (0.56, 0.30, 0.10, 0.04))[0]
        seats = {"sedan": 5, "suv": rng.choice((5, 5, 5, 5, 7)), "mpv": 7, "van": 9}[vtype]
        new_car = rng.random() < 0.35
        vehicle_age = 0 if new_car else 1 + min(int(rng.expovariate(0.25)), 19)
        region = rng.choices(LEVELS["region"], (0.14, 0.10, 0.11, 0.09, 0.05, 0.07, 0.08, 0.36))[0]
        price = min(
            max(round(rng.lognormvariate(math.log(150_000), 0.45) / 100) * 100, 30_000), 3e6
        )
        lo, hi = rng.choices(
            ((18, 24), (25, 29), (30, 44), (45, 59), (60, 80)), (7, 12, 40, 30, 11)
        )[0]
        level = (
            0
            if new_car
            else rng.choices(range(-4, 6), (28, 12, 12, 13, 25, 6, 2.5, 1, 0.3, 0.2))[0]
        )
        start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        row = {
            "policy_id": next_id,
            "period_start": start,
            "renewal_count": 0,
            "vehicle_type": vtype,
            "seats": seats,
            "use": "business" if rng.random() < 0.06 else "private",
            "vehicle_age": vehicle_age,
            "new_car_price": float(price),
            "region": region,
            "driver_age": rng.randint(lo, hi),
            "gender": "F" if rng.random() < 0.33 else "M",
            "ncd_level": level,
            "channel": rng.choice(LEVELS["channel"]),
            "od_cover": rng.random() < 0.3 + 0.65 * math.exp(-vehicle_age / 6),
            "_cfy": max(-level, 0),
            "_c1": level + 1 if level > 0 else 0,
            "_c2": 0,
        }
        next_id += 1
        return row

    for k in range(n_years):
        year = 2021 + k
        current: list[dict] = []
        for old in prev:
            if old["cancelled"] or old["driver_age"] >= 85 or rng.random() < 0.15:
                continue
            n = old["_n"]
            row = dict(old)
            row["period_start"] = old["period_end"]
            row["renewal_count"] += 1
            row["vehicle_age"] += 1
            row["driver_age"] += 1
            if n == 0:
                row["_cfy"] = old["_cfy"] + 1
                row["ncd_level"] = -min(row["_cfy"], 4)
            else:
                row["_cfy"] = 0
                row["ncd_level"] = min(n + old["_c1"] + old["_c2"] - 1, 5)
            row["_c1"], row["_c2"] = n, old["_c1"]
            current.append(row)
        while len(current) < n_policies:
            current.append(new_business(year))
        for row in current:
            start = row["period_start"]
            try:
                end = start.replace(year=start.year + 1)
            except ValueError:  # 29 February
                end = dt.date(start.year + 1, 3, 1)
            row["cancelled"] = rng.random() < 0.03
            if row["cancelled"]:
                end = start + dt.timedelta(days=1 + rng.randrange((end - start).days - 1))
            row["period_end"] = end
            row["exposure"] = (end - start).days / 365.25
            bands = {
                "vehicle_age_band": _band(row["vehicle_age"], BAND_EDGES["vehicle_age"], vab),
                "driver_age_band": _band(row["driver_age"], BAND_EDGES["driver_age"], dab),
            }
            n_commercial = 0
            for coverage in ("ctpl", "tpl", "od"):
                if coverage == "od" and not row["od_cover"]:
                    continue
                lam = truth.base_frequency[coverage]
                for factor, table in rel[coverage].items():
                    lam *= table[bands[factor] if factor in bands else row[factor]]
                count = _poisson(rng, lam * row["exposure"])
                if coverage != "ctpl":
                    n_commercial += count
            row["_n"] = n_commercial
            rows.append({key: value for key, value in row.items() if not key.startswith("_")})
        prev = current
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policies", type=int, default=2_000_000, help="policies per year")
    parser.add_argument("--years", type=int, default=5, help="underwriting years")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--baseline-rows", type=int, default=20_000, help="policy-years of the naive baseline"
    )
    args = parser.parse_args(argv)

    ours = run_vectorised(args.policies, args.years, args.seed)
    rows_per_second = ours["policy_years"] / ours["seconds"]
    print(
        f"synthetic_book: {ours['policy_years']:,} policy-years, {ours['n_claims']:,} claims "
        f"in {ours['seconds']:.2f} s on one core ({rows_per_second:,.0f} rows/s), "
        f"peak RSS {ours['peak_rss_mb']:,.0f} MB"
    )

    base_years = min(args.years, 5)
    base_policies = max(1, args.baseline_rows // base_years)
    t0 = time.perf_counter()
    baseline = naive_book(base_policies, base_years, args.seed)
    base_seconds = time.perf_counter() - t0
    baseline_rps = len(baseline) / base_seconds
    print(
        f"naive row-by-row baseline: {len(baseline):,} policy-years in {base_seconds:.2f} s "
        f"({baseline_rps:,.0f} rows/s, no claim rows)"
    )
    figures = {
        "policy_years": ours["policy_years"],
        "seconds": round(ours["seconds"], 3),
        "rows_per_second": round(rows_per_second),
        "peak_rss_mb": round(ours["peak_rss_mb"], 1),
        "n_claims": ours["n_claims"],
        "baseline_rows_per_second": round(baseline_rps),
        "speedup": round(rows_per_second / baseline_rps, 1),
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
