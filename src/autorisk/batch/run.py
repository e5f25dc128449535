""":func:`rerate`: apply a job to a whole portfolio, unit by unit, resumably, locally or on Dask."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from autorisk.batch.engines import ENGINES, run_dask, run_local
from autorisk.batch.jobs import Job
from autorisk.batch.manifest import Manifest, ResumeError, clear_output, prepare_output, stale_parts
from autorisk.batch.sources import PathLike, Unit, plan_source
from autorisk.errors import ParameterError

__all__ = ["RunResult", "rerate"]


@dataclass(frozen=True, repr=False)
class RunResult:
    """What :func:`rerate` did.

    Attributes
    ----------
    output : Path
        The output directory.
    parts : tuple of Path
        Every part of the output, in input order (unit ``i`` is ``parts[i]``).
    rows : int
        Rows in the output (all parts, including those of an earlier attempt).
    input_rows : int
        Rows in the input.
    written, skipped : int
        Parts written by this call, and parts already done by an earlier
        attempt and kept.
    rerated_rows : int
        Input rows rated by this call (those of the parts it wrote).
    seconds : float
        Wall time of this call.
    engine : str
    plan_id : str or None
        The job's plan id, if it has one.
    job_fingerprint, input_fingerprint : str

    Examples
    --------
    >>> import tempfile
    >>> from autorisk.batch import QuoteJob
    >>> from autorisk.rating import Coverage, RatingPlan
    >>> job, output = QuoteJob.from_plan(RatingPlan("flat", "1", (Coverage("tpl", 500.0),))), tempfile.mkdtemp()
    >>> book = pd.DataFrame({"policy_id": range(5)})
    >>> first = rerate(book, output, job, chunk_rows=2, progress=False)
    >>> first.written, first.skipped, first.rows, len(first.read())
    (3, 0, 5, 5)
    >>> again = rerate(book, output, job, chunk_rows=2, progress=False)  # a finished run is kept, not redone
    >>> again.written, again.skipped, again.rerated_rows
    (0, 3, 0)
    """

    output: Path
    parts: tuple[Path, ...]
    rows: int
    input_rows: int
    written: int
    skipped: int
    rerated_rows: int
    seconds: float
    engine: str
    plan_id: str | None
    job_fingerprint: str
    input_fingerprint: str

    @property
    def rows_per_second(self) -> float:
        """Input rows rated per second by this call."""
        return self.rerated_rows / self.seconds if self.seconds > 0 else float("nan")

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The whole output as one DataFrame, parts in order (for books that fit in memory)."""
        names = None if columns is None else list(columns)
        tables = [pq.read_table(p, columns=names) for p in self.parts]
        if not tables:
            return pd.DataFrame(columns=names)
        return pa.concat_tables(tables, promote_options="permissive").to_pandas()

    def summary(self) -> str:
        """One line: rows, parts, time, plan."""
        plan = f", plan {self.plan_id[:12]}" if self.plan_id else ""
        resumed = f" ({self.skipped} kept from an earlier attempt)" if self.skipped else ""
        return (f"re-rated {self.input_rows:,} rows into {len(self.parts)} parts{resumed} in {self.seconds:.2f} s "
                f"({self.engine}{plan}) -> {self.output}")  # fmt: skip

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<RunResult: {self.summary()}>"


