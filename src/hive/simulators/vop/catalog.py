"""The synthetic catalogue: every attribute of a SKU is a pure function of its id and the seed.

A SKU id is ``SKU_BASE`` plus a mixed-radix number whose digits are, most significant first:
leaf category, brand slot, product-word slot, style slot, colour slot, variant. Ascending id
order is therefore lexicographic order on those slots, which is what lets the search index
enumerate and count matches arithmetically. Within one (leaf, brand) group the retail price
rises with the variant, so a price range is a contiguous variant range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from hive.simulators.vop.catalog_data import (
    BASE_PRICE_FEN,
    BASE_WEIGHT_G,
    LEAF_PRICE_FACTOR,
    REDUCED_TAX_TOPS,
)
from hive.simulators.vop.categories import CategoryTree, Leaf
from hive.simulators.vop.category_data import COLORS, STYLES
from hive.simulators.vop.hashing import mix, unit

SKU_BASE = 100_000_000_000
BRAND_SLOTS = 8
WORD_SLOTS = 4
# Retail price of a group's cheapest and dearest variant, relative to its centre price.
PRICE_LOW, PRICE_HIGH = 0.35, 3.0
_LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"


@dataclass(frozen=True, slots=True)
class Slots:
    leaf: int
    brand: int
    word: int
    style: int
    color: int
    variant: int


class Catalog:
    """Decoding and base attributes of SKU ids (no drift: see ``overlays``)."""

    def __init__(self, tree: CategoryTree, seed: int, min_sku_count: int) -> None:
        self.tree = tree
        self.seed = seed
        self.leaf_count = len(tree.leaves)
        per_variant = self.leaf_count * BRAND_SLOTS * WORD_SLOTS * len(STYLES) * len(COLORS)
        self.variants = max(2, math.ceil(min_sku_count / per_variant))
        self.group_size = WORD_SLOTS * len(STYLES) * len(COLORS) * self.variants
        self.size = per_variant * self.variants
        self.leaf_size = BRAND_SLOTS * self.group_size
        self.brand_names = sorted({b for leaf in tree.leaves for b in leaf.brands})
        self.brand_ids = {name: 8_001 + i for i, name in enumerate(self.brand_names)}

    # --- ids -----------------------------------------------------------------------------

    def exists(self, sku: int) -> bool:
        return 0 <= sku - SKU_BASE < self.size

    def slots(self, sku: int) -> Slots:
        n = sku - SKU_BASE
        n, variant = divmod(n, self.variants)
        n, color = divmod(n, len(COLORS))
        n, style = divmod(n, len(STYLES))
        n, word = divmod(n, WORD_SLOTS)
        leaf, brand = divmod(n, BRAND_SLOTS)
        return Slots(leaf, brand, word, style, color, variant)

    def sku_of(self, s: Slots) -> int:
        n = (s.leaf * BRAND_SLOTS + s.brand) * WORD_SLOTS + s.word
        n = (n * len(STYLES) + s.style) * len(COLORS) + s.color
        return SKU_BASE + n * self.variants + s.variant

    # --- prices and sales per (leaf, brand, variant): shared by colours and styles ----------

    @cached_property
    def group_prices(self) -> list[list[int]]:
        """Retail price (fen) per group ``leaf * BRAND_SLOTS + brand``, ascending by variant."""
        span = math.log(PRICE_HIGH / PRICE_LOW)
        curve = [PRICE_LOW * math.exp(span * v / (self.variants - 1)) for v in range(self.variants)]
        prices: list[list[int]] = []
        for group in range(self.leaf_count * BRAND_SLOTS):
            leaf, brand = divmod(group, BRAND_SLOTS)
            top, _, leaf_category = self.tree.leaves[leaf].path
            centre = BASE_PRICE_FEN[top.cat_id] * LEAF_PRICE_FACTOR.get(leaf_category.name, 1.0)
            centre *= 0.6 + unit(self.seed, leaf, 11)
            centre *= 0.7 + 0.8 * unit(self.seed, leaf, brand, 12)
            prices.append([max(90, round(centre * c / 100) * 100 - 10) for c in curve])
        return prices

    @cached_property
    def group_sales(self) -> list[list[int]]:
        """Units sold per group and variant (cheaper variants sell more)."""
        sales: list[list[int]] = []
        for group in range(self.leaf_count * BRAND_SLOTS):
            # Non-increasing in the variant: the search index merges these rows in order.
            popularity = 500 + mix(self.seed, group, 13) % 50_000
            sales.append([int(popularity / (1 + v / 15)) for v in range(self.variants)])
        return sales

    # --- attributes ------------------------------------------------------------------------

    def leaf(self, s: Slots) -> Leaf:
        return self.tree.leaves[s.leaf]

    def brand(self, s: Slots) -> str:
        return self.tree.leaves[s.leaf].brands[s.brand]

    def name(self, sku: int) -> str:
        return self.name_of(self.slots(sku))

    def name_of(self, s: Slots) -> str:
        leaf = self.leaf(s)
        parts = (leaf.brands[s.brand], leaf.words[s.word], STYLES[s.style], COLORS[s.color])
        return " ".join((*parts, self.model_code(s)))

    def model_code(self, s: Slots) -> str:
        h = mix(self.seed, s.leaf, s.brand, 15)
        letters = _LETTERS[h % len(_LETTERS)] + _LETTERS[(h >> 8) % len(_LETTERS)]
        return f"{letters}-{100 + s.variant}"

    def jd_price(self, sku: int) -> int:
        # The hot path of every price call: two divisions instead of a full slot decode.
        n = sku - SKU_BASE
        return self.group_prices[n // self.group_size][n % self.variants]

    def purchase_price(self, sku: int, jd_price: int) -> int:
        """What the caller pays: 82-95 % of retail, fixed per SKU."""
        return max(1, round(jd_price * (0.82 + 0.13 * unit(self.seed, sku, 1))))

    def market_price(self, sku: int, jd_price: int) -> int:
        return round(jd_price * (1.1 + 0.3 * unit(self.seed, sku, 2)) / 100) * 100

    def tax_rate(self, sku: int) -> int:
        return self.leaf_tax_rates[(sku - SKU_BASE) // self.leaf_size]

    @cached_property
    def leaf_tax_rates(self) -> list[int]:
        tops = [leaf.path[0].cat_id for leaf in self.tree.leaves]
        return [9 if top in REDUCED_TAX_TOPS else 13 for top in tops]

    def sales(self, sku: int) -> int:
        s = self.slots(sku)
        return self.group_sales[s.leaf * BRAND_SLOTS + s.brand][s.variant]

    def good_rate(self, sku: int) -> float:
        return round(90 + 9.9 * unit(self.seed, sku, 3), 1)

    def weight_kg(self, sku: int) -> str:
        s = self.slots(sku)
        grams = BASE_WEIGHT_G[self.leaf(s).path[0].cat_id] * (0.5 + 1.5 * unit(self.seed, sku, 4))
        return f"{grams / 1000:.2f}"

    def images(self, sku: int, count: int = 5) -> list[str]:
        paths = []
        for n in range(count):
            h = mix(self.seed, sku, 5, n)
            paths.append(
                f"jfs/t1/{h % 190_000 + 10_000}/{(h >> 20) % 40 + 1}/{(h >> 26) % 90_000}/"
                f"{(h >> 8) & 0xFFFFFF:06x}/{h:016x}N{n + 1}.jpg"
            )
        return paths

    def upc(self, sku: int) -> str:
        body = "69" + str(mix(self.seed, sku, 6) % 10**10).zfill(10)
        weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
        return body + str((10 - weighted % 10) % 10)

    def warehouse(self, sku: int) -> int:
        """Which of three warehouses ships the SKU (drives automatic order splits)."""
        return mix(self.seed, sku, 7) % 3

    def base_on_shelf(self, sku: int) -> bool:
        return mix(self.seed, sku, 8) % 100 < 97

    def base_in_pool(self, sku: int, pool_percent: int) -> bool:
        return mix(self.seed, sku, 9) % 100 < pool_percent

    def area_restricted(self, sku: int, province: int) -> bool:
        return mix(self.seed, sku, province, 10) % 100 < 2

    def category_path(self, sku: int) -> str:
        return ";".join(str(c.cat_id) for c in self.leaf(self.slots(sku)).path)
