"""Keyword search over the pool: Chinese words, several words, brands, substrings, typos."""

from __future__ import annotations

import pytest

from hive.catalog.search.service import PoolQuery, SortOrder
from tests.catalog.search.conftest import Item, Pool

PHONES = [
    Item("华为 Mate 60 Pro 智能手机 12GB+512GB 雅川青", "华为", 3, 6999_00, sales=500),
    Item("小米 14 徕卡光学 智能手机 白色", "小米", 3, 3999_00, sales=900),
    Item("华为 FreeBuds Pro 3 无线蓝牙耳机 降噪", "华为", 6, 1499_00, sales=300),
    Item("漫步者 真无线蓝牙耳机 运动款", "漫步者", 6, 199_00, sales=1200),
    Item("三只松鼠 每日坚果礼盒 750g", "三只松鼠", 12, 129_00, sales=5000),
    Item("良品铺子 原味夏威夷果 坚果炒货", "良品铺子", 12, 39_90, sales=800),
    Item("Apple iPhone 15 手机壳 透明硅胶保护套", "Apple", 4, 59_00, sales=60),
]


@pytest.fixture(scope="module")
async def phones(module_pool: Pool) -> Pool:
    await module_pool.add(*PHONES)
    return module_pool


async def test_chinese_word_finds_names_containing_it(phones: Pool) -> None:
    result = await phones.search(PoolQuery(keyword="耳机", sort=SortOrder.SALES))
    assert [h.name for h in result.hits] == [PHONES[3].name, PHONES[2].name]
    assert (result.total, result.total_is_estimate, result.fuzzy) == (2, False, False)


async def test_a_word_inside_a_compound_matches_it(phones: Pool) -> None:
    # "保护套" is one word for jieba; the stored document also holds "护套" inside it.
    assert await phones.names(PoolQuery(keyword="护套")) == [PHONES[6].name]
    assert await phones.names(PoolQuery(keyword="智能手机", sort=SortOrder.SALES)) == [
        PHONES[1].name,
        PHONES[0].name,
    ]


async def test_category_words_match_every_product_filed_under_them(phones: Pool) -> None:
    # 手机 is in the category path 手机数码 of every phone, earphone and phone case.
    names = await phones.names(PoolQuery(keyword="手机", sort=SortOrder.SALES))
    assert names == [PHONES[3].name, PHONES[1].name, PHONES[0].name, PHONES[2].name, PHONES[6].name]


async def test_several_words_must_all_match(phones: Pool) -> None:
    names = await phones.names(PoolQuery(keyword="华为 蓝牙耳机"))
    assert names == [PHONES[2].name]
    names = await phones.names(PoolQuery(keyword="华为 智能手机"))
    assert names == [PHONES[0].name]


async def test_brand_and_category_words_are_searchable(phones: Pool) -> None:
    # "良品铺子" appears in the name too, but "炒货" only through the category path.
    assert await phones.names(PoolQuery(keyword="良品铺子")) == [PHONES[5].name]
    names = await phones.names(PoolQuery(keyword="炒货", sort=SortOrder.SALES))
    assert names == [PHONES[4].name, PHONES[5].name]


async def test_latin_keywords_ignore_case_and_full_width_forms(phones: Pool) -> None:
    assert await phones.names(PoolQuery(keyword="IPHONE")) == [PHONES[6].name]
    assert await phones.names(PoolQuery(keyword="ｍａｔｅ ６０")) == [PHONES[0].name]


async def test_substring_that_is_no_word_matches_through_trigrams(phones: Pool) -> None:
    # jieba cuts "日坚果" into 日 + 坚果, and 日 alone is in no document.
    result = await phones.search(PoolQuery(keyword="日坚果"))
    assert [h.name for h in result.hits] == [PHONES[4].name]
    assert not result.fuzzy


async def test_typo_falls_back_to_a_loose_match_and_says_so(phones: Pool) -> None:
    result = await phones.search(PoolQuery(keyword="iphnoe"))
    assert result.fuzzy
    assert result.hits[0].name == PHONES[6].name


async def test_chinese_typo_finds_the_intended_words(phones: Pool) -> None:
    result = await phones.search(PoolQuery(keyword="蓝呀耳机"))
    assert result.fuzzy
    assert {h.name for h in result.hits} == {PHONES[2].name, PHONES[3].name}


async def test_keyword_matching_nothing_returns_an_empty_page(phones: Pool) -> None:
    result = await phones.search(PoolQuery(keyword="量子波动速读机"))
    assert (result.total, result.hits, result.total_is_estimate) == (0, [], False)
    assert result.facets.brands == [] and result.facets.price_bands == []


async def test_words_that_never_meet_match_nothing_even_loosely(phones: Pool) -> None:
    # Each word alone matches; together nothing does, and the loose retry must not
    # widen a multi-word keyword to "any of its words".
    result = await phones.search(PoolQuery(keyword="降噪 坚果", sort=SortOrder.SALES))
    assert (result.total, result.hits) == (0, [])


async def test_relevance_puts_the_literal_keyword_first(phones: Pool) -> None:
    # Both match 无线 and 蓝牙 and 耳机; only one holds "真无线蓝牙耳机" verbatim.
    names = await phones.names(PoolQuery(keyword="真无线蓝牙耳机"))
    assert names[0] == PHONES[3].name


async def test_punctuation_and_query_operators_are_harmless(phones: Pool) -> None:
    assert await phones.names(PoolQuery(keyword="耳机 & | ! ( ) : * '")) != []
    assert await phones.names(PoolQuery(keyword="100%_off")) == []
    assert len(await phones.names(PoolQuery(keyword="!!"))) == len(PHONES)
