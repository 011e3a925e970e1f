from __future__ import annotations

from importlib.metadata import version

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import redirect, render

from server.workbench import audit, roles, throttle

VERSION = version("xingfu-kiosk")   # the installed distribution's, pyproject.toml's


def health(request):
    """Database, free disk, the longest-silent kiosk (server.ops.health); 503 only when the database fails."""
    from server.ops.health import report

    r = report()
    return JsonResponse({**r, "version": VERSION}, status=503 if r["status"] == "error" else 200,
                        json_dumps_params={"ensure_ascii": False})


class ThrottledLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不对，请再试一次。",
        "inactive": "这个账号已停用，请联系社区管理员。",
        "locked": "登录失败次数太多，请十五分钟后再试。",
    }

    def clean(self):
        username = self.data.get("username", "")
        ip = audit.client_ip(self.request)
        if throttle.locked(username, ip):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.failed(username, ip)
            audit.record(None, "login_failed", detail=f"用户名 {username[:50]}", http_request=self.request)
            raise
        throttle.succeeded(username)
        return cleaned


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = ThrottledLoginForm
    redirect_authenticated_user = True


@login_required
def home(request):
    """Each role's first page: the inbox for cadres, the task list for volunteers."""
    r = roles.role(request.user)
    if r in ("admin", "cadre"):
        return redirect("workbench:inbox")
    if r == "volunteer":
        return redirect("workbench:tasks")
    if r == "teacher":
        return redirect("lessons_overview")
    return render(request, "core/home.html", {"role": r, "role_label": roles.ROLE_LABELS.get(r, "")})
