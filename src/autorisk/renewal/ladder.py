"""The ladder engine: :class:`Ladder`, the state it reads and writes, its JSON form; the kinds sit in :mod:`.ladder_kinds`."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError
from autorisk.renewal._ladder_checks import (
    _INFO_KEYS,
    Input,
    _counts,
    _int,
    _integer_levels,
    _param_error,
    _series,
)


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
    >>> from autorisk.renewal import load_ladder
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
        raise ParameterError(f"Ladder is the base class: build one of {[k.__name__ for k in _kinds().values()]}")

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
        >>> from autorisk.renewal import load_ladder
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
        >>> from autorisk.renewal import load_ladder
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
        >>> from autorisk.renewal import load_ladder
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
        kinds = _kinds()
        if kind not in kinds:
            raise ParameterError(f"ladder {data.get('name')!r}: kind must be one of {sorted(kinds)}, got {kind!r}")
        target = kinds[kind]
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



def _kinds() -> dict[str, type[Ladder]]:
    """The ladder kinds by name (imported here, below the engine, so the engine does not import its kinds)."""
    from autorisk.renewal.ladder_kinds import KINDS

    return KINDS
