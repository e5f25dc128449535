"""One unit of work: read it, apply the job chunk by chunk, write its part atomically.

The same function runs in the local engine and in a Dask task, so both write
the same bytes. A part is written under a hidden temporary name (ignored by
parquet readers) and renamed into place only when complete: a run killed at
any moment leaves whole parts or none, never half of one.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from autorisk.batch.jobs import Job
from autorisk.batch.sources import Unit, read_chunks
from autorisk.errors import AutoriskError, DataError

__all__ = ["ORIGIN_KEY", "JobError", "process_unit"]

#: Footer metadata key of a part's origin: the fingerprint of the job that wrote it and its unit.
ORIGIN_KEY = b"autorisk.batch.origin"
#: Prefix of a part being written (parquet readers skip names starting with "." or "_").
TEMP_PREFIX = ".tmp-"


class JobError(AutoriskError, RuntimeError):
    """A job failed on a unit with an exception that is not an autorisk error; the message names the unit.

    The job's own exception is kept as ``__cause__``.

    Examples
    --------
    >>> import tempfile
    >>> from autorisk.batch import rerate
    >>> class Broken:
    ...     def __call__(self, chunk):
    ...         return chunk.assign(rate=chunk["no_such_column"])
    ...     def fingerprint(self):
    ...         return "broken-1"
    >>> rerate(pd.DataFrame({"x": [1, 2, 3]}), tempfile.mkdtemp(), Broken(), chunk_rows=2, progress=False)
    Traceback (most recent call last):
    ...
    autorisk.batch.parts.JobError: unit 0 (DataFrame, rows 0-1): KeyError: 'no_such_column'
    """


def process_unit(
    job: Job,
    unit: Unit,
    output: str | os.PathLike[str],
    columns: Sequence[str] | None,
    chunk_rows: int,
    frame: pd.DataFrame | None = None,
    use_threads: bool = True,
    on_rows: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Rate one unit and write ``output/<unit.part>``; return its name, output rows and bytes.

    This is the whole work of one unit, as both engines run it; a custom
    engine can call it on the units of :func:`~autorisk.batch.sources.plan_source`.
    The part is written under a temporary name and renamed when complete. Its
    footer records which job wrote it and from which rows, so a restart can
    recognise a whole part of its own run even if the manifest had not yet
    listed it. Errors of the job are re-raised naming the unit: an autorisk
    error keeps its class and its issues (rows are labelled by their row
    number in the input file), any other becomes a :class:`JobError`.

    Parameters
    ----------
    job : Job
        Applied to each chunk; must return a DataFrame.
    unit : Unit
        The rows to rate (a slice of a file or of ``frame``).
    output : path
        Existing directory the part is written to.
    columns : sequence of str or None
        Input columns read (None: all).
    chunk_rows : int
        Most rows passed to ``job`` at once.
    frame : DataFrame, optional
        The DataFrame a frame unit (``unit.path is None``) slices, or that slice.
    use_threads : bool, default True
        Let pyarrow read and convert with several threads.
    on_rows : callable, optional
        Called with the number of input rows after each chunk (progress bars).

    Returns
    -------
    dict
        ``{"part": file name, "rows": output rows, "bytes": file size}``.

    Raises
    ------
    DataError, QuoteError, ...
        An autorisk error of the job, its message prefixed with the unit.
    JobError
        Any other error of the job, or output whose schema changes between chunks.

    Examples
    --------
    >>> import tempfile
    >>> from autorisk.batch import QuoteJob
    >>> from autorisk.rating import Coverage, RatingPlan
    >>> job = QuoteJob.from_plan(RatingPlan("flat", "1", (Coverage("tpl", 500.0),)))
    >>> frame = pd.DataFrame({"policy_id": [1, 2, 3]})
    >>> process_unit(job, Unit(0, None, 0, 3), tempfile.mkdtemp(), job.columns, 10, frame)["rows"]
    3
    """
    final = Path(output) / unit.part
    temp = final.with_name(f"{TEMP_PREFIX}{unit.part}.{uuid.uuid4().hex}")
    writer: pq.ParquetWriter | None = None
    rows = 0
    origin = json.dumps({"job": job.fingerprint(), "unit": unit.to_dict()}, sort_keys=True).encode()
    try:
        for chunk in _chunks(unit, columns, chunk_rows, frame, use_threads):
            result = _apply(job, chunk, unit)
            table = pa.Table.from_pandas(result, preserve_index=False, nthreads=None if use_threads else 1)
            if writer is None:
                writer = pq.ParquetWriter(temp, table.schema.with_metadata({**(table.schema.metadata or {}),
                                                                            ORIGIN_KEY: origin}))  # fmt: skip
            elif not table.schema.equals(writer.schema):
                table = _conform(table, writer.schema, unit)
            writer.write_table(table)
            rows += table.num_rows
            if on_rows is not None:
                on_rows(len(chunk))
        if writer is None:  # a unit always has rows; kept for a job that returns nothing
            raise JobError(f"{unit.label}: no chunk was read")
        writer.close()
        writer = None
        os.replace(temp, final)
    finally:
        if writer is not None:
            writer.close()
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return {"part": unit.part, "rows": rows, "bytes": final.stat().st_size}


def part_rows(path: Path) -> int | None:
    """Rows recorded in a part's footer, or None if it is missing or not a whole parquet file."""
    try:
        return pq.read_metadata(path).num_rows
    except (OSError, ValueError):
        return None


def part_origin(path: Path) -> tuple[dict[str, Any], int] | None:
    """The job fingerprint and unit a part's footer records, and its rows; None if unreadable or foreign."""
    try:
        metadata = pq.read_metadata(path)
        origin = json.loads((metadata.metadata or {})[ORIGIN_KEY])
    except (OSError, ValueError, KeyError):
        return None
    return (origin, metadata.num_rows) if isinstance(origin, dict) else None


def _chunks(unit: Unit, columns: Sequence[str] | None, chunk_rows: int, frame: pd.DataFrame | None,
            use_threads: bool):  # fmt: skip
    reader = read_chunks(unit, columns, chunk_rows, frame, use_threads)
    while True:
        try:
            chunk = next(reader)
        except StopIteration:
            return
        except AutoriskError:
            raise
        except (OSError, ValueError) as error:  # pyarrow's errors derive from these
            raise DataError(f"{unit.label}: cannot read: {error}") from error
        yield chunk


def _conform(table: pa.Table, schema: pa.Schema, unit: Unit) -> pa.Table:
    """A later chunk's table cast to the part's schema (e.g. a categorical with wider codes)."""
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as error:
        raise JobError(f"{unit.label}: the job's output changed schema between chunks ({error})") from error


def _apply(job: Job, chunk: pd.DataFrame, unit: Unit) -> pd.DataFrame:
    try:
        result = job(chunk)
    except DataError as error:
        if error.issues:
            where = unit.label if error.table is None else f"{unit.label}, {error.table}"
            raise type(error)(error.issues, table=where) from error
        raise type(error)(f"{unit.label}: {error}") from error
    except AutoriskError as error:
        try:
            relabelled = type(error)(f"{unit.label}: {error}")
        except TypeError:
            relabelled = JobError(f"{unit.label}: {type(error).__name__}: {error}")
        raise relabelled from error
    except Exception as error:
        raise JobError(f"{unit.label}: {type(error).__name__}: {error}") from error
    if not isinstance(result, pd.DataFrame):
        raise JobError(f"{unit.label}: the job returned {type(result).__name__}, expected a DataFrame")
    return result
