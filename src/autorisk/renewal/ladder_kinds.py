"""The three kinds of ladder, each a thin face over the :class:`~autorisk.renewal.ladder.Ladder` engine."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue
from autorisk.renewal._ladder_checks import (
    Input,
    _int,
    _int_keys,
    _issues,
    _level_values,
    _number,
    _numbers,
    _param_error,
)
from autorisk.renewal.ladder import Ladder


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
    >>> from autorisk.renewal import load_ladder
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
    >>> from autorisk.renewal import load_ladder
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


#: Each kind of ladder by its JSON ``kind``.
KINDS: dict[str, type[Ladder]] = {k.kind: k for k in (LevelTableLadder, CoefficientLadder, HistoryLadder)}
