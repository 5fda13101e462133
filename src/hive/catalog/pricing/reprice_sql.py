"""The set-based reprice: the engine's arithmetic (:mod:`hive.catalog.pricing.engine`) in one
SQL statement for many products × every customer grade.

Exactness: every step is a multiplication of ``numeric`` values (percentages × 0.01, never a
division), which PostgreSQL computes exactly, and the one rounding is ``round(numeric)``,
which rounds ties away from zero like ``ROUND_HALF_UP``. So the statement and the Python
explain agree to the fen, exact ties included (tests/catalog/pricing/test_agreement.py).

Shape: ``cat`` resolves each category's rule and minimum margin up its (3-level) tree once;
``src`` picks each product's rule (product > brand > category > default); ``ru`` the base,
floor and ceiling per product; ``fin`` one row per grade, each step (grade ``x1``, band ``x2``,
bounds ``x3``, rounding ``x4``/``x5``, fit ``x6``) a lateral computed once per row, then the
price and its flags; ``cmp`` what differs from the stored prices. Callers add what they do with
``fin`` (:data:`PRODUCT_FILTERS` says which products).
"""

from __future__ import annotations

from hive.events.service import EventType, event_ctes

# Which products a statement covers (names of SQL parameters, never input).
PRODUCT_FILTERS = {
    "all": "true",
    "ids": "p.id = ANY(CAST(:ids AS bigint[]))",
    "brand": "p.brand = :brand",
    "categories": "p.category_id = ANY(CAST(:category_ids AS bigint[]))",
    "range": "p.id > :after_id AND p.id <= :upto_id",
    "supplier_skus": (
        "p.supplier_id = :supplier_id AND p.supplier_sku = ANY(CAST(:skus AS text[]))"
    ),
}

