"""Policy and claims tables: schema, validation, exposure, periods and claim aggregation.

1. Map your column names once: ``columns={"policy_id": "IDpol", "exposure": "Expo"}``.
2. :func:`validate_policies` / :func:`validate_claims` return canonical ``valid`` rows and ``rejected`` rows with reasons;
   policies' factors are checked by declared type and range (``numeric=``, ``ranges=``, ``levels=``), claims may
   come keyed on several columns (``on=``), with ids repeating per policy or none (``claim_ids=``), with
   recoveries (``negative=``) and nil claims (``zero=``).
3. :func:`merge_periods` joins contiguous renewals; :func:`split_exposure` cuts periods by calendar year or cut-off dates.
4. :func:`link_claims` and :func:`aggregate_claims` attach claims to the period containing their occurrence date.
5. :func:`exposure_column` / :func:`numeric_column` check per-row arrays given beside a table (models, explanations).
6. Every bad input raises :class:`~autorisk.errors.DataError` naming the column, values, rows and expectation.
"""

from autorisk.data.arrays import exposure_column, numeric_column
from autorisk.data.claims import aggregate_claims, large_loss_loading, link_claims
from autorisk.data.exposure import earned_exposure, split_exposure
from autorisk.data.periods import merge_periods
from autorisk.data.schema import CLAIM_COLUMNS, POLICY_COLUMNS, ColumnSpec, TableSchema, standardize
from autorisk.data.validation import ValidationResult, validate_claims, validate_policies

__all__ = [
    "CLAIM_COLUMNS",
    "POLICY_COLUMNS",
    "ColumnSpec",
    "TableSchema",
    "ValidationResult",
    "aggregate_claims",
    "earned_exposure",
    "exposure_column",
    "large_loss_loading",
    "link_claims",
    "merge_periods",
    "numeric_column",
    "split_exposure",
    "standardize",
    "validate_claims",
    "validate_policies",
]
