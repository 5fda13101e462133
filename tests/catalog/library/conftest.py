"""The library tests use the distribution tests' world (pool, categories, three tenants)."""

from tests.catalog.distribution.conftest import world

__all__ = ["world"]
