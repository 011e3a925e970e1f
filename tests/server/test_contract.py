"""Server models against sync/protocol.py: a field length, a state, an outcome or a channel changed on one
side only fails here (the kiosk validates with the protocol, the database stores with the models)."""

from __future__ import annotations

import pytest

from server.core.models import CLOSED_STATES, OPEN_STATES, Channel, Kiosk, Request, State
from server.lessons.models import ClassSession, Learner, Outcome, Progress
from server.voicelearn.models import LABEL_MAX, Utterance
from sync import protocol

# protocol field -> model field where the names differ
REQUEST_COLUMNS = {"name": "contact_name", "created_at": "kiosk_created_at"}


def max_length(model, field):
    return model._meta.get_field(field).max_length


def test_request_fields_fit_the_model():
    for field, limit in protocol.REQUEST_FIELDS.items():
        column = REQUEST_COLUMNS.get(field, field)
        if field in ("uuid", "created_at", "text"):   # UUIDField, DateTimeField, TextField: no length to match
            continue
        assert max_length(Request, column) == limit, field
    assert max_length(Request, "issued_receipt") == protocol.REQUEST_FIELDS["receipt"]
    assert Request._meta.get_field("text").get_internal_type() == "TextField"


def test_states_are_the_protocols():
    assert list(State.values) == list(protocol.STATES)
    assert [s.value for s in OPEN_STATES] == list(protocol.OPEN_STATES)
    assert [s.value for s in CLOSED_STATES] == list(protocol.CLOSED_STATES)
    assert max(map(len, protocol.STATES)) <= max_length(Request, "state")


def test_channels_and_heartbeat_fields_fit():
    assert set(protocol.CHANNELS) <= set(Channel.values)
    assert max(map(len, Channel.values)) <= max_length(Request, "channel")
    columns = {f.name for f in Kiosk._meta.get_fields()}
    assert {"version", "queue_length", "oldest_queued_s", "voice_health", "printer_health"} <= columns
    for field, (kind, bound) in protocol.HEARTBEAT_FIELDS.items():
        if field not in columns:   # kept in Kiosk.heartbeat (JSON) only
            continue
        if kind == "str":
            assert max_length(Kiosk, field) == bound, field
        else:
            assert Kiosk._meta.get_field(field).get_internal_type() == "IntegerField"   # 32-bit on PostgreSQL
    assert protocol.MAX_COUNT == 2**31 - 1


def test_lesson_progress_fits_the_lesson_models():
    assert list(Outcome.values) == list(protocol.OUTCOMES)
    for field, limit in protocol.LEARNER_FIELDS.items():
        if field != "uuid":
            assert max_length(Learner, field) == limit, field
    assert max_length(Progress, "lesson_id") == max_length(ClassSession, "lesson_id") == protocol.LESSON_ID_MAX


def test_category_ids_fit_the_model():
    from sync.catalog import default_catalog

    assert all(len(c) <= max_length(Request, "category") for c in default_catalog().ids)


def test_django_upload_limit_is_the_protocols():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == protocol.MAX_BODY_BYTES


@pytest.mark.django_db
def test_the_database_schema_follows_the_models():
    """Request's lengths and states come from the protocol: a protocol change without a migration would leave
    the database's columns behind it, and this fails."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        raise AssertionError("models differ from migrations:\n" + out.getvalue()) from None


def test_utterances_fit_the_model_and_every_kind_has_a_handler():
    from server.api.kinds import HANDLERS

    assert max_length(Utterance, "text") == protocol.UTTERANCE_FIELDS["text"]
    assert max_length(Utterance, "label") == LABEL_MAX >= max(protocol.REQUEST_FIELDS["category"], len(protocol.NOT_REQUEST))
    assert set(protocol.KINDS) <= set(HANDLERS)
