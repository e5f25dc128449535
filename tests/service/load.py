"""A bounded HTTP/1.1 load generator: C asyncio clients on keep-alive connections, in a process of its own.

It sends a fixed number of requests (prebuilt bytes, taken in turn from a list)
from ``concurrency`` clients, each on one keep-alive connection, then stops;
past ``time_limit`` seconds it sends no more and reports what it did. For each
answered request it records the latency (``perf_counter_ns``, from just before
the write to the last body byte), the status and, when asked, the body.

The client is a minimal HTTP/1.1 one on :func:`asyncio.open_connection`
(status line, headers, ``Content-Length`` or chunked body), not httpx: on a
2-core machine where the client and the server share the cores, httpx's own
cost swamps what is measured. Against the bare-FastAPI floor at 8 clients,
this client drives ~9,000-10,000 requests/s (p99 1.7 ms) where
``httpx.AsyncClient`` drives ~700-1,000 (p99 38-42 ms);
``benchmarks/serve.py --compare-clients`` measures both in the same run.
:func:`run_load` runs it in a subprocess (``python load.py``, the job pickled
on stdin, the result pickled into a file) so its CPU does not mix with the
server's event loop, nor with the caller's.

Standard library only (uvloop when installed), so the benchmark and the tests
both import it from its file.

Examples
--------
>>> req = http_request("POST", "/quote", b'{"policy": {}}', host="127.0.0.1:8000")
>>> req.split(b"\\r\\n")[:2]
[b'POST /quote HTTP/1.1', b'host: 127.0.0.1:8000']
>>> LoadResult([2_000_000, 1_000_000], [200, 503], [0, 1], None, [], 0.5, False).summary()["errors"]
1
"""

from __future__ import annotations

import asyncio
import dataclasses
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JSON = "application/json"


