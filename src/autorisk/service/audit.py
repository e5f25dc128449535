"""The audit store: every quote the service prices, kept in SQLite (a file) or PostgreSQL.

Writes are off the request path: :meth:`AuditStore.submit` only appends to an
in-memory queue, and one background thread commits the queue in batches (one
transaction per batch: ``executemany`` into SQLite, ``COPY`` into PostgreSQL).
When the database is down the records stay queued and the writer retries with
backoff; :meth:`AuditStore.close` flushes, and whatever still cannot be written
when it gives up is saved to a JSON-lines file (:func:`read_unsaved` reads it
back) and reported in the log and in the exception it raises. Nothing is
dropped silently.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> store = open_audit_store(f"sqlite:///{folder}/quotes.db")
>>> store.submit(QuoteRecord("q-1", utc_now(), "quote", "demo", "1", "ab12", b'{"policy": {}}',
...                          result=b'{"premium_total": 512.5}', options={"quote_date": "2026-01-01"}))
>>> store.close()
>>> reopened = open_audit_store(folder / "quotes.db")
>>> reopened.count(), next(reopened.records()).result
(1, b'{"premium_total": 512.5}')
"""

from __future__ import annotations

import atexit
import base64
import logging
import re
import sqlite3
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from autorisk.errors import AuditStoreError, ParameterError

log = logging.getLogger("autorisk.service.audit")

#: The endpoints whose calls are audited.
ENDPOINTS = ("quote", "quotes", "midterm", "cancel", "renewal")
#: Columns of the quotes table, in order (the fields of :class:`QuoteRecord`).
COLUMNS = ("quote_id", "received_at", "endpoint", "plan_name", "plan_version", "plan_id", "request",
           "content_type", "options", "result", "n_policies")  # fmt: skip
#: A write batch holds at most this many bytes of requests and results (10,000-policy batches are megabytes).
MAX_BATCH_BYTES = 64 * 2**20
#: Longest wait between two attempts when the database is down.
MAX_BACKOFF = 1.0


def utc_now() -> str:
    """The current time in UTC, ISO 8601 with microseconds: the form of :attr:`QuoteRecord.received_at`.

    Examples
    --------
    >>> stamp = utc_now()
    >>> len(stamp), stamp.endswith("+00:00")
    (32, True)
    """
    return datetime.now(UTC).isoformat(timespec="microseconds")


_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00\Z")


