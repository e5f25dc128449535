"""Command-line interface: ``autorisk demo``, ``rerate``, ``report``, ``optimise``, ``serve`` and ``audit`` (or ``python -m autorisk ...``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


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
    _add_rerate(commands)
    _add_report(commands)
    from autorisk.optimise.command import add_optimise

    add_optimise(commands)
    from autorisk.service.command import add_serve

    add_serve(commands)
    from autorisk.service.audit_command import add_audit

    add_audit(commands)
    return parser


def _add_report(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="write a self-contained HTML report of a portfolio, its plan, models and renewal run",
        description="Experience overall and by factor (with credibility), one-way charts; given a plan, its "
        "rating tables and the portfolio's premiums; given saved GBMs and a target, their comparison (deviance, "
        "Gini, lift, double lift); given the offers of a renewal run (the output of 'autorisk rerate' with a "
        "renewal job, or renewal_offers), its dislocation. One HTML file with the charts embedded. "
        "Exit code 2 on a bad input or output.",
    )
    report.add_argument("--portfolio", required=True, help="policies: a parquet file, directory or CSV file")
    report.add_argument("--factors", default="", help="comma-separated rating factors for one-way analysis")
    report.add_argument("--plan", help="a rating plan (JSON): its rating tables and the portfolio's premiums")
    report.add_argument("--model", action="append", default=[], metavar="NAME=PATH",
                        help="a saved model, GLM file or GBM folder (repeatable): compared on the portfolio (its --holdout rows) by "
                        "deviance, Gini, lift and double lift of --target")  # fmt: skip
    report.add_argument("--target", help="the portfolio's claim-count column the models predict "
                        "(default: the --claim-count column)")  # fmt: skip
    report.add_argument("--holdout", metavar="COLUMN",
                        help="a True/False (or 1/0) column marking the hold-out rows, kept out of the models' "
                        "fitting: the models are compared on those rows only, labelled hold-out (without it they "
                        "are scored on every row and the report says it cannot tell hold-out from in-sample)")  # fmt: skip
    _add_columns(report, "portfolio")
    report.add_argument("--offers", help="renewal offers (parquet): adds the dislocation section")
    report.add_argument("--by", help="segment column of the dislocation (in the offers)")
    report.add_argument("--output", required=True, help="the .html file to write")
    report.add_argument("--title", default="Pricing report")


def _add_rerate(commands: argparse._SubParsersAction) -> None:
    rerate = commands.add_parser(
        "rerate",
        help="re-rate a portfolio of parquet files with a rating plan",
        description="Quote (or, with --renew, renew) every policy of a portfolio with a rating plan, in chunks of "
        "bounded memory, writing "
        "parquet parts and a run manifest to the output directory. Run the same command again to resume "
        "an interrupted run. Exit code 2 on a bad plan, input, output or policy.",
    )
    rerate.add_argument("--plan", required=True, help="rating plan JSON (saved by RatingPlan.save)")
    rerate.add_argument("--input", required=True,
                        help="parquet file, directory or glob (quote it: 'inforce/*.parquet')")  # fmt: skip
    rerate.add_argument("--output", required=True, help="output directory (created if needed)")
    rerate.add_argument("--engine", choices=["local", "dask"], default="local", help="default: %(default)s")
    rerate.add_argument("--scheduler", help="Dask scheduler address (default: start a local cluster)")
    rerate.add_argument("--workers", type=int, default=2, help="workers of the local Dask cluster (default: %(default)s)")
    rerate.add_argument("--chunk-rows", type=int, default=500_000, help="rows rated at once (default: %(default)s)")
    rerate.add_argument("--keep", default="policy_id",
                        help="comma-separated input columns copied to the output (default: %(default)s)")  # fmt: skip
    rerate.add_argument("--breakdown", action="store_true", help="also write each factor's relativity")
    rerate.add_argument("--errors", choices=["raise", "flag"], default="raise",
                        help="on a policy the plan cannot rate: stop (raise), or write NaN premiums and the "
                        "reason in quote_error (flag); default: %(default)s")  # fmt: skip
    renewal = rerate.add_argument_group(
        "renewal", "with --renew, write renewal offers instead of quotes: each policy's NCD level moves on by the "
        "ladder, its new premium is capped against current_premium and held at most at the new-business price")
    renewal.add_argument("--renew", action="store_true", help="renew the portfolio instead of quoting it")
    renewal.add_argument("--ladder", help="NCD / bonus-malus ladder: a shipped name (china_national, france_crm, "
                         "...) or a JSON file; default: no ladder (NCD levels stay)")  # fmt: skip
    renewal.add_argument("--max-increase", type=_share, default=0.2, metavar="SHARE",
                         help="cap on the rise, e.g. 0.25, or 'none' (default: %(default)s)")  # fmt: skip
    renewal.add_argument("--max-decrease", type=_share, default=0.2, metavar="SHARE",
                         help="cap on the fall, e.g. 0.15, or 'none' (default: %(default)s)")  # fmt: skip
    renewal.add_argument("--no-new-business-rule", action="store_true",
                         help="allow a renewal price above the new-business price")  # fmt: skip
    renewal.add_argument("--current-premium", default="current_premium",
                         help="column of the premium paid now (default: %(default)s)")  # fmt: skip
    renewal.add_argument("--claims", default="claims_since_renewal",
                         help="column of claims since the last renewal, for the ladder (default: %(default)s)")  # fmt: skip
    renewal.add_argument("--at-fault", metavar="COLUMN",
                         help="column of claims with the insured fully at fault (coefficient ladders, e.g. france_crm)")
    renewal.add_argument("--partly-at-fault", metavar="COLUMN",
                         help="column of claims with the insured partly at fault (france_crm: x1.125 each)")
    renewal.add_argument("--lapse-days", metavar="COLUMN",
                         help="column of uninsured days before this renewal (china_national resets after 183)")
    rerate.add_argument("--no-resume", action="store_true", help="discard an earlier run in the output and start afresh")
    rerate.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_columns(rerate, "input")


def _add_columns(parser: argparse.ArgumentParser, what: str) -> None:
    """--map, --exposure and --claim-count: reading a table whose columns are named otherwise."""
    columns = parser.add_argument_group(
        "columns", f"the {what}'s columns under the names autorisk reads (policy_id, exposure, claim_count, the "
        "plan's factors)")  # fmt: skip
    columns.add_argument("--map", action="append", default=[], metavar="INPUT=NAME",
                         help=f"read the {what}'s column INPUT as NAME, e.g. --map IDpol=policy_id; repeatable or "
                         "comma-separated (--map IDpol=policy_id,Region=region)")  # fmt: skip
    kept = " (copied to the output as 'exposure')" if what == "input" else ""
    columns.add_argument("--exposure", metavar="COLUMN|NUMBER",
                         help=f"earned exposure: a column, or one number for every row (e.g. 1){kept}; "
                         "default: the column 'exposure'")  # fmt: skip
    kept = (" (copied to the output as 'claim_count'; with --renew the ladder reads --claims)" if what == "input"
            else "; default: the column 'claim_count'")  # fmt: skip
    columns.add_argument("--claim-count", metavar="COLUMN", help=f"column of claim counts{kept}")


def _share(text: str) -> float | None:
    """A cap given on the command line: a share such as 0.25, or 'none' for no cap."""
    if text.strip().lower() == "none":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share (e.g. 0.25) or 'none'") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from autorisk.demo import run_demo

        run_demo(dataset=args.dataset, n_policies=args.policies, n_years=args.years, seed=args.seed)
    elif args.command == "rerate":
        return _rerate(args)
    elif args.command == "report":
        return _report(args)
    elif args.command == "optimise":
        from autorisk.optimise.command import run_optimise

        return run_optimise(args)
    elif args.command == "serve":
        from autorisk.service.command import run_serve

        return run_serve(args)
    elif args.command == "audit":
        from autorisk.service.audit_command import run_audit

        return run_audit(args)
    return 0


def _existing(path: str, label: str) -> Path:
    """``path`` as a Path, or a ParameterError naming it when nothing is there."""
    from autorisk.errors import ParameterError

    source = Path(path)
    if not source.exists():
        raise ParameterError(f"{label} {path!r}: no such file or directory")
    return source


def _comparison(models: list[str], target: str | None, portfolio: Any) -> Any:
    """Compare saved GBMs (``NAME=PATH``) on the portfolio's ``target`` claim counts."""
    from autorisk.errors import ParameterError
    from autorisk.evaluate import compare
    from autorisk.models import load_model

    if target is None:
        raise ParameterError("--model needs --target, the claim-count column the models predict")
    loaded = {}
    for spec in models:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise ParameterError(f"--model {spec!r}: expected NAME=PATH")
        loaded[name] = load_model(_existing(path, f"model {name}"))
    return compare(loaded, portfolio, target=target)


