"""The run manifest, ``_run.json`` beside the parts: what was run on what, and which parts are done.

It records the job (fingerprint, plan id), the input (fingerprint, files,
rows), the cut (``chunk_rows``, the unit list), every part written (its rows
and bytes), and each attempt (engine, start, end, status). It is rewritten
atomically, at most once a second while parts are written and always when a
run ends or fails, so a run killed at any moment leaves a manifest naming
only whole parts (a part written in the last second before a kill is simply
redone, identically). A restart with the same job and input trusts a part
only if the manifest lists it and the file on disk still has the recorded
size and footer row count, or if its footer says this job wrote it from this
unit (:func:`~autorisk.batch.parts.part_origin`); anything else is redone.

When every part is written the status becomes ``"complete"`` and a
``_SUCCESS`` file (a JSON summary: plan id, fingerprints, times, rows,
parts) is written, as Spark and Hadoop tools expect.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import time
import uuid
from pathlib import Path
from typing import Any

from autorisk.batch.parts import TEMP_PREFIX, part_origin, part_rows
from autorisk.batch.sources import Source
from autorisk.errors import AutoriskError, ParameterError

__all__ = ["FORMAT", "MANIFEST", "SUCCESS", "Manifest", "ResumeError"]

FORMAT = "autorisk.batch_run/1"
#: Seconds between saves of the manifest while parts are recorded.
SAVE_INTERVAL = 1.0
MANIFEST = "_run.json"
SUCCESS = "_SUCCESS"


class ResumeError(AutoriskError, ValueError):
    """The output directory holds a run that this one cannot continue (another job, input or cut).

    The message says how to start over in Python (``resume=False``);
    :meth:`cli_message` says it in the command line's words (``--no-resume``,
    or delete the folder), which ``autorisk rerate`` prints.

    Parameters
    ----------
    reason : str
        What the output holds and why this run cannot continue it.
    output : path
        The output directory.
    replace : str, default "discard it and start afresh"
        What starting over does, after "to".

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from autorisk.batch import QuoteJob, rerate
    >>> from autorisk.rating import Coverage, RatingPlan
    >>> book, output = pd.DataFrame({"policy_id": [1, 2]}), tempfile.mkdtemp()
    >>> _ = rerate(book, output, QuoteJob.from_plan(RatingPlan("flat", "1", (Coverage("tpl", 500.0),))), progress=False)
    >>> rerate(book, output, QuoteJob.from_plan(RatingPlan("flat", "2", (Coverage("tpl", 550.0),))), progress=False)
    Traceback (most recent call last):
    ...
    autorisk.batch.manifest.ResumeError: output ... holds a complete run of another job (...); pass resume=False to discard it and start afresh, or choose another output
    """

    def __init__(self, reason: str, output: str | os.PathLike, *, replace: str = "discard it and start afresh"):
        self.reason = reason
        self.output = Path(output)
        self.replace = replace
        super().__init__(f"{reason}; pass resume=False to {replace}, or choose another output")

    def cli_message(self) -> str:
        """The message with the command line's way to start over: ``--no-resume``, or deleting the folder."""
        return (f"{self.reason}; to {self.replace}, run the same command with --no-resume (or delete the folder "
                f"{str(self.output)!r}), or choose another --output")  # fmt: skip

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (e.g. from a Dask worker) with its parts
        return (_resume_error, (self.reason, str(self.output), self.replace))


def _resume_error(reason: str, output: str, replace: str) -> ResumeError:
    return ResumeError(reason, output, replace=replace)


