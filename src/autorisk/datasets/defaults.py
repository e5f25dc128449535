"""Default parameters of :class:`~autorisk.datasets.truth.SyntheticTruth` (values listed in its module docstring)."""

from __future__ import annotations

from typing import Any

from autorisk.datasets.factors import LEVELS


def _rel(factor: str, values: tuple[float, ...]) -> dict[Any, float]:
    levels = LEVELS[factor]
    if len(values) != len(levels):  # pragma: no cover - guards the tables below
        raise AssertionError(f"{factor}: {len(values)} relativities for {len(levels)} levels")
    return dict(zip(levels, values, strict=True))


def _default_relativities() -> dict[str, dict[str, dict[Any, float]]]:
    return {
        "ctpl": {
            "vehicle_type": _rel("vehicle_type", (1.00, 0.95, 1.08, 1.20)),
            "use": _rel("use", (1.00, 1.30)),
            "vehicle_age_band": _rel("vehicle_age_band", (1.05, 1.00, 0.98, 0.96, 0.95)),
            "driver_age_band": _rel("driver_age_band", (1.55, 1.20, 1.00, 0.92, 1.10)),
            "region": _rel("region", (1.10, 1.12, 1.05, 0.92, 1.20, 0.95, 0.88, 1.00)),
            "ncd_level": _rel(
                "ncd_level", (0.80, 0.85, 0.90, 0.95, 1.00, 1.12, 1.24, 1.34, 1.42, 1.50)
            ),
            "channel": _rel("channel", (1.00, 0.97, 1.00, 1.04)),
        },
        "tpl": {
            "vehicle_type": _rel("vehicle_type", (1.00, 0.97, 1.10, 1.25)),
            "use": _rel("use", (1.00, 1.35)),
            "vehicle_age_band": _rel("vehicle_age_band", (1.05, 1.00, 0.97, 0.95, 0.93)),
            "driver_age_band": _rel("driver_age_band", (1.60, 1.22, 1.00, 0.93, 1.12)),
            "region": _rel("region", (1.10, 1.15, 1.05, 0.90, 1.25, 0.95, 0.85, 1.00)),
            "ncd_level": _rel(
                "ncd_level", (0.75, 0.80, 0.87, 0.93, 1.00, 1.15, 1.30, 1.42, 1.52, 1.60)
            ),
            "channel": _rel("channel", (1.00, 0.96, 1.00, 1.05)),
        },
        "od": {
            "vehicle_type": _rel("vehicle_type", (1.00, 0.92, 1.05, 1.15)),
            "use": _rel("use", (1.00, 1.25)),
            "vehicle_age_band": _rel("vehicle_age_band", (1.12, 1.00, 0.92, 0.85, 0.78)),
            "driver_age_band": _rel("driver_age_band", (1.40, 1.15, 1.00, 0.95, 1.08)),
            "region": _rel("region", (1.08, 1.20, 1.10, 0.92, 1.30, 0.95, 0.88, 1.00)),
            "ncd_level": _rel(
                "ncd_level", (0.75, 0.80, 0.87, 0.93, 1.00, 1.15, 1.30, 1.42, 1.52, 1.60)
            ),
            "channel": _rel("channel", (1.00, 0.95, 1.00, 1.06)),
        },
    }


def _default_severity_relativities() -> dict[str, dict[str, dict[Any, float]]]:
    vehicle = _rel("vehicle_type", (1.00, 1.05, 1.10, 1.15))
    return {
        # Liability: compensation standards differ by province.
        "ctpl": {
            "vehicle_type": dict(vehicle),
            "region": _rel("region", (1.15, 1.15, 1.10, 0.95, 1.35, 0.90, 0.85, 1.00)),
        },
        "tpl": {
            "vehicle_type": dict(vehicle),
            "use": _rel("use", (1.00, 1.10)),
            "region": _rel("region", (1.20, 1.20, 1.10, 0.95, 1.45, 0.90, 0.85, 1.00)),
        },
        # Own damage: parts and labour cost, through the car's price and age.
        "od": {
            "vehicle_age_band": _rel("vehicle_age_band", (1.05, 1.00, 0.92, 0.85, 0.78)),
            "region": _rel("region", (1.08, 1.08, 1.05, 0.97, 1.15, 0.95, 0.93, 1.00)),
        },
    }


def _default_development() -> dict[str, dict[str, float]]:
    return {
        "ctpl": {
            "report_median_days": 2.0,
            "report_sigma": 1.2,
            "settlement_median_days": 60.0,
            "settlement_sigma": 1.0,
            "settlement_severity_power": 0.3,
            "paid_share": 0.9,
            "paid_power": 1.0,
            "case_bias": -0.05,
            "case_sigma": 0.30,
        },
        "tpl": {
            "report_median_days": 4.0,
            "report_sigma": 1.4,
            "settlement_median_days": 180.0,
            "settlement_sigma": 1.3,
            "settlement_severity_power": 0.3,
            "paid_share": 0.8,
            "paid_power": 1.5,
            "case_bias": -0.15,
            "case_sigma": 0.50,
        },
        "od": {
            "report_median_days": 1.0,
            "report_sigma": 1.0,
            "settlement_median_days": 15.0,
            "settlement_sigma": 0.8,
            "settlement_severity_power": 0.3,
            "paid_share": 0.9,
            "paid_power": 1.0,
            "case_bias": 0.0,
            "case_sigma": 0.25,
        },
    }


#: Longest reporting or settlement delay, in days.
MAX_DELAY_DAYS = 3650

__all__ = ["MAX_DELAY_DAYS"]
