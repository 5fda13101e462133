"""The demo rules select what their names say, from the simulator's real catalogue."""

from __future__ import annotations

from hive.catalog.selection import rules
from hive.catalog.selection.schemas import RuleConditions, RuleCreate
from hive.demo import DEMO_RULE, DEMO_RULES, FOOD_AND_DRINKS, LAPTOPS, PHONES
from tests.catalog.selection.conftest import AREAS, World
from tests.support.factories import ADMIN

ACCESSORY_WORDS = ("手机壳", "保护套", "充电器", "数据线", "快充头", "签字笔", "文件夹")


async def _preview(world: World, name: str, conditions: RuleConditions) -> rules.RulePreview:
    async with world.database.platform_transaction() as session:
        data = RuleCreate(name=name, supplier_id=world.supplier_id, conditions=conditions)
        rule_id = (await rules.create_rule(session, ADMIN, data)).id
    return await rules.preview_rule(world.database, world.adapter, rule_id, stock_areas=AREAS)


async def test_the_phones_and_laptops_rule_selects_phones_and_laptops_only(world: World) -> None:
    conditions = dict(DEMO_RULES)[DEMO_RULE].model_copy(update={"max_products": 30})
    preview = await _preview(world, DEMO_RULE, conditions)
    categories = [set(c.category_path) for c in preview.would_add]
    assert len(preview.would_add) >= 20
    assert all(path & {PHONES, LAPTOPS} for path in categories)
    assert any(PHONES in path for path in categories) and any(
        LAPTOPS in path for path in categories
    )
    assert not [c.name for c in preview.would_add if any(w in c.name for w in ACCESSORY_WORDS)]


async def test_a_keyword_rule_with_a_whitelist_searches_inside_the_categories(
    world: World,
) -> None:
    """The fault the demo rule had: 手机 as a keyword found 200 chargers and cables. With a
    whitelist the keyword is searched inside it, so the candidates are phones."""
    conditions = RuleConditions(keywords=["手机"], category_whitelist=[PHONES], max_products=20)
    preview = await _preview(world, "关键词加分类", conditions)
    assert len(preview.would_add) >= 10
    assert all(PHONES in c.category_path for c in preview.would_add)


async def test_the_food_rule_selects_food(world: World) -> None:
    name, conditions = next(
        (n, c) for n, c in DEMO_RULES if FOOD_AND_DRINKS in c.category_whitelist
    )
    preview = await _preview(world, name, conditions.model_copy(update={"max_products": 10}))
    assert preview.would_add and all(FOOD_AND_DRINKS in c.category_path for c in preview.would_add)
