"""Every state change of a request goes through here (DESIGN.md §3).

Each function checks the transition, updates the request (state, times, public_note) and writes a
RequestEvent with who, what and the sentence the kiosk reads aloud to the resident: the kiosks'
status feed reads RequestEvents after a cursor, so the kiosk's answer follows every action.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from server.core.models import Request, RequestEvent, State
from server.workbench import audit, privacy, roles
from server.workbench.models import Topic, TopicStatus, Volunteer

S = State
# action -> the states it may start from
FROM = {
    "accept": {S.RECEIVED},
    "assign": {S.RECEIVED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS},
    "start": {S.ACCEPTED, S.ASSIGNED},
    "resolve": {S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS},
    "reject": {S.RECEIVED, S.ACCEPTED},
    "merge": {S.RECEIVED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS},
    "follow_up": {S.RESOLVED},
    "reopen": {S.RESOLVED, S.FOLLOWED_UP, S.REJECTED, S.MERGED},
}
ACTION_LABELS = {"accept": "受理", "assign": "派给志愿者", "start": "开始办理", "resolve": "办结",
                 "reject": "不予受理", "merge": "并入议事", "follow_up": "记录回访", "reopen": "重新办理",
                 "outcome": "告知议事结果"}
VOLUNTEER_ACTIONS = {"start", "resolve"}

# What the kiosk says to the resident after each action, unless the cadre writes their own sentence.
# No digits or Latin letters: the kiosk's Mandarin voice reads them badly.
PUBLIC = {
    "accept": "社区已经受理您的诉求，会尽快为您安排。",
    "assign": "已派给志愿者，志愿者会尽快和您联系。",
    "start": "志愿者正在为您办理。",
    "resolve": "您的诉求已经办好了。如果还有问题，请再来阵地告诉我们。",
    "reject": "很抱歉，这件事社区暂时办不了：{reason}",
    "merge": "您反映的问题已并入社区议事：{title}。商量好以后告诉您结果。",
    "follow_up": "谢谢您的评价。",
    "reopen": "您的诉求已经重新办理，我们会尽快处理。",
    "outcome": "社区议事有了结果：{outcome}",
}


class ActionError(ValueError):
    """An action that cannot be done now; the message is Chinese and shown to the cadre."""


def allowed_actions(r: Request, user) -> list[str]:
    """The actions this user may take on this request now (the request page shows exactly these)."""
    if roles.is_cadre(user):
        names = [a for a, states in FROM.items() if r.state in states]
    elif roles.is_volunteer(user) and r.assignee_id == user.pk:
        names = [a for a in VOLUNTEER_ACTIONS if r.state in FROM[a]]
        names.sort(key=list(FROM).index)
    else:
        names = []
    return names


def _label(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else "系统"


def _apply(r: Request, action: str, actor, to_state: str, *, note: str = "", public_note: str = "",
           http_request=None, **fields) -> RequestEvent:
    with transaction.atomic():
        current = Request.objects.select_for_update().get(pk=r.pk)
        if action != "outcome" and current.state not in FROM[action]:
            raise ActionError(f"这件诉求现在是“{current.get_state_display()}”，不能{ACTION_LABELS[action]}。")
        if actor is not None and action != "outcome" and action not in allowed_actions(current, actor):
            raise ActionError(f"您没有权限{ACTION_LABELS[action]}这件诉求。")
        now = timezone.now()
        from_state = current.state
        public_note = (public_note or "").strip()[:200]
        refused = privacy.problem(public_note)
        if refused:
            raise ActionError(refused)
        for k, v in fields.items():
            setattr(current, k, v)
        current.state = to_state
        current.updated_at = now
        current.public_note = public_note
        if to_state in (S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED) and current.accepted_at is None:
            current.accepted_at = now     # dispatching or solving at once also answers the resident
        if to_state == S.RESOLVED:
            current.resolved_at = now
        current.save()
        event = RequestEvent.objects.create(request=current, at=now, actor=actor, actor_label=_label(actor),
                                            from_state=from_state, to_state=to_state, note=note.strip(),
                                            public_note=public_note)
        audit.record(actor, "change", current,
                     f"{ACTION_LABELS[action]}：{S(from_state).label}→{S(to_state).label}", http_request)
    r.refresh_from_db()
    return event


def accept(r, actor, *, note="", public_note="", http_request=None):
    return _apply(r, "accept", actor, S.ACCEPTED, note=note, public_note=public_note or PUBLIC["accept"],
                  http_request=http_request)


def assign(r, actor, volunteer: Volunteer, *, note="", public_note="", http_request=None):
    if not volunteer.active or not volunteer.posts.filter(pk=r.post_id).exists():
        raise ActionError(f"{volunteer.name}不在本阵地的微力量名单里，不能派给他/她。")
    return _apply(r, "assign", actor, S.ASSIGNED, note=f"派给 {volunteer.name}" + (f"：{note.strip()}" if note.strip() else ""),
                  public_note=public_note or PUBLIC["assign"], http_request=http_request, assignee=volunteer.user)


def start(r, actor, *, note="", public_note="", http_request=None):
    return _apply(r, "start", actor, S.IN_PROGRESS, note=note, public_note=public_note or PUBLIC["start"],
                  http_request=http_request)


def resolve(r, actor, resolution: str, *, public_note="", http_request=None):
    resolution = (resolution or "").strip()
    if not resolution:
        raise ActionError("请写上办了什么，再点办结。")
    return _apply(r, "resolve", actor, S.RESOLVED, note=resolution, public_note=public_note or PUBLIC["resolve"],
                  http_request=http_request, resolution=resolution)


def reject(r, actor, reason: str, *, public_note="", http_request=None):
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("请写上不能受理的原因，居民会在终端上听到。")
    return _apply(r, "reject", actor, S.REJECTED, note=reason,
                  public_note=public_note or PUBLIC["reject"].format(reason=reason),
                  http_request=http_request, reject_reason=reason)


def merge(r, actor, topic: Topic, *, note="", public_note="", http_request=None):
    if topic.post_id != r.post_id:
        raise ActionError("只能并入本阵地的议事。")
    with transaction.atomic():
        event = _apply(r, "merge", actor, S.MERGED, note=note or f"并入议事：{topic.title}",
                       public_note=public_note or PUBLIC["merge"].format(title=topic.title),
                       http_request=http_request)
        topic.requests.add(r)
    return event


def follow_up(r, actor, satisfaction: int, *, note="", public_note="", http_request=None):
    if satisfaction not in (1, 2, 3, 4, 5):
        raise ActionError("满意度请选一到五分。")
    return _apply(r, "follow_up", actor, S.FOLLOWED_UP, note=note or f"回访：满意度 {satisfaction} 分",
                  public_note=public_note or PUBLIC["follow_up"], http_request=http_request,
                  satisfaction=satisfaction)


def reopen(r, actor, reason: str, *, public_note="", http_request=None):
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("请写上为什么重新办理。")
    return _apply(r, "reopen", actor, S.ACCEPTED, note=reason, public_note=public_note or PUBLIC["reopen"],
                  http_request=http_request, resolved_at=None, satisfaction=None, assignee=None)


def tell_outcome(topic: Topic, actor, *, http_request=None) -> int:
    """Tell every request merged into the topic its outcome (one event each, state stays merged)."""
    outcome = topic.outcome.strip()
    if not outcome:
        raise ActionError("请先写上议事结果。")
    sentence = PUBLIC["outcome"].format(outcome=outcome)
    n = 0
    with transaction.atomic():
        for r in topic.requests.filter(state=S.MERGED):
            _apply(r, "outcome", actor, S.MERGED, note=f"议事结果：{outcome}", public_note=sentence,
                   http_request=http_request)
            n += 1
        topic.status = TopicStatus.CLOSED
        topic.outcome_told_at = timezone.now()
        topic.save(update_fields=["status", "outcome_told_at"])
    return n
