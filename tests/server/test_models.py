from __future__ import annotations

import pytest

from server.core.models import Kiosk, Post, hash_token

pytestmark = pytest.mark.django_db


def test_kiosk_token_is_stored_hashed_and_authenticates():
    post = Post.objects.create(code="WJZ1", name="王家庄")
    kiosk, token = Kiosk.issue(post, "WJZ1-1")
    assert token not in kiosk.token_hash and kiosk.token_hash == hash_token(token)
    assert Kiosk.authenticate(token) == kiosk
    assert Kiosk.authenticate(token + "x") is None
