"""没听懂的话: the cadre page listing what the post's kiosks could not place, each labelled with one tap."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from server.api.kinds import categories
from server.voicelearn import phrases
from server.voicelearn.models import Utterance
from server.workbench import roles
from server.workbench.views import cadre_required
from sync.catalog import default_catalog
from sync.protocol import NOT_REQUEST

NOT_REQUEST_LABEL = "不是诉求"
PAGE = 200


def _mine(user):
    """The utterances this user may see and label: their posts' (a cadre), all (the admin)."""
    if roles.is_admin(user):
        return Utterance.objects.all()
    return Utterance.objects.filter(post_id__in=roles.post_ids(user))


def _choices() -> list[tuple[str, str]]:
    return [(c.id, c.label) for c in default_catalog().categories if c.id in categories()] \
        + [(NOT_REQUEST, NOT_REQUEST_LABEL)]


@cadre_required
def utterances(request):
    show_all = request.GET.get("show") == "all"
    qs = _mine(request.user).select_related("post", "kiosk")
    if not show_all:
        qs = qs.filter(label="")
    names = dict(_choices())
    items = list(qs[:PAGE])
    for u in items:
        u.label_name = names.get(u.label, u.label)
    return render(request, "voicelearn/utterances.html", {
        "items": items, "choices": _choices(), "show_all": show_all,
        "waiting": _mine(request.user).filter(label="").count(), "many_posts": len(roles.post_ids(request.user)) > 1})


@cadre_required
@require_POST
def label(request, pk: int):
    u = get_object_or_404(_mine(request.user), pk=pk)   # another post's utterance: 404, as if it did not exist
    value = request.POST.get("label", "")
    if not phrases.label(u, value, request.user, request):
        raise Http404("没有这个分类")
    messages.success(request, f"“{u.text}”已标为{dict(_choices())[value]}，终端下次同步后就能听懂。"
                     if value != NOT_REQUEST else f"“{u.text}”已标为{NOT_REQUEST_LABEL}。")
    back = reverse("voicelearn:utterances")
    return redirect(back + "?show=all" if request.POST.get("show") == "all" else back)
