"""The main job end to end on bundled data: what ``make demo`` runs.

Each step prints what an actuary would look at. Later layers (models, rating
plans, renewal) add their steps here, so there stays one entry point.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the demo writes PNG files; it never opens a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from autorisk.analytics import (
    departing_segments,
    experience_table,
    monitor,
    risk_deciles,
    top_risks,
)
from autorisk.data import (
    aggregate_claims,
    large_loss_loading,
    split_exposure,
    validate_claims,
    validate_policies,
)
from autorisk.datasets import (
    SyntheticBook,
    dataset_info,
    load,
    price_test,
    renewal_quotes,
    synthetic_book,
)
from autorisk.demand import RetentionGLM
from autorisk.errors import ParameterError
from autorisk.evaluate import Comparison, compare
from autorisk.explain import gbm_to_tariff, interaction_strength
from autorisk.indication import (
    Indication,
    IndicationResult,
    extension_of_exposures,
    loss_ratio_indication,
    pure_premium_indication,
)
from autorisk.models import FrequencyGBM, FrequencyGLM, FrequencySeverity, SeverityGLM
from autorisk.optimise import MinRetention, optimise_offers
from autorisk.rating import RatingPlan, coverage_from_pair, diff_plans, export_tables, limit_factor
from autorisk.rating.templates.china import china_motor_plan, ctpl_vehicle_class
from autorisk.renewal import Dislocation, RenewalRules, dislocation, load_ladder, renewal_offers
from autorisk.report import pricing_report
from autorisk.reserving import ReserveResult, bornhuetter_ferguson, build_triangle, mack
from autorisk.severity import SplicedFit, compare_families, gpd_stability

#: Rating factors summarised for each bundled policy-level dataset.
REAL_BOOK_FACTORS = {
    "swmotorcycle": ["bonus_class", "area", "risk_class"],
    "ausprivauto0405": ["driver_age_group", "vehicle_age_group", "gender"],
    "norauto": ["geo_region", "distance_limit", "young"],
}

#: GLM rating structure per real book: factors and band cut points
#: (swmotorcycle follows Ohlsson & Johansson's case study).
REAL_BOOK_MODELS = {
    "swmotorcycle": {
        "factors": ["area", "risk_class", "vehicle_age", "owner_age", "bonus_class"],
        "bands": {"vehicle_age": [2, 5], "owner_age": [21, 25, 31, 41, 51, 61]},
    },
    "ausprivauto0405": {"factors": ["driver_age_group", "vehicle_age_group", "vehicle_body", "gender"]},
    "norauto": {"factors": ["geo_region", "distance_limit", "young", "male"]},
}

#: Large-loss threshold (CNY per claim) used on the synthetic book.
LARGE_LOSS_CAP = 100_000.0
#: Annual loss trend assumed by the demo's indication (an assumption, not an estimate).
INDICATION_LOSS_TREND = 0.03
#: China commercial motor TPL limit options priced by the severity step (CNY; base 1M). The bundled
#: bodily-injury amounts are AUD: they stand in for the shape of a TPL severity, with no conversion.
TPL_LIMITS = (1_000_000, 2_000_000, 3_000_000, 5_000_000)
#: Candidate thresholds of the GPD tail of the bodily-injury claims, and the one the splice uses:
#: the mean excess is close to linear above it and the GPD shape settles near 0.3.
TAIL_THRESHOLDS = (100_000.0, 200_000.0, 400_000.0)
TAIL_THRESHOLD = 200_000.0


def run_demo(
    dataset: str = "swmotorcycle", n_policies: int = 50_000, n_years: int = 3, seed: int = 2024
) -> None:
    """Run the end-to-end demo and print its summaries.

    Parameters
    ----------
    dataset : str
        A bundled policy-level dataset with exposure, claim counts and amounts
        (one of ``REAL_BOOK_FACTORS``).
    n_policies, n_years, seed
        Size and seed of the synthetic Chinese private-car book.
    """
    with pd.option_context("display.width", 120, "display.max_columns", 12, "display.max_colwidth", 40):
        _real_book(dataset)
        book, experience = _synthetic_book(n_policies, n_years, seed)
        comparison, glm = _gbm_challenger(book, experience, seed)
        segments = _segmentation_and_monitoring(comparison, glm)
        current_plan, new_plan, rated = _china_plan(book, experience, seed)
        policies = _latest_year(rated)
        summary = _renewal(current_plan, new_plan, policies)
        _optimised_renewal(seed)
        reserves, indication = _reserving_and_indication(book, rated, current_plan)
        _severity_and_limits()
        path = pricing_report(
            Path(tempfile.gettempdir()) / "autorisk-report.html", portfolio=experience, factors=["region", "use"],
            two_way=[("region", "use")], comparison=comparison, comparison_on="hold-out",
            comparison_note=HOLDOUT_NOTE, glm=glm, plan=new_plan, dislocation=summary, reserves=reserves,
            indication=indication, **segments,
            title="autorisk demo: synthetic Chinese book",
        )  # fmt: skip
        print(f"\nHTML report of this run (self-contained) written to {path}")


def _real_book(name: str) -> None:
    info = dataset_info(name)
    factors = REAL_BOOK_FACTORS.get(name)
    if factors is None:
        raise ParameterError(
            f"demo needs a policy-level dataset; valid names: {', '.join(REAL_BOOK_FACTORS)}"
        )
    _title(f"1. Real book: {info.title}")
    print(f"source: {info.source}")
    raw = load(name)
    # These books have one row per policy and no policy number: the row label is the id.
    policies, rejected = validate_policies(
        raw.rename_axis("policy_id").reset_index(), factors=factors, errors="reject"
    )
    print(f"validated {len(policies):,} policies ({len(rejected):,} rejected)")
    _show("portfolio", experience_table(policies))
    for factor in factors:
        _show(f"by {factor}", experience_table(policies, factor))
    _real_book_models(name, policies)


def _real_book_models(name: str, policies: pd.DataFrame) -> None:
    spec = REAL_BOOK_MODELS[name]
    exposed = policies[policies["exposure"] > 0]
    print(f"\nGLMs on {len(exposed):,} policies with exposure > 0")
    pair = FrequencySeverity(FrequencyGLM(**spec), SeverityGLM(**spec)).fit(
        exposed, exposed["claim_count"], exposed["claim_amount"], exposure=exposed["exposure"]
    )
    print(f"\n-- frequency GLM (Poisson, log-exposure offset)\n{pair.frequency_.summary()}")
    print(f"\n-- severity GLM (Gamma, weighted by claim count)\n{pair.severity_.summary()}")
    _show("type III likelihood-ratio tests, frequency",
          pair.frequency_.drop_one(exposed, exposed["claim_count"], exposure=exposed["exposure"]))
    _rating_plan(name, pair, exposed)


def _rating_plan(name: str, pair: FrequencySeverity, policies: pd.DataFrame) -> None:
    plan = RatingPlan(f"{name} pure premium", "1", (coverage_from_pair(pair, "pure_premium"),))
    path = Path(tempfile.gettempdir()) / f"autorisk-{name}-plan.json"
    reloaded = RatingPlan.load(plan.save(path))
    sample = policies.head(5)
    quotes = reloaded.quote(sample)
    agrees = np.allclose(quotes["premium_pure_premium"], pair.predict(sample), rtol=1e-9, atol=0)
    print(
        f"\nrating plan {reloaded.plan_id[:12]} built from the GLMs, saved to {path} and reloaded; "
        f"premiums equal the models' predictions: {agrees}"
    )
    _show("quotes with their breakdown (relativity of each factor)", quotes.drop(columns="plan_id").T)


def _synthetic_book(n_policies: int, n_years: int, seed: int) -> tuple[SyntheticBook, pd.DataFrame]:
    _title(f"2. Synthetic Chinese private-car book: {n_policies:,} policies x {n_years} years, seed {seed}")
    started = time.perf_counter()
    book = synthetic_book(n_policies, n_years, seed)
    print(
        f"generated {len(book.policies):,} policy periods and {len(book.claims):,} claims "
        f"in {time.perf_counter() - started:.1f} s"
    )
    factors = ["vehicle_type", "use", "region", "ncd_level", "channel", "gender"]
    policies, _ = validate_policies(book.policies, factors=factors)
    claims, _ = validate_claims(book.claims, policies)
    print("policies and claims validated: no rejected rows; every claim inside its policy period")

    experience = aggregate_claims(policies, claims, cap=LARGE_LOSS_CAP)
    loading = large_loss_loading(experience)
    print(
        f"claims capped at {LARGE_LOSS_CAP:,.0f} CNY: excess "
        f"{experience['claim_amount_excess'].sum():,.0f} CNY, large-loss loading {loading:.2%}"
    )
    _show("portfolio", experience_table(experience))

    by_year = split_exposure(policies)
    _show(
        "earned exposure by calendar year",
        by_year.groupby("year", observed=True)["exposure"].sum().to_frame(),
    )
    _show("by coverage", _by_coverage(experience, claims))

    banded = book.truth.band(experience)
    for factor in ["ncd_level", "driver_age_band", "region", "gender"]:
        _show(f"by {factor}", experience_table(banded, factor))

    _recovery(book, banded)

    expected = {c: float(book.truth.expected_claims(policies, c).sum()) for c in book.truth.coverages}
    actual = claims["coverage"].value_counts()
    _show(
        "claim counts against the known truth (actual / expected)",
        pd.DataFrame({"actual": actual, "expected": pd.Series(expected)}).assign(
            ratio=lambda t: t["actual"] / t["expected"]
        ),
    )
    return book, experience


#: The main-effects GLM of the challenger step: the truth's factors, without its interaction.
GLM_FACTORS = ["vehicle_type", "use", "vehicle_age", "new_car_price", "driver_age", "region", "ncd_level", "channel"]
#: Bands of the challenger step's GLM: the truth's age bands, and car price (a smooth power in the truth).
GLM_BANDS = {"driver_age": [25, 30, 45, 60], "vehicle_age": [2, 4, 7, 10],
             "new_car_price": [100_000, 150_000, 250_000, 400_000]}  # fmt: skip
#: Share of the own-damage policy-years kept out of the challenger step's fitting, drawn at random (seeded).
HOLDOUT_SHARE = 0.3
HOLDOUT_NOTE = (f"They are every own-damage policy-year of the {HOLDOUT_SHARE:.0%} drawn at random (seeded) and "
                "kept out of both models' fitting, not a sample of them; the portfolio summary above is the whole book.")
#: Raw attributes the GBM challenger sees (no bands: it finds its own splits).
GBM_FEATURES = ["vehicle_type", "use", "vehicle_age", "new_car_price", "region", "driver_age", "ncd_level", "channel"]


def _gbm_challenger(book: SyntheticBook, experience: pd.DataFrame, seed: int) -> tuple[Comparison, FrequencyGLM]:
    """A GBM beside the main-effects GLM on held-out OD frequency: comparison, charts, interactions, tariff.

    Own damage carries the book's strongest planted interaction (young drivers
    in expensive cars), which a main-effects GLM cannot see.
    """
    _title("3. GBM challenger: own-damage claim frequency, main-effects GLM against LightGBM")
    data = experience[experience["od_cover"]].assign(ncd_level=experience["ncd_level"].astype("category"))
    test = np.random.default_rng(seed).random(len(data)) < HOLDOUT_SHARE
    train, held_out = data[~test], data[test]
    target = "claim_count_od"
    glm = FrequencyGLM(GLM_FACTORS, bands=GLM_BANDS).fit(train, train[target], exposure=train["exposure"])
    print(f"GLM: {', '.join(GLM_FACTORS)} (driver and vehicle age in the truth's bands, car price in five), main effects only, "
          f"fitted on {len(train):,} policy-years with OD cover")  # fmt: skip
    gbm_data = lambda d: d.assign(ncd_level=d["ncd_level"].astype("int64"))  # noqa: E731 - NCD as a number
    gbm = FrequencyGBM(GBM_FEATURES, monotone={"ncd_level": 1}, learning_rate=0.1, random_state=seed)
    gbm.fit(gbm_data(train), train[target], exposure=train["exposure"])
    print(f"GBM: {', '.join(GBM_FEATURES)} (raw), premium non-decreasing in NCD level, "
          f"{gbm.n_rounds_} rounds chosen by {gbm.n_folds}-fold cross-validated deviance")  # fmt: skip
    scored = held_out.assign(glm=glm.predict(held_out, held_out["exposure"]),
                             gbm=gbm.predict(gbm_data(held_out), held_out["exposure"]))  # fmt: skip
    comparison = compare({"glm": scored["glm"].to_numpy(), "gbm": scored["gbm"].to_numpy()}, scored,
                         target=target, family="poisson")  # fmt: skip
    _show(f"held-out comparison on {len(held_out):,} policy-years (deviance per unit exposure, Gini, A/E)",
          comparison.wide)  # fmt: skip
    difference = comparison.bootstrap("gbm", "glm", "deviance")
    print(f"GBM - GLM deviance: {difference.estimate:.5f}, 95% interval [{difference.lower:.5f}, {difference.upper:.5f}]")
    folder = Path(tempfile.gettempdir())
    for name, axes in (("lift", comparison.plot_lift("gbm")), ("double-lift", comparison.plot_double_lift("gbm", "glm"))):
        path = folder / f"autorisk-{name}.png"
        axes.figure.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(axes.figure)
        print(f"{name} chart saved to {path}")

    ranking = interaction_strength(gbm, gbm_data(train), exposure=train["exposure"], seed=seed)
    _show("strongest interactions the GBM found (Friedman's H on the log rate)",
          ranking.head(3).set_index(["feature_a", "feature_b"])[["strength", "h2"]])  # fmt: skip
    tariff = gbm_to_tariff(gbm, gbm_data(train), train[target], train["exposure"], interactions=1, seed=seed,
                           test=(gbm_data(held_out), held_out[target], held_out["exposure"]))  # fmt: skip
    bands = "; ".join(f"{k} {[float(c) for c in v]}" for k, v in tariff.bands.items())
    print(f"tariff from the GBM: cut points {bands}; interaction {tariff.interactions}; it keeps "
          f"{tariff.gini_ratio:.0%} of the GBM's held-out Gini ({tariff.gini_tariff:.3f} / {tariff.gini_gbm:.3f})")
    return comparison, glm


def _segmentation_and_monitoring(comparison: Comparison, glm: FrequencyGLM) -> dict:
    """Treat the OD GLM as deployed: segment its held-out book by risk and monitor it over time."""
    _title("3b. Risk segmentation and monitoring of the deployed OD frequency GLM (held-out policy-years)")
    target = "claim_count_od"
    data = comparison.data.assign(
        score=lambda d: d["glm"] / d["exposure"],
        driver_age_band=lambda d: pd.cut(d["driver_age"], [17, 24, 29, 44, 59, 120]),
        car_price_band=lambda d: pd.cut(d["new_car_price"], [0, 100_000, 250_000, np.inf], right=False),
    )
    deciles = risk_deciles(data, "score", actual=target, expected="glm", factors=["driver_age_band", "region"])
    _show("risk deciles of the GLM's predicted OD frequency (1 = lowest; A/E of the held-out claims)",
          deciles.drop(columns=["min_score", "max_score"]))  # fmt: skip
    top = top_risks(_latest_year(data), glm, n=5, keep=("policy_id",))
    _show("the five riskiest policies of the latest year and what drives their score (relative to the book)",
          top[["rank", "policy_id", "score", "relativity", "driver_1", "driver_2", "driver_3"]].set_index("rank"))  # fmt: skip
    departing = departing_segments(data, ["driver_age_band", "car_price_band", "use", "region"], target, "glm",
                                   exposure="exposure", adjust="holm")  # fmt: skip
    _show("segments whose claims depart from the GLM (exact Poisson test, Holm-adjusted across segments)",
          departing[departing["departs"]].set_index(["factor", "level"])[
              ["exposure", "actual", "expected", "ae", "ae_lower", "ae_upper", "p_adjusted"]])  # fmt: skip
    first = data["period_start"].dt.year == data["period_start"].dt.year.min()
    monitoring = monitor(data, target, "glm", period="period_start", freq="Q", by=["driver_age_band"],
                         exposure="exposure", reference=data[first], drift_factors=["region", "use", "driver_age_band"])  # fmt: skip
    print(f"\n-- monitoring by quarter of policy start\n{monitoring}")
    return {"risk_deciles": deciles, "top_risks": top, "departing_segments": departing, "monitoring": monitoring}


#: Band cut points of the benchmark models on the synthetic book (the truth's own edges).
CHINA_BANDS = {"driver_age": [25, 30, 45, 60], "vehicle_age": [2, 4, 7, 10]}
#: The industry benchmark rates the vehicle and the region; the insurer's own risk model adds
#: the driver and the channel, and becomes the autonomous pricing coefficient (own / benchmark).
BENCHMARK_FACTORS = ["vehicle_type", "use", "vehicle_age", "region"]
OWN_MODEL_FACTORS = [*BENCHMARK_FACTORS, "driver_age", "channel"]


def _china_plan(book: SyntheticBook, experience: pd.DataFrame, seed: int) -> tuple[RatingPlan, RatingPlan, pd.DataFrame]:
    """Build the China motor plan from benchmark GLMs, save, reload, diff, quote and export it.

    Returns the plan (version 1), its version 2 and every policy period of the
    book with the attributes the plan reads.
    """
    _title("4. China motor rating plan from the synthetic book")
    last_year = _latest_year(experience)
    benchmarks, own = {}, {}
    for coverage in ("tpl", "od"):
        data = experience if coverage == "tpl" else experience[experience["od_cover"]]
        counts, amounts = data[f"claim_count_{coverage}"], data[f"claim_amount_{coverage}"]
        pairs = {}
        for label, factors in (("benchmark", BENCHMARK_FACTORS), ("own", OWN_MODEL_FACTORS)):
            bands = {k: v for k, v in CHINA_BANDS.items() if k in factors}
            pairs[label] = FrequencySeverity(
                FrequencyGLM(factors, bands=bands), SeverityGLM(BENCHMARK_FACTORS[:2], bands={})
            ).fit(data, counts, amounts, exposure=data["exposure"])
        benchmarks[coverage] = coverage_from_pair(pairs["benchmark"], coverage)
        own[coverage] = pairs["own"]
        print(f"{coverage}: benchmark pure premium from a frequency-severity GLM pair on {len(data):,} policy-years "
              f"({', '.join(BENCHMARK_FACTORS)})")  # fmt: skip
    plan = china_motor_plan(benchmarks["tpl"], benchmarks["od"], autonomous_range="2020", expense_loading=0.25,
                            extra_regions={"Other": "E"}, name="China motor (synthetic)", version="1",
                            effective_from="2027-01-01")  # fmt: skip
    path = Path(tempfile.gettempdir()) / "autorisk-china-plan.json"
    reloaded = RatingPlan.load(plan.save(path))
    print(f"plan {reloaded.plan_id[:12]} saved to {path} and reloaded (same id: {reloaded.plan_id == plan.plan_id}); "
          f"bounds: {', '.join(f'{b.target} in {b.interval}' for b in plan.bounds)}")  # fmt: skip

    rated = _rating_attributes(experience, own, benchmarks, seed)
    policies = rated.loc[last_year.index]
    quotes = reloaded.quote(policies)
    clamped = quotes["tpl.autonomous.clamped"].value_counts().reindex([-1, 0, 1], fill_value=0)
    print(f"quoted {len(quotes):,} policies of the latest year; autonomous coefficient clamped to the 2020 range "
          f"[0.65, 1.35]: {clamped[-1]:,} raised, {clamped[1]:,} lowered, {clamped[0]:,} inside")  # fmt: skip
    one = reloaded.quote_one(policies.iloc[0].to_dict())
    print(f"quote_one on the first policy equals the batch bit for bit: "
          f"{all(one[c] == quotes[c].iloc[0] for c in quotes.columns)}")  # fmt: skip
    shown = [c for c in quotes.columns if c.startswith(("ctpl.", "tpl.", "pure_tpl", "premium_"))]
    _show("five quotes with their breakdown (relativity of each factor, premiums in CNY)", quotes[shown].head(5).T)
    _show("premium by NCD level", quotes.groupby(policies["ncd_level"])[
        ["premium_ctpl", "premium_tpl", "premium_od", "premium_total"]].mean())  # fmt: skip

    revised = reloaded.override("tpl", "region", {"Beijing": 1.1 * _relativity(reloaded, "tpl", "region", "Beijing")})
    revised = RatingPlan(revised.name, "2", revised.coverages, "2027-07-01", revised.prohibited_columns, revised.bounds)
    print(f"\n-- version 2 against version 1 (an actuary's +10% on Beijing TPL, effective 2027-07-01)\n"
          f"{diff_plans(reloaded, revised)}")  # fmt: skip
    folder = export_tables(revised, Path(tempfile.gettempdir()) / "autorisk-china-tables")
    workbook = export_tables(revised, Path(tempfile.gettempdir()) / "autorisk-china-tables.xlsx")
    print(f"rating tables for filing written to {folder} (CSV) and {workbook} (Excel)")
    return reloaded, revised, rated


def _renewal(current_plan: RatingPlan, new_plan: RatingPlan, policies: pd.DataFrame) -> Dislocation:
    """Renew the latest year with version 2: NCD moved on by the ladder, offers capped, dislocation."""
    _title("5. Renewal of the latest year with plan version 2")
    ladder = load_ladder("china_national")
    book = ladder.init_state(policies).assign(
        current_premium=current_plan.quote(policies, breakdown=False)["premium_total"].to_numpy(),
        # NCD moves on commercial claims only (compulsory TPL claims do not count)
        claims_since_renewal=(policies["claim_count_tpl"] + policies["claim_count_od"]).to_numpy(),
    )
    rules = RenewalRules(max_increase=0.25, max_decrease=0.15, new_business_rule=True)
    offers = renewal_offers(book, new_plan, rules=rules, ladder=ladder, keep=("policy_id", "region"))
    moved = (offers["ncd_level"].to_numpy() != book["ncd_level"].to_numpy()).mean()
    print(f"{len(offers):,} policies renewed with plan {new_plan.plan_id[:12]} (v{new_plan.version}); NCD level moved "
          f"by the {ladder.name} ladder for {moved:.0%} of them; caps +{rules.max_increase:.0%} / "
          f"-{rules.max_decrease:.0%}, renewal price at most the new-business price")  # fmt: skip
    summary = dislocation(offers, by="region")
    print(f"\n-- dislocation summary\n{summary}")
    axes = summary.plot()
    path = Path(tempfile.gettempdir()) / "autorisk-dislocation.png"
    axes.figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(axes.figure)
    print(f"dislocation chart saved to {path}")
    return summary


def _optimised_renewal(seed: int) -> None:
    """Demand and price optimisation on a synthetic renewal book with a known retention curve."""
    _title("5b. Demand and price optimisation: a retention model and the efficient frontier")
    book = renewal_quotes(20_000, seed=seed)
    tested = price_test(book, arms=(-0.05, 0.0, 0.05), seed=seed).quotes
    demand = RetentionGLM(["age_band", "channel", "claimed"], offered="prem_offered", last="prem_last",
                          market="prem_market", price_terms=["change", "competitiveness"],
                          price_interactions=["age_band", "channel"]).fit(tested, tested["renewed"])  # fmt: skip
    quotes = book.quotes
    print(f"retention GLM fitted on a randomised price test of {len(tested):,} renewals (arms -5%, 0, +5%); "
          f"mean elasticity {demand.elasticity(quotes).mean():.3f} against the truth's "
          f"{book.truth.elasticity(quotes, quotes['prem_offered'].to_numpy()).mean():.3f}")
    target = float(demand.predict_retention(quotes, quotes["prem_last"].to_numpy()).mean())
    rules = RenewalRules(max_increase=0.15, max_decrease=0.10, new_business_rule=True)
    result = optimise_offers(quotes, demand, expected_cost="expected_cost", current="prem_last",
                             technical="prem_technical", rules=rules, constraints=[MinRetention(target)],
                             keep=("policy_id", "age_band"))  # fmt: skip
    print(f"offers optimised for {len(quotes):,} renewals keeping last year's retention ({target:.1%}), caps "
          f"+{rules.max_increase:.0%} / -{rules.max_decrease:.0%}, at most the new-business (technical) price; "
          f"duality gap {result.duality_gap:.1e}\n\n-- pricings compared\n{_money_table(result.comparison)}")
    frontier = result.frontier(points=9)
    print(f"\n-- efficient frontier (profit against retention)\n{_money_table(frontier.table.drop(columns='multiplier'))}")


def _money_table(table: pd.DataFrame) -> str:
    """Retention and changes as ratios, premium volume and profit in whole units with separators."""
    money = {c: "{:,.0f}".format for c in ("volume", "profit") if c in table}
    ratios = {c: "{:.4f}".format for c in ("retention", "mean_change") if c in table}
    return table.to_string(formatters={**money, **ratios})


def _reserving_and_indication(
    book: SyntheticBook, rated: pd.DataFrame, plan: RatingPlan
) -> tuple[list[ReserveResult], IndicationResult]:
    """Develop losses to ultimate (real BI claims, then the synthetic book) and indicate the TPL rate level."""
    _title("6. Loss development and the TPL rate-level indication")
    info = dataset_info("ausautoBI8999")
    # The data hold claims finalised from July 1993 on: earlier accident years lack their
    # early development, so the triangle starts with accident year 1994, valued at end-1998.
    claims_bi = load("ausautoBI8999")
    claims_bi = claims_bi[claims_bi["accident_date"] >= "1994-01-01"]
    real = mack(build_triangle(claims_bi, origin="accident_date", development="finalisation_date",
                               value="claim_amount", valuation_date="1998-12-31"))  # fmt: skip
    _show(f"{info.title}: Mack chain ladder on finalised amounts, accident years 1994-1998 valued at "
          "1998-12-31 (AUD; the data hold no finalisation before July 1993)", real.to_frame())  # fmt: skip
    last = real.table.iloc[-1]
    print(f"accident year {real.table.index[-1]} has {last['latest']:,.0f} AUD finalised after 12 months: its "
          f"chain-ladder ultimate has a CV of {last['cv']:.2f}; an actuary would weigh Bornhuetter-Ferguson for it")  # fmt: skip

    valuation = rated["period_end"].max()
    claims = book.claims[book.claims["coverage"] == "tpl"]
    claims = claims.assign(paid=claims["paid"].clip(upper=LARGE_LOSS_CAP))  # as the models were fitted
    paid = build_triangle(claims, origin="occurrence_date", development="settlement_date", value="paid",
                          valuation_date=valuation)  # fmt: skip
    reported = claims[claims["report_date"] <= valuation]
    print(f"\nsynthetic TPL claims paid by {valuation:%Y-%m-%d} (capped at {LARGE_LOSS_CAP:,.0f} CNY), "
          f"cumulative by accident year and age in months:\n{paid.to_frame().round(0)}")  # fmt: skip
    chain_ladder = mack(paid, sigma="log-linear", tail="exponential")

    # On-level premium by extension of exposures: every earned piece of every policy
    # re-rated with the current plan (version 1) and earned by its exposure.
    pieces = split_exposure(rated)
    current = plan.quote(pieces, breakdown=False)["premium_tpl"].to_numpy()
    on_level = extension_of_exposures(current * pieces["exposure"].to_numpy(), pieces["year"])
    exposure = pieces.groupby("year")["exposure"].sum()
    expense = plan.coverage("tpl").loading
    bf = bornhuetter_ferguson(paid, on_level["on_level_premium"].to_numpy(), apriori_loss_ratio=1 - expense)
    # The synthetic book knows every claim, including those settled after the valuation date.
    known = claims.groupby(claims["occurrence_date"].dt.year)["paid"].sum()
    known = pd.concat([known.set_axis(known.index.astype(str)), pd.Series({"Total": known.sum()})])
    _show("TPL ultimates: Mack chain ladder and Bornhuetter-Ferguson (a priori: on-level premium x "
          f"{1 - expense:.0%}, the plan's permissible loss ratio) against the book's known ultimate",
          pd.concat({"chain ladder": chain_ladder.to_frame()[["latest", "ultimate", "ibnr", "std_err"]],
                     "BF": bf.to_frame()[["apriori", "ultimate", "ibnr"]],
                     "known": known.to_frame("ultimate")}, axis=1))  # fmt: skip

    years = exposure.index.to_list()
    inputs = Indication(
        years=years, earned_exposure=exposure.to_numpy(), losses=chain_ladder.ultimate.to_numpy(),
        on_level_premium=on_level["on_level_premium"].to_numpy(), forecast_effective="2027-07-01",
        loss_trend=INDICATION_LOSS_TREND, variable_expense_ratio=expense, profit_ratio=0.0,
        claim_counts=reported.groupby(reported["occurrence_date"].dt.year).size().reindex(years, fill_value=0),
        # The severity CV of the credibility standard, from the same (capped) claims; nil claims carry no severity.
        claim_amounts=reported.loc[reported["paid"] > 0, "paid"].to_numpy(),
        current_base_rate=plan.coverage("tpl").base_rate,
    )  # fmt: skip
    indication = loss_ratio_indication(inputs)
    print(f"\n{indication}")
    same = pure_premium_indication(inputs).credibility_weighted_change
    print(f"pure-premium method on the same inputs: {same:+.4%} (loss-ratio method "
          f"{indication.credibility_weighted_change:+.4%}); new TPL base rate {indication.new_base_rate:,.2f} CNY "
          f"against {plan.coverage('tpl').base_rate:,.2f}")  # fmt: skip
    return [real, chain_ladder, bf], indication


def _severity_and_limits() -> None:
    """Fit claim-size families to real bodily-injury amounts, splice a GPD tail, and price TPL limits."""
    _title("7. Severity distributions and increased-limit factors for the TPL limits")
    info = dataset_info("ausautoBI8999")
    amounts = load("ausautoBI8999")["claim_amount"].to_numpy()
    comparison = compare_families(amounts)
    _show(f"{info.title}: {len(amounts):,} claim amounts (AUD), maximum-likelihood fits by AIC",
          comparison.table.drop(columns="parameters"))  # fmt: skip
    print("\n".join(f"{name}: {row}" for name, row in comparison.table["parameters"].items()))
    _show("GPD tail above candidate thresholds (its shape should settle once the tail is reached)",
          gpd_stability(amounts, TAIL_THRESHOLDS).set_index("threshold"))  # fmt: skip
    splice = SplicedFit("lognormal", threshold=TAIL_THRESHOLD).fit(amounts)
    print(f"\n{splice._heading()}")
    severities = {**{name: fit.distribution_ for name, fit in comparison.fits.items()},
                  "lognormal + GPD": splice.distribution_, "empirical": amounts}  # fmt: skip
    ilfs = pd.DataFrame(
        {name: limit_factor(severity, TPL_LIMITS, base=TPL_LIMITS[0]).values for name, severity in severities.items()},
        index=pd.Index(TPL_LIMITS, name="limit"),
    )  # fmt: skip
    _show(f"increased-limit factors at the China TPL limits (base {TPL_LIMITS[0]:,}; the AUD amounts stand in "
          "for a TPL severity, unconverted)", ilfs.map(lambda v: f"{v:.4f}"))  # fmt: skip


def _latest_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Policy periods starting in the last year of the book."""
    return frame[frame["period_start"] >= frame["period_start"].max() - pd.Timedelta(days=365)]