def utc_iso(value: str | datetime, label: str = "received_at", *, naive_is_utc: bool = False) -> str:
    """``value`` (an ISO string or a datetime) as UTC ISO 8601 with microseconds.

    Parameters
    ----------
    value : str or datetime
        An ISO 8601 date-time string or a datetime, with its time zone unless
        ``naive_is_utc``.
    label : str, default "received_at"
        The name of the value in the error message.
    naive_is_utc : bool, default False
        Read a value without a time zone as UTC instead of refusing it.

    Returns
    -------
    str
        The form of :attr:`QuoteRecord.received_at`, e.g. ``2026-12-04T02:30:00.000000+00:00``.

    Raises
    ------
    ParameterError
        Not a date-time, or without a time zone and not ``naive_is_utc``.

    Examples
    --------
    >>> utc_iso("2026-12-04T10:30:00+08:00")
    '2026-12-04T02:30:00.000000+00:00'
    >>> utc_iso("2026-12-04", "since", naive_is_utc=True)
    '2026-12-04T00:00:00.000000+00:00'
    """
    if isinstance(value, str):
        if _CANONICAL.match(value):  # already the stored form (the service's own stamps): nothing to convert
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ParameterError(f"{label} must be an ISO 8601 date-time, got {value!r}") from None
    elif isinstance(value, datetime):
        moment = value
    else:
        raise ParameterError(f"{label} must be an ISO 8601 string or a datetime, got {type(value).__name__}")
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise ParameterError(f"{label} must carry its time zone (UTC), got {value!r}")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class QuoteRecord:
    """One audited call: what was asked, with which plan, and what was answered.

    Attributes
    ----------
    quote_id : str
        The quote id (for a batch, the batch id: policy ``i`` is ``f"{quote_id}:{i}"``).
    received_at : str
        When the request arrived, UTC ISO 8601 with microseconds (normalised on creation).
    endpoint : str
        One of :data:`ENDPOINTS`.
    plan_name, plan_version, plan_id : str
        The plan that priced it (``plan_id`` is its sha256 content hash).
    request : bytes
        The request body exactly as received.
    content_type : str
        The request's content type.
    options : dict
        What a replay needs that the request may omit: the resolved ``quote_date``,
        ``breakdown``, the errors mode... (JSON values).
    result : bytes
        ``orjson.dumps`` of the ``quote_one`` dict for a single quote; the Arrow IPC
        stream of the rated DataFrame for a batch
        (:func:`autorisk.service.payload.arrow_bytes`).
    n_policies : int
        Policies priced (1 for a single quote).

    Examples
    --------
    >>> record = QuoteRecord("q-1", "2026-12-04T10:30:00+08:00", "quote", "demo", "1", "ab12",
    ...                      b'{"policy": {"region": "south"}}')
    >>> record.received_at, record.content_type, record.n_policies
    ('2026-12-04T02:30:00.000000+00:00', 'application/json', 1)
    >>> QuoteRecord("q-2", utc_now(), "price", "demo", "1", "ab12", b"{}")
    Traceback (most recent call last):
    ...
    autorisk.errors.ParameterError: QuoteRecord.endpoint must be one of (...), got 'price'
    """

    quote_id: str
    received_at: str
    endpoint: str
    plan_name: str
    plan_version: str
    plan_id: str
    request: bytes
    content_type: str = "application/json"
    options: dict[str, Any] = field(default_factory=dict)
    result: bytes = b""
    n_policies: int = 1

    def __post_init__(self) -> None:
        for name in ("quote_id", "endpoint", "plan_name", "plan_version", "plan_id", "content_type"):
            value = getattr(self, name)
            if not isinstance(value, str) or "\x00" in value:
                raise ParameterError(f"QuoteRecord.{name} must be a string without NUL characters, got {value!r}")
        if not self.quote_id:
            raise ParameterError("QuoteRecord.quote_id must not be empty")
        if self.endpoint not in ENDPOINTS:
            raise ParameterError(f"QuoteRecord.endpoint must be one of {ENDPOINTS}, got {self.endpoint!r}")
        object.__setattr__(self, "received_at", utc_iso(self.received_at))
        for name in ("request", "result"):
            value = getattr(self, name)
            if isinstance(value, (bytearray, memoryview)):
                object.__setattr__(self, name, bytes(value))
            elif not isinstance(value, bytes):
                raise ParameterError(f"QuoteRecord.{name} must be bytes, got {type(value).__name__}")
        if not isinstance(self.options, Mapping):
            raise ParameterError(f"QuoteRecord.options must be a mapping, got {type(self.options).__name__}")
        object.__setattr__(self, "options", dict(self.options))
        if isinstance(self.n_policies, bool) or not isinstance(self.n_policies, int) or self.n_policies < 0:
            raise ParameterError(f"QuoteRecord.n_policies must be an integer >= 0, got {self.n_policies!r}")


# ----------------------------------------------------------------------------- unsaved records
def _unsaved_line(kind: str, payload: Any) -> bytes:
    if kind == "deployment":
        return orjson.dumps({"kind": kind, "record": orjson.loads(payload[-1])}) + b"\n"
    record: QuoteRecord = payload
    out = {f.name: getattr(record, f.name) for f in fields(record)}
    out["request"] = base64.b64encode(record.request).decode()
    out["result"] = base64.b64encode(record.result).decode()
    return orjson.dumps({"kind": kind, **out}) + b"\n"


