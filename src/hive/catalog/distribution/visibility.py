"""The one rule of what a tenant sees, as SQL for other statements.

The rule is the SQL function ``tenant_visible_products(tenant)`` (migration 0017); this module
only says how a statement over ``products p`` uses it, so every read path — pool search on the
workbench, the library, the Open API — filters the same way.
"""

from __future__ import annotations


def visible_condition(tenant: str = ":tenant") -> str:
    """A condition on ``products p``: the product is in one of the pools of the tenant given
    by the SQL expression ``tenant`` (a bound parameter such as ``:tenant``, or a column).
    ``tenant`` is code, never input."""
    return f"p.id IN (SELECT v.product_id FROM tenant_visible_products({tenant}) v)"  # noqa: S608
