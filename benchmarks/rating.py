"""Benchmark the rating engine: ``RatingPlan.quote`` vs pandas merges vs a pure numpy gather.

The plan: three coverages (ctpl, tpl, od), each with the same 12 factors and
its own random relativities (fixed seed):

* 7 categorical: vehicle_type, use, fuel_type, region (30 provinces), channel,
  seats and vehicle_brand (50 brands); no gender factor;
* 1 NCD ladder: ncd_level -4..5 (a ``BonusMalusFactor`` on an int column);
* 3 banded numeric: driver_age, vehicle_age, new_car_price;
* 1 interaction: region x use (some cells listed, the others 1).

Policy columns (ordinary pandas columns, no pre-encoding):

* strings (pandas ``str`` dtype): region, vehicle_brand, channel;
* categoricals: vehicle_type, use, fuel_type;
* integers (int64): seats, ncd_level, driver_age, vehicle_age;
* floats (float64): new_car_price.

Stages, in one run:

1. ``autorisk``: ``plan.quote(df)`` ``--repeats`` times (default 3), best
   kept; ``first_call_ratio`` is the first call over the best later one. Then
   ``plan.quote(df, breakdown=False)`` (premiums only).

   Where the first call's extra time goes (profiled at 2M rows: every extra
   second sits in the writes of ``np.take(..., out=)`` into the result block
   and of the breakdown columns, not in any autorisk cache, import or
   compilation): the result block (61 float64 columns, ~0.5 GB per million
   policies) is fresh memory, and on this machine (a Firecracker VM with free
   page reporting: memory a process frees goes back to the host) the first
   touch of fresh memory costs about 1 to 3 s per GB against 0.05-0.1 s warm. A
   second process (``--probe prefault``) shows it: it touches and frees as
   much memory as the result block before its first call, which then comes
   within ``first_call_ratio_prefaulted`` (1.15-1.5 seen) of a warm one. The
   JSON reports ``fresh_touch_s_per_gb`` and ``warm_touch_s_per_gb`` as that
   process measured them. A long-lived process (the quoting service, a batch
   job re-rating in chunks, :mod:`autorisk.batch`) pays the fresh memory once.
2. ``pandas merge``: what in-house code does: for each coverage and factor
   ``df.merge(table, on=column, how="left")`` (bands: ``pd.cut`` then merge on
   the band number; the interaction: merge on both columns, ``fillna(1)``),
   multiplied into a premium column. Run once; if it would take over
   ``--merge-budget`` seconds at full size (estimated from a 1,000,000-row
   slice), only the slice is timed and its per-policy throughput is reported
   (``pandas_merge_rows`` in the JSON says how many rows were timed).
3. ``gather limit``: every factor's column pre-encoded to integer codes (not
   timed); only ``premium = base * t1[c1] * t2[c2] * ...`` for every coverage
   and the total is timed (best of ``--repeats``), with numpy's fastest
   gather (``np.take(..., mode="clip")`` into a reused buffer). It writes no
   per-factor breakdown, which ``quote`` does.
4. ``quote_one``: latency of ``--calls`` calls on random policies given as
   plain dicts (prepared beforehand), ``perf_counter_ns`` per call.
5. Correctness: autorisk premiums vs merge and gather premiums
   (``np.allclose``, rtol 1e-12, atol 0), and ``quote_one`` vs ``quote``
   bit for bit on 1,000 rows.

Everything runs on one core: the numpy and pandas operations involved are
single-threaded (the machine this was written for has 2 cores).

Usage::

    python benchmarks/rating.py                       # 10,000,000 policies
    python benchmarks/rating.py --policies 1000000 --profile   # + cProfile of quote

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import psutil

from autorisk.rating import (
    BandFactor,
    BonusMalusFactor,
    CategoricalFactor,
    Coverage,
    InteractionFactor,
    RatingPlan,
)

COVERAGES = {"ctpl": 950.0, "tpl": 620.0, "od": 1800.0}
VEHICLE_TYPES = ["sedan", "suv", "mpv", "pickup", "van", "truck_light"]
USES = ["private", "commuting", "business", "ride_hailing"]
FUELS = ["petrol", "diesel", "hybrid", "electric"]
REGIONS = [f"province_{i:02d}" for i in range(30)]
CHANNELS = ["direct", "agent", "broker", "bank", "online"]
SEATS = [2, 4, 5, 7, 8, 9]
NCD_LEVELS = list(range(-4, 6))
BRANDS = [f"brand_{i:02d}" for i in range(50)]
BANDS = {
    "driver_age": (21.0, 25.0, 30.0, 40.0, 50.0, 60.0, 70.0),
    "vehicle_age": (1.0, 2.0, 3.0, 5.0, 8.0, 12.0),
    "new_car_price": (50e3, 100e3, 150e3, 200e3, 300e3, 500e3, 1e6),
}
CATEGORICAL = {
    "vehicle_type": VEHICLE_TYPES, "use": USES, "fuel_type": FUELS, "region": REGIONS,
    "channel": CHANNELS, "seats": SEATS, "vehicle_brand": BRANDS,
}  # fmt: skip
RTOL = 1e-12
TARGETS = {"policies_per_s": 3_000_000, "speedup": 5.0, "p50_us": 30.0, "p99_us": 100.0}


def peak_rss_mb() -> float:
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss * (1 if sys.platform == "darwin" else 1024) / 2**20


def current_rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def best_of(repeats: int, run):
    times, result = [], None
    for _ in range(repeats):
        result = None  # free the previous result before the next run
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), times, result


# ------------------------------------------------------------------ plan and data
def make_plan(seed: int) -> RatingPlan:
    rng = np.random.default_rng(seed)

    def rel(n: int) -> tuple[float, ...]:
        return tuple(float(v) for v in np.round(rng.uniform(0.6, 1.6, n), 6))

    coverages = []
    for name, base in COVERAGES.items():
        factors = [
            CategoricalFactor(col, col, tuple(levels), rel(len(levels)))
            for col, levels in CATEGORICAL.items()
        ]
        factors.append(BonusMalusFactor("ncd_level", "ncd_level", NCD_LEVELS[0], rel(len(NCD_LEVELS))))
        factors += [BandFactor(col, col, cuts, rel(len(cuts) + 1)) for col, cuts in BANDS.items()]
        pairs = [(r, u) for r in REGIONS for u in USES]
        chosen = rng.choice(len(pairs), size=40, replace=False)
        cells = tuple(
            (pairs[i][0], pairs[i][1], v) for i, v in zip(sorted(chosen), rel(40), strict=True)
        )
        factors.append(InteractionFactor("region_x_use", "region", "use", cells))
        coverages.append(Coverage(name, base, tuple(factors)))
    return RatingPlan("bench", "1", tuple(coverages))


def make_policies(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 1)

    def pick(levels: list, p=None) -> np.ndarray:
        return rng.choice(np.asarray(levels, dtype=object), size=n, p=p)

    def skewed(k: int) -> np.ndarray:
        w = 1.0 / np.arange(1, k + 1) ** 0.8
        return w / w.sum()

    return pd.DataFrame(
        {
            "vehicle_type": pd.Categorical.from_codes(
                rng.integers(0, len(VEHICLE_TYPES), n), VEHICLE_TYPES
            ),
            "use": pd.Categorical.from_codes(
                rng.choice(len(USES), n, p=[0.7, 0.15, 0.1, 0.05]), USES
            ),
            "fuel_type": pd.Categorical.from_codes(rng.integers(0, len(FUELS), n), FUELS),
            "region": pd.Series(pick(REGIONS, skewed(len(REGIONS))), dtype="str"),
            "channel": pd.Series(pick(CHANNELS), dtype="str"),
            "seats": rng.choice(np.asarray(SEATS, dtype=np.int64), n),
            "ncd_level": rng.integers(-4, 6, n, dtype=np.int64),
            "vehicle_brand": pd.Series(pick(BRANDS, skewed(len(BRANDS))), dtype="str"),
            "driver_age": rng.integers(18, 86, n, dtype=np.int64),
            "vehicle_age": rng.integers(0, 21, n, dtype=np.int64),
            "new_car_price": np.round(rng.lognormal(np.log(150e3), 0.6, n), 2),
        }
    )


# ------------------------------------------------------------------ pandas merge baseline
def merge_quote(plan: RatingPlan, policies: pd.DataFrame) -> pd.DataFrame:
    """Premiums the way in-house code does it: one left merge per coverage and factor."""
    frame = policies
    for coverage in plan.coverages:
        premium = f"premium_{coverage.name}"
        frame = frame.assign(**{premium: coverage.base_rate})
        for factor in coverage.factors:
            rel = f"{coverage.name}.{factor.name}"
            if isinstance(factor, (CategoricalFactor, BonusMalusFactor)):
                key = pd.Series(list(factor.levels), dtype=frame[factor.column].dtype)
                table = pd.DataFrame({factor.column: key, rel: factor.values})
                frame = frame.merge(table, on=factor.column, how="left")
            elif isinstance(factor, BandFactor):
                bins = [-np.inf, *factor.cut_points, np.inf]
                frame["_band"] = pd.cut(
                    frame[factor.column], bins=bins, right=False, labels=False
                ).astype(np.int64)
                table = pd.DataFrame({"_band": np.arange(len(factor.values)), rel: factor.values})
                frame = frame.merge(table, on="_band", how="left").drop(columns="_band")
            else:
                a, b = factor.column_a, factor.column_b
                table = pd.DataFrame({
                    a: pd.Series([c[0] for c in factor.cells], dtype=frame[a].dtype),
                    b: pd.Series([c[1] for c in factor.cells], dtype=frame[b].dtype),
                    rel: [c[2] for c in factor.cells],
                })  # fmt: skip
                frame = frame.merge(table, on=[a, b], how="left")
                frame[rel] = frame[rel].fillna(1.0)
            frame[premium] = frame[premium] * frame[rel]
            frame = frame.drop(columns=rel)
    frame["premium_total"] = sum(frame[f"premium_{c.name}"] for c in plan.coverages)
    return frame


# ------------------------------------------------------------------ gather limit
def encode(
    plan: RatingPlan, policies: pd.DataFrame
) -> list[tuple[float, list[tuple[np.ndarray, np.ndarray]]]]:
    """Per coverage: base rate and (table, integer codes) per factor. Codes are shared across coverages."""
    codes_by_key: dict[object, np.ndarray] = {}

    def level_codes(column: str, levels: tuple) -> np.ndarray:
        key = (column, levels)
        if key not in codes_by_key:
            codes, uniques = pd.factorize(policies[column])
            positions = pd.Index(list(levels), dtype=object).get_indexer(
                pd.Index(uniques, dtype=object)
            )
            assert (positions >= 0).all() and (codes >= 0).all()
            codes_by_key[key] = positions[codes].astype(np.intp)
        return codes_by_key[key]

    out = []
    for coverage in plan.coverages:
        pairs = []
        for f in coverage.factors:
            if isinstance(f, (CategoricalFactor, BonusMalusFactor)):
                pairs.append((np.asarray(f.values, dtype=float), level_codes(f.column, f.levels)))
            elif isinstance(f, BandFactor):
                key = (f.column, f.cut_points)
                if key not in codes_by_key:
                    x = policies[f.column].to_numpy(dtype=float)
                    codes_by_key[key] = np.searchsorted(
                        np.asarray(f.cut_points), x, side="right"
                    ).astype(np.intp)
                pairs.append((np.asarray(f.values, dtype=float), codes_by_key[key]))
            else:
                levels_a = tuple(dict.fromkeys(c[0] for c in f.cells)) + ("<other>",)
                levels_b = tuple(dict.fromkeys(c[1] for c in f.cells)) + ("<other>",)
                key = (f.column_a, f.column_b, levels_a, levels_b)
                if key not in codes_by_key:
                    ca, cb = (
                        _codes_or_other(policies[col], lv)
                        for col, lv in ((f.column_a, levels_a), (f.column_b, levels_b))
                    )
                    codes_by_key[key] = (ca * len(levels_b) + cb).astype(np.intp)
                table = np.ones((len(levels_a), len(levels_b)))
                for la, lb, v in f.cells:
                    table[levels_a.index(la), levels_b.index(lb)] = v
                pairs.append((table.ravel(), codes_by_key[key]))
        out.append((coverage.base_rate, pairs))
    return out


def _codes_or_other(values: pd.Series, levels: tuple) -> np.ndarray:
    """Code of each row among ``levels``; values not listed get the last code ("<other>")."""
    codes, uniques = pd.factorize(values)
    positions = pd.Index(list(levels[:-1]), dtype=object).get_indexer(
        pd.Index(uniques, dtype=object)
    )
    positions = np.where(positions >= 0, positions, len(levels) - 1)
    return positions[codes]


def gather_quote(encoded) -> list[np.ndarray]:
    premiums = []
    total = None
    buffer = np.empty(len(encoded[0][1][0][1]))
    for base, pairs in encoded:
        table, codes = pairs[0]
        premium = base * np.take(table, codes, mode="clip")
        for table, codes in pairs[1:]:
            premium *= np.take(table, codes, out=buffer, mode="clip")
        premiums.append(premium)
        total = premium.copy() if total is None else total + premium
    return [*premiums, total]


def first_call_probe(n: int, seed: int) -> dict:
    """First and second ``quote`` in a process that has touched (and freed) as much memory as the result first."""
    plan, df = make_plan(seed), make_policies(n, seed)
    width = plan.quote(df.iloc[:10]).shape[1]
    size = n * width  # float64 cells of the result block
    start = time.perf_counter()
    block = np.ones(size)  # fresh pages: the VM hands them back from its host
    fresh = time.perf_counter() - start
    del block
    start = time.perf_counter()
    block = np.ones(size)  # the same pages again, now warm in this process
    warm = time.perf_counter() - start
    del block
    runs = []
    for _ in range(2):
        start = time.perf_counter()
        quoted = plan.quote(df)
        runs.append(time.perf_counter() - start)
        del quoted
    gb = size * 8 / 1e9
    result = {
        "first_call_ratio_prefaulted": round(runs[0] / runs[1], 3),
        "prefaulted_runs_s": [round(t, 4) for t in runs],
        "fresh_touch_s_per_gb": round(fresh / gb, 3),
        "warm_touch_s_per_gb": round(warm / gb, 3),
        "result_block_gb": round(gb, 2),
    }
    print(json.dumps(result))
    return result


def _run_probe(n: int, seed: int) -> dict:
    """:func:`first_call_probe` in a fresh process (this one's memory is warm by now)."""
    out = subprocess.run(
        [sys.executable, __file__, "--policies", str(n), "--seed", str(seed), "--probe", "prefault"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policies", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of quote and of the gather (best kept)"
    )
    parser.add_argument("--calls", type=int, default=20_000, help="quote_one calls")
    parser.add_argument(
        "--merge-slice", type=int, default=1_000_000, help="rows of the first pandas-merge run"
    )
    parser.add_argument(
        "--merge-budget",
        type=float,
        default=180.0,
        help="run the pandas merge at full size only if estimated under this many seconds",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of quote on the merge slice"
    )
    parser.add_argument(
        "--probe", choices=["prefault"], help="only time a first and a second quote after pre-touching memory"
    )
    args = parser.parse_args(argv)
    n = args.policies
    if args.probe:
        return first_call_probe(n, args.seed)

    t0 = time.perf_counter()
    plan = make_plan(args.seed)
    df = make_policies(n, args.seed)
    print(
        f"data: {n:,} policies, {len(df.columns)} columns ({time.perf_counter() - t0:.1f} s, "
        f"RSS {current_rss_mb():.0f} MiB); {os.cpu_count()} cores, all stages single-threaded"
    )
    print("  dtypes: " + ", ".join(f"{c}={df[c].dtype}" for c in df.columns))
    n_factors = [len(c.factors) for c in plan.coverages]
    print(
        f"plan: {len(plan.coverages)} coverages x {n_factors} factors "
        "(8 categorical, 3 bands, region x use interaction)"
    )
    premium_cols = [f"premium_{c.name}" for c in plan.coverages] + ["premium_total"]

    # ------------------------------------------------------------ autorisk
    autorisk_s, autorisk_runs, quoted = best_of(args.repeats, lambda: plan.quote(df))
    autorisk_pps = n / autorisk_s
    first_ratio = autorisk_runs[0] / min(autorisk_runs[1:]) if len(autorisk_runs) > 1 else float("nan")
    print(
        f"autorisk quote:   {autorisk_s:.3f} s best of {_fmt(autorisk_runs)} -> {autorisk_pps:,.0f} policies/s "
        f"(target >= {TARGETS['policies_per_s']:,}); first call / warm = {first_ratio:.2f}"
    )
    ours = {c: quoted[c].to_numpy() for c in premium_cols}
    lean_s, lean_runs, lean = best_of(args.repeats, lambda: plan.quote(df, breakdown=False))
    lean_same = all(np.array_equal(lean[c].to_numpy(), ours[c]) for c in premium_cols)
    del lean
    print(
        f"  without breakdown: {lean_s:.3f} s best of {_fmt(lean_runs)} -> {n / lean_s:,.0f} policies/s "
        f"(premiums bit-identical: {lean_same})"
    )

    # ------------------------------------------------------------ gather limit
    t0 = time.perf_counter()
    encoded = encode(plan, df)
    encode_s = time.perf_counter() - t0
    gather_s, gather_runs, gathered = best_of(
        args.repeats, functools.partial(gather_quote, encoded)
    )
    ratio_gather = autorisk_s / gather_s
    print(
        f"gather limit:     {gather_s:.3f} s best of {_fmt(gather_runs)} -> {n / gather_s:,.0f} policies/s "
        f"(codes pre-encoded in {encode_s:.1f} s, not timed); autorisk / gather = {ratio_gather:.2f}"
    )
    gather_ok = all(
        np.allclose(ours[c], g, rtol=RTOL, atol=0)
        for c, g in zip(premium_cols, gathered, strict=True)
    )
    gather_exact = all(
        np.array_equal(ours[c], g) for c, g in zip(premium_cols, gathered, strict=True)
    )
    del encoded, gathered

    # ------------------------------------------------------------ pandas merge
    slice_rows = min(n, args.merge_slice)
    part = df.iloc[:slice_rows]
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        plan.quote(part)
        profiler.disable()
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(8)
        print(f"cProfile of quote on {slice_rows:,} rows (by tottime):")
        print("\n".join("  " + line for line in stream.getvalue().strip().splitlines()[-14:]))
    t0 = time.perf_counter()
    merged = merge_quote(plan, part)
    merge_s = time.perf_counter() - t0
    merge_rows = slice_rows
    estimate = merge_s * n / slice_rows
    if slice_rows < n and estimate <= args.merge_budget:
        del merged
        t0 = time.perf_counter()
        merged = merge_quote(plan, df)
        merge_s = time.perf_counter() - t0
        merge_rows = n
    merge_pps = merge_rows / merge_s
    speedup = autorisk_pps / merge_pps
    scope = (
        "all rows"
        if merge_rows == n
        else (
            f"first {merge_rows:,} rows only (full size estimated {estimate:.0f} s > {args.merge_budget:.0f} s budget); "
            "throughput scaled per policy"
        )
    )
    print(
        f"pandas merge:     {merge_s:.3f} s once on {scope} -> {merge_pps:,.0f} policies/s; "
        f"speedup autorisk / merge = {speedup:.1f}x (target >= {TARGETS['speedup']:g})"
    )
    merge_ok = all(
        np.allclose(ours[c][:merge_rows], merged[c].to_numpy(), rtol=RTOL, atol=0)
        for c in premium_cols
    )
    del merged, part

    # ------------------------------------------------------------ quote_one
    rng = np.random.default_rng(args.seed + 2)
    rows = rng.integers(0, n, args.calls)
    records = df.iloc[rows].to_dict("records")
    latencies = np.empty(args.calls, dtype=np.int64)
    quote_one = plan.quote_one
    clock = time.perf_counter_ns
    for i, record in enumerate(records):
        start = clock()
        quote_one(record)
        latencies[i] = clock() - start
    p50, p99 = (float(np.percentile(latencies, q)) / 1e3 for q in (50, 99))
    print(
        f"quote_one:        {args.calls:,} calls, p50 {p50:.1f} us (target <= {TARGETS['p50_us']:g}), "
        f"p99 {p99:.1f} us (target <= {TARGETS['p99_us']:g}), mean {latencies.mean() / 1e3:.1f} us"
    )
    sample = rows[:1000]
    keys = [c for c in quoted.columns if c != "plan_id"]
    one_ok = True
    for row, record in zip(sample, records[:1000], strict=True):
        single = quote_one(record)
        batch = quoted.iloc[row]
        one_ok &= all(
            np.float64(single[k]).tobytes() == np.float64(batch[k]).tobytes() for k in keys
        )
        one_ok &= single["plan_id"] == batch["plan_id"]

    # ------------------------------------------------------------ summary
    rss = peak_rss_mb()
    print(
        f"correctness: autorisk vs merge {'OK' if merge_ok else 'MISMATCH'} on {merge_rows:,} rows, "
        f"vs gather {'OK' if gather_ok else 'MISMATCH'} on {n:,} rows (rtol {RTOL:g}; bit-identical: {gather_exact}), "
        f"quote_one vs quote bit-for-bit on 1,000 rows {'OK' if one_ok else 'MISMATCH'}"
    )
    print(f"peak RSS: {rss:.0f} MiB (ru_maxrss)")
    probe = _run_probe(n, args.seed)
    print(
        f"first call, fresh process: {first_ratio:.2f}x a warm call; in a process that first touched "
        f"{probe['result_block_gb']:.1f} GB (the result block's size): {probe['first_call_ratio_prefaulted']:.2f}x. "
        f"Touching fresh memory: {probe['fresh_touch_s_per_gb']:.2f} s/GB, warm: {probe['warm_touch_s_per_gb']:.2f} s/GB"
    )
    checks = {
        "policies_per_s": autorisk_pps >= TARGETS["policies_per_s"],
        "speedup": speedup >= TARGETS["speedup"],
        "p50_us": p50 <= TARGETS["p50_us"],
        "p99_us": p99 <= TARGETS["p99_us"],
    }
    print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in checks.items()))
    summary = {
        "n_policies": n,
        "n_coverages": len(plan.coverages),
        "n_factors_per_coverage": n_factors[0],
        "autorisk_s": round(autorisk_s, 4),
        "autorisk_runs_s": [round(t, 4) for t in autorisk_runs],
        "autorisk_policies_per_s": round(autorisk_pps),
        "autorisk_first_call_s": round(autorisk_runs[0], 4),
        "first_call_ratio": round(first_ratio, 3),
        **probe,
        "autorisk_no_breakdown_policies_per_s": round(n / lean_s),
        "no_breakdown_bit_identical": bool(lean_same),
        "pandas_merge_s": round(merge_s, 4),
        "pandas_merge_rows": merge_rows,
        "pandas_merge_policies_per_s": round(merge_pps),
        "speedup_vs_pandas_merge": round(speedup, 3),
        "gather_s": round(gather_s, 4),
        "gather_policies_per_s": round(n / gather_s),
        "ratio_to_gather_limit": round(ratio_gather, 3),
        "quote_one_calls": args.calls,
        "quote_one_p50_us": round(p50, 2),
        "quote_one_p99_us": round(p99, 2),
        "match_pandas_merge": bool(merge_ok),
        "match_gather": bool(gather_ok),
        "quote_one_bit_identical": bool(one_ok),
        "peak_rss_mb": round(rss, 1),
        "cores": os.cpu_count(),
        "timing": f"quote and gather best of {args.repeats}; pandas merge once; single-threaded",
        "targets_met": checks,
    }
    print(json.dumps(summary))
    return summary


def _fmt(times: list[float]) -> str:
    return "[" + ", ".join(f"{t:.3f}" for t in times) + "] s"


if __name__ == "__main__":
    main()