# The default minimum margin comes in as :default_margin (a Settings value).
PRICE_CTES = """
cat AS (
    SELECT c.id,
           coalesce(r3.id, r2.id, r1.id) AS rule_id,
           coalesce(f3.min_margin_percent, f2.min_margin_percent, f1.min_margin_percent)
               AS margin
    FROM categories AS c
    LEFT JOIN categories AS c2 ON c2.id = c.parent_id
    LEFT JOIN categories AS c1 ON c1.id = c2.parent_id
    LEFT JOIN pricing_rules AS r3 ON r3.category_id = c.id
    LEFT JOIN pricing_rules AS r2 ON r2.category_id = c2.id
    LEFT JOIN pricing_rules AS r1 ON r1.category_id = c1.id
    LEFT JOIN pricing_category_floors AS f3 ON f3.category_id = c.id
    LEFT JOIN pricing_category_floors AS f2 ON f2.category_id = c2.id
    LEFT JOIN pricing_category_floors AS f1 ON f1.category_id = c1.id
), src AS (
    SELECT p.id AS product_id, p.purchase_price_fen AS cost, p.retail_price_fen AS retail,
           coalesce(rp.id, rb.id, cat.rule_id,
                    (SELECT d.id FROM pricing_rules AS d WHERE d.scope = 'default')) AS rule_id,
           coalesce(cat.margin, CAST(:default_margin AS numeric)) AS margin
    FROM products AS p
    LEFT JOIN pricing_rules AS rp ON rp.product_id = p.id
    LEFT JOIN pricing_rules AS rb ON rb.brand = p.brand
    LEFT JOIN cat ON cat.id = p.category_id
    WHERE p.status <> 'removed' AND {products}
), ru AS (
    SELECT s.product_id, s.cost, s.rule_id, k.lo, k.hi, k.a0, k.q, k.iq, k.e
    FROM src AS s JOIN pricing_rules AS r ON r.id = s.rule_id
    CROSS JOIN LATERAL (
        SELECT ceil(s.cost * (1 + s.margin * 0.01)) AS lo,
               CASE WHEN r.allow_above_retail OR s.retail <= 0 THEN NULL ELSE s.retail END AS hi,
               CASE WHEN r.base = 'cost_plus' THEN s.cost * (1 + r.percent * 0.01)
                    ELSE s.retail * (1 - r.percent * 0.01) END AS a0,
               CASE r.rounding WHEN 'jiao' THEN 10 WHEN 'nine' THEN 100 ELSE 1 END AS q,
               CASE r.rounding WHEN 'jiao' THEN 0.1 WHEN 'nine' THEN 0.01 ELSE 1 END AS iq,
               CASE r.rounding WHEN 'nine' THEN 90 ELSE 0 END AS e
        OFFSET 0
    ) AS k
), fin AS (
    SELECT ru.product_id, g.id AS grade_id, ru.rule_id, CAST(ru.lo AS bigint) AS floor_fen,
           CAST(CASE WHEN x3.conflict THEN ru.lo WHEN x6.fits THEN x5.r ELSE round(x3.a3) END
                AS bigint) AS price_fen,
           x3.conflict OR x2.a2 < ru.lo AS floor_hit,
           NOT x3.conflict AND x2.a2 >= ru.lo AND coalesce(x2.a2 > ru.hi, false) AS ceiling_hit,
           x2.a2 < ru.cost AS below_cost,
           NOT x3.conflict AND NOT x6.fits AS no_fit
    FROM ru CROSS JOIN customer_grades AS g
    -- Each step is computed once per row: OFFSET 0 keeps PostgreSQL from copying a step's
    -- expression into every later step that reads it.
    CROSS JOIN LATERAL (SELECT ru.a0 * g.price_coefficient AS a1 OFFSET 0) AS x1
    LEFT JOIN pricing_bands AS b
      ON b.rule_id = ru.rule_id AND x1.a1 >= b.min_fen AND (b.max_fen IS NULL OR x1.a1 < b.max_fen)
    CROSS JOIN LATERAL (
        SELECT CASE WHEN b.id IS NULL THEN x1.a1 ELSE x1.a1 * (1 + b.adjust_percent * 0.01) END
               AS a2
        OFFSET 0
    ) AS x2
    CROSS JOIN LATERAL (
        SELECT coalesce(ru.lo > ru.hi, false) AS conflict,
               CASE WHEN ru.lo > ru.hi OR x2.a2 < ru.lo THEN ru.lo
                    WHEN x2.a2 > ru.hi THEN ru.hi ELSE x2.a2 END AS a3
        OFFSET 0
    ) AS x3
    CROSS JOIN LATERAL (SELECT ru.q * round((x3.a3 - ru.e) * ru.iq) + ru.e AS n OFFSET 0) AS x4
    CROSS JOIN LATERAL (
        SELECT CASE WHEN x4.n < ru.lo THEN ru.q * ceil((ru.lo - ru.e) * ru.iq) + ru.e
                    WHEN x4.n > ru.hi THEN ru.q * floor((ru.hi - ru.e) * ru.iq) + ru.e
                    ELSE x4.n END AS r
        OFFSET 0
    ) AS x5
    CROSS JOIN LATERAL (
        SELECT x5.r >= ru.lo AND NOT coalesce(x5.r > ru.hi, false) AS fits OFFSET 0
    ) AS x6
), cmp AS (
    SELECT fin.*, pp.price_fen AS old_price_fen
    FROM fin LEFT JOIN product_prices AS pp
      ON pp.product_id = fin.product_id AND pp.grade_id = fin.grade_id
    WHERE pp.product_id IS NULL
       OR (pp.price_fen, pp.floor_fen, pp.rule_id, pp.floor_hit, pp.ceiling_hit, pp.below_cost,
           pp.no_fit)
          IS DISTINCT FROM
          (fin.price_fen, fin.floor_fen, fin.rule_id, fin.floor_hit, fin.ceiling_hit,
           fin.below_cost, fin.no_fit)
)"""

