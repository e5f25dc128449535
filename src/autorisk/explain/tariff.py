"""From a GBM to a tariff: bands where the GBM's effects change, its strongest interactions, then a GLM."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.evaluate import gini
from autorisk.explain._common import check_frame, exposure_weights, is_numeric, sample_rows
from autorisk.explain.bands import effect_cut_points
from autorisk.explain.dependence import partial_dependence
from autorisk.explain.effects import contributions
from autorisk.explain.interaction import interaction_strength
from autorisk.models.banding import band_labels
from autorisk.models.glm import FrequencyGLM

#: Suffix of the categorical column holding a numeric feature's band when the feature is in an interaction.
#: Grid of the partial dependence that stands in for SHAP values when the model has no
#: ``contributions``: every distinct value up to this many, else this many quantiles, interpolated.
_PD_POINTS = 100


@dataclass
class TariffFromGBM:
    """A GLM tariff derived from a GBM, and how much of the GBM's lift it keeps.

    Attributes
    ----------
    glm : FrequencyGLM
        Fitted on the bands; accepted by :func:`autorisk.rating.coverage_from_glm`.
        It reads the raw columns of ``X``; numeric features enter by their bands,
        in main effects and in interactions alike.
    bands : dict
        ``{feature: inner cut points}`` of every banded numeric feature.
    interactions : list of (str, str)
        Feature pairs entered as GLM interactions.
    interaction_table : DataFrame or None
        The ranking of :func:`~autorisk.explain.interaction_strength`
        (None when no interaction was asked for).
    gini_gbm, gini_tariff : float
        Exposure-weighted Gini of each model's ranking on the ``gini_data``.
    gini_data : {"test", "training"}
        Where the Ginis were measured.

    Examples
    --------
    A "GBM" whose frequency doubles below age 25 (see :func:`gbm_to_tariff`):

    >>> class Steps:
    ...     features_ = ["age"]
    ...     def predict(self, X, exposure=None):
    ...         return np.where(X["age"].to_numpy() < 25, 0.2, 0.1)
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 5_000)})
    >>> tariff = gbm_to_tariff(Steps(), X, rng.poisson(Steps().predict(X)), np.ones(len(X)))
    >>> tariff.summary_table()
      factor    kind     levels
    0    age  banded  <25, >=25
    >>> tariff.glm.relativities().set_index("level")["relativity"].round(2).to_dict()  # true: 2
    {'>=25': 1.0, '<25': 2.27}
    >>> tariff.gini_data, tariff.interaction_table is None
    ('training', True)
    """

    glm: FrequencyGLM
    bands: dict[str, np.ndarray]
    interactions: list[tuple[str, str]]
    interaction_table: pd.DataFrame | None
    gini_gbm: float
    gini_tariff: float
    gini_data: str

    @property
    def gini_ratio(self) -> float:
        """Share of the GBM's Gini the tariff keeps: ``gini_tariff / gini_gbm``."""
        return self.gini_tariff / self.gini_gbm if self.gini_gbm != 0 else float("nan")

    def predict(self, X: pd.DataFrame, exposure: Any = None) -> np.ndarray:
        """The tariff's expected claims (the rate when ``exposure`` is None)."""
        return self.glm.predict(X, exposure)

    def summary_table(self) -> pd.DataFrame:
        """One row per GLM factor: the feature, how it enters and its bands or levels."""
        rows = []
        for term in self.glm.design_.terms:
            if term.kind == "interaction":
                kind, detail = "interaction", f"{len(term.pairs)} cells"
            else:
                feature = term.name
                kind = "banded" if feature in self.bands else "levels"
                shown = band_labels(self.bands[feature]) if feature in self.bands else list(term.levels)
                detail = ", ".join(map(str, shown))
            rows.append({"factor": term.name, "kind": kind, "levels": detail})
        return pd.DataFrame(rows)

    def _header(self) -> str:
        return (
            f"Gini on {self.gini_data} data: GBM {self.gini_gbm:.4f}, tariff {self.gini_tariff:.4f} "
            f"(keeps {self.gini_ratio:.1%})"
        )

    def __repr__(self) -> str:
        title = "Tariff from GBM"
        return f"{title}\n{'=' * len(title)}\n{self._header()}\n\n{self.summary_table().to_string(index=False)}"

    def _repr_html_(self) -> str:
        return (
            "<h4>Tariff from GBM</h4>"
            f"<p>{html.escape(self._header())}</p>"
            + self.summary_table().to_html(index=False)
        )


