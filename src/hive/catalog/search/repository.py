"""All SQL of pool search.

Statements are composed from fixed fragments only; every value the user gave is a bound
parameter, so the composed text never carries input (hence the ``S608`` waivers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from sqlalchemy import Select, TextClause, false, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.distribution.visibility import visible_condition
from hive.catalog.search.types import (
    FACET_LIMIT,
    FUZZY_MIN_CHARS,
    FUZZY_WORD_SIMILARITY,
    PRICE_BAND_BOUNDS_FEN,
    FacetCount,
    Hit,
    MatchSample,
    MatchSpec,
    PoolHit,
    PriceBandCount,
    SortOrder,
    TenantPoolHit,
)

HIT_COLUMNS = (
    "p.id, p.supplier_id, p.supplier_sku, p.name, p.brand, p.category_id, p.retail_price_fen, "
    "p.purchase_price_fen, p.sales, p.on_shelf, p.status, p.image_url"
)
# Only columns granted to the tenant role (migration 0007): no purchase price, no supplier.
TENANT_HIT_COLUMNS = (
    "p.id, p.name, p.brand, p.category_id, coalesce(c.name, '') AS category_name, "
    "p.retail_price_fen, p.sales, p.on_shelf, p.in_supplier_pool, p.image_url"
)


@dataclass(frozen=True, slots=True)
class HitKind(Generic[Hit]):
    """What a page of hits reads (select list and joins of ``products p``) and builds."""

    columns: str
    joins: str
    build: Callable[..., Hit]


OPERATOR_HITS = HitKind(HIT_COLUMNS, "", PoolHit)
TENANT_HITS = HitKind(
    TENANT_HIT_COLUMNS, "LEFT JOIN categories c ON c.id = p.category_id", TenantPoolHit
)

# A category and its descendants (the tree has 3 levels).
CATEGORY_TREE = text(
    "SELECT c.id FROM categories c WHERE c.id = :category_id OR c.parent_id = :category_id"
    " OR c.parent_id IN (SELECT c2.id FROM categories c2 WHERE c2.parent_id = :category_id)"
)
# Order of the page inside a complete match sample (columns of the CTE ``m``).
SAMPLE_ORDER = {
    SortOrder.RELEVANCE: "rank DESC, sales DESC, id DESC",
    SortOrder.SALES: "sales DESC, id DESC",
    SortOrder.PRICE_ASC: "retail_price_fen ASC, id ASC",
    SortOrder.PRICE_DESC: "retail_price_fen DESC, id DESC",
    SortOrder.NEWEST: "id DESC",
}
# Order of the page over a large match set, each served by an index (products' sales,
# retail price and primary key). Relevance ranks popular products first there: ranking every
# one of 10,000+ matches by ts_rank would cost what the cap saves.
INDEX_ORDER = {
    SortOrder.RELEVANCE: "p.sales DESC, p.id DESC",
    SortOrder.SALES: "p.sales DESC, p.id DESC",
    SortOrder.PRICE_ASC: "p.retail_price_fen ASC, p.id ASC",
    SortOrder.PRICE_DESC: "p.retail_price_fen DESC, p.id DESC",
    SortOrder.NEWEST: "p.id DESC",
}

SAMPLE_SQL = """
WITH m AS MATERIALIZED (
    SELECT p.id, p.brand, p.category_id, p.retail_price_fen, p.sales, {rank} AS rank
    FROM products p
    WHERE {where}
    LIMIT :sample_limit
)
SELECT
    (SELECT count(*) FROM m) AS total,
    (SELECT coalesce(array_agg(h.id ORDER BY h.pos), '{{}}')
       FROM (SELECT id, row_number() OVER (ORDER BY {order}) AS pos FROM m) h
      WHERE h.pos > :offset AND h.pos <= :offset + :limit) AS page_ids,
    (SELECT coalesce(jsonb_agg(jsonb_build_array(f.brand, f.n) ORDER BY f.n DESC, f.brand), '[]')
       FROM (SELECT brand, count(*) AS n FROM m WHERE brand <> ''
              GROUP BY brand ORDER BY n DESC, brand LIMIT :facet_limit) f) AS brands,
    (SELECT coalesce(jsonb_agg(jsonb_build_array(f.category_id, coalesce(c.name, ''), f.n)
                               ORDER BY f.n DESC, f.category_id), '[]')
       FROM (SELECT category_id, count(*) AS n FROM m WHERE category_id IS NOT NULL
              GROUP BY category_id ORDER BY n DESC, category_id LIMIT :facet_limit) f
       LEFT JOIN categories c ON c.id = f.category_id) AS categories,
    (SELECT coalesce(jsonb_agg(jsonb_build_array(f.band, f.n) ORDER BY f.band), '[]')
       FROM (SELECT width_bucket(retail_price_fen, CAST(:bounds AS bigint[])) AS band,
                    count(*) AS n
               FROM m GROUP BY 1) f) AS price_bands