def _report(args: argparse.Namespace) -> int:
    """Run ``autorisk report``: the report's path on stdout, or one error on stderr and exit code 2."""
    import pandas as pd

    from autorisk.errors import AutoriskError, ParameterError
    from autorisk.rating import RatingPlan
    from autorisk.renewal import dislocation
    from autorisk.report import pricing_report

    def read(path: str, label: str) -> pd.DataFrame:
        source = _existing(path, label)
        return pd.read_csv(source) if source.suffix.lower() == ".csv" else pd.read_parquet(source)

    try:
        portfolio, exposure, claim_count = _portfolio_columns(read(args.portfolio, "portfolio"), args)
        factors = [f.strip() for f in args.factors.split(",") if f.strip()]
        summary = dislocation(read(args.offers, "offers"), by=args.by) if args.offers else None
        plan = RatingPlan.load(_existing(args.plan, "plan")) if args.plan else None
        scored, scored_on, note = _scored_rows(portfolio, args, exposure)
        comparison = _comparison(args.model, args.target or claim_count, scored) if args.model else None
        output = Path(args.output)
        if not output.parent.is_dir():
            raise ParameterError(f"output {args.output!r}: folder {str(output.parent)!r} does not exist")
        path = pricing_report(output, portfolio=portfolio, factors=factors, plan=plan, comparison=comparison,
                              comparison_on=scored_on, comparison_note=note, dislocation=summary, title=args.title,
                              exposure=exposure, claim_count=claim_count)  # fmt: skip
    except (AutoriskError, OSError) as error:
        print(f"autorisk report: error: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0


def _column_options(args: argparse.Namespace) -> tuple[dict[str, str], str | float | None, str | None]:
    """The --map renaming ``{input: name}``, the --exposure (column or constant) and the --claim-count column."""
    from autorisk.errors import ParameterError, levels_text

    rename: dict[str, str] = {}
    for spec in (part.strip() for text in args.map for part in text.split(",")):
        if not spec:
            continue
        source, sep, target = (side.strip() for side in spec.partition("="))
        if not sep or not source or not target:
            raise ParameterError(f"--map {spec!r}: expected INPUT=NAME, e.g. --map IDpol=policy_id")
        if source in rename and rename[source] != target:
            raise ParameterError(f"--map gives column {source!r} two names: {rename[source]!r} and {target!r}")
        rename[source] = target
    targets = list(rename.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise ParameterError(f"--map gives two input columns the same name: {levels_text(twice)}")
    exposure: str | float | None = args.exposure
    if exposure is not None:
        try:
            number = float(exposure)
        except ValueError:
            number = None
        if number is not None:
            if not (number > 0 and number < float("inf")):
                raise ParameterError(f"--exposure {args.exposure}: a constant exposure must be a finite number > 0 "
                                     "(years per row), or give a column name")  # fmt: skip
            exposure = number
    return rename, exposure, args.claim_count


def _portfolio_columns(portfolio: Any, args: argparse.Namespace) -> tuple[Any, str, str]:
    """The portfolio renamed by --map, with a constant --exposure added; its exposure and claim-count columns."""
    from autorisk.errors import DataIssue, ParameterError, SchemaError, levels_text

    rename, exposure, claim_count = _column_options(args)
    columns = list(portfolio.columns)
    absent = [s for s in rename if s not in columns]
    if absent:
        raise SchemaError([DataIssue(s, "missing column", f"a column to read as {rename[s]!r} (--map {s}={rename[s]}); "
                                     f"columns: {levels_text(columns)}") for s in absent])  # fmt: skip
    clash = sorted(set(rename.values()) & (set(columns) - set(rename)))
    if clash:
        raise ParameterError(f"--map: the portfolio already has column(s) {levels_text(clash)}; map them away too "
                             "or choose other names")  # fmt: skip
    portfolio = portfolio.rename(columns=rename)
    if isinstance(exposure, float):
        if "exposure" in portfolio.columns:
            raise ParameterError(f"--exposure {args.exposure}: the portfolio already has a column 'exposure' (give "
                                 "--exposure exposure to use it, or --map it to another name)")  # fmt: skip
        portfolio = portfolio.assign(exposure=exposure)
        exposure = "exposure"
    hints = {"exposure": "--exposure COLUMN, or --exposure 1 for one year per row",
             "claim count": "--claim-count COLUMN"}  # fmt: skip
    named = {"exposure": exposure or "exposure", "claim count": claim_count or "claim_count"}
    missing = [(what, column) for what, column in named.items() if column not in portfolio.columns]
    if missing:
        raise SchemaError([DataIssue(column, "missing column", f"the {what} column: name it with {hints[what]}; "
                                     f"columns: {levels_text(list(portfolio.columns))}") for what, column in missing])  # fmt: skip
    return portfolio, named["exposure"], named["claim count"]


def _scored_rows(portfolio: Any, args: argparse.Namespace, exposure: str) -> tuple[Any, str | None, str]:
    """The rows the models are scored on (hold-out ones with --holdout), what they are, and a note saying so."""
    import numpy as np

    from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError

    scored = portfolio
    if exposure != "exposure":  # the comparison reads the column 'exposure'
        scored = portfolio.drop(columns="exposure", errors="ignore").rename(columns={exposure: "exposure"})
    if args.holdout is None:
        return scored, None, ("They are every row of the portfolio: if the models were fitted on it, these metrics "
                              "are in-sample; give --holdout COLUMN to score only the rows kept out of fitting.")  # fmt: skip
    if not args.model:
        raise ParameterError("--holdout marks the rows the models are scored on: add --model")
    column = args.holdout
    if column not in portfolio.columns:
        raise SchemaError(DataIssue(column, "missing column", "the --holdout column (True/False or 1/0 per row)"))
    flags = portfolio[column]
    bad = ~flags.map(lambda v: isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, float, np.integer, np.floating))
                                                                   and v in (0, 1))).to_numpy(dtype=bool)  # fmt: skip
    if bad.any():
        raise DataError(DataIssue.from_mask(column, "not a hold-out flag", "True/False or 1/0 (--holdout)", bad,
                                            portfolio.index, flags))  # fmt: skip
    mask = flags.astype(bool).to_numpy()
    if not mask.any():
        raise ParameterError(f"--holdout {column}: no row is marked hold-out (all {len(mask):,} are False or 0)")
    note = f"They are the rows with {column} true ({int(mask.sum()):,} of {len(mask):,}), kept out of fitting."
    return scored[mask], "hold-out", note


