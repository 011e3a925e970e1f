from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from kiosk import __version__
from server.core.models import Post, Request


def health(request):
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        db = "ok"
    except Exception as exc:  # the health page must answer even when the database does not
        db = f"error: {exc.__class__.__name__}"
    return JsonResponse({"status": "ok" if db == "ok" else "degraded", "database": db, "version": __version__},
                        status=200 if db == "ok" else 503)


@login_required
def home(request):
    posts = Post.objects.all() if request.user.is_superuser else request.user.posts.all()
    rows = Request.objects.filter(post__in=posts).select_related("post")[:200]
    return render(request, "core/home.html", {"posts": posts, "rows": rows})