def gbm_to_tariff(
    gbm: Any,
    X: pd.DataFrame,
    y: Any,
    exposure: Any,
    *,
    max_bands: int = 6,
    min_exposure_share: float = 0.02,
    interactions: int | Sequence[tuple[str, str]] = 0,
    candidates: Sequence[str] | None = None,
    interaction_bands: int | None = 4,
    test: tuple[pd.DataFrame, Any, Any] | None = None,
    sample: int | None = 20_000,
    seed: int = 0,
) -> TariffFromGBM:
    """Derive a banded GLM tariff from a fitted GBM and measure how much of its lift it keeps.

    1. Each numeric feature is cut where the GBM's effect changes: an
       exposure-weighted regression tree of its per-row SHAP values
       (``gbm.contributions``; for a model without them, its partial
       dependence on the log scale) with at most ``max_bands`` leaves of at
       least ``min_exposure_share`` of the exposure, cuts rounded to round
       numbers (:func:`~autorisk.explain.bands.effect_cut_points`).
       Categorical features keep their levels.
    2. The ``interactions`` strongest pairs among ``candidates``
       (:func:`~autorisk.explain.interaction_strength`), or the pairs given,
       become GLM interactions; their numeric members enter by their bands
       (a rating plan's two-way table then reads the raw columns too).
    3. A :class:`~autorisk.models.FrequencyGLM` is fitted on those terms.
    4. Gini of the GBM and of the tariff on ``test`` if given, else on the
       training data (``gini_data`` says which).

    Parameters
    ----------
    gbm : object
        A fitted frequency model with ``predict(X, exposure=None)``; a
        ``FrequencyGBM`` also supplies ``features_``, ``categorical_`` and
        ``contributions``.
    X, y, exposure
        Training data: rating factors, claim counts and exposure.
    max_bands : int, default 6
        Most bands per numeric feature.
    min_exposure_share : float, default 0.02
        Least share of the exposure in a band.
    interactions : int or list of (str, str), default 0
        Number of top-ranked interaction pairs to add, or the pairs
        themselves (say, chosen from an earlier ranking; no ranking is run).
    candidates : list of str, optional
        Features whose pairs are ranked; default every feature that has an
        effect.
    interaction_bands : int or None, default 4
        Most bands of a numeric feature in an interaction (its main effect
        uses the same bands; None: ``max_bands``). Fewer bands give a
        smaller two-way table, with fewer thinly exposed cells.
    test : (X, y, exposure), optional
        Held-out data for the Gini comparison.
    sample : int or None, default 20_000
        Rows (uniform, seeded) whose effects place the cut points: TreeSHAP
        costs about a millisecond per row for a few hundred trees. None uses
        every row.
    seed : int, default 0
        Seed of the samples (cut points, interaction ranking, and the partial
        dependence of a model without SHAP values).

    Returns
    -------
    TariffFromGBM

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> class Steps:
    ...     features_ = ["age"]
    ...     def predict(self, X, exposure=None):
    ...         return np.where(X["age"].to_numpy() < 25, 0.2, 0.1)
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 70, 5_000)})
    >>> y = rng.poisson(Steps().predict(X))
    >>> tariff = gbm_to_tariff(Steps(), X, y, np.ones(len(X)))
    >>> tariff.bands["age"].tolist(), round(tariff.gini_ratio, 2)
    ([25.0], 1.0)
    """
    features = list(getattr(gbm, "features_", None) or X.columns)
    X = check_frame(X, features)
    weights = exposure_weights(exposure, X)
    given = _given_pairs(interactions, features)
    categorical = set(getattr(gbm, "categorical_", None) or [f for f in features if not is_numeric(X[f])])
    numeric = [f for f in features if f not in categorical]

    rows, row_weights = sample_rows(X, weights, sample, seed)
    effects = _effects(gbm, rows, numeric, row_weights, seed)

    def cut(feature: str, most: int) -> np.ndarray:
        return effect_cut_points(rows[feature].to_numpy(dtype=float), effects[feature], row_weights,
                                 max_bands=most, min_exposure_share=min_exposure_share)  # fmt: skip

    bands = {f: cut(f, max_bands) for f in numeric}
    flat = [f for f in numeric if len(bands[f]) == 0]
    bands = {f: points for f, points in bands.items() if len(points)}

    table, pairs = None, given
    if given is None:
        pairs = []
        if interactions:
            pool = [f for f in (candidates or features) if f not in flat]
            table = interaction_strength(gbm, X, features=pool, exposure=weights, seed=seed)
            pairs = [(a, b) for a, b in table[["feature_a", "feature_b"]].head(int(interactions)).itertuples(index=False)]
    without_effect = [pair for pair in pairs if set(pair) & set(flat)]
    if without_effect:
        raise ParameterError(f"interactions {without_effect} involve features without effect in the model: {flat}")
    # Numeric members of an interaction get coarser bands (fewer cells in the two-way table).
    paired = {f for pair in pairs for f in pair if f in bands}
    if interaction_bands is not None and interaction_bands < max_bands:
        bands.update({f: cut(f, interaction_bands) for f in paired})

    glm = FrequencyGLM(
        [f for f in features if f not in flat],
        bands={f: list(points) for f, points in bands.items()} or None,
        interactions=list(pairs) or None,
    ).fit(X, y, exposure=weights)

    X_eval, y_eval, e_eval = (X, y, weights) if test is None else test
    e_eval = exposure_weights(e_eval, X_eval)
    gbm_claims = np.asarray(gbm.predict(X_eval, exposure=e_eval), dtype=float)
    tariff_claims = glm.predict(X_eval, e_eval)
    return TariffFromGBM(
        glm=glm,
        bands=bands,
        interactions=pairs,
        interaction_table=table,
        gini_gbm=gini(y_eval, gbm_claims, e_eval),
        gini_tariff=gini(y_eval, tariff_claims, e_eval),
        gini_data="training" if test is None else "test",
    )


