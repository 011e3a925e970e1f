"""Posts, kiosks, requests and their events (DESIGN.md §3-4).

Other apps (api, workbench, lessons) add their own models beside these; the request's
life lives here so every face of the server agrees on it.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from sync import protocol


class Post(models.Model):
    code = models.CharField("阵地编号", max_length=8, unique=True)
    name = models.CharField("阵地名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    cadres = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="posts",
                                    verbose_name="驻守干部")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


def hash_token(token: str) -> str:
    # Tokens are 256-bit random, so a fast hash is enough; the raw token is never stored.
    return hashlib.sha256(token.encode()).hexdigest()


class Kiosk(models.Model):
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="kiosks")
    name = models.CharField("终端名称", max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    # From the latest heartbeat (so cadres see a kiosk that stopped syncing).
    version = models.CharField(max_length=protocol.HEARTBEAT_FIELDS["version"][1], blank=True)
    queue_length = models.IntegerField(default=0)
    oldest_queued_s = models.IntegerField(null=True, blank=True)
    voice_health = models.CharField(max_length=protocol.HEARTBEAT_FIELDS["voice_health"][1], blank=True)
    printer_health = models.CharField(max_length=protocol.HEARTBEAT_FIELDS["printer_health"][1], blank=True)
    heartbeat = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["post__code", "name"]
        # One name per kiosk in a post, so a stolen one is revoked by the name on its sticker (issue 11.4).
        constraints = [models.UniqueConstraint(fields=["post", "name"], name="kiosk_name_unique_per_post")]

    def __str__(self) -> str:
        return f"{self.name}（{self.post.code}）"

    @classmethod
    def issue(cls, post: Post, name: str) -> tuple[Kiosk, str]:
        """Create a kiosk and return it with its token, which is shown once and never stored."""
        token = "k_" + secrets.token_urlsafe(32)
        return cls.objects.create(post=post, name=name, token_hash=hash_token(token)), token

    @classmethod
    def authenticate(cls, token: str) -> Kiosk | None:
        return cls.objects.select_related("post").filter(token_hash=hash_token(token)).first()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


# The request states and their order live in the protocol (the kiosks read them too).
State = models.TextChoices("State", [(s.upper(), (s, words[0])) for s, words in protocol.STATES.items()])
OPEN_STATES = tuple(State(s) for s in protocol.OPEN_STATES)
CLOSED_STATES = tuple(State(s) for s in protocol.CLOSED_STATES)


class Channel(models.TextChoices):
    TOUCH = "touch", "触屏"
    VOICE = "voice", "语音"
    CADRE = "cadre", "干部代录"
    KIOSK = "kiosk", "终端报告"   # the kiosk reported a record it could not read (server.api.kinds.handle_set_aside)


class Request(models.Model):
    uuid = models.UUIDField(unique=True)              # the kiosk's client UUID: at most once
    receipt = models.CharField("回执号", max_length=protocol.REQUEST_FIELDS["receipt"], db_index=True)
    # The code the kiosk gave the resident. Differs from `receipt` only when the server renumbered a clash
    # between two kiosks of one post (server.api.kinds.free_receipt); the resident's code still finds it.
    issued_receipt = models.CharField("终端回执号", max_length=protocol.REQUEST_FIELDS["receipt"], blank=True, db_index=True)
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="requests")
    kiosk = models.ForeignKey(Kiosk, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    category = models.CharField("类别", max_length=protocol.REQUEST_FIELDS["category"], db_index=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.RECEIVED, db_index=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.TOUCH)
    # Personal data: minimal, purged after the retention period once closed.
    contact_name = models.CharField("称呼", max_length=protocol.REQUEST_FIELDS["name"], blank=True)
    building = models.CharField("楼", max_length=protocol.REQUEST_FIELDS["building"], blank=True)
    unit = models.CharField("单元", max_length=protocol.REQUEST_FIELDS["unit"], blank=True)
    room = models.CharField("房间", max_length=protocol.REQUEST_FIELDS["room"], blank=True)
    phone = models.CharField("电话", max_length=protocol.REQUEST_FIELDS["phone"], blank=True)
    text = models.TextField("内容", blank=True)
    content_hash = models.CharField(max_length=64)    # same UUID + other content = conflict
    kiosk_created_at = models.DateTimeField("终端提交时间")
    received_at = models.DateTimeField("收到时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_requests", verbose_name="志愿者")
    resolution = models.TextField("办理结果", blank=True)
    reject_reason = models.TextField("不受理原因", blank=True)
    satisfaction = models.PositiveSmallIntegerField("满意度", null=True, blank=True)
    public_note = models.CharField("给居民的说明", max_length=200, blank=True)  # read out at the kiosk
    personal_data_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        # A receipt is unique among the post's requests that still hold personal data. Once a closed request
        # is purged (retention, server.workbench.purge) its code is free again: 4 digits would otherwise cap
        # a post at 10,000 requests for ever. Purged requests never reopen, so a live code never clashes.
        constraints = [models.UniqueConstraint(fields=["post", "receipt"], name="receipt_unique_per_post",
                                               condition=models.Q(personal_data_purged_at__isnull=True))]
        indexes = [models.Index(fields=["post", "state", "-received_at"], name="inbox_idx")]

    def __str__(self) -> str:
        return f"{self.receipt} {self.category} {self.state}"


class RequestEvent(models.Model):
    """Every change of a request: who, when, what. Its id is the kiosks' updates cursor."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=100, blank=True)   # "终端 WJZ1-1", "系统"
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, choices=State.choices)
    note = models.TextField(blank=True)
    public_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["request", "id"], name="event_request_idx")]
