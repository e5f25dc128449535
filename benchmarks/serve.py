"""Benchmark the quoting service: single quotes at 1, 8 and 64 clients, 10,000-policy batches, the framework floor.

One run, on the loopback, of two servers started the same way (uvicorn, 1
worker, uvloop and httptools, no access log):

* the service, ``autorisk serve`` on a temporary plans folder holding the China
  motor plan (the demo plans of :mod:`autorisk.service.examples`) and a
  temporary SQLite audit file, at its default log level (one JSON line per
  request, to a file);
* the framework floor: a bare FastAPI endpoint that reads the body and answers
  a constant JSON, served by uvicorn with the same settings
  (``python benchmarks/serve.py --floor PORT``).

After a warm-up, the same single-quote requests (``POST /quote``, one synthetic
policy each, prebuilt bytes) go to the floor and then to the service, at 1, 8
and 64 concurrent keep-alive clients; then batches of 10,000 policies (Arrow
IPC in and out) at 1 and 2 clients. The load generator
(``tests/service/load.py``) is a minimal asyncio HTTP/1.1 client in its own
process. The service is then stopped with SIGTERM and the audit file counted:
one row per single quote answered, one per batch.

Usage::

    python benchmarks/serve.py                      # 2,000 / 8,000 / 16,000 quotes, 30 batches each
    python benchmarks/serve.py --quick              # a tenth of that
    python benchmarks/serve.py --log-level warning  # without the per-request log line
    python benchmarks/serve.py --compare-clients    # also httpx against this client, on the floor

The last line printed is one JSON object: ``c1``, ``c8``, ``c64`` (``quotes_per_s``,
``p50_ms``, ``p99_ms``, ``max_ms``, ``server_cpu_us_per_request``: the server
process's CPU time, all threads, per request), the same for the floor under
``framework_c*`` with ``framework_p50_ms`` / ``framework_p99_ms`` per
concurrency, ``p99_ratio_c8``, ``batch_c1`` / ``batch_c2`` and
``batch_policies_per_s`` (the better), ``errors``, ``quotes`` and ``batches``
answered, ``audit_rows`` / ``audit_batch_rows`` counted after the exit,
``audit_rows_equal_quotes``, ``exit_code``, ``cores`` and ``targets_met``. On a
shared machine the latencies move with the neighbours' load; the CPU time per
request moves least.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "service"))
from load import http_request, run_load  # noqa: E402
from server import HOST, Served, free_port, request, running_service  # noqa: E402

QUOTE_DATE = "2026-06-01"
ARROW = "application/vnd.apache.arrow.stream"
BATCH_SIZE = 10_000
CONCURRENCY = (1, 8, 64)
TARGETS = {"p99_ms_c8": 10.0, "p99_ratio_c8": 2.0, "batch_policies_per_s": 500_000, "errors": 0}
FLOOR_BODY = b'{"quote_id":"0","premium_total":1234.5}'


def floor_app() -> FastAPI:
    """The framework's floor: FastAPI, one endpoint that reads the body and answers a constant JSON."""
    app = FastAPI()

    @app.post("/quote")
    async def quote(request: Request) -> Response:
        await request.body()
        return Response(FLOOR_BODY, media_type="application/json")

    @app.get("/ready")
    async def ready() -> Response:
        return Response(b'{"status":"ready"}', media_type="application/json")

    return app


def serve_floor(port: int) -> None:
    """Serve :func:`floor_app` as ``autorisk serve`` serves the service (same uvicorn settings)."""
    import uvicorn

    from autorisk.service.command import _fast_parts

    uvicorn.run(floor_app(), host=HOST, port=port, workers=1, access_log=False, log_config=None,
                log_level="warning", timeout_graceful_shutdown=30, **_fast_parts())  # fmt: skip