# Write what changed; special prices of the products follow their floor; tenants holding a
# product whose price they pay changed get a tenant event (same statement).
WRITE = """
WITH {ctes}, up AS (
    -- Rows whose price or flags differ are written; unchanged ones are left alone.
    INSERT INTO product_prices AS pp (product_id, grade_id, price_fen, floor_fen, rule_id,
                                      floor_hit, ceiling_hit, below_cost, no_fit, computed_at)
    SELECT product_id, grade_id, price_fen, floor_fen, rule_id, floor_hit, ceiling_hit,
           below_cost, no_fit, now()
    FROM fin ORDER BY product_id, grade_id
    ON CONFLICT (product_id, grade_id) DO UPDATE SET
        price_fen = EXCLUDED.price_fen, floor_fen = EXCLUDED.floor_fen,
        rule_id = EXCLUDED.rule_id, floor_hit = EXCLUDED.floor_hit,
        ceiling_hit = EXCLUDED.ceiling_hit, below_cost = EXCLUDED.below_cost,
        no_fit = EXCLUDED.no_fit, computed_at = EXCLUDED.computed_at
    WHERE (pp.price_fen, pp.floor_fen, pp.rule_id, pp.floor_hit, pp.ceiling_hit, pp.below_cost,
           pp.no_fit)
          IS DISTINCT FROM
          (EXCLUDED.price_fen, EXCLUDED.floor_fen, EXCLUDED.rule_id, EXCLUDED.floor_hit,
           EXCLUDED.ceiling_hit, EXCLUDED.below_cost, EXCLUDED.no_fit)
    RETURNING pp.product_id, pp.grade_id, pp.price_fen
), moved AS (
    -- Every part of one statement reads the table as it was before it: ``o`` is the old row.
    SELECT u.product_id, u.grade_id, o.price_fen AS old_price_fen, u.price_fen
    FROM up AS u LEFT JOIN product_prices AS o
      ON o.product_id = u.product_id AND o.grade_id = u.grade_id
    WHERE o.price_fen IS DISTINCT FROM u.price_fen
), sp AS (
    UPDATE pricing_special_prices AS s
    SET effective_price_fen = x.new_fen, floor_hit = x.hit, updated_at = now()
    FROM (
        SELECT o.id, o.tenant_id, o.product_id, o.effective_price_fen AS old_fen,
               greatest(o.price_fen, f.lo) AS new_fen, o.price_fen < f.lo AS hit,
               tstzrange(o.valid_from, o.valid_until) @> now() AS valid_now
        FROM pricing_special_prices AS o
        JOIN (SELECT DISTINCT product_id, CAST(lo AS bigint) AS lo FROM ru) AS f
          ON f.product_id = o.product_id
    ) AS x
    WHERE s.id = x.id AND (s.effective_price_fen, s.floor_hit) IS DISTINCT FROM (x.new_fen, x.hit)
    RETURNING x.tenant_id, x.product_id, x.old_fen, x.new_fen, x.valid_now
), price_events (tenant_id, type, entity_type, entity_id, payload) AS (
    -- A tenant is told when the price it pays for a product in its library changed: its
    -- grade's price (unless a special price is valid now), or its special price valid now.
    SELECT li.tenant_id, '{price_changed}', 'product', c.product_id,
           jsonb_build_object('product_id', c.product_id, 'old_price_fen', c.old_price_fen,
                              'price_fen', c.price_fen)
    FROM moved AS c
    JOIN tenants AS t ON t.grade_id = c.grade_id
    JOIN library_items AS li ON li.tenant_id = t.id AND li.product_id = c.product_id
    WHERE c.old_price_fen <> c.price_fen
      AND NOT EXISTS (
          SELECT FROM pricing_special_prices AS v
          WHERE v.tenant_id = t.id AND v.product_id = c.product_id
            AND tstzrange(v.valid_from, v.valid_until) @> now())
    UNION ALL
    SELECT sp.tenant_id, '{price_changed}', 'product', sp.product_id,
           jsonb_build_object('product_id', sp.product_id, 'old_price_fen', sp.old_fen,
                              'price_fen', sp.new_fen)
    FROM sp JOIN library_items AS li
      ON li.tenant_id = sp.tenant_id AND li.product_id = sp.product_id
    WHERE sp.valid_now AND sp.old_fen <> sp.new_fen
), {events}
SELECT (SELECT count(*) FROM src), (SELECT count(*) FROM up), (SELECT count(*) FROM moved),
       (SELECT count(*) FROM sp), (SELECT count(*) FROM _ev_inserted),
       (SELECT count(DISTINCT product_id) FROM up)
"""