def read_unsaved(path: str | Path) -> Iterator[QuoteRecord | dict[str, Any]]:
    """The records of a file of unsaved audit records: :class:`QuoteRecord` s and deployment dicts.

    Submit them to a store (``submit`` / ``record_deployment``) once it is reachable again.

    Parameters
    ----------
    path : str or Path
        A JSON-lines file a store saved (:attr:`AuditStore.unsaved_files`, or
        named in the :class:`~autorisk.errors.AuditStoreError` message and the log).

    Yields
    ------
    QuoteRecord or dict
        Each record as it was submitted: a quote record, or a deployment's dict.

    Raises
    ------
    ParameterError
        A line that is not an unsaved audit record (its number is in the message).

    Examples
    --------
    A quote id stored twice with other contents is saved aside, then read back:

    >>> import tempfile, pathlib
    >>> with open_audit_store(pathlib.Path(tempfile.mkdtemp()) / "quotes.db") as store:
    ...     for body in (b"{}", b'{"policy": {}}'):
    ...         store.submit(QuoteRecord("q-1", utc_now(), "quote", "demo", "1", "ab12", body))
    ...     _ = store.flush()
    >>> [(record.quote_id, record.request) for record in read_unsaved(store.unsaved_files[0])]
    [('q-1', b'{"policy": {}}')]
    """
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, 1):
            try:
                item = orjson.loads(line)
                kind = item.pop("kind")
                if kind == "deployment":
                    yield item["record"]
                    continue
                item["request"] = base64.b64decode(item["request"])
                item["result"] = base64.b64decode(item["result"])
                yield QuoteRecord(**item)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                raise ParameterError(f"{path}, line {number}: not an unsaved audit record ({error})") from None


# ----------------------------------------------------------------------------- back ends
class _Backend:
    """What differs between SQLite and PostgreSQL: connecting, the SQL, the row types."""

    url: str
    spill_base: Path

    def connect(self) -> Any:
        raise NotImplementedError

    def row(self, record: QuoteRecord, options: str) -> tuple[Any, ...]:
        return (record.quote_id, record.received_at, record.endpoint, record.plan_name, record.plan_version,
                record.plan_id, record.request, record.content_type, options, record.result, record.n_policies)  # fmt: skip

    def record(self, row: tuple[Any, ...]) -> QuoteRecord:
        values = dict(zip(COLUMNS, row, strict=True))
        values["options"] = orjson.loads(values["options"])
        values["received_at"] = self.received_at(values["received_at"])
        values["request"] = bytes(values["request"])
        values["result"] = bytes(values["result"])
        return QuoteRecord(**values)

    def received_at(self, value: Any) -> str:
        return value

    def since(self, value: str) -> Any:
        return value


_SELECT = f"SELECT {', '.join(COLUMNS)} FROM quotes"


