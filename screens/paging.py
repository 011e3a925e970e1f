"""Split a list of choices into pages of at most six.

Pages are filled in order (7 floors -> 6 + 1): the common choices (low floors, first buildings)
stay on the first page, so most residents never turn a page.
"""

from __future__ import annotations

MAX_PER_PAGE = 6


def pages(items: list, per_page: int = MAX_PER_PAGE) -> list[list]:
    if not items:
        return [[]]
    return [items[i:i + per_page] for i in range(0, len(items), per_page)]


def grid_cols(n: int) -> int:
    """Columns for n big tiles on a wide screen: 1-3 in one row, 4 as 2x2, 5-6 as 3x2."""
    return n if n <= 3 else (2 if n == 4 else 3)
