"""``autorisk audit replay``: re-price the quotes and policy changes of an audit store and report any difference.

Kept apart from :mod:`autorisk.cli` (which only registers the command), and
light to import: the heavy modules load when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_audit(commands: Any) -> None:
    """Register the ``audit`` sub-command (and its ``replay`` action) on the parser's sub-commands."""
    audit = commands.add_parser(
        "audit",
        help="the quoting service's audit store: replay the stored quotes",
        description="Work on the audit store of autorisk serve (SQLite file or PostgreSQL).",
    )
    actions = audit.add_subparsers(dest="audit_command", required=True)
    replay = actions.add_parser(
        "replay",
        help="re-price every stored quote with its plan and report any difference",
        description="Re-price every stored quote (single and batch) and policy change (mid-term adjustment, "
        "cancellation refund, renewal offer) with the plan whose id it recorded, on its dates, and compare exactly (doubles bit for bit). Exit code 0 when nothing differs, 1 when "
        "anything does (a plan id no longer found included), 2 on a bad store, plans folder or --since.",
    )
    replay.add_argument("--audit", required=True, help="audit store: sqlite:///FILE, a file path or postgresql://...")
    replay.add_argument("--plans", required=True, help="plans folder (plan JSON files; its retired/ folder too)")
    replay.add_argument("--since", help="only quotes received at or after this ISO 8601 time (UTC without offset)")


def run_audit(args: argparse.Namespace) -> int:
    """Run ``autorisk audit ...``: the report on stdout; exit code 0, 1 (differences) or 2 (bad input)."""
    from autorisk.errors import AutoriskError
    from autorisk.service.audit import open_audit_store
    from autorisk.service.replay import replay

    try:
        plans, refused = load_plans(args.plans)
        for path, reason in refused:
            print(f"autorisk audit replay: note: {path} is not a valid plan, not used: {reason}", file=sys.stderr)
        store = open_audit_store(args.audit, create=False)
        report = replay(store, plans, since=args.since)
    except (AutoriskError, OSError) as error:
        print(f"autorisk audit replay: error: {error}", file=sys.stderr)
        return 2
    print(report)
    return 0 if report.ok else 1


def load_plans(folder: str | Path) -> tuple[dict[str, Any], list[tuple[Path, str]]]:
    """The plans of a plans folder and of its ``retired/`` subfolder, by plan id, read only.

    Returns
    -------
    (dict, list)
        The plans by id, and the files that are not valid plans with the reason
        (a replay still runs: a quote of such a file shows as a missing plan id).

    Raises
    ------
    ParameterError
        ``folder`` is not a directory.
    """
    from autorisk.errors import AutoriskError, ParameterError
    from autorisk.rating import RatingPlan

    root = Path(folder)
    if not root.is_dir():
        raise ParameterError(f"plans folder {str(folder)!r}: no such directory")
    plans: dict[str, Any] = {}
    refused: list[tuple[Path, str]] = []
    for path in [*sorted(root.glob("*.json")), *sorted((root / "retired").glob("*.json"))]:
        try:
            plan = RatingPlan.load(path)
        except (AutoriskError, OSError, ValueError) as error:  # PlanError, unreadable file, bad UTF-8
            refused.append((path, f"{type(error).__name__}: {error}"))
            continue
        plans[plan.plan_id] = plan
    return plans, refused