def start_floor() -> Served:
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="autorisk-floor-", suffix=".log")[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, __file__, "--floor", str(port)], stdout=out,
                                   stderr=subprocess.STDOUT, env=env)  # fmt: skip
    served = Served(f"http://{HOST}:{port}", port, process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the floor server exited: {served.log_tail()}")
        try:
            if served.get("/ready")[0] == 200:
                return served
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the floor server did not start")


def write_plans(folder: Path) -> Any:
    """The demo's China motor plans in ``folder``; the one in force on QUOTE_DATE."""
    from autorisk.rating import RatingPlan
    from autorisk.service.examples import write_demo_plans

    plans = [RatingPlan.load(path) for path in write_demo_plans(folder)]
    return next(p for p in plans if p.is_effective(QUOTE_DATE))


def policies(plan: Any, n: int, seed: int = 11) -> Any:
    """``n`` synthetic policies with every column the plan reads (the batch tests' book)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from batch.batch_helpers import china_book

    return china_book(n, seed=seed)[plan.columns]


def quote_requests(plan: Any, book: Any, host: str) -> list[bytes]:
    """One prebuilt ``POST /quote`` per policy of the book."""
    import orjson

    return [http_request("POST", "/quote", orjson.dumps(
        {"plan": plan.name, "quote_date": QUOTE_DATE, "policy": policy}), host=host)  # fmt: skip
        for policy in book.to_dict(orient="records")]


def batch_request(plan: Any, book: Any, host: str) -> bytes:
    """One prebuilt ``POST /quotes``: the book as an Arrow IPC stream, options in the query string."""
    import pyarrow as pa

    table = pa.Table.from_pandas(book.reset_index(drop=True), preserve_index=False)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    query = urllib.parse.urlencode({"plan": plan.name, "quote_date": QUOTE_DATE})
    return http_request("POST", f"/quotes?{query}", sink.getvalue(), host=host, content_type=ARROW,
                        headers={"accept": ARROW})  # fmt: skip


def check_batch(served: Served, plan: Any, book: Any, body: bytes) -> None:
    """One batch, answered in Arrow: the premiums are ``plan.quote``'s on the same policies, bit for bit."""
    import numpy as np
    import pyarrow as pa

    head, _, payload = body.partition(b"\r\n\r\n")
    status, data = request(served.url + head.split(b" ")[1].decode(), payload,
                           {"content-type": ARROW, "accept": ARROW}, timeout=60)  # fmt: skip
    if status != 200:
        raise RuntimeError(f"a batch was refused: {status} {data!r}"[:2000])
    rated = pa.ipc.open_stream(data).read_all().to_pandas()
    expected = plan.quote(book.reset_index(drop=True), errors="flag", as_of=QUOTE_DATE)
    same = np.array_equal(rated["premium_total"].to_numpy(), expected["premium_total"].to_numpy())
    if len(rated) != len(book) or not same:
        raise RuntimeError("the batch's premiums differ from plan.quote's")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, all its threads (Linux ``/proc``; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(served: Served, requests: list[bytes], n: int, concurrency: int, **options: Any) -> dict[str, Any]:
    """Run a load; its figures, with the server's CPU time per request (what noise from the machine blurs least)."""
    before = cpu_seconds(served.process.pid)
    result = run_load(HOST, served.port, requests, n, concurrency, **options)
    after = cpu_seconds(served.process.pid)
    s = result.summary()
    cpu = None if before is None or after is None else round((after - before) / max(s["requests"], 1) * 1e6, 1)
    return {"per_s": s["per_s"], "p50_ms": s["p50_ms"], "p99_ms": s["p99_ms"], "max_ms": s["max_ms"],
            "requests": s["requests"], "errors": s["errors"], "server_cpu_us": cpu,
            "ok": result.statuses.count(200), "failures": result.failures[:3]}  # fmt: skip


def quote_summary(m: dict[str, Any]) -> dict[str, Any]:
    return {"quotes_per_s": m["per_s"], "p50_ms": m["p50_ms"], "p99_ms": m["p99_ms"], "max_ms": m["max_ms"],
            "requests": m["requests"], "errors": m["errors"], "server_cpu_us_per_request": m["server_cpu_us"]}  # fmt: skip


def audit_counts(path: Path) -> dict[str, tuple[int, int]]:
    """Rows and policies per endpoint in the SQLite audit file."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT endpoint, count(*), coalesce(sum(n_policies), 0) FROM quotes GROUP BY endpoint")
        return {endpoint: (n, policies) for endpoint, n, policies in rows}


def compare_clients(served: Served, requests: list[bytes], n: int, concurrency: int) -> dict[str, Any]:
    """The same load from this module's client and from httpx (both in a subprocess of their own)."""
    raw = quote_summary(measured(served, requests, n, concurrency))
    code = (
        "import asyncio, json, sys, time, httpx\n"
        "url, n, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])\n"
        "bodies = json.loads(sys.stdin.read())\n"
        "async def main():\n"
        "    lat, nxt = [], 0\n"
        "    limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)\n"
        "    async with httpx.AsyncClient(base_url=url, limits=limits) as client:\n"
        "        async def one():\n"
        "            nonlocal nxt\n"
        "            while nxt < n:\n"
        "                body = bodies[nxt % len(bodies)]; nxt += 1; t = time.perf_counter_ns()\n"
        "                r = await client.post('/quote', content=body, headers={'content-type': 'application/json'})\n"
        "                assert r.status_code == 200; lat.append(time.perf_counter_ns() - t)\n"
        "        start = time.perf_counter(); await asyncio.gather(*[one() for _ in range(c)])\n"
        "        wall = time.perf_counter() - start\n"
        "    lat.sort(); print(json.dumps({'quotes_per_s': round(n / wall, 1), 'p50_ms': lat[n // 2] / 1e6,\n"
        "                                  'p99_ms': lat[int(n * 0.99)] / 1e6}))\n"
        "asyncio.run(main())\n"
    )
    bodies = [r.partition(b"\r\n\r\n")[2].decode() for r in requests]
    out = subprocess.run([sys.executable, "-c", code, served.url, str(n), str(concurrency)],
                         input=json.dumps(bodies), capture_output=True, text=True, check=True)  # fmt: skip
    return {"raw": raw, "httpx": json.loads(out.stdout)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the requests (a smoke run)")
    parser.add_argument("--batches", type=int, default=30, help="batches per concurrency (default: %(default)s)")
    parser.add_argument("--log-level", default="info", help="the service's log level (default: %(default)s)")
    parser.add_argument("--compare-clients", action="store_true",
                        help="also measure httpx against this client on the floor at 8 clients")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (plans, audit file, ~150 MB)")
    parser.add_argument("--floor", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        serve_floor(args.floor)
        return {}
    scale = 0.1 if args.quick else 1.0
    counts = {c: max(200, int(n * scale)) for c, n in zip(CONCURRENCY, (2_000, 8_000, 16_000), strict=True)}
    n_batches = max(3, int(args.batches * scale))
    work = Path(tempfile.mkdtemp(prefix="autorisk-bench-serve-"))
    (work / "plans").mkdir()
    plan = write_plans(work / "plans")
    book = policies(plan, 2_000)
    batch_book = policies(plan, BATCH_SIZE, seed=12)
    audit_path = work / "audit.db"
    out: dict[str, Any] = {"cores": os.cpu_count(), "log_level": args.log_level}
    quotes = batches = errors = 0
    failures: list[str] = []

    floor = start_floor()
    try:
        with running_service(work / "plans", f"sqlite:///{audit_path}", poll=2.0,
                             args=("--log-level", args.log_level)) as served:  # fmt: skip
            host = f"{HOST}:{served.port}"
            single = quote_requests(plan, book, host)
            floor_single = [r.replace(host.encode(), f"{HOST}:{floor.port}".encode(), 1) for r in single]
            batch = batch_request(plan, batch_book, host)
            check_batch(served, plan, batch_book, batch)
            batches += 1
            for target, reqs in ((floor, floor_single), (served, single)):  # warm-up
                warm = run_load(HOST, target.port, reqs, 1_000, 8)
                errors += warm.summary()["errors"]
                if target is served:
                    quotes += warm.statuses.count(200)
            warm = run_load(HOST, served.port, [batch], 3, 1, time_limit=120)
            batches += warm.statuses.count(200)
            errors += warm.summary()["errors"]
            if args.compare_clients:
                out["clients_c8"] = compare_clients(floor, floor_single, counts[8], 8)
            for c in CONCURRENCY:
                base = measured(floor, floor_single, counts[c], c, time_limit=120)
                result = measured(served, single, counts[c], c, time_limit=120)
                out[f"framework_c{c}"] = quote_summary(base)
                out[f"c{c}"] = quote_summary(result)
                quotes += result["ok"]
                errors += result["errors"] + base["errors"]
                failures += result["failures"] + base["failures"]
            for c in (1, 2):
                m = measured(served, [batch], n_batches, c, time_limit=300)
                out[f"batch_c{c}"] = {"batches_per_s": m["per_s"], "policies_per_s": round(m["per_s"] * BATCH_SIZE),
                                      "p50_ms": m["p50_ms"], "p99_ms": m["p99_ms"], "batches": m["requests"],
                                      "server_cpu_ms_per_batch": m["server_cpu_us"] and round(m["server_cpu_us"] / 1e3, 2)}  # fmt: skip
                batches += m["ok"]
                errors += m["errors"]
                failures += m["failures"]
            out["exit_code"] = served.stop()
    finally:
        floor.stop()
        floor.log.unlink(missing_ok=True)
    counted = audit_counts(audit_path)
    if args.keep:
        out["folder"] = str(work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    out["framework_p50_ms"] = {f"c{c}": out[f"framework_c{c}"]["p50_ms"] for c in CONCURRENCY}
    out["framework_p99_ms"] = {f"c{c}": out[f"framework_c{c}"]["p99_ms"] for c in CONCURRENCY}
    out["p99_ratio_c8"] = round(out["c8"]["p99_ms"] / out["framework_c8"]["p99_ms"], 2)
    out["batch_policies_per_s"] = max(out["batch_c1"]["policies_per_s"], out["batch_c2"]["policies_per_s"])
    out["errors"] = errors
    out["quotes"] = quotes
    out["batches"] = batches
    out["audit_rows"] = counted.get("quote", (0, 0))[0]
    out["audit_batch_rows"] = counted.get("quotes", (0, 0))[0]
    out["audit_rows_equal_quotes"] = out["audit_rows"] == quotes and out["audit_batch_rows"] == batches
    out["targets_met"] = {
        "p99_ms_c8": out["c8"]["p99_ms"] <= TARGETS["p99_ms_c8"],
        "p99_ratio_c8": out["p99_ratio_c8"] <= TARGETS["p99_ratio_c8"],
        "batch_policies_per_s": out["batch_policies_per_s"] >= TARGETS["batch_policies_per_s"],
        "errors": errors == 0 and out["exit_code"] == 0, "audit": out["audit_rows_equal_quotes"]}  # fmt: skip
    if failures:
        out["failures"] = failures[:5]
    for c in CONCURRENCY:
        f, s = out[f"framework_c{c}"], out[f"c{c}"]
        print(f"c{c:<3} service {s['quotes_per_s']:>8.0f}/s p50 {s['p50_ms']:.2f} p99 {s['p99_ms']:.2f} ms "
              f"cpu {s['server_cpu_us_per_request']} us | floor {f['quotes_per_s']:>8.0f}/s p50 {f['p50_ms']:.2f} "
              f"p99 {f['p99_ms']:.2f} ms cpu {f['server_cpu_us_per_request']} us")
    for c in (1, 2):
        print(f"batch c{c}: {out[f'batch_c{c}']['policies_per_s']:,} policies/s")
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
