"""The inbox's rows are written in Python (server/workbench/inbox_rows.py, issue 15.6: the template language was a
third of the page's time). They must stay byte for byte what the template wrote: here the template's row markup,
as it was, renders the same rows as the reference — escaping, purged data, a volunteer's hand-back, a cadre's
entry, overdue and closed requests, long words truncated, no assignee and one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.template import Context, Template
from django.utils import timezone

from server.core.models import CADRE_CHANNELS, Channel, State
from server.workbench import inbox_rows, views

from .conftest import make_request

pytestmark = pytest.mark.django_db

# The row markup of inbox.html before the rows moved to Python (main 368cff9), kept as the reference.
TEMPLATE = """{% for r in rows %}
    <tr class="{% if r.overdue %}overdue{% endif %}{% if r.is_new %} new{% endif %}">
      <td><a class="receipt" href="{{ request_base }}{{ r.pk }}/">{{ r.receipt }}</a>{% if r.is_new %} <span class="tag new">新</span>{% endif %}</td>
      <td>{{ r.category_label }}</td>
      <td><span class="state s-{{ r.state }}">{{ r.get_state_display }}</span>{% if r.channel in cadre_channels %}<br><small>{{ r.get_channel_display }}代录</small>{% endif %}</td>
      <td class="said">{% if r.personal_data_purged_at %}已清除{% else %}{{ r.contact_name }} {{ r.building }}{% if r.unit %} {{ r.unit }}{% endif %}{% if r.room %} {{ r.room }}{% endif %}{% if r.phone %} <small>尾号{{ r.phone|slice:"-4:" }}</small>{% endif %}
        {% if r.text %}<br><q>{{ r.text|truncatechars:60 }}</q>{% endif %}{% if r.handed_back_at and r.state == "accepted" %}<br><span class="tag late">志愿者退回</span> {{ r.handed_back_reason }}{% endif %}{% endif %}</td>
      <td>{{ r.received_at|date:"n月j日 H:i" }}<br><small>{{ r.post.name }}</small></td>
      <td>{% if r.overdue %}<span class="tag late">已超时</span><br>{% endif %}{% if r.due_at %}<small>{% if r.state == "received" %}受理{% else %}办结{% endif %}期限 {{ r.due_at|date:"n月j日 H:i" }}</small>{% endif %}</td>
      <td>{{ r.assignee.get_full_name|default:"" }}</td>
    </tr>
  {% endfor %}"""


def test_rows_written_in_python_equal_the_template_s(world):
    a = world["a"]
    now = timezone.now()
    vol = User.objects.create_user("v2", first_name="<b>赵</b>", last_name="志愿")
    rows = [
        make_request(a, "gas_recharge", ago=timedelta(hours=5), contact_name="<script>王</script>", unit="",
                     room="", phone="", text=""),
        make_request(a, "shopping", state=State.ACCEPTED, handed_back_at=now, handed_back_reason="家里没人 & 电话不通",
                     text="想请人帮忙买米" * 20),
        make_request(a, "home_repair", state=State.ASSIGNED, assignee=vol, channel=Channel.PHONE, ago=timedelta(days=9)),
        make_request(a, "sanitation", state=State.FOLLOWED_UP, personal_data_purged_at=now, channel=Channel.VISIT),
        make_request(a, "not_in_the_catalog", state=State.RESOLVED, phone="12", building='3"号楼', room="5<01"),
        make_request(a, "medical_escort", ago=timedelta(days=40, minutes=7), text="楼下 <a href=x>点我</a>"),
    ]
    rows = views.decorate(rows, now)
    for i, r in enumerate(rows):
        r.is_new = i % 2 == 0
    base, channels = "/w/requests/", [c.value for c in CADRE_CHANNELS]
    want = Template(TEMPLATE).render(Context({"rows": rows, "request_base": base, "cadre_channels": channels}))
    got = "".join(inbox_rows.row_html(r, base, channels) + "  " for r in rows)
    assert got == want
    assert "&lt;script&gt;" in got and "<script>" not in got and "已超时" in got and "已清除" in got
