"""Rating tables for filing: one long table, a workbook, or a folder of CSV files.

:func:`rating_tables` lays every factor of every coverage out as rows
``(coverage, factor, kind, columns, level, relativity, overridden)``: the one
description of a plan's tables that both exports (and
:func:`~autorisk.rating.diff.diff_plans`) read. :func:`export_tables` writes

* ``<name>.xlsx``: a ``plan`` sheet (name, version, plan id, effective dates,
  prohibited columns, bounds with their source, and per coverage its base
  rate, loadings, fees, taxes, premium limits, rounding and factors), an
  ``index`` sheet naming the sheet of each ``coverage.factor``, and one sheet
  per table with columns ``level``, ``relativity``, ``overridden``;
* any other path: a folder with ``plan.csv`` (rows ``section, item, value``),
  ``index.csv``, ``tables.csv`` (the long table) and one
  ``<coverage>.<factor>.csv`` per table.

Sheet and file names are made safe deterministically (forbidden characters
become ``_``, long names are cut, clashes get ``~2``, ``~3``, ...); the index
gives the full ``coverage`` and ``factor`` of each. Every relativity reads back
exactly: CSV floats are written with Python's shortest round-trip repr, and
workbook cells carry the same text (openpyxl alone keeps 16 significant
digits, one short of a double's 17). Levels are text: read them back with
``dtype={"level": str}`` so ``"01"`` or ``"-4"`` stay as written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from autorisk.errors import ParameterError
from autorisk.rating.bounds import Bound
from autorisk.rating.coverage import Coverage
from autorisk.rating.factors import BandFactor, Factor, InteractionFactor
from autorisk.rating.plan import RatingPlan

__all__ = ["TABLE_COLUMNS", "export_tables", "rating_tables"]

#: Columns of :func:`rating_tables`.
TABLE_COLUMNS = ("coverage", "factor", "kind", "columns", "level", "relativity", "overridden")

#: Attributes of a factor besides its table, by kind (the diff and the plan sheet report them).
FACTOR_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "categorical": (),
    "bands": ("cut_points", "closed", "lower", "upper"),
    "interaction": ("default",),
    "bonus_malus": ("scale",),
    "bounded": ("source",),
}

_SHEET_LIMIT = 31  # Excel's limit on a sheet name
_FILE_LIMIT = 120
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_FILE_FORBIDDEN = re.compile(r"[^A-Za-z0-9._-]")


# ------------------------------------------------------------------ public


def rating_tables(plan: RatingPlan) -> pd.DataFrame:
    """Every rating table of a plan as one long table, one row per level.

    Parameters
    ----------
    plan : RatingPlan

    Returns
    -------
    DataFrame
        Columns ``coverage``, ``factor``, ``kind``, ``columns`` (the policy
        attributes read, comma-separated), ``level`` (text: a category, a
        ladder level, a band label such as ``'[25, 60)'``, an interaction
        pair ``'a, b'``, or ``'lower'`` / ``'upper'`` for a bounded
        coefficient), ``relativity`` and ``overridden`` (set by hand), in
        the plan's order.

    Examples
    --------
    >>> from autorisk.rating import BandFactor, CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> age = BandFactor("age", "driver_age", (25.0,), (1.5, 1.0), lower=18)
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region, age)),))
    >>> rating_tables(plan.override("tpl", "region", {"south": 1.25}))
      coverage  factor         kind     columns      level  relativity  overridden
    0      tpl  region  categorical      region      north        1.00       False
    1      tpl  region  categorical      region      south        1.25        True
    2      tpl     age        bands  driver_age   [18, 25)        1.50       False
    3      tpl     age        bands  driver_age  [25, inf)        1.00       False
    """
    rows = [
        (coverage.name, factor.name, factor.kind, ", ".join(factor.columns), level_text(level), value, flag)
        for coverage in plan.coverages
        for factor in coverage.factors
        for level, value, flag in factor_levels(factor)
    ]
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    return table.astype({"relativity": float, "overridden": bool})


def export_tables(plan: RatingPlan, path: str | Path) -> Path:
    """Write a plan's rating tables for filing: one workbook (``.xlsx``) or a folder of CSV files.

    Parameters
    ----------
    plan : RatingPlan
    path : str or Path
        ``*.xlsx``: a workbook (its folder must exist; the file is replaced).
        Anything else: a folder, created if needed; files of the same names
        are replaced, other files are left alone.

    Returns
    -------
    Path
        The workbook or the folder.

    Raises
    ------
    ParameterError
        ``path`` ends in ``.xls``, ``.xlsm`` or ``.csv`` (write ``.xlsx``, or
        name a folder).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,), loadings={"expenses": 0.2}),))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = export_tables(plan, Path(tmp) / "filing")
    ...     files = sorted(p.name for p in folder.iterdir())
    ...     book = export_tables(plan, Path(tmp) / "filing.xlsx")
    ...     sheets = pd.read_excel(book, sheet_name=None, dtype={"level": str})
    >>> files
    ['index.csv', 'plan.csv', 'tables.csv', 'tpl.region.csv']
    >>> list(sheets), sheets["tpl.region"]["relativity"].tolist()
    (['plan', 'index', 'tpl.region'], [1.0, 1.2])
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlsm", ".csv"):
        raise ParameterError(f"export_tables writes a '.xlsx' workbook or a folder of CSV files, got {str(path)!r}")
    tables = rating_tables(plan)
    pieces = _split(plan, tables)
    if suffix == ".xlsx":
        _write_workbook(plan, pieces, path)
    else:
        _write_folder(plan, tables, pieces, path)
    return path


