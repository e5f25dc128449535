"""Rating factors, levels and bands of the synthetic book (shared by its truth and its simulator)."""

from __future__ import annotations

from typing import Any

from autorisk.datasets.ncd import NCD_LEVELS

#: Coverages, in the order used for the ``coverage`` categorical of claims.
COVERAGES: tuple[str, ...] = ("ctpl", "tpl", "od")
#: Coverages whose claims move the (commercial) NCD level.
COMMERCIAL_COVERAGES: tuple[str, ...] = ("tpl", "od")

#: Band edges (lower bounds, last band open) for the banded rating factors.
BAND_EDGES: dict[str, tuple[int, ...]] = {
    "vehicle_age": (0, 2, 4, 7, 10),
    "driver_age": (18, 25, 30, 45, 60),
}
#: Banded column name -> raw column it is derived from.
BANDED: dict[str, str] = {"vehicle_age_band": "vehicle_age", "driver_age_band": "driver_age"}


def band_labels(edges: tuple[int, ...]) -> tuple[str, ...]:
    """Labels ``"lo-hi"`` (inclusive, integer ages) and ``"lo+"`` for the last band.

    Parameters
    ----------
    edges : tuple of int
        Lower bounds of the bands, increasing; the last band is open.

    Returns
    -------
    tuple of str
        One label per edge.

    Examples
    --------
    >>> band_labels((18, 25, 30))
    ('18-24', '25-29', '30+')
    """
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    return (*labels, f"{edges[-1]}+")


#: Levels of every categorical factor, in code order.
LEVELS: dict[str, tuple[Any, ...]] = {
    "vehicle_type": ("sedan", "suv", "mpv", "van"),
    "use": ("private", "business"),
    "vehicle_age_band": band_labels(BAND_EDGES["vehicle_age"]),
    "driver_age_band": band_labels(BAND_EDGES["driver_age"]),
    "region": (
        "Guangdong",
        "Zhejiang",
        "Jiangsu",
        "Shandong",
        "Beijing",
        "Sichuan",
        "Henan",
        "Other",
    ),
    "ncd_level": NCD_LEVELS,
    "channel": ("agent", "dealer", "direct", "online"),
    "gender": ("F", "M"),
}
#: Factors of the frequency model, in order.
RATING_FACTORS: tuple[str, ...] = (
    "vehicle_type",
    "use",
    "vehicle_age_band",
    "driver_age_band",
    "region",
    "ncd_level",
    "channel",
)
#: Level with relativity 1 (the GLM base level) for each rating factor.
REFERENCE_LEVELS: dict[str, Any] = {
    "vehicle_type": "sedan",
    "use": "private",
    "vehicle_age_band": "2-3",
    "driver_age_band": "30-44",
    "region": "Other",
    "ncd_level": 0,
    "channel": "agent",
}
#: ``new_car_price`` at which the price terms equal 1.
PRICE_REFERENCE = 150_000.0


__all__ = [
    "BANDED",
    "BAND_EDGES",
    "COMMERCIAL_COVERAGES",
    "COVERAGES",
    "LEVELS",
    "PRICE_REFERENCE",
    "RATING_FACTORS",
    "REFERENCE_LEVELS",
    "band_labels",
]
