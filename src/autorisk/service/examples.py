"""The demo plans the service serves (``make serve``), and one policy they both rate.

Two versions of the China motor template plan
(:func:`autorisk.rating.templates.china.china_motor_plan`) on small fixed
benchmark coverages:

* version ``"1"``, effective 2026-01-01, open-ended: commercial TPL base rate
  800 (factors use, vehicle type, driver age), own damage 1,500 (use, vehicle
  age);
* version ``"2"``, effective 2027-01-01: the same tables with both commercial
  base rates up 3% (824 and 1,545); CTPL is regulated and unchanged. It
  replaces version 1 from its effective date (the registry's in-force rule),
  so version 1's hashed file is never edited.

The files are committed in ``data/plans/``; a test checks that
:func:`write_demo_plans` regenerates them byte for byte. Regenerate with
``python -m autorisk.service.examples data/plans``.

Examples
--------
>>> v1, v2 = demo_plans()
>>> q1, q2 = (plan.quote_one(demo_policy()) for plan in (v1, v2))
>>> q1["premium_ctpl"] == q2["premium_ctpl"], round(q2["pure_tpl"] / q1["pure_tpl"], 12)
(True, 1.03)
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from autorisk.rating import BandFactor, CategoricalFactor, Coverage, RatingPlan
from autorisk.rating.templates.china import china_motor_plan
from autorisk.service.registry import plan_filename

#: Benchmark factors and coverages (also the batch tests' China plan).
USE = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.3))
VEHICLE = CategoricalFactor("vehicle_type", "vehicle_type", ("sedan", "suv", "mpv", "van"), (1.0, 1.1, 1.15, 1.3))
DRIVER = BandFactor("driver_age", "driver_age", (25.0, 30.0, 60.0), (1.6, 1.2, 1.0, 1.1))
AGE = BandFactor("vehicle_age", "vehicle_age", (3.0, 8.0), (1.2, 1.0, 0.9))
TPL = Coverage("tpl", 800.0, (USE, VEHICLE, DRIVER))
OD = Coverage("od", 1500.0, (USE, AGE))

DEMO_NAME = "China motor"
#: (version, effective_from, tpl base rate, od base rate): version 2 is version 1 with base rates +3%.
DEMO_VERSIONS = (("1", "2026-01-01", 800.0, 1500.0), ("2", "2027-01-01", 824.0, 1545.0))


def china_demo_plan(tpl: Coverage = TPL, od: Coverage = OD, **options: Any) -> RatingPlan:
    """The China motor template on the demo's benchmark coverages (``options`` go to ``china_motor_plan``).

    Parameters
    ----------
    tpl, od : Coverage
        Benchmark coverages, by default :data:`TPL` and :data:`OD`.
    **options
        Keyword arguments of :func:`~autorisk.rating.templates.china.china_motor_plan`
        (``name``, ``version``, ``effective_from``, ``expense_loading``...).

    Examples
    --------
    >>> [c.name for c in china_demo_plan().coverages]
    ['ctpl', 'tpl', 'od']
    """
    return china_motor_plan(tpl, od, extra_regions={"Other": "E"}, **options)


def demo_plans() -> list[RatingPlan]:
    """The demo's versions of the China motor plan, oldest first (see the module docstring).

    Examples
    --------
    >>> [(p.version, p.effective_from) for p in demo_plans()]
    [('1', '2026-01-01'), ('2', '2027-01-01')]
    """
    return [
        china_demo_plan(dataclasses.replace(TPL, base_rate=tpl), dataclasses.replace(OD, base_rate=od),
                        name=DEMO_NAME, version=version, effective_from=start)  # fmt: skip
        for version, start, tpl, od in DEMO_VERSIONS
    ]


def write_demo_plans(folder: str | Path) -> list[Path]:
    """Write the demo plans into ``folder`` (created if missing) as ``<name>-v<version>.json``.

    The output is deterministic: the same code writes the same bytes.

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    list of Path
        The files written, oldest version first.

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in write_demo_plans(tempfile.mkdtemp())]
    ['china-motor-v1.json', 'china-motor-v2.json']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for plan in demo_plans():
        path = folder / plan_filename(plan)
        path.write_text(plan.to_json() + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def demo_policy() -> dict[str, Any]:
    """One policy, in plain JSON types, that every demo version rates (the README's ``curl`` quote).

    Examples
    --------
    >>> sorted(demo_policy()) == sorted(demo_plans()[0].columns)
    True
    """
    return {
        "ctpl_class": "private_car_lt6",
        "region": "Beijing",
        "ctpl_history": 4,
        "use": "private",
        "vehicle_type": "suv",
        "driver_age": 34,
        "tpl_limit": 2000000,
        "ncd_level": -1,
        "traffic_violation_class": "none",
        "autonomous_coefficient": 0.95,
        "vehicle_age": 4,
        "od_deductible": 1000,
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m autorisk.service.examples FOLDER``: write the demo plans into FOLDER."""
    parser = argparse.ArgumentParser(prog="python -m autorisk.service.examples", description=main.__doc__)
    parser.add_argument("folder", type=Path, help="plans folder to write into (created if missing)")
    for path in write_demo_plans(parser.parse_args(argv).folder):
        print(path)


__all__ = ["AGE", "DRIVER", "OD", "TPL", "USE", "VEHICLE", "china_demo_plan", "demo_plans", "demo_policy",
           "write_demo_plans"]  # fmt: skip

if __name__ == "__main__":
    main()
