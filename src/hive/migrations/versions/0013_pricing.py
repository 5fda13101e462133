"""pricing: rules, bands, category floors, materialised prices, special prices

Prices are materialised per (product, customer grade) in ``product_prices`` and per tenant in
``pricing_special_prices`` (periods of one tenant and product never overlap: an exclusion
constraint, hence ``btree_gist``). ``tenant_price_fen(tenant, product)`` is the one read of a
tenant's price: the special price valid now, else the price of the tenant's grade, else NULL.

Tenants read only their own grade's price (row-level security through ``tenants``, as
``customer_grades`` does since 0008), and of it only the price: floors and flags tell the
purchase price. Their own special prices they read, never write. Rules, bands, floors and
runs are the platform's.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 08:46:36.974599
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hive.migrations.helpers import share_platform_table
from hive.platform import rls
from hive.platform.db import PLATFORM_ROLE, TENANT_ROLE

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "pricing_reprice_runs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("total", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("done", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("changed", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'finished', 'failed')",
            name=op.f("ck_pricing_reprice_runs_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricing_reprice_runs")),
    )
    op.create_table(
        "pricing_category_floors",
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("min_margin_percent", sa.Numeric(precision=8, scale=4), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "min_margin_percent >= 0 AND min_margin_percent <= 1000",
            name=op.f("ck_pricing_category_floors_margin"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_pricing_category_floors_category_id_categories"),
        ),
        sa.PrimaryKeyConstraint("category_id", name=op.f("pk_pricing_category_floors")),
    )
    op.create_table(
        "pricing_rules",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("brand", sa.String(length=128), nullable=True),
        sa.Column("product_id", sa.BigInteger(), nullable=True),
        sa.Column("base", sa.String(length=16), nullable=False),
        sa.Column("percent", sa.Numeric(precision=8, scale=4), nullable=False),
        sa.Column("rounding", sa.String(length=8), nullable=False),
        sa.Column("allow_above_retail", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(base = 'cost_plus' AND percent >= 0 AND percent <= 1000) "
            "OR (base = 'retail_discount' AND percent >= 0 AND percent < 100)",
            name=op.f("ck_pricing_rules_percent"),
        ),
        sa.CheckConstraint(
            "(scope = 'category') = (category_id IS NOT NULL) "
            "AND (scope = 'brand') = (brand IS NOT NULL) "
            "AND (scope = 'product') = (product_id IS NOT NULL)",
            name=op.f("ck_pricing_rules_scope_target"),
        ),
        sa.CheckConstraint(
            "base IN ('cost_plus', 'retail_discount')", name=op.f("ck_pricing_rules_base")
        ),
        sa.CheckConstraint(
            "rounding IN ('fen', 'jiao', 'nine')", name=op.f("ck_pricing_rules_rounding")
        ),
        sa.CheckConstraint(
            "scope IN ('default', 'category', 'brand', 'product')",
            name=op.f("ck_pricing_rules_scope"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_pricing_rules_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_pricing_rules_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricing_rules")),
    )
    op.create_index("uq_pricing_rules_brand", "pricing_rules", ["brand"], unique=True)
    op.create_index("uq_pricing_rules_category_id", "pricing_rules", ["category_id"], unique=True)
    op.create_index(
        "uq_pricing_rules_default",
        "pricing_rules",
        ["scope"],
        unique=True,
        postgresql_where="scope = 'default'",
    )
    op.create_index("uq_pricing_rules_product_id", "pricing_rules", ["product_id"], unique=True)
    op.create_table(
        "pricing_special_prices",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("effective_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("floor_hit", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        postgresql.ExcludeConstraint(
            (sa.column("tenant_id"), "="),
            (sa.column("product_id"), "="),
            (sa.text("tstzrange(valid_from, valid_until)"), "&&"),
            using="gist",
            name="ex_pricing_special_prices_overlap",
        ),
        sa.CheckConstraint("price_fen > 0", name=op.f("ck_pricing_special_prices_price")),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until > valid_from",
            name=op.f("ck_pricing_special_prices_period"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_pricing_special_prices_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_pricing_special_prices_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricing_special_prices")),
    )
    op.create_index(
        "ix_pricing_special_prices_product_id",
        "pricing_special_prices",
        ["product_id"],
        unique=False,
    )
    op.create_table(
        "pricing_bands",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("min_fen", sa.BigInteger(), nullable=False),
        sa.Column("max_fen", sa.BigInteger(), nullable=True),
        sa.Column("adjust_percent", sa.Numeric(precision=8, scale=4), nullable=False),
        postgresql.ExcludeConstraint(
            (sa.column("rule_id"), "="),
            (sa.text("int8range(min_fen, max_fen)"), "&&"),
            using="gist",
            name="ex_pricing_bands_overlap",
        ),
        sa.CheckConstraint(
            "adjust_percent > -100 AND adjust_percent <= 1000", name=op.f("ck_pricing_bands_adjust")
        ),
        sa.CheckConstraint(
            "min_fen >= 0 AND (max_fen IS NULL OR max_fen > min_fen)",
            name=op.f("ck_pricing_bands_range"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["pricing_rules.id"],
            name=op.f("fk_pricing_bands_rule_id_pricing_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricing_bands")),
    )
    op.create_table(
        "product_prices",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("grade_id", sa.BigInteger(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("floor_fen", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=True),
        sa.Column("floor_hit", sa.Boolean(), nullable=False),
        sa.Column("ceiling_hit", sa.Boolean(), nullable=False),
        sa.Column("below_cost", sa.Boolean(), nullable=False),
        sa.Column("no_fit", sa.Boolean(), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["grade_id"],
            ["customer_grades.id"],
            name=op.f("fk_product_prices_grade_id_customer_grades"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_prices_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["pricing_rules.id"],
            name=op.f("fk_product_prices_rule_id_pricing_rules"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("product_id", "grade_id", name=op.f("pk_product_prices")),
    )
    op.create_index(
        "ix_product_prices_below_cost",
        "product_prices",
        ["product_id"],
        unique=False,
        postgresql_where="below_cost",
    )
    op.create_index("ix_product_prices_grade_id", "product_prices", ["grade_id"], unique=False)
    _secure()
    op.execute(TENANT_PRICE_FUNCTION)
    op.execute(
        f"GRANT EXECUTE ON FUNCTION {TENANT_PRICE_SIGNATURE} TO {PLATFORM_ROLE}, {TENANT_ROLE}"
    )
    # Until operators say otherwise, tenants pay the supplier's retail price (what they saw
    # before pricing existed), rounded to the fen.
    op.execute(
        "INSERT INTO pricing_rules (scope, base, percent, rounding, allow_above_retail) "
        "VALUES ('default', 'retail_discount', 0, 'fen', false)"
    )


PLATFORM_ONLY = (
    "pricing_rules",
    "pricing_bands",
    "pricing_category_floors",
    "pricing_reprice_runs",
)
TENANT_PRICE_SIGNATURE = "tenant_price_fen(bigint, bigint)"
# SECURITY INVOKER: called by the tenant role, it sees that tenant's rows only, so asking for
# another tenant's price gives NULL.
TENANT_PRICE_FUNCTION = """
CREATE FUNCTION tenant_price_fen(p_tenant_id bigint, p_product_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT s.effective_price_fen FROM pricing_special_prices AS s
          WHERE s.tenant_id = p_tenant_id AND s.product_id = p_product_id
            AND tstzrange(s.valid_from, s.valid_until) @> now()),
        (SELECT pp.price_fen FROM tenants AS t
           JOIN product_prices AS pp ON pp.grade_id = t.grade_id
          WHERE t.id = p_tenant_id AND pp.product_id = p_product_id))
