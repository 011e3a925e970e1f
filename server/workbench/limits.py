"""Time limits per category from the catalog urgency (DESIGN.md §3): accept within accept_hours,
resolve within resolve_days, both counted from when the server received the request."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from django.db.models import Case, IntegerField, Q, Value, When

from server.core.models import State
from sync.catalog import default_catalog


@lru_cache(maxsize=1)
def _limits() -> dict[str, tuple[int, int, int]]:
    """category id -> (accept_hours, resolve_days, urgency rank: 0 most urgent)."""
    cat = default_catalog()
    ranks = {uid: i for i, uid in enumerate(sorted(cat.urgencies, key=lambda u: cat.urgencies[u].accept_hours))}
    return {c.id: (c.urgency.accept_hours, c.urgency.resolve_days, ranks[c.urgency.id]) for c in cat.categories}


DEFAULT = (24, 7, 1)


def accept_by(category: str, received_at: datetime) -> datetime:
    return received_at + timedelta(hours=_limits().get(category, DEFAULT)[0])


def resolve_by(category: str, received_at: datetime) -> datetime:
    return received_at + timedelta(days=_limits().get(category, DEFAULT)[1])


def due(r, now: datetime) -> tuple[datetime | None, bool]:
    """(the next deadline of an open request, whether it has passed)."""
    if r.state == State.RECEIVED:
        d = accept_by(r.category, r.received_at)
    elif r.state in (State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS):
        d = resolve_by(r.category, r.received_at)
    else:
        return None, False
    return d, d < now


def accepted_in_time(category: str, received_at: datetime, accepted_at: datetime | None) -> bool:
    return accepted_at is not None and accepted_at <= accept_by(category, received_at)


def overdue_q(now: datetime) -> Q:
    """Open requests past their deadline, as SQL: one clause per distinct limit, no date arithmetic in SQL."""
    by_accept: dict[int, list[str]] = {}
    by_resolve: dict[int, list[str]] = {}
    for cid, (hours, days, _) in _limits().items():
        by_accept.setdefault(hours, []).append(cid)
        by_resolve.setdefault(days, []).append(cid)
    q = Q(pk__in=[])
    for hours, cids in by_accept.items():
        q |= Q(state=State.RECEIVED, category__in=cids, received_at__lt=now - timedelta(hours=hours))
    for days, cids in by_resolve.items():
        q |= Q(state__in=[State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS], category__in=cids,
               received_at__lt=now - timedelta(days=days))
    return q


def urgency_rank():
    """A SQL expression ranking categories by urgency (0 = most urgent)."""
    whens = [When(category__in=[c for c, v in _limits().items() if v[2] == rank], then=Value(rank))
             for rank in sorted({v[2] for v in _limits().values()})]
    return Case(*whens, default=Value(9), output_field=IntegerField())