"""


async def match_sample(session: AsyncSession, spec: MatchSpec, cap: int) -> MatchSample:
    """Count (up to ``cap + 1``), facets and page ids of the matches, in one statement."""
    where, params = _conditions(spec)
    if where is None:
        return MatchSample(count=0)
    statement = SAMPLE_SQL.format(
        rank=_rank(spec, params) if spec.sort is SortOrder.RELEVANCE else "0",
        where=" AND ".join(where),
        order=SAMPLE_ORDER[spec.sort],
    )
    params.update(
        sample_limit=cap + 1,
        offset=spec.offset,
        limit=spec.limit,
        facet_limit=FACET_LIMIT,
        bounds=list(PRICE_BAND_BOUNDS_FEN),
    )
    if spec.fuzzy and spec.keyword:
        await _set_word_similarity(session, FUZZY_WORD_SIMILARITY)
    row = (await session.execute(text(statement), params)).one()
    return MatchSample(
        count=row.total,
        page_ids=list(row.page_ids),
        brands=[FacetCount(value=b, label=b, count=n) for b, n in row.brands],
        categories=[FacetCount(value=str(i), label=name, count=n) for i, name, n in row.categories],
        price_bands=[_band(band, n) for band, n in row.price_bands],
    )


async def category_tree(session: AsyncSession, category_id: int) -> list[int]:
    """The id of a category and of every category under it (none when it does not exist)."""
    rows = await session.execute(CATEGORY_TREE, {"category_id": category_id})
    return [row.id for row in rows]


async def hits_by_id(session: AsyncSession, ids: Sequence[int], kind: HitKind[Hit]) -> list[Hit]:
    """The products ``ids``, in that order, as hits of ``kind``."""
    if not ids:
        return []
    select = f"SELECT {kind.columns} FROM products p {kind.joins}"  # noqa: S608
    statement = f"{select} WHERE p.id = ANY(:ids)"
    rows = (await session.execute(text(statement), {"ids": list(ids)})).all()
    by_id = {row.id: kind.build(**row._asdict()) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


async def hits_in_order(session: AsyncSession, spec: MatchSpec, kind: HitKind[Hit]) -> list[Hit]:
    """A page of a large match set, read along the sort order's index (ids first, from a
    covering index when the keyword is absent, then the rows by primary key)."""
    return await hits_by_id(session, await _ids_in_order(session, spec), kind)


async def _ids_in_order(session: AsyncSession, spec: MatchSpec) -> Sequence[int]:
    parts = _parts(spec)
    if parts is None:
        return []
    keyword, filters, params = parts
    params.update(offset=spec.offset, limit=spec.limit)
    order = INDEX_ORDER[spec.sort]
    if keyword is not None and len(filters) > 1:
        statement = _two_stage_page(keyword, filters, order)
    else:
        where = " AND ".join([*filters, keyword] if keyword else filters)
        statement = (
            f"SELECT p.id FROM products p WHERE {where} "  # noqa: S608
            f"ORDER BY {order} OFFSET :offset LIMIT :limit"
        )
    return (await session.execute(text(statement), params)).scalars().all()


EXPORT_COLUMNS = (
    "p.id, p.supplier_sku, p.name, p.brand, coalesce(c.name, '') AS category_name, "
    "p.purchase_price_fen, p.retail_price_fen, p.status, p.on_shelf, p.sales"
)


def export_statement(spec: MatchSpec, *, ranked: bool = False) -> Select[Any]:
    """Every match of ``spec`` (no paging) in its sort order, its values bound, for an export
    the caller streams (and counts, without the order); no row when the query can match
    nothing. ``ranked``: relevance is ranked as a page of a complete match sample ranks it
    (else popular products first, as a page of a larger match set). A loose match compares
    word similarity with its threshold itself: the export is read in a transaction of its
    own, where ``<%`` would use the server's default threshold (and so no trigram index: only
    a keyword that matched nothing exactly gets here)."""
    where, params = _conditions(spec, own_threshold=True)
    if where is None:
        return select(text(EXPORT_COLUMNS)).select_from(text("products p")).where(false())
    order = INDEX_ORDER[spec.sort]
    if ranked and spec.sort is SortOrder.RELEVANCE:
        order = f"{_rank(spec, params)} DESC, {order}"
    return (
        select(text(EXPORT_COLUMNS))
        .select_from(text("products p LEFT JOIN categories c ON c.id = p.category_id"))
        .where(_bound(" AND ".join(where), params))
        .order_by(_bound(order, params))
    )


def _bound(fragment: str, params: dict[str, Any]) -> TextClause:
    """``fragment`` with the values of the parameters it names bound."""
    names = set(re.findall(r"(?<!:):(\w+)", fragment))
    return text(fragment).bindparams(**{k: v for k, v in params.items() if k in names})


def _two_stage_page(keyword: str, filters: list[str], order: str) -> str:
    """A keyword page beside other filters: the filters pick candidates in sort order from a
    covering index (index-only, no table reads), and only those candidates are read to check
    the keyword. ``OFFSET 0`` keeps the candidates a query of their own, so the planner cannot
    test the keyword (a table read per row) first; the ``LATERAL ... LIMIT 1`` check cannot be
    turned into a hash join, which a low estimate for a several-word keyword used to choose
    (reading every match of the keyword)."""
    return (
        "SELECT c.id FROM (SELECT p.id, p.sales, p.retail_price_fen FROM products p "  # noqa: S608
        f"WHERE {' AND '.join(filters)} ORDER BY {order} OFFSET 0) c "
        f"CROSS JOIN LATERAL (SELECT 1 FROM products p WHERE p.id = c.id AND {keyword} "
        f"LIMIT 1) k ORDER BY {order.replace('p.', 'c.')} OFFSET :offset LIMIT :limit"
    )


def _conditions(
    spec: MatchSpec, *, own_threshold: bool = False
) -> tuple[list[str] | None, dict[str, Any]]:
    """WHERE fragments and their parameters; None when the query can match nothing."""
    parts = _parts(spec, own_threshold=own_threshold)
    if parts is None:
        return None, {}
    keyword, filters, params = parts
    return ([*filters, keyword] if keyword else filters), params


def _parts(
    spec: MatchSpec, *, own_threshold: bool = False
) -> tuple[str | None, list[str], dict[str, Any]] | None:
    """The keyword's condition (None without a keyword), the filters' conditions (status
    first) and their parameters; None when the query can match nothing. ``own_threshold``:
    a loose match states its similarity threshold instead of the transaction's setting."""
    filters = ["p.status = ANY(:statuses)"]
    params: dict[str, Any] = {"statuses": list(spec.statuses)}
    if spec.category_ids == ():
        return None
    keyword = None
    if spec.has_keyword:
        if spec.fuzzy:
            keyword = _fuzzy_match(spec, params, own_threshold=own_threshold)
        else:
            keyword = _strict_match(spec, params)
        if keyword is None:
            return None
    _add_filters(spec, filters, params)
    if spec.tenant_id is not None:
        filters.append(visible_condition(":tenant"))
        params["tenant"] = spec.tenant_id
    return keyword, filters, params


