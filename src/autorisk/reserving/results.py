"""The result of a reserving method: a tidy per-origin table and its totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Columns that hold ratios, shown with three decimals (amounts are shown as whole numbers).
RATIO_COLUMNS = ("cv", "elr", "ratio")


@dataclass(frozen=True)
class ReserveResult:
    """Ultimates and reserves of one reserving method, one row per origin period.

    Attributes
    ----------
    method : str
        Name of the method, e.g. ``"Mack chain ladder"``.
    table : DataFrame
        Indexed by origin period (``PeriodIndex`` named ``"origin"``) with
        columns ``latest`` (latest diagonal), ``ultimate``, ``ibnr``
        (``ultimate - latest``) and, for stochastic methods, ``std_err`` and
        ``cv`` (``std_err / ibnr``).
    total : Series
        Column totals of ``table``; ``std_err`` is the total standard error
        of the method (not the sum of the rows) and ``cv`` its ratio to the
        total IBNR.
    model : object
        The fitted chainladder estimator, for drill-down (development
        factors, full triangles).
    settings : dict
        The options the method was run with.

    Examples
    --------
    Three accident years of payments. The volume-weighted link ratios are
    450 / 300 = 1.5 and 160 / 150, so the development factors to ultimate are
    1.6 and 1.0667, and Bornhuetter-Ferguson with an a priori ultimate of 500
    reserves ``500 x (1 - 1 / CDF)``: 187.5 and 31.25.

    >>> from autorisk.reserving import bornhuetter_ferguson, build_triangle
    >>> payments = pd.DataFrame({
    ...     "accident_date": pd.to_datetime(["2021-03-01"] * 3 + ["2022-05-01"] * 2 + ["2023-02-01"]),
    ...     "paid_date": pd.to_datetime(["2021-06-01", "2022-06-01", "2023-06-01",
    ...                                  "2022-06-01", "2023-06-01", "2023-06-01"]),
    ...     "paid": [100.0, 50.0, 10.0, 200.0, 100.0, 300.0]})
    >>> triangle = build_triangle(payments, development="paid_date", value="paid", valuation_date="2023-12-31")
    >>> result = bornhuetter_ferguson(triangle, 500.0)
    >>> result.table
            latest  apriori  ultimate    ibnr
    origin
    2021     160.0    500.0    160.00    0.00
    2022     300.0    500.0    331.25   31.25
    2023     300.0    500.0    487.50  187.50
    >>> float(result.total["ibnr"]), result.title
    (218.75, "Bornhuetter-Ferguson (apriori_loss_ratio=1.0, average='volume')")
    """

    method: str
    table: pd.DataFrame
    total: pd.Series
    model: Any = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def ultimate(self) -> pd.Series:
        """Ultimate per origin period, for the indication."""
        return self.table["ultimate"]

    @property
    def ibnr(self) -> pd.Series:
        """IBNR (ultimate less latest) per origin period."""
        return self.table["ibnr"]

    def to_frame(self) -> pd.DataFrame:
        """The per-origin table with a final ``Total`` row."""
        return with_total(self.table, self.total)

    @property
    def title(self) -> str:
        """The method and its options, e.g. ``Mack chain ladder (sigma='mack', average='volume')``."""
        options = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return f"{self.method} ({options})" if options else self.method

    def __repr__(self) -> str:
        return table_text(self.title, self.to_frame())

    def _repr_html_(self) -> str:
        return table_html(self.title, self.to_frame())


def with_total(table: pd.DataFrame, total: pd.Series) -> pd.DataFrame:
    """A per-origin table with its totals as a final ``Total`` row (origins as strings)."""
    table = table.copy()
    table.index = table.index.astype(str)
    return pd.concat([table, total.to_frame("Total").T])


def table_text(title: str, frame: pd.DataFrame) -> str:
    """A title over a table of amounts (whole numbers) and ratios (:data:`RATIO_COLUMNS`, 3 decimals)."""
    with pd.option_context("display.float_format", "{:,.0f}".format):
        body = frame.to_string(formatters={c: "{:.3f}".format for c in RATIO_COLUMNS if c in frame})
    return f"{title}\n{body}"


def table_html(title: str, frame: pd.DataFrame) -> str:
    """The HTML of :func:`table_text`, for Jupyter."""
    formats = {c: "{:.3f}" if c in RATIO_COLUMNS else "{:,.0f}" for c in frame.columns}
    html = frame.style.format(formats, na_rep="").to_html()
    return f"<p><b>{title}</b></p>{html}"
