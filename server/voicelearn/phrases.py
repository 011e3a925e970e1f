"""The post's learned phrases (its catalog additions) and their labelling: one place for both the kiosk API
and the workbench page."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from server.api.kinds import categories
from server.voicelearn.models import PhraseVersion, Utterance
from server.workbench.audit import record
from sync.protocol import NOT_REQUEST


def labels() -> frozenset[str]:
    """What a cadre may tap: a category of the catalog, or 不是诉求."""
    return categories() | {NOT_REQUEST}


def version(post_id: int) -> int:
    return PhraseVersion.objects.filter(post_id=post_id).values_list("version", flat=True).first() or 0


def snapshot(post_id: int) -> dict:
    """{version, phrases: {category: [phrase]}, not_requests: [phrase]}: each phrase under its latest label."""
    latest: dict[str, str] = {}
    for text, label in (Utterance.objects.filter(post_id=post_id).exclude(label="")
                        .order_by("labelled_at", "id").values_list("text", "label")):
        latest[text] = label
    phrases: dict[str, list[str]] = {}
    for text, label in sorted(latest.items()):
        if label != NOT_REQUEST and label in categories():
            phrases.setdefault(label, []).append(text)
    return {"version": version(post_id), "phrases": phrases,
            "not_requests": sorted(t for t, label in latest.items() if label == NOT_REQUEST)}


def label(utterance: Utterance, value: str, user, http_request=None) -> bool:
    """Label one utterance (and the same words said elsewhere in the post, not yet labelled); audited; the
    post's version goes up so its kiosks fetch the phrases on their next sync. False if `value` is unknown."""
    if value not in labels():
        return False
    now = timezone.now()
    with transaction.atomic():
        same = Utterance.objects.filter(Q(pk=utterance.pk) | Q(label=""), post_id=utterance.post_id,
                                        text=utterance.text)
        n = same.update(label=value, labelled_by=user, labelled_at=now)
        PhraseVersion.objects.get_or_create(post_id=utterance.post_id)
        PhraseVersion.objects.filter(post_id=utterance.post_id).update(version=F("version") + 1)
        record(user, "label_utterance", None, f"{utterance.text} → {value}（{n} 条）", http_request)
    return True


def unlabelled_due(days: int, now=None):
    """Words no cadre labelled within the retention period. They teach no kiosk anything, and the kiosk's
    scrubber (digits, things that look like names) may have missed something personal: they go. Labelled
    words stay: they are the post's vocabulary, read by a cadre when labelled."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Utterance.objects.filter(label="", received_at__lt=cutoff)


def purge_unlabelled(days: int, *, dry_run: bool = False, now=None) -> int:
    qs = unlabelled_due(days, now)
    return qs.count() if dry_run else qs.delete()[0]
