"""The filtered request list shared by the inbox, the exports and the daily list."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from server.core.models import OPEN_STATES, State
from server.workbench import limits, roles
from server.workbench.forms import FilterForm


def filtered(user, params) -> tuple[QuerySet, FilterForm]:
    posts = list(roles.posts_for(user))
    form = FilterForm(params or None, posts=posts)
    qs = roles.requests_for(user)
    data = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    state = data.get("state") or "open"
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state == "overdue":
        qs = qs.filter(limits.overdue_q(now))
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
        qs = qs.filter(receipt=data["q"].strip().upper())   # receipts are upper case; exact match uses the index
    return qs, form


def inbox_order(qs: QuerySet, now, state: str) -> QuerySet:
    """The work queue (open or overdue): overdue first, then the most urgent categories, then the newest.
    Any other list (closed, all): newest first, straight from the index."""
    if state not in ("", "open", "overdue"):
        return qs.order_by("-received_at", "-id")
    overdue = Case(When(limits.overdue_q(now), then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(is_late=overdue, urgency=limits.urgency_rank()).order_by("is_late", "urgency", "-received_at",
                                                                                "-id")
