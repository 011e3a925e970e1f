"""Learners of a post, class sessions, attendance, progress and one-time practice-pay tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone

from server.core.models import Kiosk, Post

PRACTICE_TTL = timedelta(minutes=15)


class Learner(models.Model):
    uuid = models.UUIDField(unique=True)   # made on the kiosk, so a learner added offline is stored once
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="learners")
    name = models.CharField("姓名", max_length=50)
    building = models.CharField("楼", max_length=20, blank=True)
    unit = models.CharField("单元", max_length=20, blank=True)
    room = models.CharField("房间", max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ClassSession(models.Model):
    uuid = models.UUIDField(unique=True)
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="class_sessions")
    kiosk = models.ForeignKey(Kiosk, null=True, blank=True, on_delete=models.SET_NULL)
    lesson_id = models.CharField("课程", max_length=40)
    started_at = models.DateTimeField("上课时间")

    class Meta:
        ordering = ["-started_at"]


class Attendance(models.Model):
    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="attendance")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="attendance")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "learner"], name="attend_once")]


class Outcome(models.TextChoices):
    FINISHED = "finished", "学会了"
    AGAIN = "again", "还不会"
    PRACTICE_OK = "practice_ok", "扫码练习成功"
    ATTENDED = "attended", "到课"


class Progress(models.Model):
    uuid = models.UUIDField(unique=True)   # the kiosk's event id: a retried upload is stored once
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="lesson_progress")
    learner = models.ForeignKey(Learner, null=True, blank=True, on_delete=models.SET_NULL, related_name="progress")
    session = models.ForeignKey(ClassSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="progress")
    lesson_id = models.CharField("课程", max_length=40, db_index=True)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    at = models.DateTimeField("时间")

    class Meta:
        ordering = ["-at"]


class PracticeToken(models.Model):
    token = models.CharField(max_length=32, unique=True)
    post = models.ForeignKey(Post, on_delete=models.PROTECT)
    kiosk = models.ForeignKey(Kiosk, null=True, blank=True, on_delete=models.SET_NULL)
    lesson_id = models.CharField(max_length=40)
    amount_fen = models.PositiveIntegerField(default=1200)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    scanned_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def issue(cls, post: Post, kiosk: Kiosk | None, lesson_id: str) -> PracticeToken:
        now = timezone.now()
        return cls.objects.create(token=secrets.token_urlsafe(12), post=post, kiosk=kiosk, lesson_id=lesson_id,
                                  created_at=now, expires_at=now + PRACTICE_TTL)

    @property
    def expired(self) -> bool:
        return self.completed_at is None and timezone.now() >= self.expires_at

    @property
    def state(self) -> str:
        if self.completed_at:
            return "done"
        if self.expired:
            return "expired"
        return "scanned" if self.scanned_at else "new"
