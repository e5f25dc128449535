"""The input of a batch run: parquet files or a DataFrame, cut into numbered work units.

A unit is at most ``chunk_rows`` rows of one file (whole consecutive row
groups) or of the DataFrame (a slice); a single row group longer than
``chunk_rows`` is one unit, streamed in batches of ``chunk_rows``. The cut
depends only on the files' row-group sizes (or the frame's length) and
``chunk_rows``, so a restarted run finds the same units in the same order:
unit ``i`` is written to ``part-{i:05d}.parquet``.

The input fingerprint identifies the data: for files, their absolute paths,
sizes and modification times; for a DataFrame, a hash of the columns read.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError

__all__ = ["Source", "SourceFile", "Unit", "plan_source"]

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Unit:
    """One work unit: rows ``[start, stop)`` of a file (row groups ``[first_group, stop_group)``) or of a frame.

    Examples
    --------
    >>> unit = Unit(3, "/data/a.parquet", 1000, 1500, 2, 3)
    >>> unit.part, unit.rows
    ('part-00003.parquet', 500)
    >>> unit.label
    'unit 3 (/data/a.parquet, rows 1,000-1,499)'
    """

    index: int
    path: str | None
    start: int
    stop: int
    first_group: int = 0
    stop_group: int = 0

    @property
    def part(self) -> str:
        """File name of the unit's output."""
        return f"part-{self.index:05d}.parquet"

    @property
    def rows(self) -> int:
        return self.stop - self.start

    @property
    def label(self) -> str:
        """How messages name the unit: its number, its file (or the DataFrame) and its rows."""
        where = self.path if self.path is not None else "DataFrame"
        return f"unit {self.index} ({where}, rows {self.start:,}-{self.stop - 1:,})"

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "path": self.path, "rows": [self.start, self.stop],
                "row_groups": [self.first_group, self.stop_group]}  # fmt: skip


@dataclass(frozen=True)
class SourceFile:
    """A parquet input file: absolute path, size, modification time and row-group sizes.

    The path, size and modification time make the input's fingerprint; the
    row-group sizes decide how the file is cut into units.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "book.parquet"
    >>> pd.DataFrame({"policy_id": range(5)}).to_parquet(path, row_group_size=2)
    >>> file = plan_source(path, chunk_rows=4).files[0]
    >>> file.group_rows, file.rows, file.path == str(path.resolve())
    ((2, 2, 1), 5, True)
    """

    path: str
    size: int
    mtime_ns: int
    group_rows: tuple[int, ...]

    @property
    def rows(self) -> int:
        return sum(self.group_rows)


@dataclass(frozen=True)
class Source:
    """A resolved input: its files (or frame), the columns to read, its units and its fingerprint.

    Made by :func:`plan_source`; :func:`~autorisk.batch.rerate` records its
    :meth:`describe` in the run manifest.

    Examples
    --------
    >>> source = plan_source(pd.DataFrame({"policy_id": range(5), "region": "north"}), chunk_rows=2,
    ...                      columns=["region"])
    >>> source.kind, source.rows, len(source.units), source.columns
    ('dataframe', 5, 3, ('region',))
    >>> sorted(source.describe())
    ['columns', 'fingerprint', 'kind', 'rows']
    """

    kind: str
    files: tuple[SourceFile, ...]
    frame: pd.DataFrame | None
    columns: tuple[str, ...] | None
    units: tuple[Unit, ...]
    fingerprint: str

    @property
    def rows(self) -> int:
        return sum(u.rows for u in self.units)

    def describe(self) -> dict[str, Any]:
        """What the run metadata records about the input."""
        out: dict[str, Any] = {"kind": self.kind, "fingerprint": self.fingerprint, "rows": self.rows,
                               "columns": None if self.columns is None else list(self.columns)}  # fmt: skip
        if self.kind == "parquet":
            out["files"] = [{"path": f.path, "size": f.size, "mtime_ns": f.mtime_ns, "rows": f.rows} for f in self.files]
        return out


def plan_source(
    source: pd.DataFrame | PathLike | Sequence[PathLike],
    chunk_rows: int,
    columns: Sequence[str] | None = None,
    exclude: Path | None = None,
) -> Source:
    """Resolve ``source``, check it has ``columns`` and cut it into units of at most ``chunk_rows`` rows.

    Parameters
    ----------
    source : DataFrame, path, glob or sequence of paths
        A DataFrame; a parquet file; a directory (every ``*.parquet`` below
        it, skipping names starting with ``_`` or ``.``); a glob pattern
        (``"inforce/*.parquet"``, ``**`` allowed); or a list of files.
    chunk_rows : int
        Most rows in a unit (unless one row group is longer).
    columns : sequence of str, optional
        Columns read (all when None).
    exclude : Path, optional
        A directory whose files are never input (the run's output).

    Returns
    -------
    Source
        The files (or frame), columns, units in order, and fingerprint.

    Raises
    ------
    ParameterError
        No file matches, or a file is not parquet.
    SchemaError
        A file or the frame lacks one of ``columns``.

    Examples
    --------
    >>> frame = pd.DataFrame({"policy_id": range(5), "region": "north"})
    >>> source = plan_source(frame, chunk_rows=2)
    >>> [(u.start, u.stop) for u in source.units]
    [(0, 2), (2, 4), (4, 5)]
    """
    wanted = None if columns is None else tuple(dict.fromkeys(columns))
    if isinstance(source, pd.DataFrame):
        return _frame_source(source, chunk_rows, wanted)
    files = [_describe_file(path, wanted) for path in _input_paths(source, exclude)]
    units: list[Unit] = []
    for file in files:
        units += _file_units(file, chunk_rows, len(units))
    content = [[f.path, f.size, f.mtime_ns] for f in files]
    fingerprint = hashlib.sha256(json.dumps(content).encode()).hexdigest()
    return Source("parquet", tuple(files), None, wanted, tuple(units), fingerprint)


