"""OptimisedRenewalJob on Dask (two worker processes): the same offers as the local engine."""

from __future__ import annotations

import cloudpickle
import numpy as np
import pandas as pd

from autorisk.batch import rerate
from autorisk.batch.engines import local_cluster
from autorisk.optimise import MinRetention, OptimisedRenewalJob
from autorisk.renewal import RenewalRules

from . import reference_demand
from .reference_demand import reference_model, renewal_book


def test_dask_output_equals_local_output(tmp_path):
    cloudpickle.register_pickle_by_value(reference_demand)  # the workers do not import the tests
    try:
        book = renewal_book(6_000, seed=31)
        for i in range(3):
            book.iloc[i * 2_000:(i + 1) * 2_000].to_parquet(tmp_path / f"in-{i}.parquet")
        job = OptimisedRenewalJob.from_book(book, reference_model(), expected_cost="cost", technical="prem_pure",
                                            rules=RenewalRules(max_increase=0.2, max_decrease=0.15),
                                            constraints=[MinRetention(0.9)], sample=3_000, seed=1)  # fmt: skip
        local = rerate(str(tmp_path / "in-*.parquet"), tmp_path / "local", job, chunk_rows=900, progress=False)
        with local_cluster(2) as cluster:
            dask = rerate(str(tmp_path / "in-*.parquet"), tmp_path / "dask", job, engine="dask",
                          scheduler=cluster.scheduler_address, chunk_rows=1_300, progress=False)  # fmt: skip
        a, b = local.read(), dask.read()
        pd.testing.assert_frame_equal(a, b)
        assert np.all(a["policy_id"].to_numpy() == np.arange(6_000))
    finally:
        cloudpickle.unregister_pickle_by_value(reference_demand)
