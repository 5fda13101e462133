"""What the words of a search keyword mean: brands, categories, product words, styles, colours.

A keyword is split on blanks; a piece that is not itself a known term (e.g. ``华为手机``) is
segmented greedily into the longest known terms. Each term means one kind of slot restriction;
a term matching several kinds takes the first of brand, category/product word, style, colour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hive.simulators.vop.categories import CategoryTree
from hive.simulators.vop.category_data import COLORS, STYLES

# Longest term the segmenter tries (the longest brand or word is shorter).
MAX_TERM_LENGTH = 12


@dataclass(frozen=True)
class Meaning:
    """One term's restriction; all empty means the term matches nothing."""

    brands: frozenset[str] = frozenset()
    leaf_words: dict[int, frozenset[int]] = field(default_factory=dict)
    styles: frozenset[int] = frozenset()
    colors: frozenset[int] = frozenset()


class Vocabulary:
    def __init__(self, tree: CategoryTree) -> None:
        self.tree = tree
        terms: set[str] = set(STYLES) | set(COLORS)
        for leaf in tree.leaves:
            terms.update(leaf.brands)
            terms.update(leaf.words)
            terms.update(c.name for c in leaf.path)
        self.terms = frozenset(t.lower() for t in terms)
        self._cache: dict[str, Meaning] = {}

    def resolve(self, keyword: str) -> list[Meaning]:
        meanings: list[Meaning] = []
        for piece in keyword.lower().split():
            whole = self.meaning(piece)
            if whole != Meaning():
                meanings.append(whole)
                continue
            meanings.extend(self.meaning(term) for term in self.segment(piece))
        return meanings

    def segment(self, piece: str) -> list[str]:
        """Greedy longest-match split; an unknown character becomes a term of its own."""
        terms: list[str] = []
        start = 0
        while start < len(piece):
            end = min(len(piece), start + MAX_TERM_LENGTH)
            while end > start + 1 and piece[start:end] not in self.terms:
                end -= 1
            terms.append(piece[start:end])
            start = end
        return terms

    def meaning(self, term: str) -> Meaning:
        cached = self._cache.get(term)
        if cached is None:
            cached = self._meaning(term)
            if len(self._cache) < 10_000:
                self._cache[term] = cached
        return cached

    def _meaning(self, term: str) -> Meaning:
        brands = frozenset(
            b for leaf in self.tree.leaves for b in leaf.brands if term == b.lower()
        ) or frozenset(
            b
            for leaf in self.tree.leaves
            for b in leaf.brands
            if len(term) > 1 and term in b.lower()
        )
        if brands:
            return Meaning(brands=brands)
        leaf_words: dict[int, frozenset[int]] = {}
        for leaf in self.tree.leaves:
            if any(term in c.name.lower() for c in leaf.path):
                leaf_words[leaf.index] = frozenset(range(len(leaf.words)))
                continue
            words = frozenset(i for i, w in enumerate(leaf.words) if term in w.lower())
            if words:
                leaf_words[leaf.index] = words
        if leaf_words:
            return Meaning(leaf_words=leaf_words)
        styles = frozenset(i for i, s in enumerate(STYLES) if term in s)
        if styles:
            return Meaning(styles=styles)
        return Meaning(colors=frozenset(i for i, c in enumerate(COLORS) if term in c))
