"""Declared columns of the policy and claims tables, and mapping user frames onto them.

A user maps their own column names once, with ``columns={canonical: user_name}``;
:func:`standardize` then renames the mapped columns to the canonical names,
coerces their dtypes (date strings to ``datetime64``, amounts to ``float64``)
and keeps every other column untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from autorisk.errors import DataIssue, ParameterError, SchemaError

ColumnKind = Literal["id", "date", "float", "int", "category", "string"]

#: Microseconds in a day, to turn :func:`microseconds` differences into days.
MICROSECONDS_PER_DAY = 86_400_000_000

#: dtype of every date column after :func:`standardize`. Microseconds rather
#: than nanoseconds so that far-future sentinel dates such as 9999-12-31 fit.
DATE_DTYPE = "datetime64[us]"


@dataclass(frozen=True)
class ColumnSpec:
    """Declaration of one canonical column.

    Attributes
    ----------
    name : str
        Canonical column name.
    kind : {"id", "date", "float", "int", "category", "string"}
        What the column holds. :func:`standardize` coerces ``date`` columns to
        ``datetime64[us]``, ``float`` columns to ``float64`` and categorical
        ``id`` columns to their values; other kinds pass through.
    required : bool
        Whether every table must have the column.
    description : str
        One line for documentation and error messages.

    Examples
    --------
    >>> from autorisk.data import CLAIM_COLUMNS
    >>> CLAIM_COLUMNS["occurrence_date"]
    ColumnSpec(name='occurrence_date', kind='date', required=True, description='Date of the accident (needed against dated policies).')

    Specs make a schema of your own, which :func:`standardize` enforces:

    >>> import pandas as pd
    >>> vehicles = TableSchema("vehicles", (ColumnSpec("vin", "id", True, "Vehicle identification number."),
    ...                                     ColumnSpec("first_registered", "date")))
    >>> raw = pd.DataFrame({"VIN": ["W0L1"], "Reg": ["2019-03-01"]})
    >>> str(standardize(raw, vehicles, {"vin": "VIN", "first_registered": "Reg"})["first_registered"].dtype)
    'datetime64[us]'
    >>> standardize(raw[["Reg"]], vehicles, {"first_registered": "Reg"})
    Traceback (most recent call last):
    ...
    autorisk.errors.SchemaError: vehicles: column 'vin': missing_column (expected a column 'vin' ...)
    """

    name: str
    kind: ColumnKind
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class TableSchema:
    """The canonical columns of one table.

    Iterating over a schema yields its :class:`ColumnSpec` objects.

    Attributes
    ----------
    table : str
        Table name used in error messages (``"policies"``, ``"claims"``).
    columns : tuple of ColumnSpec
        The canonical columns.
    alternatives : tuple of tuple of str
        Groups of optional columns of which at least one group must be
        present in full, e.g. both period dates or an exposure.

    Examples
    --------
    >>> from autorisk.data import POLICY_COLUMNS
    >>> POLICY_COLUMNS["exposure"].kind
    'float'
    >>> [c.name for c in POLICY_COLUMNS if c.required]
    ['policy_id']
    """

    table: str
    columns: tuple[ColumnSpec, ...]
    alternatives: tuple[tuple[str, ...], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical column names, in declaration order."""
        return tuple(c.name for c in self.columns)

    def __iter__(self) -> Iterator[ColumnSpec]:
        return iter(self.columns)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __getitem__(self, name: str) -> ColumnSpec:
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)


POLICY_COLUMNS = TableSchema(
    table="policies",
    columns=(
        ColumnSpec("policy_id", "id", True, "Policy identifier; repeats across renewals."),
        ColumnSpec("period_start", "date", False, "First day of cover."),
        ColumnSpec(
            "period_end", "date", False, "End of cover, exclusive: the period is [start, end)."
        ),
        ColumnSpec("exposure", "float", False, "Exposure in years."),
    ),
    alternatives=(("period_start", "period_end"), ("exposure",)),
)

CLAIM_COLUMNS = TableSchema(
    table="claims",
    columns=(
        ColumnSpec(
            "claim_id", "id", True, "Claim identifier, unique (or unique within the key, claim_ids=)."
        ),
        ColumnSpec("policy_id", "id", True, "Policy the claim is made on (or the key given as on=)."),
        ColumnSpec(
            "occurrence_date", "date", True, "Date of the accident (needed against dated policies)."
        ),
        ColumnSpec("report_date", "date", False, "Date the claim was reported."),
        ColumnSpec(
            "settlement_date", "date", False, "Date the claim was closed; missing while open."
        ),
        ColumnSpec("paid", "float", False, "Amount paid to date."),
        ColumnSpec("incurred", "float", False, "Paid plus case reserve."),
        ColumnSpec("coverage", "category", False, "Coverage hit, e.g. 'ctpl', 'tpl', 'od'."),
    ),
    alternatives=(("paid",), ("incurred",)),
)


