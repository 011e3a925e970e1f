"""The workbench's own records beside the core request: volunteers, deliberation topics, audit log,
login throttle. Core fields stay in server/core; anything extra about a request lives here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from server.core.models import Post, Request


class VolunteerType(models.TextChoices):
    VOLUNTEER = "volunteer", "志愿者"
    BUILDING_HEAD = "building_head", "楼栋长"
    VETERAN = "veteran", "老党员"
    MERCHANT = "merchant", "商户"


class Volunteer(models.Model):
    """A member of the micro-force (微力量). Tasks are assigned to their user account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer")
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("电话", max_length=20, blank=True)
    kind = models.CharField("类型", max_length=16, choices=VolunteerType.choices, default=VolunteerType.VOLUNTEER)
    skills = models.JSONField("擅长", default=list, blank=True)   # catalog category ids
    posts = models.ManyToManyField(Post, related_name="volunteers", verbose_name="阵地")
    availability = models.CharField("有空时间", max_length=100, blank=True)
    active = models.BooleanField("在岗", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class Teacher(models.Model):
    """A teacher of the phone classes (手机课), attached to the posts whose classes they may read."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teacher")
    posts = models.ManyToManyField(Post, related_name="teachers", verbose_name="阵地")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username


class TopicStatus(models.TextChoices):
    OPEN = "open", "待商议"
    DECIDED = "decided", "已决定"
    CLOSED = "closed", "已完成"


class Topic(models.Model):
    """A deliberation (微议事) gathering requests about one common problem."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="topics", verbose_name="阵地")
    title = models.CharField("议题", max_length=100)
    description = models.TextField("问题说明", blank=True)
    meeting_at = models.DateTimeField("议事时间", null=True, blank=True)
    participants = models.TextField("参加人员", blank=True)
    decision = models.TextField("决定", blank=True)
    outcome = models.TextField("结果", blank=True)
    status = models.CharField("状态", max_length=8, choices=TopicStatus.choices, default=TopicStatus.OPEN)
    requests = models.ManyToManyField(Request, blank=True, related_name="topics", verbose_name="诉求")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    outcome_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class AuditLog(models.Model):
    """Who saw or changed personal data, and when."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=16)        # view, change, export, print, purge, login_failed
    request = models.ForeignKey(Request, null=True, blank=True, on_delete=models.SET_NULL)
    detail = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]


class LoginFailure(models.Model):
    """Failed logins, kept in the database so the throttle survives a restart."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)


class _MonthFigures(models.Model):
    """Requests counted per (post, category, local month, state, answer, accept hours): the metrics page's groups
    (server.workbench.rollup keeps them). accept_h is the accept delay rounded up to whole hours (9999: never
    accepted), so "accepted within the category's limit" stays exact for any whole-hour limit."""

    post_id = models.IntegerField()
    category = models.CharField(max_length=32)
    month = models.CharField(max_length=7)          # "2026-11", in settings.TIME_ZONE
    state = models.CharField(max_length=16)
    satisfaction = models.SmallIntegerField()      # 0: not asked
    accept_h = models.IntegerField()
    n = models.IntegerField()
    accept_n = models.IntegerField()
    accept_us = models.BigIntegerField()           # sum of accept delays, microseconds
    resolve_n = models.IntegerField()
    resolve_us = models.BigIntegerField()

    class Meta:
        abstract = True


class RequestMonth(_MonthFigures):
    """The folded figures, one row per group."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post_id", "category", "month", "state", "satisfaction",
                                                       "accept_h"], name="request_month_keys")]


class RequestMonthDelta(_MonthFigures):
    """What the database triggers append on every change of a request (+1 for the new row, -1 for the old): no
    row is ever updated here, so concurrent writers never wait for each other. Folded into RequestMonth on read."""
