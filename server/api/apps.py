from django.apps import AppConfig
from django.db import connection
from django.db.models.signals import pre_save

EVENTS_LOCK = 0x5946_4556   # any constant shared by every writer of RequestEvent


def serialize_event_writers(**_kwargs) -> None:
    """On PostgreSQL, a transaction holding event id 10 can commit after one holding id 11; a kiosk reading
    the updates feed in between would move its cursor past 10 for ever. One transaction-level advisory lock
    taken before any event insert makes ids visible in order. SQLite writers are serialised already."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [EVENTS_LOCK])


class ApiConfig(AppConfig):
    name = "server.api"
    label = "api"
    verbose_name = "终端接口"

    def ready(self):
        from server.core.models import RequestEvent

        pre_save.connect(lambda **kw: serialize_event_writers(), sender=RequestEvent, weak=False,
                         dispatch_uid="serialize_event_writers")
