"""Benchmark the Poisson frequency GLM: autorisk vs glum directly vs statsmodels.

The model: claim count per policy period on a synthetic book, Poisson with a
log link and ``log(exposure)`` offset, ten categorical rating factors
(vehicle_type, use, region, ncd_level, channel, gender, vehicle age by year,
driver age in 3-year bands, seats and new_car_price in ``--price-bands``
quantile bands): about 100 parameters.
The three engines fit the *same* model on the *same* rows: the base level of
every factor is fixed up front (largest exposure) and passed to autorisk; the
glum and statsmodels designs put that level first and drop it, so the
coefficient vectors line up one to one.

* ``autorisk``: ``FrequencyGLM(...).fit(X, y, exposure=...)`` from the raw
  rating-factor frame: design, tabmat conversion, glum IRLS, deviance, AIC and
  the covariance matrix, i.e. everything a user waits for.
* ``glum``: ``GeneralizedLinearRegressor(family="poisson", alpha=0,
  drop_first=True)`` with autorisk's stopping rule (``gradient_tol`` = the
  default ``tol`` of ``FrequencyGLM``, and its ``step_size_tol``) on a
  categorical frame whose categories are already base-first (the reordering
  is not timed). autorisk adds design building, a final Fisher-scoring polish
  of glum's solution, fit statistics and the covariance matrix.
* ``statsmodels``: ``GLM(Poisson)`` IRLS on dense float64 dummies; only
  ``fit`` is timed, building the dummy matrix is reported separately.

autorisk and glum run ``--repeats`` times (default 2) and the best time is
kept, so one-off warm-up (lazy imports, first-touch allocations, any JIT
compilation) is excluded; statsmodels runs once. Peak resident memory is the
process's ``ru_maxrss``, read after each stage (it only ever grows, and the
stages run in the order data, autorisk, glum, statsmodels).

BLAS threads are left as the environment sets them. On small shared machines
multi-threaded OpenBLAS can be slower than one thread; to compare, run with
``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1`` set in the shell.

Usage::

    python benchmarks/glm_fit.py                  # 1,000,000 policy-years
    python benchmarks/glm_fit.py --rows 50000     # quick run

The last line printed is one JSON object with ``n_rows, n_params, autorisk_s,
glum_s, statsmodels_s, ratio_vs_glum, speedup_vs_statsmodels,
max_rel_coef_diff_vs_statsmodels, peak_rss_mb`` and more.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings

import glum
import numpy as np
import pandas as pd
import psutil
import statsmodels.api as sm

from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
from autorisk.models import FrequencyGLM
from autorisk.models import glm as autorisk_glm

FACTORS = [
    "vehicle_type", "use", "region", "ncd_level", "channel", "gender",
    "vehicle_age_band", "driver_age_band", "seats", "price_band",
]
N_YEARS = 5
#: glum runs with autorisk's stopping rule: its default gradient tolerance and step-size stop.
GRADIENT_TOL = FrequencyGLM().tol
STEP_SIZE_TOL = getattr(autorisk_glm, "_STEP_SIZE_TOL", None)
#: Coefficients smaller than this in absolute value are compared absolutely: the
#: relative difference of a coefficient near 0 (a relativity near 1) measures
#: nothing but the size of the denominator; 1e-3 is a 0.1% relativity.
COEF_FLOOR = 1e-3


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss * (1 if sys.platform == "darwin" else 1024) / 2**20


def current_rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def best_of(repeats: int, fit):
    """Run ``fit()`` ``repeats`` times; return (best seconds, all seconds, last result)."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return min(times), times, result