class _SQLite(_Backend):
    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:///{path}"
        self.spill_base = path.parent / path.name

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def create(self) -> None:
        conn = self.connect()
        try:
            conn.executescript(
                "CREATE TABLE IF NOT EXISTS quotes (quote_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, "
                "endpoint TEXT NOT NULL, plan_name TEXT, plan_version TEXT, plan_id TEXT, request BLOB NOT NULL, "
                "content_type TEXT, options TEXT NOT NULL, result BLOB NOT NULL, n_policies INTEGER NOT NULL);"
                "CREATE INDEX IF NOT EXISTS quotes_received_at ON quotes (received_at);"
                "CREATE TABLE IF NOT EXISTS deployments (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, "
                "action TEXT, name TEXT, version TEXT, plan_id TEXT, record TEXT NOT NULL);"
            )
        finally:
            conn.close()

    def has_tables(self) -> bool:
        conn = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
        return {"quotes", "deployments"} <= names

    _insert = f"INSERT INTO quotes ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    _insert_deployment = "INSERT INTO deployments (at, action, name, version, plan_id, record) VALUES (?, ?, ?, ?, ?, ?)"

    _ROWS_PER_STATEMENT = 256

    def _insert_rows(self, conn: sqlite3.Connection, rows: list[tuple]) -> None:
        """Insert rows a few hundred per statement: one release of the interpreter lock per statement, not per row.

        ``executemany`` steps once per row, and each step gives the lock up and
        waits to take it back from the event loop (up to the switch interval):
        under load that convoy, not SQLite, was most of the writer's cost.
        """
        width = len(COLUMNS)
        for start in range(0, len(rows), self._ROWS_PER_STATEMENT):
            chunk = rows[start:start + self._ROWS_PER_STATEMENT]
            values = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(chunk))
            conn.execute(f"INSERT INTO quotes ({', '.join(COLUMNS)}) VALUES {values}",
                         [value for row in chunk for value in row])  # fmt: skip

    def write(self, conn: sqlite3.Connection, quotes: list[tuple], deployments: list[tuple]) -> list[int]:
        """Insert the rows in one transaction; the positions of the quote rows refused (a quote id already stored)."""
        conflicts: list[int] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            try:
                self._insert_rows(conn, quotes)
            except sqlite3.IntegrityError:
                # Rare: find the refused rows one by one (a refused INSERT leaves the transaction open).
                conn.execute("ROLLBACK")
                conn.execute("BEGIN IMMEDIATE")
                for i, row in enumerate(quotes):
                    try:
                        conn.execute(self._insert, row)
                    except sqlite3.IntegrityError:
                        conflicts.append(i)
            if deployments:
                conn.executemany(self._insert_deployment, deployments)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return conflicts

    def fetch(self, conn: sqlite3.Connection, ids: list[str]) -> dict[str, QuoteRecord]:
        out: dict[str, QuoteRecord] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = f"{_SELECT} WHERE quote_id IN ({', '.join('?' * len(chunk))})"
            out.update((r[0], self.record(r)) for r in conn.execute(query, chunk))
        return out

    def select(self, since: str | None, endpoint: str | None) -> Iterator[QuoteRecord]:
        where, params = _where(since, endpoint, "?")
        conn = self.connect()
        try:
            for row in conn.execute(f"{_SELECT}{where} ORDER BY received_at, rowid", params):
                yield self.record(row)
        finally:
            conn.close()

    def scalar(self, query: str, params: tuple = ()) -> Any:
        conn = self.connect()
        try:
            return conn.execute(query, params).fetchone()[0]
        finally:
            conn.close()

    def all(self, query: str) -> list[tuple]:
        conn = self.connect()
        try:
            return conn.execute(query).fetchall()
        finally:
            conn.close()

    def probe(self) -> None:
        conn = sqlite3.connect(f"{self.path.as_uri()}?mode=rw", uri=True, timeout=1)  # never creates the file
        try:
            conn.execute("SELECT 1 FROM quotes LIMIT 1").fetchall()
        finally:
            conn.close()


