"""Vehicle makes and models for the synthetic book, with a known frequency effect.

``synthetic_book(..., vehicles=True)`` gives every policy a ``make`` and a
``model`` (kept at renewal) and multiplies its claim frequency, on every
coverage, by a known vehicle relativity::

    relativity(model) = make_effect[make] * model_effect[model]

Both effects are mean-one log-normal: ``exp(N(-s**2 / 2, s))`` with
``s = MAKE_SIGMA`` (0.25) for makes and ``s = MODEL_SIGMA`` (0.35) for models
within their make, drawn per seed. The catalogue (:data:`MAKES`, 36 makes,
:data:`N_MODELS` models, 2 to 25 per make) is fixed; the share of new business
going to each model is Zipf-like, ``1 / rank ** ZIPF_EXPONENT`` over a seeded
random ranking, so a few models carry most of the book and many are thin.

All the randomness comes from its own stream,
``np.random.SeedSequence(seed).spawn(VEHICLE_STREAM + 1)[VEHICLE_STREAM]``,
so the book's own draws are unchanged: the first year's policies are
exactly as without vehicles; the claims differ (the frequencies do), and
with them the later years' renewals (NCD moves, lapses after a claim). The truth is kept in
``truth.generation["vehicles"]``, a :class:`VehicleTruth`.

Examples
--------
>>> truth, _ = simulate_vehicles(seed=0)
>>> len(truth.models), truth.models["make"].nunique()
(400, 36)
>>> bool(abs(truth.true_k - 1 / (np.exp(MODEL_SIGMA ** 2) - 1)) < 1e-12)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAKES = (
    "BYD", "Geely", "Changan", "Chery", "Great Wall", "Haval", "GAC", "SAIC Roewe", "MG",
    "Wuling", "Baojun", "Hongqi", "NIO", "XPeng", "Li Auto", "Zeekr", "Lynk", "Tank",
    "Volkswagen", "Toyota", "Honda", "Nissan", "Buick", "Chevrolet", "Ford", "Hyundai",
    "Kia", "Mazda", "BMW", "Mercedes-Benz", "Audi", "Tesla", "Volvo", "Cadillac", "Lexus",
    "Porsche",
)  # fmt: skip
N_MODELS = 400
MIN_MODELS_PER_MAKE = 2
MAX_MODELS_PER_MAKE = 25
MAKE_SIGMA = 0.25
MODEL_SIGMA = 0.35
ZIPF_EXPONENT = 1.1
#: Child of ``SeedSequence(seed)`` that draws the vehicles (other streams may take other children).
VEHICLE_STREAM = 1
_CATALOGUE_SEED = 20_161  # the catalogue (names, models per make) is the same for every book


@dataclass(frozen=True)
class VehicleTruth:
    """The vehicle catalogue of a synthetic book and its true frequency effect.

    Attributes
    ----------
    models : DataFrame
        One row per model: ``make``, ``model``, ``share`` (of new business),
        ``make_effect``, ``model_effect`` and ``relativity`` (their product).
    make_sigma, model_sigma : float
        Standard deviations of the log effects.

    Examples
    --------
    >>> truth = simulate_vehicles(seed=3)[0]
    >>> row = truth.models.iloc[0]
    >>> bool(np.isclose(row["relativity"], row["make_effect"] * row["model_effect"]))
    True
    """

    models: pd.DataFrame
    make_sigma: float
    model_sigma: float

    @property
    def true_k(self) -> float:
        """Buhlmann-Straub ``k`` of the model level within its make, in expected claims.

        For Poisson counts with a mean-one effect ``theta`` the within
        variance per unit of expected claims is ``E[theta] = 1`` and the
        between variance ``Var(theta) = exp(s**2) - 1``, so
        ``k = 1 / (exp(s**2) - 1)``.

        Examples
        --------
        >>> round(simulate_vehicles(seed=0)[0].true_k, 2)
        7.67
        """
        return float(1.0 / np.expm1(self.model_sigma**2))

    def relativity(self, policies: pd.DataFrame) -> np.ndarray:
        """True vehicle relativity of each policy (by its ``model`` column).

        Parameters
        ----------
        policies : DataFrame
            With a ``model`` column holding catalogue names.

        Returns
        -------
        ndarray
            One multiplier of the claim frequency per row.

        Examples
        --------
        >>> truth, _ = simulate_vehicles(seed=0)
        >>> truth.relativity(truth.models.head(2)).round(3).tolist() == truth.models["relativity"].head(2).round(3).tolist()
        True
        """
        lookup = pd.Series(self.models["relativity"].to_numpy(), index=self.models["model"])
        return lookup.reindex(np.asarray(policies["model"], dtype=object)).to_numpy(
            dtype=np.float64
        )


def _catalogue() -> tuple[np.ndarray, list[str]]:
    """Make code of each model and the model names (fixed, independent of the book's seed)."""
    rng = np.random.default_rng(_CATALOGUE_SEED)
    n_makes = len(MAKES)
    spare = N_MODELS - MIN_MODELS_PER_MAKE * n_makes
    weights = rng.dirichlet(np.full(n_makes, 0.8))
    extra = np.minimum(rng.multinomial(spare, weights), MAX_MODELS_PER_MAKE - MIN_MODELS_PER_MAKE)
    while extra.sum() < spare:  # top up the makes below the cap, one model at a time
        room = np.flatnonzero(extra < MAX_MODELS_PER_MAKE - MIN_MODELS_PER_MAKE)
        extra[rng.choice(room)] += 1
    counts = MIN_MODELS_PER_MAKE + extra
    make_of_model = np.repeat(np.arange(n_makes), counts)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    names = []
    for make, count in zip(MAKES, counts, strict=True):
        picks = rng.choice(len(letters) * 9, size=count, replace=False)
        names += [f"{make} {letters[p // 9]}{p % 9 + 1}" for p in picks]
    return make_of_model, names


def simulate_vehicles(seed: int, n_policy_ids: int = 0) -> tuple[VehicleTruth, np.ndarray]:
    """Draw the vehicle effects of a book's seed and the model of each policy id.

    Parameters
    ----------
    seed : int
        The book's seed; the draws use the stream ``VEHICLE_STREAM`` of
        ``SeedSequence(seed)`` (see :func:`vehicle_rng`).
    n_policy_ids : int, default 0
        Largest policy id to give a model; the effects do not depend on it.

    Returns
    -------
    truth : VehicleTruth
    model_of_id : ndarray of int16
        Row of ``truth.models`` for policy ids ``0 .. n_policy_ids`` (id 0 unused),
        drawn by the new-business shares.

    Examples
    --------
    >>> (a, ids), (b, _) = simulate_vehicles(1, 100), simulate_vehicles(1)
    >>> a.models.equals(b.models), round(float(a.models["share"].sum()), 12), ids.shape
    (True, 1.0, (101,))
    """
    rng = vehicle_rng(seed)
    make_of_model, names = _catalogue()
    n_makes = len(MAKES)
    make_effect = np.exp(rng.normal(-(MAKE_SIGMA**2) / 2, MAKE_SIGMA, n_makes))
    model_effect = np.exp(rng.normal(-(MODEL_SIGMA**2) / 2, MODEL_SIGMA, N_MODELS))
    rank = rng.permutation(N_MODELS) + 1
    share = 1.0 / rank**ZIPF_EXPONENT
    share /= share.sum()
    models = pd.DataFrame(
        {
            "make": np.asarray(MAKES, dtype=object)[make_of_model],
            "model": names,
            "share": share,
            "make_effect": make_effect[make_of_model],
            "model_effect": model_effect,
        }
    )
    models["relativity"] = models["make_effect"] * models["model_effect"]
    cdf = np.cumsum(share)
    cdf /= cdf[-1]
    model_of_id = np.searchsorted(cdf, rng.random(n_policy_ids + 1), side="right").astype(np.int16)
    return VehicleTruth(models, MAKE_SIGMA, MODEL_SIGMA), model_of_id


def vehicle_rng(seed: int) -> np.random.Generator:
    """The generator of the vehicle stream of a book's seed (independent of the book's own).

    Parameters
    ----------
    seed : int
        The book's seed.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> float(vehicle_rng(0).random()) == float(vehicle_rng(0).random())
    True
    """
    child = np.random.SeedSequence(seed).spawn(VEHICLE_STREAM + 1)[VEHICLE_STREAM]
    return np.random.default_rng(child)


def vehicle_columns(truth: VehicleTruth, codes: np.ndarray) -> dict[str, pd.Categorical]:
    """The ``make`` and ``model`` columns of the policy table from model codes.

    Parameters
    ----------
    truth : VehicleTruth
        The catalogue.
    codes : ndarray of int
        Model code of each policy period.

    Returns
    -------
    dict
        ``{"make": Categorical, "model": Categorical}``, categories in catalogue order.

    Examples
    --------
    >>> truth, _ = simulate_vehicles(seed=0)
    >>> columns = vehicle_columns(truth, np.array([0, 0, 5]))
    >>> list(columns), len(columns["model"].categories)
    (['make', 'model'], 400)
    """
    makes = list(MAKES)
    make_code = pd.Categorical(truth.models["make"], categories=makes).codes
    return {
        "make": pd.Categorical.from_codes(make_code[codes], categories=makes),
        "model": pd.Categorical.from_codes(codes, categories=list(truth.models["model"])),
    }


__all__ = ["VehicleTruth", "simulate_vehicles", "vehicle_columns", "vehicle_rng"]
