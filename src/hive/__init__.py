"""Hive: an aggregated supply-chain platform (S2B2C)."""

__version__ = "0.1.0"