def http_request(method: str, path: str, body: bytes = b"", *, host: str, content_type: str = JSON,
                 headers: dict[str, str] | None = None) -> bytes:  # fmt: skip
    """The bytes of one HTTP/1.1 keep-alive request."""
    lines = [f"{method} {path} HTTP/1.1", f"host: {host}"]
    if body or method in ("POST", "PUT", "PATCH"):
        lines += [f"content-type: {content_type}", f"content-length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class LoadResult:
    """What a load run did: one entry per request answered (or failed), in completion order.

    ``statuses`` holds 0 for a request that got no answer (connection error,
    in ``failures``); ``indices`` the request number (``i``: request
    ``requests[i % len(requests)]``); ``bodies`` the answers' bodies when
    they were kept, else None.
    """

    latencies_ns: list[int]
    statuses: list[int]
    indices: list[int]
    bodies: list[bytes] | None
    failures: list[str]
    wall_s: float
    timed_out: bool
    headers: list[dict[str, str]] | None = field(default=None)

    def summary(self) -> dict[str, Any]:
        """Requests, errors (status other than 200, or none), requests/s, p50/p99/max latency in ms."""
        n = len(self.statuses)
        ordered = sorted(self.latencies_ns)
        errors = sum(1 for s in self.statuses if s != 200)
        return {"requests": n, "errors": errors, "per_s": round(n / self.wall_s, 1) if self.wall_s else 0.0,
                "p50_ms": _ms(_quantile(ordered, 0.50)), "p99_ms": _ms(_quantile(ordered, 0.99)),
                "max_ms": _ms(ordered[-1] if ordered else None), "wall_s": round(self.wall_s, 3),
                "timed_out": self.timed_out}  # fmt: skip


def _quantile(ordered: Sequence[int], q: float) -> float | None:
    """The ``q`` quantile of sorted values (linear interpolation, numpy's default)."""
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ms(ns: float | None) -> float | None:
    return None if ns is None else round(ns / 1e6, 3)


@dataclass
class _Job:
    host: str
    port: int
    requests: list[bytes]
    total: int
    concurrency: int
    time_limit: float
    keep_bodies: bool
    keep_headers: bool


def run_load(host: str, port: int, requests: Sequence[bytes], total: int, concurrency: int, *,
             time_limit: float = 60.0, keep_bodies: bool = False, keep_headers: bool = False) -> LoadResult:  # fmt: skip
    """Send ``total`` requests from ``concurrency`` keep-alive clients, in a subprocess; wait for its result.

    Parameters
    ----------
    host, port : str, int
        The server (loopback).
    requests : sequence of bytes
        Prebuilt requests (:func:`http_request`); request ``i`` sends ``requests[i % len(requests)]``.
    total : int
        How many requests in all.
    concurrency : int
        Clients, each on its own connection (opened before the clock starts).
    time_limit : float
        Seconds after which no request is sent; the ones in flight get 5 s more.
    keep_bodies, keep_headers : bool
        Keep every answer's body (headers) in the result.
    """
    if total < 1 or concurrency < 1 or not requests:
        raise ValueError(f"total ({total}) and concurrency ({concurrency}) must be >= 1, with requests")
    # plain dicts both ways: the subprocess runs this file as __main__, so no class of it crosses the pipe
    job = dataclasses.asdict(_Job(host, port, list(requests), total, concurrency, time_limit, keep_bodies,
                                  keep_headers))  # fmt: skip
    # The result comes back in a file: through a stdout pipe it was, now and then, cut at the pipe's 64 KiB
    with tempfile.TemporaryDirectory(prefix="autorisk-load-") as folder:
        out = Path(folder) / "result.pickle"
        process = subprocess.run([sys.executable, __file__, str(out)], input=pickle.dumps(job), capture_output=True,
                                 timeout=time_limit + 60)  # fmt: skip
        if process.returncode != 0:
            raise RuntimeError(f"load generator failed ({process.returncode}): {process.stderr.decode()[-2000:]}")
        return LoadResult(**pickle.loads(out.read_bytes()))


def drive(job: _Job) -> LoadResult:
    """Run a job in this process (what the subprocess of :func:`run_load` does)."""
    try:
        import uvloop

        return uvloop.run(_drive(job))
    except ImportError:
        return asyncio.run(_drive(job))


async def _drive(job: _Job) -> LoadResult:
    latencies: list[int] = []
    statuses: list[int] = []
    indices: list[int] = []
    bodies: list[bytes] | None = [] if job.keep_bodies else None
    headers: list[dict[str, str]] | None = [] if job.keep_headers else None
    failures: list[str] = []
    n_requests = len(job.requests)
    next_index = 0
    deadline = 0.0
    timed_out = False

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(job.host, job.port, limit=1 << 22)

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal next_index, timed_out
        perf = time.perf_counter_ns
        while next_index < job.total:
            if time.perf_counter() > deadline:
                timed_out = True
                break
            i = next_index
            next_index += 1
            request = job.requests[i % n_requests]
            start = perf()
            try:
                writer.write(request)
                status, head, body, close = await _response(reader)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
                latencies.append(perf() - start)
                statuses.append(0)
                indices.append(i)
                failures.append(f"request {i}: {type(error).__name__}: {error}")
                if bodies is not None:
                    bodies.append(b"")
                if headers is not None:
                    headers.append({})
                writer.close()
                reader, writer = await connect()
                continue
            latencies.append(perf() - start)
            statuses.append(status)
            indices.append(i)
            if bodies is not None:
                bodies.append(body)
            if headers is not None:
                headers.append(head)
            if close:
                writer.close()
                reader, writer = await connect()
        writer.close()

    connections = [await connect() for _ in range(job.concurrency)]
    started = time.perf_counter()
    deadline = started + job.time_limit
    tasks = [asyncio.ensure_future(client(r, w)) for r, w in connections]
    done, pending = await asyncio.wait(tasks, timeout=job.time_limit + 5)
    for task in pending:
        task.cancel()
        timed_out = True
    wall = time.perf_counter() - started
    for task in done:
        if task.exception() is not None:  # a reconnection that failed
            failures.append(f"client stopped: {task.exception()!r}")
    return LoadResult(latencies, statuses, indices, bodies, failures, wall, timed_out, headers)


async def _response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes, bool]:
    """Read one answer: status, headers (lower-case names), body, whether the server closes the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    if "content-length" in fields:
        body = await reader.readexactly(int(fields["content-length"]))
    elif "chunked" in fields.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        raise ValueError("an answer with neither content-length nor chunked encoding")
    return status, fields, body, fields.get("connection", "").lower() == "close"


if __name__ == "__main__":
    result = drive(_Job(**pickle.loads(sys.stdin.buffer.read())))
    Path(sys.argv[1]).write_bytes(pickle.dumps(dataclasses.asdict(result)))
