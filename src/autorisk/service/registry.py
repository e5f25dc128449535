"""The plans in service: loaded from a folder, validated before they take traffic, swapped atomically.

A plans folder holds one hashed plan JSON per version (``<name>-v<version>.json``),
a ``retired/`` sub-folder of versions taken out of service, and
``deployments.jsonl``, the folder's own record of every deployment (one JSON
object a line). :class:`PlanRegistry` serves the valid plans of the folder:

* a file is read with :meth:`RatingPlan.from_json` only (never pickle, never
  code), which checks its JSON, its format, its hash (a tampered file fails),
  its regulatory bounds and its prohibited factors; a file that fails, or that
  reuses a version number with other content, or whose ``effective_from`` ties
  with another version of the same tariff, is **refused with the reason** and
  the others keep serving;
* readers take one immutable snapshot and never see a half-built state:
  every change builds a new snapshot and assigns it in one step;
* several processes may share a folder (uvicorn workers): writers hold an
  exclusive ``fcntl.flock`` on ``deployments.jsonl``, and a publish in one
  process reaches the others through :meth:`PlanRegistry.refresh`.

Records in ``deployments.jsonl`` (the same :class:`Deployment` objects go to
``on_deployment``):

* a plan taking traffic is recorded once per folder, by the first process that
  sees it: ``"load"`` at startup, ``"publish"`` afterwards (source ``"api"`` for
  :meth:`PlanRegistry.publish`, ``"folder"`` for a file dropped in); processes
  that start later, or restart, find the record and add none;
* ``"retire"``: :meth:`PlanRegistry.retire` (source ``"api"``), or a plan
  whose file left the folder (source ``"folder"``), once per folder;
* ``"refuse"``: once per refused file content (its SHA-256), however many
  processes poll it; every refused :meth:`PlanRegistry.publish` call;
* a startup with no valid plan at all writes a ``"load"`` record with no plan
  and the reason (the service is then not ready).

Publishing content already in service is idempotent: nothing is written and
nothing recorded. Copy files into the folder with an atomic ``mv``: a file
read while half-copied is refused (recorded once), then served when complete.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

from autorisk.errors import ParameterError, PlanError, PlanNotFoundError
from autorisk.rating.plan import RatingPlan

#: The folder's record of deployments, one JSON object a line.
LOG_NAME = "deployments.jsonl"
#: Sub-folder of retired plan files.
RETIRED = "retired"
#: Deployment actions and sources.
ACTIONS = ("load", "publish", "retire", "refuse")
SOURCES = ("api", "folder", "startup")

_logger = logging.getLogger(__name__)
_NO_START = dt.date.min  # a plan without effective_from is in force from the beginning of time


@dataclass(frozen=True)
class Deployment:
    """One deployment event: a plan loaded, published, retired, or a file refused.

    Attributes
    ----------
    action : {"load", "publish", "retire", "refuse"}
    name, version : str or None
        The plan's (for a refused file, what its content claims, when readable).
    plan_id : str or None
        SHA-256 of the plan's content; None when the plan could not be read
        (corrupt or tampered: a recorded id that does not match is not an id).
    by : str
        Who: the admin's name, ``"folder"`` or ``"startup"``.
    at : str
        When, UTC ISO 8601 with microseconds.
    source : {"api", "folder", "startup"}
    file : str or None
        The plan file's name in the folder (``retired/...`` once retired).
    reason : str or None
        Why a file was refused, or a note.
    file_sha256 : str or None
        SHA-256 of the file's bytes as read (the evidence of a refusal).

    Examples
    --------
    >>> d = Deployment("refuse", None, None, None, "startup", "2026-01-01T00:00:00.000000+00:00",
    ...                "startup", "bad.json", "not a JSON rating plan")
    >>> d.as_dict()["reason"]
    'not a JSON rating plan'
    """

    action: str
    name: str | None
    version: str | None
    plan_id: str | None
    by: str
    at: str
    source: str
    file: str | None
    reason: str | None = None
    file_sha256: str | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ParameterError(f"deployment action must be one of {ACTIONS}, got {self.action!r}")
        if self.source not in SOURCES:
            raise ParameterError(f"deployment source must be one of {SOURCES}, got {self.source!r}")

    def as_dict(self) -> dict[str, Any]:
        """The record as plain JSON types (what ``deployments.jsonl`` holds)."""
        return dataclasses.asdict(self)


def plan_filename(plan: RatingPlan) -> str:
    """The file name a published plan gets: ``<slug(name)>-v<version>.json``.

    Parameters
    ----------
    plan : RatingPlan
        Its name is lower-cased with runs of other characters than ``a-z0-9``
        made one ``-``; its version keeps ``A-Za-z0-9.`` (no path separator
        can reach the file name).

    Examples
    --------
    >>> from autorisk.rating import Coverage
    >>> plan_filename(RatingPlan("China motor", "2", (Coverage("tpl", 500.0),)))
    'china-motor-v2.json'
    """
    name = re.sub(r"[^a-z0-9]+", "-", plan.name.lower()).strip("-") or "plan"
    version = re.sub(r"[^A-Za-z0-9.]+", "-", plan.version).strip("-.") or "0"
    return f"{name}-v{version}.json"


def quote_day(value: Any = None) -> dt.date:
    """A quote date as a ``datetime.date``: ISO ``YYYY-MM-DD`` text, a date, a datetime; None is today (UTC).

    Parameters
    ----------
    value : str, date, datetime or None
        The date; a datetime gives its date.

    Raises
    ------
    ParameterError
        Any other value or text.

    Examples
    --------
    >>> quote_day("2027-03-01")
    datetime.date(2027, 3, 1)
    >>> quote_day("01/03/2027")
    Traceback (most recent call last):
    ...
    autorisk.errors.ParameterError: quote date must be an ISO date YYYY-MM-DD, got '01/03/2027'
    """
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            if len(value) == 10:
                return dt.date.fromisoformat(value)
    raise ParameterError(f"quote date must be an ISO date YYYY-MM-DD, got {value!r}")


@dataclass(frozen=True)
class _Versions:
    """The versions of one tariff, sorted by ``effective_from``: the one place the in-force rule lives."""

    plans: tuple[RatingPlan, ...]
    starts: tuple[dt.date, ...]
    ends: tuple[dt.date | None, ...]

    @classmethod
    def of(cls, plans: Iterable[RatingPlan]) -> _Versions:
        ordered = sorted(plans, key=_start)
        return cls(tuple(ordered), tuple(map(_start, ordered)), tuple(map(_end, ordered)))

    def in_force(self, day: dt.date) -> RatingPlan | None:
        # The latest effective_from on or before the day whose window is still open on it.
        for i in range(bisect.bisect_right(self.starts, day) - 1, -1, -1):
            end = self.ends[i]
            if end is None or day < end:
                return self.plans[i]
        return None


def version_in_force(versions: Sequence[RatingPlan], date: Any) -> RatingPlan | None:
    """The version of a tariff in force on ``date``, or None: the rule every registry lookup uses.

    Among the versions whose ``effective_from`` is on or before the date (no
    ``effective_from``: always) and whose ``effective_to`` (if any) is after
    it, the one with the latest ``effective_from``. So a new version replaces
    an older, open-ended one from its ``effective_from`` without editing the
    old (hashed) file, and a version whose window has closed leaves the older
    one in force again.

    Parameters
    ----------
    versions : sequence of RatingPlan
        Versions of one tariff, no two with the same ``effective_from``.
    date : date-like
        The quote date (see :func:`quote_day`).

    Examples
    --------
    >>> from autorisk.rating import Coverage
    >>> tpl = Coverage("tpl", 500.0)
    >>> v1 = RatingPlan("t", "1", (tpl,), effective_from="2026-01-01")
    >>> v2 = RatingPlan("t", "2", (tpl,), effective_from="2027-01-01")
    >>> [version_in_force([v1, v2], day).version for day in ("2026-06-01", "2027-01-01")]
    ['1', '2']
    >>> version_in_force([v1, v2], "2025-12-31") is None
    True
    """
    return _Versions.of(versions).in_force(quote_day(date))


@dataclass(frozen=True)
class _Snapshot:
    """What the registry serves at one moment; never modified, replaced whole."""

    generation: int
    plans: Mapping[tuple[str, str], RatingPlan]
    versions: Mapping[str, _Versions]
    by_id: Mapping[str, RatingPlan]  # in service and retired
    retired: Mapping[tuple[str, str], RatingPlan]
    files: Mapping[str, str]  # file name -> plan id, for the files in service
    refused: Mapping[str, Deployment]  # file name -> its refusal


@dataclass(frozen=True)
class _FileState:
    """A plan file as last read: its stat signature, the plan or why it was refused."""

    signature: tuple[int, int, int]
    sha256: str
    plan: RatingPlan | None
    reason: str | None
    claimed: tuple[str | None, str | None]  # name, version the content claims (for refusals)


class PlanRegistry:
    """The rating plans in service, loaded from a folder, published and retired without a restart.

    Build it with :meth:`from_folder`. Readers (:meth:`select`, :meth:`get`,
    :meth:`by_id`, :meth:`plans`) read one immutable snapshot; writers
    (:meth:`publish`, :meth:`retire`, :meth:`refresh`) build a new one and
    swap it in one assignment, under a thread lock and an exclusive lock on
    the folder's ``deployments.jsonl``.

    Examples
    --------
    >>> import tempfile
    >>> from autorisk.rating import CategoricalFactor, Coverage
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> v1 = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),), effective_from="2026-01-01")
    >>> v2 = RatingPlan("demo", "2", (Coverage("tpl", 515.0, (region,)),), effective_from="2027-01-01")
    >>> folder = tempfile.mkdtemp()
    >>> registry = PlanRegistry.from_folder(folder)
    >>> registry.ready
    False
    >>> [registry.publish(p.to_json(), by="actuary").action for p in (v1, v2)]
    ['publish', 'publish']
    >>> registry.select(None, None, "2026-07-01").version, registry.select("demo", None, "2027-07-01").version
    ('1', '2')
    >>> sorted(p.name for p in Path(folder).glob("*.json"))
    ['demo-v1.json', 'demo-v2.json']
    >>> registry.retire("demo", "2", by="actuary").file
    'retired/demo-v2.json'
    >>> registry.select("demo", None, "2027-07-01").version, registry.by_id(v2.plan_id).version
    ('1', '2')
    >>> registry.select("demo", "2", "2027-07-01")
    Traceback (most recent call last):
    ...
    autorisk.errors.PlanNotFoundError: plan 'demo' version '2' is retired; in service: demo v1 [2026-01-01, open)
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        on_deployment: Callable[[Deployment], None] | None = None,
    ) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ParameterError(f"plans folder {str(self.folder)!r} does not exist or is not a folder")
        self.on_deployment = on_deployment
        self._lock = threading.Lock()
        empty = MappingProxyType({})
        self._snapshot = _Snapshot(0, empty, empty, empty, empty, empty, empty)
        self._files: dict[str, _FileState] = {}  # writer state: each file as last read
        self._retired_files: dict[str, _FileState] = {}
        self._signature: object = None
        self._refusals_seen: set[tuple[str, str]] = set()

    # ------------------------------------------------------------ building
    @classmethod
    def from_folder(
        cls,
        folder: str | Path,
        *,
        on_deployment: Callable[[Deployment], None] | None = None,
        by: str = "startup",
    ) -> PlanRegistry:
        """Load every ``*.json`` directly in ``folder``; refuse the invalid ones with their reasons.

        Parameters
        ----------
        folder : str or Path
            The plans folder (it must exist and be writable: the registry
            appends to its ``deployments.jsonl``).
        on_deployment : callable, optional
            Called with every :class:`Deployment` recorded (after it is
            written to ``deployments.jsonl``), e.g. to copy it to an audit store.
            An exception it raises is logged, not propagated: the plans are
            already in service.
        by : str, default "startup"
            Who is recorded as loading the plans.

        Returns
        -------
        PlanRegistry
            Serving the valid plans (possibly none: then :attr:`ready` is False
            and a ``"load"`` record with no plan says why).
        """
        registry = cls(folder, on_deployment=on_deployment)
        with registry._locked() as log:
            records = registry._sync(log, by=by, source="startup")
            if not registry._snapshot.plans:
                refused = len(registry._snapshot.refused)
                reason = (f"no valid plan in {str(registry.folder)!r} ({refused} file(s) refused): "
                          "the service is not ready")  # fmt: skip
                records.append(registry._append(log, _record("load", None, by, "startup", None, reason)))
        registry._emit(records)
        return registry

    # ------------------------------------------------------------- reading
    @property
    def generation(self) -> int:
        """How many times the snapshot has been swapped."""
        return self._snapshot.generation

    @property
    def ready(self) -> bool:
        """Whether at least one plan is in service."""
        return bool(self._snapshot.plans)

    def plans(self) -> list[RatingPlan]:
        """The plans in service, by name then ``effective_from``."""
        snapshot = self._snapshot
        return [plan for name in sorted(snapshot.versions) for plan in snapshot.versions[name].plans]

    def refusals(self) -> list[Deployment]:
        """The refusal of each file in the folder that is not in service, by file name."""
        snapshot = self._snapshot
        return [snapshot.refused[name] for name in sorted(snapshot.refused)]

    def deployments(self) -> list[Deployment]:
        """The folder's record (``deployments.jsonl``), oldest first: every process's deployments.

        A line that is not a deployment record (e.g. cut short by a crash) is
        skipped with a warning in the log.
        """
        path = self.folder / LOG_NAME
        if not path.exists():
            return []
        with open(path, encoding="utf-8") as log:
            fcntl.flock(log, fcntl.LOCK_SH)
            try:
                entries = list(_log_entries(log))
            finally:
                fcntl.flock(log, fcntl.LOCK_UN)
        names = {f.name for f in dataclasses.fields(Deployment)}
        return [Deployment(**{k: v for k, v in e.items() if k in names}) for e in entries]

    def get(self, name: str, version: str) -> RatingPlan:
        """The plan ``name`` version ``version`` in service.

        Raises
        ------
        PlanNotFoundError
            If no such version is in service (saying whether it was retired).
        """
        return self.select(name, version)

    def by_id(self, plan_id: str) -> RatingPlan:
        """The plan with this content hash, in service or retired (to re-price an old quote).

        Raises
        ------
        PlanNotFoundError
            If no plan with this id was ever served from the folder.
        """
        snapshot = self._snapshot
        plan = snapshot.by_id.get(plan_id)
        if plan is None:
            raise PlanNotFoundError(f"no plan with id {plan_id!r} in service or retired",
                                    asked={"plan_id": plan_id}, available=_describe(snapshot))  # fmt: skip
        return plan

    def select(self, name: str | None = None, version: str | None = None, date: Any = None) -> RatingPlan:
        """The plan a quote is priced with.

        Parameters
        ----------
        name : str, optional
            The tariff; optional when exactly one is in service.
        version : str, optional
            An exact version, priced as asked whatever the date (it must be in
            service, not retired). Without it, the version in force on
            ``date`` (:func:`version_in_force`).
        date : date-like, optional
            The quote date (:func:`quote_day`; default today, UTC).

        Raises
        ------
        PlanNotFoundError
            Naming what was asked (name, version, date) and listing the
            versions in service with their windows.
        """
        snapshot = self._snapshot
        asked = {"name": name, "version": version, "date": None if date is None else str(date)}
        if name is None:
            if len(snapshot.versions) != 1:
                reason = "no plan is in service" if not snapshot.versions else "several plans are in service"
                raise PlanNotFoundError(f"{reason}: name the plan", asked=asked, available=_describe(snapshot))
            name = next(iter(snapshot.versions))
        versions = snapshot.versions.get(name)
        if version is not None:
            plan = snapshot.plans.get((name, version))
            if plan is None:
                state = "retired" if (name, version) in snapshot.retired else "not in service"
                raise PlanNotFoundError(f"plan {name!r} version {version!r} is {state}", asked=asked,
                                        available=_describe(snapshot, name if versions else None))  # fmt: skip
            return plan
        if versions is None:
            raise PlanNotFoundError(f"no plan {name!r} in service", asked=asked, available=_describe(snapshot))
        day = quote_day(date)
        plan = versions.in_force(day)
        if plan is None:
            raise PlanNotFoundError(f"no version of plan {name!r} is in force on {day}", asked=asked,
                                    available=_describe(snapshot, name))  # fmt: skip
        return plan

    # ------------------------------------------------------------- writing
    def publish(self, text: str | bytes, *, by: str, source: str = "api") -> Deployment:
        """Validate a plan document completely, then write it into the folder and serve it.

        The document is checked like a folder file (JSON, format, hash,
        bounds, prohibited factors) and against the plans in service (a
        version number is never reused with other content; no two versions of
        a tariff start on the same day) before it takes traffic. On success
        the file ``plan_filename(plan)`` is written atomically (a temporary
        file in the folder, fsync, ``os.replace``) and the snapshot swapped.

        Parameters
        ----------
        text : str or bytes
            The plan JSON (:meth:`RatingPlan.to_json`), written as received.
        by : str
            Who publishes (recorded).
        source : {"api", "folder", "startup"}, default "api"

        Returns
        -------
        Deployment
            The ``"publish"`` record; for content already in service, a
            ``"publish"`` Deployment saying so, not recorded (idempotent).

        Raises
        ------
        PlanError
            The plan is refused; the message gives the reason, and a
            ``"refuse"`` Deployment is recorded.
        """
        if source not in SOURCES:
            raise ParameterError(f"source must be one of {SOURCES}, got {source!r}")
        data = text.encode() if isinstance(text, str) else bytes(text)
        digest = hashlib.sha256(data).hexdigest()
        records: list[Deployment] = []
        try:
            with self._locked() as log:
                records += self._sync(log, by="folder", source="folder")
                state = _parse(data, (0, 0, 0), digest)
                plan = state.plan
                reason = state.reason or self._conflict(plan, self._snapshot)
                if reason is not None:
                    name, version = state.claimed
                    records.append(self._append(log, _record("refuse", plan, by, source, None, reason, name,
                                                             version, digest)))  # fmt: skip
                    raise PlanError(f"plan refused: {reason}")
                serving = sorted(f for f, pid in self._snapshot.files.items() if pid == plan.plan_id)
                if serving:
                    return _record("publish", plan, by, source, serving[0],
                                   "already in service: nothing written, not recorded", file_sha256=digest)  # fmt: skip
                file = self._target(plan)
                _write_atomic(self.folder / file, data)
                records += self._sync(log, by=by, source=source, claims={plan.plan_id: (by, source, file)},
                                      first=file)  # fmt: skip
                published = [r for r in records if r.action == "publish" and r.plan_id == plan.plan_id]
                if not published:  # a file dropped in at the same instant won a tie: say so, never silent
                    refusal = self._snapshot.refused.get(file)
                    raise PlanError(f"plan {plan.name!r} version {plan.version!r} was written to {file} but "
                                    f"not taken into service: {refusal.reason if refusal else 'unknown'}")  # fmt: skip
                return published[-1]
        finally:
            self._emit(records)

    def retire(self, name: str, version: str, *, by: str) -> Deployment:
        """Take a version out of service: its file moves to ``retired/``; :meth:`by_id` still finds it.

        Raises
        ------
        PlanNotFoundError
            If the version is not in service.
        """
        records: list[Deployment] = []
        try:
            with self._locked() as log:
                records += self._sync(log, by="folder", source="folder")
                plan = self.get(name, version)
                retired = self.folder / RETIRED
                retired.mkdir(exist_ok=True)
                moved = []
                for file in sorted(f for f, pid in self._snapshot.files.items() if pid == plan.plan_id):
                    target = retired / file
                    existing = self._retired_files.get(file)
                    if target.exists() and getattr(existing and existing.plan, "plan_id", None) != plan.plan_id:
                        target = retired / f"{Path(file).stem}-{plan.plan_id[:12]}.json"
                    os.replace(self.folder / file, target)
                    moved.append(f"{RETIRED}/{target.name}")
                _fsync_dir(retired)
                _fsync_dir(self.folder)
                records += self._sync(log, by=by, source="api", claims={plan.plan_id: (by, "api", moved[0])})
                return next(r for r in records if r.action == "retire" and r.plan_id == plan.plan_id)
        finally:
            self._emit(records)

    def refresh(self, *, by: str = "folder") -> list[Deployment]:
        """Re-scan the folder: new valid files take traffic, removed ones stop, invalid ones are refused.

        Cheap when nothing changed (a comparison of each file's name, size,
        mtime and inode). Call it on a timer and on SIGHUP; it is how a publish
        in another process sharing the folder reaches this one. A refused file
        is recorded once per content, not at every poll, and the plans in
        service keep serving.

        Returns
        -------
        list of Deployment
            The records this refresh wrote (usually none).
        """
        if self._scan_signature() == self._signature:
            return []
        with self._locked() as log:
            records = self._sync(log, by=by, source="folder")
        self._emit(records)
        return records

    # ------------------------------------------------------------ internals
    @contextlib.contextmanager
    def _locked(self) -> Iterator[IO[str]]:
        """The writer's locks: this process's threads, then every process sharing the folder."""
        with self._lock, open(self.folder / LOG_NAME, "a+", encoding="utf-8") as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            try:
                yield log
            finally:
                fcntl.flock(log, fcntl.LOCK_UN)

    def _scan(self, folder: Path) -> dict[str, os.stat_result]:
        if not folder.is_dir():
            return {}
        with os.scandir(folder) as entries:
            return {e.name: e.stat() for e in entries if e.name.endswith(".json") and e.is_file()}

    def _scan_signature(self) -> object:
        return tuple(tuple(sorted((n, _stat_key(s)) for n, s in self._scan(folder).items()))
                     for folder in (self.folder, self.folder / RETIRED))  # fmt: skip

    def _read_all(self, folder: Path, known: dict[str, _FileState]) -> dict[str, _FileState]:
        out = {}
        for name, stat in sorted(self._scan(folder).items()):
            key = _stat_key(stat)
            state = known.get(name)
            if state is None or state.signature != key:
                try:
                    data = (folder / name).read_bytes()
                except OSError as error:  # removed between the scan and the read
                    _logger.warning("plan file %s could not be read: %s", name, error)
                    continue
                state = _parse(data, key, hashlib.sha256(data).hexdigest())
            out[name] = state
        return out

    def _conflict(self, plan: RatingPlan, snapshot: _Snapshot) -> str | None:
        """Why ``plan`` cannot join the plans of ``snapshot`` (None if it can)."""
        current = snapshot.plans.get((plan.name, plan.version)) or snapshot.retired.get((plan.name, plan.version))
        if current is not None and current.plan_id != plan.plan_id:
            state = "in service" if (plan.name, plan.version) in snapshot.plans else "retired"
            return (f"plan {plan.name!r} version {plan.version!r} is already {state} with plan id "
                    f"{current.plan_id} (this content hashes to {plan.plan_id}): a changed tariff needs a "
                    "new version")  # fmt: skip
        versions = snapshot.versions.get(plan.name)
        for other in versions.plans if versions else ():
            if other.version != plan.version and _start(other) == _start(plan):
                return (f"plan {plan.name!r} version {plan.version!r}: effective_from {plan.effective_from} "
                        f"ties with version {other.version!r} in service: which is in force would be "
                        "ambiguous")  # fmt: skip
        return None

    def _sync(
        self,
        log: IO[str],
        *,
        by: str,
        source: str,
        claims: Mapping[str, tuple[str, str, str]] | None = None,
        first: str | None = None,
    ) -> list[Deployment]:
        """Re-read what changed in the folder, swap in the new snapshot, record the differences.

        ``claims`` maps a plan id to the (by, source, file) of the explicit call
        that caused its change, recorded as such; ``first`` is a file given
        priority over other new files (the one a publish just wrote).
        """
        signature = self._scan_signature()
        if signature == self._signature and not claims:
            return []
        files = self._read_all(self.folder, self._files)
        retired_files = self._read_all(self.folder / RETIRED, self._retired_files)
        old = self._snapshot
        retired = {(p.name, p.version): p for p in (s.plan for s in retired_files.values()) if p is not None}
        by_id = dict(old.by_id) | {p.plan_id: p for p in retired.values()}
        # Plans in service keep priority over newcomers; then the file just published; then by file name.
        serving = set(old.files.values())
        order = sorted(files, key=lambda f: (getattr(files[f].plan, "plan_id", None) not in serving,
                                             f != first, f))  # fmt: skip
        building = _Snapshot(old.generation, {}, {}, by_id, retired, {}, {})
        for file in order:
            state = files[file]
            reason = state.reason if state.plan is None else self._conflict(state.plan, building)
            if reason is None:
                plan = state.plan
                if (plan.name, plan.version) not in building.plans:  # else: one more file of the same plan
                    building.plans[(plan.name, plan.version)] = plan
                    known = building.versions.get(plan.name)
                    building.versions[plan.name] = _Versions.of([*(known.plans if known else ()), plan])
                building.files[file] = plan.plan_id
                by_id[plan.plan_id] = plan
            else:
                earlier = old.refused.get(file)  # the same content refused for the same reason keeps its record
                if earlier is not None and (earlier.file_sha256, earlier.reason) == (state.sha256, reason):
                    building.refused[file] = earlier
                else:
                    name, version = state.claimed
                    building.refused[file] = _record("refuse", state.plan, by, source, file, reason, name,
                                                     version, state.sha256)  # fmt: skip
        snapshot = _Snapshot(
            old.generation + 1,
            *(MappingProxyType(dict(m)) for m in (building.plans, building.versions, by_id, retired,
                                                  building.files, building.refused)),
        )  # fmt: skip
        self._snapshot = snapshot  # the one assignment readers see
        self._files, self._retired_files, self._signature = files, retired_files, signature
        return self._record_changes(log, old, snapshot, by, source, claims or {})

    def _record_changes(self, log: IO[str], old: _Snapshot, new: _Snapshot, by: str, source: str,
                        claims: Mapping[str, tuple[str, str, str]]) -> list[Deployment]:  # fmt: skip
        serving, was_serving = set(new.files.values()), set(old.files.values())
        started, stopped = serving - was_serving, was_serving - serving
        refusals = [(f, d) for f, d in new.refused.items() if (f, d.file_sha256) not in self._refusals_seen]
        if not (started or stopped or refusals):
            return []
        last, refused_before = _read_log(log)
        records = []
        for plan_id in sorted(started | stopped):
            starting = plan_id in started
            claim = claims.get(plan_id)
            if claim is None and (last.get(plan_id) in ("load", "publish")) == starting:
                continue  # another process (or an earlier run) recorded it
            plan = new.by_id[plan_id]
            action = ("load" if source == "startup" else "publish") if starting else "retire"
            who, where, file = claim or (by, source, None)
            if file is None:
                files = new.files if starting else old.files
                file = min(f for f, pid in files.items() if pid == plan_id)
            note = None if claim or starting else "its file left the folder (removed, moved or replaced)"
            records.append(self._append(log, _record(action, plan, who, where, file, note)))
        for file, refusal in refusals:
            self._refusals_seen.add((file, refusal.file_sha256))
            if (file, refusal.file_sha256) not in refused_before:
                records.append(self._append(log, refusal))
        return records

    def _append(self, log: IO[str], record: Deployment) -> Deployment:
        log.seek(0, os.SEEK_END)
        log.write(json.dumps(record.as_dict(), ensure_ascii=False) + "\n")
        log.flush()
        os.fsync(log.fileno())
        return record

    def _emit(self, records: list[Deployment]) -> None:
        for record in records:
            # The callback (the service's JSON log and audit store) reports them; without one, the log does.
            level = logging.WARNING if record.action == "refuse" else logging.INFO
            if self.on_deployment is not None:
                level = logging.DEBUG
            _logger.log(level, "plan %s: %s", record.action, json.dumps(record.as_dict(), ensure_ascii=False))
            if self.on_deployment is not None:
                try:
                    self.on_deployment(record)
                except Exception:  # the deployment is done; its copy elsewhere failed: say so loudly
                    _logger.exception("on_deployment failed for %s", record)

    def _target(self, plan: RatingPlan) -> str:
        """The file name to publish ``plan`` under: never one holding a plan in service."""
        file = plan_filename(plan)
        if file in self._snapshot.files:
            file = f"{file.removesuffix('.json')}-{plan.plan_id[:12]}.json"
        return file