def read_chunks(
    unit: Unit,
    columns: Sequence[str] | None,
    chunk_rows: int,
    frame: pd.DataFrame | None = None,
    use_threads: bool = True,
) -> Iterator[pd.DataFrame]:
    """The unit's rows, in chunks of at most ``chunk_rows`` (so error messages can point at rows).

    A file's rows are indexed by their row number in the file; a frame's keep
    the frame's own labels. ``frame`` is the DataFrame a frame unit slices
    (or the slice itself, when its length is the unit's).
    """
    if unit.path is None:
        if frame is None:
            raise ParameterError(f"{unit.label}: no DataFrame given")
        rows = frame if len(frame) == unit.rows else frame.iloc[unit.start : unit.stop]
        yield rows if columns is None else rows[list(columns)]
        return
    names = None if columns is None else list(columns)
    parquet = pq.ParquetFile(unit.path)
    groups = list(range(unit.first_group, unit.stop_group))
    if unit.rows <= chunk_rows:
        batches = [parquet.read_row_groups(groups, columns=names, use_threads=use_threads)]
    else:
        batches = parquet.iter_batches(chunk_rows, row_groups=groups, columns=names, use_threads=use_threads)
    start = unit.start
    for batch in batches:
        chunk = batch.to_pandas(split_blocks=True, use_threads=use_threads)
        chunk.index = pd.RangeIndex(start, start + len(chunk))
        start += len(chunk)
        yield chunk
    if start != unit.stop:
        raise DataError(f"{unit.label}: read {start - unit.start:,} rows, expected {unit.rows:,} "
                        "(was the file changed during the run?)")  # fmt: skip


# ----------------------------------------------------------------- helpers


def _frame_source(frame: pd.DataFrame, chunk_rows: int, columns: tuple[str, ...] | None) -> Source:
    if columns is not None:
        _check_columns(frame.columns, columns, "DataFrame")
    read = frame if columns is None else frame[list(columns)]
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(read[c].dtype)] for c in read.columns]).encode())
    digest.update(np.ascontiguousarray(pd.util.hash_pandas_object(read, index=False).to_numpy()).tobytes())
    n = len(frame)
    units = tuple(Unit(i, None, start, min(start + chunk_rows, n)) for i, start in enumerate(range(0, n, chunk_rows)))
    return Source("dataframe", (), frame, columns, units, digest.hexdigest())


def _input_paths(source: PathLike | Sequence[PathLike], exclude: Path | None) -> list[Path]:
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if glob.has_magic(text):
            paths = [Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file()]
            if not paths:
                raise ParameterError(f"input {text!r}: no file matches")
        else:
            path = Path(text)
            if path.is_dir():
                paths = [p for p in path.rglob("*.parquet")
                         if p.is_file() and not any(part.startswith(("_", ".")) for part in p.relative_to(path).parts)]  # fmt: skip
                if not paths:
                    raise ParameterError(f"input {text!r}: no parquet file in this directory")
            elif path.is_file():
                paths = [path]
            else:
                raise ParameterError(f"input {text!r}: no such file or directory")
    else:
        paths = [Path(p) for p in source]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing or not paths:
            raise ParameterError(f"input: no such file {missing}" if missing else "input: an empty list of files")
    resolved = sorted({p.resolve() for p in paths})
    if exclude is not None:
        resolved = [p for p in resolved if not p.is_relative_to(exclude)]
        if not resolved:
            raise ParameterError(f"input {os.fspath(source)!r}: its only files are in the output directory {exclude}")
    return resolved


def _describe_file(path: Path, columns: tuple[str, ...] | None) -> SourceFile:
    try:
        metadata = pq.read_metadata(path)
    except (OSError, ValueError) as error:
        raise ParameterError(f"input {str(path)!r}: not a readable parquet file ({error})") from None
    if columns is not None:
        _check_columns(metadata.schema.to_arrow_schema().names, columns, str(path))
    stat = path.stat()
    groups = tuple(metadata.row_group(i).num_rows for i in range(metadata.num_row_groups))
    return SourceFile(str(path), stat.st_size, stat.st_mtime_ns, groups)


def _check_columns(present: Sequence[str], columns: Sequence[str], where: str) -> None:
    missing = [c for c in columns if c not in set(present)]
    if missing:
        raise SchemaError(DataIssue(", ".join(missing), "missing column", f"columns {list(columns)}"), table=where)


def _file_units(file: SourceFile, chunk_rows: int, first_index: int) -> list[Unit]:
    """Consecutive row groups packed into units of at most ``chunk_rows`` rows (a longer group alone)."""
    units: list[Unit] = []
    first = start = rows = 0
    for group, size in enumerate(file.group_rows):
        if rows and rows + size > chunk_rows:
            units.append(Unit(first_index + len(units), file.path, start, start + rows, first, group))
            first, start, rows = group, start + rows, 0
        rows += size
    if rows:
        units.append(Unit(first_index + len(units), file.path, start, start + rows, first, len(file.group_rows)))
    return units
