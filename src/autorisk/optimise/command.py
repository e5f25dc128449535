"""``autorisk optimise``: optimised renewal offers for a parquet book, the multipliers found once, then applied in chunks.

Kept apart from :mod:`autorisk.cli` (which only registers the command), and
light to import: the heavy modules load when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_optimise(commands: Any) -> None:
    """Register the ``optimise`` sub-command on the parser's sub-commands."""
    from autorisk.cli import _share

    cmd = commands.add_parser(
        "optimise",
        help="optimised renewal offers: maximum expected profit within the rules and targets",
        description="Find the Lagrange multipliers of the targets on the book (or a seeded sample), then price "
        "every policy at them in chunks (autorisk.batch.rerate), writing parquet parts and a run manifest. "
        "Exit code 2 on a bad model, input, output or an infeasible target.",
    )
    cmd.add_argument("--demand", required=True, help="saved demand model (autorisk.demand.load_demand_model)")
    cmd.add_argument("--input", required=True, help="parquet file or directory of the renewals")
    cmd.add_argument("--output", required=True, help="output directory")
    cmd.add_argument("--expected-cost", required=True, help="column of the expected claims cost")
    cmd.add_argument("--current-premium", default="prem_last", help="column of the current premium (%(default)s)")
    cmd.add_argument("--technical", help="column of the technical premium (the new-business price by default); "
                     "without it, with --plan, each policy is quoted with the plan for its technical premium")
    cmd.add_argument("--new-business", help="column of the new-business price")
    cmd.add_argument("--plan", help="rating plan JSON: a demand model reading its prohibited columns is refused")
    cmd.add_argument("--min-retention", type=float, help="overall expected retention at least this share")
    cmd.add_argument("--min-volume", type=float, help="expected premium volume at least this amount")
    cmd.add_argument("--max-average-change", type=float, help="average offered change at most this share")
    cmd.add_argument("--max-increase", type=_share, default=0.2, help="cap on the increase (share or 'none')")
    cmd.add_argument("--max-decrease", type=_share, default=0.2, help="cap on the decrease (share or 'none')")
    cmd.add_argument("--no-new-business-rule", action="store_true", help="allow offers above the new-business price")
    cmd.add_argument("--min-premium", type=float, help="minimum premium")
    cmd.add_argument("--rounding", type=float, default=0.01, help="rounding unit (%(default)s)")
    cmd.add_argument("--expense-ratio", type=float, default=0.0, help="expenses as a share of the price")
    cmd.add_argument("--sample", type=int, help="find the multipliers on this many policies (seeded)")
    cmd.add_argument("--seed", type=int, default=0, help="seed of the sample (%(default)s)")
    cmd.add_argument("--keep", default="policy_id", help="comma-separated columns copied to the offers")
    cmd.add_argument("--engine", choices=("local", "dask"), default="local")
    cmd.add_argument("--chunk-rows", type=int, default=500_000)


def run_optimise(args: argparse.Namespace) -> int:
    """Run ``autorisk optimise``: one JSON summary line on stdout, or one error on stderr and exit code 2."""
    import pandas as pd

    from autorisk.batch import rerate
    from autorisk.errors import AutoriskError, ParameterError
    from autorisk.optimise import MaxAverageChange, MinRetention, MinVolume, OptimisedRenewalJob
    from autorisk.renewal import RenewalRules

    try:
        try:
            from autorisk.demand import load_demand_model
        except ImportError:
            raise ParameterError("autorisk optimise needs autorisk.demand (load_demand_model) to read --demand") from None
        demand = load_demand_model(args.demand)
        plan = None
        if args.plan:
            from autorisk.rating import RatingPlan

            plan = RatingPlan.load(args.plan)
        source = Path(args.input)
        if not source.exists():
            raise ParameterError(f"input {args.input!r}: no such file or directory")
        constraints = [c for c, x in ((MinRetention, args.min_retention), (MinVolume, args.min_volume),
                                      (MaxAverageChange, args.max_average_change)) if x is not None for c in [c(x)]]  # fmt: skip
        rules = RenewalRules(max_increase=args.max_increase, max_decrease=args.max_decrease,
                             new_business_rule=not args.no_new_business_rule, min_premium=args.min_premium,
                             rounding=args.rounding)  # fmt: skip
        keep = tuple(c.strip() for c in args.keep.split(",") if c.strip())
        book = pd.read_parquet(source)
        if args.min_volume is not None and args.sample is not None:
            raise ParameterError("--min-volume is a total over the book: it cannot be met on a --sample")
        job = OptimisedRenewalJob.from_book(book, demand, expected_cost=args.expected_cost,
                                            current=args.current_premium, technical=args.technical,
                                            new_business=args.new_business, expense_ratio=args.expense_ratio,
                                            rules=rules, constraints=constraints, plan=plan, keep=keep,
                                            sample=args.sample, seed=args.seed,
                                            technical_from_plan=plan is not None and args.technical is None)  # fmt: skip
        del book
        run = rerate(source, Path(args.output), job, engine=args.engine, chunk_rows=args.chunk_rows, progress=False)
        offers = run.read(columns=["offered_premium", "retention", "expected_profit"])
    except (AutoriskError, OSError) as error:
        print(f"autorisk optimise: error: {error}", file=sys.stderr)
        return 2
    summary = {"policies": len(offers), "expected_retention": float(offers["retention"].mean()),
               "offered_premium": float(offers["offered_premium"].sum()),
               "expected_profit": float(offers["expected_profit"].sum()),
               "multipliers": [list(t) for t in job.terms], "output": str(args.output)}  # fmt: skip
    print(json.dumps(summary, default=str))
    return 0