# ---------------------------------------------------------------- helpers


def _start(plan: RatingPlan) -> dt.date:
    return _NO_START if plan.effective_from is None else dt.date.fromisoformat(plan.effective_from)


def _end(plan: RatingPlan) -> dt.date | None:
    return None if plan.effective_to is None else dt.date.fromisoformat(plan.effective_to)


def _window(plan: RatingPlan) -> str:
    return f"[{plan.effective_from or '...'}, {plan.effective_to or 'open'})"


def _describe(snapshot: _Snapshot, name: str | None = None) -> list[str]:
    names = [name] if name is not None else sorted(snapshot.versions)
    return [f"{p.name} v{p.version} {_window(p)}" for n in names for p in snapshot.versions[n].plans]


def _stat_key(stat: os.stat_result) -> tuple[int, int, int]:
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def _parse(data: bytes, signature: tuple[int, int, int], digest: str) -> _FileState:
    """A plan file's bytes read as a plan (JSON only), or the reason it is refused."""
    claimed: tuple[str | None, str | None] = (None, None)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return _FileState(signature, digest, None, f"not UTF-8 text: {error}", claimed)
    with contextlib.suppress(Exception):  # what the content says it is, for the record of a refusal
        content = json.loads(text)["content"]
        claimed = tuple(v if isinstance(v, str) else None for v in (content["name"], content["version"]))
    try:
        return _FileState(signature, digest, RatingPlan.from_json(text), None, claimed)
    except PlanError as error:
        return _FileState(signature, digest, None, str(error), claimed)
    except Exception as error:  # an untrusted file must never stop the service: refuse it, with why
        return _FileState(signature, digest, None, f"invalid plan: {error!r}", claimed)


