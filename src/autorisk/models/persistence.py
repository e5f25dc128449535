"""Saving fitted GLMs as JSON, and reading them back: no pickle, no code run at load.

A saved GLM is one JSON file (``FrequencyGLM.save(path)``, read by
``FrequencyGLM.load(path)`` or :func:`autorisk.models.load_model`)::

    {"format": "autorisk.glm", "format_version": 1, "class": "FrequencyGLM",
     "autorisk_version": "...", "params": {...constructor parameters...},
     "feature_names_in": [...], "family": {"name", "power", "fixed_dispersion"},
     "design": {"state": {...}, "terms": [...levels, base levels, cut points,
                knots, exposure, coefficient names, interaction pairs...]},
     "coefficients": {"names": [...], "values": [...]},
     "covariance": [[...]], "dispersion": {"method", "value"},
     "training": {"n_obs", "df_resid", "deviance", "null_deviance", ...},
     "fitted": {...any other fitted attribute...}}

A :class:`~autorisk.models.FrequencySeverity` pair is the same header with
``"class": "FrequencySeverity"`` and its two models under ``"frequency"`` and
``"severity"``.

Values keep their Python types through JSON: a mapping is written as
``{"$map": [[key, value], ...]}`` (so a level ``1`` stays an integer and
``True`` a boolean), a tuple as ``{"$tuple": [...]}``, an array as
``{"$array": [...], "dtype": "float64"}``, a table as ``{"$frame": ...}``, a
non-finite float as ``{"$float": "nan"}`` and a GLM's ``penalty`` as
``{"$penalty": {...its fields...}}``; floats are written with the
shortest repr that reads back to the same bits, so a loaded model predicts
bit-identically. Reading builds only numbers, strings, lists, dicts, tuples,
numpy arrays and pandas tables, and the estimator classes named in a fixed
table; a file of another format version is refused.

This module sits below the GLM engine (:mod:`autorisk.models.glm` calls it):
it is handed the estimator classes, it never imports them.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import autorisk
from autorisk.errors import ModelError
from autorisk.models.design import Design, Term
from autorisk.models.families import Family
from autorisk.models.penalty import Penalty, penalty_fields

FORMAT = "autorisk.glm"
"""The ``format`` field of a saved GLM or frequency-severity pair."""
FORMAT_VERSION = 1
"""The only ``format_version`` this autorisk reads and writes."""

#: Fitted attributes written in their own sections (the rest go under "fitted").
_SECTIONS = frozenset(
    {"design_", "params_", "intercept_", "coef_", "cov_params_", "family_", "feature_names_in_", "n_features_in_",
     "dispersion_", "n_obs_", "df_resid_", "deviance_", "null_deviance_", "pearson_chi2_", "loglik_", "aic_",
     "bic_", "n_iter_", "restricted_exposure_"}
)  # fmt: skip
_TRAINING = ("n_obs_", "df_resid_", "deviance_", "null_deviance_", "pearson_chi2_", "loglik_", "aic_", "bic_",
             "n_iter_", "restricted_exposure_")  # fmt: skip
_DTYPE_KINDS = frozenset("biufO")


# ------------------------------------------------------------------ values
def encode(value: Any, where: str) -> Any:
    """``value`` as JSON data that :func:`decode` turns back into the same types and bits.

    ``where`` names the field in the error raised for a value that cannot be
    saved (a date, an interval, an arbitrary object).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else {"$float": repr(number)}
    if isinstance(value, list):
        return [encode(v, where) for v in value]
    if isinstance(value, Penalty):
        return {"$penalty": encode(penalty_fields(value), where)}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v, where) for v in value]}
    if isinstance(value, Mapping):
        return {"$map": [[encode(k, where), encode(v, where)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _DTYPE_KINDS or value.ndim != 1:
            raise ModelError(f"{where}: a {value.dtype} array of shape {value.shape} cannot be saved as JSON")
        return {"$array": [encode(v, where) for v in value.tolist()], "dtype": value.dtype.str}
    if isinstance(value, pd.DataFrame):
        return {"$frame": {"columns": encode(list(value.columns), where), "index": encode(list(value.index), where),
                           "data": [encode(value[c].to_numpy(), f"{where}[{c!r}]") for c in value.columns]}}  # fmt: skip
    raise ModelError(f"{where}: a {type(value).__name__} value ({value!r}) cannot be saved as JSON")


def decode(data: Any) -> Any:
    """The value :func:`encode` wrote; :class:`~autorisk.errors.ModelError` on anything else."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict) and len(data) >= 1:
        if set(data) == {"$map"}:
            return {_hashable(decode(k)): decode(v) for k, v in data["$map"]}
        if set(data) == {"$penalty"}:
            return Penalty(**decode(data["$penalty"]))
        if set(data) == {"$tuple"}:
            return tuple(decode(v) for v in data["$tuple"])
        if set(data) == {"$float"} and data["$float"] in ("nan", "inf", "-inf"):
            return float(data["$float"])
        if set(data) == {"$array", "dtype"}:
            dtype = np.dtype(str(data["dtype"]))
            if dtype.kind not in _DTYPE_KINDS:
                raise ModelError(f"a saved array has the unsupported dtype {dtype}")
            values = [decode(v) for v in data["$array"]]
            array = np.empty(len(values), dtype=dtype)
            array[:] = values
            return array
        if set(data) == {"$frame"}:
            frame = data["$frame"]
            columns = decode(frame["columns"])
            return pd.DataFrame(dict(zip(columns, (decode(c) for c in frame["data"]), strict=True)),
                                index=decode(frame["index"]))  # fmt: skip
    raise ModelError(f"the saved model holds a value autorisk does not write: {str(data)[:80]}")


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        raise ModelError(f"the saved model has a list as a mapping key: {key!r}")
    return key


# ------------------------------------------------------------------ design
def design_to_dict(design: Design) -> dict[str, Any]:
    """The fitted design as JSON data: its options and every term (parents by name).

    Parameters
    ----------
    design : Design
        A fitted design (a GLM's ``design_``).

    Returns
    -------
    dict
        ``{"state": ..., "terms": [...]}``, read back by :func:`design_from_dict`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> data = pd.DataFrame({"area": ["a", "b", "b"], "age": [20.0, 40.0, 60.0]})
    >>> design = Design(["area", "age"], bands={"age": [30.0, 50.0]}).fit(data, np.ones(3))
    >>> again = design_from_dict(json.loads(json.dumps(design_to_dict(design))))
    >>> again.transform(data).equals(design.transform(data))
    True
    """
    state = {name: encode(value, f"design.{name}") for name, value in vars(design).items() if name != "terms"}
    return {"state": state, "terms": [_term_to_dict(term) for term in design.terms]}


def design_from_dict(data: Mapping[str, Any]) -> Design:
    """The :class:`Design` :func:`design_to_dict` wrote (no fitting, no validation of new data).

    Parameters
    ----------
    data : mapping
        What :func:`design_to_dict` returned, read back from JSON.

    Returns
    -------
    Design

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> design = Design(["area"]).fit(pd.DataFrame({"area": ["a", "b", "b"]}), np.ones(3))
    >>> design_from_dict(design_to_dict(design)).terms[0].base_level
    'b'
    """
    design = Design.__new__(Design)
    for name, value in data["state"].items():
        setattr(design, name, decode(value))
    terms: dict[str, Term] = {}
    for item in data["terms"]:
        fields = {name: decode(value) for name, value in item.items() if name != "parents"}
        fields["parents"] = tuple(terms[name] for name in item.get("parents", []))
        terms[fields["name"]] = Term(**fields)
    design.terms = list(terms.values())
    return design


def _term_to_dict(term: Term) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in dataclasses.fields(term):
        value = getattr(term, field.name)
        if field.name == "parents":
            out["parents"] = [parent.name for parent in value]
        else:
            out[field.name] = encode(value, f"design term {term.name!r}: {field.name}")
    return out


# ------------------------------------------------------------------- models
def glm_to_dict(model: Any) -> dict[str, Any]:
    """A fitted pricing GLM as JSON data, header included (what ``save`` writes).

    Parameters
    ----------
    model : FrequencyGLM, SeverityGLM or TweedieGLM
        A fitted model.

    Returns
    -------
    dict

    Raises
    ------
    ModelError
        If a parameter or fitted value cannot be saved as JSON (a date or an
        arbitrary object as a level, say), naming it.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> X = pd.DataFrame({"area": ["a", "a", "b", "b"]})
    >>> saved = glm_to_dict(FrequencyGLM(["area"]).fit(X, [0, 1, 2, 1]))
    >>> saved["format"], saved["class"], saved["coefficients"]["names"]
    ('autorisk.glm', 'FrequencyGLM', ['(intercept)', 'area[b]'])
    """
    fitted = {name: value for name, value in vars(model).items() if name.endswith("_") and not name.startswith("_")}
    if "params_" not in fitted:
        raise ModelError(f"this {type(model).__name__} is not fitted: fit it before saving")
    family: Family = model.family_
    names = list(model.params_.index)
    document = _header(type(model).__name__)
    document.update(
        params=encode(model.get_params(deep=False), "params"),
        feature_names_in=encode(list(model.feature_names_in_), "feature_names_in_"),
        family={"name": family.name, "power": family.power, "fixed_dispersion": family.fixed_dispersion},
        design=design_to_dict(model.design_),
        coefficients={"names": names, "values": [float(v) for v in model.params_.to_numpy()]},
        covariance=[[float(v) for v in row] for row in model.cov_params_.loc[names, names].to_numpy()],
        dispersion={"method": getattr(model, "dispersion", "pearson"), "value": float(model.dispersion_)},
        training={name.rstrip("_"): encode(fitted[name], name) for name in _TRAINING if name in fitted},
        fitted={name: encode(value, name) for name, value in sorted(fitted.items()) if name not in _SECTIONS},
    )
    return document


def glm_from_dict(document: Mapping[str, Any], classes: Mapping[str, type]) -> Any:
    """The fitted GLM :func:`glm_to_dict` described, as an instance of ``classes[document["class"]]``.

    Parameters
    ----------
    document : mapping
        A saved model read from JSON (its header is checked).
    classes : mapping of str to class
        The estimator classes a file may name, by class name.

    Returns
    -------
    The fitted estimator.

    Raises
    ------
    ModelError
        Another format or format version, an unknown class, a corrupt value.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> X = pd.DataFrame({"area": ["a", "a", "b", "b"]})
    >>> model = FrequencyGLM(["area"]).fit(X, [0, 1, 2, 1])
    >>> again = glm_from_dict(glm_to_dict(model), {"FrequencyGLM": FrequencyGLM})
    >>> bool((again.predict(X) == model.predict(X)).all())
    True
    """
    check_header(document, "")
    klass = _class(document, classes)
    try:
        model = klass(**decode(document["params"]))
        names = list(document["coefficients"]["names"])
        values = np.array(document["coefficients"]["values"], dtype=float)
        model.design_ = design_from_dict(document["design"])
        model.params_ = pd.Series(values, index=names, name="coef")
        model.intercept_ = float(values[0])
        model.coef_ = values[1:].copy()
        model.cov_params_ = pd.DataFrame(np.array(document["covariance"], dtype=float), index=names, columns=names)
        model.family_ = Family(**document["family"])
        model.feature_names_in_ = np.asarray(decode(document["feature_names_in"]), dtype=object)
        model.n_features_in_ = len(model.feature_names_in_)
        model.dispersion_ = float(document["dispersion"]["value"])
        for name, value in {**document["training"], **document["fitted"]}.items():
            attribute = name if name.endswith("_") else f"{name}_"
            if not attribute.isidentifier() or attribute.startswith("_"):
                raise ModelError(f"the saved model names an attribute autorisk does not write: {name!r}")
            setattr(model, attribute, decode(value))
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"the saved {klass.__name__} is incomplete or corrupt: {type(error).__name__}: {error}") from None
    return model


def _header(kind: str) -> dict[str, Any]:
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "class": kind, "autorisk_version": autorisk.__version__}


def pair_header() -> dict[str, Any]:
    """The header of a saved :class:`~autorisk.models.FrequencySeverity` (its models go below it)."""
    return _header("FrequencySeverity")


def check_header(document: Any, source: str) -> None:
    """Refuse anything but a saved GLM of :data:`FORMAT_VERSION` (``source`` names the file)."""
    where = f"{source}: " if source else ""
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, Mapping) else type(document).__name__
        raise ModelError(f"{where}not a saved GLM (format {found!r}, expected {FORMAT!r})")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{where}format version {version!r} of {FORMAT} is not one this autorisk ({autorisk.__version__}) "
            f"reads: it reads version {FORMAT_VERSION}"
            + ("; saved by a newer autorisk? upgrade it" if isinstance(version, int) and version > FORMAT_VERSION else "")
        )


def _class(document: Mapping[str, Any], classes: Mapping[str, type]) -> type:
    name = document.get("class")
    if name not in classes:
        raise ModelError(f"the saved model is a {name!r}, expected one of {sorted(classes)}")
    return classes[name]


# -------------------------------------------------------------------- files
def write(document: Mapping[str, Any], path: str | Path) -> Path:
    """Write a saved model as JSON (strict: no NaN tokens) and return its path.

    The text goes to a temporary file beside ``path`` that then replaces it,
    so a failed save never leaves half a model where a whole one was.
    """
    target = Path(path)
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)
    return target


def read_json(source: Path, what: str) -> Any:
    """The JSON document of a saved model file; :class:`~autorisk.errors.ModelError` naming ``what`` if it is not JSON."""
    try:
        return json.loads(source.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{source}: not a saved {what} (not JSON: {error})") from None


def read(path: str | Path) -> dict[str, Any]:
    """Read and check a saved model file: :class:`~autorisk.errors.ModelError` if it is not one."""
    source = Path(path)
    if not source.is_file():
        raise ModelError(f"{source}: no saved model there (no such file)")
    document = read_json(source, "GLM")
    check_header(document, str(source))
    return document


__all__ = ["FORMAT", "FORMAT_VERSION", "design_from_dict", "design_to_dict", "glm_from_dict", "glm_to_dict"]