def now() -> str:
    """The current UTC time, ISO 8601 to the millisecond."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Manifest:
    """The ``_run.json`` of an output directory, kept in memory and saved atomically.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from autorisk.batch.sources import plan_source
    >>> source = plan_source(pd.DataFrame({"x": range(3)}), chunk_rows=2)
    >>> manifest = Manifest.new(Path(tempfile.mkdtemp()), {"fingerprint": "f00d", "plan_id": None}, source, 2)
    >>> [u["part"] for u in manifest.data["units"]]
    ['part-00000.parquet', 'part-00001.parquet']
    """

    def __init__(self, output: Path, data: dict[str, Any]):
        self.output = output
        self.data = data
        self._saved = -math.inf

    @property
    def path(self) -> Path:
        return self.output / MANIFEST

    @classmethod
    def new(cls, output: Path, job: dict[str, Any], source: Source, chunk_rows: int) -> Manifest:
        from autorisk import __version__

        data = {
            "format": FORMAT, "autorisk_version": __version__, "status": "new",
            "plan_id": job.get("plan_id"), "job": job, "input": source.describe(), "chunk_rows": chunk_rows,
            "units": [u.to_dict() for u in source.units], "parts": {}, "runs": [],
            "started": None, "finished": None, "rows": None,
        }  # fmt: skip
        return cls(output, data)

    @classmethod
    def read(cls, output: Path) -> Manifest | None:
        """The manifest in ``output``, or None if there is none; ResumeError if it is unreadable."""
        path = output / MANIFEST
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise ResumeError(f"output {output}: cannot read the run manifest {MANIFEST} ({error})", output,
                              replace="start afresh") from None  # fmt: skip
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ResumeError(f"output {output}: {MANIFEST} is not an autorisk run manifest ({FORMAT})", output,
                              replace="start afresh")  # fmt: skip
        return cls(output, data)

    # ------------------------------------------------------------ resuming
    def check_continues(self, fresh: Manifest) -> None:
        """Raise ResumeError unless this (earlier) run had the same job, input and units as ``fresh``."""
        held = f"output {self.output} holds {self._run_text()}"
        old_job, new_job = self.data["job"], fresh.data["job"]
        if old_job.get("fingerprint") != new_job.get("fingerprint"):
            raise ResumeError(f"{held} of another job ({_job_text(old_job)}; this job: {_job_text(new_job)})",
                              self.output)  # fmt: skip
        old_input, new_input = self.data["input"], fresh.data["input"]
        if old_input.get("fingerprint") != new_input.get("fingerprint"):
            raise ResumeError(f"{held} on other input data ({_input_text(old_input)}; "
                              f"this input: {_input_text(new_input)})", self.output)  # fmt: skip
        if (self.data["chunk_rows"], old_input.get("columns"), self.data["units"]) != (
            fresh.data["chunk_rows"], new_input.get("columns"), fresh.data["units"]
        ):
            raise ResumeError(f"{held} cut into other units (chunk_rows={self.data['chunk_rows']:,}, "
                              f"{len(self.data['units'])} units; this run: chunk_rows={fresh.data['chunk_rows']:,}, "
                              f"{len(fresh.data['units'])} units)", self.output)  # fmt: skip

    def _run_text(self) -> str:
        """``"a failed run (QuoteError: ...)"``, ``"a complete run"``, ...: the earlier run as the manifest tells it."""
        status = self.data.get("status")
        runs = self.data.get("runs") or [{}]
        if status == "failed":
            error = str(runs[-1].get("error", "")).splitlines()[0][:200] if runs[-1].get("error") else ""
            return f"a failed run{f' ({error})' if error else ''}"
        if status == "running":
            return "an unfinished run (stopped before its end)"
        return f"a {status} run" if status in ("complete", "new") else "a run"

    def verified_parts(self) -> set[str]:
        """Parts done by an earlier attempt; the manifest forgets the others.

        A part is done if the manifest lists it and the file still has the
        recorded size and row count, or if the manifest had not listed it yet
        (a kill within a second of writing it) but its footer says this job
        wrote it from this unit.
        """
        job = self.data["job"].get("fingerprint")
        good = set()
        for unit in self.data["units"]:
            name = unit["part"]
            path = self.output / name
            entry = self.data["parts"].pop(name, None)
            if not path.is_file():
                continue
            size = path.stat().st_size
            if entry is not None and size == entry["bytes"] and part_rows(path) == entry["rows"]:
                self.data["parts"][name] = entry
                good.add(name)
            elif (found := part_origin(path)) is not None and found[0] == {"job": job, "unit": unit}:
                self.data["parts"][name] = {"rows": found[1], "bytes": size, "written": None}
                good.add(name)
        return good

    # ------------------------------------------------------------ progress
    def begin(self, engine: str, skipped: int) -> None:
        started = now()
        self.data["status"] = "running"
        self.data["started"] = self.data["started"] or started
        self.data["finished"] = None
        self.data["rows"] = None
        self.data["runs"].append({"started": started, "finished": None, "engine": engine, "status": "running",
                                  "parts_written": 0, "parts_skipped": skipped})  # fmt: skip
        self.save()

    def record(self, part: str, rows: int, size: int) -> None:
        self.data["parts"][part] = {"rows": int(rows), "bytes": int(size), "written": now()}
        self.data["runs"][-1]["parts_written"] += 1
        if time.monotonic() - self._saved >= SAVE_INTERVAL:
            self.save()

    def fail(self, error: BaseException) -> None:
        finished = now()
        self.data["status"] = "failed"
        self.data["runs"][-1].update(finished=finished, status="failed", error=f"{type(error).__name__}: {error}")
        with contextlib.suppress(OSError):
            self.save()

    def complete(self) -> dict[str, Any]:
        """Mark the run complete, write ``_SUCCESS`` and return its summary."""
        finished = now()
        parts = [u["part"] for u in self.data["units"]]
        self.data.update(status="complete", finished=finished,
                         rows=sum(self.data["parts"][p]["rows"] for p in parts))  # fmt: skip
        self.data["runs"][-1].update(finished=finished, status="complete")
        self.save()
        summary = {"plan_id": self.data["plan_id"], "job_fingerprint": self.data["job"].get("fingerprint"),
                   "input_fingerprint": self.data["input"]["fingerprint"], "started": self.data["started"],
                   "finished": finished, "input_rows": self.data["input"]["rows"], "rows": self.data["rows"],
                   "parts": parts}  # fmt: skip
        _atomic_write(self.output / SUCCESS, json.dumps(summary, indent=2))
        return summary

    def save(self) -> None:
        _atomic_write(self.path, json.dumps(self.data, indent=1))
        self._saved = time.monotonic()


def clear_output(output: Path, everything: bool) -> None:
    """Remove leftovers of a killed run (temporary parts, ``_SUCCESS``); with ``everything`` also parts and manifest."""
    for path in output.iterdir():
        name = path.name
        ours = name.startswith(TEMP_PREFIX) or name == SUCCESS
        if everything:
            ours |= name == MANIFEST or (name.startswith("part-") and name.endswith(".parquet"))
        if ours and path.is_file():
            path.unlink()


def stale_parts(output: Path) -> list[str]:
    return sorted(p.name for p in output.glob("part-*.parquet"))


def prepare_output(output: Path) -> None:
    """Create ``output`` and check a file can be written there; ParameterError naming it otherwise."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        probe = output / f"{TEMP_PREFIX}probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ParameterError(f"output {str(output)!r}: cannot write there ({reason})") from None


def _atomic_write(path: Path, text: str) -> None:
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{uuid.uuid4().hex}")
    temp.write_text(text)
    os.replace(temp, path)


def _job_text(job: dict[str, Any]) -> str:
    plan = f"plan {job['plan_id'][:12]}, " if job.get("plan_id") else ""
    return f"{plan}fingerprint {str(job.get('fingerprint'))[:12]}"


def _input_text(source: dict[str, Any]) -> str:
    files = f"{len(source['files'])} files, " if source.get("files") is not None else ""
    return f"{source.get('kind')}, {files}{source.get('rows', 0):,} rows, fingerprint {str(source.get('fingerprint'))[:12]}"