def _record(action: str, plan: RatingPlan | None, by: str, source: str, file: str | None,
            reason: str | None = None, name: str | None = None, version: str | None = None,
            file_sha256: str | None = None) -> Deployment:  # fmt: skip
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    if plan is not None:
        name, version = plan.name, plan.version
    plan_id = None if plan is None else plan.plan_id
    return Deployment(action, name, version, plan_id, by, at, source, file, reason, file_sha256)


def _read_log(log: IO[str]) -> tuple[dict[str, str], set[tuple[str | None, str | None]]]:
    """From the folder's record: each plan id's last load/publish/retire, and the refused (file, sha256)."""
    last: dict[str, str] = {}
    refused: set[tuple[str | None, str | None]] = set()
    for entry in _log_entries(log):
        if entry["action"] == "refuse":
            refused.add((entry.get("file"), entry.get("file_sha256")))
        elif entry.get("plan_id"):
            last[entry["plan_id"]] = entry["action"]
    return last, refused


def _log_entries(log: IO[str]) -> Iterator[dict[str, Any]]:
    log.seek(0)
    for number, line in enumerate(log, 1):
        try:
            entry = json.loads(line)
            if isinstance(entry, dict) and entry.get("action") in ACTIONS and entry.get("source") in SOURCES:
                yield entry
                continue
        except ValueError:
            pass
        _logger.warning("%s line %d is not a deployment record: %r", LOG_NAME, number, line[:200])


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so no reader ever sees a partial file: temp file, fsync, rename."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o644)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["ACTIONS", "LOG_NAME", "RETIRED", "SOURCES", "Deployment", "PlanRegistry", "plan_filename",
           "quote_day", "version_in_force"]  # fmt: skip
