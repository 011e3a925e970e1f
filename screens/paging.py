"""Split a list of choices into pages of at most six, evenly (7 -> 4 + 3, 12 -> 6 + 6)."""

from __future__ import annotations

import math

MAX_PER_PAGE = 6


def pages(items: list, per_page: int = MAX_PER_PAGE) -> list[list]:
    if not items:
        return [[]]
    count = math.ceil(len(items) / per_page)
    size = math.ceil(len(items) / count)
    return [items[i:i + size] for i in range(0, len(items), size)]


def grid_cols(n: int) -> int:
    """Columns for n big tiles on a wide screen: 1-3 in one row, 4 as 2x2, 5-6 as 3x2."""
    return n if n <= 3 else (2 if n == 4 else 3)