$$
"""


def _secure() -> None:
    for table in PLATFORM_ONLY:
        share_platform_table(table, tenant_can_read=False)
    # Special prices: the tenant's own rows, read only.
    op.execute("ALTER TABLE pricing_special_prices ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE pricing_special_prices FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY pricing_special_prices_tenant_isolation ON pricing_special_prices "
        f"TO {TENANT_ROLE} USING (tenant_id = {rls.CURRENT_TENANT})"
    )
    op.execute(
        f"CREATE POLICY pricing_special_prices_platform_access ON pricing_special_prices "
        f"TO {PLATFORM_ROLE} USING (true) WITH CHECK (true)"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON pricing_special_prices TO {PLATFORM_ROLE}")
    op.execute(
        "GRANT SELECT (id, tenant_id, product_id, price_fen, effective_price_fen, valid_from, "
        f"valid_until) ON pricing_special_prices TO {TENANT_ROLE}"
    )
    # Grade prices: the current tenant's grade only, and only the price.
    own_grade = f"SELECT t.grade_id FROM tenants t WHERE t.id = {rls.CURRENT_TENANT}"  # noqa: S608
    op.execute("ALTER TABLE product_prices ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE product_prices FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY product_prices_own_grade ON product_prices TO {TENANT_ROLE} "
        f"USING (grade_id IN ({own_grade}))"
    )
    op.execute(
        f"CREATE POLICY product_prices_platform_access ON product_prices TO {PLATFORM_ROLE} "
        "USING (true) WITH CHECK (true)"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON product_prices TO {PLATFORM_ROLE}")
    op.execute(f"GRANT SELECT (product_id, grade_id, price_fen) ON product_prices TO {TENANT_ROLE}")
    for statement in rls.sequences_sql():
        op.execute(statement)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {TENANT_PRICE_SIGNATURE}")
    op.drop_index("ix_product_prices_grade_id", table_name="product_prices")
    op.drop_index(
        "ix_product_prices_below_cost", table_name="product_prices", postgresql_where="below_cost"
    )
    op.drop_table("product_prices")
    op.drop_table("pricing_bands")
    op.drop_index("ix_pricing_special_prices_product_id", table_name="pricing_special_prices")
    op.drop_table("pricing_special_prices")
    op.drop_index("uq_pricing_rules_product_id", table_name="pricing_rules")
    op.drop_index(
        "uq_pricing_rules_default", table_name="pricing_rules", postgresql_where="scope = 'default'"
    )
    op.drop_index("uq_pricing_rules_category_id", table_name="pricing_rules")
    op.drop_index("uq_pricing_rules_brand", table_name="pricing_rules")
    op.drop_table("pricing_rules")
    op.drop_table("pricing_category_floors")
    op.drop_table("pricing_reprice_runs")