def standardize(
    data: pd.DataFrame,
    schema: TableSchema,
    columns: Mapping[str, str] | None = None,
    *,
    factors: Sequence[str] = (),
) -> pd.DataFrame:
    """Rename a user table to canonical column names and coerce their dtypes.

    Parameters
    ----------
    data : DataFrame
        The user's table; it is not modified.
    schema : TableSchema
        :data:`POLICY_COLUMNS` or :data:`CLAIM_COLUMNS`.
    columns : mapping of str to str, optional
        ``{canonical name: user column name}`` for columns whose user name
        differs from the canonical one. Unmapped canonical columns are looked
        up under their canonical name.
    factors : sequence of str
        Rating-factor columns (user names) that must be present.

    Returns
    -------
    DataFrame
        Same rows, index and column order; mapped columns renamed, date
        columns as ``datetime64[us]``, float columns as ``float64``, id
        columns stored as categoricals turned into plain values. Other
        columns are untouched.

    Raises
    ------
    SchemaError
        A required or mapped column is missing, a renamed column would clash
        with an existing one, or values cannot be coerced to the column's kind.
    ParameterError
        ``columns`` names an unknown canonical column or maps two canonical
        columns to the same user column, or ``data`` is not a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.data import POLICY_COLUMNS, standardize
    >>> raw = pd.DataFrame({"IDpol": [1, 2], "Expo": ["0.5", "1"], "Area": ["A", "B"]})
    >>> standardize(raw, POLICY_COLUMNS, {"policy_id": "IDpol", "exposure": "Expo"})
       policy_id  exposure Area
    0          1       0.5    A
    1          2       1.0    B
    """
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"expected a pandas DataFrame, got {type(data).__name__}")
    mapping = _check_mapping(columns, schema)
    existing = list(data.columns)
    issues = _mapping_issues(mapping, existing)
    frame = data.rename(columns={user: name for name, user in mapping.items() if user != name})
    if not issues:
        issues = _presence_issues(frame, schema, factors, existing)
    if issues:
        raise SchemaError(issues, table=schema.table)

    coerced = {}
    for spec in schema:
        if spec.name in frame.columns:
            column, issue = _coerce(frame[spec.name], spec)
            if issue is not None:
                issues.append(issue)
            coerced[spec.name] = column
    if issues:
        raise SchemaError(issues, table=schema.table)
    return frame.assign(**coerced)


def require_columns(frame: pd.DataFrame, names: Sequence[str], table: str, purpose: str) -> None:
    """Raise :class:`SchemaError` if ``frame`` lacks any of ``names``.

    ``purpose`` completes the sentence "needed ...", e.g. ``"to split by date"``.
    """
    issues = [
        DataIssue(
            name,
            "missing_column",
            f"a column '{name}' {purpose}; available columns: {list(frame.columns)}",
        )
        for name in names
        if name not in frame.columns
    ]
    if issues:
        raise SchemaError(issues, table=table)


def refuse_existing(frame: pd.DataFrame, names: Sequence[str], table: str) -> None:
    """Raise :class:`SchemaError` if an output column would overwrite one of ``frame``'s columns."""
    issues = [
        DataIssue(
            name,
            "column_clash",
            f"no column '{name}' yet, as it is added to the output; rename it first",
        )
        for name in names
        if name in frame.columns
    ]
    if issues:
        raise SchemaError(issues, table=table)


def microseconds(dates: pd.Series) -> np.ndarray:
    """Dates as int64 microseconds since 1970, whatever their stored unit."""
    return dates.to_numpy().astype(DATE_DTYPE).astype(np.int64)


def to_datetime(values: pd.Series, column: str) -> tuple[pd.Series, DataIssue | None]:
    """Coerce dates or date strings to ``datetime64[us]``.

    Returns the coerced values and an issue naming the values that are not
    dates (``None`` when all parse). Numbers are refused rather than read as
    nanoseconds since 1970, and strings must be ISO 8601 (``"2023-01-31"``,
    ``"2023-01-31 12:00"``) as day-first and month-first dates cannot be told
    apart. Time-zone-aware dates keep their wall-clock time.
    """
    values = pd.Series(values)
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    elif pd.api.types.is_numeric_dtype(dtype) and not values.isna().all():
        mask = values.notna()
        return values, DataIssue.from_mask(
            column,
            "dtype",
            f"dates or date strings, not {dtype} numbers",
            mask,
            values.index,
            values,
        )
    elif not pd.api.types.is_datetime64_dtype(dtype):
        # ISO 8601 only: guessing between day-first and month-first would misread dates silently.
        parsed = pd.to_datetime(values, errors="coerce", format="ISO8601")
        unparsed = parsed.isna() & values.notna()
        if unparsed.any():
            return values, DataIssue.from_mask(
                column,
                "dtype",
                "ISO 8601 dates such as '2023-01-31'",
                unparsed,
                values.index,
                values,
            )
        values = parsed
    return values.astype(DATE_DTYPE), None


