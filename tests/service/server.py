"""Start the real quoting service in a subprocess on 127.0.0.1, for the tests and the benchmark.

``python -m autorisk serve --plans DIR --port FREE --audit URL --poll 0.2`` with
an admin token in ``AUTORISK_ADMIN_TOKEN``; :func:`running_service` waits for
``GET /ready`` to answer 200 and yields a :class:`Served` (base URL, port,
process); on leaving it stops the service with SIGTERM and waits for it to
exit. Standard library only, so the benchmark imports it from its file too.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The admin token the helper starts the service with.
TOKEN = "bench-admin-token-0123456789abcdef"
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port free on the loopback now (the OS's pick)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    """A running service: where it listens, its process and its log file (stdout and stderr)."""

    url: str
    port: int
    process: subprocess.Popen
    log: Path
    returncode: int | None = field(default=None)

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then wait for the exit (the service writes pending audit records first); the exit code."""
        if self.returncode is None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                self.returncode = self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise RuntimeError(f"the service did not stop within {timeout} s of SIGTERM:\n{self.log_tail()}") from None
        return self.returncode

    def log_tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""

    def get(self, path: str) -> tuple[int, Any]:
        """``GET path``: the status and the JSON answer."""
        return request(self.url + path)

    def post(self, path: str, body: bytes, *, token: str | None = None,
             content_type: str = "application/json") -> tuple[int, Any]:  # fmt: skip
        """``POST path`` (with the admin bearer token if given): the status and the JSON answer."""
        headers = {"content-type": content_type}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        return request(self.url + path, body, headers)


def request(url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
            timeout: float = 10.0) -> tuple[int, Any]:  # fmt: skip
    """One HTTP request with urllib: status and the JSON answer (or the raw bytes if it is not JSON)."""
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            status, data = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    try:
        return status, json.loads(data)
    except ValueError:
        return status, data


@contextlib.contextmanager
def running_service(plans: str | Path, audit: str, *, poll: float = 0.2, token: str | None = TOKEN,
                    args: Sequence[str] = (), timeout: float = 60.0,
                    env: dict[str, str] | None = None) -> Iterator[Served]:  # fmt: skip
    """Run ``autorisk serve`` on a free loopback port until the block ends (then SIGTERM and wait).

    Parameters
    ----------
    plans : path
        The plans folder.
    audit : str
        The audit store URL (``sqlite:////abs/path.db`` or ``postgresql://...``).
    poll : float
        ``--poll`` seconds.
    token : str, optional
        Admin token put in ``AUTORISK_ADMIN_TOKEN`` (None: admin endpoints disabled).
    args : sequence of str
        More ``autorisk serve`` arguments.
    timeout : float
        Seconds to wait for ``/ready`` to answer 200.
    env : dict, optional
        More environment variables.
    """
    port = free_port()
    environment = {**os.environ, **(env or {})}
    environment.pop("AUTORISK_ADMIN_TOKEN_FILE", None)
    if token is None:
        environment.pop("AUTORISK_ADMIN_TOKEN", None)
    else:
        environment["AUTORISK_ADMIN_TOKEN"] = token
    src = str(Path(__file__).resolve().parents[2] / "src")  # this checkout's autorisk, whatever is installed
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [src, environment.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "autorisk", "serve", "--plans", str(plans), "--host", HOST,
               "--port", str(port), "--audit", audit, "--poll", str(poll), *args]  # fmt: skip
    log = Path(tempfile.mkstemp(prefix="autorisk-serve-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
    served = Served(f"http://{HOST}:{port}", port, process, log)
    try:
        _wait_ready(served, timeout)
        yield served
    finally:
        if served.returncode is None:
            with contextlib.suppress(RuntimeError):
                served.stop()
        if process.poll() is None:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


def _wait_ready(served: Served, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise RuntimeError(f"autorisk serve exited with {served.process.returncode} before it was ready:\n"
                               f"{served.log_tail()}")  # fmt: skip
        try:
            status, last = served.get("/ready")
            if status == 200:
                return
        except OSError as error:  # not listening yet
            last = error
        time.sleep(0.05)
    raise RuntimeError(f"autorisk serve not ready after {timeout} s (last answer {last!r}):\n{served.log_tail()}")


def audit_quotes(url: str) -> list[tuple[str, str, str, bytes, int]]:
    """Every row of an audit store's ``quotes`` table: (quote_id, endpoint, plan_id, result, n_policies).

    Read straight from the database (sqlite3 or psycopg), not through the service.
    """
    query = "SELECT quote_id, endpoint, plan_id, result, n_policies FROM quotes"
    if url.startswith("sqlite:///"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(f"file:{url[len('sqlite:///'):]}?mode=ro", uri=True)) as conn:
            return [tuple(row) for row in conn.execute(query)]
    import psycopg

    with psycopg.connect(url) as conn:
        return [(q, e, p, bytes(r), n) for q, e, p, r, n in conn.execute(query)]