# ------------------------------------------------ shared with the plan diff


def level_text(level: Any) -> str:
    """A table level as text: an interaction pair ``(a, b)`` reads ``'a, b'``.

    Examples
    --------
    >>> level_text(("north", "business")), level_text(-2), level_text("[25, 60)")
    ('north, business', '-2', '[25, 60)')
    """
    if isinstance(level, tuple):
        return ", ".join(map(str, level))
    return str(level)


def factor_levels(factor: Factor) -> list[tuple[Any, float, bool]]:
    """``(level, relativity, overridden)`` of each row of a factor's table.

    Levels are as the factor keys them (a band by its label, an interaction
    cell by its pair).

    Examples
    --------
    >>> from autorisk.rating import BandFactor
    >>> factor_levels(BandFactor("age", "age", (25.0,), (1.5, 1.0), overridden=(0,)))
    [('(-inf, 25)', 1.5, True), ('[25, inf)', 1.0, False)]
    """
    overridden = getattr(factor, "overridden", ())
    rows = factor.table()
    if isinstance(factor, BandFactor):  # bands record overridden positions
        return [(label, value, i in overridden) for i, (label, value) in enumerate(rows)]
    marked = set(map(tuple, overridden)) if isinstance(factor, InteractionFactor) else set(overridden)
    return [(level, value, level in marked) for level, value in rows]


def factor_attributes(factor: Factor) -> list[tuple[str, Any]]:
    """``(attribute, value)`` of a factor besides its table: the columns it reads, then its kind's settings.

    Sequences read as comma-separated text; absent settings are None.

    Examples
    --------
    >>> from autorisk.rating import BandFactor
    >>> factor_attributes(BandFactor("age", "driver_age", (25.0, 60.0), (1.5, 1.0, 1.2), lower=18))
    [('columns', 'driver_age'), ('cut_points', '25, 60'), ('closed', 'left'), ('lower', 18), ('upper', None)]
    """
    out: list[tuple[str, Any]] = [("columns", ", ".join(factor.columns))]
    for name in FACTOR_ATTRIBUTES[factor.kind]:
        value = getattr(factor, name)
        out.append((name, ", ".join(f"{v:g}" for v in value) if isinstance(value, tuple) else value))
    return out


def coverage_items(coverage: Coverage) -> list[tuple[str, Any]]:
    """``(item, value)`` of a coverage's scalars: base rate, each loading, fee and tax, premium limits, rounding.

    Examples
    --------
    >>> from autorisk.rating import Coverage
    >>> coverage_items(Coverage("tpl", 500.0, loadings={"expenses": 0.2}, taxes={"IPT": 0.06}))
    [('base_rate', 500.0), ('loading:expenses', 0.2), ('tax:IPT', 0.06), ('min_premium', None),
     ('max_premium', None), ('rounding', None)]
    """
    return [
        ("base_rate", coverage.base_rate),
        *((f"loading:{name}", rate) for name, rate in coverage.loadings),
        *((f"fee:{name}", amount) for name, amount in coverage.fees),
        *((f"tax:{name}", rate) for name, rate in coverage.taxes),
        ("min_premium", coverage.min_premium),
        ("max_premium", coverage.max_premium),
        ("rounding", coverage.rounding),
    ]


def bound_items(bounds: tuple[Bound, ...]) -> list[tuple[str, str, Any]]:
    """``(key, field, value)`` of each bound's ``lower``, ``upper`` and ``source``.

    The key is ``'bound:<target>'``; a second bound on the same target is
    ``'bound:<target>#2'``.

    Examples
    --------
    >>> from autorisk.rating import Bound
    >>> bound_items((Bound("autonomous", 0.65, 1.35, "CBIRC 2020"),))
    [('bound:autonomous', 'lower', 0.65), ('bound:autonomous', 'upper', 1.35),
     ('bound:autonomous', 'source', 'CBIRC 2020')]
    """
    seen: Counter[str] = Counter()
    out = []
    for bound in bounds:
        seen[bound.target] += 1
        key = f"bound:{bound.target}" + (f"#{seen[bound.target]}" if seen[bound.target] > 1 else "")
        out += [(key, "lower", bound.lower), (key, "upper", bound.upper), (key, "source", bound.source)]
    return out


# ----------------------------------------------------------------- private


