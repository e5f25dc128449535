"""Command-line interface: ``autorisk demo`` (or ``python -m autorisk demo``)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autorisk", description="Actuarial pricing and risk analytics for motor insurance."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="run the main job end to end on bundled data",
        description="Load a real book and a synthetic Chinese motor book, validate them "
        "and print portfolio summaries.",
    )
    demo.add_argument("--dataset", default="swmotorcycle", help="bundled real dataset (default: %(default)s)")
    demo.add_argument("--policies", type=int, default=50_000, help="synthetic policies in force per year")
    demo.add_argument("--years", type=int, default=3, help="underwriting years of the synthetic book")
    demo.add_argument("--seed", type=int, default=2024, help="random seed of the synthetic book")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from autorisk.demo import run_demo

        run_demo(dataset=args.dataset, n_policies=args.policies, n_years=args.years, seed=args.seed)
    return 0
