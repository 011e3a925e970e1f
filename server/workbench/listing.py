"""The filtered request list shared by the inbox, the exports and the daily list."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from server.core.models import OPEN_STATES, State
from server.workbench import limits, roles
from server.workbench.forms import FilterForm
from sync import protocol


def filtered(user, params) -> tuple[QuerySet, FilterForm]:
    posts = list(roles.posts_for(user))
    form = FilterForm(params or None, posts=posts)
    qs = roles.requests_for(user)
    data = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    # A search looks through every state unless one is chosen: the caller may ask about last month's request.
    state = data.get("state") or ("all" if data.get("q") else "open")
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state == "overdue":     # open ones only, said outright so the open requests' index serves it
        qs = qs.filter(limits.overdue_q(now), state__in=OPEN_STATES)
    elif state in State.values:
        qs = qs.filter(state=state)
    if data.get("post"):
        qs = qs.filter(post__code=data["post"])
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(received_at__gte=datetime.combine(data["date_from"], time.min, tz))
    if data.get("date_to"):
        qs = qs.filter(received_at__lt=datetime.combine(data["date_to"] + timedelta(days=1), time.min, tz))
    if data.get("q"):
        qs = qs.filter(search_q(data["q"], [p.code for p in posts]))
    return qs, form


_DOOR = re.compile(r"^(\d{1,4})\s*(?:号楼|栋|幢|楼|-|－)\s*(?:(\d{1,4})\s*(?:单元|-|－)\s*)?(?:(\d{1,4})\s*(?:室|号)?)?$")


SHORT_WORD, SHORT_WORD_DAYS = 3, 30


def is_short_words(text: str) -> bool:
    """Words only (not a code, digits or a door), each shorter than three characters."""
    t = " ".join(text.split())
    return bool(t) and not any(ch.isdigit() for ch in t) and all(len(w) < SHORT_WORD for w in t.split())


def search_q(text: str, post_codes=()) -> Q:
    """What a cadre types when a resident calls (issue 15.1): a receipt code, any 4+ digits of the phone (or the
    code's four digits), a door ("3号楼2单元501", "3-2-501", "3号楼"), or a name and words of the request (every
    word must appear in the name, the address or what the resident said)."""
    text = " ".join(text.split())
    code = text.upper()
    if protocol.RECEIPT_RE.match(code):
        return Q(receipt=code) | Q(issued_receipt=code)
    door = _DOOR.match(text)
    digits = re.sub(r"[\s\-－]", "", text)
    if digits.isdigit() and len(digits) >= 4 and not door:
        q = Q(phone__contains=digits)
        if len(digits) == 4:    # or the four digits of a code; exact codes, so every branch has an index
            codes = [f"{code}-{digits}" for code in post_codes]
            q |= Q(receipt__in=codes) | Q(issued_receipt__in=codes)
        return q
    if door:
        building, unit, room = door.groups()
        q = Q(building__in=[building, f"{building}号楼", f"{building}栋", f"{building}幢"])
        if unit:
            q &= Q(unit__in=[unit, f"{unit}单元"])
        if room:
            q &= Q(room__in=[room, f"{room}室", f"{room}号"])
        return q
    q = Q()
    words = text.split()[:5]
    if all(len(w) < SHORT_WORD for w in words):
        # A trigram index cannot answer one- or two-character words: look through the recent requests only.
        q &= Q(received_at__gte=timezone.now() - timedelta(days=SHORT_WORD_DAYS))
    has_long = any(len(w) >= SHORT_WORD for w in words)
    for word in words:
        if has_long and len(word) < SHORT_WORD:
            # Checked on the rows the longer words found: as a LIKE, the trigram index would return every row.
            q &= Q(*[GreaterThan(StrIndex(col, Value(word)), 0) for col in _WORD_COLUMNS], _connector=Q.OR)
        else:
            # Only columns with a trigram index on PostgreSQL (migration core 0005): one unindexed branch of an
            # OR turns the whole search into a scan of every request.
            q &= Q(*[(f"{col}__contains", word) for col in _WORD_COLUMNS], _connector=Q.OR)
    return q


_WORD_COLUMNS = ("contact_name", "text", "building")


def inbox_order(qs: QuerySet, now, state: str) -> QuerySet:
    """The work queue (open or overdue): overdue first, then the most urgent categories, then the newest.
    Any other list (closed, all): newest first, straight from the index."""
    if state not in ("", "open", "overdue"):
        return qs.order_by("-received_at", "-id")
    # Handed back by a volunteer (issue 15.3): first of all, until the cadre sends it out again.
    back = Case(When(handed_back_at__isnull=False, state=State.ACCEPTED, then=Value(0)), default=Value(1),
                output_field=IntegerField())
    overdue = Case(When(limits.overdue_q(now), then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(is_back=back, is_late=overdue, urgency=limits.urgency_rank()).order_by(
        "is_back", "is_late", "urgency", "-received_at", "-id")
