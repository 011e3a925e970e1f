"""Who may see what. Authorisation lives in the querysets, so a guessed id simply is not found (404)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet

from server.core.models import Post, Request

ADMIN_GROUP = "社区管理员"
TEACHER_GROUP = "教师"

ROLE_LABELS = {"admin": "社区管理员", "cadre": "驻守干部", "volunteer": "志愿者", "teacher": "教师"}


def _groups(user) -> set[str]:
    cached = getattr(user, "_wb_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._wb_groups = cached
    return cached


def is_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or ADMIN_GROUP in _groups(user))


def is_cadre(user) -> bool:
    return is_admin(user) or (user.is_authenticated and bool(post_ids(user)))


def is_volunteer(user) -> bool:
    return user.is_authenticated and hasattr(user, "volunteer")


def is_teacher(user) -> bool:
    return user.is_authenticated and (TEACHER_GROUP in _groups(user) or hasattr(user, "teacher"))


def role(user) -> str | None:
    """The user's main role: what their home page is."""
    if is_admin(user):
        return "admin"
    if is_cadre(user):
        return "cadre"
    if is_volunteer(user):
        return "volunteer"
    if is_teacher(user):
        return "teacher"
    return None


def posts_for(user) -> QuerySet[Post]:
    if is_admin(user):
        return Post.objects.all()
    return Post.objects.filter(cadres=user)


def post_ids(user) -> list[int]:
    cached = getattr(user, "_wb_post_ids", None)
    if cached is None:
        cached = list(posts_for(user).values_list("id", flat=True))
        user._wb_post_ids = cached
    return cached


def requests_for(user) -> QuerySet[Request]:
    """Every request this user may read: their posts' (cadre), all (admin), their tasks (volunteer)."""
    if is_admin(user):
        return Request.objects.all()
    if is_cadre(user):
        # Literal post ids (not a join through the cadres table) so the (post, state, received_at) index is used.
        return Request.objects.filter(post_id__in=post_ids(user))
    if is_volunteer(user):
        return Request.objects.filter(assignee=user)
    return Request.objects.none()


def lesson_posts(user) -> QuerySet[Post] | None:
    """Posts whose classes this user may read: cadres' and teachers' posts (all for the admin); None for
    anyone else (a volunteer gets 404, not an empty page)."""
    if is_admin(user):
        return Post.objects.all()
    if not (is_cadre(user) or is_teacher(user)):
        return None
    return Post.objects.filter(Q(cadres=user) | Q(teachers__user=user)).distinct()


def may_issue_access(actor, target) -> bool:
    """Whether `actor` may (re)issue `target`'s login from the workbench: only a plain volunteer login all of
    whose posts are the actor's own. A login that also serves as cadre, teacher or admin is never someone
    else's to reset, however it came to volunteer (issue 11.1)."""
    if target.pk == getattr(actor, "pk", None) or target.is_superuser or target.is_staff:
        return False
    if target.groups.filter(name__in=(ADMIN_GROUP, TEACHER_GROUP)).exists() or target.posts.exists():
        return False
    if hasattr(target, "teacher") or not hasattr(target, "volunteer"):
        return False
    if is_admin(actor):
        return True
    mine = set(post_ids(actor))
    theirs = set(target.volunteer.posts.values_list("id", flat=True))
    return bool(mine) and theirs <= mine


def make_admin(user) -> None:
    user.groups.add(Group.objects.get_or_create(name=ADMIN_GROUP)[0])


def make_teacher(user, posts=()) -> None:
    from server.workbench.models import Teacher

    user.groups.add(Group.objects.get_or_create(name=TEACHER_GROUP)[0])
    Teacher.objects.get_or_create(user=user)[0].posts.add(*posts)
