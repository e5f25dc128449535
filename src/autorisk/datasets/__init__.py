"""Motor insurance datasets: real public books and a synthetic book with known truth.

- :func:`load` returns one of the bundled CASdatasets tables as a tidy frame;
  :func:`list_datasets` and :func:`describe` document them.
- :func:`synthetic_book` simulates a Chinese private-car book whose frequency
  and severity are drawn from a known model, returned in its
  :class:`SyntheticTruth`.
"""

from autorisk.datasets.loaders import data_dir, dataset_info, describe, list_datasets, load
from autorisk.datasets.synthetic import SyntheticBook, synthetic_book
from autorisk.datasets.truth import SyntheticTruth

__all__ = [
    "SyntheticBook",
    "SyntheticTruth",
    "data_dir",
    "dataset_info",
    "describe",
    "list_datasets",
    "load",
    "synthetic_book",
]
