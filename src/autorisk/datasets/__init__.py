"""Motor insurance datasets: real public books and a synthetic book with known truth.

- :func:`load` returns one of the bundled CASdatasets tables as a tidy frame;
  :func:`list_datasets` and :func:`describe` document them.
"""

from autorisk.datasets.loaders import data_dir, dataset_info, describe, list_datasets, load

__all__ = ["data_dir", "dataset_info", "describe", "list_datasets", "load"]
