"""Texts of the tenant workbench pages (Chinese first, English as the alternative)."""

from __future__ import annotations

WORKBENCH_TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "workbench.pool": "商品池",
        "workbench.pool.total": "共 {total} 件商品",
        "workbench.pool.page": "第 {page} 页",
        "workbench.pool.image": "图片",
        "workbench.pool.none_yet": "还没有可选的商品：平台为您开通商品池后，商品会出现在这里。",
        "workbench.pool.category": "分类",
        "workbench.pool.category_id": "分类 ID",
        "workbench.pool.market_price": "市场价",
        "workbench.pool.price_note": (
            "这里是您的分销池中的商品。「您的进货价」是您向平台采购的价格；市场价为供应商公开售价。"
        ),
        "workbench.pool.sale": "销售状态",
        "workbench.pool.sellable": "可售",
        "workbench.pool.unsellable": "不可售",
        "workbench.pool.invalid": "搜索条件有误",
    },
    "en": {
        "workbench.pool": "Product pool",
        "workbench.pool.total": "{total} products",
        "workbench.pool.page": "Page {page}",
        "workbench.pool.image": "Image",
        "workbench.pool.none_yet": (
            "No products to choose from yet: they appear here once the platform opens a pool "
            "to you."
        ),
        "workbench.pool.category": "Category",
        "workbench.pool.category_id": "Category id",
        "workbench.pool.market_price": "Market price",
        "workbench.pool.price_note": (
            "Products of your distribution pools. Your cost is what you pay us; the market price "
            "is the supplier's public price."
        ),
        "workbench.pool.sale": "Availability",
        "workbench.pool.sellable": "Sellable",
        "workbench.pool.unsellable": "Not sellable",
        "workbench.pool.invalid": "Invalid search",
    },
}
