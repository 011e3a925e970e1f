"""Access to a login is given, never typed for someone (issue 11.1): whoever issues access gets a one-time
set-password link (Django's password-reset tokens) to hand over; the person behind the login chooses the
password. Issuing resets the login, so an old link or password stops working; every step is audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from server.workbench import audit


def issue(actor, user, http_request=None, via: str = "工作台") -> str:
    """Reset `user`'s login and return the path of its one-time set-password page."""
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit.record(actor, "credential", None, f"{via}为 {user.username} 发放一次性设置密码链接（旧密码作废）",
                 http_request)
    return reverse("workbench:set_password", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                                   default_token_generator.make_token(user)])


def qr_svg(link: str) -> str:
    """The link as an inline SVG QR code, for the volunteer to scan from the cadre's screen."""
    import qrcode
    import qrcode.image.svg

    return qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=12).to_string(encoding="unicode")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The link's page: the person sets their own password (the web's password validators apply).
    Django moves the token out of the address into the session before the form is shown."""

    template_name = "workbench/set_password.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(None, "credential", None, f"{form.user.username} 用一次性链接设置了自己的密码", self.request)
        messages.success(self.request, f"密码已设置好。请用用户名 {form.user.username} 和新密码登录。")
        return response
