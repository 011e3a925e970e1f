"""Run as `python -m tests.ops.dbstate advance|dump` with the server's environment: Django on the server's own
database, outside the server process (the real actions module changes states; dump prints what a restore
must bring back)."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User

    from server.core.models import Request, RequestEvent
    from server.workbench import actions

    if sys.argv[1] == "advance":
        cadre = User.objects.create_user("drill", password="drill-password", is_superuser=True, is_staff=True)
        for i, r in enumerate(Request.objects.order_by("id")):
            if i % 3 == 0:
                pk = r.pk
                actions.accept(r, cadre)
                if i % 6 == 0:
                    actions.resolve(Request.objects.get(pk=pk), cadre, "已办好")
            elif i % 5 == 1:
                actions.reject(r, cadre, "不在本社区")
        return
    requests = sorted((str(r.uuid), r.receipt, r.state, r.contact_name) for r in Request.objects.all())
    events = sorted((str(e.request.uuid), e.from_state, e.to_state, e.note, e.at.isoformat())
                    for e in RequestEvent.objects.select_related("request"))
    print(json.dumps({"requests": requests, "events": events}, ensure_ascii=False))


if __name__ == "__main__":
    main()