def _strict_match(spec: MatchSpec, params: dict[str, Any]) -> str | None:
    # Every word (tsvector, GIN), or the whole keyword as a substring of the name (trigram GIN).
    alternatives = []
    if spec.terms:
        params["terms"] = " ".join(spec.terms)
        alternatives.append("p.search_vector @@ plainto_tsquery('simple', :terms)")
    if spec.uses_substring:
        params["pattern"] = _like_pattern(spec.keyword)
        alternatives.append("p.name ILIKE :pattern")
    return f"({' OR '.join(alternatives)})" if alternatives else None


def _fuzzy_match(spec: MatchSpec, params: dict[str, Any], *, own_threshold: bool) -> str | None:
    # The keyword's recognised words without the single characters jieba could not place (a
    # Chinese typo breaks its word into them), or, for a one-word keyword, a name with a word
    # similar to it. Several words compared by trigrams would match any name sharing one of
    # them, and slowly.
    alternatives = []
    words = [t for t in spec.terms if len(t) > 1]
    if words and len(words) < len(spec.terms):
        params["words"] = " ".join(words)
        alternatives.append("p.search_vector @@ plainto_tsquery('simple', :words)")
    if len(spec.keyword) >= FUZZY_MIN_CHARS and len(spec.keyword.split()) == 1:
        params["keyword"] = spec.keyword
        if own_threshold:  # what <% means at the threshold _set_word_similarity sets
            params["similarity"] = FUZZY_WORD_SIMILARITY
            alternatives.append("word_similarity(:keyword, p.name) >= :similarity")
        else:
            alternatives.append(":keyword <% p.name")
    return f"({' OR '.join(alternatives)})" if alternatives else None


