"""Fill a register with the code of the commit before the apps were split (run by
test_forward_migration.py through that commit's ``manage.py shell``; it imports *that* code).

Everything a real register of then would hold: the demo plan, users in roles with a direct permission,
edits with score history and simple-history rows, pushed readings, an alert-free incident with its
timeline, a completed monthly review with a re-score, an admin log entry.
"""

from datetime import timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from riskregister.models import Review, Risk
from riskregister.plan.importer import import_plan
from riskregister.plan.parser import read_plan_file
from riskregister.reviews import complete, open_review

from incidents import workflow
from incidents.models import Incident
from monitoring import push
from monitoring.models import Metric

import_plan(read_plan_file("riskregister/demo/plan.md"), source_name="before the split")

lead = User.objects.create_superuser("lead", password="pw-lead")
olga = User.objects.create_user("olga", password="pw-olga", is_staff=True)
olga.groups.add(Group.objects.get(name="risk owner"))
olga.user_permissions.add(Permission.objects.get(content_type__app_label="riskregister", codename="view_review"))
rita = User.objects.create_user("rita", password="pw-rita", is_staff=True)
rita.groups.add(Group.objects.get(name="reviewer"))

r1 = Risk.objects.get(code="R-1")
r1.owner = olga
r1.likelihood = 4
r1.save(changed_by=lead, change_reason="traffic doubled", change_source="manual")
LogEntry.objects.log_action(
    lead.pk, ContentType.objects.get_for_model(Risk).pk, r1.pk, str(r1), CHANGE, change_message="raised likelihood"
)

push_metric = Metric.objects.order_by("pk").first()
push_metric.source = "push"
push_metric.save()
now = timezone.now()
push.store(
    [
        {"metric": push_metric.key, "value": 100 + i, "observed_at": (now - timedelta(minutes=i)).isoformat()}
        for i in range(5)
    ]
)

incident = Incident.objects.create(title="graph store refused connections", severity="high")
incident.risks.add(Risk.objects.get(code="R-2"))
workflow.record(incident, "note", "started before the split", actor=lead)

review, _ = open_review("monthly")
row = review.reassessments.get(risk=r1)
row.proposed_impact, row.proposed_likelihood, row.rationale = 3, 2, "cache in front of the API"
row.save()
complete(review, lead)
assert Review.objects.get(pk=review.pk).status == "completed"
print("filled")
