from django import template

from server.workbench import roles

register = template.Library()


@register.simple_tag(takes_context=True)
def user_role(context) -> dict:
    """The signed-in user's role for the menu."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    r = roles.role(user)
    return {"role": r, "label": roles.ROLE_LABELS.get(r, ""), "volunteer": roles.is_volunteer(user)}


@register.filter
def satisfaction_word(n) -> str:
    from server.workbench.actions import satisfaction_word as word
    return word(n)


AUDIT_LABELS = {"view": "查看", "change": "修改", "export": "导出", "print": "打印", "purge": "清除",
                "login_failed": "登录失败"}


@register.filter
def audit_label(action: str) -> str:
    return AUDIT_LABELS.get(action, action)
