"""Simplified Chinese commercial-motor NCD ladder used by the synthetic book.

Since the 2020 reform of commercial motor insurance in China, the no-claims
discount ("NCD", 无赔款优待系数) of a vehicle is set by a national ladder of
levels ``-4`` (best) to ``+5`` (worst), computed from the claims history held
on the industry's shared platform. The real ladder uses the claims of the last
three years and the number of consecutive claim-free years; the synthetic book
uses the following simplified, fully documented version of it, driven only by
*commercial* claims (third-party liability ``tpl`` and own damage ``od``;
compulsory traffic liability ``ctpl`` claims do not count):

* claim-free expiring period: consecutive claim-free years ``+1`` and
  ``level = -min(claim-free years, 4)``;
* one or more claims in the expiring period: claim-free years reset to 0 and
  ``level = min(claims in the last three periods - 1, 5)``, where "the last
  three periods" are the expiring period and the two before it.

So 1 year claim-free gives -1, 4+ years give -4; one claim in three years gives
level 0 (the new-business level), two give +1, ..., six or more give +5.

The ladder is a pure, vectorised function of an explicit state
(:class:`NcdState`), so it can be property-tested and later swapped for a
data-driven ladder without touching the generator.

Examples
--------
>>> import numpy as np
>>> s = ncd_state_for_level(np.array([0, -4, 2]))
>>> ncd_transition(s, n_claims=np.array([0, 1, 0])).level.tolist()
[-1, 0, -1]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue

#: Best (lowest) and worst (highest) NCD levels.
NCD_MIN: int = -4
NCD_MAX: int = 5
#: All NCD levels in order.
NCD_LEVELS: tuple[int, ...] = tuple(range(NCD_MIN, NCD_MAX + 1))
#: Claim counts and claim-free years are capped at this value in the state
#: (only ``min(., 4)`` and ``min(. - 1, 5)`` of them matter).
_STATE_CAP = 100


class NcdState(NamedTuple):
    """NCD state of policies at the start of a period (arrays of equal length).

    Attributes
    ----------
    level : ndarray of int8
        NCD level of the period, in ``[-4, 5]``.
    claim_free_years : ndarray of int8
        Consecutive claim-free periods before this one.
    claims_1 : ndarray of int8
        Commercial claims in the previous period.
    claims_2 : ndarray of int8
        Commercial claims in the period before the previous one.

    Examples
    --------
    >>> state = ncd_state_for_level(np.array([-2, 1]))
    >>> state.claim_free_years.tolist(), state.claims_1.tolist()
    ([2, 0], [0, 2])
    >>> state._fields
    ('level', 'claim_free_years', 'claims_1', 'claims_2')
    """

    level: np.ndarray
    claim_free_years: np.ndarray
    claims_1: np.ndarray
    claims_2: np.ndarray


def ncd_transition(state: NcdState, n_claims: np.ndarray) -> NcdState:
    """Move policies one step down/up the simplified NCD ladder at renewal.

    Parameters
    ----------
    state : NcdState
        State of the expiring periods (only ``claim_free_years``, ``claims_1``
        and ``claims_2`` are used; ``level`` is not needed to move on).
    n_claims : array of int
        Commercial (TPL + OD) claims in the expiring period, ``>= 0``.

    Returns
    -------
    NcdState
        State of the renewed periods:

        * ``n_claims == 0``: ``claim_free_years + 1`` and
          ``level = -min(claim_free_years + 1, 4)``;
        * ``n_claims > 0``: ``claim_free_years = 0`` and
          ``level = min(n_claims + claims_1 + claims_2 - 1, 5)``;

        ``claims_1`` becomes ``n_claims`` and ``claims_2`` the old
        ``claims_1``. Pure: the input arrays are not modified.

    Examples
    --------
    >>> import numpy as np
    >>> s = NcdState(*(np.array([v], dtype=np.int8) for v in (-2, 2, 0, 0)))
    >>> ncd_transition(s, np.array([0])).level.tolist()   # claim-free: 3 years
    [-3]
    >>> ncd_transition(s, np.array([2])).level.tolist()   # 2 claims: +1
    [1]
    """
    n = np.minimum(np.asarray(n_claims, dtype=np.int64), _STATE_CAP)
    if np.any(n < 0):
        bad = n < 0
        raise DataError(
            DataIssue.from_mask("n_claims", "negative", "claim counts >= 0", bad, pd.RangeIndex(bad.size), n)
        )
    cfy = state.claim_free_years.astype(np.int64)
    c1 = state.claims_1.astype(np.int64)
    c2 = state.claims_2.astype(np.int64)
    claim_free = n == 0
    new_cfy = np.where(claim_free, np.minimum(cfy + 1, _STATE_CAP), 0)
    level = np.where(
        claim_free,
        -np.minimum(new_cfy, -NCD_MIN),
        np.minimum(n + c1 + c2 - 1, NCD_MAX),
    )
    return NcdState(
        level=level.astype(np.int8),
        claim_free_years=new_cfy.astype(np.int8),
        claims_1=n.astype(np.int8),
        claims_2=np.minimum(c1, _STATE_CAP).astype(np.int8),
    )


def ncd_state_for_level(level: np.ndarray) -> NcdState:
    """The simplest claims history consistent with an NCD level.

    Used for new business, whose history (kept on China's shared platform)
    comes with the vehicle. Level ``L <= 0`` means ``-L`` consecutive
    claim-free years and no recorded claims (level 0 = brand-new vehicle or
    no history); level ``L > 0`` means ``L + 1`` claims in the previous
    period. Applying :func:`ncd_transition` from these states reproduces the
    ladder's rules.

    Parameters
    ----------
    level : array of int
        NCD levels in ``[-4, 5]``.

    Returns
    -------
    NcdState

    Raises
    ------
    DataError
        If a level is outside ``[-4, 5]``.

    Examples
    --------
    Level -3 is three claim-free years; level +2 is three claims last period,
    and one more claim-free year moves it to -1:

    >>> state = ncd_state_for_level(np.array([-3, 2]))
    >>> state.claim_free_years.tolist(), state.claims_1.tolist()
    ([3, 0], [0, 3])
    >>> ncd_transition(state, np.array([0, 0])).level.tolist()
    [-4, -1]
    """
    level = np.asarray(level, dtype=np.int64)
    bad = (level < NCD_MIN) | (level > NCD_MAX)
    if bad.any():
        raise DataError(
            DataIssue.from_mask(
                "ncd_level", "out of range", f"levels in [{NCD_MIN}, {NCD_MAX}]", bad, pd.RangeIndex(bad.size), level
            )
        )
    return NcdState(
        level=level.astype(np.int8),
        claim_free_years=np.maximum(-level, 0).astype(np.int8),
        claims_1=np.where(level > 0, level + 1, 0).astype(np.int8),
        claims_2=np.zeros(level.shape, dtype=np.int8),
    )


__all__ = ["NCD_LEVELS", "NCD_MAX", "NCD_MIN", "NcdState", "ncd_state_for_level", "ncd_transition"]