def _coerce(values: pd.Series, spec: ColumnSpec) -> tuple[pd.Series, DataIssue | None]:
    """Coerce one canonical column to its kind; other kinds pass through."""
    if spec.kind == "date":
        return to_datetime(values, spec.name)
    if spec.kind == "float":
        return _to_float(values, spec.name)
    if spec.kind == "id" and isinstance(values.dtype, pd.CategoricalDtype):
        # Categorical ids would make joins and group-bys depend on unused levels.
        return values.astype(values.cat.categories.dtype), None
    return values, None


def _to_float(values: pd.Series, column: str) -> tuple[pd.Series, DataIssue | None]:
    """Coerce numbers or numeric strings to float64."""
    if pd.api.types.is_bool_dtype(values.dtype):
        mask = np.ones(len(values), dtype=bool)
        return values, DataIssue.from_mask(
            column, "dtype", "numbers, not booleans", mask, values.index, values
        )
    numbers = pd.to_numeric(values, errors="coerce")
    unparsed = numbers.isna() & values.notna()
    if unparsed.any():
        return values, DataIssue.from_mask(
            column, "dtype", "numbers", unparsed, values.index, values
        )
    return numbers.astype("float64"), None


def _check_mapping(columns: Mapping[str, str] | None, schema: TableSchema) -> dict[str, str]:
    """Check the user's ``{canonical: user name}`` mapping itself."""
    mapping = dict(columns or {})
    unknown = [name for name in mapping if name not in schema]
    if unknown:
        raise ParameterError(
            f"columns maps unknown {schema.table} column(s) {unknown}; "
            f"valid canonical names are {list(schema.names)}"
        )
    users = list(mapping.values())
    shared = sorted({user for user in users if users.count(user) > 1}, key=str)
    if shared:
        raise ParameterError(
            f"columns maps several canonical columns to the same column(s) {shared}"
        )
    return mapping


def _mapping_issues(mapping: dict[str, str], existing: list) -> list[DataIssue]:
    """Mapped columns that do not exist, duplicated names, and renames that would clash."""
    issues = []
    duplicated = sorted({str(c) for c in existing if existing.count(c) > 1})
    for name in duplicated:
        issues.append(DataIssue(name, "duplicate_column", "each column name once"))
    renamed_away = {user for name, user in mapping.items() if user != name}
    for name, user in mapping.items():
        if user not in existing:
            issues.append(
                DataIssue(
                    name,
                    "missing_column",
                    f"column '{user}' (mapped to '{name}'); available columns: {existing}",
                )
            )
        elif user != name and name in existing and name not in renamed_away:
            issues.append(
                DataIssue(
                    name,
                    "column_clash",
                    f"one column '{name}', but '{user}' is mapped to '{name}' and '{name}' also exists; "
                    "drop or rename one of them",
                )
            )
    return issues


def _presence_issues(
    frame: pd.DataFrame, schema: TableSchema, factors: Sequence[str], existing: list
) -> list[DataIssue]:
    """Required columns, alternative column groups and factors that are absent."""
    present = set(frame.columns)
    available = f"available columns: {existing}"
    issues = []
    for spec in schema:
        if spec.required and spec.name not in present:
            expected = f"a column '{spec.name}' (map yours with columns={{'{spec.name}': ...}}); {available}"
            issues.append(DataIssue(spec.name, "missing_column", expected))
    partial = [
        group for group in schema.alternatives if present & set(group) and not present >= set(group)
    ]
    for group in partial:
        for name in group:
            if name not in present:
                expected = f"{' and '.join(group)} together; {available}"
                issues.append(DataIssue(name, "missing_column", expected))
    if (
        not partial
        and schema.alternatives
        and not any(present >= set(g) for g in schema.alternatives)
    ):
        names = [name for group in schema.alternatives for name in group]
        wanted = ", or ".join(
            f"both {' and '.join(group)}" if len(group) > 1 else group[0]
            for group in schema.alternatives
        )
        issues.append(DataIssue(", ".join(names), "missing_column", f"{wanted}; {available}"))
    for factor in factors:
        if factor not in present:
            issues.append(
                DataIssue(str(factor), "missing_column", f"the declared factor column; {available}")
            )
    return issues
