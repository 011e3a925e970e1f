"""Utterances the kiosks of a post could not place, their labels, and the version of the post's learned phrases.

Learned phrases are per post, not community-wide: they are labelled by that post's cadres (who see only their
post's utterances), they are often local words (a nearby hospital, a building's nickname), and a wrong label
then misleads only the kiosks of the post that made it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from server.core.models import Kiosk, Post
from sync.protocol import NOT_REQUEST, UTTERANCE_FIELDS

LABEL_MAX = 32   # a category id (protocol CATEGORY_ID_RE) or NOT_REQUEST


class Utterance(models.Model):
    uuid = models.UUIDField(unique=True)   # made on the kiosk: the same item sent twice is stored once
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="utterances")
    kiosk = models.ForeignKey(Kiosk, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.CharField("说的话", max_length=UTTERANCE_FIELDS["text"])   # scrubbed on the kiosk
    heard_at = models.DateTimeField("听到的时间")
    received_at = models.DateTimeField(default=timezone.now)
    label = models.CharField("标注", max_length=LABEL_MAX, blank=True)   # "" = not labelled yet
    labelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    labelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-heard_at", "-id"]
        indexes = [models.Index(fields=["post", "label"])]

    @property
    def not_request(self) -> bool:
        return self.label == NOT_REQUEST


class PhraseVersion(models.Model):
    """Raised on every label change of the post: kiosks fetch the phrases again when it is above theirs."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, primary_key=True, related_name="phrase_version")
    version = models.PositiveIntegerField(default=0)
