"""Engines: where the units run. ``local`` streams them one by one in this process; ``dask`` runs
one task per unit on a Dask cluster, each task reading its unit and writing its part itself.

Both call :func:`~autorisk.batch.parts.process_unit`, so they write the same
bytes. The Dask engine sends only the job (once per worker) and the unit's
description to the workers, and gets back the part's name, rows and bytes:
no portfolio data passes through the scheduler, except a DataFrame input's
slices, scattered straight to the workers a few at a time. Workers must see
the input and output paths (a local cluster, or a shared file system).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from autorisk.batch.jobs import Job
from autorisk.batch.parts import process_unit
from autorisk.batch.sources import Source, Unit
from autorisk.errors import ParameterError

__all__ = ["ENGINES", "local_cluster"]

ENGINES = ("local", "dask")
#: Tasks in flight per worker thread: enough to keep workers busy, few enough to bound memory.
TASKS_PER_THREAD = 2

Done = Callable[[Unit, dict[str, Any]], None]


def run_local(
    job: Job,
    source: Source,
    units: Sequence[Unit],
    output: Path,
    chunk_rows: int,
    on_done: Done,
    on_rows: Callable[[int], None] | None = None,
) -> None:
    """Process ``units`` in order in this process, calling ``on_done`` after each part is in place."""
    for unit in units:
        info = process_unit(job, unit, output, source.columns, chunk_rows, source.frame, on_rows=on_rows)
        on_done(unit, info)


def run_dask(
    job: Job,
    source: Source,
    units: Sequence[Unit],
    output: Path,
    chunk_rows: int,
    on_done: Done,
    scheduler: Any = None,
    n_workers: int = 2,
) -> None:
    """Process ``units`` as Dask tasks on ``scheduler`` (an address or a Client), or on a local cluster.

    The first failing task cancels the others and its error is raised here
    (naming its unit). Parts finished before it stay written and recorded.
    """
    from distributed import as_completed

    with _client(scheduler, n_workers) as client:
        shared_job = client.scatter(job, broadcast=True, hash=False)
        window = max(4, TASKS_PER_THREAD * sum(client.nthreads().values()))
        token = uuid.uuid4().hex[:8]
        pending = iter(units)
        running: dict[str, tuple[Unit, Any]] = {}
        finished = as_completed(loop=client.loop)

        def submit(unit: Unit) -> None:
            frame = None
            if unit.path is None and source.frame is not None:
                frame = client.scatter(_frame_slice(source, unit), hash=False)
            future = client.submit(process_unit, shared_job, unit, str(output), source.columns, chunk_rows, frame,
                                   False, key=f"rerate-{unit.part}-{token}", pure=False)  # fmt: skip
            running[future.key] = (unit, future)
            finished.add(future)

        for unit in _take(pending, window):
            submit(unit)
        for future in finished:
            unit, _ = running.pop(future.key)
            if future.status != "finished":
                client.cancel([other for _, other in running.values()])
                future.result()  # raises the task's error (it names its unit), with the worker's traceback
            on_done(unit, future.result())
            future.release()
            for following in _take(pending, 1):
                submit(following)


@contextlib.contextmanager
def _client(scheduler: Any, n_workers: int) -> Iterator[Any]:
    from distributed import Client

    if isinstance(scheduler, Client):
        yield scheduler
        return
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(local_cluster(n_workers))
            client = stack.enter_context(Client(cluster, set_as_default=False))
        else:
            try:
                client = stack.enter_context(Client(scheduler, set_as_default=False))
            except OSError as error:  # includes TimeoutError
                raise ParameterError(f"scheduler {scheduler!r}: cannot connect ({error})") from None
        yield client


def local_cluster(n_workers: int) -> Any:
    """A local Dask cluster of ``n_workers`` one-thread worker processes, tuned for re-rating.

    Dask's workers set ``MALLOC_TRIM_THRESHOLD_`` to hand freed memory back to
    the system at once; re-rating allocates and frees the same chunk-sized
    arrays over and over, and that setting makes it about 40% slower, so
    these workers do without it (their memory is bounded by the chunk size).
    Start one yourself to share it between several :func:`~autorisk.batch.rerate`
    calls (pass a ``distributed.Client`` on it as ``scheduler``).

    Parameters
    ----------
    n_workers : int
        Worker processes, each with one thread.

    Returns
    -------
    distributed.LocalCluster
        Running; close it (or use it as a context manager) when done.

    Examples
    --------
    >>> from distributed import Client
    >>> with local_cluster(1) as cluster, Client(cluster) as client:
    ...     list(client.nthreads().values())
    [1]
    """
    import dask
    from distributed import LocalCluster

    # dashboard_address ":0": any free port for the scheduler's HTTP server, so two clusters never clash.
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                            silence_logs=logging.CRITICAL)  # fmt: skip


def _take(iterator: Iterator[Unit], n: int) -> list[Unit]:
    out = []
    for unit in iterator:
        out.append(unit)
        if len(out) == n:
            break
    return out


def _frame_slice(source: Source, unit: Unit) -> Any:
    frame = source.frame.iloc[unit.start : unit.stop]
    return frame if source.columns is None else frame[list(source.columns)]
