"""Every state change of a request goes through here (DESIGN.md §3).

Each function checks the transition, updates the request (state, times, public_note) and writes a
RequestEvent with who, what and the sentence the kiosk reads aloud to the resident: the kiosks'
status feed reads RequestEvents after a cursor, so the kiosk's answer follows every action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from server.core.models import Request, RequestEvent, State
from server.workbench import audit, privacy, roles
from server.workbench.models import Topic, TopicStatus, Volunteer

S = State


@dataclass(frozen=True)
class Action:
    """One workbench action: everything the pages, the checks and the kiosk need to know about it, in one place
    (issue 12.6). `run` takes the posted form, checks what only the form can say, and calls the action below."""

    label: str                      # button, success message, audit log
    from_states: frozenset[str]     # the states it may start from
    to_state: str
    # What the kiosk says unless the cadre writes their own sentence ({reason}, {title} filled in). No digits or
    # Latin letters: the kiosk's Mandarin voice reads them badly.
    public: str
    fields: tuple[str, ...]         # what the request page's form posts
    run: Callable[..., RequestEvent]
    volunteer: bool = False         # a volunteer may take it on their own task
    cadre: bool = True              # a cadre may take it (handing back is the volunteer's; a cadre reassigns)


class ActionError(ValueError):
    """An action that cannot be done now; the message is Chinese and shown to the cadre."""


def allowed_actions(r: Request, user) -> list[str]:
    """The actions this user may take on this request now (the request page shows exactly these)."""
    if roles.is_cadre(user):
        return [name for name, a in REGISTRY.items() if a.cadre and r.state in a.from_states]
    if roles.is_volunteer(user) and r.assignee_id == user.pk:
        return [name for name, a in REGISTRY.items() if a.volunteer and r.state in a.from_states]
    return []


def _label(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else "系统"


def _apply(r: Request, action: str, actor, to_state: str | None = None, *, note: str = "", public_note: str = "",
           http_request=None, say: dict | None = None, **fields) -> RequestEvent:
    """Check and apply one action; `to_state` and the default public sentence come from the registry."""
    spec = REGISTRY.get(action)
    to_state = to_state or spec.to_state
    public_note = public_note or (spec or OUTCOME).public.format(**(say or {}))
    with transaction.atomic():
        current = Request.objects.select_for_update().get(pk=r.pk)
        if action != "outcome" and current.state not in spec.from_states:
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
    return _apply(r, "accept", actor, note=note, public_note=public_note, http_request=http_request)


def assign(r, actor, volunteer: Volunteer, *, note="", public_note="", http_request=None):
    if not volunteer.active or not volunteer.posts.filter(pk=r.post_id).exists():
        raise ActionError(f"{volunteer.name}不在本阵地的微力量名单里，不能派给他/她。")
    note = (note or "").strip()[:200]
    return _apply(r, "assign", actor, note=f"派给 {volunteer.name}" + (f"：{note}" if note else ""),
                  public_note=public_note, http_request=http_request, assignee=volunteer.user, task_note=note,
                  handed_back_at=None, handed_back_reason="")


def hand_back(r, actor, reason: str, *, public_note="", http_request=None):
    """A volunteer who cannot do the task gives it back; it goes to the top of the cadre's inbox (issue 15.3)."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ActionError("请写上为什么办不了，干部好另外安排。")
    return _apply(r, "hand_back", actor, note=f"志愿者退回：{reason}", public_note=public_note,
                  http_request=http_request, assignee=None, task_note="", handed_back_at=timezone.now(),
                  handed_back_reason=reason)


def start(r, actor, *, note="", public_note="", http_request=None):
    return _apply(r, "start", actor, note=note, public_note=public_note, http_request=http_request)


def resolve(r, actor, resolution: str, *, public_note="", http_request=None):
    resolution = (resolution or "").strip()
    if not resolution:
        raise ActionError("请写上办了什么，再点办结。")
    return _apply(r, "resolve", actor, note=resolution, public_note=public_note, http_request=http_request,
                  resolution=resolution)


def reject(r, actor, reason: str, *, public_note="", http_request=None):
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("请写上不能受理的原因，居民会在终端上听到。")
    return _apply(r, "reject", actor, note=reason, public_note=public_note, say={"reason": reason},
                  http_request=http_request, reject_reason=reason)


def merge(r, actor, topic: Topic, *, note="", public_note="", http_request=None):
    if topic.post_id != r.post_id:
        raise ActionError("只能并入本阵地的议事。")
    with transaction.atomic():
        event = _apply(r, "merge", actor, note=note or f"并入议事：{topic.title}", public_note=public_note,
                       say={"title": topic.title}, http_request=http_request)
        topic.requests.add(r)
    return event


# The resident answers in words (issue 15.4); the score behind each word keeps older 1-5 records comparable.
SATISFACTION_WORDS = {"满意": 5, "基本满意": 3, "不满意": 1}


def satisfaction_word(score: int | None) -> str:
    if not score:
        return ""
    return "满意" if score >= 4 else "基本满意" if score == 3 else "不满意"


