"""Tests of autorisk.batch (a package, so its conftest does not clash with tests/conftest.py under --doctest-modules)."""
