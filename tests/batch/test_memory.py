"""Bounded memory: re-rating a book many chunks long does not hold it in memory (peak RSS stays flat)."""

from __future__ import annotations

import gc

import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from autorisk.batch import QuoteJob, rerate

from .batch_helpers import china_book

CHUNK = 20_000
FILES = 40  # 800,000 policies


class MeasuredJob(QuoteJob):
    """The quote job, noting this process's resident memory after every chunk."""

    samples: list[int] = []

    def __call__(self, chunk):
        result = super().__call__(chunk)
        MeasuredJob.samples.append(psutil.Process().memory_info().rss)
        return result


def test_memory_does_not_grow_with_the_book(plan, tmp_path):
    base = pa.Table.from_pandas(china_book(CHUNK, seed=21), preserve_index=False)
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(FILES):  # the same policies again and again, under new ids
        ids = pc.add(base["policy_id"], i * 1_000_000)
        pq.write_table(base.set_column(0, "policy_id", ids), folder / f"inforce-{i:03d}.parquet")
    del base
    gc.collect()
    MeasuredJob.samples = []
    # breakdown=True: wide output chunks (every factor's relativity)
    result = rerate(folder, tmp_path / "out", MeasuredJob.from_plan(plan, breakdown=True), chunk_rows=CHUNK,
                    progress=False)  # fmt: skip
    assert result.rows == CHUNK * FILES and len(MeasuredJob.samples) == FILES
    warm = max(MeasuredJob.samples[:5])  # after a few chunks: allocator pools and caches filled
    growth = max(MeasuredJob.samples[5:]) - warm
    # a job that kept its outputs grows by ~120 MB here; streaming stays within allocator noise
    assert growth < 60e6, f"resident memory grew by {growth / 1e6:.0f} MB over {FILES} chunks"
