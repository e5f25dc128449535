"""A frequency and a severity GLM combined into expected claim cost.

:class:`FrequencySeverity` fits a :class:`~autorisk.models.FrequencyGLM` on
every row (claim counts with exposure) and a
:class:`~autorisk.models.SeverityGLM` on the rows with claims (average claim
weighted by the claim count), and predicts their product, the expected
claim cost (pure premium times exposure).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from autorisk.errors import ModelError, ParameterError
from autorisk.models import persistence
from autorisk.models.glm import FrequencyGLM, SeverityGLM, _PricingGLM

__all__ = ["FrequencySeverity"]

RELATIVITY_COLUMNS = ["factor", "level", "frequency_relativity", "severity_relativity", "relativity"]


class FrequencySeverity(BaseEstimator):
    """Expected claim cost as claim frequency times average severity.

    Parameters
    ----------
    frequency : FrequencyGLM, optional
        Unfitted frequency model (default ``FrequencyGLM()``, every column
        of ``X`` a factor); cloned and fitted by :meth:`fit`.
    severity : SeverityGLM, optional
        Unfitted severity model (default ``SeverityGLM()``); cloned and
        fitted on the rows with claims.

    Attributes
    ----------
    frequency_ : FrequencyGLM
        The fitted frequency model.
    severity_ : SeverityGLM
        The fitted severity model.

    Examples
    --------
    >>> from autorisk.datasets import load
    >>> from autorisk.models import FrequencyGLM, FrequencySeverity, SeverityGLM
    >>> data = load("swmotorcycle").query("exposure > 0")
    >>> model = FrequencySeverity(FrequencyGLM(["gender", "area"]), SeverityGLM(["gender"]))
    >>> model = model.fit(data, data["claim_count"], data["claim_amount"], exposure=data["exposure"])
    >>> cost = model.predict(data, exposure=data["exposure"])
    >>> bool(abs(cost.sum() / data["claim_amount"].sum() - 1) < 0.05)
    True
    >>> model.relativities().query("factor == 'gender'")[["level", "relativity"]].round(3)
        level  relativity
    0    Male       1.000
    1  Female       0.551
    """

    def __init__(self, frequency: FrequencyGLM | None = None, severity: SeverityGLM | None = None):
        self.frequency = frequency
        self.severity = severity

    def fit(
        self,
        X: pd.DataFrame,
        claim_count: Any,
        claim_amount: Any,
        exposure: Any = None,
        sample_weight: Any = None,
    ) -> FrequencySeverity:
        """Fit frequency on all rows and severity on the rows with claims.

        Parameters
        ----------
        X : DataFrame
            Rating factors, one row per policy (period).
        claim_count : array-like
            Number of claims per row.
        claim_amount : array-like
            Total claim amount per row (positive where ``claim_count > 0``).
        exposure : array-like, optional
            Exposure per row (default 1), the frequency model's offset.
        sample_weight : array-like, optional
            Prior weights, passed to both models.
        """
        frequency = FrequencyGLM() if self.frequency is None else self.frequency
        severity = SeverityGLM() if self.severity is None else self.severity
        if not isinstance(frequency, FrequencyGLM):
            raise ParameterError(f"frequency must be a FrequencyGLM, got {type(frequency).__name__}")
        if not isinstance(severity, SeverityGLM):
            raise ParameterError(f"severity must be a SeverityGLM, got {type(severity).__name__}")
        self.frequency_ = clone(frequency).fit(X, claim_count, exposure=exposure, sample_weight=sample_weight)
        self.severity_ = clone(severity).fit(X, claim_amount, claim_count=claim_count, sample_weight=sample_weight)
        self.n_features_in_ = self.frequency_.n_features_in_
        self.feature_names_in_ = self.frequency_.feature_names_in_
        return self

    def predict(self, X: pd.DataFrame, exposure: Any = None) -> np.ndarray:
        """Expected claim cost per row: expected claim count times expected average claim."""
        check_is_fitted(self, ["frequency_", "severity_"])
        return self.frequency_.predict(X, exposure) * self.severity_.predict(X)

    def save(self, path: str | Path) -> Path:
        """Write the fitted pair to the JSON file ``path``: both GLMs, as ``FrequencyGLM.save`` writes them.

        Parameters
        ----------
        path : str or Path
            The file to write (its folder must exist).

        Returns
        -------
        Path

        Examples
        --------
        >>> import tempfile, pathlib
        >>> import pandas as pd
        >>> X = pd.DataFrame({"area": ["a", "a", "b", "b"]})
        >>> pair = FrequencySeverity(FrequencyGLM(["area"]), SeverityGLM(["area"]))
        >>> pair = pair.fit(X, [0, 1, 2, 1], [0.0, 900.0, 2500.0, 1100.0], exposure=[1.0, 0.5, 1.0, 1.0])
        >>> path = pair.save(pathlib.Path(tempfile.mkdtemp()) / "pair.json")
        >>> again = FrequencySeverity.load(path)
        >>> bool((again.predict(X) == pair.predict(X)).all())
        True
        """
        check_is_fitted(self, ["frequency_", "severity_"])
        document = persistence.pair_header()
        document["params"] = {
            name: None if model is None else {"class": type(model).__name__, "params": persistence.encode(
                model.get_params(deep=False), f"{name} parameters")}
            for name, model in (("frequency", self.frequency), ("severity", self.severity))
        }  # fmt: skip
        document["frequency"] = persistence.glm_to_dict(self.frequency_)
        document["severity"] = persistence.glm_to_dict(self.severity_)
        return persistence.write(document, path)

    @classmethod
    def load(cls, path: str | Path) -> FrequencySeverity:
        """Read a pair written by :meth:`save`; its predictions are bit-identical.

        Parameters
        ----------
        path : str or Path
            The JSON file :meth:`save` wrote.

        Returns
        -------
        FrequencySeverity

        Raises
        ------
        ModelError
            If the file is not a saved pair or is of another format version.
        """
        return cls._from_document(persistence.read(path), str(path))

    @classmethod
    def _from_document(cls, document: dict[str, Any], source: str) -> FrequencySeverity:
        if document.get("class") != cls.__name__:
            raise ModelError(f"{source} holds a {document.get('class')}, not a {cls.__name__}")
        classes = {"frequency": {"FrequencyGLM": FrequencyGLM}, "severity": {"SeverityGLM": SeverityGLM}}
        unfitted = {}
        for name, spec in document["params"].items():
            if spec is not None:
                klass = classes[name].get(spec["class"])
                if klass is None:
                    raise ModelError(f"{source}: the {name} model is a {spec['class']!r}")
                spec = klass(**persistence.decode(spec["params"]))
            unfitted[name] = spec
        pair = cls(**unfitted)
        pair.frequency_ = persistence.glm_from_dict(document["frequency"], classes["frequency"])
        pair.severity_ = persistence.glm_from_dict(document["severity"], classes["severity"])
        pair.n_features_in_ = pair.frequency_.n_features_in_
        pair.feature_names_in_ = pair.frequency_.feature_names_in_
        return pair

    def relativities(self) -> pd.DataFrame:
        """Combined relativity tables: frequency times severity, per factor and level.

        One row per level of every categorical (or banded) factor and
        interaction of either model, with columns ``factor``, ``level``,
        ``frequency_relativity``, ``severity_relativity`` and ``relativity``
        (their product). A factor in one model only has relativity 1 in the
        other. A level the severity model never saw (no claims) has a
        missing severity relativity.

        When the two models have different base levels for a factor, the
        severity relativities are rebased to the frequency model's base
        (divided by the severity relativity of that level), so the combined
        base is the frequency model's base with relativity 1, and
        ``relativity`` is the ratio of expected costs between a level and
        that base, other factors equal. Interactions are combined as they
        are, which needs the same base levels of their factors in both
        models (else :class:`~autorisk.errors.ModelError`).
        """
        check_is_fitted(self, ["frequency_", "severity_"])
        frequency = _tables(self.frequency_)
        severity = _tables(self.severity_)
        rows = []
        for factor in dict.fromkeys([*frequency, *severity]):
            freq, sev = frequency.get(factor), severity.get(factor)
            if freq is not None and sev is not None:
                sev = self._rebased(factor, sev)
            levels = dict.fromkeys([*(freq or {}), *(sev or {})])
            for level in levels:
                f = 1.0 if freq is None else freq.get(level, np.nan)
                s = 1.0 if sev is None else sev.get(level, np.nan)
                rows.append((factor, level, f, s, f * s))
        return pd.DataFrame(rows, columns=RELATIVITY_COLUMNS)

    def _rebased(self, factor: str, sev: dict[Any, float]) -> dict[Any, float]:
        """Severity relativities of ``factor`` rebased to the frequency model's base level."""
        freq_terms = {t.name: t for t in self.frequency_.design_.terms}
        sev_terms = {t.name: t for t in self.severity_.design_.terms}
        if factor not in freq_terms:
            return sev  # restricted in the frequency model: its table sets the scale
        freq_term = freq_terms[factor]
        if factor not in sev_terms:
            # Restricted in the severity model: its given table need not be 1 at the
            # frequency base, so rebase it there like any other severity table.
            return self._rescaled(factor, sev, freq_term.base_level, "its restricted table")
        sev_term = sev_terms[factor]
        if freq_term.kind == "interaction":
            for a, b in zip(freq_term.parents, sev_term.parents, strict=True):
                if a.is_categorical and b.is_categorical and a.base_level != b.base_level:
                    raise ModelError(
                        f"interaction {factor}: base levels of {a.name!r} differ between frequency "
                        f"({a.base_level!r}) and severity ({b.base_level!r}); set the same base_levels"
                    )
            return sev
        if freq_term.base_level == sev_term.base_level:
            return sev
        return self._rescaled(factor, sev, freq_term.base_level, f"their own base {sev_term.base_level!r}")

    @staticmethod
    def _rescaled(factor: str, sev: dict[Any, float], base: Any, kept: str) -> dict[Any, float]:
        """``sev`` divided by its value at ``base`` (warning and unchanged when it has no such level)."""
        if base not in sev:
            warnings.warn(
                f"{factor}: the frequency base level {base!r} is not a level of the severity model; "
                f"severity relativities keep {kept}",
                UserWarning,
                stacklevel=4,
            )
            return sev
        scale = sev[base]
        return {level: value / scale for level, value in sev.items()}


def _tables(model: _PricingGLM) -> dict[str, dict[Any, float]]:
    """``{factor: {level: relativity}}`` from a fitted model's relativity table, in table order."""
    table = model.relativities()
    tables: dict[str, dict[Any, float]] = {}
    for factor, level, relativity in zip(table["factor"], table["level"], table["relativity"], strict=True):
        tables.setdefault(factor, {})[level] = float(relativity)
    return tables
