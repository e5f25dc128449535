"""The real motor datasets bundled in ``data/``, declared in one place.

Each entry names the parquet file, where the data comes from, and every
column: its original name in CASdatasets, the tidy name autorisk uses, and
what it means. Ordered categorical levels (age groups, distance limits, bonus
classes) are declared here too, so loaded frames sort the way an actuary reads
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CASDATASETS = (
    "R package CASdatasets (C. Dutang and A. Charpentier), licence GPL-2 or later; "
    "converted to parquet with the original column names"
)


@dataclass(frozen=True)
class DatasetColumn:
    """One column of a bundled dataset."""

    original: str
    name: str
    description: str
    kind: str = "auto"  # "auto" keeps the stored dtype; "date", "int", "category" convert
    levels: tuple[str, ...] | None = None  # declared order of the categorical's levels
    ordered: bool = True  # False: levels fix the order of a nominal factor (regions) only


@dataclass(frozen=True)
class DatasetInfo:
    """A bundled dataset: file, provenance, unit of observation and columns."""

    name: str
    filename: str
    title: str
    source: str
    unit: str
    columns: tuple[DatasetColumn, ...] = field(default_factory=tuple)

    @property
    def rename(self) -> dict[str, str]:
        """Mapping from original to tidy column names."""
        return {c.original: c.name for c in self.columns}


def _col(original: str, name: str, description: str, kind: str = "auto", levels=None, ordered=True):
    return DatasetColumn(original, name, description, kind, tuple(levels) if levels else None, ordered)


CATALOGUE: dict[str, DatasetInfo] = {}


def _register(info: DatasetInfo) -> None:
    CATALOGUE[info.name] = info


_register(
    DatasetInfo(
        name="swmotorcycle",
        filename="swmotorcycle.parquet",
        title="Swedish motorcycle partial casco, Wasa 1994-1998",
        source="Ohlsson & Johansson (2010), Non-Life Insurance Pricing with GLMs; " + CASDATASETS,
        unit="policy (aggregated over 1994-1998)",
        columns=(
            _col("OwnerAge", "owner_age", "age of the owner in years (raw data holds some 0s)"),
            _col("Gender", "gender", "owner's gender: Female/Male", "category"),
            _col("Area", "area", "geographic zone (7 zones, from the three largest cities to Gotland)", "category"),
            _col("RiskClass", "risk_class", "vehicle class by EV ratio (engine power / vehicle weight)", "category"),
            _col("VehAge", "vehicle_age", "vehicle age in years"),
            _col("BonusClass", "bonus_class", "bonus class BM1 (new driver) to BM7 (best)", "category",
                 [f"BM{i}" for i in range(1, 8)]),
            _col("Exposure", "exposure", "earned exposure in years (some policies have 0)"),
            _col("ClaimNb", "claim_count", "number of claims"),
            _col("ClaimAmount", "claim_amount", "total claim cost, SEK"),
        ),
    )
)

_register(
    DatasetInfo(
        name="ausprivauto0405",
        filename="ausprivauto0405.parquet",
        title="Australian private motor, policies of 2004-2005",
        source="de Jong & Heller (2008), GLMs for Insurance Data (dataCar); " + CASDATASETS,
        unit="policy",
        columns=(
            _col("Exposure", "exposure", "earned exposure in years"),
            _col("VehValue", "vehicle_value", "vehicle value in AUD 10,000s"),
            _col("VehAge", "vehicle_age_group", "vehicle age group", "category",
                 ["youngest cars", "young cars", "old cars", "oldest cars"]),
            _col("VehBody", "vehicle_body", "vehicle body type (13 types)", "category"),
            _col("Gender", "gender", "driver's gender: Female/Male", "category"),
            _col("DrivAge", "driver_age_group", "driver age group", "category",
                 ["youngest people", "young people", "working people", "older work. people",
                  "old people", "oldest people"]),
            _col("ClaimOcc", "claim_occurred", "1 if at least one claim occurred"),
            _col("ClaimNb", "claim_count", "number of claims"),
            _col("ClaimAmount", "claim_amount", "total claim amount, AUD"),
        ),
    )
)

_register(
    DatasetInfo(
        name="norauto",
        filename="norauto.parquet",
        title="Norwegian motor insurance",
        source="Bolviken (2014), Computation and Modelling in Insurance and Finance; " + CASDATASETS,
        unit="policy",
        columns=(
            _col("Male", "male", "1 if the driver is male"),
            _col("Young", "young", "1 if the driver is young"),
            _col("DistLimit", "distance_limit", "annual driving distance limit", "category",
                 ["8000 km", "12000 km", "16000 km", "20000 km", "25000-30000 km", "no limit"]),
            _col("GeoRegion", "geo_region", "region by traffic density", "category",
                 ["Low-", "Low+", "Medium-", "Medium+", "High-", "High+"]),
            _col("Expo", "exposure", "earned exposure in years"),
            _col("ClaimAmount", "claim_amount", "total claim amount, NOK"),
            _col("NbClaim", "claim_count", "number of claims"),
        ),
    )
)

_register(
    DatasetInfo(
        name="freMTPL2sev",
        filename="freMTPL2sev.parquet",
        title="French motor TPL claim amounts (freMTPL2)",
        source=CASDATASETS,
        unit="claim",
        columns=(
            _col("IDpol", "policy_id", "policy identifier (links to freMTPL2freq, not bundled)", "category"),
            _col("ClaimAmount", "claim_amount", "claim amount, EUR"),
        ),
    )
)

_register(
    DatasetInfo(
        name="fremotor1prem0304a",
        filename="fremotor1prem0304a.parquet",
        title="French motor portfolio 2003-2004: policies, rating factors and premiums",
        source=CASDATASETS,
        unit="policy and year (19,832 policies appear in both years)",
        columns=(
            _col("IDpol", "policy_id", "policy identifier"),
            _col("Year", "year", "underwriting year (2003 or 2004)", "int"),
            _col("DrivAge", "driver_age", "driver age in years", "int"),
            _col("DrivGender", "gender", "driver gender: F/M", "category"),
            _col("MaritalStatus", "marital_status", "driver marital status", "category"),
            _col("BonusMalus", "bonus_malus", "French bonus-malus coefficient x 100 (50 = best, 100 = neutral)", "int"),
            _col("LicenceNb", "licence_count", "number of driving licences on the policy", "int"),
            _col("PayFreq", "payment_frequency", "premium payment frequency", "category",
                 ["Annual", "Half-yearly", "Quarterly", "Monthly"]),
            _col("JobCode", "job_code", "driver occupation", "category"),
            _col("VehAge", "vehicle_age", "vehicle age in years", "int"),
            _col("VehClass", "vehicle_class", "vehicle price class", "category",
                 ["Cheapest", "Cheaper", "Cheap", "Medium low", "Medium", "Medium high",
                  "Expensive", "More expensive", "Most expensive"]),
            _col("VehPower", "vehicle_power", "vehicle fiscal power class", "category",
                 [f"P{i}" for i in (2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)]),
            _col("VehGas", "fuel", "fuel: Diesel/Regular", "category"),
            _col("VehUsage", "vehicle_usage", "vehicle use", "category"),
            _col("Garage", "garage", "where the vehicle is parked", "category"),
            _col("Area", "area", "area code", "category"),
            _col("Region", "region", "region", "category"),
            _col("Channel", "channel", "distribution channel", "category"),
            _col("Marketing", "marketing", "marketing segment", "category"),
            _col("PremWindscreen", "premium_windscreen", "premium charged for windscreen cover, EUR"),
            _col("PremDamAll", "premium_damage", "premium charged for all-damage cover, EUR"),
            _col("PremFire", "premium_fire", "premium charged for fire cover, EUR"),
            _col("PremAcc1", "premium_accident1", "premium charged for driver accident cover 1, EUR"),
            _col("PremAcc2", "premium_accident2", "premium charged for driver accident cover 2, EUR"),
            _col("PremLegal", "premium_legal", "premium charged for legal cover, EUR"),
            _col("PremTPLM", "premium_tpl_mandatory", "premium charged for mandatory TPL, EUR"),
            _col("PremTPLV", "premium_tpl_voluntary", "premium charged for voluntary TPL, EUR"),
            _col("PremServ", "premium_service", "premium charged for assistance services, EUR"),
            _col("PremTheft", "premium_theft", "premium charged for theft cover, EUR"),
            _col("PremTot", "premium_total", "total premium, EUR"),
        ),
    )
)

_register(
    DatasetInfo(
        name="fremotor1freq0304a",
        filename="fremotor1freq0304a.parquet",
        title="French motor portfolio 2003-2004: claim counts by coverage",
        source=CASDATASETS,
        unit="policy and year",
        columns=(
            _col("IDpol", "policy_id", "policy identifier (as in fremotor1prem0304a)", "category"),
            _col("Year", "year", "underwriting year", "int"),
            _col("Damage", "claims_damage", "number of damage claims", "int"),
            _col("Fire", "claims_fire", "number of fire claims", "int"),
            _col("Other", "claims_other", "number of other claims", "int"),
            _col("Theft", "claims_theft", "number of theft claims", "int"),
            _col("TPL", "claims_tpl", "number of third-party liability claims", "int"),
            _col("Windscreen", "claims_windscreen", "number of windscreen claims", "int"),
        ),
    )
)

_register(
    DatasetInfo(
        name="fremotor1sev0304a",
        filename="fremotor1sev0304a.parquet",
        title="French motor portfolio 2003-2004: claim payments",
        source=CASDATASETS,
        unit="claim",
        columns=(
            _col("IDpol", "policy_id", "policy identifier (as in fremotor1prem0304a)"),
            _col("OccurDate", "occurrence_date", "date of occurrence", "date"),
            _col("Payment", "payment", "amount paid, EUR"),
            _col("IDclaim", "claim_id", "claim identifier", "category"),
            _col("Guarantee", "coverage", "coverage the claim falls under", "category"),
        ),
    )
)

_INJURY = ["small injury", "minor injury", "medium injury", "high injury", "severe injury",
           "fatal injury", "not recorded"]

_register(
    DatasetInfo(
        name="ausautoBI8999",
        filename="ausautoBI8999.parquet",
        title="Australian motor bodily-injury claims, accidents 1989-1999",
        source="de Jong & Heller (2008); " + CASDATASETS,
        unit="finalised claim",
        columns=(
            _col("AccDate", "accident_date", "accident date (month precision)", "date"),
            _col("ReportDate", "report_date", "report date (month precision)", "date"),
            _col("FinDate", "finalisation_date", "finalisation date (month precision)", "date"),
            _col("AccMth", "accident_month", "accident month, counted from July 1989"),
            _col("ReportMth", "report_month", "report month, counted from July 1989"),
            _col("FinMth", "finalisation_month", "finalisation month, counted from July 1989"),
            _col("OpTime", "operational_time", "operational time: share of the accident "
                 "period's claims finalised before this one (percent)"),
            *(_col(f"InjType{i}", f"injury_type{i}", f"type of injury of person {i}", "category", _INJURY)
              for i in range(1, 6)),
            _col("InjNb", "injury_count", "number of injured people"),
            _col("Legal", "legal_representation", "claimant legally represented: No/Yes", "category"),
            _col("AggClaim", "claim_amount", "total claim amount, AUD (inflated to 1999 values)"),
        ),
    )
)

_POWER_BANDS = ["25-50 kW", "75 kW", "100 kW", "125-300 kW", "150 kW", "175 kW", "200 kW", "225 kW",
                "250 kW", "275 kW", "300 kW"]

_register(
    DatasetInfo(
        name="eudirectlapse",
        filename="eudirectlapse.parquet",
        title="European direct motor insurer: one-year renewal quotes and the customers' decisions",
        source="CASdatasets (eudirectlapse; insurer and year not disclosed); " + CASDATASETS,
        unit="renewal quote (one policy at its renewal)",
        columns=(
            _col("lapse", "lapse", "1 if the customer left at renewal (lapsed), 0 if they renewed"),
            _col("polholder_age", "polholder_age", "policyholder age in years (19-85)"),
            _col("polholder_BMCevol", "polholder_bmcevol",
                 "move of the bonus-malus coefficient at this renewal: down (bonus grew, premium "
                 "falls), stable, up (malus, premium rises)", "category", ["down", "stable", "up"]),
            _col("polholder_diffdriver", "polholder_diffdriver",
                 "who drives besides the policyholder (same, only partner, young drivers, ...)", "category"),
            _col("polholder_gender", "polholder_gender", "policyholder gender: Female/Male", "category"),
            _col("polholder_job", "polholder_job", "policyholder occupation: medical or normal", "category"),
            _col("policy_age", "policy_age", "years the policy has been with the insurer (0 = first renewal)"),
            _col("policy_caruse", "policy_caruse", "use of the car (private or freelance work, commercial, unknown)",
                 "category"),
            _col("policy_nbcontract", "policy_nbcontract", "number of policies the customer holds with the insurer"),
            _col("prem_final", "prem_final", "renewal premium offered for the coming year, EUR"),
            _col("prem_freqperyear", "prem_freqperyear", "premium instalments per year", "category",
                 ["1 per year", "2 per year", "4 per year", "12 per year"]),
            _col("prem_last", "prem_last", "premium paid for the expiring year, EUR"),
            _col("prem_market", "prem_market",
                 "proxy of the market premium for this risk, EUR (how it was computed is not disclosed)"),
            _col("prem_pure", "prem_pure", "technical (pure) premium of the coming year, EUR"),
            _col("vehicl_age", "vehicl_age", "vehicle age in years (0-18; 18 holds the older cars)"),
            _col("vehicl_agepurchase", "vehicl_agepurchase", "vehicle age in years when the customer bought it"),
            _col("vehicl_garage", "vehicl_garage", "where the car is parked at night", "category"),
            _col("vehicl_powerkw", "vehicl_powerkw",
                 "engine power band, ordered by lower bound ('125-300 kW' overlaps the single bands above it)",
                 "category", _POWER_BANDS),
            _col("vehicl_region", "vehicl_region", "anonymised region Reg1-Reg14 (no order)", "category",
                 [f"Reg{i}" for i in range(1, 15)], ordered=False),
        ),
    )
)
