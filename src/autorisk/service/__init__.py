"""The quoting service: rating plans served over HTTP (FastAPI on uvicorn), with deployment, audit and metrics."""
