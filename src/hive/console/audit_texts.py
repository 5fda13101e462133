"""What each audit action is called on the audit log page, in Chinese and English.

Every action a service records (``record_audit(session, actor, "<action>", …)``) has its
words here; ``tests/console/test_audit_names.py`` scans the source and fails for an action
without them. An action the table does not know (an old row) is shown as its code."""

from __future__ import annotations

# action -> (中文, English)
ACTION_NAMES: dict[str, tuple[str, str]] = {
    # customers and sign-in
    "grade.create": ("新建客户等级", "Customer grade created"),
    "grade.coefficient": ("修改等级价格系数", "Grade price coefficient changed"),
    "grade.update": ("修改客户等级", "Customer grade changed"),
    "grade.delete": ("删除客户等级", "Customer grade deleted"),
    "tenant.create": ("新建客户", "Tenant created"),
    "tenant.status": ("客户状态变更", "Tenant status changed"),
    "user.create": ("新建账号", "Account created"),
    "user.role": ("修改账号角色", "Account role changed"),
    "user.status": ("账号停用/启用", "Account suspended or reactivated"),
    "user.unlock": ("解除登录锁定", "Sign-in lock lifted"),
    "user.sign_out_everywhere": ("退出所有会话", "Signed out everywhere"),
    "user.login": ("登录", "Signed in"),
    "user.logout": ("退出登录", "Signed out"),
    "user.password_change": ("修改密码", "Password changed"),
    "user.password_reset": ("重置密码", "Password reset"),
    "session.end": ("结束登录会话", "Session ended"),
    "sign_in.locked_account": ("账号登录被锁定", "Account sign-in locked"),
    "sign_in.locked_address": ("地址登录被锁定", "Address sign-in locked"),
    # suppliers and the warehouse
    "supplier.create": ("新建供应商", "Supplier created"),
    "supplier.enable": ("供应商启用/停用", "Supplier enabled or disabled"),
    "supplier.credentials_reencrypt": ("供应商凭据重新加密", "Supplier credentials re-encrypted"),
    "supplier.tokens_reencrypt": ("供应商令牌重新加密", "Supplier tokens re-encrypted"),
    "warehouse.create": ("新建仓库", "Warehouse created"),
    "warehouse.product_create": ("新建仓库商品", "Warehouse product created"),
    "warehouse.receive": ("入库", "Batch received"),
    "warehouse.adjust": ("库存调整", "Stock adjusted"),
    "warehouse.set_price": ("设置仓库商品价格", "Warehouse price set"),
    "warehouse.set_shelf": ("仓库商品上下架", "Warehouse shelf status set"),
    "warehouse.set_threshold": ("设置库存预警", "Low-stock threshold set"),
    "warehouse.return_complete": ("退货完成", "Return completed"),
    "warehouse.order_shipped": ("仓库订单发货", "Warehouse order shipped"),
    "warehouse.order_delivered": ("仓库订单送达", "Warehouse order delivered"),
    "warehouse.order_completed": ("仓库订单完成", "Warehouse order completed"),
    # catalogue
    "pool.select": ("商品入池", "Products selected into the pool"),
    "pool.select_all_requested": ("搜索结果全部入池", "Select-all requested"),
    "pool.calibrate_requested": ("商品池立即校准", "Pool calibration requested"),
    "product.status": ("商品状态变更", "Product status changed"),
    "rule.create": ("新建选品规则", "Selection rule created"),
    "rule.update": ("修改选品规则", "Selection rule changed"),
    "rule.delete": ("删除选品规则", "Selection rule deleted"),
    "rule.run_requested": ("执行选品规则", "Selection rule run requested"),
    "pricing.rule.create": ("保存定价规则", "Pricing rule saved"),
    "pricing.rule.delete": ("删除定价规则", "Pricing rule deleted"),
    "pricing.floor": ("设置最低毛利", "Margin floor set"),
    "pricing.reprice": ("全量重新定价", "Full reprice requested"),
    "pricing.special.create": ("新建特价", "Special price added"),
    "pricing.special.delete": ("删除特价", "Special price deleted"),
    "distribution.pool_created": ("新建分销池", "Distribution pool created"),
    "distribution.pool_active": ("分销池启用/停用", "Distribution pool enabled or disabled"),
    "distribution.members_added": ("分销池加入商品", "Products added to a pool"),
    "distribution.members_removed": ("分销池移出商品", "Products removed from a pool"),
    "distribution.pool_assigned": ("分配分销池", "Pool assigned"),
    "distribution.pool_unassigned": ("取消分配分销池", "Pool unassigned"),
    "library.added": ("加入商品库", "Added to the library"),
    "library.category_added": ("整类加入商品库", "Category added to the library"),
    "library.removed": ("移出商品库", "Removed from the library"),
    "library.price_set": ("设置零售价", "Retail price set"),
    "job.cancel": ("取消后台任务", "Job cancelled"),
    "export.start": ("导出数据", "Data exported"),
    "export.download": ("下载导出文件", "Export downloaded"),
    # billing, orders, open platform
    "billing.top_up": ("充值", "Top-up"),
    "billing.adjust": ("调账", "Adjustment"),
    "billing.credit_limit": ("设置授信额度", "Credit limit set"),
    "orders.cancel": ("取消订单", "Order cancelled"),
    "orders.held_cancelled": ("取消挂起的子订单并退款", "Held sub-order cancelled and refunded"),
    "orders.held_released": ("恢复处理挂起的子订单", "Held sub-order released"),
    "order.receiver_viewed": ("查看完整收货信息", "Full receiver details viewed"),
    "openapi.app_create": ("新建开放平台应用", "Open API app created"),
    "openapi.app_revoke": ("吊销应用", "App revoked"),
    "openapi.secret_rotate": ("轮换应用密钥", "App secret rotated"),
    "openapi.app_rate_limit": ("设置应用限流", "App rate limit set"),
    "openapi.grade_rate_limit": ("设置等级限流", "Grade rate limit set"),
    "openapi.secrets_reencrypt": ("应用密钥重新加密", "App secrets re-encrypted"),
    "webhooks.subscribe": ("新建 Webhook 订阅", "Webhook subscribed"),
    "webhooks.unsubscribe": ("删除 Webhook 订阅", "Webhook unsubscribed"),
    "webhooks.pause": ("暂停 Webhook", "Webhook paused"),
    "webhooks.resume": ("恢复 Webhook", "Webhook resumed"),
    "webhooks.replay": ("重发 Webhook 消息", "Webhook delivery replayed"),
    "webhooks.secrets_reencrypt": ("Webhook 密钥重新加密", "Webhook secrets re-encrypted"),
}


