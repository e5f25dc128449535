"""What is read off a fitted pricing GLM, and how it is saved: the results half of the estimators.

:class:`GLMResults` is a base class of the GLM engine
(:class:`autorisk.models.glm_engine._PricingGLM`): coefficient and relativity
tables, drop-one tests and the summary (computed by
:mod:`autorisk.models.inference`, which sits above the engine and is
imported when a result is asked for), and ``save`` / ``load`` as JSON
(:mod:`autorisk.models.persistence`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sklearn.utils.validation import check_is_fitted

from autorisk.errors import ModelError
from autorisk.models import persistence

if TYPE_CHECKING:
    from autorisk.models.diagnostics import GLMDiagnostics
    from autorisk.models.inference import GLMSummary


#: The estimator classes a saved GLM may name, by class name: the public
#: subclasses defined in :mod:`autorisk.models.glm` (registered as they are defined).
SAVED_CLASSES: dict[str, type] = {}


class GLMResults:
    """Tables, tests, summary, save and load of a fitted pricing GLM (a base class of the engine)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__ == "autorisk.models.glm" and not cls.__name__.startswith("_"):
            SAVED_CLASSES[cls.__name__] = cls

    # The helpers that read a fitted model (inference) sit above the engine and
    # import it, so the engine imports them only when a result is asked for.
    def coef_table(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficients, standard errors, z, p-values, intervals and relativities, base levels included."""
        from autorisk.models import inference

        check_is_fitted(self, "params_")
        return inference.coef_table(self, level)

    def relativities(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy relativity tables: factor, level, relativity, interval and exposure per level."""
        from autorisk.models import inference

        check_is_fitted(self, "params_")
        return inference.relativities(self, level)

    def drop_one(self, X: pd.DataFrame, y: Any, **fit_params: Any) -> pd.DataFrame:
        """Type III likelihood-ratio test of each factor: refit without it and compare."""
        from autorisk.models import inference

        check_is_fitted(self, "params_")
        return inference.drop_one(self, X, y, **fit_params)

    def diagnostics(self, X: pd.DataFrame, y: Any, *, seed: int | None = 0, **fit_params: Any) -> GLMDiagnostics:
        """Residuals, leverage and Cook's distance on the training data (see :func:`~autorisk.models.diagnostics.diagnose`)."""
        from autorisk.models import diagnostics

        return diagnostics.diagnose(self, X, y, seed=seed, **fit_params)

    def summary(self) -> GLMSummary:
        """Compact statsmodels-style summary; renders as HTML in Jupyter."""
        from autorisk.models import inference

        check_is_fitted(self, "params_")
        return inference.GLMSummary(self)


    # ------------------------------------------------------------ save, load
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to the JSON file ``path`` and return the path.

        The file holds the design (terms, levels, base levels, bands, spline
        knots, groups, restrictions, the unseen and missing policies), the
        coefficients, their covariance, the dispersion and the training
        statistics, with the autorisk version and the format version (see
        :mod:`autorisk.models.persistence`). No pickle: :meth:`load` reads it
        back without running code, and the loaded model predicts bit-identically.

        Parameters
        ----------
        path : str or Path
            The file to write (its folder must exist), e.g. ``"frequency.json"``.

        Returns
        -------
        Path

        Raises
        ------
        ModelError
            If the model is not fitted, or holds a level or parameter JSON
            cannot hold (a date, an arbitrary object), naming it.
        """
        check_is_fitted(self, "params_")
        return persistence.write(persistence.glm_to_dict(self), path)

    @classmethod
    def load(cls, path: str | Path) -> Any:
        """Read a model written by :meth:`save` (of this class, or any GLM class when called on the base).

        Parameters
        ----------
        path : str or Path
            The JSON file :meth:`save` wrote.

        Returns
        -------
        FrequencyGLM, SeverityGLM or TweedieGLM
            The class that was saved; its predictions are bit-identical.

        Raises
        ------
        ModelError
            If the file is not a saved GLM, is of another format version, or
            holds another class than ``cls``.
        """
        document = persistence.read(path)
        classes = {name: klass for name, klass in SAVED_CLASSES.items() if issubclass(klass, cls)}
        if document.get("class") in SAVED_CLASSES and document["class"] not in classes:
            raise ModelError(f"{path} holds a {document['class']}, not a {cls.__name__}")
        return persistence.glm_from_dict(document, classes)

