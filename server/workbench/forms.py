from __future__ import annotations

from django import forms
from django.contrib.auth.models import User

from server.core.models import CADRE_CHANNELS, Post, State
from server.workbench import privacy
from server.workbench.models import Topic, Volunteer
from sync.catalog import default_catalog


def category_choices():
    return [(c.id, c.label) for c in default_catalog().categories]


STATE_FILTERS = [("open", "未办结"), ("overdue", "已超时"), ("all", "全部")] + list(State.choices)


class FilterForm(forms.Form):
    post = forms.ChoiceField(label="阵地", required=False)
    category = forms.ChoiceField(label="类别", required=False)
    state = forms.ChoiceField(label="状态", required=False, choices=STATE_FILTERS)
    date_from = forms.DateField(label="从", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="到", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label="查找", required=False, max_length=50)

    def __init__(self, *args, posts=(), **kw):
        super().__init__(*args, **kw)
        self.fields["post"].choices = [("", "全部阵地")] + [(p.code, p.name) for p in posts]
        self.fields["category"].choices = [("", "全部类别")] + category_choices()


class VolunteerForm(forms.ModelForm):
    """The volunteer's record. No password field: access is a one-time link the volunteer uses to set their own
    (server.workbench.access). The username can be changed only where the cadre may manage the login."""

    skills = forms.MultipleChoiceField(label="擅长（可多选）", required=False, widget=forms.CheckboxSelectMultiple)
    username = forms.CharField(label="登录用户名（要在手机上看任务才需要）", required=False, max_length=150)

    class Meta:
        model = Volunteer
        fields = ["name", "phone", "kind", "skills", "posts", "availability", "active"]
        widgets = {"posts": forms.CheckboxSelectMultiple}

    def __init__(self, *args, posts=None, manage_login=True, **kw):
        super().__init__(*args, **kw)
        self.fields["skills"].choices = category_choices()
        if posts is not None:
            self.fields["posts"].queryset = posts
        if self.instance.pk:
            self.fields["username"].initial = self.instance.user.username
        if not manage_login:
            # A login that also serves elsewhere is not this cadre's to rename (the browser's value is ignored).
            self.fields["username"].disabled = True
            self.fields["username"].help_text = "这个登录还在别处任职，只有本人或社区管理员能改。"

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if name and User.objects.filter(username=name).exclude(
                pk=self.instance.user_id if self.instance.pk else None).exists():
            raise forms.ValidationError("这个用户名已经有人用了，请换一个。")
        return name


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["post", "title", "description", "meeting_at", "participants", "decision", "outcome", "status"]
        widgets = {"meeting_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "description": forms.Textarea(attrs={"rows": 3}), "participants": forms.Textarea(attrs={"rows": 2}),
                   "decision": forms.Textarea(attrs={"rows": 3}), "outcome": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, posts=None, **kw):
        super().__init__(*args, **kw)
        if posts is not None:
            self.fields["post"].queryset = posts

    # The title and the outcome are read out to every resident whose request is merged into the topic.
    def clean_title(self):
        return _public(self.cleaned_data["title"])

    def clean_outcome(self):
        return _public(self.cleaned_data["outcome"])


def _public(text: str) -> str:
    problem = privacy.problem(text)
    if problem:
        raise forms.ValidationError(problem)
    return text


class PostChoice(forms.Form):
    post = forms.ModelChoiceField(queryset=Post.objects.none(), label="阵地")


class CadreEntryForm(forms.Form):
    """A request a cadre takes by phone, on a home visit or at the desk (干部代录, issue 15.2)."""

    post = forms.ModelChoiceField(queryset=Post.objects.none(), label="阵地", empty_label=None)
    channel = forms.ChoiceField(label="怎么来的", choices=[(c.value, c.label) for c in CADRE_CHANNELS],
                                widget=forms.RadioSelect, initial=CADRE_CHANNELS[0].value)
    category = forms.ChoiceField(label="类别")
    contact_name = forms.CharField(label="称呼", max_length=50, required=False)
    building = forms.CharField(label="楼号", max_length=20, required=False)
    unit = forms.CharField(label="单元", max_length=20, required=False)
    room = forms.CharField(label="门牌号", max_length=20, required=False)
    phone = forms.CharField(label="电话", max_length=20, required=False)
    text = forms.CharField(label="居民说的话", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, posts=None, **kw):
        super().__init__(*args, **kw)
        self.fields["post"].queryset = posts if posts is not None else Post.objects.none()
        self.fields["category"].choices = [("", "请选择")] + category_choices()

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = "".join(ch for ch in phone if ch not in " -－()（）")
        if digits and not digits.lstrip("+").isdigit():
            raise forms.ValidationError("电话只能填数字。")
        return digits

    def clean(self):
        data = super().clean()
        if not any((data.get(f) or "").strip() for f in ("contact_name", "building", "unit", "room", "phone")):
            raise forms.ValidationError("请至少留下称呼、楼号门牌或电话中的一项，好找到居民。")
        return data
