"""Motor insurance datasets: real public books and a synthetic book with known truth.

- :func:`load` returns one of the bundled CASdatasets tables as a tidy frame;
  :func:`list_datasets` and :func:`describe` document them.
- :func:`synthetic_book` simulates a Chinese private-car book whose frequency
  and severity are drawn from a known model, returned in its
  :class:`SyntheticTruth`.
- :func:`renewal_quotes` simulates a renewal book (technical, last, offered
  and market premiums) whose customers renew by a known
  :class:`DemandTruth`; :func:`price_test` randomises the offered price over
  arms, the design in which a demand model can recover price sensitivity.
"""

from autorisk.datasets.demand import DemandTruth
from autorisk.datasets.experiment import price_test
from autorisk.datasets.loaders import data_dir, dataset_info, describe, list_datasets, load
from autorisk.datasets.renewal_book import RenewalBook, RenewalPricing, renewal_quotes
from autorisk.datasets.synthetic import SyntheticBook, synthetic_book
from autorisk.datasets.truth import SyntheticTruth

__all__ = [
    "DemandTruth",
    "RenewalBook",
    "RenewalPricing",
    "SyntheticBook",
    "SyntheticTruth",
    "data_dir",
    "dataset_info",
    "describe",
    "list_datasets",
    "load",
    "price_test",
    "renewal_quotes",
    "synthetic_book",
]