def rerate(
    source: pd.DataFrame | PathLike | Sequence[PathLike],
    output: PathLike,
    job: Job,
    *,
    engine: Literal["local", "dask"] = "local",
    scheduler: Any = None,
    n_workers: int = 2,
    chunk_rows: int = 500_000,
    resume: bool = True,
    progress: bool = True,
    columns: Sequence[str] | None = None,
) -> RunResult:
    """Apply ``job`` to a portfolio in chunks, writing ``output/part-NNNNN.parquet`` and ``output/_run.json``.

    Memory is bounded by ``chunk_rows``, not by the portfolio: each unit is
    read, rated and written before the next. A run killed at any point and
    restarted with the same job and input finishes with exactly the output of
    an uninterrupted run: parts are written atomically and a part already
    written (listed in the manifest, same size and row count) is kept.

    Parameters
    ----------
    source : DataFrame, path, glob or sequence of paths
        A DataFrame, a parquet file, a directory of parquet files (searched
        recursively; names starting with ``_`` or ``.`` skipped), a glob
        (``"inforce/*.parquet"``) or a list of files. Files are taken in
        sorted order of their absolute paths.
    output : path
        Output directory, created if needed. Only ``part-*.parquet``,
        ``_run.json``, ``_SUCCESS`` and hidden temporary files are written or
        removed there.
    job : Job
        Applied to each chunk, e.g. :class:`~autorisk.batch.QuoteJob`. It must
        be picklable, deterministic and row-wise.
    engine : {"local", "dask"}, default "local"
        ``"local"`` streams in this process; ``"dask"`` runs one task per
        unit on a Dask cluster. Both write the same bytes.
    scheduler : str or distributed.Client, optional
        The Dask scheduler's address (or a connected Client). Without it,
        ``engine="dask"`` starts a local cluster of ``n_workers`` one-thread
        worker processes and closes it at the end.
    n_workers : int, default 2
        Workers of that local cluster.
    chunk_rows : int, default 500,000
        Most rows rated at once, and most rows in a unit (a parquet row group
        longer than this is one unit, still rated ``chunk_rows`` at a time).
        Changing it changes the units: a run cannot resume with another.
    resume : bool, default True
        Continue an earlier run found in ``output``. ``False`` discards it
        (its parts and manifest) and starts afresh.
    progress : bool, default True
        Show a progress bar (tqdm, on stderr).
    columns : sequence of str, optional
        Input columns to read; by default the job's ``columns`` attribute if
        it has one (a :class:`QuoteJob` reads its kept columns and the
        plan's), else all.

    Returns
    -------
    RunResult

    Raises
    ------
    ParameterError
        An invalid option, an input that matches no file, or an output that
        cannot be written.
    SchemaError
        An input file lacks a column the job reads.
    ResumeError
        ``output`` holds a run of another job, other input or another cut
        (or parts without a manifest), and ``resume`` is True.
    DataError, QuoteError, JobError
        The job failed on a unit; the message names the unit (file and rows).

    Examples
    --------
    >>> import tempfile
    >>> from autorisk.batch import QuoteJob
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> book = pd.DataFrame({"policy_id": [1, 2, 3], "region": ["south", "north", "south"]})
    >>> result = rerate(book, tempfile.mkdtemp(), QuoteJob.from_plan(plan), chunk_rows=2, progress=False)
    >>> [p.name for p in result.parts], result.rows
    (['part-00000.parquet', 'part-00001.parquet'], 3)
    >>> result.read()["premium_total"].tolist()
    [600.0, 500.0, 600.0]
    """
    started = time.perf_counter()
    _check_options(job, engine, scheduler, n_workers, chunk_rows)
    out = Path(output).resolve()
    read_columns = columns if columns is not None else getattr(job, "columns", None)
    source_plan = plan_source(source, chunk_rows, read_columns, exclude=out)
    prepare_output(out)
    job_info = {**_describe(job), "fingerprint": job.fingerprint()}
    manifest = Manifest.new(out, job_info, source_plan, chunk_rows)
    if resume:
        earlier = Manifest.read(out)
        if earlier is None and stale_parts(out):
            raise ResumeError(f"output {out} holds parts ({', '.join(stale_parts(out)[:3])}, ...) but no run "
                              "manifest", out, replace="replace them")  # fmt: skip
        if earlier is not None:
            earlier.check_continues(manifest)
            earlier.data["job"], earlier.data["input"] = manifest.data["job"], manifest.data["input"]
            manifest = earlier
    clear_output(out, everything=not resume)
    done = manifest.verified_parts() if resume else set()
    todo = [u for u in source_plan.units if u.part not in done]
    manifest.begin(engine, skipped=len(source_plan.units) - len(todo))

    bar = tqdm(total=source_plan.rows, initial=source_plan.rows - sum(u.rows for u in todo), unit="rows",
               unit_scale=True, desc="rerate", file=sys.stderr, disable=not progress, dynamic_ncols=True)  # fmt: skip

    def on_done(unit: Unit, info: dict[str, Any]) -> None:
        manifest.record(info["part"], info["rows"], info["bytes"])
        if engine == "dask":
            bar.update(unit.rows)

    try:
        if engine == "local":
            run_local(job, source_plan, todo, out, chunk_rows, on_done, on_rows=bar.update)
        else:
            run_dask(job, source_plan, todo, out, chunk_rows, on_done, scheduler, n_workers)
    except BaseException as error:
        manifest.fail(error)
        raise
    finally:
        bar.close()
    summary = manifest.complete()
    return RunResult(
        output=out,
        parts=tuple(out / p for p in summary["parts"]),
        rows=summary["rows"],
        input_rows=source_plan.rows,
        written=len(todo),
        skipped=len(source_plan.units) - len(todo),
        rerated_rows=sum(u.rows for u in todo),
        seconds=time.perf_counter() - started,
        engine=engine,
        plan_id=job_info.get("plan_id"),
        job_fingerprint=job_info["fingerprint"],
        input_fingerprint=source_plan.fingerprint,
    )


def _check_options(job: Any, engine: str, scheduler: Any, n_workers: int, chunk_rows: int) -> None:
    if not (callable(job) and callable(getattr(job, "fingerprint", None))):
        raise ParameterError(f"job must be callable on a DataFrame and have a fingerprint() method, got {job!r}")
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    if scheduler is not None and engine != "dask":
        raise ParameterError(f"scheduler {scheduler!r} is only used with engine='dask'")
    for name, value in (("chunk_rows", chunk_rows), ("n_workers", n_workers)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(f"{name} must be a positive integer, got {value!r}")


def _describe(job: Any) -> dict[str, Any]:
    if callable(getattr(job, "describe", None)):
        return dict(job.describe())
    return {"type": f"{type(job).__module__}.{type(job).__qualname__}", "plan_id": getattr(job, "plan_id", None)}

