"""The quoting service: rating plans served over HTTP (FastAPI on uvicorn), with deployment, audit and metrics.

Install with ``pip install autorisk[service]``; start with ``autorisk serve --plans plans/``.
:func:`create_app` builds the ASGI application from a :class:`ServiceConfig`.
"""

from autorisk.service.app import create_app
from autorisk.service.config import ServiceConfig

__all__ = ["ServiceConfig", "create_app"]