class _Postgres(_Backend):
    _types = ("text", "timestamptz", "text", "text", "text", "text", "bytea", "text", "text", "bytea", "int4")

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise ParameterError("a postgresql:// audit store needs psycopg: pip install 'autorisk[service]'") from None
        self._psycopg = psycopg
        self.conninfo = url
        self.url = _without_password(url)
        self.spill_base = Path.cwd() / "autorisk-audit"

    def connect(self) -> Any:
        return self._psycopg.connect(self.conninfo, autocommit=True, connect_timeout=2)

    def create(self) -> None:
        with self.connect() as conn, conn.transaction():
            # Several service workers may start at once: CREATE ... IF NOT EXISTS races without a lock.
            conn.execute("SELECT pg_advisory_xact_lock(7158236917)")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS quotes (seq bigserial, quote_id text PRIMARY KEY, "
                "received_at timestamptz NOT NULL, endpoint text NOT NULL, plan_name text, plan_version text, "
                "plan_id text, request bytea NOT NULL, content_type text, options text NOT NULL, "
                "result bytea NOT NULL, n_policies integer NOT NULL)"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS quotes_received_at ON quotes (received_at, seq)")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS deployments (seq bigserial PRIMARY KEY, at text, action text, "
                "name text, version text, plan_id text, record text NOT NULL)"
            )

    def has_tables(self) -> bool:
        with self.connect() as conn:
            found = conn.execute("SELECT to_regclass('quotes') IS NOT NULL AND to_regclass('deployments') IS NOT NULL")
            return bool(found.fetchone()[0])

    def row(self, record: QuoteRecord, options: str) -> tuple[Any, ...]:
        row = super().row(record, options)
        return (row[0], datetime.fromisoformat(record.received_at), *row[2:])

    def received_at(self, value: Any) -> str:
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def since(self, value: str) -> Any:
        return datetime.fromisoformat(value)

    _copy = f"COPY quotes ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    _insert = (f"INSERT INTO quotes ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
               "ON CONFLICT (quote_id) DO NOTHING RETURNING quote_id")  # fmt: skip
    _insert_deployment = ("INSERT INTO deployments (at, action, name, version, plan_id, record) "
                          "VALUES (%s, %s, %s, %s, %s, %s)")  # fmt: skip

    def write(self, conn: Any, quotes: list[tuple], deployments: list[tuple]) -> list[int]:
        """COPY the rows in one transaction; the positions of the quote rows refused (a quote id already stored)."""
        try:
            with conn.transaction(), conn.cursor() as cursor:
                if quotes:
                    with cursor.copy(self._copy) as copy:
                        copy.set_types(self._types)
                        for row in quotes:
                            copy.write_row(row)
                if deployments:
                    cursor.executemany(self._insert_deployment, deployments)
            return []
        except self._psycopg.errors.UniqueViolation:
            pass
        # Rare (a quote id stored twice, or a retry of a commit whose answer was lost): row by row.
        conflicts: list[int] = []
        with conn.transaction(), conn.cursor() as cursor:
            cursor.executemany(self._insert, quotes, returning=True)
            for i in range(len(quotes)):
                if cursor.fetchone() is None:
                    conflicts.append(i)
                cursor.nextset()
            if deployments:
                cursor.executemany(self._insert_deployment, deployments)
        return conflicts

    def fetch(self, conn: Any, ids: list[str]) -> dict[str, QuoteRecord]:
        rows = conn.execute(f"{_SELECT} WHERE quote_id = ANY(%s)", (ids,)).fetchall()
        return {r[0]: self.record(r) for r in rows}

    def select(self, since: str | None, endpoint: str | None) -> Iterator[QuoteRecord]:
        where, params = _where(None if since is None else self.since(since), endpoint, "%s")
        with self._psycopg.connect(self.conninfo, connect_timeout=2) as conn:
            # A named (server-side) cursor streams: a replay of millions of quotes does not load them all.
            with conn.cursor(name="autorisk_audit_records") as cursor:
                cursor.itersize = 500
                cursor.execute(f"{_SELECT}{where} ORDER BY received_at, seq", params)
                for row in cursor:
                    yield self.record(row)

    def scalar(self, query: str, params: tuple = ()) -> Any:
        with self.connect() as conn:
            return conn.execute(query.replace("?", "%s"), params).fetchone()[0]

    def all(self, query: str) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute(query).fetchall()

    def probe(self) -> None:
        with self._psycopg.connect(self.conninfo, autocommit=True, connect_timeout=1) as conn:
            conn.execute("SELECT 1")


def _where(since: Any, endpoint: str | None, mark: str) -> tuple[str, tuple]:
    clauses, params = [], []
    if since is not None:
        clauses.append(f"received_at >= {mark}")
        params.append(since)
    if endpoint is not None:
        clauses.append(f"endpoint = {mark}")
        params.append(endpoint)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# ----------------------------------------------------------------------------- the store
class _Item:
    __slots__ = ("kind", "payload", "row", "size")

    def __init__(self, kind: str, payload: Any, row: tuple, size: int):
        self.kind, self.payload, self.row, self.size = kind, payload, row, size