def _rerate(args: argparse.Namespace) -> int:
    """Run ``autorisk rerate``: one summary line on stdout, or one error on stderr and exit code 2."""
    from pathlib import Path

    from autorisk.batch import QuoteJob, ResumeError, rerate
    from autorisk.batch.columns import MappedJob
    from autorisk.batch.manifest import now
    from autorisk.errors import AutoriskError, ParameterError, PlanError
    from autorisk.rating import RatingPlan
    from autorisk.renewal import RenewalJob, RenewalRules, load_ladder

    started = None  # when the run itself began (after the options were checked)
    try:
        try:
            plan = RatingPlan.load(args.plan)
        except OSError as error:
            raise ParameterError(f"plan {args.plan!r}: cannot read it ({error.strerror or error})") from None
        except PlanError as error:
            raise PlanError(f"plan {args.plan!r}: {error}") from None
        _check_run_options(args)
        rename, exposure, claim_count = _column_options(args)
        keep = tuple(c.strip() for c in args.keep.split(",") if c.strip())
        constants = {}
        for column, given in (("exposure", exposure), ("claim_count", claim_count)):
            if given is None:
                continue
            if isinstance(given, float):
                constants[column] = given
            elif given != column:  # read the input's column (or the one --map names so) as this one
                sources = [s for s, t in rename.items() if t == given]
                rename.update({s: column for s in sources} if sources else {given: column})
            keep = (*keep, column) if column not in keep else keep
        if args.renew:
            if args.breakdown or args.errors != "raise":
                raise ParameterError("--breakdown and --errors apply to quotes, not to --renew")
            rules = RenewalRules(max_increase=args.max_increase, max_decrease=args.max_decrease,
                                 new_business_rule=not args.no_new_business_rule)  # fmt: skip
            ladder = load_ladder(args.ladder) if args.ladder else None
            if ladder is None and (args.at_fault or args.partly_at_fault or args.lapse_days):
                raise ParameterError("--at-fault, --partly-at-fault and --lapse-days are read by a ladder: add --ladder")
            job = RenewalJob.from_plan(plan, rules, ladder, current_premium=args.current_premium,
                                       claims=args.claims, keep=keep, at_fault=args.at_fault,
                                       partly_at_fault=args.partly_at_fault, lapse_days=args.lapse_days)  # fmt: skip
        else:
            job = QuoteJob.from_plan(plan, keep=keep, breakdown=args.breakdown, errors=args.errors)
        if rename or constants:
            job = MappedJob(job, rename, constants)
        started = now()
        result = rerate(args.input, Path(args.output), job, engine=args.engine, scheduler=args.scheduler,
                        n_workers=args.workers, chunk_rows=args.chunk_rows, resume=not args.no_resume,
                        progress=not args.no_progress)  # fmt: skip
    except ResumeError as error:
        print(f"autorisk rerate: error: {error.cli_message()}", file=sys.stderr)
        return 2
    except (AutoriskError, OSError) as error:
        print(f"autorisk rerate: error: {error}", file=sys.stderr)
        if started is not None and (hint := _after_failure(Path(args.output), started)):
            print(f"autorisk rerate: {hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autorisk rerate: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    print(result.summary())
    return 0


def _check_run_options(args: argparse.Namespace) -> None:
    """The run options in the command line's words (rerate() itself names its Python arguments)."""
    from autorisk.errors import ParameterError

    for flag, value in (("--chunk-rows", args.chunk_rows), ("--workers", args.workers)):
        if value < 1:
            raise ParameterError(f"{flag} must be a positive integer, got {value}")
    if args.scheduler is not None and args.engine != "dask":
        raise ParameterError(f"--scheduler {args.scheduler!r} is only used with --engine dask")


def _after_failure(output: Path, started: str) -> str:
    """What to do after this command's run stopped on an error and left its manifest in ``output`` (else "")."""
    import json

    from autorisk.batch import MANIFEST

    try:
        manifest = json.loads((output / MANIFEST).read_text())
        last = manifest["runs"][-1]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return ""
    if manifest.get("status") != "failed" or str(last.get("started")) < started:
        return ""
    return (f"the run stopped; the parts it wrote are kept in {str(output)!r}: the same command resumes it, and "
            "once the input or options change, add --no-resume to start over")
