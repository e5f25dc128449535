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

import json
import os
from importlib import resources
from pathlib import Path

from autorisk.errors import ParameterError
from autorisk.renewal._ladder_checks import MAX_COUNT
from autorisk.renewal.ladder import Ladder
from autorisk.renewal.ladder_kinds import CoefficientLadder, HistoryLadder, LevelTableLadder

__all__ = [
    "MAX_COUNT",
    "CoefficientLadder",
    "HistoryLadder",
    "Ladder",
    "LevelTableLadder",
    "available_ladders",
    "load_ladder",
]

_PACKAGE = "autorisk.renewal"
_FOLDER = "ladders"




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