class AuditStore:
    """An open audit store: submit records, read them back. Made by :func:`open_audit_store`.

    Attributes
    ----------
    submitted, written : int
        Items (quote records and deployments) submitted, and committed to the database.
    failures : int
        Write attempts that failed (each is retried).
    rejected : int
        Quote records refused because their quote id was already stored with other
        contents; they are saved to the unsaved-records file (see :attr:`unsaved_files`).
    unsaved_files : list of Path
        The JSON-lines files of records saved aside (:func:`read_unsaved` reads them).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with open_audit_store(pathlib.Path(tempfile.mkdtemp()) / "quotes.db") as store:
    ...     store.submit(QuoteRecord("q-1", utc_now(), "quote", "demo", "1", "ab12", b"{}"))
    ...     store.flush(), store.count(), store.count("renewal"), store.pending
    (True, 1, 0, 0)
    """

    def __init__(self, backend: _Backend, *, batch_size: int, flush_interval: float):
        self._backend = backend
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._lock = threading.Lock()
        self._progress = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._queue: deque[_Item] = deque()
        self._inflight: list[_Item] = []
        self._thread: threading.Thread | None = None
        self._closed = False
        self._deadline = float("inf")
        self._healthy = True
        self._sequence_in = 0
        self._sequence_out = 0
        self.submitted = 0
        self.written = 0
        self.failures = 0
        self.rejected = 0
        self.unsaved_files: list[Path] = []

    # ------------------------------------------------------------- writing
    @property
    def url(self) -> str:
        """The store's URL, without a password."""
        return self._backend.url

    @property
    def pending(self) -> int:
        """Items submitted and not yet committed."""
        return self._sequence_in - self._sequence_out

    def submit(self, record: QuoteRecord) -> None:
        """Queue a record for writing; returns at once (thread-safe, never waits for the database)."""
        if not isinstance(record, QuoteRecord):
            raise ParameterError(f"submit takes a QuoteRecord, got {type(record).__name__}")
        try:
            options = orjson.dumps(record.options).decode()
        except TypeError as error:
            raise ParameterError(f"QuoteRecord.options of {record.quote_id!r} must be JSON values: {error}") from None
        self._put(_Item("quote", record, self._backend.row(record, options), len(record.request) + len(record.result)))

    def record_deployment(self, deployment: Mapping[str, Any]) -> None:
        """Queue a deployment (the registry's ``Deployment.as_dict()``) for the deployments table."""
        if not isinstance(deployment, Mapping):
            raise ParameterError(f"record_deployment takes a mapping, got {type(deployment).__name__}")
        try:
            text = orjson.dumps(dict(deployment), option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError as error:
            raise ParameterError(f"deployment {dict(deployment)!r} must hold JSON values: {error}") from None
        values = orjson.loads(text)
        row = tuple(None if values.get(k) is None else str(values[k]) for k in ("at", "action", "name", "version",
                                                                                "plan_id")) + (text,)  # fmt: skip
        self._put(_Item("deployment", row, row, len(text)))

    def _put(self, item: _Item) -> None:
        with self._lock:
            if self._closed:
                raise ParameterError(f"audit store {self.url} is closed")
            self._queue.append(item)
            self._sequence_in += 1
            self.submitted += 1
            waiting = len(self._queue)
            if self._thread is None:
                self._start()
        if waiting >= self._batch_size:
            self._wake.set()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="autorisk-audit-writer", daemon=True)
        self._thread.start()
        # Written even if the owner forgets close(): atexit runs while daemon threads still do.
        reference = weakref.ref(self)
        atexit.register(lambda: (store := reference()) is not None and store._close_quietly())

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every item submitted before the call is committed; False if ``timeout`` passed first."""
        with self._lock:
            target = self._sequence_in
            thread = self._thread
        if thread is None:
            return True
        self._wake.set()
        with self._progress:
            self._progress.wait_for(lambda: self._sequence_out >= target or not thread.is_alive(), timeout)
            return self._sequence_out >= target

    def close(self, timeout: float = 10.0) -> None:
        """Flush and stop the writer (idempotent).

        Raises
        ------
        AuditStoreError
            Some records could still not be written after ``timeout`` seconds of
            retries: they were saved to a JSON-lines file, named in the message.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._deadline = time.monotonic() + timeout
            thread = self._thread
        self._wake.set()
        self._stop.set()
        if thread is not None:
            thread.join(timeout + 30)
        with self._lock:
            left = [*self._inflight, *self._queue]
            self._queue.clear()
            self._inflight = []
        if left:
            path = self._save_unsaved(left)
            raise AuditStoreError(f"audit store {self.url}: {len(left)} records could not be written "
                                  f"({self.failures} failed attempts); saved to {path}")  # fmt: skip

    def _close_quietly(self) -> None:
        try:
            self.close()
        except AuditStoreError as error:  # already logged with the file's name
            log.debug("at exit: %s", error)

    def __enter__(self) -> AuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _save_unsaved(self, items: list[_Item]) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self._backend.spill_base.with_name(f"{self._backend.spill_base.name}.unsaved-{stamp}.jsonl")
        with open(path, "ab") as out:
            for item in items:
                out.write(_unsaved_line(item.kind, item.payload))
        self.unsaved_files.append(path)
        log.error("audit store %s: %d records saved to %s (read them with autorisk.service.audit.read_unsaved)",
                  self.url, len(items), path)  # fmt: skip
        return path

    def _run(self) -> None:
        conn = None
        backoff = 0.0
        while True:
            with self._lock:
                stopping = self._closed
                waiting = len(self._queue)
            if not self._inflight and not stopping and waiting < self._batch_size:
                self._wake.wait(self._flush_interval)
                self._wake.clear()
            with self._lock:
                stopping = self._closed
                batch = self._inflight
                size = sum(i.size for i in batch)
                while self._queue and len(batch) < self._batch_size and size < MAX_BATCH_BYTES:
                    item = self._queue.popleft()
                    batch.append(item)
                    size += item.size
            if not batch:
                if stopping:
                    break
                continue
            try:
                if conn is None:
                    conn = self._backend.connect()
                aside = self._write(conn, batch)
            except Exception as error:  # the database down, a full disk...: retried, never dropped
                with self._lock:
                    self.failures += 1
                    self._healthy = False
                log.warning("audit store %s: write of %d records failed (attempt %d): %s",
                            self.url, len(batch), self.failures, error)  # fmt: skip
                conn = _close(conn)
                backoff = min(max(2 * backoff, self._flush_interval, 0.01), MAX_BACKOFF)
                if stopping:
                    remaining = self._deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    time.sleep(min(backoff, remaining))
                else:
                    self._stop.wait(backoff)
                continue
            backoff = 0.0
            with self._progress:
                self._healthy = True
                self._inflight = []
                self._sequence_out += len(batch)
                self.written += len(batch) - aside
                self._progress.notify_all()
        _close(conn)
        with self._progress:
            self._progress.notify_all()

    def _write(self, conn: Any, batch: list[_Item]) -> int:
        """Commit a batch; how many of its records were saved aside instead (quote ids stored with other contents)."""
        quotes = [i for i in batch if i.kind == "quote"]
        deployments = [i.row for i in batch if i.kind == "deployment"]
        conflicts = self._backend.write(conn, [i.row for i in quotes], deployments)
        if not conflicts:
            return 0
        # A quote id already stored: the same record (a retried commit) is written; another is saved aside.
        refused = [quotes[i] for i in conflicts]
        stored = self._backend.fetch(conn, [i.payload.quote_id for i in refused])
        different = [i for i in refused if stored.get(i.payload.quote_id) != i.payload]
        if different:
            self.rejected += len(different)
            path = self._save_unsaved(different)
            log.error("audit store %s: %d quote ids already stored with other contents (%s...); saved to %s",
                      self.url, len(different), different[0].payload.quote_id, path)  # fmt: skip
        return len(different)

    # ------------------------------------------------------------- reading
    def records(self, since: str | datetime | None = None, endpoint: str | None = None) -> Iterator[QuoteRecord]:
        """The stored records received at or after ``since`` (naive times are UTC), ordered by time received."""
        bound = None if since is None else utc_iso(since, "since", naive_is_utc=True)
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ParameterError(f"endpoint must be one of {ENDPOINTS}, got {endpoint!r}")
        return self._backend.select(bound, endpoint)

    def count(self, endpoint: str | None = None) -> int:
        """How many quote records are stored (for ``endpoint`` only when given)."""
        if endpoint is None:
            return int(self._backend.scalar("SELECT count(*) FROM quotes"))
        return int(self._backend.scalar("SELECT count(*) FROM quotes WHERE endpoint = ?", (endpoint,)))

    def deployments(self) -> list[dict[str, Any]]:
        """The recorded deployments, oldest first, each as recorded."""
        return [orjson.loads(r[0]) for r in self._backend.all("SELECT record FROM deployments ORDER BY seq")]

    def ping(self) -> bool:
        """Whether the store is open, its last write succeeded and the database answers now."""
        if self._closed or not self._healthy:
            return False
        try:
            self._backend.probe()
        except Exception as error:  # any failure to reach it is an answer: not ready
            log.debug("audit store %s: ping failed: %s", self.url, error)
            return False
        return True

    def __repr__(self) -> str:
        return (f"AuditStore({self.url!r}, submitted={self.submitted}, written={self.written}, "
                f"pending={self.pending}, failures={self.failures})")  # fmt: skip