def action_texts() -> dict[str, dict[str, str]]:
    """The table as catalogue texts ``audit.action.<action>``."""
    return {
        language: {f"audit.action.{a}": names[i] for a, names in ACTION_NAMES.items()}
        for i, language in enumerate(("zh", "en"))
    }


# target_type -> (中文, English): the kind of entity an entry is about.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "account": ("账号登录", "Account sign-in"),
    "address": ("登录地址", "Sign-in address"),
    "category": ("类目", "Category"),
    "distribution_pool": ("分销池", "Distribution pool"),
    "grade": ("客户等级", "Customer grade"),
    "job_progress": ("后台任务", "Background job"),
    "ledger_entry": ("账务流水", "Ledger entry"),
    "library": ("商品库", "Product library"),
    "open_app": ("开放平台应用", "Open API app"),
    "order": ("订单", "Order"),
    "pricing_rule": ("定价规则", "Pricing rule"),
    "product": ("商品", "Product"),
    "reprice_run": ("重新定价", "Reprice run"),
    "selection_rule": ("选品规则", "Selection rule"),
    "sub_order": ("子订单", "Sub-order"),
    "special_price": ("客户特价", "Special price"),
    "supplier": ("供应商", "Supplier"),
    "tenant": ("客户", "Tenant"),
    "user": ("账号", "Account"),
    "warehouse": ("仓库", "Warehouse"),
    "warehouse_batch": ("入库批次", "Warehouse batch"),
    "warehouse_order": ("仓库订单", "Warehouse order"),
    "warehouse_product": ("仓库商品", "Warehouse product"),
    "warehouse_return": ("仓库退货", "Warehouse return"),
    "warehouse_stock": ("仓库库存", "Warehouse stock"),
    "webhook_subscription": ("Webhook 订阅", "Webhook subscription"),
}


def kind_texts() -> dict[str, dict[str, str]]:
    """The entity kinds as catalogue texts ``audit.kind.<target_type>``."""
    return {
        language: {f"audit.kind.{k}": names[i] for k, names in KIND_NAMES.items()}
        for i, language in enumerate(("zh", "en"))
    }
