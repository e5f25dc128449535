"""Read any saved autorisk model, whatever its kind: :func:`load_model`.

The top of the models layers: it knows every estimator class (GLMs, the
frequency-severity pair, GBMs) and dispatches on what the file says it holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autorisk.errors import ModelError
from autorisk.models import gbm, persistence
from autorisk.models.glm import FrequencyGLM, SeverityGLM, TweedieGLM
from autorisk.models.pair import FrequencySeverity


def load_model(path: str | Path) -> Any:
    """Read a saved GLM, frequency-severity pair or GBM; the kind is read from the file.

    Parameters
    ----------
    path : str or Path
        A JSON file written by ``FrequencyGLM.save`` (``SeverityGLM``,
        ``TweedieGLM``) or ``FrequencySeverity.save``; or a folder written by
        a GBM's ``save`` (or the ``metadata.json`` file in it).

    Returns
    -------
    FrequencyGLM, SeverityGLM, TweedieGLM, FrequencySeverity, FrequencyGBM, SeverityGBM or TweedieGBM
        The model that was saved, predicting bit-identically.

    Raises
    ------
    ModelError
        If nothing is there, the file is not a saved autorisk model, or it is
        of a format version this autorisk does not read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> X = pd.DataFrame({"area": ["a", "a", "b", "b"]})
    >>> model = FrequencyGLM(["area"]).fit(X, [0, 1, 2, 1])
    >>> again = load_model(model.save(pathlib.Path(tempfile.mkdtemp()) / "frequency.json"))
    >>> type(again).__name__, bool((again.predict(X) == model.predict(X)).all())
    ('FrequencyGLM', True)
    """
    source = Path(path)
    if source.is_dir():
        return gbm.load_gbm(source)
    if not source.is_file():
        raise ModelError(f"{source}: no saved model there (no such file or folder)")
    document = persistence.read_json(source, "autorisk model")
    kind = document.get("format") if isinstance(document, dict) else None
    if kind == gbm.FORMAT:  # the metadata file of a saved GBM: the model is its folder
        return gbm.load_gbm(source.parent)
    if kind != persistence.FORMAT:
        raise ModelError(
            f"{source}: not a saved autorisk model (format {kind!r}; expected {persistence.FORMAT!r} "
            f"or a GBM folder with {gbm.METADATA_FILE})"
        )
    persistence.check_header(document, str(source))
    if document.get("class") == FrequencySeverity.__name__:
        return FrequencySeverity._from_document(document, str(source))
    return persistence.glm_from_dict(document, {c.__name__: c for c in (FrequencyGLM, SeverityGLM, TweedieGLM)})


__all__ = ["load_model"]