def _given_pairs(interactions: Any, features: list[str]) -> list[tuple[str, str]] | None:
    """The pairs passed as ``interactions``, checked; None when it is a number of pairs to rank."""
    if isinstance(interactions, bool):
        raise ParameterError("interactions must be a number of pairs or a list of pairs, not a bool")
    if isinstance(interactions, int | np.integer):
        if interactions < 0:
            raise ParameterError(f"interactions must be >= 0, got {interactions!r}")
        return None
    pairs = [tuple(pair) for pair in interactions]
    bad = [p for p in pairs if len(p) != 2 or p[0] == p[1] or not set(p) <= set(features)]
    if bad:
        raise ParameterError(f"interactions must be pairs of two different features among {features}, got {bad}")
    return pairs


def _effects(model: Any, X: pd.DataFrame, features: list[str], weights: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Per-row effect of each feature on the log scale: SHAP values, else the partial dependence at the row's value."""
    if not features:
        return {}
    if hasattr(model, "contributions"):
        table = contributions(model, X)
        return {f: table[f].to_numpy(dtype=float) for f in features}
    effects = {}
    for f in features:
        curve = partial_dependence(model, X, f, n_points=_PD_POINTS, exposure=weights, seed=seed)
        grid = curve["value"].to_numpy(dtype=float)
        effects[f] = np.interp(X[f].to_numpy(dtype=float), grid, np.log(curve["rate"].to_numpy()))
    return effects