def _plan_rows(plan: RatingPlan) -> pd.DataFrame:
    """The plan sheet: ``section, item, value`` rows."""
    rows: list[tuple[str, str, Any]] = [
        ("plan", "name", plan.name),
        ("plan", "version", plan.version),
        ("plan", "plan_id", plan.plan_id),
        ("plan", "effective_from", plan.effective_from),
        ("plan", "effective_to", plan.effective_to),
        ("plan", "prohibited_columns", ", ".join(plan.prohibited_columns)),
    ]
    rows += [(key, field, value) for key, field, value in bound_items(plan.bounds)]
    for coverage in plan.coverages:
        section = f"coverage:{coverage.name}"
        rows += [(section, item, value) for item, value in coverage_items(coverage)]
        for factor in coverage.factors:
            rows.append((section, factor.name, factor.kind))
            rows += [(section, f"{factor.name}.{name}", value) for name, value in factor_attributes(factor)]
    return pd.DataFrame(rows, columns=["section", "item", "value"], dtype=object)


def _split(plan: RatingPlan, tables: pd.DataFrame) -> list[tuple[Coverage, Factor, pd.DataFrame]]:
    """Each (coverage, factor) with its rows of the long table, in the plan's order."""
    groups = dict(list(tables.groupby(["coverage", "factor"], sort=False)))
    empty = tables.iloc[:0]
    return [(c, f, groups.get((c.name, f.name), empty)) for c in plan.coverages for f in c.factors]


def _index(pieces: list[tuple[Coverage, Factor, pd.DataFrame]], names: list[str], label: str) -> pd.DataFrame:
    return pd.DataFrame({
        label: names,
        "coverage": [c.name for c, _, _ in pieces],
        "factor": [f.name for _, f, _ in pieces],
        "kind": [f.kind for _, f, _ in pieces],
        "columns": [", ".join(f.columns) for _, f, _ in pieces],
        "levels": [len(rows) for _, _, rows in pieces],
    })  # fmt: skip


def _unique_names(wanted: list[str], limit: int, reserved: tuple[str, ...]) -> list[str]:
    """Names cut to ``limit`` characters and made unique ignoring case (``~2``, ``~3``, ... on a clash)."""
    used = {name.casefold() for name in reserved}
    out = []
    for name in wanted:
        candidate, n = name[:limit], 1
        while not candidate or candidate.casefold() in used:
            n += 1
            candidate = f"{name[: limit - len(str(n)) - 1]}~{n}"
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def _table_names(pieces: list[tuple[Coverage, Factor, pd.DataFrame]], clean: Callable[[str], str],
                 limit: int, reserved: tuple[str, ...]) -> list[str]:  # fmt: skip
    return _unique_names([clean(f"{c.name}.{f.name}") for c, f, _ in pieces], limit, reserved)


def _write_workbook(plan: RatingPlan, pieces: list[tuple[Coverage, Factor, pd.DataFrame]], path: Path) -> None:
    # "History" is reserved by Excel itself.
    sheets = _table_names(pieces, lambda s: _SHEET_FORBIDDEN.sub("_", s).strip("'"), _SHEET_LIMIT,
                          ("plan", "index", "History"))  # fmt: skip
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        _plan_rows(plan).to_excel(writer, sheet_name="plan", index=False)
        _index(pieces, sheets, "sheet").to_excel(writer, sheet_name="index", index=False)
        for sheet, (_, _, rows) in zip(sheets, pieces, strict=True):
            rows[["level", "relativity", "overridden"]].to_excel(writer, sheet_name=sheet, index=False)
        for worksheet in writer.sheets.values():
            _literal_cells(worksheet)


def _literal_cells(worksheet: Any) -> None:
    """Cells hold exactly what was written.

    A float is stored as its shortest round-trip text (openpyxl would keep 16
    significant digits, one short of a double's 17); text starting with ``=``
    (a level named ``"=1"``) stays text instead of becoming a formula.
    """
    for row in worksheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, float):
                cell.value = repr(float(cell.value))
                cell.data_type = "n"
            elif cell.data_type == "f":
                cell.data_type = "s"


def _write_folder(plan: RatingPlan, tables: pd.DataFrame, pieces: list[tuple[Coverage, Factor, pd.DataFrame]],
                  folder: Path) -> None:  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    stems = _table_names(pieces, lambda s: _FILE_FORBIDDEN.sub("_", s).lstrip("."), _FILE_LIMIT,
                         ("plan", "index", "tables"))  # fmt: skip
    files = [f"{stem}.csv" for stem in stems]
    # float_format=None writes repr: every relativity reads back exactly.
    _plan_rows(plan).to_csv(folder / "plan.csv", index=False)
    _index(pieces, files, "file").to_csv(folder / "index.csv", index=False)
    tables.to_csv(folder / "tables.csv", index=False)
    for name, (_, _, rows) in zip(files, pieces, strict=True):
        rows[["level", "relativity", "overridden"]].to_csv(folder / name, index=False)
