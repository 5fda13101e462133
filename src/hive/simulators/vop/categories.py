"""The 3-level category tree and its lookups (``product/getCategory``, ``getCategorys``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hive.simulators.vop.category_data import TREE

# Ids for categories ``vop.md`` does not name start here, far from JD's known ids.
SYNTHETIC_CATEGORY_BASE = 20_001


@dataclass(frozen=True, slots=True)
class Category:
    cat_id: int
    parent_id: int
    name: str
    cat_class: int  # 0 top, 1 middle, 2 leaf (VOP's ``catClass``)
    top_id: int


@dataclass(frozen=True, slots=True)
class Leaf:
    """A third-level category with the slots a SKU id encodes under it."""

    index: int
    category: Category
    path: tuple[Category, Category, Category]
    words: tuple[str, ...]
    brands: tuple[str, ...]


@dataclass
class CategoryTree:
    by_id: dict[int, Category] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)
    leaves: list[Leaf] = field(default_factory=list)
    leaf_index_by_id: dict[int, int] = field(default_factory=dict)

    def add(self, category: Category) -> None:
        self.by_id[category.cat_id] = category
        self.children.setdefault(category.parent_id, []).append(category.cat_id)

    def leaves_under(self, cat_id: int) -> list[int]:
        """Leaf indexes under any category (itself included); empty when unknown."""
        if cat_id in self.leaf_index_by_id:
            return [self.leaf_index_by_id[cat_id]]
        found: list[int] = []
        for child in self.children.get(cat_id, []):
            found.extend(self.leaves_under(child))
        return found

    def page(self, parent_id: int | None, cat_class: int | None) -> list[Category]:
        """Categories filtered by parent and class, in tree order."""
        rows = list(self.by_id.values())
        if parent_id is not None:
            rows = [c for c in rows if c.parent_id == parent_id]
        if cat_class is not None:
            rows = [c for c in rows if c.cat_class == cat_class]
        return rows


def build_tree() -> CategoryTree:
    """The tree from :data:`TREE`, with deterministic ids for the unnamed categories."""
    tree = CategoryTree()
    next_id = SYNTHETIC_CATEGORY_BASE
    for top_id, top_name, brands, mids in TREE:
        top = Category(top_id, 0, top_name, 0, top_id)
        tree.add(top)
        for mid_id, mid_name, leaves in mids:
            if mid_id is None:
                mid_id, next_id = next_id, next_id + 1
            mid = Category(mid_id, top_id, mid_name, 1, top_id)
            tree.add(mid)
            for leaf_id, leaf_name, words in leaves:
                if leaf_id is None:
                    leaf_id, next_id = next_id, next_id + 1
                leaf = Category(leaf_id, mid_id, leaf_name, 2, top_id)
                tree.add(leaf)
                index = len(tree.leaves)
                tree.leaves.append(Leaf(index, leaf, (top, mid, leaf), words, brands))
                tree.leaf_index_by_id[leaf_id] = index
    return tree


def category_json(category: Category) -> dict[str, object]:
    return {
        "catId": category.cat_id,
        "parentId": category.parent_id,
        "name": category.name,
        "catClass": category.cat_class,
        "state": 1,
    }
