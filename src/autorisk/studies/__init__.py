"""Worked studies on the bundled real data (used by the demo, the tests and the notebooks)."""