def make_data(rows: int, seed: int, price_bands: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Rating factors (all categorical), claim counts and exposure of a synthetic book."""
    n_policies = max(1, rows // N_YEARS)
    book = synthetic_book(n_policies=n_policies, n_years=N_YEARS, seed=seed)
    policies = book.truth.band(aggregate_claims(book.policies, book.claims, by_coverage=False))
    X = pd.DataFrame(
        {
            "vehicle_type": policies["vehicle_type"],
            "use": policies["use"],
            "region": policies["region"],
            "ncd_level": policies["ncd_level"].astype("category"),
            "channel": policies["channel"],
            "gender": policies["gender"],
            # Pricing-style raw factors: vehicle age by year, driver age in 3-year bands.
            "vehicle_age_band": policies["vehicle_age"].clip(upper=15).astype("category"),
            "driver_age_band": pd.cut(
                policies["driver_age"], [*range(18, 76, 3), 200], right=False
            ).astype(str).astype("category"),
            "seats": policies["seats"].astype("category"),
            "price_band": pd.qcut(
                policies["new_car_price"], price_bands, labels=[f"P{k + 1:02d}" for k in range(price_bands)]
            ),
        }
    )
    return X, policies["claim_count"].to_numpy(dtype=float), policies["exposure"].to_numpy(dtype=float)


def base_first(X: pd.DataFrame, exposure: np.ndarray) -> tuple[dict, pd.DataFrame]:
    """Base level per factor (largest exposure) and the frame with that level as first category."""
    bases, columns = {}, {}
    for factor in X.columns:
        col = X[factor].cat.remove_unused_categories()
        by_level = pd.Series(exposure).groupby(col.to_numpy(), observed=True).sum()
        base = by_level.idxmax()
        bases[factor] = base
        columns[factor] = col.cat.reorder_categories([base, *(c for c in col.cat.categories if c != base)])
    return bases, pd.DataFrame(columns, index=X.index)


def dense_dummies(frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Intercept plus treatment dummies (first category dropped), float64, in design order."""
    names = ["(intercept)"]
    blocks = [np.ones((len(frame), 1))]
    for factor in frame.columns:
        col = frame[factor]
        codes = col.cat.codes.to_numpy()
        levels = list(col.cat.categories)[1:]
        blocks.append((codes[:, None] == np.arange(1, len(levels) + 1)[None, :]).astype(float))
        names += [f"{factor}[{level}]" for level in levels]
    return np.hstack(blocks), names


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="policy-years (rounded down to a multiple of 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--price-bands", type=int, default=30, help="quantile bands of new_car_price")
    parser.add_argument("--repeats", type=int, default=2, help="runs of autorisk and glum (best kept)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    X, y, exposure = make_data(args.rows, args.seed, args.price_bands)
    bases, frame = base_first(X, exposure)
    offset = np.log(exposure)
    data_s = time.perf_counter() - t0
    rss_data = peak_rss_mb()
    print(f"data: {len(X):,} policy-years, {int(y.sum()):,} claims, {len(FACTORS)} factors "
          f"({data_s:.1f} s, RSS {current_rss_mb():.0f} MiB)")

    # ---------------------------------------------------------------- autorisk
    def fit_autorisk():
        return FrequencyGLM(FACTORS, base_levels=bases).fit(X, y, exposure=exposure)

    autorisk_s, autorisk_runs, model = best_of(args.repeats, fit_autorisk)
    rss_autorisk = peak_rss_mb()
    names = list(model.params_.index)
    n_params = len(names)
    print(f"parameters: {n_params} (intercept + {n_params - 1} non-base levels of {len(FACTORS)} factors)")
    print(f"autorisk FrequencyGLM: {autorisk_s:.2f} s best of {_fmt(autorisk_runs)} "
          f"({model.n_iter_} IRLS iterations; includes design, deviance, covariance)")

    # -------------------------------------------------------------------- glum
    def fit_glum():
        engine = glum.GeneralizedLinearRegressor(
            family="poisson", link="log", alpha=0, drop_first=True,
            gradient_tol=GRADIENT_TOL, step_size_tol=STEP_SIZE_TOL, max_iter=100,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            return engine.fit(frame, y, offset=offset)

    glum_s, glum_runs, engine = best_of(args.repeats, fit_glum)
    rss_glum = peak_rss_mb()
    glum_params = np.r_[engine.intercept_, engine.coef_]
    print(f"glum direct:           {glum_s:.2f} s best of {_fmt(glum_runs)} ({engine.n_iter_} IRLS iterations)")

    # ------------------------------------------------------------- statsmodels
    t0 = time.perf_counter()
    exog, sm_names = dense_dummies(frame)
    dummies_s = time.perf_counter() - t0
    assert sm_names == names, "statsmodels design columns differ from autorisk's"
    t0 = time.perf_counter()
    result = sm.GLM(y, exog, family=sm.families.Poisson(), offset=offset).fit(
        tol=1e-12, tol_criterion="params", maxiter=100
    )
    statsmodels_s = time.perf_counter() - t0
    rss_statsmodels = peak_rss_mb()
    sm_params = np.asarray(result.params)
    print(f"statsmodels GLM:       {statsmodels_s:.2f} s, once ({exog.shape[0]:,} x {exog.shape[1]} dense "
          f"dummies built in {dummies_s:.1f} s, not timed; {result.fit_history['iteration']} IRLS iterations)")
    if statsmodels_s > 300:
        print("note: statsmodels took over 5 minutes; it is still fitted on the same rows for the comparison")

    # -------------------------------------------------------------- agreement
    ours = model.params_.to_numpy()
    denominator = np.maximum(np.abs(sm_params), COEF_FLOOR)
    rel_diff = float(np.max(np.abs(ours - sm_params) / denominator))
    rel_diff_glum = float(np.max(np.abs(glum_params - sm_params) / denominator))
    rel_diff_vs_glum = float(np.max(np.abs(ours - glum_params) / np.maximum(np.abs(glum_params), COEF_FLOOR)))
    se_rel_diff = float(np.max(np.abs(np.sqrt(np.diag(model.cov_params_.to_numpy())) / result.bse - 1)))
    deviance_rel_diff = abs(model.deviance_ / result.deviance - 1)
    print(f"max rel coef diff: autorisk vs statsmodels {rel_diff:.2e}, glum vs statsmodels {rel_diff_glum:.2e}, "
          f"autorisk vs glum {rel_diff_vs_glum:.2e} (|a - b| / max(|b|, {COEF_FLOOR:g}))")
    print(f"max rel std-error diff vs statsmodels {se_rel_diff:.2e}; rel deviance diff {deviance_rel_diff:.2e}")

    ratio = autorisk_s / glum_s
    speedup = statsmodels_s / autorisk_s
    print(f"autorisk / glum = {ratio:.2f} (target <= 1.5); statsmodels / autorisk = {speedup:.1f}x (target >= 5)")
    print(f"peak RSS: {rss_data:.0f} MiB after data, {rss_autorisk:.0f} after autorisk, {rss_glum:.0f} after glum, "
          f"{rss_statsmodels:.0f} after statsmodels (MiB, ru_maxrss)")
    summary = {
        "n_rows": len(X),
        "n_claims": int(y.sum()),
        "n_factors": len(FACTORS),
        "n_params": n_params,
        "autorisk_s": round(autorisk_s, 4),
        "glum_s": round(glum_s, 4),
        "statsmodels_s": round(statsmodels_s, 4),
        "autorisk_runs_s": [round(t, 4) for t in autorisk_runs],
        "glum_runs_s": [round(t, 4) for t in glum_runs],
        "timing": f"best of {args.repeats} for autorisk and glum (warm-up excluded); statsmodels fit once",
        "ratio_vs_glum": round(ratio, 4),
        "speedup_vs_statsmodels": round(speedup, 3),
        "max_rel_coef_diff_vs_statsmodels": rel_diff,
        "max_rel_coef_diff_glum_vs_statsmodels": rel_diff_glum,
        "max_rel_se_diff_vs_statsmodels": se_rel_diff,
        "rel_deviance_diff_vs_statsmodels": deviance_rel_diff,
        "peak_rss_mb": round(rss_statsmodels, 1),
        "peak_rss_mb_after_data": round(rss_data, 1),
        "peak_rss_mb_after_autorisk": round(rss_autorisk, 1),
        "peak_rss_mb_after_glum": round(rss_glum, 1),
    }
    print(json.dumps(summary))
    return summary


def _fmt(times: list[float]) -> str:
    return "[" + ", ".join(f"{t:.2f}" for t in times) + "] s"


if __name__ == "__main__":
    main()
