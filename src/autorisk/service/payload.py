"""Request and response bodies of the quoting service: JSON (orjson), Arrow IPC streams and parquet.

A single quote is a JSON object; a batch is JSON (``{"policies": [...]}``), an
Arrow IPC stream or a parquet file of one row per policy, with its options in
the JSON body or in the query string. Every decoding error is a
:class:`~autorisk.errors.DataError` naming what was wrong, never a parser's
traceback.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from autorisk.errors import DataError, DataIssue

JSON = "application/json"
ARROW = "application/vnd.apache.arrow.stream"
PARQUET = "application/vnd.apache.parquet"
_PARQUET_ALIASES = (PARQUET, "application/x-parquet", "application/parquet")
BATCH_OPTIONS = ("plan", "version", "quote_date", "breakdown")


def media_type(header: str | None) -> str:
    """The media type of a Content-Type or Accept header, lower case and without parameters.

    Examples
    --------
    >>> media_type("application/json; charset=utf-8")
    'application/json'
    >>> media_type(None)
    'application/json'
    """
    if not header:
        return JSON
    kind = header.split(",")[0].split(";")[0].strip().lower()
    if kind in _PARQUET_ALIASES:
        return PARQUET
    return JSON if kind in ("", "*/*", "application/*") else kind


def read_json(body: bytes) -> Any:
    """A JSON body as Python data; DataError (rule "invalid JSON") when it does not parse.

    orjson refuses ``NaN`` and ``Infinity``, which are not JSON: a premium can
    never be rated on one.

    Examples
    --------
    >>> read_json(b'{"a": 1}')
    {'a': 1}
    >>> read_json(b'{"a": NaN}')
    Traceback (most recent call last):
    ...
    autorisk.errors.DataError: ...invalid JSON...
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise DataError(DataIssue("body", "invalid JSON", f"a JSON document ({error})")) from None


def dumps(data: Any) -> bytes:
    """JSON bytes of plain data with numpy values; doubles in shortest round-trip form, NaN as null."""
    return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def read_batch(body: bytes, content_type: str | None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The policies of a batch request, and the options its JSON body gives.

    Parameters
    ----------
    body : bytes
        The request body as received.
    content_type : str
        ``application/json`` (``{"plan", "version", "quote_date", "breakdown",
        "policies": [{...}, ...]}``), ``application/vnd.apache.arrow.stream``
        (an Arrow IPC stream) or ``application/vnd.apache.parquet``.

    Returns
    -------
    (DataFrame, dict)
        One row per policy, in order; the options found in a JSON body (an
        Arrow or parquet body carries none: they come in the query string).

    Examples
    --------
    >>> frame, options = read_batch(b'{"plan": "t", "policies": [{"age": 30}, {"age": 41}]}', "application/json")
    >>> frame["age"].tolist(), options
    ([30, 41], {'plan': 't'})
    """
    kind = media_type(content_type)
    if kind == JSON:
        data = read_json(body)
        if not isinstance(data, Mapping):
            raise DataError(DataIssue("body", "not an object", '{"policies": [{...}, ...]}',
                                      values=(type(data).__name__,)))  # fmt: skip
        unknown = sorted(set(data) - {*BATCH_OPTIONS, "policies"})
        if unknown:
            raise DataError(DataIssue(", ".join(unknown), "extra field", f"only {[*BATCH_OPTIONS, 'policies']}"))
        policies = data.get("policies")
        if not isinstance(policies, list) or not all(isinstance(p, Mapping) for p in policies):
            raise DataError(DataIssue("policies", "not a list of objects", "an array of policy objects"))
        options = {k: data[k] for k in BATCH_OPTIONS if k in data}
        return pd.DataFrame.from_records(policies) if policies else pd.DataFrame(), options
    if kind == ARROW:
        try:
            table = pa.ipc.open_stream(pa.BufferReader(body)).read_all()
        except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as error:
            raise DataError(DataIssue("body", "invalid Arrow IPC stream", f"an Arrow IPC stream ({error})")) from None
        return table.to_pandas(), {}
    if kind == PARQUET:
        try:
            table = pq.read_table(pa.BufferReader(body))
        except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as error:
            raise DataError(DataIssue("body", "invalid parquet", f"a parquet file ({error})")) from None
        return table.to_pandas(), {}
    raise DataError(DataIssue("content-type", "unsupported media type", f"one of {[JSON, ARROW, PARQUET]}",
                              values=(content_type,)))  # fmt: skip


def arrow_bytes(frame: pd.DataFrame) -> bytes:
    """An Arrow IPC stream of a DataFrame (its index dropped), as the batch endpoint answers and the audit keeps."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A parquet file of a DataFrame (its index dropped)."""
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), out)
    return out.getvalue()


def read_arrow(data: bytes) -> pd.DataFrame:
    """The DataFrame of an Arrow IPC stream written by :func:`arrow_bytes`."""
    return pa.ipc.open_stream(pa.BufferReader(data)).read_all().to_pandas()


def batch_json(frame: pd.DataFrame, header: Mapping[str, Any]) -> bytes:
    """A rated batch as JSON: the header's fields, then ``"quotes"``: one array per column (NaN as null)."""
    columns = {name: _column(frame[name]) for name in frame.columns}
    return dumps({**header, "quotes": columns})


def _column(values: pd.Series) -> Any:
    if values.dtype.kind in "fiub":
        return values.to_numpy()
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in values.tolist()]
