"""The set-based reprice: the engine's arithmetic (:mod:`hive.catalog.pricing.engine`) in one
SQL statement for many products × every customer grade.

Exactness: every step is a multiplication of ``numeric`` values (percentages × 0.01, never a
division), which PostgreSQL computes exactly, and the one rounding is ``round(numeric)``,
which rounds ties away from zero like ``ROUND_HALF_UP``. So the statement and the Python
explain agree to the fen, exact ties included (tests/catalog/pricing/test_agreement.py).

Shape: ``cat`` resolves each category's rule and minimum margin up its (3-level) tree once;
``src`` picks each product's rule (product > brand > category > default); ``ru`` the base,
floor and ceiling; ``gr`` one row per grade; ``bd`` the band; ``bo`` the bounds; ``ro``/``r1``
the rounding within bounds; ``fin`` the price and its flags. Callers add what they do with
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
    SELECT s.product_id, s.cost, s.rule_id,
           ceil(s.cost * (1 + s.margin * 0.01)) AS lo,
           CASE WHEN r.allow_above_retail OR s.retail <= 0 THEN NULL ELSE s.retail END AS hi,
           CASE WHEN r.base = 'cost_plus' THEN s.cost * (1 + r.percent * 0.01)
                ELSE s.retail * (1 - r.percent * 0.01) END AS a0,
           CASE r.rounding WHEN 'jiao' THEN 10 WHEN 'nine' THEN 100 ELSE 1 END AS q,
           CASE r.rounding WHEN 'jiao' THEN 0.1 WHEN 'nine' THEN 0.01 ELSE 1 END AS iq,
           CASE r.rounding WHEN 'nine' THEN 90 ELSE 0 END AS e
    FROM src AS s JOIN pricing_rules AS r ON r.id = s.rule_id
), gr AS (
    SELECT ru.*, g.id AS grade_id, ru.a0 * g.price_coefficient AS a1
    FROM ru CROSS JOIN customer_grades AS g
), bd AS (
    SELECT gr.*,
           CASE WHEN b.id IS NULL THEN gr.a1 ELSE gr.a1 * (1 + b.adjust_percent * 0.01) END AS a2
    FROM gr LEFT JOIN pricing_bands AS b
      ON b.rule_id = gr.rule_id AND gr.a1 >= b.min_fen AND (b.max_fen IS NULL OR gr.a1 < b.max_fen)
), bo AS (
    SELECT bd.*, coalesce(bd.lo > bd.hi, false) AS conflict,
           CASE WHEN bd.lo > bd.hi OR bd.a2 < bd.lo THEN bd.lo
                WHEN bd.a2 > bd.hi THEN bd.hi ELSE bd.a2 END AS a3
    FROM bd
), ro AS (
    SELECT bo.*, bo.q * round((bo.a3 - bo.e) * bo.iq) + bo.e AS n FROM bo
), r1 AS (
    SELECT ro.*,
           CASE WHEN ro.n < ro.lo THEN ro.q * ceil((ro.lo - ro.e) * ro.iq) + ro.e
                WHEN ro.n > ro.hi THEN ro.q * floor((ro.hi - ro.e) * ro.iq) + ro.e
                ELSE ro.n END AS r
    FROM ro
), fin AS (
    SELECT r1.product_id, r1.grade_id, r1.rule_id, CAST(r1.lo AS bigint) AS floor_fen,
           CAST(CASE WHEN r1.conflict THEN r1.lo
                     WHEN r1.r >= r1.lo AND NOT coalesce(r1.r > r1.hi, false) THEN r1.r
                     ELSE round(r1.a3) END AS bigint) AS price_fen,
           r1.conflict OR r1.a2 < r1.lo AS floor_hit,
           NOT r1.conflict AND r1.a2 >= r1.lo AND coalesce(r1.a2 > r1.hi, false) AS ceiling_hit,
           r1.a2 < r1.cost AS below_cost,
           NOT r1.conflict AND (r1.r < r1.lo OR coalesce(r1.r > r1.hi, false)) AS no_fit
    FROM r1
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
    INSERT INTO product_prices AS pp (product_id, grade_id, price_fen, floor_fen, rule_id,
                                      floor_hit, ceiling_hit, below_cost, no_fit, computed_at)
    SELECT product_id, grade_id, price_fen, floor_fen, rule_id, floor_hit, ceiling_hit,
           below_cost, no_fit, now()
    FROM cmp ORDER BY product_id, grade_id
    ON CONFLICT (product_id, grade_id) DO UPDATE SET
        price_fen = EXCLUDED.price_fen, floor_fen = EXCLUDED.floor_fen,
        rule_id = EXCLUDED.rule_id, floor_hit = EXCLUDED.floor_hit,
        ceiling_hit = EXCLUDED.ceiling_hit, below_cost = EXCLUDED.below_cost,
        no_fit = EXCLUDED.no_fit, computed_at = EXCLUDED.computed_at
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
    FROM cmp AS c
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
SELECT (SELECT count(*) FROM src), (SELECT count(*) FROM cmp),
       (SELECT count(*) FROM cmp WHERE old_price_fen IS DISTINCT FROM price_fen),
       (SELECT count(*) FROM sp), (SELECT count(*) FROM _ev_inserted)
"""

# What would change, without writing: the rule-change preview. Moves are bucketed by percent
# of the old price; examples are the largest moves.
COMPARE = """
WITH {ctes}, moved AS (
    SELECT * FROM cmp WHERE old_price_fen IS DISTINCT FROM price_fen
)
SELECT (SELECT count(DISTINCT product_id) FROM moved) AS products_moved,
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
    changed, tenant events raised."""
    return WRITE.format(
        ctes=price_ctes(products),
        events=event_ctes("price_events"),
        price_changed=EventType.PRICE_CHANGED.value,
    )


def compare_statement(products: str) -> str:
    return COMPARE.format(ctes=price_ctes(products))


def baseline_statement(table: str) -> str:
    """The benchmark baseline over every product, into ``table`` (a name from code)."""
    return BASELINE.format(ctes=price_ctes("range"), table=table)
