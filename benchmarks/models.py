"""Benchmark the frequency models on real books: homogeneous vs GLM vs GBM, held-out deviance and Gini.

For each of ``norauto``, ``swmotorcycle`` and ``ausprivauto0405`` (policies
with exposure > 0), a fixed seeded 80/20 split; on the 80%:

* ``homogeneous``: one claim frequency for everybody (total claims / total exposure);
* ``glm``: ``FrequencyGLM`` with the demo's rating structure (for
  swmotorcycle, Ohlsson & Johansson's factors and age bands);
* ``gbm``: ``FrequencyGBM`` on the same raw attributes (ages unbanded,
  ordered categories such as age groups as their rank: they are bands of a
  number), exposure as a log offset, shallow trees (7 leaves), rounds chosen
  by 5-fold cross-validation on the training set, then refitted on all of it.
  These settings were fixed once for all three books, not tuned per book on
  the test set.

On the 20%: the exposure-weighted mean Poisson deviance (total deviance of the
claim counts / total exposure) and the Gini of the exposure-weighted Lorenz
curve, plus the fit times, and a paired bootstrap 95% interval of the
deviance difference GBM - GLM on the test set (500 resamples; an interval
containing 0 means the test set cannot tell the two apart). Everything runs
single-threaded.

Usage::

    python benchmarks/models.py            # about a minute

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from threadpoolctl import threadpool_limits

from _books import load_book, ordered_as_rank, split
from autorisk.evaluate import bootstrap_difference, gini, poisson_deviance
from autorisk.models import FrequencyGBM, FrequencyGLM

#: The GLM rating structure per book (as in ``autorisk.demo``) and the GBM's raw attributes.
BOOKS = {
    "norauto": {
        "glm": {"factors": ["geo_region", "distance_limit", "young", "male"]},
        "gbm": ["geo_region", "distance_limit", "young", "male"],
    },
    "swmotorcycle": {
        "glm": {
            "factors": ["area", "risk_class", "vehicle_age", "owner_age", "bonus_class"],
            "bands": {"vehicle_age": [2, 5], "owner_age": [21, 25, 31, 41, 51, 61]},
        },
        "gbm": ["area", "risk_class", "vehicle_age", "owner_age", "bonus_class", "gender"],
    },
    "ausprivauto0405": {
        "glm": {"factors": ["driver_age_group", "vehicle_age_group", "vehicle_body", "gender"]},
        "gbm": ["driver_age_group", "vehicle_age_group", "vehicle_body", "gender", "vehicle_value"],
    },
}


def run_book(name: str, seed: int) -> dict:
    data = load_book(name)
    train, test = split(data, seed)
    spec = BOOKS[name]
    y_test, e_test = test["claim_count"].to_numpy(), test["exposure"].to_numpy()
    out: dict = {"n_train": len(train), "n_test": len(test), "test_claims": int(y_test.sum())}

    rate = train["claim_count"].sum() / train["exposure"].sum()
    predictions = {"homogeneous": rate * e_test}
    times = {"homogeneous": 0.0}

    start = time.perf_counter()
    glm = FrequencyGLM(**spec["glm"]).fit(train, train["claim_count"], exposure=train["exposure"])
    times["glm"] = time.perf_counter() - start
    predictions["glm"] = glm.predict(test, test["exposure"])

    ranked = ordered_as_rank(data, spec["gbm"])
    train_gbm, test_gbm = train.assign(**ranked), test.assign(**ranked)
    start = time.perf_counter()
    gbm = FrequencyGBM(spec["gbm"], num_leaves=7, early_stopping="cv", random_state=seed)
    gbm.fit(train_gbm, train["claim_count"], exposure=train["exposure"])
    times["gbm"] = time.perf_counter() - start
    predictions["gbm"] = gbm.predict(test_gbm, test["exposure"])
    out["gbm_rounds"] = int(gbm.n_rounds_)

    for model, predicted in predictions.items():
        out[f"{model}_test_deviance"] = round(float(poisson_deviance(y_test, predicted, exposure=e_test)), 6)
        out[f"{model}_gini"] = round(float(gini(y_test, predicted, exposure=e_test)), 4)
        out[f"{model}_fit_s"] = round(times[model], 3)
    out["gbm_no_worse_than_glm"] = out["gbm_test_deviance"] <= out["glm_test_deviance"]
    difference = bootstrap_difference(poisson_deviance, y_test, predictions["gbm"], predictions["glm"], exposure=e_test,
                                      n_boot=500, seed=seed)  # fmt: skip
    out["gbm_minus_glm_deviance_ci95"] = [round(difference.lower, 6), round(difference.upper, 6)]
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--books", nargs="*", default=list(BOOKS))
    args = parser.parse_args(argv)
    results = {}
    with threadpool_limits(1):
        for name in args.books:
            results[name] = run_book(name, args.seed)
            r = results[name]
            print(
                f"{name:16s} test deviance: homogeneous {r['homogeneous_test_deviance']:.5f}, "
                f"GLM {r['glm_test_deviance']:.5f}, GBM {r['gbm_test_deviance']:.5f} ({r['gbm_rounds']} rounds); "
                f"Gini GLM {r['glm_gini']:.3f}, GBM {r['gbm_gini']:.3f}; "
                f"fit GLM {r['glm_fit_s']:.2f} s, GBM {r['gbm_fit_s']:.2f} s; "
                f"GBM - GLM deviance 95% CI {r['gbm_minus_glm_deviance_ci95']}"
            )
    summary = {"seed": args.seed, "split": "seeded 80/20", "metric": "exposure-weighted mean Poisson deviance",
               "cores": os.cpu_count(), "books": results}  # fmt: skip
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