# What would change, without writing: the rule-change preview. Moves are bucketed by percent
# of the old price; examples are the largest moves.
COMPARE = """
WITH {ctes}, moved AS (
    SELECT * FROM cmp WHERE old_price_fen IS DISTINCT FROM price_fen
)
SELECT (SELECT count(*) FROM src) AS products_considered,
       (SELECT count(DISTINCT product_id) FROM moved) AS products_moved,
       (SELECT count(*) FROM moved) AS prices_moved,
       (SELECT count(*) FROM fin WHERE floor_hit) AS floor_hits,
       (SELECT count(*) FROM fin WHERE ceiling_hit) AS ceiling_hits,
       (SELECT count(*) FROM fin WHERE below_cost) AS below_cost,
       (SELECT coalesce(jsonb_object_agg(bucket, n), '{{}}') FROM (
            SELECT CASE WHEN old_price_fen IS NULL OR old_price_fen = 0 THEN 'new'
                        WHEN price_fen <= old_price_fen * 0.9 THEN 'down_10'
                        WHEN price_fen <= old_price_fen * 0.95 THEN 'down_5'
                        WHEN price_fen < old_price_fen THEN 'down_0'
                        WHEN price_fen < old_price_fen * 1.05 THEN 'up_0'
                        WHEN price_fen < old_price_fen * 1.1 THEN 'up_5'
                        ELSE 'up_10' END AS bucket, count(*) AS n
            FROM moved GROUP BY 1) AS b) AS buckets,
       (SELECT coalesce(jsonb_agg(e), '[]') FROM (
            SELECT product_id, grade_id, old_price_fen, price_fen, floor_hit, ceiling_hit
            FROM moved
            ORDER BY abs(price_fen - coalesce(old_price_fen, 0)) DESC, product_id, grade_id
            LIMIT 10) AS e) AS examples
"""

COUNT = "SELECT count(*) FROM products AS p WHERE p.status <> 'removed' AND {products}"

# The benchmark's baseline: the same arithmetic written into a table in one plain statement.
BASELINE = """
WITH {ctes}
INSERT INTO {table} (product_id, grade_id, price_fen, floor_fen, rule_id, floor_hit,
                     ceiling_hit, below_cost, no_fit)
SELECT product_id, grade_id, price_fen, floor_fen, rule_id, floor_hit, ceiling_hit,
       below_cost, no_fit
FROM fin
"""


def price_ctes(products: str) -> str:
    """The common table expressions for the products of filter ``products``."""
    return PRICE_CTES.format(products=PRODUCT_FILTERS[products])


def write_statement(products: str) -> str:
    """The reprice of the products of filter ``products``, raising the tenants' price events.
    Returns one row: products considered, price rows written, prices changed, special prices
    changed, tenant events raised, products with a price row written."""
    return WRITE.format(
        ctes=price_ctes(products),
        events=event_ctes("price_events"),
        price_changed=EventType.PRICE_CHANGED.value,
    )


def compare_statement(products: str, *, in_range: bool = False) -> str:
    """The preview of filter ``products``; ``in_range``: only ids in (:after_id, :upto_id]
    (a chunk of the preview job)."""
    if not in_range:
        return COMPARE.format(ctes=price_ctes(products))
    both = f"{PRODUCT_FILTERS[products]} AND {PRODUCT_FILTERS['range']}"
    return COMPARE.format(ctes=PRICE_CTES.format(products=both))


def count_statement(products: str) -> str:
    """How many products (not removed) filter ``products`` covers."""
    return COUNT.format(products=PRODUCT_FILTERS[products])


def baseline_statement(table: str) -> str:
    """The benchmark baseline over every product, into ``table`` (a name from code)."""
    return BASELINE.format(ctes=price_ctes("range"), table=table)