def _rating_attributes(policies: pd.DataFrame, own: dict, benchmarks: dict, seed: int) -> pd.DataFrame:
    """The attributes the China plan reads that the synthetic book does not carry, derived or drawn (seeded)."""
    rng = np.random.default_rng(seed)
    n = len(policies)
    out = policies.copy()
    out["ctpl_class"] = ctpl_vehicle_class(policies["use"], policies["seats"])
    # CTPL claim-history category from the NCD level (a proxy: 1-3 claim-free years, 4/5 claims, 0 new).
    ncd = policies["ncd_level"].to_numpy()
    history = np.select([ncd <= -3, ncd == -2, ncd == -1, ncd == 0, ncd >= 1], [3, 2, 1, 4, 5])
    out["ctpl_history"] = np.where((policies["renewal_count"] == 0).to_numpy() & (ncd == 0), 0, history)
    classes = ["none", "minor_1_2", "red_light_or_speeding_3_5"]
    out["traffic_violation_class"] = rng.choice(classes, n, p=[0.8, 0.15, 0.05])
    out["tpl_limit"] = rng.choice([1_000_000, 2_000_000, 3_000_000], n, p=[0.5, 0.3, 0.2])
    out["od_deductible"] = rng.choice([0, 500, 1000], n, p=[0.6, 0.3, 0.1])
    # Autonomous pricing coefficient: the insurer's own model relative to the benchmark.
    ratio = own["tpl"].predict(policies) / RatingPlan("b", "1", (benchmarks["tpl"],)).quote(policies)["pure_tpl"]
    out["autonomous_coefficient"] = ratio.to_numpy()
    return out


