"""autorisk: actuarial pricing and risk analytics for motor insurance.

Subpackages
-----------
data
    Policy and claims tables: schema, validation, exposure, claim aggregation.
datasets
    Real public motor datasets (``load``) and a synthetic Chinese motor book
    with known truth (``synthetic_book``).
analytics
    Experience tables and portfolio summaries.
errors
    The exception hierarchy every bad input ends in.
"""

from autorisk import errors

__version__ = "0.1.0"

__all__ = ["__version__", "errors"]
