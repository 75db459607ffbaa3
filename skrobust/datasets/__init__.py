"""Data sets: a synthetic generator with known tag noise, and loaders for real data."""

from skrobust.datasets._synthetic import make_tagged_classification

__all__ = ["make_tagged_classification"]
