"""Texts of the system settings page (Chinese first, English as the alternative)."""

from __future__ import annotations

SETTINGS_TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "settings.title": "系统设置",
        "settings.note": "设置分两类：保存在数据库中的业务设置可在此修改"
        "（校验后生效，并记入审计日志）；"
        "环境设置在启动时从 HIVE_* 环境变量读取，此处只读，修改需设置变量后重启。",
        "settings.data": "业务设置（数据库）",
        "settings.grades_note": "客户等级的价格系数（商品价 = 基准价 × 系数；"
        "修改后全部商品将重新定价，"
        "作为后台任务执行）与开放平台限流（每个应用每类接口，未单独设置时使用环境默认值）。",
        "settings.grade": "客户等级",
        "settings.coefficient": "价格系数",
        "settings.save_coefficient": "保存系数",
        "settings.confirm_coefficient": "修改“{name}”的价格系数将对全部商品重新定价。确定修改？",
        "settings.rate": "每秒请求数",
        "settings.burst": "突发上限",
        "settings.save_limit": "保存限流",
        "settings.default_limit": "当前为默认值（{rate}/秒，突发 {burst}）",
        "settings.no_grades": "还没有客户等级",
        "settings.elsewhere": "其他页面维护的业务设置",
        "settings.link.pricing": "定价规则与品类最低毛利",
        "settings.link.suppliers": "供应商接口调用频率",
        "settings.link.billing": "客户授信额度",
        "settings.environment": "环境设置（只读）",
        "settings.env_note": "密钥与连接串中的密码从不显示，只显示是否已设置。",
        "settings.variable": "环境变量",
        "settings.value": "当前值",
        "settings.source": "来源",
        "settings.source.environment": "环境变量",
        "settings.source.file": ".env 文件或启动参数",
        "settings.source.default": "默认值",
        "settings.secret.set": "已设置（不显示）",
        "settings.secret.unset": "未设置",
        "settings.secret.generated": "未设置：使用数据目录中自动生成的密钥（不显示）",
        "settings.done.coefficient": "价格系数已保存，全部商品正在重新定价",
        "settings.done.api_limit": "开放平台限流已保存",
        "field.coefficient": "价格系数",
        "field.rate_per_s": "每秒请求数",
        "field.burst": "突发上限",
    },
    "en": {
        "settings.title": "System settings",
        "settings.note": "Settings come in two kinds: business settings kept in the database are "
        "changed here (validated, and recorded in the audit log); environment settings are read "
        "from HIVE_* variables at start, shown here read-only, and changed by setting the "
        "variable and restarting.",
        "settings.data": "Business settings (database)",
        "settings.grades_note": "Each customer grade's price coefficient (price = base price × "
        "coefficient; a change reprices every product, as a background job) and its Open API "
        "rate limit (per app and route group; grades without their own use the environment's "
        "default).",
        "settings.grade": "Customer grade",
        "settings.coefficient": "Price coefficient",
        "settings.save_coefficient": "Save coefficient",
        "settings.confirm_coefficient": 'Changing the coefficient of "{name}" reprices every '
        "product. Change it?",
        "settings.rate": "Requests per second",
        "settings.burst": "Burst",
        "settings.save_limit": "Save limit",
        "settings.default_limit": "Using the default ({rate}/s, burst {burst})",
        "settings.no_grades": "No customer grades yet",
        "settings.elsewhere": "Business settings kept on other pages",
        "settings.link.pricing": "Pricing rules and category margin floors",
        "settings.link.suppliers": "Supplier call rates",
        "settings.link.billing": "Tenants' credit lines",
        "settings.environment": "Environment settings (read-only)",
        "settings.env_note": "Secrets and passwords in connection URLs are never shown, only "
        "whether they are set.",
        "settings.variable": "Variable",
        "settings.value": "Value",
        "settings.source": "Source",
        "settings.source.environment": "Environment variable",
        "settings.source.file": ".env file or launcher",
        "settings.source.default": "Default",
        "settings.secret.set": "Set (not shown)",
        "settings.secret.unset": "Not set",
        "settings.secret.generated": "Not set: the key generated in the data directory is used "
        "(not shown)",
        "settings.done.coefficient": "Coefficient saved; every product is being repriced",
        "settings.done.api_limit": "Open API rate limit saved",
        "field.coefficient": "Price coefficient",
        "field.rate_per_s": "Requests per second",
        "field.burst": "Burst",
    },
}
