"""The VOP supplier adapter: the :class:`SupplierAdapter` protocol over VOP's wire API.

Every call goes through the supplier's :class:`CallGuard` (rate limit, bulkhead, breaker,
retries) with a valid token; a token the supplier calls expired is replaced once. Batch
methods split their input into VOP's 100-item calls and run them concurrently.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from hive.platform.logging import get_logger
from hive.platform.money import format_yuan, to_fen
from hive.suppliers.errors import (
    InvalidSupplierAnswer,
    SkuNotInPool,
    SupplierError,
    SupplierUnavailable,
    UpstreamNotFound,
)
from hive.suppliers.protocol import MAX_BATCH
from hive.suppliers.resilience.guard import CallGuard
from hive.suppliers.types import (
    AfterSaleCase,
    AfterSaleOptions,
    AfterSaleRequest,
    Area,
    AreaNode,
    CategoryNode,
    MessageType,
    OrderLine,
    OrderTrack,
    PriceQuote,
    ProductDetail,
    ProductRating,
    SaleCheck,
    SearchQuery,
    SearchResult,
    SearchSort,
    StockLevel,
    SupplierKind,
    SupplierMessage,
    UpstreamOrder,
    UpstreamOrderRequest,
)
from hive.suppliers.vop import aftersales, mapping
from hive.suppliers.vop.codes import (
    ALREADY_CONFIRMED,
    DUPLICATE_THIRD_ORDER,
    SUCCESS_CODES,
    TOKEN_CODES,
    error_for,
)
from hive.suppliers.vop.token import TokenManager
from hive.suppliers.vop.transport import Envelope, VopTransport
from hive.suppliers.vop.wire import (
    AreaLimitWire,
    CategoryPageWire,
    DetailWire,
    FreightWire,
    MessageWire,
    OrderWire,
    PriceWire,
    RatingWire,
    SaleCheckWire,
    SearchWire,
    ShelfWire,
    SkuImagesWire,
    SplitOrderWire,
    StockWire,
    TrackWire,
    UnionBalanceWire,
    json_text,
    order_id_text,
)

log = get_logger("hive.suppliers.vop")
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

SORT_TYPES = {
    SearchSort.RELEVANCE: "",
    SearchSort.SALES_DESC: "sale_desc",
    SearchSort.PRICE_ASC: "price_asc",
    SearchSort.PRICE_DESC: "price_desc",
    SearchSort.NEWEST: "winsdate_desc",
}
PREPAID_BALANCE = "4"
CATEGORY_PAGE_SIZE = 1000
AREA_METHODS = {1: "area/getProvince", 2: "area/getCity", 3: "area/getCounty", 4: "area/getTown"}
AREA_HAS_NO_CHILDREN = "3405"


def area_text(area: Area) -> str:
    return f"{area.province}_{area.city}_{area.county}_{area.town}"


def chunks(items: Sequence[T], size: int = MAX_BATCH) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def parse(model: type[M], value: Any, path: str) -> M:
    try:
        return model.model_validate(json_text(value))
    except (ValidationError, ValueError):
        raise InvalidSupplierAnswer(details={"path": path}) from None


def parse_list(model: type[M], value: Any, path: str) -> list[M]:
    try:
        return _list_of(model).validate_python(json_text(value))
    except (ValidationError, ValueError):
        raise InvalidSupplierAnswer(details={"path": path}) from None


@functools.cache
def _list_of(model: type[M]) -> TypeAdapter[list[M]]:
    """The validator of a list of ``model`` (built once: building one costs more than using it)."""
    return TypeAdapter(list[model])  # type: ignore[valid-type]


class VopAdapter:
    def __init__(
        self, *, supplier_id: int, transport: VopTransport, tokens: TokenManager, guard: CallGuard
    ):
        self._supplier_id = supplier_id
        self._transport = transport
        self._tokens = tokens
        self.guard = guard

    @property
    def kind(self) -> SupplierKind:
        return SupplierKind.VOP

    @property
    def supplier_id(self) -> int:
        return self._supplier_id

    # -- plumbing -----------------------------------------------------------------------

    async def _exchange(self, path: str, fields: dict[str, str]) -> Envelope:
        """One call with a valid token; a token the supplier refuses is replaced once."""
        token = await self._tokens.access_token()
        envelope = await self._transport.post(f"api/{path}", {**fields, "token": token})
        if not envelope.success and envelope.code in TOKEN_CODES:
            token = await self._tokens.replace(token)
            envelope = await self._transport.post(f"api/{path}", {**fields, "token": token})
        return envelope

    async def _envelope(self, path: str, fields: dict[str, str], *, retry: bool = True) -> Envelope:
        return await self.guard.call(path, lambda: self._checked(path, fields), retry=retry)

    async def _checked(self, path: str, fields: dict[str, str]) -> Envelope:
        envelope = await self._exchange(path, fields)
        if envelope.success or envelope.code in (DUPLICATE_THIRD_ORDER, ALREADY_CONFIRMED):
            return envelope
        raise error_for(envelope.code, envelope.message)

    async def _result(self, path: str, fields: dict[str, str], *, retry: bool = True) -> Any:
        envelope = await self._envelope(path, fields, retry=retry)
        if envelope.code not in SUCCESS_CODES and not envelope.success:
            raise error_for(envelope.code, envelope.message)
        return envelope.result

    async def _per_chunk(
        self,
        skus: Sequence[str],
        fetch: Callable[[Sequence[str]], Awaitable[list[T]]],
        *,
        size: int = MAX_BATCH,
    ) -> list[T]:
        """Run ``fetch`` on chunks of ``size`` SKUs concurrently, at most a bulkhead's worth in
        flight (the rest wait their turn rather than be refused ``supplier_busy`` by our own
        bulkhead: a rule's preview of hundreds of SKUs on a slow day). A chunk refused because
        one SKU left the pool is bisected, so the other SKUs still get answers (the missing one
        is absent); the answers keep the order of ``skus``."""
        turns = asyncio.Semaphore(self.guard.bulkhead_size)
        calls = (self._isolating(c, fetch, turns) for c in chunks(skus, size))
        results = await asyncio.gather(*calls)
        return [item for chunk in results for item in chunk]

    async def _isolating(
        self,
        skus: Sequence[str],
        fetch: Callable[[Sequence[str]], Awaitable[list[T]]],
        turns: asyncio.Semaphore,
    ) -> list[T]:
        try:
            async with turns:  # held for the call only, never across the bisection
                return await fetch(skus)
        except SkuNotInPool:
            if len(skus) == 1:
                return []
            half = len(skus) // 2
            left, right = await asyncio.gather(
                self._isolating(skus[:half], fetch, turns),
                self._isolating(skus[half:], fetch, turns),
            )
            return left + right

    async def sign_in(self) -> None:
        """Make sure we hold a valid access token (the shared one, or a new one); raises
        :class:`~hive.suppliers.errors.SupplierCredentialsRefused` when the account is refused."""
        await self._tokens.access_token()

    # -- catalogue ------------------------------------------------------------------------

    async def search(self, query: SearchQuery) -> SearchResult:
        fields = {
            "Keyword": query.keyword,
            "pageIndex": str(query.page),
            "pageSize": str(query.page_size),
            "sortType": SORT_TYPES[query.sort],
        }
        if query.category_id is not None:
            fields["catId"] = str(query.category_id)
        if query.brands:
            fields["Brands"] = ",".join(query.brands)
        if query.min_price_fen is not None:
            fields["Min"] = format_yuan(query.min_price_fen)
        if query.max_price_fen is not None:
            fields["Max"] = format_yuan(query.max_price_fen)
        result = await self._result("search/search", fields)
        return mapping.search_result(parse(SearchWire, result, "search/search"))

    async def product_details(self, skus: Sequence[str]) -> list[ProductDetail]:
        """One ``product/getDetail`` per SKU (it takes one), fanned out like the batch calls; a
        SKU that left the pool is absent."""

        async def fetch(chunk: Sequence[str]) -> list[ProductDetail]:
            (sku,) = chunk
            result = await self._result("product/getDetail", {"sku": sku, "queryExts": ""})
            return [mapping.product_detail(parse(DetailWire, result, "product/getDetail"))]

        return await self._per_chunk(skus, fetch, size=1)

    async def images(self, skus: Sequence[str]) -> dict[str, list[str]]:
        async def fetch(chunk: Sequence[str]) -> list[tuple[str, list[str]]]:
            result = await self._result("product/skuImage", {"sku": ",".join(chunk)})
            by_sku = parse(SkuImagesWire, {"images": result}, "product/skuImage").images
            return [(sku, [i.path for i in images]) for sku, images in by_sku.items()]

        return dict(await self._per_chunk(skus, fetch))

    async def shelf_states(self, skus: Sequence[str]) -> dict[str, bool]:
        async def fetch(chunk: Sequence[str]) -> list[ShelfWire]:
            result = await self._result("product/skuState", {"sku": ",".join(chunk)})
            return parse_list(ShelfWire, result, "product/skuState")

        return {str(s.sku): s.state == 1 for s in await self._per_chunk(skus, fetch)}

    async def sale_checks(self, skus: Sequence[str]) -> list[SaleCheck]:
        async def fetch(chunk: Sequence[str]) -> list[SaleCheckWire]:
            result = await self._result("product/check", {"skuIds": ",".join(chunk)})
            return parse_list(SaleCheckWire, result, "product/check")

        return [
            SaleCheck(str(c.skuId), c.saleState == 1, c.isCanVAT == 1, c.is7ToReturn == 1)
            for c in await self._per_chunk(skus, fetch)
        ]

    async def area_limits(self, skus: Sequence[str], area: Area) -> dict[str, bool]:
        async def fetch(chunk: Sequence[str]) -> list[AreaLimitWire]:
            fields = {"skuIds": ",".join(chunk), **_area_fields(area)}
            result = await self._result("product/checkAreaLimit", fields)
            return parse_list(AreaLimitWire, result, "product/checkAreaLimit")

        return {str(a.skuId): not a.isAreaRestrict for a in await self._per_chunk(skus, fetch)}

    async def ratings(self, skus: Sequence[str]) -> list[ProductRating]:
        async def fetch(chunk: Sequence[str]) -> list[RatingWire]:
            result = await self._result("product/getCommentSummarys", {"skuIds": ",".join(chunk)})
            return parse_list(RatingWire, result, "product/getCommentSummarys")

        return [
            ProductRating(str(r.skuId), r.goodRate, r.commentCount)
            for r in await self._per_chunk(skus, fetch)
        ]

    # -- reference data -------------------------------------------------------------------

    async def categories(self) -> list[CategoryNode]:
        nodes: list[CategoryNode] = []
        page_no = 1
        while True:
            fields = {"pageNo": str(page_no), "pageSize": str(CATEGORY_PAGE_SIZE)}
            result = await self._result("product/getCategorys", fields)
            page = parse(CategoryPageWire, result, "product/getCategorys")
            nodes += [
                CategoryNode(c.catId, c.parentId or None, c.name, c.catClass + 1)
                for c in page.categorys
            ]
            if not page.categorys or page_no * CATEGORY_PAGE_SIZE >= page.totalRows:
                return nodes
            page_no += 1

    async def child_areas(self, parent_id: int | None, level: int) -> list[AreaNode]:
        if level not in AREA_METHODS or (level == 1) != (parent_id is None):
            raise ValueError(f"level {level} with parent {parent_id}")
        fields = {} if parent_id is None else {"id": str(parent_id)}
        try:
            result = json_text(await self._result(AREA_METHODS[level], fields))
        except SupplierError as error:
            if error.details.get("supplier_code") == AREA_HAS_NO_CHILDREN:
                return []
            raise
        if not isinstance(result, dict):
            raise InvalidSupplierAnswer(details={"path": AREA_METHODS[level]})
        try:
            return [AreaNode(int(i), parent_id, str(n), level) for n, i in result.items()]
        except (TypeError, ValueError):
            raise InvalidSupplierAnswer(details={"path": AREA_METHODS[level]}) from None

    # -- prices, stock, freight -----------------------------------------------------------

    async def prices(self, skus: Sequence[str]) -> list[PriceQuote]:
        async def fetch(chunk: Sequence[str]) -> list[PriceQuote]:
            result = await self._result(
                "price/getSellPrice", {"sku": ",".join(chunk), "queryExts": ""}
            )
            return [
                mapping.price_quote(p) for p in parse_list(PriceWire, result, "price/getSellPrice")
            ]

        return await self._per_chunk(skus, fetch)

    async def stock(self, items: Sequence[tuple[str, int]], area: Area) -> list[StockLevel]:
        wanted = dict(items)

        async def fetch(chunk: Sequence[str]) -> list[StockLevel]:
            sku_nums = json.dumps([{"skuId": int(s), "num": wanted[s]} for s in chunk])
            result = await self._result(
                "stock/getNewStockById", {"skuNums": sku_nums, "area": area_text(area)}
            )
            rows = parse_list(StockWire, result, "stock/getNewStockById")
            return [mapping.stock_level(row) for row in rows]

        return await self._per_chunk([sku for sku, _ in items], fetch)

    async def freight(self, lines: Sequence[OrderLine], area: Area) -> int:
        sku = json.dumps([{"skuId": int(line.sku), "num": line.quantity} for line in lines])
        fields = {"sku": sku, **_area_fields(area), "paymentType": PREPAID_BALANCE}
        result = await self._result("order/getFreight", fields)
        return to_fen(parse(FreightWire, result, "order/getFreight").freight)

    # -- orders ------------------------------------------------------------------------------

    async def submit_order(self, request: UpstreamOrderRequest) -> UpstreamOrder:
        """Place the order exactly once: after a timeout, look it up by our order number before
        trying again; a duplicate answer (0008) means it is already there."""
        fields = _submit_fields(request)
        policy = self.guard.retry_policy
        for attempt in range(policy.attempts):
            try:
                envelope = await self._envelope("order/submitOrder", fields, retry=False)
            except SupplierUnavailable:
                existing = await self._find_after_failure(request.order_no)
                if existing is not None:
                    return await self.order_detail(existing, order_no=request.order_no)
                if attempt + 1 >= policy.attempts:
                    raise
                await asyncio.sleep(policy.delay(attempt))
                continue
            if envelope.code == DUPLICATE_THIRD_ORDER:
                # The refusal names the order already placed; looked up only when it does not.
                existing = _named_order(envelope.result) or await self.find_order(request.order_no)
                if existing is None:
                    raise InvalidSupplierAnswer(details={"order_no": request.order_no})
                return await self.order_detail(existing, order_no=request.order_no)
            wire = parse(OrderWire, envelope.result, "order/submitOrder")
            return mapping.upstream_order(wire, request.order_no)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _find_after_failure(self, order_no: str) -> str | None:
        try:
            return await self.find_order(order_no)
        except SupplierError:
            return None  # still unreachable: the caller retries the submission itself

    async def confirm_order(self, supplier_order_id: str) -> None:
        await self._envelope("order/confirmOrder", {"jdOrderId": supplier_order_id})

    async def cancel_order(self, supplier_order_id: str) -> None:
        await self._result("order/cancel", {"jdOrderId": supplier_order_id})

    async def find_order(self, order_no: str) -> str | None:
        try:
            result = await self._result(
                "order/selectJdOrderIdByThirdOrder", {"thirdOrder": order_no}
            )
        except UpstreamNotFound:
            return None
        text = str(result or "").strip()
        try:
            return order_id_text(text) if text else None
        except ValueError:
            raise InvalidSupplierAnswer(
                details={"path": "order/selectJdOrderIdByThirdOrder"}
            ) from None

    async def order_detail(self, supplier_order_id: str, *, order_no: str = "") -> UpstreamOrder:
        result = json_text(
            await self._result(
                "order/selectJdOrder", {"jdOrderId": supplier_order_id, "queryExts": ""}
            )
        )
        if isinstance(result, dict) and isinstance(result.get("pOrder"), dict):
            split = parse(SplitOrderWire, result, "order/selectJdOrder")
            children = tuple(
                # Each child names its own parent (a re-split child may name the original).
                mapping.upstream_order(c, order_no, parent_id=c.parent_id or split.pOrder.jdOrderId)
                for c in split.cOrder
            )
            return mapping.upstream_order(split.pOrder, order_no, children)
        wire = parse(OrderWire, result, "order/selectJdOrder")
        return mapping.upstream_order(wire, order_no, parent_id=wire.parent_id)

    async def track(self, supplier_order_id: str) -> OrderTrack:
        result = await self._result(
            "order/orderTrack", {"jdOrderId": supplier_order_id, "waybillCode": "1"}
        )
        return mapping.order_track(supplier_order_id, parse(TrackWire, result, "order/orderTrack"))

    # -- after-sales --------------------------------------------------------------------------

    async def after_sale_options(self, supplier_order_id: str, sku: str) -> AfterSaleOptions:
        return await aftersales.options(self._result, supplier_order_id, sku)

    async def apply_after_sale(self, request: AfterSaleRequest) -> AfterSaleCase:
        return await aftersales.apply(self._result, request)

    async def after_sale_cases(self, supplier_order_id: str) -> list[AfterSaleCase]:
        return await aftersales.cases(self._result, supplier_order_id)

    async def cancel_after_sale(self, service_id: str) -> None:
        await aftersales.cancel(self._result, service_id)

    # -- VOP-specific: the account's product pool (for calibration) -------------------------

    async def pool_pages(self) -> list[str]:
        """The ids of the account's pool pages (VOP's ``page_num``)."""
        result = json_text(await self._result("product/getPageNum", {}))
        if not isinstance(result, list):
            raise InvalidSupplierAnswer(details={"path": "product/getPageNum"})
        return [str(page["page_num"]) for page in result if isinstance(page, dict)]

    async def pool_page_skus(self, page_num: str, page_no: int) -> tuple[list[str], int]:
        """One page of SKU ids of a pool page, and how many pages it has."""
        fields = {"pageNum": page_num, "pageNo": str(page_no)}
        result = json_text(await self._result("product/getSkuByPage", fields))
        try:
            return [str(sku) for sku in result["skuIds"]], int(result["pageCount"])
        except (KeyError, TypeError, ValueError):
            raise InvalidSupplierAnswer(details={"path": "product/getSkuByPage"}) from None

    # -- money and change feed ----------------------------------------------------------------

    async def balance(self) -> int:
        result = await self._result("price/getUnionBalance", {"type": "1"})
        balance = parse(UnionBalanceWire, result, "price/getUnionBalance").balance
        return to_fen(balance.remainLimit)

    async def fetch_messages(self, types: Sequence[MessageType]) -> list[SupplierMessage]:
        result = await self._result("message/get", {"type": ",".join(str(int(t)) for t in types)})
        batch = json_text(result)
        if batch is not None and not isinstance(batch, list):
            raise InvalidSupplierAnswer(details={"path": "message/get"})
        messages = []
        for raw in batch or []:
            try:
                message = mapping.supplier_message(MessageWire.model_validate(raw))
            except (ValidationError, ValueError):
                log.warning("malformed supplier message skipped", raw=str(raw)[:500])
                continue
            if message is not None:
                messages.append(message)
        return messages

    async def ack_messages(self, message_ids: Sequence[str]) -> None:
        for chunk in chunks(list(message_ids)):
            await self._result("message/del", {"id": ",".join(chunk)})


def _named_order(result: Any) -> str | None:
    """The ``jdOrderId`` a duplicate-order refusal (0008) carries, if it carries a valid one."""
    try:
        return order_id_text(result.get("jdOrderId")) if isinstance(result, dict) else None
    except ValueError:
        return None


def _area_fields(area: Area) -> dict[str, str]:
    return {
        "province": str(area.province),
        "city": str(area.city),
        "county": str(area.county),
        "town": str(area.town),
    }


def _submit_fields(request: UpstreamOrderRequest) -> dict[str, str]:
    r = request.recipient
    lines = [
        {
            "skuId": int(line.sku),
            "num": line.quantity,
            "bNeedGift": False,
            "price": format_yuan(line.unit_price_fen),
        }
        for line in request.lines
    ]
    snapshot = [
        {"skuId": int(line.sku), "price": format_yuan(line.unit_price_fen)}
        for line in request.lines
    ]
    return {
        "thirdOrder": request.order_no,
        "sku": json.dumps(lines),
        "name": r.name,
        **_area_fields(r.area),
        "address": r.address,
        "mobile": r.mobile,
        "email": r.email,
        "zip": r.zip_code,
        "invoiceState": "2",
        "invoiceType": "4",
        "selectedInvoiceTitle": "5",
        "companyName": "",
        "invoiceContent": "1",
        "paymentType": PREPAID_BALANCE,
        "isUseBalance": "1",
        "submitState": "1" if request.place_directly else "0",
        "doOrderPriceMode": "1",
        "orderPriceSnap": json.dumps(snapshot),
    }
