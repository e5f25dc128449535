"""Settings of the quoting service, from arguments or the environment (uvicorn workers read them there)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from autorisk.errors import ParameterError

#: Environment variables the service reads.
TOKEN_ENV, TOKEN_FILE_ENV, CONFIG_ENV = "AUTORISK_ADMIN_TOKEN", "AUTORISK_ADMIN_TOKEN_FILE", "AUTORISK_SERVICE_CONFIG"
LOG_ENV = "AUTORISK_SERVICE_LOG_LEVEL"


@dataclass(frozen=True)
class ServiceConfig:
    """What one quoting service serves and how.

    Parameters
    ----------
    plans : path
        Folder of plan JSON files (``*.json``); retired versions move to
        ``plans/retired/``, deployments are logged in ``plans/deployments.jsonl``.
    audit : str
        Audit store: ``sqlite:///quotes.db`` (a file, the default) or a
        ``postgresql://`` URL.
    max_batch : int
        Most policies one ``/quotes`` request may carry.
    max_quote_bytes, max_batch_bytes : int
        Largest request body of a single quote and of a batch (413 above).
    extra_fields : {"refuse", "ignore"}
        A policy field no factor reads: a 422 problem, or ignored.
    poll_seconds : float
        How often the plans folder is re-read for dropped or removed files
        (0: only on SIGHUP and on the admin endpoints).
    admin_token : str, optional
        Bearer token of the admin endpoints (publish, retire); without one they
        are disabled (403). Read from ``AUTORISK_ADMIN_TOKEN`` or the file named
        by ``AUTORISK_ADMIN_TOKEN_FILE`` by :meth:`with_token_from_env`; never a default.

    Examples
    --------
    >>> config = ServiceConfig("plans", max_batch=1000)
    >>> ServiceConfig.from_json(config.to_json()) == config
    True
    """

    plans: str | Path
    audit: str = "sqlite:///quotes.db"
    max_batch: int = 100_000
    max_quote_bytes: int = 64 * 1024
    max_batch_bytes: int = 256 * 1024 * 1024
    extra_fields: Literal["refuse", "ignore"] = "refuse"
    poll_seconds: float = 2.0
    admin_token: str | None = None

    def __post_init__(self) -> None:
        if self.extra_fields not in ("refuse", "ignore"):
            raise ParameterError(f"extra_fields must be 'refuse' or 'ignore', got {self.extra_fields!r}")
        for name in ("max_batch", "max_quote_bytes", "max_batch_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ParameterError(f"{name} must be a positive integer, got {value!r}")
        if not self.poll_seconds >= 0:
            raise ParameterError(f"poll_seconds must be >= 0, got {self.poll_seconds!r}")
        if self.admin_token is not None and len(self.admin_token) < 16:
            raise ParameterError("the admin token must have at least 16 characters")

    def with_token_from_env(self) -> ServiceConfig:
        """This config with the admin token of the environment (variable, else file), if any."""
        token = os.environ.get(TOKEN_ENV)
        path = os.environ.get(TOKEN_FILE_ENV)
        if not token and path:
            try:
                token = Path(path).read_text().strip()
            except OSError as error:
                raise ParameterError(f"{TOKEN_FILE_ENV}={path!r}: {error.strerror}") from None
        if not token:
            return self
        return ServiceConfig(**{**asdict(self), "admin_token": token})

    def to_json(self) -> str:
        """The config as JSON, without the token (workers read the token from the environment)."""
        data = asdict(self)
        data["plans"] = str(data["plans"])
        data["admin_token"] = None
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> ServiceConfig:
        """The config of :meth:`to_json`."""
        return cls(**json.loads(text))
