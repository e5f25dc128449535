"""Cities and a smooth spatial truth for ``synthetic_book(locations=True)``.

Each policy of a book drawn with ``locations=True`` lives in one city of its
region: :data:`CITIES` is a fixed table of real cities (districts for
Beijing) of the book's provinces, with the approximate coordinates of their
centres (WGS84 degrees, rounded to 0.01) and a share of the region's cars.
``Other`` holds provincial capitals and municipalities of the rest of China.
A new policy's city is drawn from its region's shares; a renewal keeps it.

The claim frequency of every coverage is multiplied by a **spatial
relativity** that is a smooth function of longitude and latitude::

    s(lon, lat) = sum over bumps b of amplitude_b * exp(-d_b^2 / (2 * scale_b^2))
    log relativity = 0.3 * tanh(s / 0.3)          (so always inside (-0.3, 0.3))

with ``d_b`` the great-circle distance in km to the bump's centre
(:data:`SPATIAL_BUMPS`). ``truth.locations`` lists every city with its
coordinates and true ``spatial_relativity``; the full true frequency of a
policy is ``truth.frequency(policies, coverage)`` times the relativity of its
city.

The city draw uses its own random stream, ``SeedSequence(seed,
spawn_key=(LOCATION_STREAM,))``, so the main stream draws what it draws for
``locations=False``: the first year's policies are those of the unlocated
book (plus ``city``, ``lon``, ``lat``); its claims differ (their frequency
changes), and so do later years, since claims drive lapses and the NCD.

Examples
--------
>>> table = city_table()
>>> table.loc["Haidian", "region"], float(table.loc["Haidian", "lon"]), float(table.loc["Haidian", "lat"])
('Beijing', 116.3, 39.96)
>>> bool(table["spatial_relativity"].between(np.exp(-0.3), np.exp(0.3)).all())
True
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from autorisk.datasets.truth import LEVELS, SyntheticTruth

#: Spawn key of the city stream (distinct from other optional streams of the book).
LOCATION_STREAM = 0x10C

#: Mean Earth radius, km (the haversine distance of :mod:`autorisk.territory` uses it too).
EARTH_RADIUS_KM = 6371.0088

#: ``(city, region, lon, lat, share of the region's cars)``; shares are normalised per region.
CITIES: tuple[tuple[str, str, float, float, float], ...] = (
    ("Guangzhou", "Guangdong", 113.26, 23.13, 0.25),
    ("Shenzhen", "Guangdong", 114.06, 22.54, 0.25),
    ("Dongguan", "Guangdong", 113.75, 23.02, 0.14),
    ("Foshan", "Guangdong", 113.12, 23.02, 0.14),
    ("Shantou", "Guangdong", 116.68, 23.35, 0.08),
    ("Zhanjiang", "Guangdong", 110.36, 21.27, 0.08),
    ("Shaoguan", "Guangdong", 113.60, 24.81, 0.06),
    ("Hangzhou", "Zhejiang", 120.16, 30.27, 0.32),
    ("Ningbo", "Zhejiang", 121.55, 29.87, 0.24),
    ("Wenzhou", "Zhejiang", 120.70, 28.00, 0.18),
    ("Jinhua", "Zhejiang", 119.65, 29.08, 0.14),
    ("Huzhou", "Zhejiang", 120.09, 30.89, 0.12),
    ("Nanjing", "Jiangsu", 118.80, 32.06, 0.26),
    ("Suzhou", "Jiangsu", 120.58, 31.30, 0.28),
    ("Wuxi", "Jiangsu", 120.31, 31.49, 0.18),
    ("Xuzhou", "Jiangsu", 117.28, 34.20, 0.14),
    ("Nantong", "Jiangsu", 120.89, 31.98, 0.14),
    ("Jinan", "Shandong", 117.00, 36.67, 0.26),
    ("Qingdao", "Shandong", 120.38, 36.07, 0.28),
    ("Yantai", "Shandong", 121.45, 37.46, 0.16),
    ("Weifang", "Shandong", 119.16, 36.71, 0.15),
    ("Linyi", "Shandong", 118.36, 35.10, 0.15),
    ("Chaoyang", "Beijing", 116.44, 39.92, 0.24),
    ("Haidian", "Beijing", 116.30, 39.96, 0.22),
    ("Fengtai", "Beijing", 116.29, 39.86, 0.16),
    ("Dongcheng", "Beijing", 116.42, 39.93, 0.10),
    ("Tongzhou", "Beijing", 116.66, 39.91, 0.14),
    ("Changping", "Beijing", 116.23, 40.22, 0.14),
    ("Chengdu", "Sichuan", 104.07, 30.67, 0.45),
    ("Mianyang", "Sichuan", 104.68, 31.47, 0.12),
    ("Nanchong", "Sichuan", 106.11, 30.84, 0.11),
    ("Yibin", "Sichuan", 104.64, 28.75, 0.11),
    ("Luzhou", "Sichuan", 105.44, 28.87, 0.11),
    ("Leshan", "Sichuan", 103.77, 29.55, 0.10),
    ("Zhengzhou", "Henan", 113.63, 34.75, 0.35),
    ("Luoyang", "Henan", 112.45, 34.62, 0.15),
    ("Kaifeng", "Henan", 114.31, 34.80, 0.10),
    ("Nanyang", "Henan", 112.53, 33.00, 0.14),
    ("Xinxiang", "Henan", 113.93, 35.30, 0.13),
    ("Anyang", "Henan", 114.39, 36.10, 0.13),
    ("Shanghai", "Other", 121.47, 31.23, 0.14),
    ("Tianjin", "Other", 117.20, 39.13, 0.09),
    ("Chongqing", "Other", 106.55, 29.56, 0.10),
    ("Wuhan", "Other", 114.31, 30.59, 0.08),
    ("Changsha", "Other", 112.94, 28.23, 0.07),
    ("Xi'an", "Other", 108.94, 34.34, 0.07),
    ("Hefei", "Other", 117.23, 31.82, 0.06),
    ("Fuzhou", "Other", 119.30, 26.08, 0.06),
    ("Shijiazhuang", "Other", 114.51, 38.04, 0.06),
    ("Shenyang", "Other", 123.43, 41.80, 0.05),
    ("Kunming", "Other", 102.83, 24.88, 0.05),
    ("Nanning", "Other", 108.37, 22.82, 0.04),
    ("Taiyuan", "Other", 112.55, 37.87, 0.04),
    ("Harbin", "Other", 126.63, 45.75, 0.04),
    ("Lanzhou", "Other", 103.83, 36.06, 0.03),
    ("Urumqi", "Other", 87.62, 43.83, 0.02),
)

#: ``(lon, lat, amplitude of the log relativity, scale in km)`` of the smooth spatial truth.
SPATIAL_BUMPS: tuple[tuple[float, float, float, float], ...] = (
    (113.5, 23.0, 0.30, 250.0),  # Pearl River delta: dense traffic
    (120.6, 31.0, -0.25, 300.0),  # Yangtze delta
    (104.3, 30.2, 0.25, 300.0),  # Sichuan basin
    (116.4, 39.95, -0.20, 120.0),  # Beijing
    (118.5, 36.3, 0.15, 300.0),  # Shandong
    (113.2, 34.5, -0.15, 300.0),  # Henan
)

#: Bound of the log spatial relativity (``bound * tanh(s / bound)``).
SPATIAL_LOG_BOUND = 0.3


def haversine_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasting).

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like
        Longitudes and latitudes in degrees.

    Returns
    -------
    ndarray
        Distances in km on a sphere of radius :data:`EARTH_RADIUS_KM`.

    Examples
    --------
    >>> round(float(haversine_km(116.40, 39.90, 121.47, 31.23)))  # Beijing - Shanghai
    1067
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def spatial_log_relativity(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True log spatial relativity at the given coordinates (see the module docstring).

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees.

    Returns
    -------
    ndarray
        Log relativities, inside ``(-0.3, 0.3)``.

    Examples
    --------
    >>> float(spatial_log_relativity(113.5, 23.0)) > 0.2, abs(float(spatial_log_relativity(87.6, 43.8))) < 0.001
    (True, True)
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    s = np.zeros(np.broadcast(lon, lat).shape)
    for b_lon, b_lat, amplitude, scale in SPATIAL_BUMPS:
        d = haversine_km(lon, lat, b_lon, b_lat)
        s = s + amplitude * np.exp(-(d**2) / (2.0 * scale**2))
    return SPATIAL_LOG_BOUND * np.tanh(s / SPATIAL_LOG_BOUND)


def city_table() -> pd.DataFrame:
    """The cities of a located book, with coordinates and their true spatial relativity.

    Returns
    -------
    DataFrame
        Indexed by ``city`` (in :data:`CITIES` order): ``region``, ``lon``,
        ``lat``, ``share`` (of the region's cars) and ``spatial_relativity``.

    Examples
    --------
    >>> city_table().groupby("region", observed=True)["share"].sum().round(6).unique().tolist()
    [1.0]
    """
    table = pd.DataFrame(list(CITIES), columns=["city", "region", "lon", "lat", "share"]).set_index("city")
    table["share"] = table["share"] / table.groupby("region")["share"].transform("sum")
    table["region"] = pd.Categorical(table["region"], categories=list(LEVELS["region"]))
    table["spatial_relativity"] = np.exp(spatial_log_relativity(table["lon"], table["lat"]))
    return table


class CityPlacer:
    """The city draws of one book: new policies get a city of their region, renewals keep theirs.

    Used by :func:`~autorisk.datasets.synthetic_book` with ``locations=True``:
    :meth:`place` on each year's periods (before their claims are drawn), then
    :meth:`finish` on the policy frame.

    Parameters
    ----------
    seed : int
        Seed of the book; the draws use ``SeedSequence(seed, spawn_key=(LOCATION_STREAM,))``.
    total : int
        Number of policy periods of the book.

    Examples
    --------
    >>> placer = CityPlacer(seed=0, total=3)
    >>> cur = {"policy_id": np.array([1, 2, 3]), "renewal_count": np.zeros(3, dtype=np.int16),
    ...        "region": np.array([4, 4, 0], dtype=np.int8)}
    >>> placer.place(cur, 0)
    >>> [CITIES[c][1] for c in placer.city]
    ['Beijing', 'Beijing', 'Guangdong']
    """

    def __init__(self, seed: int, total: int) -> None:
        self.rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(LOCATION_STREAM,)))
        self.table = city_table()
        self.log_relativity = spatial_log_relativity(self.table["lon"], self.table["lat"])
        self.city_of_id = np.full(total + 1, -1, dtype=np.int16)  # policy ids run 1..total at most
        self.city = np.empty(total, dtype=np.int16)

    def place(self, cur: dict[str, np.ndarray], offset: int) -> None:
        """Give the periods ``cur`` (rows ``offset ...`` of the book) their city and ``spatial_log``."""
        fresh = cur["renewal_count"] == 0
        self.city_of_id[cur["policy_id"][fresh]] = self._draw(cur["region"][fresh])
        city = self.city_of_id[cur["policy_id"]]
        self.city[offset : offset + len(city)] = city
        cur["spatial_log"] = self.log_relativity[city]

    def finish(self, policies: pd.DataFrame, truth: SyntheticTruth) -> SyntheticTruth:
        """Insert ``city``, ``lon``, ``lat`` after ``region`` (in place); the truth with its ``locations``."""
        at = policies.columns.get_loc("region") + 1
        policies.insert(at, "city", pd.Categorical.from_codes(self.city, categories=list(self.table.index)))
        policies.insert(at + 1, "lon", self.table["lon"].to_numpy()[self.city])
        policies.insert(at + 2, "lat", self.table["lat"].to_numpy()[self.city])
        return dataclasses.replace(truth, locations=self.table)

    def _draw(self, region: np.ndarray) -> np.ndarray:
        region_of_city = self.table["region"].cat.codes.to_numpy()
        share = self.table["share"].to_numpy()
        u = self.rng.random(len(region))
        out = np.empty(len(region), dtype=np.int16)
        for code in range(len(LEVELS["region"])):
            rows = np.flatnonzero(region == code)
            cities = np.flatnonzero(region_of_city == code)
            cdf = np.cumsum(share[cities])
            cdf /= cdf[-1]
            out[rows] = cities[np.minimum(np.searchsorted(cdf, u[rows], side="right"), len(cities) - 1)]
        return out


__all__ = ["CITIES", "SPATIAL_BUMPS", "CityPlacer", "city_table", "haversine_km", "spatial_log_relativity"]