def _relativity(plan: RatingPlan, coverage: str, factor: str, level: object) -> float:
    table = next(f for f in plan.coverage(coverage).factors if f.name == factor)
    return dict(table.table())[level]


def _recovery(book, banded: pd.DataFrame) -> None:
    """Fit the TPL frequency GLM on the truth's own structure and set it beside the truth."""
    truth = book.truth
    factors = list(truth.relativities["tpl"])
    # NCD levels are codes with one relativity each, not a number to multiply.
    banded = banded.assign(ncd_level=banded["ncd_level"].astype("category"))
    model = FrequencyGLM(factors, base_levels=truth.reference_levels).fit(
        banded, banded["claim_count_tpl"], exposure=banded["exposure"]
    )
    fitted = model.relativities().set_index(["factor", "level"])
    true = truth.relativity_table("tpl").set_index(["factor", "level"])["relativity"]
    table = fitted[["relativity", "relativity_lower", "relativity_upper"]].join(true.rename("true"), how="inner")
    inside = table["true"].between(table["relativity_lower"], table["relativity_upper"])
    print(
        f"\n-- TPL frequency GLM against the known truth: {inside.sum()} of {len(table)} true relativities "
        "inside the fitted 95% intervals"
    )
    _show("TPL relativities by NCD level, fitted and true", table.loc["ncd_level"])


def _by_coverage(experience: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    # Own damage is optional cover: its exposure is that of the policies that bought it.
    covered = experience.assign(exposure_od=experience["exposure"].where(experience["od_cover"], 0.0))
    rows = {}
    for coverage in claims["coverage"].cat.categories:
        table = experience_table(
            covered,
            exposure="exposure_od" if coverage == "od" else "exposure",
            claim_count=f"claim_count_{coverage}",
            claim_amount=f"claim_amount_{coverage}",
        )
        rows[coverage] = table.iloc[0].drop("exposure_share")
    return pd.DataFrame(rows).T


def _title(text: str) -> None:
    print(f"\n{'=' * len(text)}\n{text}\n{'=' * len(text)}")


def _show(caption: str, table: pd.DataFrame) -> None:
    print(f"\n-- {caption}")
    print(table.map(_number).to_string())


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return value
    if isinstance(value, int) or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4f}"
