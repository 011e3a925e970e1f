"""State changes: allowed transitions, times, public notes and the events the kiosks read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.core.models import RequestEvent, State
from server.workbench import actions
from server.workbench.models import AuditLog, Topic, Volunteer
from tests.workbench.conftest import make_request

pytestmark = pytest.mark.django_db


def test_full_life_writes_an_event_with_actor_and_public_note_each_step(world):
    r, cadre, vol = world["ra"], world["cadre_a"], world["vol"]
    actions.accept(r, cadre)
    assert r.state == State.ACCEPTED and r.accepted_at is not None
    actions.assign(r, cadre, vol)
    assert r.state == State.ASSIGNED and r.assignee == vol.user
    actions.start(r, vol.user)
    actions.resolve(r, vol.user, "买了十斤米送到家")
    assert r.state == State.RESOLVED and r.resolved_at and r.resolution == "买了十斤米送到家"
    actions.follow_up(r, cadre, 5)
    assert r.state == State.FOLLOWED_UP and r.satisfaction == 5
    events = list(RequestEvent.objects.filter(request=r))
    assert [(e.from_state, e.to_state) for e in events] == [
        ("received", "accepted"), ("accepted", "assigned"), ("assigned", "in_progress"),
        ("in_progress", "resolved"), ("resolved", "followed_up")]
    assert [e.actor for e in events] == [cadre, cadre, vol.user, vol.user, cadre]
    assert all(e.public_note for e in events)
    assert events[1].public_note == actions.PUBLIC["assign"] == r.events.get(to_state="assigned").public_note
    assert r.public_note == actions.PUBLIC["follow_up"]
    assert AuditLog.objects.filter(request=r, action="change").count() == 5
    assert AuditLog.objects.filter(request=r, detail="办结：正在办理→已办结", user=vol.user).exists()


def test_disallowed_transitions_change_nothing(world):
    r, cadre = world["ra"], world["cadre_a"]
    with pytest.raises(actions.ActionError, match="不能办结|不能记录回访"):
        actions.follow_up(r, cadre, 4)
    actions.reject(r, cadre, "不属于社区办理范围")
    with pytest.raises(actions.ActionError, match="未能受理"):
        actions.resolve(r, cadre, "x")
    r.refresh_from_db()
    assert r.state == State.REJECTED and r.reject_reason == "不属于社区办理范围"
    assert "不属于社区办理范围" in r.public_note
    assert r.events.count() == 1


def test_required_words_and_scores(world):
    r, cadre = world["ra"], world["cadre_a"]
    for call in (lambda: actions.reject(r, cadre, "  "), lambda: actions.resolve(r, cadre, ""),
                 lambda: actions.reopen(r, cadre, "")):
        with pytest.raises(actions.ActionError):
            call()
    actions.accept(r, cadre)
    actions.resolve(r, cadre, "已办")
    with pytest.raises(actions.ActionError, match="满意、基本满意或不满意"):
        actions.follow_up(r, cadre, 6)
    assert r.events.count() == 2


def test_volunteer_may_only_start_resolve_or_hand_back_own_task(world):
    r, cadre, vol = world["ra"], world["cadre_a"], world["vol"]
    with pytest.raises(actions.ActionError, match="没有权限"):
        actions.accept(r, vol.user)
    actions.assign(r, cadre, vol)
    assert actions.allowed_actions(r, vol.user) == ["start", "resolve", "hand_back"]
    assert "hand_back" not in actions.allowed_actions(r, cadre)
    other = make_request(world["a"])
    assert actions.allowed_actions(other, vol.user) == []


def test_assign_only_to_a_volunteer_of_the_post(world):
    rb = world["rb"]
    with pytest.raises(actions.ActionError, match="不在本阵地"):
        actions.assign(rb, world["cadre_b"], world["vol"])
    rb.refresh_from_db()
    assert rb.state == State.RECEIVED and rb.assignee is None


def test_reopen_clears_resolution_times_and_assignee(world):
    r, cadre = world["ra"], world["cadre_a"]
    actions.assign(r, cadre, world["vol"])    # dispatching straight away also counts as accepting
    assert r.accepted_at is not None
    actions.resolve(r, cadre, "修好了")
    actions.reopen(r, cadre, "居民说灯又不亮了")
    assert r.state == State.ACCEPTED and r.resolved_at is None and r.assignee is None
    assert r.events.last().note == "居民说灯又不亮了"


def test_merge_and_tell_outcome(world):
    a, cadre = world["a"], world["cadre_a"]
    topic = Topic.objects.create(post=a, title="三号楼垃圾点清运")
    rs = [make_request(a, "sanitation") for _ in range(3)]
    for r in rs:
        actions.merge(r, cadre, topic)
    assert set(topic.requests.all()) == set(rs)
    assert all(r.state == State.MERGED and "三号楼垃圾点清运" in r.public_note for r in rs)
    with pytest.raises(actions.ActionError, match="议事结果"):
        actions.tell_outcome(topic, cadre)
    topic.outcome = "垃圾点每天清运两次，加装了盖子"
    topic.save()
    assert actions.tell_outcome(topic, cadre) == 3
    for r in rs:
        r.refresh_from_db()
        assert r.state == State.MERGED and r.public_note.endswith("垃圾点每天清运两次，加装了盖子")
        assert r.events.last().public_note == r.public_note
    with pytest.raises(actions.ActionError, match="本阵地"):
        actions.merge(world["rb"], world["cadre_b"], topic)


def test_event_ids_grow_so_the_kiosk_cursor_sees_every_change(world):
    r, cadre = world["ra"], world["cadre_a"]
    before = RequestEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    actions.accept(r, cadre)
    actions.assign(r, cadre, world["vol"])
    after = list(RequestEvent.objects.filter(id__gt=before).values_list("to_state", flat=True))
    assert after == ["accepted", "assigned"]


def test_inactive_volunteer_cannot_be_assigned(world):
    Volunteer.objects.filter(pk=world["vol"].pk).update(active=False)
    with pytest.raises(actions.ActionError):
        actions.assign(world["ra"], world["cadre_a"], Volunteer.objects.get(pk=world["vol"].pk))


def test_overdue_is_computed_from_catalog_limits(world):
    from django.utils import timezone

    from server.core.models import Request
    from server.workbench import limits
    a = world["a"]
    late_gas = make_request(a, "gas_recharge", ago=timedelta(hours=3))       # urgent: 2 h to accept
    fresh_shop = make_request(a, "shopping", ago=timedelta(hours=3))        # normal: 24 h
    late_repair = make_request(a, "home_repair", ago=timedelta(days=8), state=State.ASSIGNED)   # 7 days
    complex_ok = make_request(a, "welfare_aid", ago=timedelta(days=8), state=State.ACCEPTED)   # 15 days
    now = timezone.now()
    late = set(Request.objects.filter(limits.overdue_q(now)).values_list("pk", flat=True))
    assert late_gas.pk in late and late_repair.pk in late
    assert fresh_shop.pk not in late and complex_ok.pk not in late
    assert limits.due(late_gas, now)[1] and not limits.due(fresh_shop, now)[1]
