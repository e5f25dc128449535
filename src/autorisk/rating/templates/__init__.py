"""Rating plan templates shipped as data."""
