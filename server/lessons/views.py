"""Phone pages (a lesson to take home, practice pay) and the teacher/cadre pages of classes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from server.lessons.catalog import server_lessons
from server.lessons.models import ClassSession, Learner, Outcome, PracticeToken, Progress


def _friendly(request, title: str, message: str, status: int):
    return render(request, "lessons/friendly.html", {"title": title, "message": message}, status=status)


def lesson_page(request, lesson_id: str):
    lesson = server_lessons().get(lesson_id)
    if lesson is None:
        return _friendly(request, "没有找到这节课", "这个二维码对应的课程已经不在了。请回到社区阵地的屏幕上再扫一次。", 404)
    return render(request, "lessons/lesson.html", {"lesson": lesson, "steps": lesson.steps})


@csrf_exempt   # the one-time token in the address is the secret; old phone browsers may drop cookies
@require_http_methods(["GET", "POST"])
def practice_page(request, token: str):
    """GET records the scan and shows the amount; POST confirms. Used or expired codes get a kind word."""
    now = timezone.now()
    pt = PracticeToken.objects.filter(token=token).first()
    if pt is None:
        return _friendly(request, "这个练习码不对", "没有找到这个练习码。请在阵地屏幕上重新开始练习，再扫新的二维码。", 404)
    if pt.completed_at is not None:
        return _friendly(request, "这个练习码已经用过了",
                         "您已经练习成功了，真棒！想再练一次，请在阵地屏幕上点“再练一次”，扫新的二维码。", 410)
    if pt.expired:
        return _friendly(request, "这个练习码过期了",
                         "练习码只能在十五分钟内使用。请在阵地屏幕上重新开始练习，扫新的二维码。", 410)
    if request.method == "POST":
        # One completion only, even if the button is pressed twice at once.
        done = PracticeToken.objects.filter(pk=pt.pk, completed_at__isnull=True, expires_at__gt=now).update(
            completed_at=now, scanned_at=pt.scanned_at or now)
        if not done:
            return _friendly(request, "这个练习码已经用过了", "这次练习已经完成了。", 410)
        return render(request, "lessons/practice_done.html", {"pt": pt, "yuan": pt.amount_fen / 100})
    if pt.scanned_at is None:
        PracticeToken.objects.filter(pk=pt.pk, scanned_at__isnull=True).update(scanned_at=now)
    return render(request, "lessons/practice_pay.html", {"pt": pt, "yuan": pt.amount_fen / 100})


def _posts(user):
    from server.workbench.roles import lesson_posts  # one rule for who sees which post

    posts = lesson_posts(user)
    if posts is None:
        raise Http404("只有教师、驻守干部和社区管理员能看上课记录")
    return posts


@login_required
def overview(request):
    posts = _posts(request.user)
    lessons = server_lessons()
    sessions = (ClassSession.objects.filter(post__in=posts).select_related("post")
                .annotate(n_attended=Count("attendance", distinct=True))[:50])
    progress = Progress.objects.filter(post__in=posts)
    per_lesson = []
    for lid, lesson in lessons.items():
        qs = progress.filter(lesson_id=lid)
        per_lesson.append({
            "title": lesson.title,
            "sessions": ClassSession.objects.filter(post__in=posts, lesson_id=lid).count(),
            "finished": qs.filter(outcome=Outcome.FINISHED).values("learner").distinct().count(),
            "again": qs.filter(outcome=Outcome.AGAIN).count(),
            "practice": qs.filter(outcome=Outcome.PRACTICE_OK).count(),
        })
    learners = (Learner.objects.filter(post__in=posts)
                .annotate(n_sessions=Count("attendance", distinct=True),
                          n_finished=Count("progress__lesson_id", distinct=True,
                                           filter=Q(progress__outcome=Outcome.FINISHED))))
    for s in sessions:
        s.title = lessons[s.lesson_id].title if s.lesson_id in lessons else s.lesson_id
    return render(request, "lessons/overview.html",
                  {"sessions": sessions, "per_lesson": per_lesson, "learners": learners})


@login_required
def session_detail(request, pk: int):
    session = get_object_or_404(ClassSession.objects.select_related("post"), pk=pk, post__in=_posts(request.user))
    lessons = server_lessons()
    rows = []
    for a in session.attendance.select_related("learner").order_by("learner__name"):
        outcomes = set(session.progress.filter(learner=a.learner).values_list("outcome", flat=True))
        rows.append({"learner": a.learner, "finished": Outcome.FINISHED in outcomes,
                     "practice": Outcome.PRACTICE_OK in outcomes, "again": Outcome.AGAIN in outcomes})
    title = lessons[session.lesson_id].title if session.lesson_id in lessons else session.lesson_id
    return render(request, "lessons/session.html", {"session": session, "title": title, "rows": rows})