def _rank(spec: MatchSpec, params: dict[str, Any]) -> str:
    """Relevance of a match (from the parameters its match condition bound): word rank, a
    bonus for the keyword's text in the name, and for loose matches the name's similarity."""
    parts = []
    if "terms" in params:
        parts.append("ts_rank(p.search_vector, plainto_tsquery('simple', :terms))")
    if "pattern" in params:
        parts.append("CASE WHEN p.name ILIKE :pattern THEN 1 ELSE 0 END")
    if "words" in params:
        parts.append("ts_rank(p.search_vector, plainto_tsquery('simple', :words))")
    if "keyword" in params:
        parts.append("word_similarity(:keyword, p.name)")
    return " + ".join(parts) or "0"


def _add_filters(spec: MatchSpec, where: list[str], params: dict[str, Any]) -> None:
    if spec.category_ids is not None:
        where.append("p.category_id = ANY(:category_ids)")
        params["category_ids"] = list(spec.category_ids)
    if spec.brand is not None:
        where.append("p.brand = :brand")
        params["brand"] = spec.brand
    if spec.min_price_fen is not None:
        where.append("p.retail_price_fen >= :min_price")
        params["min_price"] = spec.min_price_fen
    if spec.max_price_fen is not None:
        where.append("p.retail_price_fen <= :max_price")
        params["max_price"] = spec.max_price_fen
    if spec.in_stock_province_id is not None:
        # Generated from ``stock`` by PostgreSQL; carried by the covering indexes.
        where.append("CAST(:province AS integer) = ANY(p.orderable_province_ids)")
        params["province"] = spec.in_stock_province_id
    if spec.on_shelf is not None:
        where.append("p.on_shelf = :on_shelf")
        params["on_shelf"] = spec.on_shelf


async def _set_word_similarity(session: AsyncSession, threshold: float) -> None:
    # Transaction-local: only this transaction's ``<%`` comparisons see the looser threshold.
    await session.execute(
        text("SELECT set_config('pg_trgm.word_similarity_threshold', :value, true)"),
        {"value": str(threshold)},
    )


def _like_pattern(keyword: str) -> str:
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _band(band: int, count: int) -> PriceBandCount:
    # width_bucket answers 0 below the first bound and len(bounds) at or above the last one.
    bounds = PRICE_BAND_BOUNDS_FEN
    low = 0 if band == 0 else bounds[band - 1]
    high = bounds[band] if band < len(bounds) else None
    return PriceBandCount(min_fen=low, max_fen=high, count=count)
