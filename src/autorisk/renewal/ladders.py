"""No-claim-discount and bonus-malus ladders as data, moved one renewal on, vectorised.

A :class:`Ladder` reads the experience state of each policy from a few columns
of the policy table (:attr:`Ladder.state_columns`), takes the claims of the
period since the last renewal and returns a *new* table whose state columns
are moved one renewal on. The rules are data: every ladder is a JSON document
(:meth:`Ladder.to_dict`, :meth:`Ladder.save`, :func:`load_ladder`) of one of
three kinds, each a thin face over one engine:

``"level_table"`` (:class:`LevelTableLadder`)
    Integer levels ``lowest .. highest``. The next level is ``level +
    step_per_claim_free_year`` after a claim-free period and ``level +
    step_per_claim * claims`` otherwise, clamped to the ladder, or is read
    from an explicit ``transitions`` table. Shipped: ``belgium_23``.
``"coefficient"`` (:class:`CoefficientLadder`)
    A coefficient multiplied by fixed factors per claim-free period and per
    claim, truncated to ``decimals`` and kept between a floor and a cap.
    Shipped: ``france_crm``.
``"history"`` (:class:`HistoryLadder`)
    A level recomputed at each renewal from the claims of the last few
    periods and the numbers of consecutive insured and claim-free periods.
    Shipped: ``china_national`` and ``china_beijing_xiamen``.

Any ladder may carry a lapse rule, ``"lapse": {"reset_after_days": d}``: a
policy renewed after more than ``d`` uninsured days restarts at the entry
level with no history. Each shipped JSON file (``ladders/*.json`` next to this
module) records its sources and assumptions under ``source`` and
``assumptions``. They are not legal advice: check them against the rules you
file before real use.

Examples
--------
>>> import pandas as pd
>>> belgium = load_ladder("belgium_23")
>>> book = pd.DataFrame({"bm_level": [11, 11, 0, 20]})
>>> belgium.renew(book, claims=[0, 1, 0, 1])["bm_level"].tolist()
[10, 16, 0, 22]
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError

__all__ = [
    "MAX_COUNT",
    "CoefficientLadder",
    "HistoryLadder",
    "Ladder",
    "LevelTableLadder",
    "available_ladders",
    "load_ladder",
]

#: Claim counts, period counts and lapse days above this are refused as implausible.
MAX_COUNT = 1_000_000
#: Descriptive keys a ladder's JSON may carry; kept unchanged through a round trip.
_INFO_KEYS = ("description", "regions", "source", "assumptions")
_PACKAGE = "autorisk.renewal"
_FOLDER = "ladders"

#: A column name, values aligned with the policies' rows, or one value for every row.
Input = str | ArrayLike


# ---------------------------------------------------------------- input checks


def _series(policies: pd.DataFrame, spec: Input, argument: str) -> tuple[pd.Series, str]:
    """An input given by column name, as values aligned with the rows or as a scalar; and its name for messages."""
    if isinstance(spec, str):
        if spec not in policies.columns:
            issue = DataIssue(spec, "missing column", f"the column named by {argument}= (or pass the values)")
            raise SchemaError(issue, table="policies")
        return policies[spec], spec
    if isinstance(spec, pd.Series):
        if not spec.index.equals(policies.index):
            raise ParameterError(
                f"{argument}=: a Series must have the policies' index; pass .to_numpy() to align by position"
            )
        return spec, argument
    values = np.asarray(spec)
    if values.ndim == 0:
        values = np.full(len(policies), values.item(), dtype=values.dtype)
    if values.shape != (len(policies),):
        raise ParameterError(
            f"{argument}=: expected a column name or {len(policies)} values (one per policy), got shape {values.shape}"
        )
    return pd.Series(values, index=policies.index), argument


def _numbers(values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray, list[DataIssue]]:
    """Float values (NaN where missing or not a number), the mask of missing ones, and the issue of non-numbers."""
    if values.dtype.kind in "biuf":  # fast path: plain numpy numbers
        x = values.to_numpy(dtype=float)
        return x, np.isnan(x), []
    missing = values.isna().to_numpy()
    try:
        return values.to_numpy(dtype=float, na_value=np.nan), missing, []
    except (TypeError, ValueError):
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(numbers) & ~missing
        return numbers, missing, [DataIssue.from_mask(column, "not a number", "numbers", bad, values.index, values)]


def _issues(values: pd.Series, column: str, checks: Sequence[tuple[str, str, np.ndarray]]) -> list[DataIssue]:
    return [
        DataIssue.from_mask(column, rule, expected, mask, values.index, values)
        for rule, expected, mask in checks
        if mask.any()
    ]


def _counts(values: pd.Series, column: str) -> tuple[np.ndarray, list[DataIssue]]:
    """Non-negative integer counts as int64, and the issues of the values that are not."""
    x, missing, issues = _numbers(values, column)
    present = ~np.isnan(x)
    expected = f"an integer count in [0, {MAX_COUNT}]"
    with np.errstate(invalid="ignore"):
        issues += _issues(values, column, (
            ("missing", expected, missing),
            ("negative", expected, present & (x < 0)),
            ("not an integer", expected, present & (x != np.floor(x)) & np.isfinite(x)),
            ("too large", expected, present & (x > MAX_COUNT)),
        ))  # fmt: skip
    return np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0).astype(np.int64), issues


def _integer_levels(values: pd.Series, column: str, lowest: int, highest: int) -> tuple[np.ndarray, list[DataIssue]]:
    """Integer levels on ``lowest .. highest`` as int64, and the issues of the values that are not."""
    x, missing, issues = _numbers(values, column)
    present = ~np.isnan(x)
    expected = f"an integer level in [{lowest}, {highest}]"
    with np.errstate(invalid="ignore"):
        issues += _issues(values, column, (
            ("missing", expected, missing),
            ("not an integer", expected, present & (x != np.floor(x)) & np.isfinite(x)),
            ("outside the ladder", expected, present & ((x < lowest) | (x > highest))),
        ))  # fmt: skip
    return np.nan_to_num(x, nan=lowest, posinf=lowest, neginf=lowest).astype(np.int64), issues


# ------------------------------------------------------------ parameter checks


def _param_error(ladder: str, message: str) -> ParameterError:
    return ParameterError(f"ladder {ladder!r}: {message}")


def _int(ladder: str, name: str, value: Any, *, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise _param_error(ladder, f"{name} must be an integer, got {value!r}")
    if low is not None and value < low:
        raise _param_error(ladder, f"{name} must be >= {low}, got {value!r}")
    return int(value)


def _number(ladder: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        raise _param_error(ladder, f"{name} must be a finite number, got {value!r}")
    return float(value)


def _int_keys(ladder: str, name: str, table: Mapping[Any, Any]) -> dict[int, Any]:
    """A JSON object keyed by integers written as strings (``{"4": -4}``), with int keys."""
    if not isinstance(table, Mapping):
        raise _param_error(ladder, f"{name} must be an object keyed by level/year, got {table!r}")
    out = {}
    for key, value in table.items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            raise _param_error(ladder, f"{name}: key {key!r} is not an integer") from None
        if str(number) != str(key).strip():
            raise _param_error(ladder, f"{name}: key {key!r} is not an integer")
        out[number] = value
    return out


def _level_values(ladder: str, values: Any, n_levels: int) -> tuple[float, ...] | None:
    if values is None:
        return None
    if isinstance(values, (str, Mapping)) or not isinstance(values, Sequence) or len(values) != n_levels:
        raise _param_error(ladder, f"values must be a list of {n_levels} relativities (one per level) or null")
    out = tuple(_number(ladder, "values", v) for v in values)
    if min(out) <= 0:
        raise _param_error(ladder, "values (relativities) must be > 0")
    return out


# ---------------------------------------------------------------------- engine


@dataclass(frozen=True, kw_only=True, repr=False)
class Ladder:
    """A no-claim-discount / bonus-malus ladder: one engine, one thin subclass per kind.

    Build one from JSON (:meth:`from_dict`, :meth:`load`, :func:`load_ladder`)
    or with a subclass's keyword arguments; the values are checked once, when
    the ladder is built, and a bad one raises :class:`ParameterError` naming it.

    Parameters
    ----------
    name : str
        Name of the ladder, e.g. ``"france_crm"``.
    columns : dict, optional
        Column of the policy table holding each part of the state, by role
        (``"level"``, and per kind the history roles); defaults per kind.
    entry_level : int or float
        Level (coefficient) of new business, and after a lapse reset.
    lapse_reset_after_days : int, optional
        A policy renewed after strictly more uninsured days than this restarts
        at ``entry_level`` with no history; ``None`` (default): no lapse rule.
    info : dict, optional
        Descriptive JSON keys (``description``, ``regions``, ``source``,
        ``assumptions``), kept unchanged.

    Attributes
    ----------
    kind : str
        ``"level_table"``, ``"coefficient"`` or ``"history"``.
    state_columns : tuple of str
        Columns the ladder reads and writes, the level column first.
    level_column : str
        Column holding the rated level (coefficient).

    Examples
    --------
    >>> ncd = load_ladder("china_national")
    >>> ncd.kind, ncd.level_column, ncd.bounds
    ('history', 'ncd_level', (-4, 5))
    >>> ncd.state_columns
    ('ncd_level', 'insured_years', 'claim_free_years', 'claims_1', 'claims_2')
    """

    name: str
    columns: Mapping[str, Any] | None = None
    entry_level: Any = None
    lapse_reset_after_days: int | None = None
    info: Mapping[str, Any] = field(default_factory=dict)

    kind: ClassVar[str] = ""
    #: Column of each state role; a role mapped to a list holds one column per past period.
    _DEFAULT_COLUMNS: ClassVar[dict[str, Any]] = {}

    # -- construction -----------------------------------------------------

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError(f"a ladder's name must be a non-empty string, got {self.name!r}")
        given = dict(self.columns or {})
        unknown = sorted(set(given) - set(self._DEFAULT_COLUMNS))
        if unknown:
            raise _param_error(self.name, f"unknown column role(s) {unknown}; roles are {sorted(self._DEFAULT_COLUMNS)}")
        columns = {role: given.get(role, default) for role, default in self._DEFAULT_COLUMNS.items()}
        columns = {role: columns[role] for role in self._roles()}
        for role, col in columns.items():
            cols = col if isinstance(col, (list, tuple)) else [col]
            if not all(isinstance(c, str) and c for c in cols):
                raise _param_error(self.name, f"columns[{role!r}] must be column name(s), got {col!r}")
            if isinstance(col, list):
                columns[role] = tuple(col)
        object.__setattr__(self, "columns", columns)
        if len(set(self.state_columns)) != len(self.state_columns):
            raise _param_error(self.name, f"state columns must differ, got {self.state_columns}")
        if self.lapse_reset_after_days is not None:
            _int(self.name, "lapse reset_after_days", self.lapse_reset_after_days, low=0)
        bad_info = sorted(set(self.info) - set(_INFO_KEYS))
        if bad_info:
            raise _param_error(self.name, f"unknown descriptive key(s) {bad_info}; allowed: {list(_INFO_KEYS)}")
        self._check_params()

    def _roles(self) -> tuple[str, ...]:
        """State roles this ladder uses (some kinds drop the roles of rules switched off)."""
        return tuple(self._DEFAULT_COLUMNS)

    def _check_params(self) -> None:
        raise ParameterError(f"Ladder is the base class: build one of {[k.__name__ for k in _KINDS.values()]}")

    # -- public surface -----------------------------------------------------

    @property
    def level_column(self) -> str:
        """Column holding the rated level (coefficient)."""
        return self.columns["level"]  # type: ignore[index]

    @property
    def state_columns(self) -> tuple[str, ...]:
        """Columns the ladder reads and writes, the level column first."""
        out: list[str] = []
        for col in self.columns.values():  # type: ignore[union-attr]
            out.extend(col if isinstance(col, tuple) else [col])
        return tuple(out)

    @property
    def bounds(self) -> tuple[Any, Any]:
        """Best and worst level (lowest and highest), or floor and cap of a coefficient."""
        raise NotImplementedError

    def renew(
        self,
        policies: pd.DataFrame,
        claims: Input = "claims_since_renewal",
        *,
        at_fault: Input | None = None,
        partly_at_fault: Input | None = None,
        lapse_days: Input | None = None,
    ) -> pd.DataFrame:
        """Move every policy's state one renewal on, from the claims of the period since the last renewal.

        Vectorised (no Python loop over rows) and pure: returns a new table,
        the input is not modified. Columns other than :attr:`state_columns`
        are copied unchanged (reset your claims-since-renewal column yourself).

        Parameters
        ----------
        policies : DataFrame
            One row per policy with every column of :attr:`state_columns`
            (add missing history columns with :meth:`init_state`).
        claims : str or array-like, default ``"claims_since_renewal"``
            Claims of the expiring period that move the ladder: a column name,
            one integer >= 0 per row, or one for all rows. A ``"coefficient"``
            ladder reads them as at-fault claims unless ``at_fault`` is given.
        at_fault, partly_at_fault : str or array-like, optional
            ``"coefficient"`` ladders only (other kinds raise
            :class:`ParameterError`): claims with the insured fully at fault
            (default: ``claims``; ``claims`` is then not read) and partly at
            fault (default: none). Claims without fault are left out.
        lapse_days : str or array-like, optional
            Uninsured days between the expiry of the last policy and this
            renewal (0 for a continuous renewal). Used by a ladder with a lapse
            rule; validated but without effect on a ladder without one.

        Returns
        -------
        DataFrame
            A copy of ``policies`` with the state columns of the renewed period.

        Raises
        ------
        SchemaError
            A state column, or a column named by an argument, is missing.
        DataError
            A level (coefficient) off the ladder, or a count that is missing,
            negative, not an integer or implausibly large; every problem found
            is listed with its column, values and rows.
        ParameterError
            An argument of the wrong shape, or fault counts for a ladder that
            does not use them.

        Examples
        --------
        >>> import pandas as pd
        >>> ncd = load_ladder("china_national")
        >>> book = ncd.init_state(pd.DataFrame({"ncd_level": [-2, -2, -2]}))
        >>> ncd.renew(book, claims=[0, 2, 0], lapse_days=[0, 0, 200])["ncd_level"].tolist()
        [-3, -1, 0]
        """
        if not isinstance(policies, pd.DataFrame):
            raise ParameterError(f"policies must be a pandas DataFrame, got {type(policies).__name__}")
        state, issues = self._read_state(policies)
        counts: dict[str, np.ndarray] = {}
        for role, (spec, argument) in self._claim_inputs(claims, at_fault, partly_at_fault).items():
            counts[role], found = _counts(*_series(policies, spec, argument))
            issues += found
        days = None
        if lapse_days is not None:
            days, found = _counts(*_series(policies, lapse_days, "lapse_days"))
            issues += found
        if not issues:
            issues = self._check_state(state, policies.index)
        if issues:
            raise DataError(issues, table="policies")
        new = self._step(state, counts)
        if days is not None and self.lapse_reset_after_days is not None:
            reset = days > self.lapse_reset_after_days
            fresh = self._fresh(len(policies))
            new = {col: np.where(reset, fresh[col], values) for col, values in new.items()}
        return policies.assign(**self._to_columns(new))

    def init_state(self, policies: pd.DataFrame) -> pd.DataFrame:
        """Add the history columns a table lacks: the simplest history consistent with each level.

        The level column is required. If every history column is present the
        table is returned (copied) as it is; if none is, they are derived from
        the level (see each kind); a partial history is an error.

        Parameters
        ----------
        policies : DataFrame
            Policies with at least :attr:`level_column`.

        Returns
        -------
        DataFrame
            A copy of ``policies`` with every column of :attr:`state_columns`.

        Examples
        --------
        >>> import pandas as pd
        >>> load_ladder("china_national").init_state(pd.DataFrame({"ncd_level": [-3, 1]}))
           ncd_level  insured_years  claim_free_years  claims_1  claims_2
        0         -3              3                 3         0         0
        1          1              1                 0         2         0
        """
        missing = [c for c in self.state_columns if c not in policies.columns]
        if not missing:
            return policies.copy()
        history = self.state_columns[1:]
        if self.level_column in missing or len(missing) != len(history):
            raise SchemaError(
                [DataIssue(c, "missing column", f"all of {list(history)} or none, and {self.level_column!r}") for c in missing],
                table="policies",
            )
        level, issues = self._read_level(policies[self.level_column])
        if issues:
            raise DataError(issues, table="policies")
        return policies.assign(**self._seed(level, policies.index))

    # -- JSON ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The ladder as a JSON-ready dict; :meth:`from_dict` rebuilds it.

        Examples
        --------
        >>> crm = load_ladder("france_crm")
        >>> spec = crm.to_dict()
        >>> spec["kind"], spec["at_fault_factor"], Ladder.from_dict(spec) == crm
        ('coefficient', 1.25, True)
        """
        columns = {role: list(c) if isinstance(c, tuple) else c for role, c in self.columns.items()}  # type: ignore[union-attr]
        lapse = None if self.lapse_reset_after_days is None else {"reset_after_days": self.lapse_reset_after_days}
        info = dict(self.info)
        head = {"name": self.name, "kind": self.kind}
        if "description" in info:
            head["description"] = info.pop("description")
        return {**head, "columns": columns, "entry_level": self.entry_level, **self._params_to_dict(), "lapse": lapse, **info}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ladder:
        """Build a ladder from its JSON dict, dispatching on ``data["kind"]``.

        Raises
        ------
        ParameterError
            Unknown kind or key, a missing key, or a value out of its range;
            the message lists the valid options.
        """
        if not isinstance(data, Mapping):
            raise ParameterError(f"a ladder must be a JSON object (dict), got {type(data).__name__}")
        kind = data.get("kind")
        if kind not in _KINDS:
            raise ParameterError(f"ladder {data.get('name')!r}: kind must be one of {sorted(_KINDS)}, got {kind!r}")
        target = _KINDS[kind]
        if cls is not Ladder and target is not cls:
            raise ParameterError(f"ladder {data.get('name')!r} is of kind {kind!r}, not {cls.kind!r}")
        params = [f.name for f in dataclasses.fields(target) if f.init and f.name not in ("lapse_reset_after_days", "info")]
        allowed = ["kind", "lapse", *params, *_INFO_KEYS]
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise ParameterError(f"ladder {data.get('name')!r}: unknown key(s) {unknown}; valid keys: {allowed}")
        required = [f.name for f in dataclasses.fields(target) if f.init and f.name in target._REQUIRED]
        absent = [k for k in required if k not in data]
        if absent:
            raise ParameterError(f"ladder {data.get('name')!r} ({kind}): missing key(s) {absent}")
        lapse = data.get("lapse")
        if lapse is not None and (not isinstance(lapse, Mapping) or set(lapse) != {"reset_after_days"}):
            raise ParameterError(f"ladder {data.get('name')!r}: lapse must be null or {{\"reset_after_days\": <days>}}, got {lapse!r}")
        return target(
            **{k: data[k] for k in params if k in data},
            lapse_reset_after_days=None if lapse is None else lapse["reset_after_days"],
            info={k: data[k] for k in _INFO_KEYS if k in data},
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the ladder to a JSON file (UTF-8)."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Ladder:
        """Read a ladder from a JSON file written by :meth:`save` or by hand."""
        text = Path(path).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParameterError(f"{path}: not valid JSON ({exc})") from None
        return cls.from_dict(data)

    def __repr__(self) -> str:
        low, high = self.bounds
        return f"{type(self).__name__}({self.name!r}, {low}..{high}, state={self.state_columns})"

    # -- per-kind hooks -----------------------------------------------------

    _REQUIRED: ClassVar[tuple[str, ...]] = ("name", "entry_level")

    def _params_to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def _claim_inputs(
        self, claims: Input, at_fault: Input | None, partly_at_fault: Input | None
    ) -> dict[str, tuple[Input, str]]:
        """The claim counts the kind reads, by role: (input, name of the argument it came from)."""
        if at_fault is not None or partly_at_fault is not None:
            raise ParameterError(
                f"ladder {self.name!r} (kind {self.kind!r}) moves on every claim passed as claims=; "
                "at_fault= and partly_at_fault= are for 'coefficient' ladders: pass the claims that count as claims="
            )
        return {"claims": (claims, "claims")}

    def _read_level(self, values: pd.Series) -> tuple[np.ndarray, list[DataIssue]]:
        low, high = self.bounds
        return _integer_levels(values, self.level_column, low, high)

    def _read_state(self, policies: pd.DataFrame) -> tuple[dict[str, np.ndarray], list[DataIssue]]:
        missing = [c for c in self.state_columns if c not in policies.columns]
        if missing:
            hint = f"a state column of ladder {self.name!r}"
            if self.level_column not in missing:
                hint += "; Ladder.init_state(policies) adds a history consistent with the level"
            raise SchemaError([DataIssue(c, "missing column", hint) for c in missing], table="policies")
        state, issues = {}, []
        state[self.level_column], issues = self._read_level(policies[self.level_column])
        for col in self.state_columns[1:]:
            state[col], found = _counts(policies[col], col)
            issues += found
        return state, issues

    def _check_state(self, state: dict[str, np.ndarray], index: pd.Index) -> list[DataIssue]:
        return []

    def _step(self, state: dict[str, np.ndarray], counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _fresh(self, n: int) -> dict[str, np.ndarray]:
        """State of new business: the entry level, no history."""
        out = {col: np.zeros(n, dtype=np.int64) for col in self.state_columns}
        out[self.level_column] = np.full(n, self.entry_level, dtype=np.int64)
        return out

    def _seed(self, level: np.ndarray, index: pd.Index) -> dict[str, np.ndarray]:
        """History columns for :meth:`init_state`: none by default (no history kept)."""
        return {col: np.zeros(level.size, dtype=np.int64) for col in self.state_columns[1:]}

    def _to_columns(self, state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return state


def _check_integer_ladder(ladder: LevelTableLadder | HistoryLadder) -> None:
    """Checks shared by the two integer-level kinds; also normalises ``values``."""
    name = ladder.name
    low = _int(name, "lowest", ladder.lowest)
    high = _int(name, "highest", ladder.highest)
    if low >= high:
        raise _param_error(name, f"lowest ({low}) must be below highest ({high})")
    entry = _int(name, "entry_level", ladder.entry_level)
    if not low <= entry <= high:
        raise _param_error(name, f"entry_level {entry} is outside the ladder [{low}, {high}]")
    object.__setattr__(ladder, "values", _level_values(name, ladder.values, high - low + 1))


# ------------------------------------------------------------------ the kinds


@dataclass(frozen=True, kw_only=True, repr=False)
class LevelTableLadder(Ladder):
    """Integer levels moved by steps per claim-free year and per claim, or by an explicit table.

    Either ``step_per_claim_free_year`` and ``step_per_claim`` (``next =
    level + step_per_claim_free_year`` without a claim, ``level +
    step_per_claim * claims`` otherwise, clamped to ``lowest .. highest``), or
    ``transitions``: ``{level: [next with 0 claims, with 1 claim, ...]}`` for
    every level, the last entry repeating for more claims. The state is the
    level alone (role ``"level"``, default column ``"bm_level"``).

    ``values`` optionally gives the relativity of each level, lowest first.

    Examples
    --------
    >>> import pandas as pd
    >>> scale = LevelTableLadder(name="toy", lowest=0, highest=4, entry_level=2,
    ...                          transitions={0: [0, 2], 1: [0, 3], 2: [1, 4], 3: [2, 4], 4: [3, 4]})
    >>> scale.renew(pd.DataFrame({"bm_level": [0, 2, 2]}), claims=[0, 0, 3])["bm_level"].tolist()
    [0, 1, 4]
    """

    lowest: int
    highest: int
    step_per_claim_free_year: int | None = None
    step_per_claim: int | None = None
    transitions: Mapping[Any, Sequence[int]] | None = None
    values: Sequence[float] | None = None

    kind: ClassVar[str] = "level_table"
    _DEFAULT_COLUMNS: ClassVar[dict[str, Any]] = {"level": "bm_level"}
    _REQUIRED: ClassVar[tuple[str, ...]] = ("name", "entry_level", "lowest", "highest")

    def _check_params(self) -> None:
        _check_integer_ladder(self)
        name, low, high = self.name, self.lowest, self.highest
        steps = (self.step_per_claim_free_year, self.step_per_claim)
        if (self.transitions is None and None in steps) or (self.transitions is not None and steps != (None, None)):
            raise _param_error(name, "give either step_per_claim_free_year and step_per_claim, or transitions (not both)")
        if self.transitions is None:
            _int(name, "step_per_claim_free_year", self.step_per_claim_free_year)
            _int(name, "step_per_claim", self.step_per_claim)
            return
        table = _int_keys(name, "transitions", self.transitions)
        if sorted(table) != list(range(low, high + 1)):
            raise _param_error(name, f"transitions must have one row for every level {low}..{high}, got {sorted(table)}")
        for level, row in table.items():
            if isinstance(row, (str, Mapping)) or not isinstance(row, Sequence) or not row:
                raise _param_error(name, f"transitions[{level}] must be a non-empty list of next levels, got {row!r}")
            for nxt in row:
                if not low <= _int(name, f"transitions[{level}]", nxt) <= high:
                    raise _param_error(name, f"transitions[{level}] leads to {nxt}, outside the ladder [{low}, {high}]")
        object.__setattr__(self, "transitions", {level: tuple(int(v) for v in table[level]) for level in sorted(table)})

    @property
    def bounds(self) -> tuple[int, int]:
        """Lowest and highest level."""
        return self.lowest, self.highest

    def _params_to_dict(self) -> dict[str, Any]:
        table = None if self.transitions is None else {str(k): list(v) for k, v in self.transitions.items()}
        return {
            "lowest": self.lowest,
            "highest": self.highest,
            "step_per_claim_free_year": self.step_per_claim_free_year,
            "step_per_claim": self.step_per_claim,
            "transitions": table,
            "values": None if self.values is None else list(self.values),
        }

    def _step(self, state: dict[str, np.ndarray], counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        level, n = state[self.level_column], counts["claims"]
        if self.transitions is None:
            moved = np.where(n == 0, level + self.step_per_claim_free_year, level + self.step_per_claim * n)
            return {self.level_column: np.clip(moved, self.lowest, self.highest)}
        width = max(len(row) for row in self.transitions.values())
        table = np.array([list(row) + [row[-1]] * (width - len(row)) for row in self.transitions.values()], dtype=np.int64)
        return {self.level_column: table[level - self.lowest, np.minimum(n, width - 1)]}


@dataclass(frozen=True, kw_only=True, repr=False)
class CoefficientLadder(Ladder):
    """A coefficient multiplied at each renewal, truncated, between a floor and a cap (the French CRM).

    At each renewal the coefficient is multiplied by ``claim_free_factor``
    after a period without an (at-fault or partly at-fault) claim, otherwise
    by ``at_fault_factor`` per at-fault claim and ``partly_at_fault_factor``
    per partly at-fault claim; the product is truncated (rounded down) to
    ``decimals`` once per renewal, computed exactly, then kept within
    ``[floor, cap]``. Two optional rules keep a counter each:

    * ``return_to_entry_after``: after that many consecutive claim-free
      periods the coefficient is at most ``entry_level`` (role
      ``"claim_free_years"``, default column ``"crm_claim_free_years"``);
    * ``floor_forgiveness_after``: a claim in a period whose coefficient is
      ``floor`` after at least that many consecutive claim-free periods at the
      floor is not penalised (one claim, an at-fault one first; role
      ``"years_at_floor"``, default column ``"crm_years_at_floor"``). Any
      claim restarts that count.

    The level role's default column is ``"crm"``.

    Examples
    --------
    >>> import pandas as pd
    >>> crm = load_ladder("france_crm")
    >>> book = crm.init_state(pd.DataFrame({"crm": [1.0, 1.0, 1.0, 0.8]}))
    >>> crm.renew(book, at_fault=[0, 1, 2, 0], partly_at_fault=[0, 0, 0, 1])["crm"].tolist()
    [0.95, 1.25, 1.56, 0.9]
    """

    floor: float
    cap: float
    claim_free_factor: float
    at_fault_factor: float
    partly_at_fault_factor: float
    decimals: int = 2
    return_to_entry_after: int | None = None
    floor_forgiveness_after: int | None = None

    kind: ClassVar[str] = "coefficient"
    _DEFAULT_COLUMNS: ClassVar[dict[str, Any]] = {
        "level": "crm",
        "claim_free_years": "crm_claim_free_years",
        "years_at_floor": "crm_years_at_floor",
    }
    _REQUIRED: ClassVar[tuple[str, ...]] = (
        "name", "entry_level", "floor", "cap", "claim_free_factor", "at_fault_factor", "partly_at_fault_factor",
    )  # fmt: skip

    def _roles(self) -> tuple[str, ...]:
        rules = {"claim_free_years": self.return_to_entry_after, "years_at_floor": self.floor_forgiveness_after}
        return ("level", *(role for role, years in rules.items() if years is not None))

    def _check_params(self) -> None:
        name = self.name
        decimals = _int(name, "decimals", self.decimals, low=0)
        if decimals > 6:
            raise _param_error(name, f"decimals must be in [0, 6], got {decimals}")
        for key in ("entry_level", "floor", "cap"):
            value = _number(name, key, getattr(self, key))
            if value * 10**decimals != round(value * 10**decimals):
                raise _param_error(name, f"{key} {value} has more than {decimals} decimals")
        if not 0 < self.floor <= self.entry_level <= self.cap:
            raise _param_error(name, f"need 0 < floor <= entry_level <= cap, got {self.floor}, {self.entry_level}, {self.cap}")
        if not 0 < _number(name, "claim_free_factor", self.claim_free_factor) <= 1:
            raise _param_error(name, f"claim_free_factor must be in (0, 1], got {self.claim_free_factor}")
        for key in ("at_fault_factor", "partly_at_fault_factor"):
            if _number(name, key, getattr(self, key)) < 1:
                raise _param_error(name, f"{key} must be >= 1, got {getattr(self, key)}")
        for key in ("return_to_entry_after", "floor_forgiveness_after"):
            if getattr(self, key) is not None:
                _int(name, key, getattr(self, key), low=1)
        spans = (self._max_claims(self.at_fault_factor) + 1) * (self._max_claims(self.partly_at_fault_factor) + 1)
        if self._units(self.cap) * spans * 2 >= 2**62:
            raise _param_error(name, "claim factors too close to 1 for this cap, floor and decimals")

    @property
    def bounds(self) -> tuple[float, float]:
        """Floor and cap of the coefficient."""
        return self.floor, self.cap

    def _units(self, value: float) -> int:
        """A coefficient in units of the last kept decimal (0.76 -> 76)."""
        return round(value * 10**self.decimals)

    def _params_to_dict(self) -> dict[str, Any]:
        keys = ("floor", "cap", "claim_free_factor", "at_fault_factor", "partly_at_fault_factor", "decimals",
                "return_to_entry_after", "floor_forgiveness_after")  # fmt: skip
        return {k: getattr(self, k) for k in keys}

    def _claim_inputs(
        self, claims: Input, at_fault: Input | None, partly_at_fault: Input | None
    ) -> dict[str, tuple[Input, str]]:
        return {
            "at_fault": (claims, "claims") if at_fault is None else (at_fault, "at_fault"),
            "partly_at_fault": (0 if partly_at_fault is None else partly_at_fault, "partly_at_fault"),
        }

    def _read_level(self, values: pd.Series) -> tuple[np.ndarray, list[DataIssue]]:
        x, missing, issues = _numbers(values, self.level_column)
        present = ~np.isnan(x)
        scaled = x * 10**self.decimals
        expected = f"a coefficient in [{self.floor}, {self.cap}] with at most {self.decimals} decimals"
        with np.errstate(invalid="ignore"):
            issues += _issues(values, self.level_column, (
                ("missing", expected, missing),
                ("outside the ladder", expected, present & ((x < self.floor - 1e-9) | (x > self.cap + 1e-9))),
                ("too many decimals", expected, present & np.isfinite(x) & (np.abs(scaled - np.round(scaled)) > 1e-6)),
            ))  # fmt: skip
        units = np.round(np.nan_to_num(scaled, nan=0.0, posinf=0.0, neginf=0.0)).astype(np.int64)
        return units, issues

    def _fresh(self, n: int) -> dict[str, np.ndarray]:
        out = super()._fresh(n)
        out[self.level_column] = np.full(n, self._units(self.entry_level), dtype=np.int64)
        return out

    def _max_claims(self, factor: float) -> int:
        """Claims beyond which the cap is reached from any coefficient (so larger counts need not be computed)."""
        if factor == 1:
            return 0
        return math.ceil(math.log(self.cap / self.floor) / math.log(factor)) + 1

    def _multiply(self, units: np.ndarray, at_fault: np.ndarray, partly: np.ndarray, claim_free: np.ndarray) -> np.ndarray:
        """``units * factors``, rounded down, in exact rational arithmetic (floats would turn 0.76 into 0.75)."""
        cf, af, pf = (Fraction(str(f)) for f in (self.claim_free_factor, self.at_fault_factor, self.partly_at_fault_factor))
        # One exact product per distinct (coefficient, claims) combination, never per row: the
        # combination is packed into one integer (units, then capped claim counts, then claim-free).
        a_span = self._max_claims(self.at_fault_factor) + 1
        p_span = self._max_claims(self.partly_at_fault_factor) + 1
        key = ((units * a_span + np.minimum(at_fault, a_span - 1)) * p_span + np.minimum(partly, p_span - 1)) * 2
        keys, inverse = np.unique(key + claim_free, return_inverse=True)
        products = []
        for k in keys.tolist():
            rest, free = divmod(k, 2)
            rest, p = divmod(rest, p_span)
            u, a = divmod(rest, a_span)
            products.append(math.floor(u * (cf if free else af**a * pf**p)))
        return np.asarray(products, dtype=np.int64)[inverse.reshape(-1)]

    def _step(self, state: dict[str, np.ndarray], counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        units = state[self.level_column]
        at_fault, partly = counts["at_fault"], counts["partly_at_fault"]
        floor, cap = self._units(self.floor), self._units(self.cap)
        claim_free = (at_fault + partly) == 0
        out: dict[str, np.ndarray] = {}
        if self.floor_forgiveness_after is not None:
            years_col = self.columns["years_at_floor"]  # type: ignore[index]
            at_floor = units == floor
            forgiven = at_floor & (state[years_col] >= self.floor_forgiveness_after) & ~claim_free
            first_is_at_fault = at_fault > 0
            at_fault = at_fault - (forgiven & first_is_at_fault)
            partly = partly - (forgiven & ~first_is_at_fault)
            out[years_col] = np.where(claim_free & at_floor, state[years_col] + 1, 0)
        new = np.clip(self._multiply(units, at_fault, partly, claim_free), floor, cap)
        if self.return_to_entry_after is not None:
            years_col = self.columns["claim_free_years"]  # type: ignore[index]
            years = np.where(claim_free, state[years_col] + 1, 0)
            new = np.where(years >= self.return_to_entry_after, np.minimum(new, self._units(self.entry_level)), new)
            out[years_col] = years
        return {self.level_column: new, **out}

    def _to_columns(self, state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {**state, self.level_column: state[self.level_column] / 10**self.decimals}


@dataclass(frozen=True, kw_only=True, repr=False)
class HistoryLadder(Ladder):
    """A level recomputed at each renewal from the recent claims and the insured / claim-free years (China's NCD).

    With ``W = len(columns["claims_history"]) + 1`` periods in the look-back
    window (the expiring period and the ones the history columns keep), the
    level of the renewed period is::

        level = step_per_claim * (claims in the last W periods)
                + step_per_insured_year * min(consecutive insured periods, W)

    clamped to ``lowest .. highest``; then, for every ``{years: level_cap}`` of
    ``claim_free_levels``, ``years`` or more consecutive claim-free periods
    give at most ``level_cap``. The level read from the table is checked but
    not used: the history decides. State roles (default columns): ``"level"``
    (``ncd_level``), ``"insured_years"``, ``"claim_free_years"`` and
    ``"claims_history"`` (``["claims_1", "claims_2"]``, claims of the previous
    periods, most recent first).

    :meth:`init_state` gives a level ``L`` the simplest history producing it:
    ``k`` insured, claim-free periods (the smallest ``k`` that gives ``L``;
    level 0 is new business), or, above that, one insured period whose claims
    give ``L``.

    Examples
    --------
    >>> import pandas as pd
    >>> ncd = load_ladder("china_national")
    >>> book = ncd.init_state(pd.DataFrame({"ncd_level": [0, -3, -3, 2]}))
    >>> ncd.renew(book, claims=[0, 0, 1, 0])["ncd_level"].tolist()
    [-1, -4, -2, 1]
    """

    lowest: int
    highest: int
    step_per_insured_year: int
    step_per_claim: int
    claim_free_levels: Mapping[Any, int] = field(default_factory=dict)
    values: Sequence[float] | None = None

    kind: ClassVar[str] = "history"
    _DEFAULT_COLUMNS: ClassVar[dict[str, Any]] = {
        "level": "ncd_level",
        "insured_years": "insured_years",
        "claim_free_years": "claim_free_years",
        "claims_history": ("claims_1", "claims_2"),
    }
    _REQUIRED: ClassVar[tuple[str, ...]] = (
        "name", "entry_level", "lowest", "highest", "step_per_insured_year", "step_per_claim",
    )  # fmt: skip

    def _check_params(self) -> None:
        _check_integer_ladder(self)
        name = self.name
        _int(name, "step_per_insured_year", self.step_per_insured_year)
        _int(name, "step_per_claim", self.step_per_claim)
        if not isinstance(self.columns["claims_history"], tuple):  # type: ignore[index]
            raise _param_error(name, "columns['claims_history'] must be a list of column names (may be empty)")
        levels = _int_keys(name, "claim_free_levels", self.claim_free_levels)
        for years, cap in levels.items():
            _int(name, "claim_free_levels year", years, low=1)
            if not self.lowest <= _int(name, f"claim_free_levels[{years}]", cap) <= self.highest:
                raise _param_error(name, f"claim_free_levels[{years}] = {cap} is outside the ladder")
        object.__setattr__(self, "claim_free_levels", {k: int(levels[k]) for k in sorted(levels)})

    @property
    def bounds(self) -> tuple[int, int]:
        """Lowest and highest level."""
        return self.lowest, self.highest

    @property
    def window(self) -> int:
        """Periods of claims the level looks back on: the expiring one and the history columns'."""
        return len(self.columns["claims_history"]) + 1  # type: ignore[index]

    def _params_to_dict(self) -> dict[str, Any]:
        return {
            "lowest": self.lowest,
            "highest": self.highest,
            "step_per_insured_year": self.step_per_insured_year,
            "step_per_claim": self.step_per_claim,
            "claim_free_levels": {str(k): v for k, v in self.claim_free_levels.items()},
            "values": None if self.values is None else list(self.values),
        }

    def _level(self, insured: np.ndarray, claim_free: np.ndarray, claims: np.ndarray) -> np.ndarray:
        """Level of a period from the state at its start (the rule of the class docstring)."""
        level = self.step_per_claim * claims + self.step_per_insured_year * np.minimum(insured, self.window)
        level = np.clip(level, self.lowest, self.highest)
        for years, cap in self.claim_free_levels.items():
            level = np.where(claim_free >= years, np.minimum(level, cap), level)
        return level

    def _check_state(self, state: dict[str, np.ndarray], index: pd.Index) -> list[DataIssue]:
        insured, claim_free = (self.columns[r] for r in ("insured_years", "claim_free_years"))  # type: ignore[index]
        bad = state[claim_free] > state[insured]
        if not bad.any():
            return []
        return [DataIssue.from_mask(claim_free, f"more than {insured}", f"{claim_free} <= {insured}", bad, index, state[claim_free])]

    def _step(self, state: dict[str, np.ndarray], counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        n = counts["claims"]
        insured_col, free_col = (self.columns[r] for r in ("insured_years", "claim_free_years"))  # type: ignore[index]
        history_cols = self.columns["claims_history"]  # type: ignore[index]
        history = [state[c] for c in history_cols]
        insured = state[insured_col] + 1
        claim_free = np.where(n == 0, state[free_col] + 1, 0)
        level = self._level(insured, claim_free, n + sum(history, np.zeros_like(n)))
        shifted = dict(zip(history_cols, [n, *history[:-1]], strict=True))
        return {self.level_column: level, insured_col: insured, free_col: claim_free, **shifted}

    def _seed(self, level: np.ndarray, index: pd.Index) -> dict[str, np.ndarray]:
        # Candidate histories, simplest first: k insured claim-free periods, then one insured period with c claims.
        span = self.highest - self.lowest
        ks = np.arange(max(self.window, *self.claim_free_levels, 0) + 1)
        cs = np.arange(1, span + self.window + 2) if self.window > 1 else np.arange(0)
        insured = np.concatenate([ks, np.ones_like(cs)])
        free = np.concatenate([ks, np.zeros_like(cs)])
        last = np.concatenate([np.zeros_like(ks), cs])
        produced = self._level(insured, free, last)
        first = {}
        for i, lv in enumerate(produced.tolist()):
            first.setdefault(lv, i)
        pick = np.array([first.get(lv, -1) for lv in range(self.lowest, self.highest + 1)])[level - self.lowest]
        if (pick < 0).any():
            raise DataError(DataIssue.from_mask(
                self.level_column, "no history gives this level", "a level reachable from a claims history",
                pick < 0, index, level,
            ), table="policies")  # fmt: skip
        insured_col, free_col = (self.columns[r] for r in ("insured_years", "claim_free_years"))  # type: ignore[index]
        history_cols = self.columns["claims_history"]  # type: ignore[index]
        out = {insured_col: insured[pick], free_col: free[pick]}
        for i, col in enumerate(history_cols):
            out[col] = last[pick] if i == 0 else np.zeros(level.size, dtype=np.int64)
        return out


_KINDS: dict[str, type[Ladder]] = {k.kind: k for k in (LevelTableLadder, CoefficientLadder, HistoryLadder)}


# ------------------------------------------------------------------- shipped


def available_ladders() -> tuple[str, ...]:
    """Names of the ladders shipped with autorisk.

    Returns
    -------
    tuple of str
        Sorted names, each accepted by :func:`load_ladder`.

    Examples
    --------
    >>> available_ladders()
    ('belgium_23', 'china_beijing_xiamen', 'china_national', 'france_crm')
    """
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    return tuple(sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")))


def load_ladder(name_or_path: str | os.PathLike[str]) -> Ladder:
    """A shipped ladder by name, or a user's ladder from a JSON file.

    Parameters
    ----------
    name_or_path : str or path
        One of :func:`available_ladders` (``"china_national"``,
        ``"china_beijing_xiamen"``, ``"france_crm"``, ``"belgium_23"``), or the
        path of a JSON file holding a ladder (see :meth:`Ladder.to_dict`).

    Returns
    -------
    Ladder

    Raises
    ------
    ParameterError
        Neither a shipped ladder nor an existing file, or an invalid ladder.

    Examples
    --------
    >>> load_ladder("china_beijing_xiamen").bounds
    (-5, 5)
    """
    shipped = available_ladders()
    if isinstance(name_or_path, str) and name_or_path in shipped:
        text = resources.files(_PACKAGE).joinpath(_FOLDER, f"{name_or_path}.json").read_text(encoding="utf-8")
        return Ladder.from_dict(json.loads(text))
    path = Path(name_or_path)
    if not path.is_file():
        raise ParameterError(f"no shipped ladder named {str(name_or_path)!r} and no such file; shipped: {list(shipped)}")
    return Ladder.load(path)