def follow_up(r, actor, satisfaction: int | str, *, reason="", note="", public_note="", http_request=None):
    if isinstance(satisfaction, str):
        satisfaction = satisfaction.strip()
        score = _posted_int(satisfaction) if satisfaction.isdigit() else SATISFACTION_WORDS.get(satisfaction)
    else:
        score = satisfaction
    if score not in (1, 2, 3, 4, 5):
        raise ActionError("请选居民的评价：满意、基本满意或不满意。")
    reason = (reason or "").strip()[:200]
    if score <= 2 and not reason:
        raise ActionError("居民不满意时，请问一问原因并写下来。")
    text = f"回访：{satisfaction_word(score)}" + (f"（{reason}）" if reason else "")
    return _apply(r, "follow_up", actor, note=(note.strip() + "；" if note.strip() else "") + text,
                  public_note=public_note, http_request=http_request, satisfaction=score,
                  satisfaction_reason=reason)


def reopen(r, actor, reason: str, *, public_note="", http_request=None):
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("请写上为什么重新办理。")
    return _apply(r, "reopen", actor, note=reason, public_note=public_note, http_request=http_request,
                  resolved_at=None, satisfaction=None, satisfaction_reason="", assignee=None, task_note="")


def tell_outcome(topic: Topic, actor, *, http_request=None) -> int:
    """Tell every request merged into the topic its outcome (one event each, state stays merged)."""
    outcome = topic.outcome.strip()
    if not outcome:
        raise ActionError("请先写上议事结果。")
    sentence = OUTCOME.public.format(outcome=outcome)
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


# -- the registry: what each action is, and how the request page's form reaches it --------------------------

def _posted_int(value) -> int:
    """A posted id or score; anything else is 0 (matches nothing, fails validation with a clear message)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else 0


def _form_assign(r, actor, data, **kw):
    vol = Volunteer.objects.filter(pk=_posted_int(data.get("volunteer"))).first()
    if vol is None:
        raise ActionError("请选一位志愿者。")
    return assign(r, actor, vol, note=data.get("note", ""), **kw)


def _form_merge(r, actor, data, **kw):
    topic = Topic.objects.filter(pk=_posted_int(data.get("topic")), post=r.post_id).first()
    if topic is None:
        raise ActionError("请选一个议事。")
    return merge(r, actor, topic, note=data.get("note", ""), **kw)


OPEN = frozenset({S.RECEIVED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS})
REGISTRY: dict[str, Action] = {
    "accept": Action("受理", frozenset({S.RECEIVED}), S.ACCEPTED, "社区已经受理您的诉求，会尽快为您安排。",
                     ("note", "public_note"), lambda r, u, d, **kw: accept(r, u, note=d.get("note", ""), **kw)),
    "assign": Action("派给志愿者", OPEN, S.ASSIGNED, "已派给志愿者，志愿者会尽快和您联系。",
                     ("volunteer", "note", "public_note"), _form_assign),
    "start": Action("开始办理", frozenset({S.ACCEPTED, S.ASSIGNED}), S.IN_PROGRESS, "志愿者正在为您办理。",
                    ("note", "public_note"), lambda r, u, d, **kw: start(r, u, note=d.get("note", ""), **kw),
                    volunteer=True),
    "resolve": Action("办结", frozenset({S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS}), S.RESOLVED,
                      "您的诉求已经办好了。如果还有问题，请再来阵地告诉我们。", ("resolution", "public_note"),
                      lambda r, u, d, **kw: resolve(r, u, d.get("resolution", ""), **kw), volunteer=True),
    "reject": Action("不予受理", frozenset({S.RECEIVED, S.ACCEPTED}), S.REJECTED,
                     "很抱歉，这件事社区暂时办不了：{reason}", ("reason", "public_note"),
                     lambda r, u, d, **kw: reject(r, u, d.get("reason", ""), **kw)),
    "merge": Action("并入议事", OPEN, S.MERGED, "您反映的问题已并入社区议事：{title}。商量好以后告诉您结果。",
                    ("topic", "note", "public_note"), _form_merge),
    "follow_up": Action("记录回访", frozenset({S.RESOLVED}), S.FOLLOWED_UP, "谢谢您的评价。",
                        ("satisfaction", "reason", "note", "public_note"),
                        lambda r, u, d, **kw: follow_up(r, u, (d.get("satisfaction") or "").strip(),
                                                        reason=d.get("reason", ""), note=d.get("note", ""), **kw)),
    "hand_back": Action("退回", frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.ACCEPTED,
                        "社区正在为您另外安排人手，请稍等。", ("reason", "public_note"),
                        lambda r, u, d, **kw: hand_back(r, u, d.get("reason", ""), **kw), volunteer=True,
                        cadre=False),
    "reopen": Action("重新办理", frozenset({S.RESOLVED, S.FOLLOWED_UP, S.REJECTED, S.MERGED}), S.ACCEPTED,
                     "您的诉求已经重新办理，我们会尽快处理。", ("reason", "public_note"),
                     lambda r, u, d, **kw: reopen(r, u, d.get("reason", ""), **kw)),
}
# Not a state change: telling merged requests a topic's outcome (tell_outcome).
OUTCOME = Action("告知议事结果", frozenset({S.MERGED}), S.MERGED, "社区议事有了结果：{outcome}", ("outcome",),
                 lambda r, u, d, **kw: None)

# Views of the registry for the templates and older callers.
FROM = {name: a.from_states for name, a in REGISTRY.items()}
ACTION_LABELS = {**{name: a.label for name, a in REGISTRY.items()}, "outcome": OUTCOME.label}
PUBLIC = {**{name: a.public for name, a in REGISTRY.items()}, "outcome": OUTCOME.public}
VOLUNTEER_ACTIONS = {name for name, a in REGISTRY.items() if a.volunteer}
