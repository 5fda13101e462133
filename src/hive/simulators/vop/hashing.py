"""Deterministic integer mixing: the catalogue's only source of "randomness"."""

from __future__ import annotations

_MASK = (1 << 64) - 1


def mix(*parts: int) -> int:
    """A 64-bit hash of integers (splitmix64 folded over the parts)."""
    x = 0x9E3779B97F4A7C15
    for part in parts:
        x = (x ^ (part & _MASK)) & _MASK
        x = (x + 0x9E3779B97F4A7C15) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        x ^= x >> 31
    return x


def unit(*parts: int) -> float:
    """A float in [0, 1) derived from the parts."""
    return mix(*parts) / float(1 << 64)


def pick(n: int, *parts: int) -> int:
    """An index in ``range(n)`` derived from the parts."""
    return mix(*parts) % n
