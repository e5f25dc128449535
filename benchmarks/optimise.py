"""Benchmark the renewal optimiser: 1,000,000 synthetic renewals, a log-linear retention model, 101 prices each.

The book is generated here with numpy (seeded): region and age band, last
year's premium, a technical premium, a market-price proxy and the expected
claims cost. The demand truth is
``logit P = alpha[region] + alpha[age] + beta[region] log(p / last) + gamma log(p / market)``;
a price test on 100,000 of the renewals (offers at -5%, 0, +5% of last year's
premium, outcomes drawn from the truth) fits the demand model the optimiser
uses, an :class:`autorisk.demand.RetentionGLM` with both price terms and a
slope per region (fit time reported, not in ``optimise_s``). Its logit is
linear in log price, so it offers ``log_linear_price_response``, the
optimiser's fast path. ``--reference`` optimises with the truth itself.

The problem: maximise expected profit with overall retention at least
``--target`` (binding: the unconstrained optimum retains less), prices
within +20% / -15% of last year's premium, at most the new-business price
(5% above the technical premium), rounded to cents.

``speedup_vs_scipy``: on a 2,000-policy sample, each policy's Lagrangian
sub-problem at the final multiplier is solved by
``scipy.optimize.minimize_scalar(method="bounded")`` in a loop; its time,
scaled to the book, is divided by the whole optimisation's time (which
includes every multiplier evaluation, the rounding and the output tables),
so the ratio understates the speedup of a like-for-like per-policy solver.

Usage::

    python benchmarks/optimise.py                    # 1,000,000 policies
    python benchmarks/optimise.py --policies 200000

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from autorisk.demand import RetentionGLM
from autorisk.optimise import MinRetention, optimise_offers
from autorisk.renewal import RenewalRules

TARGETS = {"policies_per_s": 200_000, "duality_gap": 1e-3, "peak_rss_mb": 2_000.0}
REGIONS = np.array(["north", "south", "east", "west", "city"])
ALPHA_REGION = np.array([2.1, 1.7, 2.3, 1.9, 1.5])
BETA_REGION = np.array([-3.0, -4.5, -2.0, -3.5, -6.0])
AGES = np.array(["18-25", "26-40", "41-60", "61+"])
ALPHA_AGE = np.array([-0.4, 0.0, 0.3, 0.5])
GAMMA = -1.5


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_book(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region, age = rng.integers(0, len(REGIONS), n), rng.integers(0, len(AGES), n)
    last = np.round(rng.lognormal(np.log(550.0), 0.4, n), 2)
    technical = np.round(last * rng.lognormal(0.02, 0.12, n), 2)
    return pd.DataFrame({
        "policy_id": np.arange(n),
        "region": pd.Categorical.from_codes(region, REGIONS), "age_band": pd.Categorical.from_codes(age, AGES),
        "prem_last": last, "prem_tech": technical, "prem_nb": np.round(technical * 1.05, 2),
        "prem_market": np.round(technical * rng.lognormal(0.0, 0.08, n), 2),
        "cost": technical * rng.uniform(0.62, 0.78, n),
    })  # fmt: skip


class ReferenceRetention:
    """The demand-model protocol for the logit above (known coefficients)."""

    price_columns_ = {"offered": "prem_offered", "last": "prem_last", "market": "prem_market"}
    feature_names_in_ = ["region", "age_band"]

    def reads_columns(self) -> set[str]:
        return {*self.feature_names_in_, *self.price_columns_.values()}

    def log_linear_price_response(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        r, g = X["region"].cat.codes.to_numpy(), X["age_band"].cat.codes.to_numpy()
        beta = BETA_REGION[r]
        a = ALPHA_REGION[r] + ALPHA_AGE[g] - beta * np.log(X["prem_last"].to_numpy()) \
            - GAMMA * np.log(X["prem_market"].to_numpy())  # fmt: skip
        return a, beta + GAMMA

    def predict_retention(self, X: pd.DataFrame, price: np.ndarray | None = None) -> np.ndarray:
        a, b = self.log_linear_price_response(X)
        price = X[self.price_columns_["offered"]].to_numpy() if price is None else np.asarray(price)
        if price.ndim == 2:
            a, b = a[:, None], b[:, None]
        return 1.0 / (1.0 + np.exp(-(a + b * np.log(price))))


def fit_demand(truth: ReferenceRetention, seed: int, n: int = 100_000) -> RetentionGLM:
    """A retention GLM fitted on a randomised price test drawn from the truth."""
    rng = np.random.default_rng(seed + 2)
    test = make_book(n, seed + 3)
    test["prem_offered"] = np.round(test["prem_last"] * (1 + rng.choice([-0.05, 0.0, 0.05], n)), 2)
    test["renewed"] = rng.random(n) < truth.predict_retention(test)
    model = RetentionGLM(["region", "age_band"], offered="prem_offered", last="prem_last", market="prem_market",
                         price_terms=["change", "competitiveness"], price_interactions=["region"])
    return model.fit(test, test["renewed"].astype(float))


def scipy_inner(result, index: np.ndarray) -> tuple[float, np.ndarray]:
    """Each sampled policy's sub-problem at the final multiplier by minimize_scalar: seconds, values."""
    problem = result._problem
    lam = np.array(list(result.multipliers.values()))
    A, B, C = problem.coefficients(lam)
    a, b = problem.demand.a, problem.demand.b
    values = np.empty(index.size)
    start = time.perf_counter()
    for j, i in enumerate(index):
        def negative(p, i=i):
            P = 1.0 / (1.0 + np.exp(-(a[i] + b[i] * np.log(p))))
            return -(P * (A[i] + B[i] * p) + C[i] * p)

        if problem.hi[i] > problem.lo[i]:
            values[j] = -minimize_scalar(negative, bounds=(problem.lo[i], problem.hi[i]), method="bounded",
                                         options={"xatol": 1e-8}).fun  # fmt: skip
        else:
            values[j] = -negative(problem.lo[i])
    return time.perf_counter() - start, values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=1_000_000)
    parser.add_argument("--target", type=float, default=0.90, help="minimum expected retention")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--reference", action="store_true", help="optimise with the known truth instead of a fitted GLM")
    args = parser.parse_args()

    book = make_book(args.policies, args.seed)
    truth = ReferenceRetention()
    fit_s = 0.0
    if args.reference:
        model, demand_note = truth, "the reference log-linear truth (--reference)"
    else:
        start = time.perf_counter()
        model = fit_demand(truth, args.seed)
        fit_s = time.perf_counter() - start
        demand_note = "autorisk.demand.RetentionGLM fitted on a 100,000-renewal price test drawn from the truth"
    rules = RenewalRules(max_increase=0.20, max_decrease=0.15, new_business_rule=True, rounding=0.01)
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    result = optimise_offers(book, model, expected_cost="cost", current="prem_last", technical="prem_tech",
                             new_business="prem_nb", rules=rules, constraints=[MinRetention(args.target)],
                             grid=101)  # fmt: skip
    optimise_s = time.perf_counter() - start
    offers = result.offers
    print(result.comparison.to_string())
    print(result.constraints.to_string())

    rng = np.random.default_rng(args.seed + 1)
    index = np.sort(rng.choice(len(book), size=min(2_000, len(book)), replace=False))
    scipy_s, scipy_values = scipy_inner(result, index)
    problem = result._problem
    A, B, C = problem.coefficients(np.array(list(result.multipliers.values())))
    inner = problem.solver.solve(A, B, C)
    ours = inner.P[index] * (A[index] + B[index] * inner.p[index]) + C[index] * inner.p[index]
    scipy_scaled_s = scipy_s * len(book) / index.size

    report = {
        "benchmark": "optimise",
        "n_policies": len(book),
        "grid": 101,
        "constraint": f"min_retention >= {args.target}",
        "constraint_binding": bool(result.constraints["binding"].all()),
        "retention": float(offers["retention"].mean()),
        "multiplier": result.multipliers["min_retention"],
        "evaluations": result.evaluations,
        "optimise_s": round(optimise_s, 3),
        "policies_per_s": round(len(book) / optimise_s),
        "duality_gap": result.duality_gap,
        "expected_profit": float(offers["expected_profit"].sum()),
        "profit_vs_capped_technical": float(result.comparison.loc["optimised", "profit"]
                                            / result.comparison.loc["capped_technical", "profit"] - 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_before_optimise_mb": round(rss_before, 1),
        "scipy_sample": int(index.size),
        "scipy_s_scaled": round(scipy_scaled_s, 2),
        "speedup_vs_scipy": round(scipy_scaled_s / optimise_s, 1),
        "max_gain_of_scipy_over_ours": float(np.max((scipy_values - ours) / np.abs(ours))),
        "demand_model": demand_note,
        "demand_fit_s": round(fit_s, 3),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "targets": TARGETS,
    }
    report["meets_targets"] = bool(report["policies_per_s"] >= TARGETS["policies_per_s"]
                                   and report["duality_gap"] <= TARGETS["duality_gap"]
                                   and report["peak_rss_mb"] <= TARGETS["peak_rss_mb"])  # fmt: skip
    print(json.dumps(report))


if __name__ == "__main__":
    main()
