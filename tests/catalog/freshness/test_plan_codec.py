"""The feed refresh plan survives its trip through procrastinate's job arguments."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from hive.catalog.freshness.refresh import Aspect
from hive.catalog.freshness.tasks import decode_plan, encode_plan

aspect_groups = st.sets(st.sampled_from(list(Aspect)), min_size=1).map(
    lambda aspects: tuple(sorted(aspects))
)
skus = st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=30, unique=True)


@given(st.dictionaries(aspect_groups, skus, max_size=4))
def test_any_plan_comes_back_unchanged_through_json(
    plan: dict[tuple[Aspect, ...], list[str]],
) -> None:
    assert decode_plan(json.loads(json.dumps(encode_plan(plan)))) == plan


def test_plain_skus_travel_as_one_string_and_odd_ones_as_a_list() -> None:
    encoded = encode_plan({(Aspect.PRICE,): ["100001", "A-7_x"], (Aspect.INFO,): ["a b", "c"]})
    assert encoded == {"price": "100001 A-7_x", "info": ["a b", "c"]}
    assert decode_plan({"price": ["1", "2"]}) == {(Aspect.PRICE,): ["1", "2"]}  # older jobs
