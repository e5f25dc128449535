"""Suite-wide settings."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    """Run BLAS/OpenMP single-threaded: on a busy 2-core runner, threads make the many
    small GLM solves 5-20x slower, and the numbers do not depend on it."""
    with threadpool_limits(1):
        yield
