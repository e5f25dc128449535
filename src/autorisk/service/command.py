"""``autorisk serve``: the quoting service under uvicorn, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from autorisk.service.config import CONFIG_ENV, LOG_ENV, TOKEN_ENV, TOKEN_FILE_ENV


def add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve rating plans over HTTP (quotes, batches, deployment, audit, metrics)",
        description="Start the quoting service: every plan JSON in --plans, the version in force on each quote's "
        "date; quotes audited in --audit. Admin endpoints (publish, retire) need a bearer token from "
        f"{TOKEN_ENV} or the file named by {TOKEN_FILE_ENV}; without one they are disabled. "
        "Needs the service extra: pip install autorisk[service]. Exit code 2 on a bad argument.",
    )
    serve.add_argument("--plans", required=True, help="folder of plan JSON files")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s, loopback only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve.add_argument("--audit", default="sqlite:///quotes.db",
                       help="audit store: sqlite:///FILE or postgresql://... (default: %(default)s)")  # fmt: skip
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default: %(default)s)")
    serve.add_argument("--max-batch", type=int, default=100_000, help="most policies per /quotes request")
    serve.add_argument("--extra-fields", choices=("refuse", "ignore"), default="refuse",
                       help="a policy field no factor reads: refused with 422, or ignored (default: %(default)s)")
    serve.add_argument("--poll", type=float, default=2.0, metavar="SECONDS",
                       help="re-read the plans folder every SECONDS (0: only on SIGHUP or the admin endpoints)")
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))


def run_serve(args: argparse.Namespace) -> int:
    """Run ``autorisk serve`` until stopped (SIGINT / SIGTERM): pending audit records are written first."""
    try:
        import uvicorn
    except ImportError:
        print("autorisk serve needs the service extra: pip install 'autorisk[service]'", file=sys.stderr)
        return 2
    from autorisk.errors import AutoriskError
    from autorisk.service.config import ServiceConfig
    from autorisk.service.logs import configure_logging

    plans = Path(args.plans)
    if not plans.is_dir():
        print(f"error: --plans {args.plans!r}: no such folder", file=sys.stderr)
        return 2
    try:
        config = ServiceConfig(plans.resolve(), audit=args.audit, max_batch=args.max_batch,
                               extra_fields=args.extra_fields, poll_seconds=args.poll)  # fmt: skip
        config.with_token_from_env()  # a token file that cannot be read stops the start, not the first deployment
    except AutoriskError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    os.environ[CONFIG_ENV] = config.to_json()
    os.environ[LOG_ENV] = args.log_level  # worker processes configure their logs from it
    configure_logging(args.log_level)
    fast = _fast_parts()
    # uvicorn re-raises the SIGINT / SIGTERM it stopped on once its graceful shutdown is done: without a
    # handler of ours the process would then die of it (exit -15) after a clean stop
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, _exit_cleanly)
    uvicorn.run("autorisk.service.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, access_log=False, log_config=None, log_level=args.log_level,
                timeout_graceful_shutdown=30, **fast)  # fmt: skip
    return 0


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _fast_parts() -> dict[str, str]:
    """uvloop and httptools when installed (the service extra has them), else uvicorn's pure-Python parts."""
    parts = {}
    for module, option, value in (("uvloop", "loop", "uvloop"), ("httptools", "http", "httptools")):
        try:
            __import__(module)
            parts[option] = value
        except ImportError:
            pass
    return parts
