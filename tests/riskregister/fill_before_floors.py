"""Fill a register with the code of the commit before the floors were laid (run by
test_forward_migration_floors.py through that commit's ``manage.py shell``; it imports *that* code).

What the move of channels and notifications out of monitoring must carry: channels (one an
escalation step pages), alert-transition notifications in each status, keyed messages to a channel
and to people — one owed twice, which the old constraint let through — a group and a user granted
permissions on them, and an admin log entry about a channel.
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from incidents.models import EscalationPolicy, EscalationStep
from monitoring.models import Alert, AlertTransition, Channel, Indicator, Metric, Notification
from plans.importer import import_plan
from plans.parser import read_plan_file
from register.models import Risk

import_plan(read_plan_file("plans/demo/plan.md"), source_name="before the floors")
lead = User.objects.create_superuser("lead", password="pw-lead")
olga = User.objects.create_user("olga", password="pw-olga", is_staff=True)
olga.user_permissions.add(Permission.objects.get(content_type__app_label="monitoring", codename="view_notification"))
ops = Group.objects.create(name="ops team")
ops.permissions.add(Permission.objects.get(content_type__app_label="monitoring", codename="change_channel"))

mail = Channel.objects.create(name="ops mail", kind="email", target="ops@example.org", immediate=True, watch=True)
hook = Channel.objects.create(name="hook", kind="webhook", target="http://127.0.0.1:9/hook", immediate=True)
policy = EscalationPolicy.objects.create(name="page ops", is_default=True)
EscalationStep.objects.create(policy=policy, order=0, channel=hook)
LogEntry.objects.log_action(
    lead.pk, ContentType.objects.get_for_model(Channel).pk, mail.pk, str(mail), CHANGE, change_message="added a target"
)

indicator = Indicator.objects.filter(metric__isnull=False).select_related("metric").first()
alert = Alert.objects.create(
    indicator=indicator, metric=indicator.metric, dedup_key="before-floors", title="API latency", state="firing"
)
now = timezone.now()
fired = AlertTransition.objects.create(alert=alert, at=now, event="fired", to_state="firing", reason="above 400 ms")
escalated = AlertTransition.objects.create(
    alert=alert, at=now, event="escalated", from_state="firing", to_state="firing", reason="above 500 ms"
)
Notification.objects.create(transition=fired, channel=mail, status="sent", attempts=1, sent_at=now)
Notification.objects.create(transition=fired, channel=hook, status="failed", attempts=8, last_error="refused")
Notification.objects.create(transition=escalated, channel=mail)
Notification.objects.create(key="incident:1:escalation:0:0", channel=hook, payload={"text": "page"})
Notification.objects.create(key="incident:1:assigned:2", recipient="olga@example.org", payload={"text": "yours"})
# Owed twice to a person: NULL channels made the old once-per-key constraint miss it.
for status in ("sent", "pending"):
    Notification.objects.create(
        key="risk:1:outside:1", recipient="olga@example.org", payload={"text": "out"}, status=status
    )
assert Metric.objects.exists() and Risk.objects.exists()
print("filled")
