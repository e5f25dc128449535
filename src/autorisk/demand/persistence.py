"""Saving demand models without pickle, and reading any of them back: :func:`load_demand_model`.

A GLM is one JSON file (the pricing GLMs' encoding of values and designs,
:mod:`autorisk.models.persistence`: floats written to the bit); a GBM is a
folder of LightGBM's ``model.txt`` beside ``metadata.json``. Loaded models
predict bit-identically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

import autorisk
from autorisk.errors import ModelError
from autorisk.models import persistence as pricing

FORMAT = "autorisk.demand"
FORMAT_VERSION = 1
MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"

#: Fitted attributes of a GLM saved as they are (numbers, strings, lists).
_GLM_FITTED = ("price_columns_", "price_terms_", "factors_", "slope_labels_", "slopes_held_", "monotone_", "remedy_",
               "n_obs_", "df_resid_", "n_iter_", "loglik_", "deviance_", "null_deviance_", "aic_", "bic_")  # fmt: skip
_GBM_FITTED = ("price_columns_", "price_terms_", "factors_", "features_", "categorical_", "remedy_", "base_score_",
               "n_rounds_", "best_score_", "evals_result_", "lgb_params_")  # fmt: skip


def _classes() -> dict[str, type]:
    from autorisk.demand.gbm import ConversionGBM, RetentionGBM
    from autorisk.demand.glm import ConversionGLM, RetentionGLM

    return {c.__name__: c for c in (RetentionGLM, ConversionGLM, RetentionGBM, ConversionGBM)}


def _header(model: Any, kind: str) -> dict[str, Any]:
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind, "class": type(model).__name__,
            "autorisk_version": autorisk.__version__}  # fmt: skip


def save_glm(model: Any, path: str | Path) -> Path:
    """Write a fitted demand GLM to the JSON file ``path``; return the path."""
    check_is_fitted(model, "params_")
    names = list(model.params_.index)
    document = _header(model, "glm")
    document.update(
        params=pricing.encode(model.get_params(deep=False), "params"),
        design=pricing.design_to_dict(model.design_),
        coefficients={"names": names, "values": [float(v) for v in model.params_.to_numpy()]},
        covariance=[[float(v) for v in row] for row in model.cov_params_.to_numpy()],
        slope_cells=[[float(v) for v in row] for row in model.slope_cells_],
        fitted={name: pricing.encode(getattr(model, name), name) for name in _GLM_FITTED},
    )
    return pricing.write(document, path)


def save_gbm(model: Any, path: str | Path) -> Path:
    """Write a fitted demand GBM to the folder ``path`` (``model.txt``, ``metadata.json``); return the folder."""
    check_is_fitted(model, "booster_")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    document = _header(model, "gbm")
    document.update(
        params=pricing.encode(model.get_params(deep=False), "params"),
        categories=pricing.encode(model.categories_, "categories_"),
        base_levels=pricing.encode(model.base_levels_, "base_levels_"),
        fitted={name: pricing.encode(getattr(model, name), name) for name in _GBM_FITTED},
        lightgbm_version=lgb.__version__,
    )
    model.booster_.save_model(str(folder / MODEL_FILE))
    pricing.write(document, folder / METADATA_FILE)
    return folder


def load_demand_model(path: str | Path) -> Any:
    """Read a demand model written by ``save``: a GLM's JSON file, or a GBM's folder (or its metadata file).

    Parameters
    ----------
    path : str or Path
        The file a GLM's ``save`` wrote, or the folder a GBM's ``save`` wrote.

    Returns
    -------
    RetentionGLM, ConversionGLM, RetentionGBM or ConversionGBM
        Predicting bit-identically to the model saved.

    Raises
    ------
    ModelError
        Nothing there, not a saved demand model, or another format version.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np, pandas as pd
    >>> from autorisk.demand import RetentionGLM
    >>> X = pd.DataFrame({"last": [100.0] * 6, "offered": [90.0, 95, 100, 105, 110, 120]})
    >>> model = RetentionGLM([]).fit(X, [1, 1, 0, 1, 0, 0])
    >>> again = load_demand_model(model.save(pathlib.Path(tempfile.mkdtemp()) / "retention.json"))
    >>> type(again).__name__, bool((again.predict(X) == model.predict(X)).all())
    ('RetentionGLM', True)
    """
    source = Path(path)
    folder = source if source.is_dir() else None
    if folder is None and source.name == METADATA_FILE:
        folder = source.parent
    target = folder / METADATA_FILE if folder is not None else source
    if not target.is_file():
        raise ModelError(f"{source}: no saved demand model there (no such file{'' if folder is None else ' ' + METADATA_FILE})")
    document = pricing.read_json(target, "demand model")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ModelError(f"{target}: not a saved demand model (format {found!r}, expected {FORMAT!r})")
    if document.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{target}: format version {document.get('format_version')!r} of {FORMAT}; this autorisk reads {FORMAT_VERSION}")
    klass = _classes().get(document.get("class"))
    if klass is None:
        raise ModelError(f"{target}: holds a {document.get('class')!r}, not a demand model class")
    try:
        model = klass(**pricing.decode(document["params"]))
        for name, value in document["fitted"].items():
            setattr(model, name, pricing.decode(value))
        model.feature_names_in_ = np.asarray(model.factors_, dtype=object)
        model.n_features_in_ = len(model.factors_)
        if document["kind"] == "glm":
            names = list(document["coefficients"]["names"])
            values = np.array(document["coefficients"]["values"], dtype=float)
            model.design_ = pricing.design_from_dict(document["design"])
            model.params_ = pd.Series(values, index=names, name="coef")
            model.intercept_, model.coef_ = float(values[0]), values[1:].copy()
            model.cov_params_ = pd.DataFrame(np.array(document["covariance"], dtype=float), index=names, columns=names)
            cells = np.array(document["slope_cells"], dtype=float)
            model.slope_cells_ = cells if len(cells) else np.zeros((0, len(names) - 1))
            from autorisk.demand.glm import BINOMIAL

            model.family_ = BINOMIAL
        else:
            if folder is None or not (folder / MODEL_FILE).is_file():
                raise ModelError(f"{target}: a saved GBM is a folder with {MODEL_FILE} beside {METADATA_FILE}")
            model.categories_ = pricing.decode(document["categories"])
            model.base_levels_ = pricing.decode(document["base_levels"])
            model.booster_ = lgb.Booster(model_file=str(folder / MODEL_FILE))
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{target}: the saved {klass.__name__} is incomplete or corrupt: {type(error).__name__}: {error}") from None
    return model


__all__ = ["load_demand_model"]
