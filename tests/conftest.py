"""Suite-wide settings."""

import os

import pytest
from hypothesis import settings
from threadpoolctl import threadpool_limits

# The suite is a gate: the same checkout gives the same examples ("ci", the default). Searching
# for new counterexamples is a separate run: HYPOTHESIS_PROFILE=explore make test.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    """Run BLAS/OpenMP single-threaded: on a busy 2-core runner, threads make the many
    small GLM solves 5-20x slower, and the numbers do not depend on it."""
    with threadpool_limits(1):
        yield