def _close(conn: Any) -> None:
    if conn is not None:
        try:
            conn.close()
        except Exception as error:  # closing a broken connection may fail too; nothing to keep
            log.debug("closing a broken audit connection: %s", error)
    return None


def open_audit_store(url: str | Path, *, batch_size: int = 1000, flush_interval: float = 0.05,
                     create: bool = True) -> AuditStore:  # fmt: skip
    """Open (and by default create) an audit store.

    Parameters
    ----------
    url : str or Path
        ``"sqlite:///quotes.db"`` (relative), ``"sqlite:////var/lib/quotes.db"``
        (absolute) or a plain path: a SQLite file (WAL mode, synchronous=NORMAL);
        ``"postgresql://user:password@host:port/database"``: PostgreSQL (psycopg 3).
    batch_size : int, default 1000
        Records written per transaction at most; the writer wakes as soon as this many wait.
    flush_interval : float, default 0.05
        Seconds between two writes when fewer records wait.
    create : bool, default True
        Create the database file (SQLite) and the tables when missing; ``False``
        refuses a store that does not exist yet (for reading, e.g. a replay).

    Raises
    ------
    ParameterError
        An unsupported URL, a missing directory or database, an unreachable server.

    Examples
    --------
    >>> open_audit_store("mysql://localhost/quotes")
    Traceback (most recent call last):
    ...
    autorisk.errors.ParameterError: audit store URL 'mysql://localhost/quotes': the scheme must be sqlite:/// or postgresql://, or the URL a file path
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ParameterError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if not (isinstance(flush_interval, (int, float)) and 0 < flush_interval < float("inf")):
        raise ParameterError(f"flush_interval must be a positive number of seconds, got {flush_interval!r}")
    backend = _backend(url)
    try:
        if isinstance(backend, _SQLite) and not create and not backend.path.is_file():
            raise ParameterError(f"audit store {backend.url}: no such database file")
        if create:
            backend.create()
        elif not backend.has_tables():
            raise ParameterError(f"audit store {backend.url}: no audit tables (quotes, deployments) in it")
    except ParameterError:
        raise
    except Exception as error:  # sqlite3 / psycopg errors: the message names the store
        raise ParameterError(f"audit store {backend.url} cannot be opened: {error}") from None
    return AuditStore(backend, batch_size=batch_size, flush_interval=float(flush_interval))


def _backend(url: str | Path) -> _Backend:
    if isinstance(url, Path):
        return _sqlite(url, str(url))
    if not isinstance(url, str) or not url:
        raise ParameterError(f"audit store URL must be a non-empty string or a path, got {url!r}")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("postgresql", "postgres"):
        return _Postgres(url)
    if scheme == "sqlite":
        if not url.startswith("sqlite:///"):
            raise ParameterError(f"audit store URL {url!r}: a SQLite URL is sqlite:///relative.db or "
                                 "sqlite:////absolute.db")  # fmt: skip
        return _sqlite(Path(url[len("sqlite:///"):]), url)
    if scheme:
        raise ParameterError(f"audit store URL {_without_password(url)!r}: the scheme must be sqlite:/// or "
                             "postgresql://, or the URL a file path")  # fmt: skip
    return _sqlite(Path(url), url)


def _sqlite(path: Path, url: str) -> _SQLite:
    if str(path) in ("", ":memory:"):
        raise ParameterError(f"audit store URL {url!r}: an audit store must be a file, not {str(path) or 'empty'!r}")
    path = path.expanduser().absolute()
    if not path.parent.is_dir():
        raise ParameterError(f"audit store URL {url!r}: directory {path.parent} does not exist")
    return _SQLite(path)


__all__ = [
    "COLUMNS",
    "ENDPOINTS",
    "AuditStore",
    "AuditStoreError",
    "QuoteRecord",
    "open_audit_store",
    "read_unsaved",
    "utc_iso",
    "utc_now",
]
