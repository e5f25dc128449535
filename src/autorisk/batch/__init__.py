"""Batch re-rating: apply a rating plan (or any row-wise job) to a whole portfolio, resumably.

* :func:`rerate` reads a portfolio (a DataFrame, or parquet files: one, a
  directory, a glob) in units of at most ``chunk_rows`` rows, applies a job
  to each and writes ``part-NNNNN.parquet`` files beside a ``_run.json``
  manifest (job and input fingerprints, units, parts, times). Memory is
  bounded by the chunk size; a killed run restarted with the same job and
  input finishes with exactly the output of an uninterrupted one.
* ``engine="dask"`` runs one task per unit on a Dask cluster (an address, or a
  local cluster); the output is byte-identical to the local engine's.
* :class:`QuoteJob` quotes with a :class:`~autorisk.rating.RatingPlan`;
  :class:`Job` is the protocol other jobs (e.g. renewal) follow.
* On the command line: ``autorisk rerate --plan plan.json --input
  'inforce/*.parquet' --output offers/``.

Files written in the output directory::

    part-00000.parquet ...   one per unit, in input order (rows of unit i in part i)
    _run.json                the manifest (autorisk.batch_run/1)
    _SUCCESS                 summary JSON, present only when the run is complete
"""

from autorisk.batch.jobs import Job, QuoteJob
from autorisk.batch.manifest import FORMAT, MANIFEST, SUCCESS, ResumeError
from autorisk.batch.parts import JobError
from autorisk.batch.run import RunResult, rerate
from autorisk.batch.sources import Unit

__all__ = [
    "FORMAT",
    "MANIFEST",
    "SUCCESS",
    "Job",
    "JobError",
    "QuoteJob",
    "ResumeError",
    "RunResult",
    "Unit",
    "rerate",
]
