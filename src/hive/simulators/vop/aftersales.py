"""After-sale services: the record, its step machine (as data) and its storage.

Steps (VOP's ``afsServiceStep``): 10 applied, 20 audit refused, 21 customer-service audit,
22 merchant audit, 31 received, 32 processing, 33 awaiting confirmation, 34 confirmed,
40 completed, 60 cancelled.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.store import Store, dumps

AFS_ID_START = 880_000_001

STEP_NAMES: dict[int, str] = {
    10: "申请阶段",
    20: "审核不通过",
    21: "客服审核",
    22: "商家审核",
    31: "京东收货",
    32: "商家收货",
    33: "京东处理",
    34: "商家处理",
    40: "完成",
    60: "取消",
}
# The path a service walks on the clock, one step per ``afs_step_after_s``.
NEXT_STEP: dict[int, int] = {10: 21, 21: 31, 31: 32, 32: 40}
CANCELLABLE_STEPS = frozenset({10, 21, 22})
EXPECT_NAMES: dict[int, str] = {10: "退货", 20: "换货", 30: "维修"}
PICKWARE_NAMES: dict[int, str] = {4: "上门取件", 7: "客户送货", 40: "客户发货"}
# Customer ships the goods back: the service waits at step 21 until ``updateSendSku``.
CUSTOMER_SHIPS = 40
# A question description containing this is refused at audit (lets tests reach step 20).
REFUSAL_MARKER = "测试拒绝"


@dataclass
class AfsService:
    afs_service_id: int
    jd_order_id: int
    sku_id: int
    sku_name: str
    num: int
    unit_price: int
    customer_expect: int
    question_desc: str
    pickware_type: int
    customer: dict[str, object]
    third_apply_id: str | None
    created_at: float
    step: int = 10
    step_at: float = 0.0
    approve_notes: str = ""
    send_info: dict[str, object] | None = None
    tracks: list[dict[str, object]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.step not in (20, 60)

    @property
    def waiting_for_goods(self) -> bool:
        return self.step == 21 and self.pickware_type == CUSTOMER_SHIPS and not self.send_info

    def next_step(self) -> int | None:
        if self.step == 10 and REFUSAL_MARKER in self.question_desc:
            return 20
        if self.waiting_for_goods:
            return None
        return NEXT_STEP.get(self.step)

    @staticmethod
    def from_json(text: str) -> AfsService:
        return AfsService(**json.loads(text))


class AfsRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def new_id(self) -> int:
        return self.store.next_id("next_afs_id", AFS_ID_START)

    def save(self, service: AfsService, due_at: float | None) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO afs (afs_service_id, jd_order_id, third_apply_id, due_at, data) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (afs_service_id) DO UPDATE SET "
                "due_at = excluded.due_at, data = excluded.data",
                (
                    service.afs_service_id,
                    service.jd_order_id,
                    service.third_apply_id,
                    due_at,
                    dumps(asdict(service)),
                ),
            )

    def get(self, afs_service_id: int) -> AfsService:
        rows = self.store.query("SELECT data FROM afs WHERE afs_service_id = ?", (afs_service_id,))
        if not rows:
            raise VopError(Code.NOT_FOUND, f"afsServiceId {afs_service_id}")
        return AfsService.from_json(str(rows[0][0]))

    def for_order(self, jd_order_ids: list[int]) -> list[AfsService]:
        marks = ",".join("?" * len(jd_order_ids))
        rows = self.store.query(
            f"SELECT data FROM afs WHERE jd_order_id IN ({marks}) "  # noqa: S608 - marks only
            "ORDER BY afs_service_id",
            jd_order_ids,
        )
        return [AfsService.from_json(str(row[0])) for row in rows]

    def by_third_apply_id(self, third_apply_id: str) -> AfsService | None:
        rows = self.store.query("SELECT data FROM afs WHERE third_apply_id = ?", (third_apply_id,))
        return AfsService.from_json(str(rows[0][0])) if rows else None

    def due(self, now: float, limit: int = 500) -> list[AfsService]:
        rows = self.store.query(
            "SELECT data FROM afs WHERE due_at IS NOT NULL AND due_at <= ? "
            "ORDER BY due_at, afs_service_id LIMIT ?",
            (now, limit),
        )
        return [AfsService.from_json(str(row[0])) for row in rows]

    def next_due(self) -> float | None:
        rows = self.store.query("SELECT MIN(due_at) FROM afs WHERE due_at IS NOT NULL")
        value = rows[0][0] if rows else None
        return None if value is None else float(str(value))
