"""autorisk: actuarial pricing and risk analytics for motor insurance.

Subpackages
-----------
data
    Policy and claims tables: schema, validation, exposure, claim aggregation.
datasets
    Real public motor datasets (``load``) and a synthetic Chinese motor book
    with known truth (``synthetic_book``).
analytics
    Experience tables, credibility, risk segmentation, monitoring and drift.
models
    Frequency, severity and Tweedie GLMs (glum) and GBMs (LightGBM), with
    coefficient tables, tests and refinement of relativities.
demand
    Retention and conversion models (logistic GLMs, LightGBM), monotone in
    price; elasticity by segment and retention curves.
evaluate
    Deviance, Gini and Lorenz curves, calibration, lift and double lift,
    bootstrap intervals and ``compare``.
explain
    Partial dependence, SHAP effects, interaction ranking and a tariff from a GBM.
rating
    Rating plans: factor tables, bands, interactions, NCD ladders, bounded
    coefficients, loadings, taxes and regulatory bounds; vectorised quotes;
    versioned JSON; the China motor template.
renewal
    NCD / bonus-malus ladders, renewal offers with caps and the
    new-business-price rule, dislocation, mid-term changes and refunds.
batch
    Chunked, resumable re-rating of a parquet book, locally or on Dask.
reserving
    Triangles from claim data; Mack chain ladder and Bornhuetter-Ferguson.
indication
    Overall rate-level indication by the loss-ratio and pure-premium methods.
report
    Self-contained HTML reports.
errors
    The exception hierarchy every bad input ends in.

Examples
--------
>>> import autorisk
>>> autorisk.__version__
'0.1.0'
"""

from autorisk import errors

__version__ = "0.1.0"

__all__ = ["__version__", "errors"]
