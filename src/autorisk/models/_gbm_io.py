"""Saving and loading pricing GBMs: LightGBM's text model beside JSON metadata, no pickle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np
from sklearn.utils.validation import check_is_fitted

from autorisk.errors import ModelError
from autorisk.models._gbm_search import table_from_json, table_to_json, tune_from_json, tune_to_json

if TYPE_CHECKING:
    from autorisk.models._gbm_engine import _PricingGBM

MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"
FORMAT = "autorisk.gbm"
FORMAT_VERSION = 1



def save(model: _PricingGBM, path: str | Path) -> Path:
    """Write the model to the folder ``path``: ``model.txt`` and ``metadata.json``.

    ``model.txt`` is LightGBM's own text format; ``metadata.json`` holds
    the constructor parameters, features, levels and base level. No
    pickle: both files are plain text.
    """
    check_is_fitted(model, "booster_")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "class": type(model).__name__,
        "family": model.family_,
        "params": {**model.get_params(), "tune": tune_to_json(model.tune)},
        "feature_names_in": model.feature_names_in_,
        "features": model.features_,
        "categorical": model.categorical_,
        "categories": model.categories_,
        # pairs, not objects: levels and feature names need not be strings
        "base_levels": [[f, level] for f, level in model.base_levels_.items()],
        "level_groups": [[f, [[level, group] for level, group in m.items()]] for f, m in model.level_groups_.items()],
        "monotone": {f: int(d) for f, d in (model.monotone or {}).items() if d},
        "base_score": model.base_score_,
        "n_rounds": model.n_rounds_,
        "best_score": model.best_score_,
        "evals_result": model.evals_result_,
        "lgb_params": model.lgb_params_,
        "best_params": getattr(model, "best_params_", None),
        "search_results": table_to_json(getattr(model, "search_results_", None)),
        "lightgbm_version": lgb.__version__,
    }
    try:
        text = json.dumps(metadata, indent=1, default=_json_default)
    except TypeError as error:
        raise ModelError(f"the model cannot be saved as JSON: {error}") from None
    model.booster_.save_model(str(folder / MODEL_FILE))
    (folder / METADATA_FILE).write_text(text, encoding="utf-8")
    return folder


def load(cls: type[_PricingGBM], path: str | Path) -> _PricingGBM:
    """Read a model written by :meth:`save`; its predictions are bit-identical."""
    folder = Path(path)
    for name in (MODEL_FILE, METADATA_FILE):
        if not (folder / name).is_file():
            raise ModelError(f"{folder} is not a saved GBM: {name} is missing")
    metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    if metadata.get("format") != FORMAT or metadata.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{folder / METADATA_FILE} is not {FORMAT} version {FORMAT_VERSION} metadata")
    from autorisk.models._gbm_engine import _PricingGBM

    classes = {c.__name__: c for c in _subclasses(_PricingGBM) if c.__module__.startswith("autorisk.")}
    klass = classes.get(metadata["class"])
    if klass is None or not issubclass(klass, cls):
        raise ModelError(f"{folder} holds a {metadata['class']}, not a {cls.__name__}")
    model = klass(**{**metadata["params"], "tune": tune_from_json(metadata["params"].get("tune"))})
    model.features_ = metadata["features"]
    model.categorical_ = metadata["categorical"]
    # JSON object keys are strings: find each feature's levels by its own name or its text
    model.categories_ = {f: metadata["categories"][f if isinstance(f, str) else str(f)] for f in model.categorical_}
    model.base_levels_ = {f: level for f, level in metadata.get("base_levels", [])}
    model.level_groups_ = {f: {level: group for level, group in pairs} for f, pairs in metadata.get("level_groups", [])}
    model.family_ = metadata["family"]
    model.base_score_ = metadata["base_score"]
    model.n_rounds_ = metadata["n_rounds"]
    model.best_score_ = metadata["best_score"]
    model.evals_result_ = metadata["evals_result"]
    model.lgb_params_ = metadata["lgb_params"]
    # models saved before tune existed were not tuned
    model.best_params_ = metadata.get("best_params")
    model.search_results_ = table_from_json(metadata.get("search_results"))
    # models saved before feature_names_in was recorded were fitted on their features only
    model.feature_names_in_ = np.asarray(metadata.get("feature_names_in", model.features_), dtype=object)
    model.n_features_in_ = len(model.feature_names_in_)
    model.booster_ = lgb.Booster(model_file=str(folder / MODEL_FILE))
    return model


def _subclasses(cls: type) -> list[type]:
    """Every class below ``cls``, at any depth."""
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} value {value!r} is not JSON serialisable")

