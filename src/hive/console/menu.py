"""The console's menu: each domain registers its entries; the layout shows those a role may open.

A domain lists its entries in its own package (e.g. ``hive/catalog/menu.py``)::

    MENU = [MenuEntry("catalog", "pool.title", "/admin/catalog/pool", View.POOL, order=20)]

and names them in its ``domain.py`` (``menu=["hive.catalog.menu:MENU"]``). The HCM collects
every domain's entries at start (:func:`collect`); the layout (``base.html``) shows, for the
signed-in user, the entries whose view the role may open (``permissions.VIEWS``), grouped by
section, with the current page marked and the breadcrumbs derived from it (:func:`trail`).
No template lists menu entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hive.console import i18n
from hive.platform.domains import Domain, resolve
from hive.platform.permissions import View, may_view

# Sections in the order the menu shows them; an entry's section must be one of these.
SECTIONS = (
    "overview",
    "orders",
    "catalog",
    "suppliers",
    "customers",
    "finance",
    "integration",
    "system",
    "workbench",
    "account",
)

i18n.extend(
    {
        "zh": {
            "menu.home": "首页",
            "menu.dashboard": "仪表盘",
            "menu.workbench": "工作台首页",
            "menu.toggle": "菜单",
            "menu.label": "主菜单",
            "menu.breadcrumbs": "当前位置",
            "menu.section.overview": "概览",
            "menu.section.orders": "订单",
            "menu.section.catalog": "商品",
            "menu.section.suppliers": "供应商",
            "menu.section.customers": "客户",
            "menu.section.finance": "财务",
            "menu.section.integration": "开放平台",
            "menu.section.system": "系统",
            "menu.section.workbench": "工作台",
            "menu.section.account": "我的账号",
            "picker.any": "全部分类",
            "picker.any_area": "全部地区",
            "picker.search": "搜索",
            "picker.chosen": "已选 {n} 个分类",
        },
        "en": {
            "menu.home": "Home",
            "menu.dashboard": "Dashboard",
            "menu.workbench": "Workbench home",
            "menu.toggle": "Menu",
            "menu.label": "Main menu",
            "menu.breadcrumbs": "You are here",
            "menu.section.overview": "Overview",
            "menu.section.orders": "Orders",
            "menu.section.catalog": "Products",
            "menu.section.suppliers": "Suppliers",
            "menu.section.customers": "Customers",
            "menu.section.finance": "Finance",
            "menu.section.integration": "Open platform",
            "menu.section.system": "System",
            "menu.section.workbench": "Workbench",
            "menu.section.account": "My account",
            "picker.any": "All categories",
            "picker.any_area": "All areas",
            "picker.search": "Search",
            "picker.chosen": "{n} categories chosen",
        },
    }
)


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """One menu link: its section (one of :data:`SECTIONS`), the text key of its label, the
    page's path, the view that decides who sees it, its place within the section, and other
    paths whose pages belong under it (a product's page under the pool) for the breadcrumbs."""

    section: str
    label: str
    href: str
    view: View
    order: int = 100
    also: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.section not in SECTIONS:
            raise ValueError(f"menu section {self.section!r} is not one of {SECTIONS}")
        if not self.href.startswith("/"):
            raise ValueError(f"menu href {self.href!r} must be a path on this site")

    def matches(self, path: str) -> bool:
        """Whether ``path`` is this entry's page or one below it."""
        if self.href == "/":
            return path == "/"
        return any(
            path == p or path.startswith(p.rstrip("/") + "/") for p in (self.href, *self.also)
        )


@dataclass(frozen=True, slots=True)
class MenuSection:
    name: str
    entries: tuple[MenuEntry, ...]


def collect(domains: Sequence[Domain]) -> list[MenuEntry]:
    """Every domain's menu entries, in section order then by ``order``."""
    entries: list[MenuEntry] = []
    for domain in domains:
        for path in domain.menu:
            declared = resolve(path)
            if not all(isinstance(entry, MenuEntry) for entry in declared):
                raise TypeError(f"{path} must be a list of MenuEntry")
            entries.extend(declared)
    return sorted(entries, key=lambda e: (SECTIONS.index(e.section), e.order, e.href))


def visible(entries: Sequence[MenuEntry], role: str) -> list[MenuSection]:
    """The sections and entries ``role`` may open (empty sections left out)."""
    sections = []
    for name in SECTIONS:
        shown = tuple(e for e in entries if e.section == name and may_view(role, e.view))
        if shown:
            sections.append(MenuSection(name, shown))
    return sections


def current(entries: Sequence[MenuEntry], path: str) -> MenuEntry | None:
    """The entry whose page holds ``path`` (the longest matching href), if any."""
    matching = [e for e in entries if e.matches(path)]
    return max(matching, key=lambda e: len(e.href), default=None)
